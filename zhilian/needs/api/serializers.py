"""Serializers of the needs API (DIR-05). Field names are a contract: add, never rename."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from zhilian.core.api.fields import IdField

from zhilian.directory.api.serializers import MaskedPhoneField
from zhilian.directory.models import Organization

from ..choices import NeedCategory, Satisfaction
from ..models import Need, NeedAssignment
from ..selectors import available_actions


class NeedAssignmentSerializer(serializers.ModelSerializer):
    provider_kind = serializers.CharField(read_only=True, help_text="institution or expert")
    provider_name = serializers.CharField(source="provider", read_only=True)
    match_reasons = serializers.CharField(source="match_reasons_shown", read_only=True,
                                          help_text="Why the provider matched, in the caller's language")

    class Meta:
        model = NeedAssignment
        fields = ["id", "provider_kind", "institution", "expert", "provider_name", "status", "note", "match_reasons",
                  "assigned_at", "respond_due", "responded_at", "decline_reason", "delivered_at", "delivery_summary"]
        read_only_fields = fields


class NeedSerializer(serializers.ModelSerializer):
    """An NQI need. ``category`` is one of standards, metrology, testing, certification,
    quality_management, training, special. ``actions`` lists the steps the caller may take
    now (POST ``/api/v1/needs/{id}/<action>/``)."""

    enterprise = serializers.PrimaryKeyRelatedField(read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    commissioner_name = serializers.SerializerMethodField(help_text="Name of the service commissioner who took the "
                                                                    "need; null while nobody has.")
    contact_phone = MaskedPhoneField(max_length=30)
    # Empty until the enterprise evaluates the service: "" belongs to the documented values.
    timeliness = serializers.ChoiceField(choices=Satisfaction.choices, allow_blank=True, read_only=True)
    professionalism = serializers.ChoiceField(choices=Satisfaction.choices, allow_blank=True, read_only=True)
    courtesy = serializers.ChoiceField(choices=Satisfaction.choices, allow_blank=True, read_only=True)
    overall = serializers.ChoiceField(choices=Satisfaction.choices, allow_blank=True, read_only=True)
    assignments = serializers.SerializerMethodField(
        help_text="The institutions and experts assigned to the need, as far as the caller may see them, with each "
                  "one's status and dates.")
    actions = serializers.SerializerMethodField(
        help_text="The steps the caller may take now, each a POST to /api/v1/needs/{id}/<action>/ (take, reject, "
                  "assign, withdraw, accept, decline, deliver, confirm, rework, cancel, close).")

    class Meta:
        model = Need
        fields = ["id", "code", "enterprise", "enterprise_name", "category", "title", "description", "product",
                  "expected_date", "contact_name", "contact_phone", "status", "filed_at", "response_due",
                  "response_due_provisional", "commissioner", "commissioner_name", "accepted_at", "delivered_at",
                  "feedback_due", "timeliness", "professionalism", "courtesy", "overall", "resolved", "feedback",
                  "evaluated_at", "closed_at", "closing_reason", "assignments", "actions", "version"]
        read_only_fields = [f for f in fields if f not in ("category", "title", "description", "product",
                                                            "expected_date", "contact_name", "contact_phone")]

    def validate(self, attrs):
        """An edit: the service's checks (``services.need_update_errors``) with the fields' own
        errors, every fault in one answer (PLT-12)."""
        if self.instance is not None:
            from .. import services

            errors = services.need_update_errors(need=self.instance, **attrs)
            if errors:
                raise serializers.ValidationError(errors)
        return attrs

    def get_commissioner_name(self, obj) -> str | None:
        return obj.commissioner.name if obj.commissioner_id else None

    @extend_schema_field(NeedAssignmentSerializer(many=True))
    def get_assignments(self, obj) -> list[dict]:
        request = self.context.get("request")
        rows = NeedAssignment.objects.restrict(request.user, "view").filter(need=obj).select_related(
            "institution", "expert") if request else obj.assignments.all()
        return NeedAssignmentSerializer(rows, many=True).data

    def get_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return sorted(available_actions(obj, request.user)) if request else []


class NeedCreateSerializer(serializers.Serializer):
    """Filing a need: an enterprise files for itself; a commissioner names ``enterprise``."""

    enterprise = serializers.IntegerField(required=False, help_text="Only when filing for an enterprise you serve")
    category = serializers.ChoiceField(choices=NeedCategory.choices, help_text="Kind of NQI service needed.")
    title = serializers.CharField(max_length=200, help_text="Title of the need.")
    description = serializers.CharField(help_text="What the enterprise needs, with figures where it can (batches, "
                                                  "defect rates, standards concerned).")
    product = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                    help_text="Products or objects concerned, separated by 、 — used to find "
                                              "institutions with matching testing capabilities.")
    expected_date = serializers.DateField(required=False, allow_null=True, default=None,
                                          help_text="When the enterprise would like the service by.")
    contact_name = serializers.CharField(max_length=50, help_text="Contact person at the enterprise.")
    contact_phone = serializers.CharField(max_length=30, help_text="Contact phone: a mobile or a fixed-line number.")

    def validate(self, attrs):
        """The service's checks (``services.need_filing_errors``) on the fields given: with the
        fields' own errors, every fault in one answer (PLT-12). ``enterprise`` becomes the
        organization (the caller's own when not given)."""
        from .. import services

        user = self.context["request"].user
        attrs = dict(attrs)
        enterprise_id = attrs.pop("enterprise", None) or user.organization_id
        enterprise = Organization.objects.restrict(user, "view").filter(pk=enterprise_id).first()
        errors = services.need_filing_errors(user=user, enterprise=enterprise, **attrs)
        if errors:
            raise serializers.ValidationError(errors)
        return {**attrs, "enterprise": enterprise}


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why, in at least 2 characters (leading and trailing spaces do not "
                                             "count); a shorter reason answers 400 under reason.")


class DeliverSerializer(serializers.Serializer):
    summary = serializers.CharField(help_text="What was delivered (reports, results, advice), in at least 5 "
                                              "characters; a shorter summary answers 400 under summary.")


class ConfirmSerializer(serializers.Serializer):
    """SC guide Table F.1: four ratings, whether the problem was solved, and comments."""

    timeliness = serializers.ChoiceField(choices=Satisfaction.choices)
    professionalism = serializers.ChoiceField(choices=Satisfaction.choices)
    courtesy = serializers.ChoiceField(choices=Satisfaction.choices)
    overall = serializers.ChoiceField(choices=Satisfaction.choices)
    resolved = serializers.BooleanField()
    feedback = serializers.CharField(required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    institutions = serializers.ListField(child=IdField(), required=False, default=list)
    experts = serializers.ListField(child=IdField(), required=False, default=list)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class WithdrawSerializer(serializers.Serializer):
    assignment = IdField()
    reason = serializers.CharField(help_text="Why, in at least 2 characters (leading and trailing spaces do not "
                                             "count); a shorter reason answers 400 under reason.")


class MatchSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="provider.pk")
    name = serializers.CharField(source="provider.name")
    score = serializers.IntegerField()
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class MatchesSerializer(serializers.Serializer):
    keywords = serializers.ListField(child=serializers.CharField())
    institutions = MatchSerializer(many=True)
    experts = MatchSerializer(many=True)
