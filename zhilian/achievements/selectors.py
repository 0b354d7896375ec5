"""Reads of the achievement library: reviewers, licence conflicts, usage statistics, priority."""

import datetime
import re
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet, Sum

from zhilian.accounts.roles import Role
from zhilian.chains.models import Placement
from zhilian.consortia.models import is_city_level
from zhilian.core import i18n
from zhilian.core.models import Attachment, AuditAction, AuditEvent
from zhilian.core.permissions import may
from zhilian.directory.choices import OrganizationKind
from zhilian.directory.models import Organization

from .choices import (
    ENDED_RIGHTS, EXCLUSIVE_MODES, NATIONWIDE, AchievementStatus, LicenseStatus, ShareLevel, UsageKind,
)
from .models import Achievement, AchievementUsage, License, split_fields


def may_review(user, achievement: Achievement) -> bool:
    """The consortium's lead unit reviews what its members contribute (chain guide 5.6.4); the
    management institution reviews what the lead unit contributes itself."""
    if not may(user, "review", Achievement):
        return False
    lead = achievement.consortium.lead_unit_id
    if achievement.contributor_id == lead:
        return user.has_role(Role.MANAGEMENT_INSTITUTION)
    return user.organization_id == lead or user.has_role(Role.MANAGEMENT_INSTITUTION)


def may_operate(user, achievement: Achievement) -> bool:
    """Status maintenance and takedown: the lead unit running the library, the management
    institution, and the contributor for its own achievement."""
    if not may(user, "view", Achievement):
        return False
    return (user.organization_id in (achievement.consortium.lead_unit_id, achievement.contributor_id)
            or user.has_role(Role.MANAGEMENT_INSTITUTION))


def is_contributor_user(user, achievement: Achievement) -> bool:
    return bool(user.organization_id) and user.organization_id == achievement.contributor_id


def targetable_organizations(user, achievement: Achievement | None = None) -> QuerySet:
    """The units a contributor may pick as the targets of a targeted share (5.6.2 c).

    An enterprise's directory record is confidential, so the list offers what the user sees
    in the directory (public kinds, its own consortia's units, ...) and the units its unit
    already works with, which it knows by name without reading their records: the other
    party of its licences, the units its achievements targeted before, the enterprises
    placed beside it on a published chain map it sees, and the current targets of the
    achievement being edited. Any other unit is named by its registered name and code
    (:func:`organization_by_name_and_code`). Government units take no shares.
    """
    org_id = user.organization_id
    if not org_id:
        return Organization.objects.none()
    condition = Q(pk__in=Organization.objects.restrict(user, "view").values("pk"))
    condition |= Q(pk__in=License.objects.filter(licensor_id=org_id).values("licensee_id"))
    condition |= Q(pk__in=License.objects.filter(licensee_id=org_id).values("licensor_id"))
    condition |= Q(pk__in=Achievement.targeted_organizations.through.objects.filter(
        achievement__contributor_id=org_id).values("organization_id"))
    placements = Placement.objects.restrict(user, "view")
    condition |= Q(pk__in=placements.filter(chain__in=placements.filter(enterprise_id=org_id).values("chain_id"))
                   .values("enterprise_id"))
    if achievement is not None and achievement.pk:
        condition |= Q(pk__in=Achievement.targeted_organizations.through.objects.filter(
            achievement_id=achievement.pk).values("organization_id"))
    return (Organization.objects.filter(condition).exclude(kind=OrganizationKind.GOVERNMENT).exclude(pk=org_id)
            .order_by("name_sort"))


def organization_by_name_and_code(name: str, uscc: str):
    """The directory unit registered under exactly this name and unified social credit code, or None.

    Typing both tells nothing the user did not know: a confidential record is found this way,
    and nothing says whether the code alone is registered (as the consortium member table).
    """
    name, uscc = (name or "").strip(), (uscc or "").strip().upper()
    if not (name and uscc):
        return None
    return Organization.objects.filter(uscc=uscc, name=name).exclude(kind=OrganizationKind.GOVERNMENT).first()


def problem_solved_text(achievement: Achievement, problems) -> str:
    """The 解决的质量问题 text without the parts that name one of the linked ``problems``.

    The intake form starts the text as the project's problems ("IC-001 名称；…"), so a page
    that lists the linked problems (as links, or as text for a viewer who may not see them)
    shows the rest of the text only: each problem once. A part naming a problem starts with
    its code.
    """
    text = achievement.problem_solved or ""
    codes = [p.code for p in problems]
    parts = [part.strip() for part in re.split(r"[；;\n]+", text) if part.strip()]
    rest = [part for part in parts if not any(part == code or part.startswith(code + " ") for code in codes)]
    return text.strip() if len(rest) == len(parts) else "；".join(rest)


def right_ended(achievement: Achievement) -> bool:
    """The right the achievement is shared under has lapsed or been invalidated (5.6.4)."""
    return achievement.right_status in ENDED_RIGHTS


def _fields(text: str) -> set[str]:
    return {part.lower() for part in split_fields(text)}


def territories_overlap(a: list, b: list) -> bool:
    if not a or not b or NATIONWIDE in a or NATIONWIDE in b:
        return True
    return bool(set(a) & set(b))


def fields_overlap(a: str, b: str) -> bool:
    """Fields of use overlap when either covers every field (empty) or they share one."""
    fa, fb = _fields(a), _fields(b)
    return not fa or not fb or bool(fa & fb)


def terms_overlap(start_a, end_a, start_b, end_b) -> bool:
    return start_a <= end_b and start_b <= end_a


