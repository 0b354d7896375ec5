"""Quality innovation consortia ("一体", chain guide §5.2, Appendix A): CON-01, CON-02."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.accounts.roles import ADMINISTRATORS, Role
from zhilian.core.links import id_url
from zhilian.core.models import BaseModel, PinyinSortMixin, SearchableMixin
from zhilian.core.permissions import EVERYTHING, NOTHING, RestrictedManager, RestrictedQuerySet
from zhilian.directory.validators import validate_mobile_or_phone, validate_uscc

from .choices import ConsortiumStatus, ContributionKind, MemberRole, ReviewDecision, ReviewStep

# Roles that oversee every consortium of the city. Not the administrators (SEC-05): they
# administer the platform and read no unit's business records (等保 8.1.4.2 d).
CITY_LEVEL = (Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION)


def is_city_level(user) -> bool:
    return user.has_role(*CITY_LEVEL)


def active_membership_q(prefix: str = "") -> Q:
    """Q on ConsortiumMember rows (or a relation to them via ``prefix``) that are in force."""
    return Q(**{f"{prefix}joined_on__isnull": False, f"{prefix}left_on__isnull": True})


def counted_member_q(prefix: str = "members__") -> Q:
    """Q on consortia joined to their member rows via ``prefix``: the member units a consortium's
    count states, the numbered rows of its Appendix A member table (the lead unit apart). In an
    application every unit proposed counts (none has joined yet); once approved, those in force."""
    return Q(**{f"{prefix}role": MemberRole.MEMBER, f"{prefix}left_on__isnull": True}) & (
        ~Q(status=ConsortiumStatus.APPROVED) | Q(**{f"{prefix}joined_on__isnull": False}))


def member_consortium_ids(organization_id, *, active_only: bool = True):
    """Subquery of consortia the organization belongs to (as lead or member)."""
    rows = ConsortiumMember.objects.filter(organization_id=organization_id)
    if active_only:
        rows = rows.filter(active_membership_q())
    return rows.values("consortium")


class ConsortiumQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        """Approved consortia are public; applications belong to their lead unit, members and reviewers.

        A district bureau (区质量强区工作领导小组办公室) reviews the applications of its district
        once submitted; the city bureau and the management institution see every one.
        """
        if user.has_role(*ADMINISTRATORS):
            return NOTHING  # 等保 8.1.4.2 d
        org_id = user.organization_id
        lead = Q(lead_unit_id=org_id) if org_id else NOTHING
        if action in ("change", "delete"):
            # The application is edited by its lead unit while it is a draft (or returned).
            return Q(status=ConsortiumStatus.DRAFT) & (lead | Q(created_by=user))
        if is_city_level(user):
            return EVERYTHING
        condition = Q(status=ConsortiumStatus.APPROVED) | lead | Q(created_by=user)
        if org_id:
            condition |= Q(pk__in=ConsortiumMember.objects.filter(organization_id=org_id).values("consortium"))
        if user.has_role(Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR) and user.district:
            condition |= Q(district=user.district, submitted_at__isnull=False)
        return condition

    def approved(self):
        return self.filter(status=ConsortiumStatus.APPROVED)


class Consortium(SearchableMixin, PinyinSortMixin, BaseModel):
    """A quality innovation consortium and its Appendix A application (CON-01).

    chain guide 5.2.1: led by a chain-owner enterprise (or an institution, association,
    university) with upstream and downstream enterprises, universities, research institutes
    and quality technical institutions; usually named “XX 产业链质量创新联合体”.
    """

    SEARCH_FIELDS = ("name", "chain_domain", "lead_unit__name", "goals", "work_plan", "person_in_charge")

    name = models.CharField(_("consortium name"), max_length=200, unique=True,
                            help_text=_("Usually “XX 产业链质量创新联合体” (chain guide 5.2.1)."))
    chain = models.ForeignKey("chains.Chain", on_delete=models.PROTECT, related_name="consortia",
                              verbose_name=_("industrial chain"))
    chain_domain = models.CharField(_("chain domain"), max_length=200,
                                    help_text=_("产业链领域 as written on the application, e.g. 集成电路（硅材料—晶圆制造）."))
    lead_unit = models.ForeignKey("directory.Organization", on_delete=models.PROTECT, related_name="led_consortia",
                                  verbose_name=_("lead unit"))
    person_in_charge = models.CharField(_("person in charge"), max_length=50)
    person_phone = models.CharField(_("contact phone"), max_length=30, validators=[validate_mobile_or_phone])
    goals = models.TextField(_("main construction goals"))
    work_plan = models.TextField(_("construction work plan"))
    district = models.CharField(_("district"), max_length=30, blank=True, db_index=True,
                                help_text=_("The district whose quality office reviews the application: the lead unit's."))
    city = models.CharField(_("city"), max_length=30, default=settings.ZHILIAN_REGION_CITY)
    status = models.CharField(_("status"), max_length=20, choices=ConsortiumStatus.choices,
                              default=ConsortiumStatus.DRAFT, db_index=True)
    submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True, editable=False)
    approved_on = models.DateField(pgettext_lazy("consortium", "established on"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("drafted by"))

    objects = RestrictedManager.from_queryset(ConsortiumQuerySet)()

    class Meta:
        verbose_name = _("quality innovation consortium")
        verbose_name_plural = _("quality innovation consortia")
        ordering = ["name_sort"]
        permissions = [("review_consortium", "Can review consortium applications as a quality office")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return id_url("consortia:consortium_detail", self.pk)

    @property
    def is_approved(self):
        return self.status == ConsortiumStatus.APPROVED

    def active_members(self):
        return self.members.filter(active_membership_q())

    def counts_member(self, member) -> bool:
        """Whether ``member`` is one of the units :func:`counted_member_q` counts."""
        return member.role == MemberRole.MEMBER and member.left_on is None and (
            member.joined_on is not None or self.status != ConsortiumStatus.APPROVED)


class ConsortiumMemberQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        if action == "view":
            return Q(consortium__in=Consortium.objects.restrict(user, "view").values("pk"))
        # The lead unit keeps the member list: in the application, then joins and exits.
        if not user.organization_id:
            return NOTHING
        return Q(consortium__lead_unit_id=user.organization_id,
                 consortium__status__in=[ConsortiumStatus.DRAFT, ConsortiumStatus.APPROVED])

    def active(self):
        return self.filter(active_membership_q())


class ConsortiumMember(BaseModel):
    """A unit of the consortium with the Appendix A member columns, and its join / exit (CON-02)."""

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="members",
                                   verbose_name=_("consortium"))
    organization = models.ForeignKey("directory.Organization", on_delete=models.PROTECT,
                                     related_name="consortium_memberships", verbose_name=_("member unit"))
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    uscc = models.CharField(_("unified social credit code"), max_length=18, validators=[validate_uscc])
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=30, validators=[validate_mobile_or_phone])
    responsibilities = models.CharField(_("responsibilities in the consortium"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(pgettext_lazy("sequence", "number"), default=0)
    joined_on = models.DateField(_("joined on"), null=True, blank=True,
                                 help_text=_("Set when the consortium is approved, or when a unit joins later."))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    exit_reason = models.CharField(_("reason for leaving"), max_length=300, blank=True)
    cross_region = models.BooleanField(_("cross-region member"), default=False, editable=False,
                                       help_text=_("Outside the consortium's city (chain guide 5.2.5)."))

    objects = RestrictedManager.from_queryset(ConsortiumMemberQuerySet)()

    class Meta:
        verbose_name = _("consortium member")
        verbose_name_plural = _("consortium members")
        ordering = ["consortium", "-role", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["consortium", "organization"], condition=Q(left_on__isnull=True),
                                    name="consortium_member_unique_active"),
            models.CheckConstraint(condition=Q(left_on__isnull=True) | Q(joined_on__isnull=False, left_on__gte=models.F("joined_on")),
                                   name="consortium_member_left_after_joined"),
        ]
        indexes = [models.Index(fields=["organization", "left_on"])]

    def __str__(self):
        return f"{self.organization} · {self.consortium}"

    def get_absolute_url(self):
        return self.consortium.get_absolute_url()

    @property
    def is_active(self):
        return self.joined_on is not None and self.left_on is None

    def save(self, *args, **kwargs):
        org = self.organization
        home_city = self.consortium.city or settings.ZHILIAN_REGION_CITY
        self.cross_region = bool(org.city and org.city != home_city) or org.province != settings.ZHILIAN_REGION_PROVINCE
        super().save(*args, **kwargs)


class ConsortiumReviewQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        if action != "view":
            return NOTHING  # opinions are records: written by the service, never edited
        return Q(consortium__in=Consortium.objects.restrict(user, "view").values("pk"))


class ConsortiumReview(BaseModel):
    """One opinion on the application: lead unit, district office or city office (Appendix A 三–五)."""

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="reviews",
                                   verbose_name=_("consortium"))
    step = models.CharField(_("step"), max_length=10, choices=ReviewStep.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision.choices)
    opinion = models.TextField(_("opinion"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=pgettext_lazy("application review", "reviewer"))
    reviewer_org = models.ForeignKey("directory.Organization", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("reviewing unit"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    objects = RestrictedManager.from_queryset(ConsortiumReviewQuerySet)()

    class Meta:
        verbose_name = _("consortium review opinion")
        verbose_name_plural = _("consortium review opinions")
        ordering = ["consortium", "decided_at", "id"]

    def __str__(self):
        return f"{self.get_step_display()} · {self.get_decision_display()}"


def inside_consortium_q(user, prefix: str = "consortium__") -> Q:
    """Q of consortia whose internal records (charter, contributions) ``user`` may read.

    Those are the consortium's own units (lead and members, current or former), the city
    level, and the district bureau of an approved consortium's district.
    """
    if user.has_role(*ADMINISTRATORS):
        return NOTHING  # 等保 8.1.4.2 d
    if is_city_level(user):
        return EVERYTHING
    condition = NOTHING
    if user.organization_id:
        condition = Q(**{f"{prefix}pk__in": member_consortium_ids(user.organization_id, active_only=False)}) | Q(
            **{f"{prefix}lead_unit_id": user.organization_id})
    if user.has_role(Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR) and user.district:
        condition |= Q(**{f"{prefix}district": user.district, f"{prefix}status": ConsortiumStatus.APPROVED})
    return condition


class _InsideQuerySet(RestrictedQuerySet):
    """Records for the consortium's own units and its overseers: charter, contributions."""

    def inside_scope(self, user):
        return inside_consortium_q(user)


