import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.chains.models import Chain
from zhilian.consortia.models import Consortium
from zhilian.core.filters import CheapCopyFilterSet, BooleanFilter, IdFilter, ModelChoiceFilter, YES_NO

from .choices import Direction, ProjectStatus, RiskKind, RiskLevel, RiskSource, RiskStatus
from .models import Project, RiskWarning
from .selectors import with_overdue_milestones

SELECT = {"class": "form-select form-select-sm"}


class ProjectFilterSet(CheapCopyFilterSet):
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices, label=_("Status"),
                                         widget=forms.Select(attrs=SELECT))
    direction = django_filters.ChoiceFilter(choices=Direction.choices, label=_("Direction"),
                                            widget=forms.Select(attrs=SELECT))
    chain = ModelChoiceFilter(queryset=Chain.objects.none(), label=_("Industrial chain"),
                                             widget=forms.Select(attrs=SELECT))
    consortium = ModelChoiceFilter(queryset=Consortium.objects.none(), label=_("Consortium"),
                                                  widget=forms.Select(attrs=SELECT))
    problem = IdFilter(field_name="problems", label=_("Problem id"), widget=forms.HiddenInput)
    priority = BooleanFilter(label=_("Priority applicants"), widget=forms.Select(
        attrs=SELECT, choices=YES_NO))
    overdue = BooleanFilter(label=_("Overdue milestone"), method="filter_overdue",
                            widget=forms.Select(attrs=SELECT, choices=YES_NO))

    class Meta:
        model = Project
        fields = ["status", "direction", "chain", "consortium", "problem", "priority", "overdue"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["chain"].offer(Chain, request.user)
            self.filters["consortium"].offer(Consortium, request.user, build=lambda rows: rows.approved(),
                                             kept_as="approved")

    def filter_overdue(self, queryset, name, value):
        """Running projects with a milestone past due and not completed (the dashboard's figure)."""
        if value is None:
            return queryset
        late = with_overdue_milestones(queryset)
        return late if value else queryset.exclude(pk__in=late.values("pk"))


class RiskFilterSet(CheapCopyFilterSet):
    status = django_filters.ChoiceFilter(choices=RiskStatus.choices, label=_("Status"), widget=forms.Select(attrs=SELECT))
    source = django_filters.ChoiceFilter(choices=RiskSource.choices, label=_("Source"), widget=forms.Select(attrs=SELECT))
    kind = django_filters.ChoiceFilter(choices=RiskKind.choices, label=pgettext_lazy("classification", "Kind"), widget=forms.Select(attrs=SELECT))
    level = django_filters.ChoiceFilter(choices=RiskLevel.choices, label=pgettext_lazy("risk level", "Level"), widget=forms.Select(attrs=SELECT))

    class Meta:
        model = RiskWarning
        fields = ["status", "source", "kind", "level"]
