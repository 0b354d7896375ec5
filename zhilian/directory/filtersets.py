"""List filters of the directory pages and API (the same filterset serves both)."""

import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhilian.core.filters import CheapCopyFilterSet, ALL, BooleanFilter, IdFilter, ModelChoiceFilter, YES_NO

from .choices import (
    ExpertQualificationKind, GovernmentLevel, OrganizationKind, QualificationKind, ServicePointLevel, SizeClass,
    TalentType, TitleLevel,
)
from .models import (
    EXPIRY_WARNING_DAYS, EnterpriseTalent, Expert, ExpertQualification, InstitutionQualification, Organization,
    ServiceCommissioner, ServiceDomain, ServicePoint, TestingCapability,
)
from .regions import PROVINCE_CHOICES, XIAMEN_DISTRICTS

SELECT = {"class": "form-select form-select-sm"}
TEXT = {"class": "form-control form-control-sm"}


def district_widget():
    # Free text underneath (the API accepts any district), offered as the city's districts.
    return forms.Select(attrs=SELECT, choices=[("", ALL)] + [(d, d) for d in XIAMEN_DISTRICTS])


class OrganizationFilterSet(CheapCopyFilterSet):
    kind = django_filters.ChoiceFilter(choices=OrganizationKind.choices, label=_("Kind"),
                                       widget=forms.Select(attrs=SELECT))
    province = django_filters.ChoiceFilter(choices=PROVINCE_CHOICES, label=_("Province"),
                                           widget=forms.Select(attrs=SELECT))
    district = django_filters.CharFilter(label=_("District"), widget=district_widget())
    size = django_filters.ChoiceFilter(choices=SizeClass.choices, label=_("Size class"),
                                       widget=forms.Select(attrs=SELECT))
    industry = django_filters.CharFilter(lookup_expr="icontains", label=_("Industry"),
                                         widget=forms.TextInput(attrs=TEXT))
    service_domain = ModelChoiceFilter(
        field_name="service_domains", queryset=ServiceDomain.objects.all(), label=_("Service domain"),
        widget=forms.Select(attrs=SELECT), to_field_name="code", kept_as="every service domain",
    )
    qualification = django_filters.ChoiceFilter(
        choices=QualificationKind.choices, label=_("Qualification"), method="filter_qualification",
        widget=forms.Select(attrs=SELECT),
    )
    government_level = django_filters.ChoiceFilter(choices=GovernmentLevel.choices, label=_("Government level"),
                                                   widget=forms.Select(attrs=SELECT))
    is_active = BooleanFilter(label=_("Active"), widget=forms.Select(attrs=SELECT, choices=YES_NO))
    placed = BooleanFilter(label=_("Placed on a chain map"), method="filter_placed",
                           widget=forms.Select(attrs=SELECT, choices=YES_NO))

    class Meta:
        model = Organization
        fields = ["kind", "province", "district", "size", "industry", "service_domain", "qualification",
                  "government_level", "is_active", "placed"]

    def filter_placed(self, queryset, name, value):
        """Units placed on a chain map the user sees (the chain map's 上图企业), or the others."""
        if value is None:
            return queryset
        from django.contrib.auth.models import AnonymousUser

        from zhilian.chains.selectors import placed_enterprises

        placed = placed_enterprises(getattr(self.request, "user", None) or AnonymousUser())
        return queryset.filter(pk__in=placed) if value else queryset.exclude(pk__in=placed)

    def filter_qualification(self, queryset, name, value):
        """Institutions holding a currently valid certificate of that kind."""
        holders = InstitutionQualification.objects.filter(kind=value, valid_until__gte=timezone.localdate())
        return queryset.filter(pk__in=holders.values("organization"))


