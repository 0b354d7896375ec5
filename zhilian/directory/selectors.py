"""Reads of the directory, used by its pages and by other apps.

Other apps call these instead of querying directory models themselves: the chains app
attaches institutions to nodes through ``institutions_by_product`` (MAP-03), the needs app
ranks providers through ``institutions_for_need`` / ``experts_for_need`` (DIR-05), and the assistance module checks working groups through
``expert_eligibility`` (DIR-02). Every read takes the acting ``user`` and starts from
``restrict`` when one is given.
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from zhilian.core import i18n, keptsql, resultcache
from zhilian.core.i18n import listed
from zhilian.core.permissions import EVERYTHING, may

from .choices import GovernmentLevel, OrganizationKind, QualificationKind, ServicePointLevel
from .models import (
    EXPIRY_WARNING_DAYS, Expert, InstitutionQualification, Organization, ServiceCommissioner, ServiceDomain,
    ServicePoint, TestingCapability, certificate_ends, certificate_starts, line_certificate_status,
)

# Fields of a capability line a keyword may match (chain guide 5.3.5: product, parameter /
# item, test method), plus the standard number people search by.
CAPABILITY_FIELDS = ("product", "parameter", "method", "standard_code")
_SEPARATORS = re.compile(r"[,，、;；\n\r\t]+")


def split_keywords(keywords) -> list[str]:
    """Return clean, de-duplicated keywords from a list or a "玻璃基板、偏光片" string."""
    if keywords is None:
        return []
    if isinstance(keywords, str):
        keywords = _SEPARATORS.split(keywords)
    seen, result = set(), []
    for keyword in keywords:
        keyword = (keyword or "").strip()
        if keyword and keyword.lower() not in seen:
            seen.add(keyword.lower())
            result.append(keyword)
    return result[:20]


def _keyword_q(keywords, fields=("product",)) -> Q:
    condition = Q(pk__in=[])
    for keyword in split_keywords(keywords):
        for name in fields:
            condition |= Q(**{f"{name}__icontains": keyword})
    return condition


def organization_attachment_owners(user, action: str) -> QuerySet:
    """Organizations whose files ``user`` may see (view) or manage (change).

    The organization's own scope, without the grants other apps add: an institution assigned
    to an enterprise's need, a partner in a consortium or the reader of a published map sees
    the enterprise's record, not its licences, reports and certificates (PLT-02; SC guide §5:
    institutions keep clients' secrets). What a need's providers need travels as the need's
    own attachments.
    """
    queryset = Organization.objects.all()
    if not may(user, action, Organization):
        return queryset.none()
    if user.is_superuser:
        return queryset
    condition = queryset.scope(user, action)
    return queryset if condition is EVERYTHING else queryset.filter(condition)


def commissioner_attachment_owners(user, action: str) -> QuerySet:
    """Commissioners whose files (letter of appointment, training certificates) ``user`` may
    see or manage: the commissioner itself and those who maintain the library, not everyone
    who may read the public list of commissioners."""
    return ServiceCommissioner.objects.restrict(user, "change")


def talent_attachment_owners(user, action: str) -> QuerySet:
    """Talents whose files (certificates) ``user`` may see or manage: as the talent, within
    the enterprises whose own files the user may see (``organization_attachment_owners``)."""
    from .models import EnterpriseTalent

    parent_action = "view" if action == "view" else "change"
    return EnterpriseTalent.objects.restrict(user, action).filter(
        enterprise__in=organization_attachment_owners(user, parent_action).values("pk"))


def _capabilities(user) -> QuerySet:
    return TestingCapability.objects.restrict(user, "view") if user is not None else TestingCapability.objects.all()


def _organizations(user) -> QuerySet:
    return Organization.objects.restrict(user, "view") if user is not None else Organization.objects.all()


def capabilities_matching(keywords, user=None, *, fields=("product",)) -> QuerySet:
    """Testing capabilities whose product matches any keyword (chain guide 5.3.5).

    ``fields`` widens the match to parameter, method or standard number
    (``CAPABILITY_FIELDS``). Rows of inactive institutions are left out.
    """
    return (_capabilities(user).filter(_keyword_q(keywords, fields), institution__is_active=True)
            .select_related("institution").order_by("institution__name_sort", "product", "parameter"))


def capability_products() -> list[str]:
    """Every distinct product named by a capability line: the vocabulary keyword matching runs
    over (far fewer names than lines), kept (``core.resultcache``) until a line changes."""
    return resultcache.cached("capability-products", (), lambda: list(
        TestingCapability.objects.order_by().values_list("product", flat=True).distinct()))


@dataclass
class ProductMatches:
    """Which active institutions test which products, for a set of keywords."""

    by_keyword: dict  # keyword -> {product: {institution ids}} of the products it matches
    names: dict  # institution id -> name


def institutions_by_product(keywords: Iterable[str]) -> ProductMatches:
    """For each of ``keywords``, the products of active institutions' capability lines that
    contain it (case-insensitive, as ``icontains``) and the institutions testing each, with the
    institutions' names: what a chain map needs to put institutions on its links (MAP-03).

    Every keyword counts, however many a chain has (``split_keywords`` keeps 20, for a
    search box). The keywords are matched against the distinct products in Python, then
    the lines of the matched products are read in the order of their (institution, product)
    index, which returns each pair once without sorting the lines.
    """
    wanted = {k: k.strip().upper() for k in keywords if k and k.strip()}
    vocabulary = [(p, p.upper()) for p in capability_products()] if wanted else []
    matched = {k: [p for p, upper in vocabulary if w in upper] for k, w in wanted.items()}
    products = {p for ps in matched.values() for p in ps}
    if not products:
        return ProductMatches({k: {} for k in wanted}, {})
    lines = TestingCapability.objects.filter(product__in=products)
    pairs = list(lines.order_by("institution_id", "product").values_list("institution_id", "product").distinct())
    held_by = {pk for pk, _product in pairs}
    # The active institutions' names in one read: thousands of ids as parameters cost more to
    # send than the rows (lines are held by institutions; any other holder is read by id).
    names = {pk: name for pk, name in Organization.objects.filter(kind=OrganizationKind.INSTITUTION, is_active=True)
             .values_list("pk", "name") if pk in held_by}
    others = held_by - names.keys()
    if others:
        names.update(Organization.objects.filter(pk__in=others, is_active=True).exclude(
            kind=OrganizationKind.INSTITUTION).values_list("pk", "name"))
    testers: dict = {}
    for pk, product in pairs:
        if pk in names:
            testers.setdefault(product, set()).add(pk)
    return ProductMatches({k: {p: testers[p] for p in ps if p in testers} for k, ps in matched.items()}, names)


def institutions_matching(keywords, user=None, *, fields=("product",)) -> QuerySet:
    """Institutions with at least one capability matching any keyword, most matches first.

    Each row carries ``matching_capabilities``, the number of its matching lines.
    """
    capabilities = TestingCapability.objects.filter(_keyword_q(keywords, fields)).values("institution")
    return (_organizations(user).filter(kind=OrganizationKind.INSTITUTION, is_active=True, pk__in=capabilities)
            .annotate(matching_capabilities=Count("capabilities", filter=_keyword_q(
                keywords, [f"capabilities__{f}" for f in fields]), distinct=True))
            .order_by("-matching_capabilities", "name_sort"))


# --------------------------------------------------------------------------- capability roster (DIR-04)


@dataclass
class RosterEntry:
    """One institution of the 主要检验检测服务机构名录 with what it can test for the keywords."""

    institution: Organization
    capabilities: list = field(default_factory=list)
    qualifications: list = field(default_factory=list)

    @property
    def keywords_covered(self) -> list[str]:
        return sorted({c.matched_keyword for c in self.capabilities if getattr(c, "matched_keyword", "")})

    @property
    def lapsed_count(self) -> int:
        """Lines accredited under a certificate that has expired (or is not on record)."""
        return sum(1 for c in self.capabilities if c.certificate_lapsed)

    @property
    def counted_count(self) -> int:
        """Lines the institution can test for today: counted as need matching counts them."""
        return len(self.capabilities) - self.lapsed_count


def capability_roster(keywords, user=None, *, fields=("product",)) -> list[RosterEntry]:
    """Build the "主要检验检测服务机构名录" for product keywords (chain guide 5.3.5).

    Institutions are grouped with their matching capability lines (product, parameter,
    method, standard, accreditation) and their CMA / CNAS certificates. Each line carries
    ``certificate_status``: a line whose certificate has expired stays listed, flagged, and
    institutions with the most lines still covered come first.
    """
    words = split_keywords(keywords)
    if not words:
        return []
    entries: dict[int, RosterEntry] = {}
    for capability in capabilities_matching(words, user, fields=fields).with_certificate():
        haystack = " ".join(str(getattr(capability, f, "")) for f in fields).lower()
        capability.matched_keyword = next((w for w in words if w.lower() in haystack), "")
        entry = entries.get(capability.institution_id)
        if entry is None:
            entry = entries[capability.institution_id] = RosterEntry(institution=capability.institution)
        entry.capabilities.append(capability)
    if user is not None:
        visible = set(Organization.objects.restrict(user, "view").filter(pk__in=entries).values_list("pk", flat=True))
        entries = {pk: e for pk, e in entries.items() if pk in visible}
    qualifications = InstitutionQualification.objects.filter(organization__in=list(entries)).order_by("kind", "valid_until")
    if user is not None:
        qualifications = qualifications.restrict(user, "view")
    for q in qualifications:
        entries[q.organization_id].qualifications.append(q)
    return sorted(entries.values(), key=lambda e: (-e.counted_count, -len(e.capabilities), e.institution.name_sort))


def roster_totals(entries) -> dict:
    """The roster's counts: institutions and lines that can test (certificate covering the line
    today, :attr:`TestingCapability.certificate_lapsed` as need matching counts), and the
    lines listed but not counted."""
    return {"institutions": sum(1 for e in entries if e.counted_count),
            "lines": sum(e.counted_count for e in entries),
            "lapsed": sum(e.lapsed_count for e in entries)}


def capability_search(user, *, query: str = "", product: str = "", parameter: str = "", method: str = "",
                      standard: str = "") -> QuerySet:
    """Capabilities across institutions by product / parameter / method / standard (DIR-04)."""
    from zhilian.core.search import filter_queryset

    queryset = _capabilities(user).select_related("institution").filter(institution__is_active=True)
    for name, value in (("product", product), ("parameter", parameter), ("method", method),
                        ("standard_code", standard)):
        if value.strip():
            queryset = queryset.filter(**{f"{name}__icontains": value.strip()})
    if query.strip():
        queryset = filter_queryset(queryset, query, "product")
    return queryset


# --------------------------------------------------------------------------- qualifications


def attach_certificates(lines, certificates, day: datetime.date | None = None) -> list:
    """Give each capability line the dates ``with_certificate()`` would annotate, from the
    institution's certificates already read (``certificates``). A page that lists both reads
    them once."""
    certificates = list(certificates)
    ends, starts = certificate_ends(certificates, day), certificate_starts(certificates, day)
    today = timezone.localdate()  # once, not per line: a page lists many
    lines = list(lines)
    for line in lines:
        line.certificate_valid_until = valid_until = ends.get(line.qualification)
        line.certificate_starts_on = starts_on = starts.get(line.qualification)
        if line.qualification:
            line._certificate_status = line_certificate_status(valid_until, starts_on, today)
    return lines


def certificates_of_institutions(user, institution_ids) -> dict:
    """{institution id: [certificates the user may see]}, in one query (a page of the
    capability list gives them to ``attach_certificates``)."""
    by_institution: dict = {pk: [] for pk in set(institution_ids)}
    if not by_institution:
        return by_institution
    for certificate in keptsql.rows("institutions-certificates", InstitutionQualification.objects, user, "view",
                                    _certificates_of_institutions, sorted(by_institution)):
        by_institution[certificate.organization_id].append(certificate)
    return by_institution


def _certificates_of_institutions(certificates, ids):
    return certificates.filter(organization__id__zl_in_array=ids)


def certificates_of(user, institution) -> list:
    """The institution's certificates the user may see, by kind, latest-ending first (its page's
    card; the page also works its capability lines' status out from them)."""
    return keptsql.rows("organization-qualifications", InstitutionQualification.objects, user, "view",
                        _certificates_of, institution.pk)


