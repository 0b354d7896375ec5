"""The directory: organizations, experts, commissioners, talents, service points, capabilities."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from zhilian.accounts.roles import ENTERPRISES, REGULATORS, Role
from zhilian.core import i18n
from zhilian.core.links import id_url
from zhilian.core.models import BaseModel, PinyinSortMixin, SearchableMixin
from zhilian.core.permissions import EVERYTHING, NOTHING, RestrictedManager, RestrictedQuerySet
from zhilian.core.text import pinyin_key

from .choices import (
    ELIGIBLE_QUALIFICATIONS, SERVICE_DOMAIN_LABELS, TITLE_RANK, CertificateStatus, ExpertQualificationKind,
    GovernmentLevel, OrganizationKind, QualificationKind, ServicePointLevel, SizeClass, TalentType, TitleLevel,
)
from .regions import PROVINCE_CHOICES, region_errors
from .validators import validate_id_number, validate_mobile_or_phone, validate_uscc

PUBLIC_KINDS = [OrganizationKind.INSTITUTION, OrganizationKind.INDUSTRY_ORG, OrganizationKind.RESEARCH,
                OrganizationKind.GOVERNMENT]


class ServiceDomainQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        # Reference data: whoever may read the directory reads every row (the codes organizations
        # and experts use); no page or API writes them.
        return EVERYTHING if action == "view" else NOTHING


class ServiceDomain(models.Model):
    """An NQI service field (SC guide §5: metrology, standards, testing, certification…)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    order = models.PositiveSmallIntegerField(default=0)

    objects = RestrictedManager.from_queryset(ServiceDomainQuerySet)()

    class Meta:
        verbose_name = _("service domain")
        verbose_name_plural = _("service domains")
        ordering = ["order", "code"]

    def __str__(self):
        return str(self.label)

    @property
    def label(self):
        """The domain in the user's language: SC guide §5's fields are translated, others show their name."""
        return SERVICE_DOMAIN_LABELS.get(self.code, self.name)


def commissioner_districts(user) -> list[str]:
    """The districts a service commissioner serves (empty for anyone else)."""
    if not user.has_role(Role.COMMISSIONER):
        return []
    cached = user.__dict__.get("_served_districts")
    if cached is None:
        profile = ServiceCommissioner.objects.filter(user=user, is_active=True).only("districts").first()
        cached = user.__dict__["_served_districts"] = profile.district_list if profile is not None else []
    return cached


class OrganizationQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        """Service providers are public; enterprises are confidential (PLT-02).

        Regulators at city level and the management institution see every enterprise; a
        district bureau or grassroots office sees its district's; a service commissioner
        the enterprises of the districts it serves; an enterprise sees itself. A technical
        institution or expert sees no enterprise by itself: the needs app grants those of
        needs it is assigned to (SC guide §5: institutions keep clients' secrets), and
        other apps add what a published map makes visible (grants).
        """
        # The system administrator attaches accounts to organizations and keeps the directory;
        # the security and audit administrators need none of it (等保 8.1.4.2 d).
        if user.has_role(Role.SYSTEM_ADMIN, Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION):
            return EVERYTHING
        own = Q(pk=user.organization_id) if user.organization_id else NOTHING
        regulator = user.has_role(Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR)
        # A regulator whose unit names no district sees no district: fail closed.
        district = Q(district=user.district) if regulator and user.district else NOTHING
        served = commissioner_districts(user)
        served_q = Q(kind=OrganizationKind.ENTERPRISE, district__in=served) if served else NOTHING
        if action == "view":
            return Q(kind__in=PUBLIC_KINDS) | own | district | served_q
        return own | (district & Q(kind=OrganizationKind.ENTERPRISE)) | served_q

    def enterprises(self):
        return self.filter(kind=OrganizationKind.ENTERPRISE)

    def institutions(self):
        return self.filter(kind=OrganizationKind.INSTITUTION)


# Read by the organization lists' scopes and filters beside their index keys (Meta.indexes).
LIST_FILTER_COLUMNS = ["id", "size", "industry", "province", "is_active"]


