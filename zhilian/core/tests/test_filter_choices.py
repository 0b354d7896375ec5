"""A list's model filter offers its choices kept until their table changes (core.filters.ModelChoiceFilter),
each user only the records their scope shows, and a value sent is still checked against that scope."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from zhilian.chains.models import Chain
from zhilian.chains.services import chain_create
from zhilian.directory.filtersets import OrganizationFilterSet
from zhilian.directory.models import Organization, ServiceDomain
from zhilian.problems.filtersets import ProblemFilterSet
from zhilian.problems.models import Problem


def _form(filterset_class, model, user, data=None):
    request = RequestFactory().get("/", data or {})
    request.user = user
    return filterset_class(data or None, queryset=model.objects.restrict(user, "view"), request=request).form


def _offered(form, name):
    return [(str(value), str(label)) for value, label in form.fields[name].choices if value != ""]


def _queries_on(table, run):
    with CaptureQueriesContext(connection) as captured:
        result = run()
    return result, [q["sql"] for q in captured.captured_queries if f'"{table}"' in q["sql"]]


@pytest.mark.req("PLT-08")
@pytest.mark.req("DIR-04")
def test_choices_are_read_once_then_kept_until_their_table_changes(persona):
    user = persona("mgmt")
    expected = [(d.code, str(d)) for d in ServiceDomain.objects.all()]
    first, read = _queries_on("directory_servicedomain",
                              lambda: _offered(_form(OrganizationFilterSet, Organization, user), "service_domain"))
    assert first == expected and read
    again, read = _queries_on("directory_servicedomain",
                              lambda: _offered(_form(OrganizationFilterSet, Organization, user), "service_domain"))
    assert again == expected and not read  # kept: no query for the choices

    added = ServiceDomain.objects.create(code="zl-test-domain", name="质量追溯（测试领域）", order=99)
    after, read = _queries_on("directory_servicedomain",
                              lambda: _offered(_form(OrganizationFilterSet, Organization, user), "service_domain"))
    assert read and after == expected + [(added.code, str(added))]

    # Kept per language: labels that are translated are not served in the other one.
    with translation.override("en"):
        english, read = _queries_on("directory_servicedomain",
                                    lambda: _offered(_form(OrganizationFilterSet, Organization, user), "service_domain"))
        in_english = [(d.code, str(d)) for d in ServiceDomain.objects.all()]
    assert read and english == in_english and english != after


@pytest.mark.req("PLT-02")
@pytest.mark.req("MAP-07")
def test_each_user_is_offered_the_chains_of_their_own_scope_and_cannot_filter_by_another(persona):
    city, outsider = persona("city"), persona("member")
    draft = chain_create(user=city, name="测试草稿产业链（筛选选项）", industry="测试")
    offered = {}
    for user in (city, outsider, city, outsider):  # the second time from the kept choices
        expected = sorted((str(c.pk), str(c)) for c in Chain.objects.restrict(user, "view"))
        offered[user.username] = _offered(_form(ProblemFilterSet, Problem, user), "chain")
        assert sorted(offered[user.username]) == expected
    assert (str(draft.pk), str(draft)) in offered["city"]
    assert str(draft.pk) not in {value for value, _ in offered["member"]}
    form = _form(ProblemFilterSet, Problem, outsider, {"chain": str(draft.pk)})
    assert not form.is_valid() and "chain" in form.errors


@pytest.mark.req("PLT-02")
@pytest.mark.req("DIR-04")
def test_named_choices_are_found_without_writing_their_sql_and_a_replaced_queryset_is_not_named(persona, monkeypatch):
    """Choices declared with ``kept_as`` or offered for a user's scope are kept under that name,
    not under their SQL: finding them writes no SQL. A filter whose queryset is replaced after it
    was named offers the replaced queryset's rows (looked up by their SQL)."""
    from django.db.models.sql.query import Query

    written = []
    original = Query.sql_with_params
    monkeypatch.setattr(Query, "sql_with_params",
                        lambda self: written.append(self.model) or original(self))
    user = persona("city")
    for _ in range(2):
        offered = _offered(_form(ProblemFilterSet, Problem, user), "chain")
        assert sorted(offered) == sorted((str(c.pk), str(c)) for c in Chain.objects.restrict(user, "view"))
        domains = _offered(_form(OrganizationFilterSet, Organization, user), "service_domain")
        assert domains == [(d.code, str(d)) for d in ServiceDomain.objects.all()]
    assert Chain not in written and ServiceDomain not in written

    request = RequestFactory().get("/")
    request.user = user
    filterset = ProblemFilterSet(None, queryset=Problem.objects.restrict(user, "view"), request=request)
    first = Chain.objects.restrict(user, "view").order_by("pk").first()
    filterset.filters["chain"].queryset = Chain.objects.filter(pk=first.pk)
    assert _offered(filterset.form, "chain") == [(str(first.pk), str(first))]
    assert Chain in written
    form = _form(ProblemFilterSet, Problem, user)
    form.fields["chain"].queryset = Chain.objects.filter(pk=first.pk)  # on the form's field itself
    assert _offered(form, "chain") == [(str(first.pk), str(first))]