def _certificates_of(certificates, institution):
    return certificates.filter(organization=institution).order_by("kind", "-valid_until")


def certificates_of_kind(user, institution, kind: str) -> list:
    """The institution's certificates of one kind (CMA / CNAS / CAL / other) the user may see,
    latest-ending first: what a capability line accredited under that kind is held under."""
    return list(InstitutionQualification.objects.restrict(user).filter(organization=institution, kind=kind)
                .order_by("-valid_until"))


# The columns an institution's page shows of a line (it also carries search text and sort keys).
CAPABILITY_ROW_FIELDS = ("id", "institution_id", "product", "parameter", "method", "standard_code", "qualification")


@dataclass
class CapabilitySummary:
    lines: list = field(default_factory=list)  # the first lines, with their certificate status
    products: list = field(default_factory=list)  # [{"product", "n"}], the 12 largest
    count: int = 0


def institution_capabilities(user, institution, certificates, *, rows: int) -> CapabilitySummary:
    """An institution's capability lines as its page shows them: the first ``rows`` lines, the
    12 products with most lines, and how many lines in all. ``certificates`` are the
    institution's certificates the page lists (all of them: it may show the institution)."""
    lines = attach_certificates(keptsql.rows(f"institution-lines-{rows}", TestingCapability.objects, user, "view",
                                             lambda lines, pk: _lines_of(lines, pk)[:rows], institution.pk),
                                certificates)
    products = keptsql.rows("institution-products", TestingCapability.objects, user, "view", _products_of,
                            institution.pk)
    # Fewer than 12 products: every line is in one of them, no count needed.
    count = (sum(p["n"] for p in products) if len(products) < 12
             else TestingCapability.objects.restrict(user).filter(institution=institution).count())
    return CapabilitySummary(lines, products, count)


