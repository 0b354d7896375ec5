"""The breakthrough project library ("攻关库", chain guide §5.5, Appendices E and F): PRJ-01…08."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.accounts.roles import ADMINISTRATORS, Role
from zhilian.consortia.models import is_city_level
from zhilian.consortia.selectors import consortium_ids_led_by, consortium_ids_of_organization
from zhilian.core import i18n
from zhilian.core.links import id_url
from zhilian.core.models import BaseModel, PinyinSortMixin, SearchableMixin
from zhilian.core.permissions import EVERYTHING, NOTHING, RestrictedManager, RestrictedQuerySet
from zhilian.core.resultcache import kept_ids

from .choices import (
    AcceptanceStatus, BudgetCategory, ChangeKind, ChangeStatus, Direction, FundingSource, MidtermResult,
    ParticipantRole, ProjectStatus, RiskKind, RiskLevel, RiskSource, RiskStatus, TargetKind,
)
from .validators import validate_person_phone

MONEY = {"max_digits": 12, "decimal_places": 2}
TEAM_TITLE_MAX = 200  # a risk title a person writes


def project_view_q(user) -> Q:
    """Projects ``user`` may see (PLT-02).

    The city bureau and the management institution see the whole library. A unit sees the
    projects it leads or takes part in; once a task book is submitted, the consortium's
    lead unit (which approves it) and the consortium's current members (whose library it
    is) see it too; a district bureau sees those led from its district; an expert those
    whose mid-term check or acceptance panel they sit on.
    """
    if user.has_role(*ADMINISTRATORS):
        return NOTHING  # 等保 8.1.4.2 d: administrators read no unit's business records
    if is_city_level(user):
        return EVERYTHING
    condition = Q(created_by=user)
    org_id = user.organization_id
    if org_id:
        # The unit's projects and consortia as kept id lists (core.resultcache.kept_ids): cheaper
        # to build, compile and run than subqueries, exact until those tables change.
        condition |= Q(lead_unit_id=org_id) | Q(pk__in=kept_ids("projects-taken-part-in", (org_id,),
                                                                ProjectParticipant.objects.filter(organization_id=org_id)
                                                                .values_list("project_id", flat=True)))
        condition |= ~Q(status=ProjectStatus.DRAFT) & (
            # Ids, not a join on consortium: a join here made PostgreSQL scan every project.
            Q(consortium__in=consortium_ids_led_by(org_id)) | Q(consortium__in=consortium_ids_of_organization(org_id)))
    if user.has_role(Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR) and user.district:
        condition |= ~Q(status=ProjectStatus.DRAFT) & Q(lead_unit__district=user.district)
    if user.has_role(Role.EXPERT):
        # Kept id lists too: planned inside every problem statement of an expert's scope
        # (the problems of the projects it can see).
        condition |= Q(pk__in=kept_ids("projects-checked-by", (user.pk,), MidtermCheck.experts.through.objects.filter(
            expert__user=user).values_list("midtermcheck__project", flat=True))) | Q(pk__in=kept_ids(
                "projects-accepted-by", (user.pk,), Acceptance.experts.through.objects.filter(
                    expert__user=user).values_list("acceptance__project", flat=True)))
    return condition


class ProjectQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        if action in ("change", "delete"):
            # The task book is the lead unit's while it is drafted; afterwards it changes only
            # through approved change requests (chain guide 5.5.4 c).
            if not user.organization_id:
                return NOTHING
            return Q(status=ProjectStatus.DRAFT, lead_unit_id=user.organization_id)
        return project_view_q(user)

    def running(self):
        return self.filter(status=ProjectStatus.IN_PROGRESS)


class Project(SearchableMixin, PinyinSortMixin, BaseModel):
    """A quality breakthrough project and its Appendix F task book (PRJ-01…03).

    chain guide 5.5.2: a project originates from problems of the problem library; it is
    run inside a quality innovation consortium by a member unit.
    """

    SEARCH_FIELDS = ("code", "name", "content_and_route", "expected_outcomes", "lead_unit__name", "leader_name")

    code = models.CharField(_("project number"), max_length=30, unique=True, editable=False)
    name = models.CharField(_("project name"), max_length=200)
    chain = models.ForeignKey("chains.Chain", on_delete=models.PROTECT, related_name="projects",
                              verbose_name=_("industrial chain"), editable=False)
    consortium = models.ForeignKey("consortia.Consortium", on_delete=models.PROTECT, related_name="projects",
                                   verbose_name=_("consortium"))
    problems = models.ManyToManyField("problems.Problem", related_name="projects",
                                      verbose_name=_("source problems"))
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices, db_index=True)
    lead_unit = models.ForeignKey("directory.Organization", on_delete=models.PROTECT, related_name="led_projects",
                                  verbose_name=_("lead unit"), editable=False)
    leader_name = models.CharField(_("project leader"), max_length=50)
    leader_phone = models.CharField(_("leader's phone"), max_length=30, validators=[validate_person_phone])
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    content_and_route = models.TextField(_("main content and technical route"))
    expected_outcomes = models.TextField(_("expected outcomes"))
    resource_needs = models.TextField(_("resource needs"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT,
                              db_index=True)
    priority = models.BooleanField(_("priority applicant"), default=False, editable=False,
                                   help_text=_("The lead unit contributed a paid share to the achievement library "
                                               "(chain guide 5.6.3)."))
    # Kept translatable (core.i18n.stored): shown in the reader's language by priority_reason_shown.
    priority_reason = models.TextField(_("priority reason"), blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    approval_opinion = models.TextField(_("approval opinion"), blank=True, editable=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("approved by"), editable=False)
    approved_on = models.DateField(_("approved on"), null=True, blank=True, editable=False)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True, editable=False)
    archived_on = models.DateField(_("archived on"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"), editable=False)

    objects = RestrictedManager.from_queryset(ProjectQuerySet)()

    class Meta:
        verbose_name = _("breakthrough project")
        verbose_name_plural = _("breakthrough projects")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("approve_project", "Can approve task books and change requests"),
            ("accept_project", "Can organize mid-term checks and acceptance"),
        ]
        # project_visibility carries every column of a unit's scope (project_view_q), so a member's
        # library is counted from the index alone: 10,000 projects in 1.7 ms instead of 8 (reading
        # the wide rows).
        indexes = [models.Index(fields=["status", "direction"]),
                   models.Index(fields=["consortium", "status"], include=["created_by", "lead_unit", "id"],
                                name="project_visibility"),
                   models.Index(fields=["-created_at", "-id"], name="project_list_order")]
        constraints = [models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                              name="project_end_after_start")]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return id_url("projects:project_detail", self.pk)

    @property
    def priority_reason_shown(self) -> str:
        """Why the lead unit has priority, in the reader's language (rows kept before: as written)."""
        return i18n.shown(self.priority_reason)

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The project ends after it starts.")})

    @property
    def total_budget(self) -> Decimal:
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "budget_lines" in cache:  # a list page prefetched them: no query per row
            return sum((line.amount for line in cache["budget_lines"]), Decimal("0"))
        return self.budget_lines.aggregate(total=Sum("amount"))["total"] or Decimal("0")

    @property
    def is_running(self):
        return self.status == ProjectStatus.IN_PROGRESS


