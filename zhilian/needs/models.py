"""Enterprise NQI needs and the providers assigned to them (DIR-05).

A need is filed by an enterprise (or registered for it by a commissioner), taken by a
service commissioner, matched with technical institutions and experts, served, delivered,
evaluated by the enterprise with the satisfaction form of SC guide Table F.1, and closed.
Every step is a service in ``services.py`` recorded as an audit transition; the need's
page shows that record as its timeline.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.accounts.roles import ADMINISTRATORS, ENTERPRISES, Role
from zhilian.core import clock, i18n
from zhilian.core.links import id_url
from zhilian.core.models import BaseModel, RecordedTimeField, SearchableMixin
from zhilian.core.permissions import EVERYTHING, NOTHING, RestrictedManager, RestrictedQuerySet
from zhilian.directory.validators import validate_mobile_or_phone

from .choices import ACTIVE_ASSIGNMENT_STATUSES, AssignmentStatus, NeedCategory, NeedStatus, Satisfaction

# Deadlines in working days (core.calendar.add_working_days). The commissioner takes or
# declines a new need, and an assigned provider accepts or declines, within these days;
# the evaluation follows SC guide §6.9: "服务结束后的5个工作日内 … 满意度评价".
RESPONSE_WORKING_DAYS = 2
ASSIGNMENT_WORKING_DAYS = 3
FEEDBACK_WORKING_DAYS = 5


def _broad_need_scope(user) -> Q:
    """Needs a user sees through its own organization, district or commissioner role."""
    condition = NOTHING
    if user.has_role(*ENTERPRISES) and user.organization_id:
        condition |= Q(enterprise_id=user.organization_id)
    if user.has_role(Role.COMMISSIONER):
        # The pool of needs nobody has taken (with those withdrawn from the pool, whose filing
        # every commissioner was told of), and the needs this commissioner took.
        condition |= Q(commissioner__isnull=True) | Q(commissioner__user=user)
    if user.has_role(Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR) and user.district:
        condition |= Q(enterprise__district=user.district)
    return condition


def _own_assignments(user) -> Q:
    """Assignment rows that name the user's institution or the user as expert."""
    condition = NOTHING
    if user.has_role(Role.TECH_INSTITUTION) and user.organization_id:
        condition |= Q(institution_id=user.organization_id)
    if user.has_role(Role.EXPERT):
        condition |= Q(expert__user=user)
    return condition


class NeedQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        """Who sees a need (PLT-02).

        The city bureau and the management institution see all; the enterprise its own;
        a commissioner the unassigned pool and what it took; a district bureau or
        grassroots office its district's; a technical institution or expert only the
        needs assigned to it (SC guide §5: institutions keep clients' secrets).
        """
        if user.has_role(*ADMINISTRATORS):
            return NOTHING  # 等保 8.1.4.2 d: administrators read no enterprise's needs
        if user.has_role(Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION):
            return EVERYTHING
        if action == "change":
            # Editing the request itself: the enterprise, while nobody has taken it yet.
            if user.has_role(*ENTERPRISES) and user.organization_id:
                return Q(enterprise_id=user.organization_id, status=NeedStatus.SUBMITTED)
            return NOTHING
        condition = _broad_need_scope(user)
        own = _own_assignments(user)
        if own != NOTHING:
            condition |= Q(pk__in=NeedAssignment.objects.filter(own).values("need"))
        return condition

    def open(self):
        return self.exclude(status__in=[NeedStatus.CLOSED, NeedStatus.CANCELLED, NeedStatus.REJECTED])