def _lines_of(capabilities, institution):
    return capabilities.filter(institution=institution).only(*CAPABILITY_ROW_FIELDS)


def _products_of(capabilities, institution):
    return (capabilities.filter(institution=institution).values("product").annotate(n=Count("id"))
            .order_by("-n", "product")[:12])


def service_domains_of(user, organization) -> list:
    """The service domains an organization works in, in their order."""
    return keptsql.rows("organization-domains", ServiceDomain.objects, user, "view",
                        lambda domains, pk: domains.filter(organizations=pk), organization.pk)


def qualifications_expiring(user, *, days: int = EXPIRY_WARNING_DAYS) -> QuerySet:
    """CMA / CNAS certificates the user may see that lapse within ``days`` (or have lapsed)."""
    horizon = timezone.localdate() + datetime.timedelta(days=days)
    return (InstitutionQualification.objects.restrict(user, "view").filter(valid_until__lte=horizon)
            .select_related("organization").order_by("valid_until"))


# --------------------------------------------------------------------------- experts (DIR-02)


@dataclass
class Eligibility:
    """Whether one expert may join an assistance working group, and why not."""

    expert: Expert
    eligible: bool
    reasons: list[str]


def mark_eligibility(experts: Iterable[Expert]) -> list[Expert]:
    """The experts, each with ``eligible_now`` (read by :attr:`Expert.is_eligible`).

    A page listing a few experts: most are settled by title, experience and status; for the
    rest one query reads which hold a qualification that certifies them (the part of
    :meth:`ExpertQuerySet.eligible` left to ask), not a correlated subquery per row, whose
    construction cost an institution's page more than any of its sections."""
    experts = list(experts)
    undecided = {}
    for expert in experts:
        expert.eligible_now = expert.eligibility_without_certificates
        if expert.eligible_now is None:
            undecided[expert.pk] = expert
    if undecided:
        certified = set(Expert.objects.certifying_qualifications().filter(expert_id__in=undecided)
                        .values_list("expert_id", flat=True))
        for pk, expert in undecided.items():
            expert.eligible_now = pk in certified
    return experts


