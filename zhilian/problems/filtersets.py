import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from zhilian.chains.models import Chain, Segment
from zhilian.core.filters import CheapCopyFilterSet, BooleanFilter, IdFilter, ModelChoiceFilter, YES_NO

from .models import (
    SUB_AREA_CHOICES, Problem, ProblemAssessment, ProblemCategory, ProblemSource, ProblemStatus, SeverityLevel,
)
from .selectors import review_due

SELECT = {"class": "form-select form-select-sm"}
NOT_ASSESSED = 0  # as the chain map calls an unscored problem


class ProblemFilterSet(CheapCopyFilterSet):
    """Filters of the problem list, the API and the Table C.1 export (same parameters everywhere)."""

    chain = ModelChoiceFilter(queryset=Chain.objects.none(), label=_("Chain"),
                                             widget=forms.Select(attrs=SELECT))
    segment = django_filters.ChoiceFilter(choices=Segment.choices, label=_("Segment"),
                                          widget=forms.Select(attrs=SELECT))
    node = IdFilter(field_name="node", label=_("Node"), widget=forms.HiddenInput)
    category = django_filters.ChoiceFilter(choices=ProblemCategory.choices, label=_("Category"),
                                           widget=forms.Select(attrs=SELECT))
    sub_area = django_filters.ChoiceFilter(choices=SUB_AREA_CHOICES, label=_("Sub-area"),
                                           widget=forms.Select(attrs=SELECT))
    # ``0``: the problems not assessed yet (the dashboard's grey segments open them).
    level = django_filters.ChoiceFilter(field_name="severity_level", method="filter_level",
                                        choices=[*SeverityLevel.choices, (NOT_ASSESSED, _("Not assessed"))],
                                        label=_("Severity level"), widget=forms.Select(attrs=SELECT))
    status = django_filters.ChoiceFilter(choices=ProblemStatus.choices, label=_("Status"),
                                         widget=forms.Select(attrs=SELECT))
    source = django_filters.ChoiceFilter(choices=ProblemSource.choices, label=_("Source"),
                                         widget=forms.Select(attrs=SELECT))
    is_common = BooleanFilter(label=_("Common problem"), widget=forms.Select(attrs=SELECT, choices=YES_NO))
    review_due = BooleanFilter(method="filter_review_due", label=_("Review due"),
                               widget=forms.Select(attrs=SELECT, choices=YES_NO))

    class Meta:
        model = Problem
        fields = ["chain", "segment", "category", "sub_area", "level", "status", "source", "is_common", "review_due",
                  "node"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["chain"].offer(Chain, request.user)

    def filter_level(self, queryset, name, value):
        if str(value) == str(NOT_ASSESSED):
            return queryset.filter(severity_level__isnull=True)
        return queryset.filter(severity_level=value)

    def filter_review_due(self, queryset, name, value):
        if value is None:
            return queryset
        due = review_due(queryset)
        return due if value else queryset.exclude(pk__in=due.values("pk"))


class ProblemAssessmentFilterSet(CheapCopyFilterSet):
    """``?problem=<id>``: the assessments of one problem.

    A plain number, not a choice of problems: an id the user may not see gives an empty
    list, exactly like a missing one (no 400 telling the two apart).
    """

    problem = IdFilter(field_name="problem")

    class Meta:
        model = ProblemAssessment
        fields = ["problem"]