def _child_scope(user, action, field="project"):
    """Children of a project: visible with it; edited with the task book (draft, lead unit)."""
    return Q(**{f"{field}__in": Project.objects.restrict(user, "view" if action == "view" else "change").values("pk")})


class TaskBookQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        return _child_scope(user, action)


class ProjectParticipant(BaseModel):
    """A row of the task book's organization table (Appendix F 四: units, persons in charge, tasks)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="participants",
                                verbose_name=_("project"))
    organization = models.ForeignKey("directory.Organization", on_delete=models.PROTECT,
                                     related_name="project_participations", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=12, choices=ParticipantRole.choices,
                            default=ParticipantRole.PARTICIPANT)
    person_in_charge = models.CharField(_("person in charge"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_person_phone])
    tasks = models.TextField(_("main tasks"))
    order = models.PositiveSmallIntegerField(pgettext_lazy("sequence", "number"), default=0)

    objects = RestrictedManager.from_queryset(TaskBookQuerySet)()

    class Meta:
        verbose_name = _("project unit")
        verbose_name_plural = _("project units")
        ordering = ["project", "role", "order", "id"]  # "lead" before "participant": the lead unit first
        constraints = [models.UniqueConstraint(fields=["project", "organization"], name="participant_unique_unit")]

    def __str__(self):
        return f"{self.organization} · {self.get_role_display()}"


# Appendix F 二 lists the targets by kind: 1 技术指标, 2 质量指标, 3 产业应用目标. Ordering by
# the stored code ("application" < "quality" < "technical") would turn that list upside down.
TARGET_KIND_ORDER = models.Case(*(models.When(kind=kind, then=models.Value(position))
                                  for position, kind in enumerate(TargetKind.values)),
                                default=models.Value(len(TargetKind.values)), output_field=models.IntegerField())


class ProjectTarget(BaseModel):
    """A quantified target (Appendix F 二), e.g. 径向电阻率不均匀度 ±12 % → ±5 %."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="targets", verbose_name=_("project"))
    kind = models.CharField(pgettext_lazy("classification", "kind"), max_length=12, choices=TargetKind.choices)
    indicator = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(pgettext_lazy("measurement", "unit"), max_length=20, blank=True)
    baseline = models.DecimalField(_("baseline value"), max_digits=14, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(_("target value"), max_digits=14, decimal_places=4, null=True, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True,
                                   help_text=_("For targets that are not a number, e.g. 在 3 家企业示范应用."))
    achieved = models.DecimalField(_("achieved value"), max_digits=14, decimal_places=4, null=True, blank=True)
    achieved_note = models.CharField(_("achievement note"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(pgettext_lazy("sequence", "number"), default=0)

    objects = RestrictedManager.from_queryset(TaskBookQuerySet)()

    class Meta:
        verbose_name = _("project target")
        verbose_name_plural = _("project targets")
        ordering = ["project", TARGET_KIND_ORDER.asc(), "order", "id"]

    def __str__(self):
        return self.indicator

    @property
    def is_quantified(self):
        return self.baseline is not None and self.target is not None

    def as_text(self) -> str:
        def fmt(value):
            return f"{value.normalize():f}{self.unit}" if value is not None else "—"

        if self.is_quantified:
            text = f"{self.indicator}：{fmt(self.baseline)} → {fmt(self.target)}"
        else:
            text = f"{self.indicator}：{self.description or fmt(self.target)}"
        return text


class Milestone(BaseModel):
    """A milestone of the schedule (Appendix F 五) with its completion (PRJ-04)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones",
                                verbose_name=_("project"))
    order = models.PositiveSmallIntegerField(pgettext_lazy("sequence", "number"), default=0)
    name = models.CharField(_("milestone"), max_length=200)
    due_date = models.DateField(_("due date"), db_index=True)
    deliverable = models.CharField(_("deliverable / check criterion"), max_length=300, blank=True)
    progress = models.PositiveSmallIntegerField(_("completion (%)"), default=0,
                                                validators=[MaxValueValidator(100)])
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    objects = RestrictedManager.from_queryset(TaskBookQuerySet)()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "due_date", "order", "id"]
        indexes = [models.Index(fields=["completed_on", "due_date"])]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="milestone_progress_max_100")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return self.project.get_absolute_url() + "#milestones"

    @property
    def is_done(self):
        return self.completed_on is not None

    def is_overdue(self, today=None):
        return not self.is_done and self.due_date < (today or timezone.localdate())


class BudgetLine(BaseModel):
    """A line of the resources and budget section (Appendix F 六), in 10k CNY."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_lines",
                                verbose_name=_("project"))
    category = models.CharField(pgettext_lazy("budget", "category"), max_length=12, choices=BudgetCategory.choices)
    source = models.CharField(_("source of funds"), max_length=12, choices=FundingSource.choices,
                              default=FundingSource.SELF)
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount (10k CNY)"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)

    objects = RestrictedManager.from_queryset(TaskBookQuerySet)()

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["project", "category", "id"]

    def __str__(self):
        return f"{self.get_category_display()} {self.amount}"


class Signoff(BaseModel):
    """A party's signature on the task book (Appendix F 七 签署页)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="signoffs", verbose_name=_("project"))
    organization = models.ForeignKey("directory.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("unit"))
    signatory = models.CharField(_("signatory"), max_length=50)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("recorded by"))
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            return _child_scope(user, "view") if action == "view" else NOTHING

    objects = RestrictedManager.from_queryset(QS)()

    class Meta:
        verbose_name = _("task book signature")
        verbose_name_plural = _("task book signatures")
        ordering = ["project", "signed_at"]
        constraints = [models.UniqueConstraint(fields=["project", "organization"], name="signoff_unique_unit")]

    def __str__(self):
        return f"{self.organization} · {self.signatory}"


class _RecordQuerySet(RestrictedQuerySet):
    """Records written by services (reports, checks, changes, warnings): read with the project."""

    def scope(self, user, action):
        return _child_scope(user, "view") if action == "view" else NOTHING


class ProgressReport(BaseModel):
    """A quarterly progress update with milestone completion (chain guide 5.5.4 a; PRJ-04)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="progress_reports",
                                verbose_name=_("project"))
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    summary = models.TextField(_("progress this quarter"))
    issues = models.TextField(_("problems encountered"), blank=True)
    next_steps = models.TextField(_("plan for next quarter"), blank=True)
    spent_to_date = models.DecimalField(_("spent to date (10k CNY)"), validators=[MinValueValidator(0)], **MONEY)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    # A filed quarter is corrected, never silently overwritten: each correction keeps who, when,
    # why and the values it replaced ([{"on", "by", "reason", "before": {field: old value}}]).
    corrections = models.JSONField(_("corrections"), default=list, blank=True, editable=False)

    objects = RestrictedManager.from_queryset(_RecordQuerySet)()

    class Meta:
        verbose_name = _("quarterly progress report")
        verbose_name_plural = _("quarterly progress reports")
        ordering = ["project", "-year", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["project", "year", "quarter"], name="report_unique_quarter")]

    def __str__(self):
        return f"{self.project.code} {self.year}Q{self.quarter}"

    @property
    def period(self):
        return f"{self.year}Q{self.quarter}"


