from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from zhilian.chains.api.serializers import PlacedEnterpriseSerializer
from zhilian.core.api.fields import RecordUrlField, reads_input
from zhilian.chains.models import Chain, ChainNode
from zhilian.directory.models import Organization

from ..models import (
    STARS, Problem, ProblemAssessment, ProblemCategory, ProblemStatus, SeverityDimension, SeverityModel,
    format_total,
)
from ..selectors import problem_visible_concerned, problem_visible_related
from ..services import problem_save, severity_compute


@extend_schema_field({"type": "object", "nullable": True, "additionalProperties": {"type": "integer", "minimum": 1,
                                                                                   "maximum": 5}})
class ScoresField(serializers.DictField):
    """``{"impact": n, "spread": n, "urgency": n}``: one whole number 1–5 per dimension of the current model
    (``severity-models/``); null while the problem is not assessed (null or the newest assessment's
    scores sent back leave the assessment as it is)."""

    child = serializers.JSONField()


def _same_scores(sent, held) -> bool:
    """``sent`` are the scores ``held`` (whole numbers, as an assessment keeps them)."""
    if not isinstance(sent, dict) or any(isinstance(v, bool) or not isinstance(v, int) for v in sent.values()):
        return False
    return {str(k): v for k, v in sent.items()} == {str(k): v for k, v in (held or {}).items()}


class VisibleRelatedField(serializers.ManyRelatedField):
    """Codes of related problems: read, only those the caller may see are named (PLT-02)."""

    def get_attribute(self, instance):
        request = self.context.get("request")
        if request is None:
            return super().get_attribute(instance)
        return problem_visible_related(instance, request.user)


class VisibleConcernedField(serializers.ManyRelatedField):
    """Ids of the concerned enterprises: read, only those the caller may see are named, as on
    the problem's page (PLT-02); written, the others are kept (services.problem_save)."""

    def get_attribute(self, instance):
        request = self.context.get("request")
        if request is None:
            return super().get_attribute(instance)
        return problem_visible_concerned(instance, request.user)


