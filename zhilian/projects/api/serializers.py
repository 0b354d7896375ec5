from django.utils.translation import gettext as _
from rest_framework import serializers

from zhilian.consortia.api.serializers import MaskedPhone, RestrictedRelationsMixin
from zhilian.directory.models import Expert, Organization
from zhilian.problems.models import Problem

from ..choices import MidtermResult
from ..models import (
    TEAM_TITLE_MAX, Acceptance, BudgetLine, ChangeRequest, MidtermCheck, Milestone, ProgressReport, Project, ProjectParticipant,
    ProjectTarget, RiskWarning,
)


class ParticipantSerializer(RestrictedRelationsMixin, serializers.ModelSerializer):
    masked_row_key = "organization"  # a masked phone sent back keeps this unit's stored one

    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    phone = MaskedPhone(required=False, allow_blank=True, max_length=30)

    class Meta:
        model = ProjectParticipant
        fields = ["organization", "organization_name", "role", "person_in_charge", "phone", "tasks"]
        read_only_fields = ["role"]


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectTarget
        fields = ["id", "kind", "indicator", "unit", "baseline", "target", "description", "achieved", "achieved_note"]
        read_only_fields = ["id", "achieved", "achieved_note"]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "order", "name", "due_date", "deliverable", "progress", "completed_on"]
        read_only_fields = ["id", "order", "progress", "completed_on"]


class BudgetLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = BudgetLine
        fields = ["category", "source", "description", "amount"]


class ProjectSerializer(RestrictedRelationsMixin, serializers.ModelSerializer):
    """A breakthrough project with its Appendix F task book. Write ``problems`` (ids of the
    problem library), the consortium and the four tables; the lead unit is the caller's unit."""

    problems = serializers.PrimaryKeyRelatedField(queryset=Problem.objects.all(), many=True)
    participants = ParticipantSerializer(many=True)
    targets = TargetSerializer(many=True)
    milestones = MilestoneSerializer(many=True)
    budget_lines = BudgetLineSerializer(many=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)
    leader_phone = MaskedPhone(max_length=30)
    total_budget = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True,
                                            help_text="Sum of the budget lines' amounts.")
    priority_reason = serializers.CharField(source="priority_reason_shown", read_only=True,
                                            help_text="Why the lead unit has priority, in the caller's language")

    class Meta:
        model = Project
        fields = ["id", "code", "name", "chain", "consortium", "problems", "direction", "lead_unit", "lead_unit_name",
                  "leader_name", "leader_phone", "start_date", "end_date", "content_and_route", "expected_outcomes",
                  "resource_needs", "participants", "targets", "milestones", "budget_lines", "total_budget", "status",
                  "priority", "priority_reason", "submitted_at", "approved_on", "approval_opinion", "accepted_on",
                  "archived_on", "version", "created_at", "updated_at"]
        read_only_fields = ["code", "chain", "lead_unit", "status", "priority", "priority_reason", "submitted_at",
                            "approved_on", "approval_opinion", "accepted_on", "archived_on", "version", "created_at",
                            "updated_at"]

    def _save(self, instance, validated):
        from ..services import TASK_BOOK_FIELDS, project_save_task_book

        rows = {key: validated.pop(key, None) for key in ("participants", "targets", "milestones", "budget_lines")}
        problems = validated.pop("problems", None)
        if instance is not None:
            problems = problems if problems is not None else list(instance.problems.all())
            defaults = {
                "participants": [{"organization": p.organization, "person_in_charge": p.person_in_charge,
                                  "phone": p.phone, "tasks": p.tasks} for p in instance.participants.all()],
                "targets": TargetSerializer(instance.targets.all(), many=True).data,
                "milestones": [{"name": m.name, "due_date": m.due_date, "deliverable": m.deliverable}
                               for m in instance.milestones.all()],
                "budget_lines": BudgetLineSerializer(instance.budget_lines.all(), many=True).data,
            }
            rows = {k: v if v is not None else defaults[k] for k, v in rows.items()}
        data = {k: v for k, v in validated.items() if k in TASK_BOOK_FIELDS}
        return project_save_task_book(user=self.context["request"].user, project=instance, data=data,
                                      problems=problems or [], participants=rows["participants"] or [],
                                      targets=rows["targets"] or [], milestones=rows["milestones"] or [],
                                      budget=rows["budget_lines"] or [])

    def create(self, validated_data):
        return self._save(None, validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class SignInputSerializer(serializers.Serializer):
    signatory = serializers.CharField(max_length=50)


class DecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    opinion = serializers.CharField()


class MilestoneLineSerializer(RestrictedRelationsMixin, serializers.Serializer):
    milestone = serializers.PrimaryKeyRelatedField(queryset=Milestone.objects.all())
    progress = serializers.IntegerField(min_value=0, max_value=100)
    completed_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ProgressReportSerializer(RestrictedRelationsMixin, serializers.ModelSerializer):
    """POST files a quarter; posting a quarter already filed corrects it and needs
    ``correction_reason`` (the replaced values are kept in ``corrections``)."""

    milestones = MilestoneLineSerializer(many=True, write_only=True, required=False)
    correction_reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=300)

    class Meta:
        model = ProgressReport
        fields = ["id", "project", "year", "quarter", "summary", "issues", "next_steps", "spent_to_date", "milestones",
                  "correction_reason", "corrections", "submitted_at"]
        read_only_fields = ["id", "corrections", "submitted_at"]