class Organization(SearchableMixin, PinyinSortMixin, BaseModel):
    """Any organization on the platform (DIR-01): one table, the kind says which."""

    SEARCH_FIELDS = ("name", "short_name", "uscc", "city", "district", "address", "industry", "description")

    kind = models.CharField(pgettext_lazy("organization", "kind"), max_length=16, choices=OrganizationKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, null=True, blank=True, unique=True,
        validators=[validate_uscc], help_text=_("18 characters, GB 32100 (required for enterprises)."),
    )
    province = models.CharField(_("province"), max_length=20, choices=PROVINCE_CHOICES, default="福建省")
    city = models.CharField(_("city"), max_length=30, blank=True, default="厦门市")
    district = models.CharField(_("district"), max_length=30, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True,
                                help_text=_("GB/T 4754 industry, e.g. 计算机、通信和其他电子设备制造业"))
    size = models.CharField(_("size class"), max_length=10, choices=SizeClass.choices, blank=True)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True,
                                     validators=[validate_mobile_or_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(pgettext_lazy("organization", "description"), blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent unit"))
    government_level = models.CharField(_("government level"), max_length=12, choices=GovernmentLevel.choices,
                                        blank=True)
    service_domains = models.ManyToManyField(ServiceDomain, blank=True, related_name="organizations",
                                             verbose_name=_("service domains"))
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedManager.from_queryset(OrganizationQuerySet)()

    class Meta:
        # "organization" alone reads 所属单位 (a user's unit); the directory's record is a 单位.
        verbose_name = pgettext_lazy("directory record", "organization")
        verbose_name_plural = _("organizations")
        ordering = ["name_sort"]
        # The lists' indexes carry the columns every scope above reads (kind, district, id) and
        # the list's own filters read (size, industry, province, is_active), so that PostgreSQL
        # counts a restricted or filtered list from the index alone: a service commissioner's
        # district of 10,000 enterprises counted in 2 ms instead of 18 (reading every row), a
        # district's small enterprises in 2.5 ms instead of 19. A district's enterprises of one
        # size class (the commonest narrowing of a district's list) are read from an index that
        # keys the size too: a quarter of the district's entries on average instead of all of
        # them, for the count and again for the page's ids (1.6 -> 0.8 ms each for 思明区's
        # small enterprises of one industry, 3,905 of 9,877).
        indexes = [
            models.Index(fields=["kind", "name_sort"], include=LIST_FILTER_COLUMNS + ["district"],
                         name="organization_kind_list"),
            models.Index(fields=["kind", "district", "name_sort"], include=LIST_FILTER_COLUMNS,
                         name="organization_district_list"),
            models.Index(fields=["kind", "district", "size", "name_sort"],
                         include=[c for c in LIST_FILTER_COLUMNS if c != "size"], name="organization_size_list"),
        ]

    def __str__(self):
        return self.name

    def unique_error_message(self, model_class, unique_check):
        if tuple(unique_check) == ("uscc",):
            # Without a user the holder is not named (forms and the API name it when visible).
            return ValidationError(uscc_taken_message(None), code="unique")
        return super().unique_error_message(model_class, unique_check)

    def get_absolute_url(self):
        return id_url("directory:organization_detail", self.pk)

    def clean(self):
        errors = {}
        if self.kind == OrganizationKind.ENTERPRISE and not self.uscc:
            errors["uscc"] = _("An enterprise must have its unified social credit code.")
        if self.kind != OrganizationKind.ENTERPRISE and self.size:
            errors["size"] = _("Only enterprises have a size class.")
        if self.kind == OrganizationKind.GOVERNMENT:
            if not self.government_level:
                errors["government_level"] = _("Choose city, district or grassroots.")
            expected_parent = {GovernmentLevel.DISTRICT: GovernmentLevel.CITY,
                               GovernmentLevel.GRASSROOTS: GovernmentLevel.DISTRICT}.get(self.government_level)
            if expected_parent and (self.parent is None or self.parent.government_level != expected_parent):
                errors["parent"] = _("A %(level)s belongs to a %(parent)s.") % {
                    "level": GovernmentLevel(self.government_level).label,
                    "parent": GovernmentLevel(expected_parent).label,
                }
            if self.government_level in (GovernmentLevel.DISTRICT, GovernmentLevel.GRASSROOTS) and not self.district:
                errors["district"] = _("A district bureau or grassroots office must name its district.")
        elif self.government_level:
            errors["government_level"] = _("Only government units have a level.")
        for field, message in region_errors(self.province, self.city, self.district).items():
            errors.setdefault(field, message)
        self.uscc = (self.uscc or "").strip().upper() or None
        if errors:
            raise ValidationError(errors)

    @property
    def is_enterprise(self):
        return self.kind == OrganizationKind.ENTERPRISE

    @property
    def is_institution(self):
        return self.kind == OrganizationKind.INSTITUTION

    @property
    def is_in_home_province(self):
        return self.province == settings.ZHILIAN_REGION_PROVINCE


def uscc_taken_message(holder, user=None) -> str:
    """The refusal of a second organization with the same USCC, naming the holder when the
    user may see it (a code names one legal entity; GB 32100)."""
    from zhilian.core.permissions import allowed

    if holder is not None and user is not None and allowed(user, "view", holder):
        return _("This unified social credit code is already registered: %(name)s.") % {"name": holder.name}
    return str(_("This unified social credit code is already registered."))


class InstitutionQualification(BaseModel):
    """A CMA / CNAS certificate held by a technical institution (DIR-01)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="qualifications",
                                     verbose_name=_("institution"))
    kind = models.CharField(_("qualification"), max_length=10, choices=QualificationKind.choices)
    certificate_no = models.CharField(_("certificate number"), max_length=60)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"))
    scope = models.TextField(_("scope"), blank=True)

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            # Certificates are managed by whoever may change the institution's record.
            parent_action = "view" if action == "view" else "change"
            return Q(organization__in=Organization.objects.restrict(user, parent_action).values("pk"))

    objects = RestrictedManager.from_queryset(QS)()

    class Meta:
        verbose_name = _("institution qualification")
        verbose_name_plural = _("institution qualifications")
        ordering = ["kind", "valid_until"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "certificate_no"], name="qualification_unique_certificate"),
            models.CheckConstraint(condition=Q(issued_on__isnull=True) | Q(valid_until__gte=models.F("issued_on")),
                                   name="qualification_valid_after_issue"),
        ]

    def __str__(self):
        return self.label

    @property
    def short_kind(self) -> str:
        """The kind as a badge shows it: the mark itself (CMA, CNAS, CAL), or 其他 in the reader's language."""
        return str(self.get_kind_display()) if self.kind == QualificationKind.OTHER else self.kind

    @property
    def label(self) -> str:
        """"CMA 201320340456", "CNAS L06789": the kind once, even when the number repeats it."""
        number = (self.certificate_no or "").strip()
        return number if number.upper().startswith(self.kind.upper()) else f"{self.short_kind} {number}".strip()

    @property
    def is_valid(self):
        return self.valid_until >= timezone.localdate()

    @property
    def expiry_status(self) -> str:
        """``not_yet_valid`` (issued after today), ``expired``, ``expiring`` (within
        EXPIRY_WARNING_DAYS) or ``valid``: the certificate list, the API and the roster say
        what the capability lines' badge says of the same certificate."""
        if self.issued_on is not None and self.issued_on > timezone.localdate():  # on record, no line held under it yet
            return CertificateStatus.NOT_YET_VALID.value
        return expiry_status(self.valid_until)

    @property
    def days_left(self) -> int:
        return (self.valid_until - timezone.localdate()).days

    def get_absolute_url(self):
        return id_url("directory:organization_detail", self.organization_id) + "#qualifications"


# A certificate about to lapse is flagged this many days ahead, so the institution can
# renew before its CMA / CNAS scope stops covering the capabilities it lists.
EXPIRY_WARNING_DAYS = 90


def expiry_status(valid_until, today: datetime.date | None = None) -> str:
    if valid_until is None:
        return "valid"
    today = today or timezone.localdate()
    if valid_until < today:
        return "expired"
    if (valid_until - today).days <= EXPIRY_WARNING_DAYS:
        return "expiring"
    return "valid"


def certificate_ends(certificates, day=None) -> dict:
    """Kind -> end date of the latest-ending certificate of that kind issued by ``day`` (today):
    the certificate a capability line accredited under that kind is held under. The same rule
    as ``TestingCapability.objects.with_certificate()`` in SQL (a test holds the two together)."""
    day = day or timezone.localdate()
    ends: dict = {}
    for certificate in certificates:
        if certificate.issued_on is not None and certificate.issued_on > day:
            continue
        if certificate.kind not in ends or certificate.valid_until > ends[certificate.kind]:
            ends[certificate.kind] = certificate.valid_until
    return ends


def certificate_starts(certificates, day=None) -> dict:
    """Kind -> the first issue date after ``day`` (today) of a certificate of that kind: one on
    record but not yet in force. The same rule as ``with_certificate()``'s ``certificate_starts_on``."""
    day = day or timezone.localdate()
    starts: dict = {}
    for certificate in certificates:
        if certificate.issued_on is not None and certificate.issued_on > day:
            if certificate.kind not in starts or certificate.issued_on < starts[certificate.kind]:
                starts[certificate.kind] = certificate.issued_on
    return starts


# A line accredited under a kind of which the institution holds no certificate in force today:
# ``missing`` when none is on record, ``not_yet_valid`` when every one on record is issued later.
LAPSED_CERTIFICATE_STATUSES = (CertificateStatus.EXPIRED, CertificateStatus.NOT_YET_VALID, CertificateStatus.MISSING)


def line_certificate_status(valid_until, starts_on, today=None) -> str:
    """A capability line's ``certificate_status`` from the end of the certificate in force it is
    held under (None: none in force) and the first issue date of one not yet in force (None: none)."""
    if valid_until is None:
        return CertificateStatus.MISSING.value if starts_on is None else CertificateStatus.NOT_YET_VALID.value
    return expiry_status(valid_until, today)


class TestingCapability(SearchableMixin, BaseModel):
    """One line of an institution's testing capability: product × parameter × method (DIR-04)."""

    SEARCH_FIELDS = ("product", "parameter", "method", "standard_code", "institution__name")

    institution = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="capabilities",
                                    limit_choices_to={"kind": OrganizationKind.INSTITUTION},
                                    verbose_name=_("institution"))
    product = models.CharField(_("product / object"), max_length=200, db_index=True)
    parameter = models.CharField(_("parameter / item"), max_length=200)
    method = models.CharField(_("test method"), max_length=300)
    standard_code = models.CharField(_("standard number"), max_length=100, blank=True)
    qualification = models.CharField(_("accredited under"), max_length=10, choices=QualificationKind.choices,
                                     blank=True)
    limitation = models.CharField(_("limitation / range"), max_length=200, blank=True)
    product_sort = models.CharField(max_length=300, editable=False, blank=True, default="")

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            if action == "view":
                return EVERYTHING  # the capability directory is public by design (chain guide 5.3.5)
            return Q(institution__in=Organization.objects.restrict(user, "change").values("pk"))

        def with_certificate(self, day=None):
            """Annotate ``certificate_valid_until``: the end of the institution's certificate of the
            kind the line is accredited under (CMA / CNAS), latest first, issued by ``day``; and
            ``certificate_starts_on``: the first issue date of one of that kind issued after ``day``
            (on record, not yet in force).

            A line counts as qualified only while that certificate is valid on the day (chain
            guide 5.3.5 builds the roster on CMA / CNAS); see :attr:`TestingCapability.certificate_status`.
            """
            day = day or timezone.localdate()
            certificates = (InstitutionQualification.objects
                            .filter(Q(issued_on__isnull=True) | Q(issued_on__lte=day),
                                    organization=models.OuterRef("institution"), kind=models.OuterRef("qualification"))
                            .order_by("-valid_until").values("valid_until")[:1])
            later = (InstitutionQualification.objects
                     .filter(issued_on__gt=day, organization=models.OuterRef("institution"),
                             kind=models.OuterRef("qualification"))
                     .order_by("issued_on").values("issued_on")[:1])
            return self.annotate(certificate_valid_until=models.Subquery(certificates),
                                 certificate_starts_on=models.Subquery(later))

    objects = RestrictedManager.from_queryset(QS)()

    class Meta:
        verbose_name = _("testing capability")
        verbose_name_plural = _("testing capabilities")
        ordering = ["product_sort", "parameter", "id"]
        indexes = [models.Index(fields=["institution", "product"]),
                   models.Index(fields=["product_sort", "parameter", "id"])]

    def save(self, *args, **kwargs):
        # Products sort by pinyin like names do (安全 < 玻璃 < 液晶).
        self.product_sort = pinyin_key(self.product)[:300]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "product_sort" not in update_fields:
            kwargs["update_fields"] = list(update_fields) + ["product_sort"]
        super().save(*args, **kwargs)

    def __str__(self):
        return f"{self.product} · {self.parameter}"

    def get_absolute_url(self):
        return id_url("directory:capability_detail", self.pk)

    @property
    def name(self):
        return str(self)

    @property
    def certificate_status(self) -> str:
        """``""`` (not accredited), ``missing`` (no such certificate on record), ``not_yet_valid``
        (on record, but issued after today), ``expired``, ``expiring`` or ``valid``: whether the
        certificate the line is held under covers it today."""
        if not self.qualification:
            return ""
        if "_certificate_status" in self.__dict__:  # attach_certificates() worked it out
            return self._certificate_status
        if "certificate_valid_until" in self.__dict__ and "certificate_starts_on" in self.__dict__:
            return line_certificate_status(self.certificate_valid_until, self.certificate_starts_on)
        certificates = list(InstitutionQualification.objects.filter(organization_id=self.institution_id,
                                                                    kind=self.qualification))
        return line_certificate_status(certificate_ends(certificates).get(self.qualification),
                                       certificate_starts(certificates).get(self.qualification))

    @property
    def certificate_lapsed(self) -> bool:
        """Held under a certificate that has expired, is not yet in force or is not on record: such
        a line stays listed, flagged, but is not counted as one the institution can test (need
        matching and the capability roster both count by this)."""
        return self.certificate_status in LAPSED_CERTIFICATE_STATUSES

    @property
    def is_qualified(self) -> bool:
        """Whether the line is held under a certificate valid today (the matching's rule)."""
        return self.certificate_status in ("valid", "expiring")


class ExpertQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        if action == "view":
            return EVERYTHING  # the expert library is shared; personal data is masked (SEC-07)
        if user.has_role(Role.SYSTEM_ADMIN, Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION):
            return EVERYTHING
        return Q(user=user)

    def eligible(self):
        """Experts who may join an assistance working group (assistance spec 7.2.1.3), in SQL.

        The same rule as :meth:`Expert.eligibility`, for filters and matching.
        """
        titled = Q(title_level__in=[level for level, rank in TITLE_RANK.items()
                                    if rank >= TITLE_RANK[TitleLevel.INTERMEDIATE]])
        certified = Q(pk__in=self.certifying_qualifications().values("expert"))
        return self.filter(titled | certified, quality_experience=True, is_active=True)

    @staticmethod
    def certifying_qualifications():
        """Qualifications that make their holder eligible without a title, valid today."""
        return ExpertQualification.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate()),
            kind__in=[str(k) for k in ELIGIBLE_QUALIFICATIONS])

    def ineligible(self):
        return self.exclude(pk__in=self.model.objects.eligible().values("pk"))


