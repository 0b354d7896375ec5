"""The quality problem library (PRB-01…08) and the versioned severity model (chain guide Appendix D)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from zhilian.accounts.roles import ADMINISTRATORS, Role
from zhilian.core.links import id_url
from zhilian.core.models import BaseModel, PinyinSortMixin, SearchableMixin
from zhilian.core.permissions import EVERYTHING, NOTHING, RestrictedManager, RestrictedQuerySet
from zhilian.core.resultcache import kept_ids, user_key


class ProblemCategory(models.TextChoices):
    # chain guide 5.4.3 a–e, named as in the note of Table C.1 (质量技术问题 … 其他质量相关问题);
    # a context, since other apps translate "Quality management" as the discipline (质量管理)
    TECHNOLOGY = "technology", pgettext_lazy("problem category", "Quality technology")
    MANAGEMENT = "management", pgettext_lazy("problem category", "Quality management")
    BRAND = "brand", pgettext_lazy("problem category", "Quality brand")
    INFRASTRUCTURE = "infrastructure", pgettext_lazy("problem category", "Quality infrastructure")
    OTHER = "other", pgettext_lazy("problem category", "Other quality-related problems")


# chain guide 5.4.3: the sub-areas of each category
SUB_AREAS = {
    ProblemCategory.TECHNOLOGY: [
        ("basic_materials", _("Basic materials, components and equipment")),
        ("process", _("Difficult process technology")),
        ("automation", _("Automation and intelligent upgrading of equipment, processes and software")),
        ("resources", _("Breakthrough resources, talent and capability")),
    ],
    ProblemCategory.MANAGEMENT: [
        ("methods", _("Advanced quality-management concepts, methods and tools")),
        ("system_consistency", _("Consistent QMS application and maturity along the chain")),
        ("digital", _("Digital transformation of quality management")),
        ("culture", _("Quality culture")),
        ("competence", _("Quality competence of all staff")),
        ("risk", _("Quality and safety risk control and early warning")),
    ],
    ProblemCategory.BRAND: [
        ("lifecycle", _("Brand lifecycle management and operation")),
        ("chain_brand", _("Chain-wide brand building, awareness and reputation")),
        ("regional_brand", _("Regional public brand")),
        ("brand_talent", _("Brand talent, service capability and international standardization")),
    ],
    ProblemCategory.INFRASTRUCTURE: [
        ("sharing", _("Sharing and integrated services of NQI resources")),
        ("metrology", _("Key metrology and measurement technology")),
        ("standards", _("Standards needs and standard systems")),
        ("certification", _("Whole-chain certification system")),
        ("testing", _("Lifecycle inspection and testing capability")),
        ("platforms", _("National metrology, standards and testing platforms and talent")),
    ],
    ProblemCategory.OTHER: [
        ("policy", _("Timeliness, accuracy and feasibility of policy and planning")),
        ("collaboration", _("Cross-region, cross-field and up/downstream collaboration")),
        ("talent", _("Quality talent recruitment, training and succession")),
    ],
}
SUB_AREA_CHOICES = [(code, label) for areas in SUB_AREAS.values() for code, label in areas]


class ProblemStatus(models.TextChoices):
    # chain guide 5.4.2 g
    IDENTIFIED = "identified", _("Identified")
    ANALYZING = "analyzing", _("Analyzing")
    TACKLING = "tackling", _("Under breakthrough")
    SOLVED = "solved", _("Solved")


class ProblemSource(models.TextChoices):
    # PRB-08
    CHAIN_STUDY = "chain_study", _("Chain study")
    SELF_REPORT = "self_report", _("Enterprise self-report")
    SUPERVISION = "supervision", _("Supervision finding")
    CONSORTIUM = "consortium", _("Consortium")


class SeverityLevel(models.IntegerChoices):
    # chain guide Appendix D
    CRITICAL = 1, _("Level 1 · critical ★★★")
    IMPORTANT = 2, _("Level 2 · important ★★")
    GENERAL = 3, _("Level 3 · general ★")


STARS = {1: 3, 2: 2, 3: 1}


def format_total(total) -> str:
    """Return a weighted total as the string the API and forms show: "4.0", "3.75"."""
    if total is None:
        return ""
    one_place = total.quantize(Decimal("0.1"))
    return str(one_place) if one_place == total else str(total.quantize(Decimal("0.01")))


class SeverityModelQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        # Anyone who may read the library may read the model; administrators define versions.
        return EVERYTHING if action == "view" else (EVERYTHING if user.has_role(Role.SYSTEM_ADMIN, Role.CITY_REGULATOR) else NOTHING)

    def current(self):
        return self.filter(is_current=True).order_by("-number").first()


class SeverityModel(BaseModel):
    """A version of the severity-assessment model: dimensions, weights and level thresholds.

    Versions are never edited once an assessment uses them; an administrator defines a new
    version instead, and every assessment keeps the version it was scored with (PRB-03).
    """

    # "number", not "version": BaseModel.version is the edit counter for stale-edit refusal.
    number = models.PositiveIntegerField(_("model version"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    level1_min = models.DecimalField(_("level 1 from (total ≥)"), max_digits=4, decimal_places=2, default=Decimal("4.0"))
    level2_min = models.DecimalField(_("level 2 from (total ≥)"), max_digits=4, decimal_places=2, default=Decimal("2.5"))
    is_current = models.BooleanField(_("current"), default=False)
    note = models.TextField(_("note"), blank=True)

    objects = RestrictedManager.from_queryset(SeverityModelQuerySet)()

    class Meta:
        verbose_name = _("severity model")
        verbose_name_plural = _("severity models")
        ordering = ["-number"]

    def __str__(self):
        return f"{self.name} v{self.number}"

    def get_absolute_url(self):
        return id_url("problems:severitymodel_detail", self.pk)

    def level_for(self, total: Decimal) -> int:
        # Appendix D: ≥ 4.0 → level 1; 2.5 – 3.9 → level 2; < 2.5 → level 3
        if total >= self.level1_min:
            return 1
        if total >= self.level2_min:
            return 2
        return 3


class SeverityDimension(models.Model):
    """One scored dimension of a severity model, with its weight and level descriptions."""

    model = models.ForeignKey(SeverityModel, on_delete=models.CASCADE, related_name="dimensions")
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(_("weight"), max_digits=4, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))])
    order = models.PositiveSmallIntegerField(default=0)
    # [{"scores": "5", "description": "致命性“卡脖子”问题…"}, {"scores": "3-4", …}, {"scores": "1-2", …}]
    levels = models.JSONField(_("level descriptions"), default=list, blank=True)

    class Meta:
        verbose_name = _("severity dimension")
        verbose_name_plural = _("severity dimensions")
        ordering = ["model", "order"]
        constraints = [models.UniqueConstraint(fields=["model", "code"], name="dimension_unique_code")]

    def __str__(self):
        return f"{self.name} ({self.weight:.0%})"


class ProblemQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        """Who sees and edits which problems (PLT-02).

        The city bureau and the management institution see the whole library; an
        enterprise sees what it reported or what concerns it; a district bureau sees the
        problems of its district's enterprises; experts, associations and research
        institutes see the problems of published chains and of chains they review.
        Editing is for whoever entered or reported the problem; assessing for the
        assessors of what they can see.
        """
        if user.has_role(*ADMINISTRATORS):
            return NOTHING  # 等保 8.1.4.2 d: administrators read no unit's business records
        if user.has_role(Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION):
            return EVERYTHING
        reported = Q(reported_by=user)
        if user.organization_id:
            reported |= Q(reporter_org_id=user.organization_id)
        if action in ("change", "delete", "review"):
            return reported
        # Subqueries whose rows are few come as kept id lists (core.resultcache.kept_ids),
        # exact until the tables they read change: PostgreSQL planned each of them again in
        # every statement of a search (a reviewing expert's scope: about 3 ms a statement).
        concerning = NOTHING
        if user.organization_id:
            concerning = Q(pk__in=kept_ids("problems-concerning", (user.organization_id,),
                                           Problem.concerned_enterprises.through.objects.filter(
                                               organization_id=user.organization_id).values_list("problem_id", flat=True)))
        condition = reported | concerning
        if user.has_role(Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR) and user.district:
            condition |= Q(reporter_org__district=user.district) | Q(
                pk__in=Problem.concerned_enterprises.through.objects.filter(
                    organization__district=user.district).values("problem"))
        if user.has_role(Role.EXPERT, Role.INDUSTRY_ORG, Role.RESEARCH):
            # Experts and associations study the library of published chains (chain guide 5.4).
            from zhilian.chains.models import Chain

            published = kept_ids("chains-published-for", (*user_key(user), user.organization_id),
                                 Chain.objects.restrict(user, "view").filter(published_at__isnull=False)
                                 .values_list("pk", flat=True))
            reviewing = kept_ids("chains-reviewed-by", (user.pk,),
                                 Chain.reviewers.through.objects.filter(user=user).values_list("chain_id", flat=True))
            condition |= Q(chain__in=published) | Q(chain__in=reviewing)
        if action == "assess":
            # Appendix D scoring is an expert's judgement: experts score what they can see.
            return condition if user.has_role(Role.EXPERT) else reported
        return condition


class Problem(SearchableMixin, PinyinSortMixin, BaseModel):
    """A quality problem of the chain with every field of chain guide 5.4.2 and Table C.1."""

    SEARCH_FIELDS = ("code", "name", "product", "description", "impact", "cause_technical", "cause_management",
                     "suggestion")
    # Its name is indexed for a search's rank tiers (migration 0012, core.pagination.tiered_ids).
    SEARCH_TITLE_INDEXED = True

    code = models.CharField(_("number"), max_length=30, unique=True)
    name = models.CharField(_("problem name"), max_length=200)
    # a) identity
    reported_on = models.DateField(_("reported on"))
    reporter_name = models.CharField(_("reported by (person)"), max_length=50, blank=True)
    reporter_org = models.ForeignKey("directory.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="reported_problems", verbose_name=_("reporting unit"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("entered by"))
    source = models.CharField(_("source"), max_length=16, choices=ProblemSource.choices, default=ProblemSource.CHAIN_STUDY)
    # b) location
    chain = models.ForeignKey("chains.Chain", on_delete=models.PROTECT, related_name="problems", verbose_name=_("chain"))
    segment = models.CharField(_("position (up/mid/downstream)"), max_length=12, blank=True,
                               choices=[("upstream", _("Upstream")), ("midstream", _("Midstream")),
                                        ("downstream", _("Downstream"))])
    # PROTECT: deleting a link must not silently unplace its problems (they would drop off the map).
    node = models.ForeignKey("chains.ChainNode", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="problems", verbose_name=_("node"))
    product = models.CharField(_("product or technology concerned"), max_length=200, blank=True)
    # c) description with quantified data; Table C.1 "影响范围与程度"
    description = models.TextField(_("description"), help_text=_("Quantified: defect rate, failure rate, complaints, gap to the best level…"))
    impact = models.TextField(_("impact scope and degree"), blank=True)
    # d) causes
    cause_technical = models.TextField(_("technical root causes"), blank=True)
    cause_management = models.TextField(_("management / infrastructure root causes"), blank=True)
    # e) relations
    related = models.ManyToManyField("self", blank=True, verbose_name=_("related problems"))
    is_common = models.BooleanField(_("common (共性) problem"), default=False)
    concerned_enterprises = models.ManyToManyField("directory.Organization", blank=True, related_name="concerning_problems",
                                                   verbose_name=_("enterprises concerned"))
    # f) suggestion, g) status
    suggestion = models.TextField(_("initial improvement suggestion"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.IDENTIFIED,
                              db_index=True)
    category = models.CharField(pgettext_lazy("problem", "category"), max_length=16, choices=ProblemCategory.choices,
                                db_index=True)
    sub_area = models.CharField(_("sub-area"), max_length=30, choices=SUB_AREA_CHOICES, blank=True)
    # severity of the latest assessment, kept here for filtering and the map (PRB-03)
    severity_total = models.DecimalField(_("severity total"), max_digits=4, decimal_places=2, null=True, blank=True,
                                         editable=False)
    severity_level = models.PositiveSmallIntegerField(_("severity level"), choices=SeverityLevel.choices, null=True,
                                                      blank=True, editable=False, db_index=True)
    # PRB-06 periodic review
    next_review_due = models.DateField(_("next review due"), null=True, blank=True)

    objects = RestrictedManager.from_queryset(ProblemQuerySet)()

    class Meta:
        verbose_name = _("quality problem")
        verbose_name_plural = _("quality problems")
        ordering = ["-reported_on", "-id"]
        permissions = [("assess_problem", "Can assess problem severity"), ("review_problem", "Can record problem reviews")]
        indexes = [
            models.Index(fields=["chain", "status"]), models.Index(fields=["chain", "category", "severity_level"]),
            # The library's order, with the columns the scopes test: a scoped page walks it and
            # stops after 25 rows, and the scoped count reads only the index (an expert's list
            # of 100,000 problems: 256 → 0.5 ms for the page, 273 → 27 ms for the count).
            models.Index(fields=["-reported_on", "-id", "chain", "reporter_org", "reported_by"],
                         name="problem_library_order_idx"),
            # The filters a list is narrowed by, with what the scopes and the library's order
            # read: a restricted user's narrowed list is counted and paged from this index alone.
            # An expert's scope is an OR of subqueries no index serves, so PostgreSQL read every
            # row of a filter from the table to test it (a status: 40,000 rows, 40–120 ms a count).
            models.Index(fields=["status", "category", "severity_level"],
                         include=["chain", "reporter_org", "reported_by", "id", "reported_on"],
                         name="problem_scoped_filter_idx"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    CHOICE_LABEL_RELATED = ("chain",)

    def choice_label(self):
        return gettext("%(code)s %(name)s (%(chain)s)") % {"code": self.code, "name": self.name, "chain": self.chain}

    def get_absolute_url(self):
        return id_url("problems:problem_detail", self.pk)

    @property
    def stars(self):
        return STARS.get(self.severity_level) if self.severity_level else None

    @property
    def severity_total_display(self) -> str:
        return format_total(self.severity_total)

    @property
    def causes(self) -> str:
        """Table C.1 原因初步分析: the technical and management roots in one cell."""
        parts = []
        if self.cause_technical:
            parts.append(f"1. 技术根源：{self.cause_technical}")
        if self.cause_management:
            parts.append(f"{len(parts) + 1}. 管理/基础根源：{self.cause_management}")
        return "\n".join(parts)

    def clean(self):
        errors = {}
        if self.node_id and self.chain_id and self.node.chain_id != self.chain_id:
            errors["node"] = _("The node belongs to another chain.")
        # chain guide 5.4.2 b: the segment alone for a problem of no one node, else the node's
        if self.node_id and not self.segment:
            self.segment = self.node.segment
        elif self.node_id and self.segment != self.node.segment:
            errors["segment"] = _("The node %(node)s is %(segment)s: choose that segment or leave it empty.") % {
                "node": self.node.name, "segment": self.node.get_segment_display()}
        if self.sub_area and self.category:
            allowed = {code for code, _label in SUB_AREAS.get(self.category, [])}
            if self.sub_area not in allowed:
                errors["sub_area"] = _("This sub-area does not belong to the chosen category.")
        if errors:
            raise ValidationError(errors)


class ProblemAssessment(BaseModel):
    """One severity scoring of a problem with the model version it used (PRB-03)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("problem"))
    model = models.ForeignKey(SeverityModel, on_delete=models.PROTECT, related_name="assessments",
                              verbose_name=_("severity model"))
    scores = models.JSONField(_("scores"))  # {"impact": 5, "spread": 4, "urgency": 3}
    total = models.DecimalField(_("weighted total"), max_digits=4, decimal_places=2)
    level = models.PositiveSmallIntegerField(pgettext_lazy("severity", "level"), choices=SeverityLevel.choices)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("assessed by"))
    comment = models.TextField(_("comment"), blank=True)

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            return Q(problem__in=Problem.objects.restrict(user, "view").values("pk")) if action == "view" else NOTHING

    objects = RestrictedManager.from_queryset(QS)()

    class Meta:
        verbose_name = _("severity assessment")
        verbose_name_plural = _("severity assessments")
        ordering = ["problem", "-created_at"]

    def __str__(self):
        # The total as every page shows it ("IC-002 3.7", not "3.70"): the history names it so.
        return f"{self.problem.code} {self.total_display}"

    @property
    def total_display(self) -> str:
        return format_total(self.total)

    def named_scores(self) -> list[tuple[str, int]]:
        """The scores under the model's dimension names, in the model's order (对产业链安全与竞争力的影响 4 …)."""
        dimensions = list(self.model.dimensions.all())
        known = {d.code for d in dimensions}
        return [(d.name, self.scores[d.code]) for d in dimensions if d.code in self.scores] + [
            (code, score) for code, score in self.scores.items() if code not in known]


class ProblemReview(BaseModel):
    """A periodic review of a problem (yearly by default, chain guide 5.4.5; PRB-06)."""

    class Conclusion(models.TextChoices):
        UNCHANGED = "unchanged", _("Still valid, unchanged")
        UPDATED = "updated", pgettext_lazy("review conclusion", "Updated")
        SOLVED = "solved", _("Solved")
        WITHDRAWN = "withdrawn", _("No longer relevant")

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("problem"))
    reviewed_on = models.DateField(_("reviewed on"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("reviewer"))
    conclusion = models.CharField(_("conclusion"), max_length=12, choices=Conclusion.choices)
    notes = models.TextField(_("notes"), blank=True)

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            return Q(problem__in=Problem.objects.restrict(user, "view").values("pk")) if action == "view" else NOTHING

    objects = RestrictedManager.from_queryset(QS)()

    class Meta:
        verbose_name = _("problem review")
        verbose_name_plural = _("problem reviews")
        ordering = ["problem", "-reviewed_on"]

    def __str__(self):
        return f"{self.problem.code} {self.reviewed_on}"

