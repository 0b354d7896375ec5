from django.utils.translation import gettext as _
from django.core.exceptions import PermissionDenied
from rest_framework import mixins, viewsets
from rest_framework.decorators import action

from zhilian.consortia.api.transitions import run_transition, transition_schema
from zhilian.core.api.viewsets import RestrictedModelViewSet, RestrictedReadOnlyViewSet, RestrictedViewSetMixin

from .. import selectors, services
from ..choices import AcceptanceStatus, ChangeStatus, ProjectStatus, RiskStatus
from ..filtersets import ProjectFilterSet, RiskFilterSet
from ..models import Acceptance, ChangeRequest, MidtermCheck, Milestone, ProgressReport, Project, RiskWarning
from . import serializers as s


def _reason(ok, message):
    return None if ok else message


class ProjectViewSet(RestrictedModelViewSet):
    """Breakthrough projects and their Appendix F task books (PRJ-01…08).

    A project is created from ``problems`` of the problem library inside an approved
    consortium; every unit ``sign``s, the lead unit ``submit``s, the approver ``decide``s
    (the problems become 攻关中); quarterly progress, mid-term checks, change requests, risk
    warnings and acceptance have their own endpoints; an accepted project is ``archive``d.
    Filter with ``status``, ``direction``, ``chain``, ``consortium``, ``problem``, ``priority``;
    search with ``q``.
    """

    queryset = Project.objects.select_related("lead_unit", "consortium", "chain").prefetch_related(
        "problems", "participants__organization", "targets", "milestones", "budget_lines")
    serializer_class = s.ProjectSerializer
    filterset_class = ProjectFilterSet
    ordering_sources = {"name": "name_sort", "lead_unit__name": "lead_unit__name_sort"}  # pinyin
    searchable = True
    required_action = None

    def perform_create(self, serializer):
        serializer.save()

    @transition_schema(request=s.SignInputSerializer, response=s.ProjectSerializer,
                       description="sign the draft task book for the caller's unit")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def sign(self, request, pk=None):
        obj = self.get_object()
        ok = obj.status == ProjectStatus.DRAFT and selectors.is_project_unit(request.user, obj)
        return run_transition(request, reason=_reason(ok, _("Only the units of a draft task book sign it.")),
                              input_serializer=s.SignInputSerializer,
                              perform=lambda d: services.project_sign(user=request.user, project=obj, **d),
                              output=lambda _r: s.ProjectSerializer(Project.objects.get(pk=obj.pk),
                                                                    context=self.get_serializer_context()).data)

    @transition_schema(response=s.ProjectSerializer, description="submit the signed task book for approval")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def submit(self, request, pk=None):
        obj = self.get_object()
        ok = obj.status == ProjectStatus.DRAFT and selectors.is_project_team(request.user, obj)
        return run_transition(request, reason=_reason(ok, _("Only the lead unit submits its draft task book.")),
                              perform=lambda d: services.project_submit(user=request.user, project=obj),
                              output=lambda p: s.ProjectSerializer(p, context=self.get_serializer_context()).data)

    @transition_schema(request=s.DecisionInputSerializer, response=s.ProjectSerializer,
                       description="approve or return the submitted task book")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def decide(self, request, pk=None):
        obj = self.get_object()
        ok = obj.status == ProjectStatus.SUBMITTED and selectors.may_approve(request.user, obj)
        return run_transition(request, reason=_reason(ok, _("This task book does not wait for your approval.")),
                              input_serializer=s.DecisionInputSerializer,
                              perform=lambda d: services.project_decide(user=request.user, project=obj, **d),
                              output=lambda p: s.ProjectSerializer(p, context=self.get_serializer_context()).data)

    @transition_schema(request=s.MidtermInputSerializer, response=s.MidtermCheckSerializer,
                       description="record the experts' mid-term check of the running project")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def midterm(self, request, pk=None):
        obj = self.get_object()
        ok = obj.status == ProjectStatus.IN_PROGRESS and selectors.may_check(request.user)
        return run_transition(request, reason=_reason(ok, _("The management institution checks running projects.")),
                              input_serializer=s.MidtermInputSerializer,
                              perform=lambda d: services.midterm_check_record(user=request.user, project=obj, **d),
                              output=lambda c: s.MidtermCheckSerializer(c).data)

    @transition_schema(response=s.ProjectSerializer, description="archive the accepted project")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def archive(self, request, pk=None):
        obj = self.get_object()
        return run_transition(request, reason=_reason(services.may_archive(request.user, obj),
                                                      _("Accepted projects are archived by the management institution "
                                                        "or the consortium's lead unit.")),
                              perform=lambda d: services.project_archive(user=request.user, project=obj),
                              output=lambda p: s.ProjectSerializer(p, context=self.get_serializer_context()).data)