class ExpertFilterSet(CheapCopyFilterSet):
    title_level = django_filters.ChoiceFilter(choices=TitleLevel.choices, label=_("Title level"),
                                              widget=forms.Select(attrs=SELECT))
    domain = ModelChoiceFilter(field_name="domains", queryset=ServiceDomain.objects.all(),
                                              kept_as="every service domain", to_field_name="code",
                                              label=_("Service domain"),
                                              widget=forms.Select(attrs=SELECT))
    qualification = django_filters.ChoiceFilter(choices=ExpertQualificationKind.choices, label=_("Qualification"),
                                                method="filter_qualification", widget=forms.Select(attrs=SELECT))
    eligible = BooleanFilter(label=_("Eligible for working groups"), method="filter_eligible",
                             widget=forms.Select(attrs=SELECT, choices=YES_NO))
    specialty = django_filters.CharFilter(field_name="specialties", lookup_expr="icontains", label=_("Specialty"),
                                          widget=forms.TextInput(attrs=TEXT))

    class Meta:
        model = Expert
        fields = ["title_level", "domain", "qualification", "eligible", "specialty"]

    def filter_qualification(self, queryset, name, value):
        return queryset.filter(pk__in=ExpertQualification.objects.filter(kind=value).values("expert"))

    def filter_eligible(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.eligible() if value else queryset.ineligible()


class TestingCapabilityFilterSet(CheapCopyFilterSet):
    product = django_filters.CharFilter(lookup_expr="icontains", label=_("Product / object"),
                                        widget=forms.TextInput(attrs=TEXT))
    parameter = django_filters.CharFilter(lookup_expr="icontains", label=_("Parameter / item"),
                                          widget=forms.TextInput(attrs=TEXT))
    method = django_filters.CharFilter(lookup_expr="icontains", label=_("Test method"),
                                       widget=forms.TextInput(attrs=TEXT))
    standard = django_filters.CharFilter(field_name="standard_code", lookup_expr="icontains",
                                         label=_("Standard number"), widget=forms.TextInput(attrs=TEXT))
    qualification = django_filters.ChoiceFilter(choices=QualificationKind.choices, label=_("Accredited under"),
                                                widget=forms.Select(attrs=SELECT))
    district = django_filters.CharFilter(field_name="institution__district", label=_("District"),
                                         widget=district_widget())
    # Set by the link from an institution's page; a select of every institution would be huge.
    institution = IdFilter(field_name="institution", widget=forms.HiddenInput)

    class Meta:
        model = TestingCapability
        fields = ["product", "parameter", "method", "standard", "qualification", "district", "institution"]


class QualificationFilterSet(CheapCopyFilterSet):
    """Certificates, e.g. the ones lapsing within 90 days."""

    kind = django_filters.ChoiceFilter(choices=QualificationKind.choices, label=_("Qualification"),
                                       widget=forms.Select(attrs=SELECT))
    expiring = BooleanFilter(label=_("Expired or expiring within 90 days"), method="filter_expiring",
                             widget=forms.Select(attrs=SELECT, choices=YES_NO))

    class Meta:
        model = InstitutionQualification
        fields = ["kind", "expiring"]

    def filter_expiring(self, queryset, name, value):
        horizon = timezone.localdate() + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
        if value is None:
            return queryset
        return queryset.filter(valid_until__lte=horizon) if value else queryset.filter(valid_until__gt=horizon)


class ServicePointFilterSet(CheapCopyFilterSet):
    level = django_filters.ChoiceFilter(choices=ServicePointLevel.choices, label=_("Level"),
                                        widget=forms.Select(attrs=SELECT))
    district = django_filters.CharFilter(label=_("District"), widget=district_widget())

    class Meta:
        model = ServicePoint
        fields = ["level", "district"]


class ServiceCommissionerFilterSet(CheapCopyFilterSet):
    service_point = ModelChoiceFilter(queryset=ServicePoint.objects.all(), label=_("Service point"),
                                                     widget=forms.Select(attrs=SELECT))
    district = django_filters.CharFilter(field_name="districts", lookup_expr="icontains", label=_("District served"),
                                         widget=district_widget())
    specialty = django_filters.CharFilter(field_name="specialties", lookup_expr="icontains", label=_("Specialty"),
                                          widget=forms.TextInput(attrs=TEXT))
    is_active = BooleanFilter(label=_("Active"), widget=forms.Select(attrs=SELECT, choices=YES_NO))

    class Meta:
        model = ServiceCommissioner
        fields = ["service_point", "district", "specialty", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["service_point"].offer(ServicePoint, user)


class EnterpriseTalentFilterSet(CheapCopyFilterSet):
    talent_type = django_filters.ChoiceFilter(choices=TalentType.choices, label=_("Talent type"),
                                              widget=forms.Select(attrs=SELECT))
    district = django_filters.CharFilter(field_name="enterprise__district", label=_("District"),
                                         widget=district_widget())
    enterprise = IdFilter(field_name="enterprise", widget=forms.HiddenInput)
    is_active = BooleanFilter(label=_("Active"), widget=forms.Select(attrs=SELECT, choices=YES_NO))

    class Meta:
        model = EnterpriseTalent
        fields = ["talent_type", "district", "enterprise", "is_active"]