class MilestoneProgress(BaseModel):
    """A milestone's completion as reported in one quarterly report."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="milestone_lines",
                               verbose_name=_("report"))
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="reports",
                                  verbose_name=_("milestone"))
    progress = models.PositiveSmallIntegerField(_("completion (%)"), validators=[MaxValueValidator(100)])
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            return _child_scope(user, "view", "report__project") if action == "view" else NOTHING

    objects = RestrictedManager.from_queryset(QS)()

    class Meta:
        verbose_name = _("milestone progress")
        verbose_name_plural = _("milestone progress")
        ordering = ["report", "milestone__due_date"]
        constraints = [models.UniqueConstraint(fields=["report", "milestone"], name="milestone_progress_unique")]

    def __str__(self):
        return f"{self.milestone} {self.progress}%"


class MidtermCheck(BaseModel):
    """A mid-term check by experts, organized by the management institution (5.5.4 b; PRJ-05)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="midterm_checks",
                                verbose_name=_("project"))
    checked_on = models.DateField(_("checked on"))
    experts = models.ManyToManyField("directory.Expert", related_name="midterm_checks", verbose_name=_("experts"))
    result = models.CharField(_("result"), max_length=10, choices=MidtermResult.choices)
    opinion = models.TextField(_("expert opinion"))
    rectification_items = models.TextField(_("rectification items"), blank=True)
    rectification_due = models.DateField(_("rectification due"), null=True, blank=True)
    due_provisional = models.BooleanField(_("due date provisional"), default=False,
                                          help_text=_("Computed across a year whose holidays are not yet published."))
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    rectification_report = models.TextField(_("rectification report"), blank=True)
    organized_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("organized by"))

    objects = RestrictedManager.from_queryset(_RecordQuerySet)()

    class Meta:
        verbose_name = _("mid-term check")
        verbose_name_plural = _("mid-term checks")
        ordering = ["project", "-checked_on"]

    def __str__(self):
        return f"{self.project.code} {self.checked_on} {self.get_result_display()}"

    def get_absolute_url(self):
        return self.project.get_absolute_url() + "#midterm"

    @property
    def rectification_open(self):
        return self.result == MidtermResult.RECTIFY and self.rectified_on is None


