from rest_framework import serializers

from zhilian.consortia.api.serializers import MaskedPhone, RestrictedRelationsMixin
from zhilian.core import keptsql
from zhilian.core.api.fields import reads_input
from zhilian.directory.models import Organization
from zhilian.directory.regions import PROVINCES
from zhilian.problems.models import Problem
from zhilian.projects.models import Project

from ..choices import NATIONWIDE, RightStatus
from ..selectors import targetable_organizations
from ..models import Achievement, License, PromotionEvent

TERRITORIES = [NATIONWIDE, *PROVINCES]


class _AchievementListSerializer(serializers.ListSerializer):
    """Work out once per page which linked problems the caller may see."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        request = self.context.get("request")
        ids = {p.pk for a in items for p in a.problems.all()}
        if request is not None and ids:
            self.context["_visible_problems"] = set(keptsql.rows(
                "achievements-visible-problems", Problem.objects, request.user, "view", _visible_problems, sorted(ids)))
        return super().to_representation(items)


def _visible_problems(problems, ids):
    return problems.filter(pk__zl_in_array=ids).values_list("pk", flat=True)


def _problems_of(problems, achievement_pk):
    return problems.filter(achievements=achievement_pk).values_list("pk", flat=True)


class UnitByCodeSerializer(serializers.Serializer):
    """A unit named by its registered name and unified social credit code."""

    name = serializers.CharField(max_length=200)
    uscc = serializers.CharField(max_length=18)


class AchievementSerializer(RestrictedRelationsMixin, serializers.ModelSerializer):
    """An achievement with the Table G.1 fields. ``project`` must be an accepted project of
    which the caller's unit is a unit. A targeted share goes to ``targeted_organizations``
    (ids of units offered to the caller: those it sees in the directory and those its unit
    works with) and to ``targeted_units``, other units named by registered name and code."""

    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all())
    problems = serializers.PrimaryKeyRelatedField(queryset=Problem.objects.all(), many=True, required=False)
    targeted_organizations = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), many=True,
                                                                required=False)
    targeted_units = UnitByCodeSerializer(
        many=True, required=False, write_only=True,
        help_text="For a targeted share: units not offered in targeted_organizations, each by registered name and "
                  "unified social credit code.")
    contributor_name = serializers.CharField(source="contributor.name", read_only=True)
    contact_phone = MaskedPhone(max_length=30)

    class Meta:
        model = Achievement
        fields = ["id", "code", "name", "contributor", "contributor_name", "achievement_type", "summary",
                  "problem_solved", "problems", "indicators", "application_scope", "ip_type", "right_status",
                  "certificate_no", "right_holder", "share_level", "share_condition", "fee_terms",
                  "targeted_organizations", "targeted_units", "contact_name", "contact_phone", "project", "consortium", "status",
                  "declared_at", "review_opinion", "reviewed_at", "listed_on", "delisted_on", "delist_reason",
                  "version", "created_at", "updated_at"]
        read_only_fields = ["code", "contributor", "consortium", "status", "declared_at", "review_opinion",
                            "reviewed_at", "listed_on", "delisted_on", "delist_reason", "version", "created_at",
                            "updated_at"]
        list_serializer_class = _AchievementListSerializer

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if reads_input(self) and request.user.is_authenticated:
            # The units the caller may target, with the current targets of the one it edits.
            instance = self.instance if isinstance(self.instance, Achievement) else None
            fields["targeted_organizations"].child_relation.queryset = targetable_organizations(request.user, instance)
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        # Linked problems are listed only when the caller may see them (PLT-02).
        visible = self.context.get("_visible_problems")
        if visible is None and user is not None and data.get("problems"):
            visible = set(keptsql.rows("achievement-visible-problems", Problem.objects, user, "view",
                                       _problems_of, instance.pk))
        data["problems"] = [pk for pk in data.get("problems", []) if visible and pk in visible]
        # Who a targeted share goes to is for the contributor and the operators to know.
        if user is None or user.organization_id not in (instance.contributor_id, instance.consortium.lead_unit_id):
            if not (user and user.has_role("city_regulator", "management_institution", "system_admin")):
                data["targeted_organizations"] = []
        return data

    def _save(self, instance, validated):
        from ..services import INTAKE_FIELDS, achievement_save

        data = {k: v for k, v in validated.items() if k in INTAKE_FIELDS}
        return achievement_save(user=self.context["request"].user, achievement=instance,
                                project=validated.get("project") if instance is None else instance.project, data=data,
                                problems=validated.get("problems", instance.problems.all() if instance else []),
                                targeted_organizations=validated.get(
                                    "targeted_organizations",
                                    instance.targeted_organizations.all() if instance else []),
                                targeted_units=validated.get("targeted_units", []))

    def create(self, validated_data):
        return self._save(None, validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class DeclarationSerializer(serializers.Serializer):
    declaration = serializers.BooleanField(help_text="The contributor's declaration of Table G.1 (must be true).")


class ReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    opinion = serializers.CharField()


class RightStatusSerializer(serializers.Serializer):
    right_status = serializers.ChoiceField(choices=RightStatus.choices)
    effective_on = serializers.DateField()
    note = serializers.CharField(max_length=300)


class TakeDownSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300)


class UsageSerializer(serializers.Serializer):
    views = serializers.IntegerField()
    units = serializers.IntegerField()
    downloads = serializers.IntegerField()
    exports = serializers.IntegerField()
    requested = serializers.IntegerField(
        help_text="Licence requests the caller may open (every one for the contributor, the consortium's lead unit "
                  "and the city level; a licensee its own).")
    signed = serializers.IntegerField(help_text="Signed licences of the achievement, all of them.")
    fees = serializers.DecimalField(max_digits=14, decimal_places=2,
                                    help_text="Fees of the signed licences the caller may open, as `requested`.")


class LicenseSerializer(RestrictedRelationsMixin, serializers.ModelSerializer):
    """A sharing licence agreement (Appendix H). POST requests one for the caller's unit."""

    achievement = serializers.PrimaryKeyRelatedField(queryset=Achievement.objects.all())
    territories = serializers.ListField(child=serializers.ChoiceField(choices=TERRITORIES), min_length=1)
    licensor_name = serializers.CharField(source="licensor.name", read_only=True)
    licensee_name = serializers.CharField(source="licensee.name", read_only=True)
    decision_note = serializers.CharField(source="decision_note_shown", read_only=True,
                                          help_text="The contributor's note, in the caller's language when the "
                                                    "library wrote it")

    class Meta:
        model = License
        fields = ["id", "code", "achievement", "licensor", "licensor_name", "licensee", "licensee_name", "mode",
                  "territories", "field_of_use", "start_date", "end_date", "fee_amount", "fee_terms", "purpose",
                  "obligations", "breach", "dispute_resolution", "status", "decided_at", "decision_note", "signed_on",
                  "licensor_signatory", "licensor_signed_on", "licensee_signatory", "licensee_signed_on", "created_at"]
        read_only_fields = ["code", "licensor", "licensee", "status", "decided_at", "decision_note", "signed_on",
                            "licensor_signatory", "licensor_signed_on", "licensee_signatory", "licensee_signed_on",
                            "created_at"]

    def create(self, validated_data):
        from ..services import license_request

        achievement = validated_data.pop("achievement")
        return license_request(user=self.context["request"].user, achievement=achievement, data=validated_data)


class LicenseDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField()
    fee_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    fee_terms = serializers.CharField(required=False, allow_blank=True, max_length=300)


class LicenseSignSerializer(serializers.Serializer):
    """The caller's party signs (party A for the contributor, party B for the licensee); the
    agreement is signed once both have."""

    signed_on = serializers.DateField()
    signatory = serializers.CharField(max_length=50)


class PromotionEventSerializer(RestrictedRelationsMixin, serializers.ModelSerializer):
    achievements = serializers.PrimaryKeyRelatedField(queryset=Achievement.objects.all(), many=True, required=False)

    class Meta:
        model = PromotionEvent
        fields = ["id", "consortium", "kind", "title", "held_on", "location", "achievements", "attendees",
                  "attending_units", "summary", "created_at"]
        read_only_fields = ["created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and data.get("achievements"):
            visible = set(Achievement.objects.restrict(request.user, "view").filter(pk__in=data["achievements"])
                          .values_list("pk", flat=True))
            data["achievements"] = [pk for pk in data["achievements"] if pk in visible]
        return data

    def create(self, validated_data):
        from ..services import promotion_event_save

        achievements = validated_data.pop("achievements", [])
        consortium = validated_data.pop("consortium")
        return promotion_event_save(user=self.context["request"].user, event=None, consortium=consortium,
                                    data=validated_data, achievements=achievements)

    def update(self, instance, validated_data):
        from ..services import promotion_event_save

        achievements = validated_data.pop("achievements", instance.achievements.all())
        validated_data.pop("consortium", None)
        return promotion_event_save(user=self.context["request"].user, event=instance, consortium=instance.consortium,
                                    data=validated_data, achievements=achievements)