class ProblemSerializer(serializers.ModelSerializer):
    """A quality problem with every field of chain guide 5.4.2 and Table C.1 (PRB-01).

    ``category`` is one of technology, management, brand, infrastructure, other; ``status``
    one of identified, analyzing, tackling, solved. Writing ``scores`` assesses the problem
    on the current severity model (chain guide Appendix D); ``severity_total`` (a decimal
    string such as "4.0"), ``severity_level`` (1–3) and ``stars`` (3–1) follow from it.
    A score outside 1–5 or a missing dimension answers 400 and saves nothing; scores from
    someone who may not assess the problem (the assessment page's rule) answer 403 with
    ``{"scores": [...]}`` and save nothing. ``status`` follows the lifecycle (PRB-04): a
    new problem is ``identified``; the one step a client may write is ``identified`` →
    ``analyzing``; ``tackling`` and ``solved`` come from linked breakthrough projects. Any
    other status write answers 400 under ``status``."""

    chain = serializers.PrimaryKeyRelatedField(queryset=Chain.objects.all())
    node = serializers.PrimaryKeyRelatedField(queryset=ChainNode.objects.all(), allow_null=True, required=False)
    scores = ScoresField(required=False, write_only=False, allow_null=True)
    severity_total = serializers.SerializerMethodField(
        help_text="Weighted total of the newest assessment's scores (chain guide Appendix D) as a decimal string such "
                  "as \"4.0\"; null while the problem is not assessed.")
    stars = serializers.IntegerField(read_only=True, allow_null=True, help_text="Stars of the severity level: 3 for level 1 (the most "
                                                               "severe) to 1 for level 3; null while not assessed.")
    severity_model_version = serializers.SerializerMethodField(
        help_text="Number of the severity model version the newest assessment used; null while not assessed.")
    related = VisibleRelatedField(child_relation=serializers.SlugRelatedField(slug_field="code",
                                                                             queryset=Problem.objects.all()),
                                  required=False)
    concerned_enterprises = VisibleConcernedField(
        child_relation=serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all()), required=False,
        help_text="Ids of the enterprises the problem concerns that the caller may see (organizations); "
                  "links to others are kept on save.")
    url = RecordUrlField(view_name="problem-detail")

    class Meta:
        model = Problem
        fields = ["id", "url", "code", "name", "chain", "segment", "node", "product", "reported_on", "reporter_name",
                  "reporter_org", "source", "category", "sub_area", "description", "impact", "cause_technical",
                  "cause_management", "related", "is_common", "concerned_enterprises", "suggestion", "status",
                  "scores", "severity_total", "severity_level", "stars", "severity_model_version",
                  "next_review_due", "version", "created_at", "updated_at"]
        read_only_fields = ["severity_level", "version", "created_at", "updated_at", "next_review_due"]
        extra_kwargs = {"code": {"required": False, "allow_blank": True}, "reported_on": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if reads_input(self):
            user = self.context["request"].user
            self.fields["chain"].queryset = Chain.objects.restrict(user, "view")
            self.fields["node"].queryset = ChainNode.objects.restrict(user, "view")
            self.fields["related"].child_relation.queryset = Problem.objects.restrict(user, "view")
            organizations = Organization.objects.restrict(user, "view")
            if isinstance(self.instance, Problem) and self.instance.pk:
                # What the record holds reads back as is: an enterprise concerned (or the reporting
                # unit) the caller may not see stays a valid id in a GET -> PUT round trip; the
                # service keeps such links whatever is sent (PLT-02).
                held = Q(pk__in=self.instance.concerned_enterprises.values("pk")) | Q(pk=self.instance.reporter_org_id)
                organizations = Organization.objects.filter(Q(pk__in=organizations.values("pk")) | held)
            self.fields["concerned_enterprises"].child_relation.queryset = organizations
            self.fields["reporter_org"].queryset = organizations

    def get_severity_total(self, obj) -> str | None:
        return format_total(obj.severity_total) or None

    @staticmethod
    def _latest_assessment(problem):
        prefetched = getattr(problem, "assessments_newest_first", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return problem.assessments.order_by("-created_at").select_related("model").first()

    def get_severity_model_version(self, obj) -> int | None:
        latest = self._latest_assessment(obj)
        return latest.model.number if latest else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        latest = self._latest_assessment(instance)
        data["scores"] = latest.scores if latest else None
        return data

    def validate_category(self, value):
        if value not in ProblemCategory.values:
            raise serializers.ValidationError(_("One of: %(values)s") % {"values": ", ".join(ProblemCategory.values)})
        return value

    def validate_status(self, value):
        if value not in ProblemStatus.values:
            raise serializers.ValidationError(_("One of: %(values)s") % {"values": ", ".join(ProblemStatus.values)})
        return value

    def validate_scores(self, value):
        if value is None:
            return None
        latest = self._latest_assessment(self.instance) if isinstance(self.instance, Problem) else None
        if latest is not None and _same_scores(value, latest.scores):
            return None  # the newest assessment's scores sent back (GET -> PUT): no new assessment
        model = SeverityModel.objects.current()
        try:
            severity_compute(model, value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return value

    def validate(self, attrs):
        probe = Problem(**{k: v for k, v in attrs.items() if k not in ("related", "concerned_enterprises", "scores")})
        if self.instance is not None:
            for field in ("chain", "node", "category", "sub_area"):
                if field not in attrs:
                    setattr(probe, field, getattr(self.instance, field))
        try:
            probe.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs

    def create(self, validated_data):
        return self._save(validated_data, Problem())

    def update(self, instance, validated_data):
        return self._save(validated_data, instance)

    def _save(self, validated_data, problem):
        user = self.context["request"].user
        data = dict(validated_data)
        related = data.pop("related", None)
        concerned = data.pop("concerned_enterprises", None)
        scores = data.pop("scores", None)
        for key, value in data.items():
            setattr(problem, key, value)
        try:
            saved = problem_save(user=user, problem=problem, related=related, concerned=concerned, scores=scores)
        except DjangoPermissionDenied as exc:
            if exc.args and isinstance(exc.args[0], dict):  # a refusal naming its field: 403 {"scores": [...]}
                raise exceptions.PermissionDenied(exc.args[0]) from None
            raise
        saved.__dict__.pop("assessments_newest_first", None)  # the page's prefetch is stale after a new assessment
        return saved


class SeverityDimensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SeverityDimension
        fields = ["code", "name", "weight", "order", "levels"]


class SeverityModelSerializer(serializers.ModelSerializer):
    """A version of the severity model: dimensions with weights and level descriptions, thresholds."""

    dimensions = SeverityDimensionSerializer(many=True, read_only=True)

    class Meta:
        model = SeverityModel
        fields = ["id", "number", "name", "level1_min", "level2_min", "is_current", "note", "dimensions", "created_at"]


class ProblemAssessmentSerializer(serializers.ModelSerializer):
    total = serializers.SerializerMethodField()
    stars = serializers.SerializerMethodField()
    model_version = serializers.IntegerField(source="model.number", read_only=True)

    class Meta:
        model = ProblemAssessment
        fields = ["id", "problem", "model_version", "scores", "total", "level", "stars", "comment", "created_at"]

    def get_total(self, obj) -> str:
        return format_total(obj.total)

    def get_stars(self, obj) -> int:
        return STARS[obj.level]


# --------------------------------------------------------------------------- impact reach (documentation)
# ``problems/{id}/reach/`` answers the dict ``chains.selectors.node_reach`` builds: these
# serializers only document it in the schema (PLT-09, PRB-05).


class ProblemReachNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("Id of the link (chain-nodes/)."))
    name = serializers.CharField()
    segment = serializers.CharField(help_text=gettext_lazy("upstream, midstream or downstream."))


class ProblemReachEnterpriseSerializer(PlacedEnterpriseSerializer):
    node = serializers.IntegerField(help_text=gettext_lazy("Id of the reached link it is placed on."))
    node_name = serializers.CharField()
    segment = serializers.CharField(help_text=gettext_lazy("Segment of that link."))


class ProblemReachSerializer(serializers.Serializer):
    """The links downstream of the problem's link, through "supplies" and their sub-links, and the
    enterprises placed on them, over the map the caller sees (PRB-05); empty for a problem of no link."""

    nodes = ProblemReachNodeSerializer(many=True)
    enterprises = ProblemReachEnterpriseSerializer(many=True, help_text=gettext_lazy(
        "Each enterprise once, on the first reached link it is placed on."))