class ChangeRequest(BaseModel):
    """A change of targets, content, leader or period; in force only once approved (5.5.4 c; PRJ-06).

    ``before`` and ``after`` keep the values as they were and as requested, so the record
    shows what changed even after later changes.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="change_requests",
                                verbose_name=_("project"))
    kind = models.CharField(_("what changes"), max_length=10, choices=ChangeKind.choices)
    reason = models.TextField(_("reason"))
    before = models.JSONField(_("before"), default=dict)
    after = models.JSONField(_("after"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING,
                              db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("requested by"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    objects = RestrictedManager.from_queryset(_RecordQuerySet)()

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["project", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["project", "kind"], condition=Q(status="pending"),
                                               name="change_one_pending_per_kind")]

    def __str__(self):
        return f"{self.project.code} · {self.get_kind_display()} · {self.get_status_display()}"

    def get_absolute_url(self):
        return id_url("projects:change_detail", self.pk)


class RiskWarningQuerySet(_RecordQuerySet):
    def open(self):
        return self.filter(status=RiskStatus.OPEN)


class RiskWarning(BaseModel):
    """A risk that may make the project fail: reported by the team or raised by the scheduler
    (chain guide 5.5.4 d; PRJ-07). Automatic warnings carry a ``key`` so that a condition is
    warned about once. Every warning is closed by a person with a reason (``risk_resolve``);
    when an automatic warning's condition no longer holds the scheduler only notes the day
    (``condition_cleared_on``), so that re-filed figures never make a warning disappear."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="risks", verbose_name=_("project"))
    source = models.CharField(_("source"), max_length=10, choices=RiskSource.choices)
    kind = models.CharField(pgettext_lazy("classification", "kind"), max_length=20, choices=RiskKind.choices)
    level = models.CharField(pgettext_lazy("risk level", "level"), max_length=8, choices=RiskLevel.choices,
                             default=RiskLevel.MEDIUM)
    # A warning the system raises keeps its title and description translatable (core.i18n:
    # message ids and parameters, shown in the reader's language by ``title_shown`` /
    # ``description_shown``); a team's warning keeps its text as written (at most 200
    # characters, ``TEAM_TITLE_MAX``). The column is wider for the kept parameters.
    title = models.CharField(_("title"), max_length=600)
    description = models.TextField(_("description"), blank=True)
    key = models.CharField(_("warning key"), max_length=80, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN,
                              db_index=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("raised by"))
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("resolved by"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    condition_cleared_on = models.DateField(_("condition no longer applies since"), null=True, blank=True,
                                            editable=False)

    objects = RestrictedManager.from_queryset(RiskWarningQuerySet)()

    class Meta:
        verbose_name = _("risk warning")
        verbose_name_plural = _("risk warnings")
        ordering = ["status", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["project", "key"], condition=~Q(key=""),
                                               name="risk_unique_key")]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self):
        return self.title_shown

    def get_absolute_url(self):
        return self.project.get_absolute_url() + "#risks"

    @property
    def title_shown(self) -> str:
        """The title in the reader's language when the system raised the warning."""
        return i18n.shown(self.title)

    @property
    def description_shown(self) -> str:
        return i18n.shown(self.description)

    @property
    def resolution_shown(self) -> str:
        """How it was closed, in the reader's language when the system closed it (a person's words as written)."""
        return i18n.shown(self.resolution)


