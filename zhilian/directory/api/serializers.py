"""Serializers of the directory API. Field names are a contract: add, never rename."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from zhilian.core.api.fields import IdField, RecordUrlField, reads_input
from zhilian.core.api.masking import revealed
from zhilian.core.masking import id_number_for, mobile_for

from ..choices import CertificateStatus
from ..models import (
    EnterpriseTalent, Expert, ExpertQualification, InstitutionQualification, Organization, ServiceCommissioner,
    ServiceDomain, ServicePoint, TestingCapability, uscc_taken_message,
)
from ..models import home_city_errors
from ..validators import validate_id_number, validate_mobile_or_phone, validate_uscc


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _visible_organization(serializer, value):
    """An organization link holds a unit the caller may see, as the forms offer (PLT-02): an id
    outside its scope is answered like one that does not exist."""
    user = _user(serializer)
    if value is not None and user is not None and \
            not Organization.objects.restrict(user, "view").filter(pk=value.pk).exists():
        raise serializers.ValidationError(_("Unknown organization."))
    return value


class MaskedPhoneField(serializers.CharField):
    """A phone number, masked for callers without the unmask permission (SEC-07), checked as
    the models check it (a declared field does not take over the model field's validators)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validators", [validate_mobile_or_phone])
        super().__init__(**kwargs)

    def to_representation(self, value):
        if revealed(self):  # a party of the record asked for it (core.masking.register_reveal)
            return super().to_representation(value)
        request = self.context.get("request")
        return mobile_for(getattr(request, "user", None), super().to_representation(value))


class MaskedIdNumberField(serializers.CharField):
    """A resident identity number, masked for callers without the unmask permission (SEC-07)."""

    def to_representation(self, value):
        if revealed(self):
            return super().to_representation(value)
        request = self.context.get("request")
        return id_number_for(getattr(request, "user", None), super().to_representation(value))


class InstitutionQualificationSerializer(serializers.ModelSerializer):
    expiry_status = serializers.CharField(
        read_only=True, help_text="valid, expiring (within 90 days), expired, or not_yet_valid (issued after today)")

    class Meta:
        model = InstitutionQualification
        fields = ["id", "kind", "certificate_no", "issued_on", "valid_until", "scope", "expiry_status"]


class OrganizationSerializer(serializers.ModelSerializer):
    """An organization of the directory. ``kind`` is one of enterprise, institution,
    industry_org, research, government; ``uscc`` is checked against GB 32100."""

    service_domains = serializers.SlugRelatedField(slug_field="code", many=True, required=False,
                                                   queryset=ServiceDomain.objects.all())
    contact_phone = MaskedPhoneField(required=False, allow_blank=True, max_length=30)
    qualifications = InstitutionQualificationSerializer(many=True, read_only=True)
    url = RecordUrlField(view_name="organization-detail")

    class Meta:
        model = Organization
        fields = [
            "id", "url", "kind", "name", "short_name", "uscc", "province", "city", "district", "address", "industry",
            "size", "established_on", "legal_representative", "contact_name", "contact_phone", "email", "website",
            "description", "parent", "government_level", "service_domains", "qualifications", "is_active",
            "version", "created_at", "updated_at",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]
        # The duplicate check is validate_uscc's (it names the holder when the caller may see it).
        extra_kwargs = {"uscc": {"allow_null": True, "required": False, "validators": [validate_uscc]}}

    def validate_uscc(self, value):
        uscc = (value or "").strip().upper() or None
        if uscc:
            holder = Organization._base_manager.filter(uscc=uscc).exclude(
                pk=self.instance.pk if self.instance is not None else None).first()
            if holder is not None:
                raise serializers.ValidationError(uscc_taken_message(holder, _user(self)), code="unique")
        return uscc

    def get_fields(self):
        fields = super().get_fields()
        if reads_input(self) and "parent" in fields and not getattr(fields["parent"], "read_only", False):
            fields["parent"].queryset = Organization.objects.restrict(_user(self), "view").filter(kind="government")
        return fields

    def validate(self, attrs):
        instance = Organization(**{k: v for k, v in attrs.items() if k != "service_domains"})
        if self.instance is not None:
            for field in Organization._meta.concrete_fields:
                if field.name not in attrs and not field.primary_key:
                    setattr(instance, field.attname, getattr(self.instance, field.attname))
        instance.clean()  # raises Django ValidationError by field → 400 via the exception handler
        attrs["uscc"] = instance.uscc
        return attrs


class ExpertQualificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExpertQualification
        fields = ["id", "kind", "certificate_no", "valid_until"]


class ExpertSerializer(serializers.ModelSerializer):
    """An expert of the library (DIR-02); ``eligible`` applies assistance spec 7.2.1.3."""

    domains = serializers.SlugRelatedField(slug_field="code", many=True, required=False,
                                           queryset=ServiceDomain.objects.all())
    mobile = MaskedPhoneField(required=False, allow_blank=True, max_length=20)
    id_number = MaskedIdNumberField(required=False, allow_blank=True, max_length=18)
    qualifications = ExpertQualificationSerializer(many=True, read_only=True)
    eligible = serializers.SerializerMethodField(
        help_text="Whether the expert may join an assistance working group (assistance spec 7.2.1.3: an "
                  "intermediate professional title or above, or one of the listed qualifications).")
    eligibility_reasons = serializers.SerializerMethodField(
        help_text="Why the expert is not eligible, one reason a line; empty when eligible.")

    class Meta:
        model = Expert
        fields = ["id", "name", "organization", "employer", "title", "title_level", "domains", "specialties",
                  "quality_experience", "mobile", "email", "id_number", "bio", "is_active", "qualifications",
                  "eligible", "eligibility_reasons", "version", "created_at", "updated_at"]
        read_only_fields = ["version", "created_at", "updated_at"]

    def get_eligible(self, obj) -> bool:
        return obj.eligibility()[0]

    def get_eligibility_reasons(self, obj) -> list[str]:
        return obj.eligibility()[1]

    def validate_organization(self, value):
        return _visible_organization(self, value)

    def validate_id_number(self, value):
        value = (value or "").strip().upper()
        validate_id_number(value)  # GB 11643, as the form and the import check it
        return value


class WorkingGroupCheckSerializer(serializers.Serializer):
    experts = serializers.ListField(child=IdField(), allow_empty=False,
                                    help_text="Ids of the experts proposed for the working group")


class EligibilitySerializer(serializers.Serializer):
    expert = serializers.IntegerField(source="expert.pk")
    name = serializers.CharField(source="expert.name")
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class TestingCapabilitySerializer(serializers.ModelSerializer):
    """One testing capability line: product × parameter × method (DIR-04)."""

    institution_name = serializers.CharField(source="institution.name", read_only=True)
    certificate_status = serializers.ChoiceField(
        choices=CertificateStatus.choices, allow_blank=True, read_only=True,
        help_text="Whether the institution's certificate of the kind the line is accredited under covers it today: "
        "valid, expiring (within 90 days), expired, not_yet_valid (a certificate of the kind is on record but issued "
        "after today) or missing (no certificate of the kind on record); the last three are not counted as "
        "qualified, as the pages flag them. Empty when the line is not accredited.")

    class Meta:
        model = TestingCapability
        fields = ["id", "institution", "institution_name", "product", "parameter", "method", "standard_code",
                  "qualification", "limitation", "certificate_status", "version", "created_at", "updated_at"]
        read_only_fields = ["version", "created_at", "updated_at"]

    def validate_institution(self, value):
        user = _user(self)
        if value.kind != "institution":
            raise serializers.ValidationError(_("Choose a technical institution."))
        if user is not None and not Organization.objects.restrict(user, "change").filter(pk=value.pk).exists():
            raise serializers.ValidationError(_("You may not record capabilities of this institution."))
        return value

    def validate(self, attrs):
        """The service's certificate check, as the form runs it (``services.capability_certificate_errors``).
        A field not sent keeps the line's value; an institution sent and refused is not checked."""
        from .. import services

        if "institution" in self.initial_data and "institution" not in attrs:
            return attrs
        institution = attrs.get("institution", getattr(self.instance, "institution", None))
        qualification = attrs.get("qualification", getattr(self.instance, "qualification", ""))
        errors = services.capability_certificate_errors(user=_user(self), institution=institution,
                                                        qualification=qualification)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def update(self, instance, validated_data):
        instance = super().update(instance, validated_data)
        # The answer states the certificate of the line as saved, not the one read before.
        instance.__dict__.pop("certificate_valid_until", None)
        instance.__dict__.pop("certificate_starts_on", None)
        instance.__dict__.pop("_certificate_status", None)
        return instance


class ServicePointSerializer(serializers.ModelSerializer):
    """A node of the "1+3+N" service network (DIR-03): center, hub or station."""

    phone = MaskedPhoneField(required=False, allow_blank=True, max_length=30)
    commissioners = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ServicePoint
        fields = ["id", "name", "level", "parent", "operator", "district", "address", "phone", "commissioners",
                  "version", "created_at", "updated_at"]
        read_only_fields = ["version", "created_at", "updated_at"]

    def validate(self, attrs):
        probe = ServicePoint(**attrs)
        if self.instance is not None:
            for field in ServicePoint._meta.concrete_fields:
                if field.name not in attrs and not field.primary_key:
                    setattr(probe, field.attname, getattr(self.instance, field.attname))
        probe.clean()
        return attrs


class ServiceCommissionerSerializer(serializers.ModelSerializer):
    """A service commissioner (DIR-03) and the districts it serves."""

    mobile = MaskedPhoneField(required=False, allow_blank=True, max_length=20)
    service_point_name = serializers.SerializerMethodField()

    class Meta:
        model = ServiceCommissioner
        fields = ["id", "name", "organization", "service_point", "service_point_name", "districts", "specialties",
                  "mobile", "is_active", "version", "created_at", "updated_at"]
        read_only_fields = ["version", "created_at", "updated_at"]

    def get_service_point_name(self, obj) -> str | None:
        return obj.service_point.name if obj.service_point_id else None

    def validate_organization(self, value):
        # A commissioner edits its own record; any id it sent was kept and its page then named
        # the unit (an enterprise of a district it does not serve).
        return _visible_organization(self, value)

    def validate_districts(self, value):
        errors = home_city_errors(ServiceCommissioner(districts=value).district_list)
        if errors:
            raise serializers.ValidationError(errors)
        return value


class EnterpriseTalentSerializer(serializers.ModelSerializer):
    """A quality professional of an enterprise (enterprise-talent library, DIR-03)."""

    mobile = MaskedPhoneField(required=False, allow_blank=True, max_length=20)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = EnterpriseTalent
        fields = ["id", "name", "enterprise", "enterprise_name", "talent_type", "position", "qualifications", "mobile",
                  "is_active", "version", "created_at", "updated_at"]
        read_only_fields = ["version", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        if reads_input(self) and not fields["enterprise"].read_only:
            fields["enterprise"].queryset = Organization.objects.restrict(_user(self), "view")
        return fields

    def validate_enterprise(self, value):
        user = _user(self)
        if value.kind != "enterprise":
            raise serializers.ValidationError(_("Choose an enterprise."))
        if user is not None and not Organization.objects.restrict(user, "change").filter(pk=value.pk).exists():
            raise serializers.ValidationError(_("Unknown enterprise."))
        return value


class ServiceDomainSerializer(serializers.ModelSerializer):
    """An NQI service field (SC guide §5): ``code`` is what an organization's ``service_domains``
    and an expert's ``domains`` hold."""

    label = serializers.CharField(read_only=True, help_text=gettext_lazy("The domain in the caller's language."))

    class Meta:
        model = ServiceDomain
        fields = ["id", "code", "name", "label"]
        read_only_fields = fields
        extra_kwargs = {"name": {"help_text": gettext_lazy("The name the Excel imports accept as well as the code.")}}