class Need(SearchableMixin, BaseModel):
    """An NQI need of an enterprise (DIR-05; platform news: 企业需求对接, 服务协同联动)."""

    SEARCH_FIELDS = ("code", "title", "product", "description", "enterprise__name", "enterprise__district")

    code = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True, editable=False)
    enterprise = models.ForeignKey("directory.Organization", on_delete=models.PROTECT, related_name="needs",
                                   limit_choices_to={"kind": "enterprise"}, verbose_name=_("enterprise"))
    category = models.CharField(pgettext_lazy("need", "category"), max_length=20, choices=NeedCategory.choices,
                                db_index=True)
    title = models.CharField(pgettext_lazy("need", "title"), max_length=200)
    description = models.TextField(pgettext_lazy("need", "description"),
                                   help_text=_("What the enterprise needs, with figures where it can (batches, "
                                               "defect rates, standards concerned)."))
    product = models.CharField(_("product / object"), max_length=200, blank=True,
                               help_text=_("Products or objects concerned, separated by 、 — used to find "
                                           "institutions with matching testing capabilities."))
    expected_date = models.DateField(_("expected by"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=30, validators=[validate_mobile_or_phone])

    status = models.CharField(_("status"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.SUBMITTED,
                              db_index=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("filed by"))
    filed_at = RecordedTimeField(_("filed at"), default=timezone.now, db_index=True)
    response_due = models.DateField(_("response due"), null=True, blank=True)
    response_due_provisional = models.BooleanField(_("response due provisional"), default=False)

    commissioner = models.ForeignKey("directory.ServiceCommissioner", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="needs",
                                     verbose_name=_("service commissioner"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    feedback_due = models.DateField(_("evaluation due"), null=True, blank=True)
    feedback_due_provisional = models.BooleanField(_("evaluation due provisional"), default=False)

    # SC guide Table F.1 服务质量满意度调查表
    timeliness = models.CharField(_("timeliness of the service"), max_length=16, choices=Satisfaction.choices,
                                  blank=True)
    professionalism = models.CharField(_("professionalism of the service"), max_length=16,
                                       choices=Satisfaction.choices, blank=True)
    courtesy = models.CharField(_("courtesy of the service"), max_length=16, choices=Satisfaction.choices, blank=True)
    overall = models.CharField(_("overall evaluation"), max_length=16, choices=Satisfaction.choices, blank=True)
    resolved = models.BooleanField(_("problem solved"), null=True, blank=True)
    feedback = models.TextField(_("opinions or suggestions"), blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)

    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_reason = models.TextField(_("reason"), blank=True,
                                      help_text=_("Why the need was cancelled, not accepted or closed."))

    objects = RestrictedManager.from_queryset(NeedQuerySet)()

    class Meta:
        verbose_name = _("NQI need")
        verbose_name_plural = _("NQI needs")
        ordering = ["-filed_at", "-id"]
        indexes = [models.Index(fields=["status", "response_due"]), models.Index(fields=["enterprise", "status"])]
        permissions = [
            ("take_need", "Can take needs as a service commissioner"),
            ("assign_need", "Can assign institutions and experts to needs"),
        ]

    def __str__(self):
        code = self.code or _("new need")  # outside the f-string, where makemessages reads it
        return f"{code} {self.title}"

    def history_hidden_actors(self, user) -> set[int]:
        """Accounts whose records on this need ``user`` is not shown (core history page)."""
        from .selectors import hidden_provider_actor_ids

        return hidden_provider_actor_ids(self, user)

    def get_absolute_url(self):
        return id_url("needs:need_detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status not in (NeedStatus.CLOSED, NeedStatus.CANCELLED, NeedStatus.REJECTED)

    @property
    def response_overdue(self) -> bool:
        return self.status == NeedStatus.SUBMITTED and self.response_due is not None and \
            self.response_due < clock.today()

    @property
    def feedback_overdue(self) -> bool:
        return self.status == NeedStatus.DELIVERED and self.feedback_due is not None and \
            self.feedback_due < clock.today()

    @property
    def status_tone(self) -> str:
        from .choices import STATUS_TONES

        return STATUS_TONES.get(self.status, "secondary")


class NeedAssignmentQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        """An institution or expert sees its own assignments; others follow the need."""
        if user.has_role(*ADMINISTRATORS):
            return NOTHING  # 等保 8.1.4.2 d
        if user.has_role(Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION):
            return EVERYTHING
        if action != "view":
            return NOTHING
        condition = _own_assignments(user)
        broad = _broad_need_scope(user)
        if broad != NOTHING:
            condition |= Q(need__in=Need.objects.filter(broad).values("pk"))
        return condition

    def active(self):
        return self.filter(status__in=ACTIVE_ASSIGNMENT_STATUSES)


class NeedAssignment(BaseModel):
    """A technical institution or an expert assigned to serve a need."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("need"))
    institution = models.ForeignKey("directory.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="need_assignments", verbose_name=_("technical institution"))
    expert = models.ForeignKey("directory.Expert", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="need_assignments", verbose_name=_("expert"))
    status = models.CharField(_("status"), max_length=12, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.OFFERED)
    note = models.TextField(_("instructions"), blank=True)
    # Kept translatable (core.i18n.stored): shown in the reader's language by match_reasons_shown.
    match_reasons = models.TextField(_("why matched"), blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("assigned by"))
    assigned_at = RecordedTimeField(_("assigned at"), default=timezone.now)
    respond_due = models.DateField(_("response due"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_summary = models.TextField(_("service summary"), blank=True)

    objects = RestrictedManager.from_queryset(NeedAssignmentQuerySet)()

    class Meta:
        verbose_name = _("need assignment")
        verbose_name_plural = _("need assignments")
        ordering = ["assigned_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(institution__isnull=False, expert__isnull=True)
                           | Q(institution__isnull=True, expert__isnull=False)),
                name="need_assignment_one_provider"),
            models.UniqueConstraint(fields=["need", "institution"], condition=Q(institution__isnull=False),
                                    name="need_assignment_unique_institution"),
            models.UniqueConstraint(fields=["need", "expert"], condition=Q(expert__isnull=False),
                                    name="need_assignment_unique_expert"),
        ]
        permissions = [("respond_needassignment", "Can accept, decline and deliver assigned needs")]

    def __str__(self):
        return str(self.provider)

    def get_absolute_url(self):
        return self.need.get_absolute_url()

    @property
    def provider(self):
        return self.institution or self.expert

    @property
    def match_reasons_shown(self) -> str:
        """Why the provider matched, in the reader's language (rows kept before: as written)."""
        return i18n.shown(self.match_reasons)

    @property
    def provider_kind(self) -> str:
        return "institution" if self.institution_id else "expert"

    def is_for(self, user) -> bool:
        """Whether ``user`` answers for this assignment (its institution, or the expert)."""
        if self.institution_id:
            return user.has_role(Role.TECH_INSTITUTION) and user.organization_id == self.institution_id
        return user.has_role(Role.EXPERT) and self.expert.user_id == user.pk
