"""A filterset sets itself up for each request without deep copies (core.filters.CheapCopyFilterSet):
each request still has filters, fields and choices of its own, and nothing one request sets on
them reaches the class or another request."""

import copy
from unittest import mock

import pytest
from django import forms
from django.test import RequestFactory

from zhilian.achievements.filtersets import AchievementFilterSet
from zhilian.achievements.models import Achievement
from zhilian.chains.models import Chain
from zhilian.chains.services import chain_create
from zhilian.problems.filtersets import ProblemFilterSet
from zhilian.problems.models import Problem


def _filterset(filterset_class, model, user, data=None):
    request = RequestFactory().get("/", data or {})
    request.user = user
    return filterset_class(data or None, queryset=model.objects.restrict(user, "view"), request=request)


def _chain_ids(form):
    return sorted(str(value) for value, _label in form.fields["chain"].choices if value != "")


@pytest.mark.req("PLT-02")
def test_each_request_has_its_own_filters_fields_and_scope(persona):
    city, outsider = persona("city"), persona("member")
    draft = chain_create(user=city, name="测试草稿产业链（筛选副本）", industry="测试")
    base = ProblemFilterSet.base_filters["chain"]
    base_state = (dict(base.extra), base.queryset, hasattr(base, "parent"), hasattr(base, "_field"))

    mine, theirs = _filterset(ProblemFilterSet, Problem, city), _filterset(ProblemFilterSet, Problem, outsider)
    my_form, their_form = mine.form, theirs.form  # both built before either is read
    assert mine.filters["chain"] is not theirs.filters["chain"] is not base
    assert mine.filters["chain"].extra is not theirs.filters["chain"].extra is not base.extra
    assert my_form.fields["chain"] is not their_form.fields["chain"]
    assert my_form.fields["level"].widget is not their_form.fields["level"].widget
    assert _chain_ids(my_form) == sorted(str(c.pk) for c in Chain.objects.restrict(city, "view"))
    assert _chain_ids(their_form) == sorted(str(c.pk) for c in Chain.objects.restrict(outsider, "view"))
    assert str(draft.pk) in _chain_ids(my_form) and str(draft.pk) not in _chain_ids(their_form)
    # The class's filter is as it was: no user's queryset, parent or field left on it.
    assert (dict(base.extra), base.queryset, hasattr(base, "parent"), hasattr(base, "_field")) == base_state

    refused = _filterset(ProblemFilterSet, Problem, outsider, {"chain": str(draft.pk)})
    assert not refused.is_valid() and "chain" in refused.errors
    accepted = _filterset(ProblemFilterSet, Problem, city, {"chain": str(draft.pk)})
    assert accepted.is_valid() and list(accepted.qs) == []


@pytest.mark.req("PRB-03")
def test_a_method_filter_runs_on_its_own_request(persona):
    # ``level=0`` goes through the filterset's method: it must be this filterset's, reading
    # this request's queryset, not the class's or another request's.
    user = persona("mgmt")
    visible = Problem.objects.restrict(user, "view")
    for data, expected in (({"level": "0"}, visible.filter(severity_level__isnull=True)),
                           ({"level": "1"}, visible.filter(severity_level=1))):
        filterset = _filterset(ProblemFilterSet, Problem, user, data)
        assert filterset.is_valid(), filterset.errors
        level = filterset.filters["level"]
        assert level.filter.f is level and level.parent is filterset
        assert sorted(p.pk for p in filterset.qs) == sorted(p.pk for p in expected)


@pytest.mark.req("ACH-02")
def test_a_widget_one_filterset_swaps_stays_its_own(persona):
    base_widget = AchievementFilterSet.base_filters["project"].extra.get("widget")
    filterset = _filterset(AchievementFilterSet, Achievement, persona("icmember"))
    assert isinstance(filterset.form.fields["project"].widget, forms.HiddenInput)
    assert AchievementFilterSet.base_filters["project"].extra.get("widget") is base_widget


def test_no_filter_or_field_is_deep_copied(persona):
    copied = []
    real = copy.deepcopy

    def recording(value, *args, **kwargs):
        if isinstance(value, dict) and any(hasattr(v, "filter") or isinstance(v, forms.Field)
                                           for v in value.values()):
            copied.append(type(next(iter(value.values()))).__name__)
        return real(value, *args, **kwargs)

    user = persona("mgmt")
    with mock.patch.object(copy, "deepcopy", recording):
        filterset = _filterset(ProblemFilterSet, Problem, user, {"category": "technology"})
        assert filterset.is_valid(), filterset.errors
        str(filterset.form)
    assert copied == []