def conflicting_licenses(achievement: Achievement, *, mode: str, territories: list, field_of_use: str,
                         start_date: datetime.date, end_date: datetime.date, exclude_pk=None) -> list[License]:
    """Binding licences that a new licence of this scope would collide with (ACH-03).

    Two licences collide when either is exclusive (排他) or sole (独占) and their
    territory, field of use and term all overlap.
    """
    conflicts = []
    for other in License.objects.filter(achievement=achievement).binding().exclude(pk=exclude_pk):
        if mode not in EXCLUSIVE_MODES and other.mode not in EXCLUSIVE_MODES:
            continue
        if (terms_overlap(other.start_date, other.end_date, start_date, end_date)
                and territories_overlap(other.territories, territories)
                and fields_overlap(other.field_of_use, field_of_use)):
            conflicts.append(other)
    return conflicts


@dataclass(frozen=True)
class SeenConflict:
    licence: License
    named: bool


def conflicts_seen_by(user, conflicts: list[License]) -> list[SeenConflict]:
    """Colliding licences as a reader may learn of them (PLT-02): one the reader may open is
    named (number, licensee); of any other the reader learns only the scope it holds, which is
    what a requester needs to narrow the request, not who was licensed on what terms."""
    if not conflicts:
        return []
    visible = set(License.objects.restrict(user, "view").filter(pk__in=[c.pk for c in conflicts])
                  .values_list("pk", flat=True))
    return [SeenConflict(c, c.pk in visible) for c in conflicts]


def operated_by(user) -> Q:
    """Achievements whose usage a user follows: its own, its consortium's, or all (city level)."""
    if is_city_level(user):
        return Q()
    if not user.organization_id:
        return Q(pk__in=[])
    return Q(contributor_id=user.organization_id) | Q(consortium__lead_unit_id=user.organization_id)


def _download_counts(achievement_ids) -> dict:
    """Downloads of each achievement's proof documents, counted from the audit log (SEC-08)."""
    ct = ContentType.objects.get_for_model(Achievement)
    by_attachment = dict(Attachment.objects.filter(content_type=ct, object_id__in=list(achievement_ids))
                         .values_list("pk", "object_id"))
    if not by_attachment:
        return {}
    attachment_ct = ContentType.objects.get_for_model(Attachment)
    rows = (AuditEvent.objects.filter(action=AuditAction.DOWNLOAD, content_type=attachment_ct,
                                      object_id__in=[str(pk) for pk in by_attachment])
            .values("object_id").annotate(n=Count("id")))
    counts: dict = {}
    for row in rows:
        owner = by_attachment.get(int(row["object_id"]))
        counts[owner] = counts.get(owner, 0) + row["n"]
    return counts


def usage_statistics(queryset, user=None) -> list[dict]:
    """Per achievement: views, visiting units, downloads, exports, licences (requested / signed) and fees.

    The number of signed licences is the share's public adoption figure. Requests and fees are
    the parties' business: given ``user``, they count the licences that user may open (all of
    them for the contributor, the lead unit and the city level; a licensee its own), so a
    reader cannot add up what others pay (PLT-02)."""
    achievements = list(queryset.select_related("contributor"))
    ids = [a.pk for a in achievements]
    views = {r["achievement"]: r for r in AchievementUsage.objects.filter(achievement__in=ids, kind=UsageKind.VIEW)
             .values("achievement").annotate(n=Count("id"), units=Count("organization", distinct=True))}
    exports = dict(AchievementUsage.objects.filter(achievement__in=ids, kind=UsageKind.EXPORT)
                   .values("achievement").annotate(n=Count("id")).values_list("achievement", "n"))
    signed = dict(License.objects.filter(achievement__in=ids, status=LicenseStatus.SIGNED).values("achievement")
                  .annotate(n=Count("id")).values_list("achievement", "n"))
    seen = License.objects.restrict(user, "view") if user is not None else License.objects.all()
    licences = {r["achievement"]: r for r in seen.filter(achievement__in=ids).values("achievement").annotate(
        requested=Count("id"), fees=Sum("fee_amount", filter=Q(status=LicenseStatus.SIGNED)))}
    downloads = _download_counts(ids)
    rows = []
    for a in achievements:
        v, lic = views.get(a.pk, {}), licences.get(a.pk, {})
        rows.append({"achievement": a, "views": v.get("n", 0), "units": v.get("units", 0),
                     "downloads": downloads.get(a.pk, 0), "exports": exports.get(a.pk, 0),
                     "requested": lic.get("requested", 0), "signed": signed.get(a.pk, 0),
                     "fees": lic.get("fees") or 0})
    return rows


def paid_share_priority(organization) -> str | None:
    """ACH-06 / chain guide 5.6.3: a contributor of paid shares has priority for new projects.

    Only shares that can still be licensed count: one whose right has lapsed or been
    invalidated shares nothing any more (5.6.4). The reason is a ``core.i18n`` text.
    """
    if organization is None:
        return None
    names = list(Achievement.objects.filter(contributor=organization, share_level=ShareLevel.PAID,
                                            status=AchievementStatus.LISTED)
                 .exclude(right_status__in=ENDED_RIGHTS).values_list("name", flat=True)[:3])
    if not names:
        return None
    # Kept translatable (core.i18n): the project keeps the reason and shows it in the reader's language.
    return i18n.gettext("Contributor of paid shares (chain guide 5.6.3): %(names)s") % {"names": i18n.listed(names)}


def achievement_counts(user, field: str) -> dict:
    rows = Achievement.objects.restrict(user, "view").values(field).annotate(n=Count("id"))
    return {r[field]: r["n"] for r in rows}


def licences_of(user, achievement) -> QuerySet:
    return License.objects.restrict(user, "view").filter(achievement=achievement).select_related("licensee")