# The columns a page listing an organization's experts shows, and those eligibility reads.
EXPERT_ROW_FIELDS = ("id", "name", "title", "title_level", "quality_experience", "is_active")


def expert_eligibility(experts: Iterable[Expert]) -> list[Eligibility]:
    """Check each expert against assistance spec 7.2.1.3 (qualifications prefetched)."""
    ids = [e.pk for e in experts]
    loaded = {e.pk: e for e in Expert.objects.filter(pk__in=ids).prefetch_related("qualifications", "domains")}
    result = []
    for pk in ids:
        expert = loaded.get(pk)
        if expert is None:
            continue
        eligible, reasons = expert.eligibility()
        result.append(Eligibility(expert, eligible, reasons))
    return result


# --------------------------------------------------------------------------- needs matching (DIR-05)

# Need categories (needs app) → service domains of the directory (SC guide §5 lists the
# fields a technical institution serves).
CATEGORY_DOMAINS = {
    "standards": ["standards"],
    "metrology": ["metrology"],
    "testing": ["testing"],
    "certification": ["certification"],
    "quality_management": ["quality_mgmt", "excellence"],
    "training": ["quality_mgmt", "standards", "metrology"],
    "special": ["ip", "brand", "infosec", "innovation"],
}


def reasons_text(reasons) -> str:
    """A provider's match reasons as one text ("；" in Chinese, "; " in English), kept translatable."""
    separator = i18n.recorded(pgettext_lazy("list of reasons", "; "))
    text = ""
    for reason in reasons:
        text = (text + separator + reason) if text else i18n.recorded(reason)
    return text