class MidtermInputSerializer(RestrictedRelationsMixin, serializers.Serializer):
    checked_on = serializers.DateField()
    experts = serializers.PrimaryKeyRelatedField(queryset=Expert.objects.all(), many=True)
    result = serializers.ChoiceField(choices=MidtermResult.choices)
    opinion = serializers.CharField()
    rectification_items = serializers.CharField(required=False, allow_blank=True)
    rectification_working_days = serializers.IntegerField(required=False, min_value=1, max_value=120, default=20)


class MidtermCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = MidtermCheck
        fields = ["id", "project", "checked_on", "experts", "result", "opinion", "rectification_items",
                  "rectification_due", "due_provisional", "rectified_on", "rectification_report"]
        read_only_fields = fields


class ChangeValuesField(serializers.JSONField):
    """A change request's before / after: the leader's phone and any mobile in the text masked
    unless the read is an audited ``?unmask=1`` by a permitted user (SEC-07)."""

    def to_representation(self, value):
        from ..selectors import change_values_shown

        return change_values_shown(super().to_representation(value))


class ChangeRequestSerializer(RestrictedRelationsMixin, serializers.ModelSerializer):
    """``after`` holds the requested values: ``{"content_and_route", "expected_outcomes"}``,
    ``{"leader_name", "leader_phone"}``, ``{"start_date", "end_date", "milestones": {id: date}}``
    or ``{"targets": [...]}`` by ``kind``; ``before`` is filled in from the project."""

    before = ChangeValuesField(read_only=True)
    after = ChangeValuesField()

    class Meta:
        model = ChangeRequest
        fields = ["id", "project", "kind", "reason", "before", "after", "status", "decided_at", "decision_note",
                  "created_at"]
        read_only_fields = ["id", "before", "status", "decided_at", "decision_note", "created_at"]


class ChangeDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField()


class RiskWarningSerializer(RestrictedRelationsMixin, serializers.ModelSerializer):
    class Meta:
        model = RiskWarning
        fields = ["id", "project", "source", "kind", "level", "title", "description", "status", "resolution",
                  "resolved_at", "created_at"]
        read_only_fields = ["id", "source", "status", "resolution", "resolved_at", "created_at"]
        extra_kwargs = {"title": {"max_length": TEAM_TITLE_MAX}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The system's warnings read in the caller's language (kept translatable, core.i18n).
        data["title"], data["description"] = instance.title_shown, instance.description_shown
        data["resolution"] = instance.resolution_shown
        return data

    def validate_kind(self, value):
        if value in ("overdue_milestone", "missing_update", "budget_overrun"):
            raise serializers.ValidationError(_("Raised automatically only."))
        return value


class ResolveInputSerializer(serializers.Serializer):
    resolution = serializers.CharField()


class AcceptanceSerializer(RestrictedRelationsMixin, serializers.ModelSerializer):
    achieved = serializers.DictField(child=serializers.ListField(min_length=1, max_length=2), write_only=True,
                                     required=False, help_text='{"<target id>": [value, "note"]}')

    class Meta:
        model = Acceptance
        fields = ["id", "project", "status", "summary", "results", "achieved", "submitted_at", "experts",
                  "accepted_on", "conclusion", "created_at"]
        read_only_fields = ["id", "status", "submitted_at", "experts", "accepted_on", "conclusion", "created_at"]


class AcceptanceDecisionSerializer(RestrictedRelationsMixin, serializers.Serializer):
    passed = serializers.BooleanField()
    experts = serializers.PrimaryKeyRelatedField(queryset=Expert.objects.all(), many=True)
    accepted_on = serializers.DateField()
    conclusion = serializers.CharField()