class Expert(SearchableMixin, PinyinSortMixin, BaseModel):
    """A member of the expert library (DIR-02)."""

    SEARCH_FIELDS = ("name", "employer", "title", "specialties", "bio")
    LOOKUP_FIELDS = ("name", "employer")  # a form's search box finds an expert by either

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="expert_profile", verbose_name=_("platform account"))
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="experts", verbose_name=_("employer (in directory)"))
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    title = models.CharField(_("professional title"), max_length=50, blank=True, help_text=_("e.g. 高级工程师"))
    title_level = models.CharField(_("title level"), max_length=20, choices=TitleLevel.choices,
                                   default=TitleLevel.NONE)
    domains = models.ManyToManyField(ServiceDomain, blank=True, related_name="experts",
                                     verbose_name=_("service domains"))
    specialties = models.CharField(_("specialties / industries"), max_length=300, blank=True,
                                   help_text=_("e.g. 光电显示, 半导体材料"))
    quality_experience = models.BooleanField(
        _("quality-management research or practice"), default=False,
        help_text=_("Has theoretical research or practical experience in quality management (assistance spec 7.2.1.3)."),
    )
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[validate_mobile_or_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    id_number = models.CharField(_("identity number"), max_length=18, blank=True)
    bio = models.TextField(_("biography"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedManager.from_queryset(ExpertQuerySet)()

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["name_sort"]

    def __str__(self):
        return self.name

    def choice_label(self):
        """How a form offers the expert: two experts of one name differ by title and employer."""
        # Full-width brackets and comma in Chinese, ASCII ones in English (the catalogue's).
        return gettext("%(name)s (%(title)s, %(employer)s)") % {
            "name": self.name, "title": self.title or "—", "employer": self.employer or "—"}

    def get_absolute_url(self):
        return id_url("directory:expert_detail", self.pk)

    def clean(self):
        self.id_number = (self.id_number or "").strip().upper()
        try:
            validate_id_number(self.id_number)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from None

    def eligibility(self) -> tuple[bool, list[str]]:
        """Return whether the expert may join an assistance working group, and why not.

        assistance spec 7.2.1.3: intermediate technical title or above, or a certification
        auditor / production-licence reviewer (or similar) qualification; and research or
        practice in quality management.
        """
        reasons = []
        today = timezone.localdate()
        kinds = {q.kind for q in self.qualifications.all() if q.valid_until is None or q.valid_until >= today}
        qualified_by_cert = bool(kinds & {str(k) for k in ELIGIBLE_QUALIFICATIONS})
        if not (self.qualified_by_title or qualified_by_cert):
            reasons.append(i18n.recorded(_("needs an intermediate or higher title, or a certification-auditor / "
                                          "production-licence-reviewer qualification")))
        if not self.quality_experience:
            reasons.append(i18n.recorded(_("needs research or practical experience in quality management")))
        if not self.is_active:
            reasons.append(i18n.recorded(_("is not active in the expert library")))
        return (not reasons, reasons)

    @property
    def qualified_by_title(self) -> bool:
        """An intermediate technical title or above: eligible by title, whatever the certificates."""
        return TITLE_RANK.get(self.title_level, 0) >= TITLE_RANK[TitleLevel.INTERMEDIATE]

    @property
    def eligibility_without_certificates(self) -> bool | None:
        """:meth:`eligibility`'s verdict when title, experience and status settle it; ``None``
        when it turns on the certificates the expert holds."""
        if not (self.quality_experience and self.is_active):
            return False
        return True if self.qualified_by_title else None

    @property
    def is_eligible(self):
        if "eligible_now" in self.__dict__:  # settled by directory.selectors.mark_eligibility()
            return self.eligible_now
        return self.eligibility()[0]


class ExpertQualification(BaseModel):
    """A practising qualification of an expert (certification auditor, licence reviewer…)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="qualifications",
                               verbose_name=_("expert"))
    kind = models.CharField(_("qualification"), max_length=30, choices=ExpertQualificationKind.choices)
    certificate_no = models.CharField(_("certificate number"), max_length=60, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            parent_action = "view" if action == "view" else "change"
            return Q(expert__in=Expert.objects.restrict(user, parent_action).values("pk"))

    objects = RestrictedManager.from_queryset(QS)()

    class Meta:
        verbose_name = _("expert qualification")
        verbose_name_plural = _("expert qualifications")

    def __str__(self):
        return self.get_kind_display()

    def get_absolute_url(self):
        return id_url("directory:expert_detail", self.expert_id) + "#qualifications"

    @property
    def is_valid(self):
        return self.valid_until is None or self.valid_until >= timezone.localdate()

    @property
    def expiry_status(self) -> str:
        return expiry_status(self.valid_until)


def home_city_errors(districts) -> list[str]:
    """The districts that are not districts of the deployment's city (service network, commissioners)."""
    province, city = settings.ZHILIAN_REGION_PROVINCE, settings.ZHILIAN_REGION_CITY
    bad = [d for d in districts if region_errors(province, city, d)]
    if not bad:
        return []
    return [str(_("Not a district of %(city)s: %(names)s.") % {"city": city, "names": "、".join(bad)})]


class ServicePoint(SearchableMixin, PinyinSortMixin, BaseModel):
    """A node of the "1+3+N" service network (platform news; DIR-03)."""

    SEARCH_FIELDS = ("name", "district", "address")

    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(pgettext_lazy("service point", "level"), max_length=10,
                             choices=ServicePointLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent point"))
    operator = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="service_points", verbose_name=_("operated by"))
    district = models.CharField(_("district"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[validate_mobile_or_phone])

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            if action == "view":
                return EVERYTHING
            return EVERYTHING if user.has_role(Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION) else NOTHING

    objects = RestrictedManager.from_queryset(QS)()

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["level", "name_sort"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return id_url("directory:servicepoint_detail", self.pk)

    def clean(self):
        home = home_city_errors([self.district] if self.district else [])
        if home:
            raise ValidationError({"district": home})
        expected = {ServicePointLevel.HUB: ServicePointLevel.CENTER,
                    ServicePointLevel.STATION: ServicePointLevel.HUB}.get(self.level)
        if expected and (self.parent is None or self.parent.level != expected):
            raise ValidationError({"parent": _("A %(level)s belongs to a %(parent)s.") % {
                "level": ServicePointLevel(self.level).label, "parent": ServicePointLevel(expected).label}})
        if self.level == ServicePointLevel.CENTER and self.parent_id:
            raise ValidationError({"parent": _("The service center is the root of the network.")})


class ServiceCommissioner(SearchableMixin, PinyinSortMixin, BaseModel):
    """A service commissioner who takes enterprises' needs (DIR-03, DIR-05)."""

    SEARCH_FIELDS = ("name", "districts", "specialties")

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="commissioner_profile", verbose_name=_("platform account"))
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="commissioners", verbose_name=_("unit"))
    service_point = models.ForeignKey(ServicePoint, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="commissioners", verbose_name=_("service point"))
    districts = models.CharField(_("districts served"), max_length=200, blank=True)
    specialties = models.CharField(_("specialties"), max_length=200, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[validate_mobile_or_phone])
    is_active = models.BooleanField(_("active"), default=True)

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            if action == "view":
                return EVERYTHING
            if user.has_role(Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION):
                return EVERYTHING
            return Q(user=user)

    objects = RestrictedManager.from_queryset(QS)()

    class Meta:
        verbose_name = _("service commissioner")
        verbose_name_plural = _("service commissioners")
        ordering = ["name_sort"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return id_url("directory:commissioner_detail", self.pk)

    def clean(self):
        home = home_city_errors(self.district_list)
        if home:
            raise ValidationError({"districts": home})

    @property
    def district_list(self) -> list[str]:
        """``districts`` ("翔安区, 同安区") as a list; commas of either width and 、 separate."""
        return [d.strip() for d in re.split(r"[,，、;；\s]+", self.districts or "") if d.strip()]


class EnterpriseTalent(SearchableMixin, PinyinSortMixin, BaseModel):
    """A quality professional of an enterprise (enterprise-talent library, DIR-03)."""

    SEARCH_FIELDS = ("name", "enterprise__name", "position", "qualifications")

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    enterprise = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="talents",
                                   limit_choices_to={"kind": OrganizationKind.ENTERPRISE},
                                   verbose_name=_("enterprise"))
    talent_type = models.CharField(_("talent type"), max_length=20, choices=TalentType.choices)
    position = models.CharField(_("position"), max_length=100, blank=True)
    qualifications = models.CharField(_("qualifications"), max_length=300, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[validate_mobile_or_phone])
    is_active = models.BooleanField(_("active"), default=True)

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            parent_action = "view" if action == "view" else "change"
            return Q(enterprise__in=Organization.objects.restrict(user, parent_action).values("pk"))

    objects = RestrictedManager.from_queryset(QS)()

    class Meta:
        verbose_name = _("enterprise talent")
        verbose_name_plural = _("enterprise talents")
        ordering = ["name_sort"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return id_url("directory:talent_detail", self.pk)


def is_enterprise_user(user) -> bool:
    return user.has_role(*ENTERPRISES)


def is_regulator(user) -> bool:
    return user.has_role(*REGULATORS)