@dataclass
class ProviderMatch:
    """A ranked suggestion for a need, with the reasons that earned its score."""

    provider: object
    score: int
    reasons: list[str] = field(default_factory=list)
    capabilities: list = field(default_factory=list)
    eligible: bool = True


def institutions_for_need(*, user, keywords, domain_codes: Iterable[str] = (), district: str = "",
                          exclude: Iterable[int] = (), limit: int = 10) -> list[ProviderMatch]:
    """Rank technical institutions for a need: capability lines, service domain, district.

    Score: 10 per matching capability line (at most 5 counted), 8 for serving the need's
    domain, 3 when matching lines are held under a CMA / CNAS certificate valid today (or,
    for an institution matched by domain only, for holding one), 2 for being in the
    enterprise's district. A line accredited under a certificate that has lapsed (or is not
    on record) is not counted: the reasons say so, and every reason given is true today.
    """
    words = split_keywords(keywords)
    domain_codes = list(domain_codes)
    today = timezone.localdate()
    candidates = _organizations(user).filter(kind=OrganizationKind.INSTITUTION, is_active=True).exclude(pk__in=list(exclude))
    condition = Q(pk__in=[])
    if words:
        condition |= Q(pk__in=TestingCapability.objects.filter(_keyword_q(words, CAPABILITY_FIELDS)).values("institution"))
    if domain_codes:
        condition |= Q(service_domains__code__in=domain_codes)
    candidates = candidates.filter(pk__in=candidates.filter(condition).values("pk")).prefetch_related("service_domains")
    capabilities: dict[int, list] = {}
    if words:
        for capability in TestingCapability.objects.with_certificate(today).filter(
                _keyword_q(words, CAPABILITY_FIELDS), institution__in=candidates.values("pk")).order_by("product"):
            capabilities.setdefault(capability.institution_id, []).append(capability)
    certificates: dict[int, list] = {}
    for certificate in InstitutionQualification.objects.filter(
            Q(issued_on__isnull=True) | Q(issued_on__lte=today), organization__in=candidates.values("pk"),
            valid_until__gte=today, kind__in=[QualificationKind.CMA, QualificationKind.CNAS]).order_by("kind"):
        certificates.setdefault(certificate.organization_id, []).append(certificate)
    matches = []
    for institution in candidates[:500]:
        reasons, score = [], 0
        lines = capabilities.get(institution.pk, [])
        lapsed = [c for c in lines if c.certificate_lapsed]
        counted = [c for c in lines if not c.certificate_lapsed]
        if counted:
            score += 10 * min(len(counted), 5)
            # No plural form here: the kept text is re-translated by message id (core.i18n has no ngettext).
            reasons.append(i18n.gettext("matching capability lines: %(n)d") % {"n": len(counted)})
        served = [d for d in institution.service_domains.all() if d.code in domain_codes]
        if served:
            score += 8
            reasons.append(i18n.gettext("serves %(domains)s") % {"domains": listed(d.label for d in served)})
        valid = certificates.get(institution.pk, [])
        kinds = {c.qualification for c in counted if c.is_qualified}
        if kinds:
            score += 3
            reasons.append(i18n.gettext("capabilities held under valid %(certificates)s") % {
                "certificates": listed(q.label for q in valid if q.kind in kinds)})
        elif not lines and valid:
            score += 3
            reasons.append(i18n.gettext("holds valid %(certificates)s") % {
                "certificates": listed(q.label for q in valid)})
        if lapsed:
            reasons.append(i18n.gettext("%(n)d matching lines not counted: their certificate has expired or is "
                                        "not on record") % {"n": len(lapsed)})
        if district and institution.district == district:
            score += 2
            reasons.append(i18n.gettext("same district"))
        matches.append(ProviderMatch(institution, score, reasons, (counted + lapsed)[:5]))
    matches.sort(key=lambda m: (-m.score, m.provider.name_sort))
    return matches[:limit]