class ConsortiumCharterQuerySet(_InsideQuerySet):
    def scope(self, user, action):
        if action == "view":
            return self.inside_scope(user)
        if not user.organization_id:
            return NOTHING
        return Q(consortium__lead_unit_id=user.organization_id, consortium__status=ConsortiumStatus.APPROVED)


class ConsortiumCharter(BaseModel):
    """A version of the consortium's charter and implementation scheme (chain guide 5.2.3, 5.2.6).

    Each adoption is a new version; the latest one is in force and earlier ones are kept.
    """

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="charters",
                                   verbose_name=_("consortium"))
    number = models.PositiveIntegerField(_("version"), editable=False)
    adopted_on = models.DateField(_("adopted on"))
    organization_structure = models.TextField(_("organizational structure"))
    operating_mechanism = models.TextField(_("operating mechanism"))
    rights_obligations = models.TextField(_("members' rights and obligations"))
    ip_ownership = models.TextField(_("intellectual-property ownership"))
    benefit_distribution = models.TextField(_("benefit distribution"))
    entry_exit_rules = models.TextField(_("entry and exit mechanism"))
    talent_development = models.TextField(_("joint talent development"), blank=True,
                                          help_text=_("Expert secondment, training bases (chain guide 5.2.6)."))
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("recorded by"))

    objects = RestrictedManager.from_queryset(ConsortiumCharterQuerySet)()

    class Meta:
        verbose_name = _("consortium charter")
        verbose_name_plural = _("consortium charters")
        ordering = ["consortium", "-number"]
        constraints = [models.UniqueConstraint(fields=["consortium", "number"], name="charter_unique_version")]

    def __str__(self):
        return gettext("%(consortium)s · charter, version %(n)d") % {"consortium": self.consortium, "n": self.number}

    def get_absolute_url(self):
        return id_url("consortia:charter_detail", self.pk)