class Acceptance(BaseModel):
    """An acceptance application with its materials and the acceptance decision (5.5.5; PRJ-08)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="acceptances",
                                verbose_name=_("project"))
    status = models.CharField(_("status"), max_length=10, choices=AcceptanceStatus.choices,
                              default=AcceptanceStatus.DRAFT, db_index=True)
    summary = models.TextField(_("summary of work"))
    results = models.TextField(_("technical results"), help_text=_("Patents, standards, methods, products…"))
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("applied by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    experts = models.ManyToManyField("directory.Expert", blank=True, related_name="acceptances",
                                     verbose_name=_("acceptance experts"))
    accepted_on = models.DateField(_("acceptance date"), null=True, blank=True)
    conclusion = models.TextField(_("acceptance conclusion"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            if action == "view":
                return _child_scope(user, "view")
            # The lead unit prepares materials while the application is a draft.
            if not user.organization_id:
                return NOTHING
            return Q(status=AcceptanceStatus.DRAFT, project__lead_unit_id=user.organization_id)

    objects = RestrictedManager.from_queryset(QS)()

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")
        ordering = ["project", "-created_at"]

    def __str__(self):
        label = _("acceptance")  # outside the f-string, where makemessages reads it
        return f"{self.project.code} · {label} · {self.get_status_display()}"

    def get_absolute_url(self):
        return id_url("projects:acceptance_detail", self.pk)