def experts_for_need(*, user, keywords, domain_codes: Iterable[str] = (), exclude: Iterable[int] = (),
                     limit: int = 10) -> list[ProviderMatch]:
    """Rank experts for a need: eligible ones first, then domain and specialty matches.

    Score: 8 for a matching service domain, 5 per keyword found in specialties or
    biography, 3 for eligibility under assistance spec 7.2.1.3; ineligible experts are
    listed last with the reasons, so a commissioner sees why they are not offered first.
    """
    words = split_keywords(keywords)
    domain_codes = list(domain_codes)
    queryset = Expert.objects.restrict(user, "view") if user is not None else Expert.objects.all()
    condition = Q(pk__in=[])
    if domain_codes:
        condition |= Q(pk__in=Expert.objects.filter(domains__code__in=domain_codes).values("pk"))
    for word in words:
        condition |= Q(specialties__icontains=word) | Q(bio__icontains=word) | Q(title__icontains=word)
    candidates = (queryset.filter(condition, is_active=True).exclude(pk__in=list(exclude))
                  .prefetch_related("qualifications", "domains")[:500])
    matches = []
    for expert in candidates:
        reasons, score = [], 0
        served = [d for d in expert.domains.all() if d.code in domain_codes]
        if served:
            score += 8
            reasons.append(i18n.gettext("domain %(domains)s") % {"domains": listed(d.label for d in served)})
        text = f"{expert.specialties} {expert.bio}".lower()
        hits = [w for w in words if w.lower() in text]
        if hits:
            score += 5 * len(hits)
            reasons.append(i18n.gettext("specialty: %(words)s") % {"words": listed(hits)})
        eligible, why_not = expert.eligibility()
        if eligible:
            score += 3
        matches.append(ProviderMatch(expert, score, reasons if eligible else reasons + why_not, eligible=eligible))
    matches.sort(key=lambda m: (not m.eligible, -m.score, m.provider.name_sort))
    return matches[:limit]


# --------------------------------------------------------------------------- people's pages (DIR-02, DIR-03)


@dataclass
class DistrictServed:
    """One district a commissioner serves: the enterprises the viewer may see there."""

    name: str
    enterprise_count: int
    enterprises: list


