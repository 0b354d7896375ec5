from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from zhilian.core.api.fields import reads_input
from zhilian.core.masking import mobile_for

from ..choices import ReviewDecision
from ..models import Consortium, ConsortiumCharter, ConsortiumMember, ConsortiumReview, MemberContribution


class RestrictedRelationsMixin:
    """Offer only related rows the caller may see: an invisible id answers like a missing one."""

    def get_fields(self):
        fields = super().get_fields()
        if not reads_input(self):
            return fields
        user = self.context["request"].user
        for field in fields.values():
            target = getattr(field, "child_relation", field)
            queryset = getattr(target, "queryset", None)
            if queryset is not None and hasattr(queryset, "restrict") and not field.read_only:
                target.queryset = queryset.restrict(user, "view")
        return fields


class MaskedPhone(serializers.CharField):
    """A phone number, masked for callers without the unmask permission (SEC-07)."""

    def to_representation(self, value):
        request = self.context.get("request")
        return mobile_for(getattr(request, "user", None), super().to_representation(value))


class MemberRowSerializer(serializers.Serializer):
    """One row of Appendix A 一、主要成员单位; the unit must be in the directory under this USCC."""

    name = serializers.CharField(max_length=200)
    uscc = serializers.CharField(max_length=18)
    contact_name = serializers.CharField(max_length=50)
    contact_phone = serializers.CharField(max_length=30)
    responsibilities = serializers.CharField(max_length=300, required=False, allow_blank=True)


class _ApplicationMemberRows(serializers.ListSerializer):
    """The application's member table (lead unit excluded, units still in), read in the
    shape it is written."""

    def get_attribute(self, instance):
        from ..services import members_as_rows

        return members_as_rows(instance)


class ApplicationMemberRowSerializer(MemberRowSerializer):
    masked_row_key = "uscc"  # a masked phone sent back keeps this unit's stored one

    class Meta:
        list_serializer_class = _ApplicationMemberRows


class ConsortiumMemberSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    contact_phone = MaskedPhone(read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ConsortiumMember
        fields = ["id", "consortium", "organization", "organization_name", "role", "uscc", "contact_name",
                  "contact_phone", "responsibilities", "order", "joined_on", "left_on", "exit_reason", "cross_region",
                  "is_active"]
        read_only_fields = fields


class ConsortiumReviewSerializer(serializers.ModelSerializer):
    reviewer_name = serializers.CharField(source="reviewer.__str__", read_only=True, default=None, allow_null=True)
    reviewer_org_name = serializers.CharField(source="reviewer_org.name", read_only=True, default=None,
                                              allow_null=True)

    class Meta:
        model = ConsortiumReview
        fields = ["id", "step", "decision", "opinion", "reviewer_name", "reviewer_org_name", "decided_at"]
        read_only_fields = fields


class ConsortiumSerializer(RestrictedRelationsMixin, serializers.ModelSerializer):
    """The Appendix A application. ``members`` is its member table (lead unit excluded), read
    and written in the same shape; ``member_units`` shows every unit with its join and exit
    dates."""

    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)
    person_phone = MaskedPhone(max_length=30)
    members = ApplicationMemberRowSerializer(many=True, required=False)
    member_units = serializers.SerializerMethodField(
        help_text="Every unit of the consortium, the lead unit included, with its role and its join and exit "
                  "dates.")
    reviews = ConsortiumReviewSerializer(many=True, read_only=True)

    class Meta:
        model = Consortium
        fields = ["id", "name", "chain", "chain_domain", "lead_unit", "lead_unit_name", "person_in_charge",
                  "person_phone", "goals", "work_plan", "district", "city", "status", "submitted_at", "approved_on",
                  "members", "member_units", "reviews", "version", "created_at", "updated_at"]
        read_only_fields = ["lead_unit", "district", "city", "status", "submitted_at", "approved_on", "version",
                            "created_at", "updated_at"]
        extra_kwargs = {"name": {"validators": []}}

    @extend_schema_field(ConsortiumMemberSerializer(many=True))
    def get_member_units(self, obj) -> list[dict]:
        request = self.context.get("request")
        rows = ConsortiumMember.objects.restrict(request.user).filter(consortium=obj).select_related("organization")
        return ConsortiumMemberSerializer(rows, many=True, context=self.context).data

    def _save(self, instance, validated):
        from ..services import consortium_save_application

        members = validated.pop("members", None)
        if members is None and instance is not None:
            from ..services import members_as_rows

            members = members_as_rows(instance)
        return consortium_save_application(user=self.context["request"].user, consortium=instance, data=validated,
                                           members=members or [])

    def create(self, validated_data):
        return self._save(None, validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class ReviewInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    opinion = serializers.CharField()


class MemberJoinSerializer(MemberRowSerializer):
    joined_on = serializers.DateField()


class MemberLeaveSerializer(serializers.Serializer):
    left_on = serializers.DateField()
    exit_reason = serializers.CharField(max_length=300)


class ConsortiumCharterSerializer(RestrictedRelationsMixin, serializers.ModelSerializer):
    class Meta:
        model = ConsortiumCharter
        fields = ["id", "consortium", "number", "adopted_on", "organization_structure", "operating_mechanism",
                  "rights_obligations", "ip_ownership", "benefit_distribution", "entry_exit_rules",
                  "talent_development", "created_at"]
        read_only_fields = ["number", "created_at"]

    def create(self, validated_data):
        from ..services import charter_adopt

        consortium = validated_data.pop("consortium")
        return charter_adopt(user=self.context["request"].user, consortium=consortium, data=validated_data)


class MemberContributionSerializer(RestrictedRelationsMixin, serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.organization.name", read_only=True)

    class Meta:
        model = MemberContribution
        fields = ["id", "consortium", "member", "member_name", "kind", "description", "amount", "quantity", "unit",
                  "provided_on", "version", "created_at"]
        read_only_fields = ["version", "created_at"]

    def create(self, validated_data):
        from ..services import contribution_save

        consortium = validated_data.pop("consortium")
        return contribution_save(user=self.context["request"].user, consortium=consortium, data=validated_data)

    def update(self, instance, validated_data):
        from ..services import contribution_save

        validated_data.pop("consortium", None)
        return contribution_save(user=self.context["request"].user, consortium=instance.consortium,
                                 data=validated_data, contribution=instance)