class _CreateThroughService(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Read the records of visible projects; create one through the service."""

    required_action = None

    def project_for(self, serializer):
        project = serializer.validated_data["project"]
        if not Project.objects.restrict(self.request.user, "view").filter(pk=project.pk).exists():
            raise PermissionDenied(_("No such project."))
        return project


class MilestoneViewSet(RestrictedReadOnlyViewSet):
    """Milestones of the projects the caller may see, with their completion (PRJ-04)."""

    queryset = Milestone.objects.select_related("project")
    serializer_class = s.MilestoneSerializer
    filterset_fields = ["project", "completed_on"]


class ProgressReportViewSet(_CreateThroughService):
    """Quarterly progress updates with milestone completion (PRJ-04); POST files or corrects a quarter."""

    queryset = ProgressReport.objects.all()
    serializer_class = s.ProgressReportSerializer
    filterset_fields = ["project", "year", "quarter"]

    def perform_create(self, serializer):
        project = self.project_for(serializer)
        d = dict(serializer.validated_data)
        d.pop("project")
        serializer.instance = services.progress_report_submit(user=self.request.user, project=project,
                                                              milestones=d.pop("milestones", []), **d)


class MidtermCheckViewSet(RestrictedReadOnlyViewSet):
    """Mid-term checks by experts (PRJ-05); record one with ``POST /projects/{id}/midterm/``."""

    queryset = MidtermCheck.objects.prefetch_related("experts")
    serializer_class = s.MidtermCheckSerializer
    filterset_fields = ["project", "result"]


class ChangeRequestViewSet(_CreateThroughService):
    """Change requests (PRJ-06): POST one; the approver ``decide``s; approved ones take effect."""

    queryset = ChangeRequest.objects.all()
    serializer_class = s.ChangeRequestSerializer
    filterset_fields = ["project", "kind", "status"]

    def perform_create(self, serializer):
        project = self.project_for(serializer)
        d = serializer.validated_data
        serializer.instance = services.change_request_submit(user=self.request.user, project=project, kind=d["kind"],
                                                             reason=d["reason"], after=_parse_after(d["kind"], d["after"]))

    @transition_schema(request=s.ChangeDecisionSerializer, response=s.ChangeRequestSerializer,
                       description="approve or reject the change request")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def decide(self, request, pk=None):
        obj = self.get_object()
        ok = (obj.status == ChangeStatus.PENDING and obj.project.status == ProjectStatus.IN_PROGRESS
              and selectors.may_approve(request.user, obj.project))
        return run_transition(request, reason=_reason(ok, _("This change request does not wait for your decision.")),
                              input_serializer=s.ChangeDecisionSerializer,
                              perform=lambda d: services.change_request_decide(user=request.user, change=obj, **d),
                              output=lambda c: s.ChangeRequestSerializer(c).data)


def _parse_after(kind, after):
    """Turn the JSON of a change request into the values the service validates."""
    import datetime

    from rest_framework.exceptions import ValidationError

    if kind != "period":
        return after
    try:
        return {"start_date": datetime.date.fromisoformat(after.get("start_date")),
                "end_date": datetime.date.fromisoformat(after.get("end_date")),
                "milestones": {str(k): datetime.date.fromisoformat(v) for k, v in (after.get("milestones") or {}).items()}}
    except (TypeError, ValueError):
        raise ValidationError({"after": _("Dates are ISO dates, e.g. 2026-12-31.")}) from None


class RiskWarningViewSet(_CreateThroughService):
    """Risk warnings (PRJ-07): reported by the team (POST) or raised by the scheduler; ``resolve`` one."""

    queryset = RiskWarning.objects.select_related("project")
    serializer_class = s.RiskWarningSerializer
    filterset_class = RiskFilterSet

    def perform_create(self, serializer):
        project = self.project_for(serializer)
        d = serializer.validated_data
        serializer.instance = services.risk_raise(user=self.request.user, project=project, kind=d["kind"],
                                                  level=d["level"], title=d["title"], description=d["description"])

    @transition_schema(request=s.ResolveInputSerializer, response=s.RiskWarningSerializer,
                       description="resolve the open risk")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def resolve(self, request, pk=None):
        obj = self.get_object()
        ok = obj.status == RiskStatus.OPEN and (selectors.is_project_team(request.user, obj.project)
                                                 or selectors.may_approve(request.user, obj.project))
        return run_transition(request, reason=_reason(ok, _("This risk is not open for you to resolve.")),
                              input_serializer=s.ResolveInputSerializer,
                              perform=lambda d: services.risk_resolve(user=request.user, risk=obj, **d),
                              output=lambda r: s.RiskWarningSerializer(r).data)


class AcceptanceViewSet(_CreateThroughService):
    """Acceptance applications (PRJ-08): POST opens one, attach materials, ``submit``; the
    management institution ``decide``s (passed: project accepted, problems solved)."""

    queryset = Acceptance.objects.prefetch_related("experts")
    serializer_class = s.AcceptanceSerializer
    filterset_fields = ["project", "status"]

    def perform_create(self, serializer):
        project = self.project_for(serializer)
        d = serializer.validated_data
        achieved = {k: (v[0], v[1] if len(v) > 1 else "") for k, v in (d.get("achieved") or {}).items()}
        serializer.instance = services.acceptance_apply(user=self.request.user, project=project, summary=d["summary"],
                                                        results=d["results"], achieved=achieved)

    @transition_schema(response=s.AcceptanceSerializer, description="submit the application with its materials")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def submit(self, request, pk=None):
        obj = self.get_object()
        ok = obj.status == AcceptanceStatus.DRAFT and selectors.is_project_team(request.user, obj.project)
        return run_transition(request, reason=_reason(ok, _("Only the lead unit submits its acceptance application.")),
                              perform=lambda d: services.acceptance_submit(user=request.user, acceptance=obj),
                              output=lambda a: s.AcceptanceSerializer(a).data)

    @transition_schema(request=s.AcceptanceDecisionSerializer, response=s.AcceptanceSerializer,
                       description="record the acceptance decision")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def decide(self, request, pk=None):
        obj = self.get_object()
        ok = obj.status == AcceptanceStatus.SUBMITTED and selectors.may_check(request.user)
        return run_transition(request, reason=_reason(ok, _("The management institution decides on submitted "
                                                          "acceptance applications.")),
                              input_serializer=s.AcceptanceDecisionSerializer,
                              perform=lambda d: services.acceptance_decide(user=request.user, acceptance=obj, **d),
                              output=lambda a: s.AcceptanceSerializer(a).data)