def commissioner_related(commissioner, user) -> dict:
    """What surrounds a service commissioner on its page, as far as ``user`` may see it.

    The path through the 1+3+N network to its service point, colleagues at that point,
    and per district served the enterprises there (an enterprise sees itself only, a
    district bureau its district; PLT-02). The needs it handles are the needs app's panel.
    """
    path, point = [], commissioner.service_point
    while point is not None and len(path) < 5:
        path.insert(0, point)
        point = point.parent
    enterprises = _organizations(user).filter(kind=OrganizationKind.ENTERPRISE, is_active=True)
    districts = []
    for name in commissioner.district_list:
        here = enterprises.filter(district=name).order_by("name_sort")
        shown = list(here[:6])
        districts.append(DistrictServed(name, len(shown) if len(shown) < 6 else here.count(), shown[:5]))
    colleagues = (ServiceCommissioner.objects.restrict(user, "view")
                  .filter(service_point=commissioner.service_point_id, is_active=True).exclude(pk=commissioner.pk)
                  if commissioner.service_point_id else ServiceCommissioner.objects.none())
    return {"network_path": path, "districts_served": districts, "colleagues": list(colleagues)}


def talent_related(talent, user) -> dict:
    """A talent's enterprise and its other talents, those ``user`` may see."""
    from .models import EnterpriseTalent

    return {"other_talents": list(EnterpriseTalent.objects.restrict(user, "view")
                                  .filter(enterprise=talent.enterprise_id, is_active=True).exclude(pk=talent.pk)[:10])}


def expert_related(expert, user) -> dict:
    """The expert's employer (when in the directory and visible) and colleagues in the library."""
    employer = _organizations(user).filter(pk=expert.organization_id).first() if expert.organization_id else None
    colleagues = (Expert.objects.restrict(user, "view").filter(organization=expert.organization_id, is_active=True)
                  .exclude(pk=expert.pk)[:10] if employer is not None else [])
    return {"employer": employer, "colleagues": list(colleagues)}


# --------------------------------------------------------------------------- trees (DIR-01, DIR-03)


@dataclass
class TreeNode:
    item: object
    children: list = field(default_factory=list)
    members: list = field(default_factory=list)  # commissioners of a service point


def government_tree(user) -> list[TreeNode]:
    """City bureau → district bureaus → grassroots offices the user may see, by pinyin."""
    units = list(_organizations(user).filter(kind=OrganizationKind.GOVERNMENT).order_by("name_sort"))
    return _build_tree(units, order={GovernmentLevel.CITY: 0, GovernmentLevel.DISTRICT: 1,
                                     GovernmentLevel.GRASSROOTS: 2},
                       level=lambda u: u.government_level)


def service_network_tree(user) -> list[TreeNode]:
    """The "1+3+N" network: the centre, its hubs, their stations, each with commissioners."""
    points = list(ServicePoint.objects.restrict(user, "view").select_related("operator").order_by("name_sort"))
    nodes = _build_tree(points, order={ServicePointLevel.CENTER: 0, ServicePointLevel.HUB: 1,
                                       ServicePointLevel.STATION: 2}, level=lambda p: p.level)
    by_point: dict[int, list] = {}
    for commissioner in (ServiceCommissioner.objects.restrict(user, "view").filter(service_point__isnull=False)
                         .order_by("name_sort")):
        by_point.setdefault(commissioner.service_point_id, []).append(commissioner)

    def attach(node_list):
        for node in node_list:
            node.members = by_point.get(node.item.pk, [])
            attach(node.children)

    attach(nodes)
    return nodes


def _build_tree(items, *, order, level) -> list[TreeNode]:
    nodes = {item.pk: TreeNode(item) for item in items}
    roots = []
    for item in sorted(items, key=lambda i: (order.get(level(i), 9), i.name_sort)):
        node = nodes[item.pk]
        parent = nodes.get(item.parent_id) if item.parent_id else None
        (parent.children if parent is not None else roots).append(node)
    return roots