class MemberContributionQuerySet(_InsideQuerySet):
    def scope(self, user, action):
        if action == "view":
            return self.inside_scope(user)
        if not user.organization_id:
            return NOTHING
        # The lead unit records every member's contribution; a member may record its own.
        return Q(consortium__status=ConsortiumStatus.APPROVED) & (
            Q(consortium__lead_unit_id=user.organization_id) | Q(member__organization_id=user.organization_id))


class MemberContribution(BaseModel):
    """Support a member provides: funds, technology, people, equipment, space (chain guide 5.2.4)."""

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="contributions",
                                   verbose_name=_("consortium"))
    member = models.ForeignKey(ConsortiumMember, on_delete=models.PROTECT, related_name="contributions",
                               verbose_name=_("member unit"))
    kind = models.CharField(pgettext_lazy("classification", "kind"), max_length=12, choices=ContributionKind.choices)
    description = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(_("amount or value (10k CNY)"), max_digits=12, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(0)])
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, null=True, blank=True,
                                   validators=[MinValueValidator(0)])
    unit = models.CharField(_("unit of quantity"), max_length=20, blank=True, help_text=_("e.g. 人, 台套, ㎡"))
    provided_on = models.DateField(_("provided on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("recorded by"))

    objects = RestrictedManager.from_queryset(MemberContributionQuerySet)()

    class Meta:
        verbose_name = _("member contribution")
        verbose_name_plural = _("member contributions")
        ordering = ["consortium", "-provided_on", "id"]

    def __str__(self):
        return f"{self.member.organization} · {self.get_kind_display()} · {self.description}"

    def get_absolute_url(self):
        return self.consortium.get_absolute_url() + "#contributions"

    def clean(self):
        if self.member_id and self.consortium_id and self.member.consortium_id != self.consortium_id:
            raise ValidationError({"member": _("This unit is not a member of the consortium.")})
        if self.kind == ContributionKind.FUNDS and self.amount in (None, 0):
            raise ValidationError({"amount": _("Enter the amount of funds in 10k CNY.")})
