"""The achievement sharing library ("成果库", chain guide §5.6, Appendices G and H): ACH-01…06."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.accounts.roles import ADMINISTRATORS, Role
from zhilian.consortia.models import inside_consortium_q, is_city_level
from zhilian.consortia.selectors import consortium_ids_led_by, consortium_ids_of_organization
from zhilian.core import i18n
from zhilian.core.i18n import listed
from zhilian.core.links import id_url
from zhilian.core.models import BaseModel, PinyinSortMixin, SearchableMixin
from zhilian.core.permissions import EVERYTHING, NOTHING, RestrictedManager, RestrictedQuerySet
from zhilian.core.resultcache import kept_ids
from zhilian.directory.validators import validate_mobile_or_phone

from .choices import (
    AchievementStatus, AchievementType, EventKind, IpType, LicenseMode, LicenseStatus, RightStatus, ShareCondition,
    ShareLevel, UsageKind,
)


def achievement_view_q(user) -> Q:
    """Achievements ``user`` may see: the share level decides (chain guide 5.6.2; ACH-02).

    A listed achievement is seen by everyone when public; by every unit of the platform
    when paid (its licence is the way to use it); by the consortium's current members when
    shared within the consortium; by the named organizations when targeted. The contributor
    always sees its own; the consortium's lead unit (which reviews and runs the library,
    5.6.4), the city level and the district bureau of the contributor see what was
    submitted; a licensee with a signed licence keeps seeing what it licensed.
    """
    if user.has_role(*ADMINISTRATORS):
        return NOTHING  # 等保 8.1.4.2 d: administrators read no unit's business records
    if is_city_level(user):
        return EVERYTHING
    listed = Q(status=AchievementStatus.LISTED)
    condition = listed & Q(share_level=ShareLevel.PUBLIC)
    condition |= Q(created_by=user)
    org_id = user.organization_id
    if org_id:
        condition |= listed & Q(share_level=ShareLevel.PAID)
        # The unit's consortia, targeted shares and signed licences as kept id lists
        # (core.resultcache.kept_ids): a few literal ids cost less to build, compile and run
        # than the subqueries, and stay exact (kept until those tables change).
        condition |= listed & Q(share_level=ShareLevel.CONSORTIUM, consortium__in=consortium_ids_of_organization(org_id))
        condition |= listed & Q(share_level=ShareLevel.TARGETED, pk__in=kept_ids(
            "achievements-targeted-at", (org_id,), Achievement.targeted_organizations.through.objects
            .filter(organization_id=org_id).values_list("achievement_id", flat=True)))
        condition |= Q(contributor_id=org_id)
        # Not consortium__lead_unit_id: that join made PostgreSQL scan and sort every visible
        # row instead of walking the list's ordering index.
        condition |= ~Q(status=AchievementStatus.DRAFT) & Q(consortium__in=consortium_ids_led_by(org_id))
        condition |= Q(pk__in=kept_ids("achievements-licensed-to", (org_id,), License.objects.filter(
            licensee_id=org_id, status=LicenseStatus.SIGNED).values_list("achievement_id", flat=True)))
    if user.has_role(Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR) and user.district:
        condition |= ~Q(status=AchievementStatus.DRAFT) & Q(contributor__district=user.district)
    return condition


class AchievementQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        if action in ("change", "delete"):
            # The contributor fills in the intake form until it is submitted (or returned).
            if not user.organization_id:
                return NOTHING
            return Q(status=AchievementStatus.DRAFT, contributor_id=user.organization_id)
        return achievement_view_q(user)

    def listed(self):
        return self.filter(status=AchievementStatus.LISTED)


class Achievement(SearchableMixin, PinyinSortMixin, BaseModel):
    """A result of an accepted breakthrough project entered with the Appendix G fields (ACH-01)."""

    SEARCH_FIELDS = ("code", "name", "summary", "problem_solved", "indicators", "application_scope",
                     "contributor__name", "certificate_no", "right_holder")

    code = models.CharField(_("achievement number"), max_length=30, unique=True, editable=False)
    name = models.CharField(_("achievement name"), max_length=200)
    # 基本信息
    contributor = models.ForeignKey("directory.Organization", on_delete=models.PROTECT, related_name="achievements",
                                    verbose_name=_("contributor"), editable=False)
    achievement_type = models.CharField(_("achievement type"), max_length=16, choices=AchievementType.choices,
                                        db_index=True)
    summary = models.TextField(_("summary"), help_text=_("Content, principle and innovation of the result."))
    # 成果内容
    problem_solved = models.TextField(_("quality problem solved"))
    problems = models.ManyToManyField("problems.Problem", blank=True, related_name="achievements",
                                      verbose_name=_("problems of the library"))
    indicators = models.TextField(_("technical indicators / performance"))
    application_scope = models.TextField(_("application scenarios and scope"))
    # 知识产权
    ip_type = models.CharField(_("type of intellectual property"), max_length=16, choices=IpType.choices,
                               default=IpType.NONE)
    right_status = models.CharField(_("right status"), max_length=16, choices=RightStatus.choices,
                                    default=RightStatus.NOT_APPLICABLE)
    certificate_no = models.CharField(_("certificate number"), max_length=100, blank=True)
    right_holder = models.CharField(_("patentee / copyright owner"), max_length=200, blank=True)
    # 共享信息
    share_level = models.CharField(_("share level"), max_length=12, choices=ShareLevel.choices, db_index=True)
    share_condition = models.CharField(_("share condition"), max_length=12, choices=ShareCondition.choices,
                                       default=ShareCondition.FREE)
    fee_terms = models.CharField(_("terms of payment"), max_length=300, blank=True,
                                 help_text=_("Required when use is against payment."))
    targeted_organizations = models.ManyToManyField("directory.Organization", blank=True, related_name="+",
                                                    verbose_name=_("targeted organizations"))
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=30, validators=[validate_mobile_or_phone])
    # where it comes from
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="achievements",
                                verbose_name=_("source project"))
    consortium = models.ForeignKey("consortia.Consortium", on_delete=models.PROTECT, related_name="achievements",
                                   verbose_name=_("consortium"), editable=False)
    # 审核信息
    status = models.CharField(_("status"), max_length=10, choices=AchievementStatus.choices,
                              default=AchievementStatus.DRAFT, db_index=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("declared by"), editable=False)
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True, editable=False)
    review_opinion = models.TextField(_("review opinion"), blank=True, editable=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("reviewed by"), editable=False)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)
    listed_on = models.DateField(_("listed on"), null=True, blank=True, editable=False)
    delisted_on = models.DateField(_("taken down on"), null=True, blank=True, editable=False)
    delist_reason = models.CharField(_("reason for taking down"), max_length=300, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("entered by"), editable=False)

    objects = RestrictedManager.from_queryset(AchievementQuerySet)()

    class Meta:
        verbose_name = _("breakthrough achievement")
        verbose_name_plural = _("breakthrough achievements")
        # Listed achievements newest first, then those not (yet) listed, on both databases:
        # PostgreSQL puts NULLs first in a descending order and SQLite last, and walking
        # thousands of unlisted rows first cost every page of the library for a user who may
        # not see them.
        ordering = [models.F("listed_on").desc(nulls_last=True), "-created_at", "-id"]
        permissions = [("review_achievement", "Can review achievements for the library")]
        # The list's count reads only the columns the visibility rule tests: covering them
        # lets PostgreSQL count from the index instead of the wide rows (ACH-02 scopes).
        indexes = [models.Index(fields=["status", "share_level"], name="achievement_visibility",
                                include=["consortium", "contributor", "created_by", "id"]),
                   models.Index(fields=["consortium", "status"]),
                   models.Index(fields=["contributor", "status"]),
                   # On PostgreSQL, migration 0007 makes it ``listed_on DESC NULLS LAST``, the
                   # ordering's; SQLite has no NULLS LAST in an index, and puts NULLs last anyway.
                   models.Index(fields=["-listed_on", "-created_at", "-id"], name="achievement_list_order")]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return id_url("achievements:achievement_detail", self.pk)

    @property
    def is_listed(self):
        return self.status == AchievementStatus.LISTED


class AchievementRecordQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        if action != "view":
            return NOTHING
        return Q(achievement__in=Achievement.objects.restrict(user, "view").values("pk"))


class RightStatusChange(BaseModel):
    """A maintenance record of the achievement's right status (e.g. patent lapsed; 5.6.4)."""

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="right_changes",
                                    verbose_name=_("achievement"))
    before = models.CharField(_("before"), max_length=16, choices=RightStatus.choices)
    after = models.CharField(_("after"), max_length=16, choices=RightStatus.choices)
    effective_on = models.DateField(_("effective on"))
    note = models.CharField(_("note"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("recorded by"))

    objects = RestrictedManager.from_queryset(AchievementRecordQuerySet)()

    class Meta:
        verbose_name = _("right status change")
        verbose_name_plural = _("right status changes")
        ordering = ["achievement", "-effective_on", "-id"]

    def __str__(self):
        return f"{self.achievement.code} {self.get_before_display()} → {self.get_after_display()}"


class AchievementUsage(models.Model):
    """One use of an achievement page by a user on a day (views, exports) for statistics (ACH-05).

    Counted once per user, kind and day so that reloading a page does not inflate the
    figures; downloads of proof documents are counted from the audit log.
    """

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="usage",
                                    verbose_name=_("achievement"))
    kind = models.CharField(pgettext_lazy("classification", "kind"), max_length=10, choices=UsageKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    organization = models.ForeignKey("directory.Organization", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    day = models.DateField(_("day"), default=timezone.localdate)

    objects = RestrictedManager.from_queryset(AchievementRecordQuerySet)()

    class Meta:
        verbose_name = _("achievement usage")
        verbose_name_plural = _("achievement usage")
        constraints = [models.UniqueConstraint(fields=["achievement", "user", "kind", "day"],
                                               name="usage_once_per_day")]
        indexes = [models.Index(fields=["achievement", "kind"])]

    def __str__(self):
        return f"{self.achievement_id} {self.kind} {self.day}"


def license_view_q(user) -> Q:
    """A licence is seen by its two parties, the consortium's lead unit and the city level."""
    if is_city_level(user):
        return EVERYTHING
    if not user.organization_id or user.has_role(*ADMINISTRATORS):
        return NOTHING
    org = user.organization_id
    return Q(licensee_id=org) | Q(licensor_id=org) | Q(achievement__consortium__lead_unit_id=org)


class LicenseQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        return license_view_q(user) if action == "view" else NOTHING

    def binding(self):
        return self.filter(status__in=[LicenseStatus.APPROVED, LicenseStatus.SIGNED])


# Fields of use are typed as free text; any of these separates two of them.
_FIELD_SEPARATORS = re.compile(r"[,，、;；/]+")


def split_fields(text: str) -> list[str]:
    return [part.strip() for part in _FIELD_SEPARATORS.split(text or "") if part.strip()]


class License(BaseModel):
    """A sharing licence agreement as chain guide Appendix H (ACH-03).

    Requested by the user's unit (乙方), approved by the contributor (甲方), then signed by
    both. An exclusive or sole licence blocks any other licence whose territory, field of
    use and term overlap it.
    """

    code = models.CharField(_("agreement number"), max_length=30, unique=True, editable=False)
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="licenses",
                                    verbose_name=_("licensed achievement"))
    licensor = models.ForeignKey("directory.Organization", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("licensor (party A)"), editable=False)
    licensee = models.ForeignKey("directory.Organization", on_delete=models.PROTECT, related_name="licenses_held",
                                 verbose_name=_("licensee (party B)"), editable=False)
    mode = models.CharField(_("licence mode"), max_length=10, choices=LicenseMode.choices)
    territories = models.JSONField(_("territory"), default=list,
                                   help_text=_("Provinces, or 全国 for the whole country."))
    field_of_use = models.CharField(_("field of use"), max_length=300, blank=True,
                                    help_text=_("Fields separated by commas; empty means every field."))
    start_date = models.DateField(_("licence from"))
    end_date = models.DateField(_("licence until"))
    fee_amount = models.DecimalField(_("fee (10k CNY)"), max_digits=12, decimal_places=2, default=0,
                                     validators=[MinValueValidator(0)])
    fee_terms = models.CharField(_("fees and payment"), max_length=300, blank=True)
    purpose = models.TextField(_("intended use"), blank=True)
    obligations = models.TextField(_("rights and obligations of both parties"), blank=True)
    breach = models.TextField(_("liability for breach"), blank=True)
    dispute_resolution = models.TextField(_("dispute resolution"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=LicenseStatus.choices,
                              default=LicenseStatus.REQUESTED, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("requested by"), editable=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"), editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    # The contributor's own words as written; a refusal the library writes (taken down, right
    # ended) kept translatable (core.i18n.stored): decision_note_shown reads in the reader's language.
    decision_note = models.TextField(_("contributor's note"), blank=True, editable=False)
    signed_on = models.DateField(_("signed on"), null=True, blank=True, editable=False)
    licensor_signatory = models.CharField(_("signed for party A by"), max_length=50, blank=True, editable=False)
    licensor_signed_on = models.DateField(_("party A signed on"), null=True, blank=True, editable=False)
    licensee_signatory = models.CharField(_("signed for party B by"), max_length=50, blank=True, editable=False)
    licensee_signed_on = models.DateField(_("party B signed on"), null=True, blank=True, editable=False)

    objects = RestrictedManager.from_queryset(LicenseQuerySet)()

    class Meta:
        verbose_name = _("sharing licence agreement")
        verbose_name_plural = _("sharing licence agreements")
        ordering = ["-created_at", "-id"]
        permissions = [("approve_license", "Can approve licence requests as the contributor")]
        constraints = [models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                              name="license_end_after_start")]
        indexes = [models.Index(fields=["achievement", "status"])]

    def __str__(self):
        return f"{self.code} {self.achievement.name} · {self.licensee}"

    def get_absolute_url(self):
        return id_url("achievements:license_detail", self.pk)

    @property
    def decision_note_shown(self) -> str:
        """The decision's note in the reader's language (a note typed by the contributor: as written)."""
        return i18n.shown(self.decision_note)

    def clean(self):
        # The term at the end date's field, before the database constraint (kept as the guard)
        # would answer with its name and no field (PLT-12).
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The licence ends after it starts.")})

    @property
    def is_exclusive(self):
        return self.mode in (LicenseMode.EXCLUSIVE, LicenseMode.SOLE)

    @property
    def territory_display(self):
        return listed(self.territories) if self.territories else "—"

    @property
    def fields_of_use(self) -> list[str]:
        return split_fields(self.field_of_use)

    @property
    def field_of_use_display(self) -> str:
        """The fields as the reader lists them (科研、中试 / 科研, 中试); empty for every field."""
        return listed(self.fields_of_use)

    def is_in_force(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status == LicenseStatus.SIGNED and self.start_date <= today <= self.end_date


class PromotionEventQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        if action == "view":
            return inside_consortium_q(user)
        if not user.organization_id:
            return NOTHING
        return Q(consortium__lead_unit_id=user.organization_id)


class PromotionEvent(BaseModel):
    """A promotion event or a training on the library run by the consortium's lead unit (5.6.4; ACH-05)."""

    consortium = models.ForeignKey("consortia.Consortium", on_delete=models.CASCADE, related_name="promotion_events",
                                   verbose_name=_("consortium"))
    kind = models.CharField(pgettext_lazy("classification", "kind"), max_length=10, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    achievements = models.ManyToManyField(Achievement, blank=True, related_name="promotion_events",
                                          verbose_name=_("achievements presented"))
    attendees = models.PositiveIntegerField(_("attendees"), default=0)
    attending_units = models.TextField(_("attending units"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("recorded by"), editable=False)

    objects = RestrictedManager.from_queryset(PromotionEventQuerySet)()

    class Meta:
        verbose_name = _("promotion event or training")
        verbose_name_plural = _("promotion events and trainings")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return id_url("achievements:event_detail", self.pk)
