import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.core.filters import CheapCopyFilterSet, ALL, BooleanFilter, IdFilter, YES_NO
from zhilian.directory.filtersets import SELECT, district_widget

from .choices import NeedCategory, NeedStatus
from .models import Need, NeedAssignment
from .selectors import overdue_condition

SCOPE_CHOICES = [("", ALL), ("open", _("Open")), ("unassigned", _("Waiting for a commissioner")),
                 ("mine", _("Mine"))]


class NeedFilterSet(CheapCopyFilterSet):
    status = django_filters.ChoiceFilter(choices=NeedStatus.choices, label=_("Status"), widget=forms.Select(attrs=SELECT))
    category = django_filters.ChoiceFilter(choices=NeedCategory.choices, label=pgettext_lazy("need", "Category"),
                                           widget=forms.Select(attrs=SELECT))
    district = django_filters.CharFilter(field_name="enterprise__district", label=_("District"),
                                         widget=district_widget())
    scope = django_filters.ChoiceFilter(choices=SCOPE_CHOICES[1:], label=pgettext_lazy("list scope", "Show"), method="filter_scope",
                                        widget=forms.Select(attrs=SELECT, choices=SCOPE_CHOICES))
    overdue = BooleanFilter(label=_("Overdue"), method="filter_overdue",
                            widget=forms.Select(attrs=SELECT, choices=YES_NO))
    enterprise = IdFilter(field_name="enterprise", widget=forms.HiddenInput)
    # The "all needs" links of the directory's pages: a commissioner's, an institution's, an expert's.
    commissioner = IdFilter(field_name="commissioner", widget=forms.HiddenInput)
    institution = IdFilter(method="filter_provider", widget=forms.HiddenInput)
    expert = IdFilter(method="filter_provider", widget=forms.HiddenInput)

    class Meta:
        model = Need
        fields = ["status", "category", "district", "scope", "overdue", "enterprise", "commissioner", "institution",
                  "expert"]

    def filter_provider(self, queryset, name, value):
        return queryset.filter(pk__in=NeedAssignment.objects.filter(**{f"{name}_id": value}).values("need"))

    def filter_scope(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value == "open":
            return queryset.open()
        if value == "unassigned":
            return queryset.filter(status=NeedStatus.SUBMITTED, commissioner__isnull=True)
        if value == "mine" and user is not None:
            mine = Q(commissioner__user=user) | Q(filed_by=user)
            if user.organization_id:
                mine |= Q(enterprise_id=user.organization_id) | Q(
                    pk__in=NeedAssignment.objects.filter(institution_id=user.organization_id).values("need"))
            mine |= Q(pk__in=NeedAssignment.objects.filter(expert__user=user).values("need"))
            return queryset.filter(mine)
        return queryset

    def filter_overdue(self, queryset, name, value):
        late = overdue_condition()
        if value is None:
            return queryset
        return queryset.filter(late) if value else queryset.exclude(late)
