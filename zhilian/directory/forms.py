from django import forms
from django.utils.translation import gettext_lazy as _

from zhilian.core.forms import BaseModelForm

from . import services
from .choices import GovernmentLevel, OrganizationKind
from .models import (
    EnterpriseTalent, Expert, ExpertQualification, InstitutionQualification, Organization, ServiceCommissioner,
    ServiceDomain, ServicePoint, TestingCapability, uscc_taken_message,
)
from .regions import XIAMEN_DISTRICTS

DATE = forms.DateInput()


class OrganizationForm(BaseModelForm):
    service_domains = forms.ModelMultipleChoiceField(
        queryset=ServiceDomain.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Service domains"),
    )

    class Meta:
        model = Organization
        fields = [
            "kind", "name", "short_name", "uscc", "province", "city", "district", "address", "industry", "size",
            "established_on", "legal_representative", "contact_name", "contact_phone", "email", "website",
            "government_level", "parent", "service_domains", "description", "is_active",
        ]
        widgets = {"established_on": forms.DateInput(), "description": forms.Textarea(attrs={"rows": 3}),
                   "district": forms.TextInput(attrs={"list": "district-options"})}

    # Fields that only apply to some kinds; organization_form.js hides the others.
    KIND_FIELDS = {
        "size": [OrganizationKind.ENTERPRISE],
        "government_level": [OrganizationKind.GOVERNMENT],
        "parent": [OrganizationKind.GOVERNMENT],
        "service_domains": [OrganizationKind.INSTITUTION, OrganizationKind.INDUSTRY_ORG, OrganizationKind.RESEARCH],
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Organization.objects.filter(
            kind=OrganizationKind.GOVERNMENT).exclude(government_level=GovernmentLevel.GRASSROOTS)
        self.restrict_choices("parent")
        self.district_options = XIAMEN_DISTRICTS
        for name, kinds in self.KIND_FIELDS.items():
            self.fields[name].widget.attrs["data-kinds"] = " ".join(str(k) for k in kinds)
        if self.instance.pk and self.user is not None and not self.user.has_perm("directory.add_organization"):
            # An organization editing itself may not change what kind of organization it is.
            self.fields["kind"].disabled = True

    def validate_unique(self):
        """A USCC already registered: name the unit holding it when the user may see it."""
        uscc = (self.cleaned_data.get("uscc") or "").strip().upper()
        super().validate_unique()
        if uscc and "uscc" in self.errors:
            holder = Organization._base_manager.filter(uscc=uscc).exclude(pk=self.instance.pk).first()
            if holder is not None:
                self.errors["uscc"] = self.error_class([uscc_taken_message(holder, self.user)])


class InstitutionQualificationForm(BaseModelForm):
    class Meta:
        model = InstitutionQualification
        fields = ["kind", "certificate_no", "issued_on", "valid_until", "scope"]
        widgets = {"issued_on": forms.DateInput(), "valid_until": forms.DateInput(),
                   "scope": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        issued, valid = cleaned.get("issued_on"), cleaned.get("valid_until")
        if issued and valid and valid < issued:
            self.add_error("valid_until", _("The certificate cannot expire before it was issued."))
        return cleaned


class ExpertForm(BaseModelForm):
    domains = forms.ModelMultipleChoiceField(queryset=ServiceDomain.objects.all(), required=False,
                                             widget=forms.CheckboxSelectMultiple, label=_("Service domains"))

    class Meta:
        model = Expert
        fields = ["name", "organization", "employer", "title", "title_level", "domains", "specialties",
                  "quality_experience", "mobile", "email", "id_number", "bio", "is_active"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.restrict_choices("organization")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("organization") and not cleaned.get("employer"):
            cleaned["employer"] = cleaned["organization"].name
        return cleaned


class ExpertQualificationForm(BaseModelForm):
    class Meta:
        model = ExpertQualification
        fields = ["kind", "certificate_no", "valid_until"]
        widgets = {"valid_until": forms.DateInput()}


class WorkingGroupForm(forms.Form):
    """Pick experts for an assistance working group (assistance spec 7.2.1.3)."""

    experts = forms.ModelMultipleChoiceField(queryset=Expert.objects.none(), label=_("Experts"),
                                             widget=forms.SelectMultiple(attrs={"size": 12, "class": "form-select"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = Expert.objects.restrict(user, "view").filter(is_active=True).order_by("name_sort")


class CapabilityRosterForm(forms.Form):
    keywords = forms.CharField(
        label=_("Product keywords"), max_length=300, required=False,
        help_text=_("One or more products, separated by commas or 、, e.g. 玻璃基板、偏光片"),
        widget=forms.TextInput(attrs={"placeholder": "玻璃基板、偏光片、液晶显示面板"}),
    )
    widen = forms.BooleanField(label=_("Also match parameters, methods and standards"), required=False)


class TestingCapabilityForm(BaseModelForm):
    class Meta:
        model = TestingCapability
        fields = ["institution", "product", "parameter", "method", "standard_code", "qualification", "limitation"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Organization.objects.filter(kind=OrganizationKind.INSTITUTION)
        self.restrict_choices("institution", "change")

    def clean(self):
        """The service's certificate check (the API runs the same): no line under a kind of
        which the institution holds no certificate."""
        cleaned = super().clean()
        errors = services.capability_certificate_errors(
            user=self.user, institution=cleaned.get("institution"), qualification=cleaned.get("qualification"))
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field, message)
        return cleaned


class ServicePointForm(BaseModelForm):
    class Meta:
        model = ServicePoint
        fields = ["name", "level", "parent", "operator", "district", "address", "phone"]
        widgets = {"district": forms.TextInput(attrs={"list": "district-options"})}

    district_options = XIAMEN_DISTRICTS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.restrict_choices("parent")
        self.fields["operator"].queryset = Organization.objects.exclude(kind=OrganizationKind.ENTERPRISE)
        self.restrict_choices("operator")


class ServiceCommissionerForm(BaseModelForm):
    class Meta:
        model = ServiceCommissioner
        fields = ["name", "user", "organization", "service_point", "districts", "specialties", "mobile", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.restrict_choices("user")
        self.fields["organization"].queryset = Organization.objects.exclude(kind=OrganizationKind.ENTERPRISE)
        self.restrict_choices("organization")
        self.restrict_choices("service_point")


class EnterpriseTalentForm(BaseModelForm):
    class Meta:
        model = EnterpriseTalent
        fields = ["name", "enterprise", "talent_type", "position", "qualifications", "mobile", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Organization.objects.filter(kind=OrganizationKind.ENTERPRISE)
        self.restrict_choices("enterprise", "change")
