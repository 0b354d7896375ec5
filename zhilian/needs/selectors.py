"""Reads of the needs app: what a user may do with a need, matches, timeline, counts."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from zhilian.accounts.roles import ENTERPRISES, Role
from zhilian.core import audit
from zhilian.core.models import AuditAction, AuditEvent
from zhilian.core.text import search_terms
from zhilian.directory import selectors as directory

from .choices import ACTIVE_ASSIGNMENT_STATUSES, AssignmentStatus, NeedStatus
from .models import Need, NeedAssignment

# Words of a need's title that say nothing about what to test or whom to ask.
_GENERIC_TERMS = {"需求", "检测", "检验", "服务", "问题", "咨询", "申请", "企业", "帮助", "提升", "质量", "技术", "支持", "相关",
                  "导入", "辅导", "开展", "需要", "希望", "方法", "建立"}


def commissioner_of(user):
    """The active service-commissioner record of ``user``, or None."""
    profile = getattr(user, "commissioner_profile", None) if user.has_role(Role.COMMISSIONER) else None
    return profile if profile is not None and profile.is_active else None


def is_enterprise_member(need, user) -> bool:
    return user.has_role(*ENTERPRISES) and user.organization_id == need.enterprise_id


def is_dispatcher(need, user) -> bool:
    """The commissioner who took the need, or the management institution."""
    if user.has_role(Role.MANAGEMENT_INSTITUTION) and user.has_perm("needs.assign_need"):
        return True
    profile = commissioner_of(user)
    return profile is not None and need.commissioner_id == profile.pk and user.has_perm("needs.assign_need")


def assignment_of(need, user):
    """The assignment of ``need`` that ``user`` answers for (its institution or itself)."""
    if not user.has_perm("needs.respond_needassignment"):
        return None
    for assignment in need.assignments.all():
        if assignment.status != AssignmentStatus.WITHDRAWN and assignment.is_for(user):
            return assignment
    return None


def may_call_contact(need, user) -> bool:
    """Whether ``user`` may see the need's contact phone in full (SEC-07, DIR-05): the
    enterprise that filed it, the commissioner who took it, and an institution or expert that
    accepted it (they serve the enterprise: "contact the enterprise's contact person"). Not
    the pool of commissioners, a district bureau, nor a provider still to answer, declined or
    withdrawn. The unmask permission (city bureau, management institution) reveals it anyway."""
    if is_enterprise_member(need, user):
        return True
    profile = commissioner_of(user)
    if profile is not None and need.commissioner_id == profile.pk:
        return True
    mine = assignment_of(need, user)
    return mine is not None and mine.status in (AssignmentStatus.ACCEPTED, AssignmentStatus.DELIVERED)


def contact_revealable_fields(user, need) -> set[str]:
    """``core.masking.register_reveal`` rule of a need."""
    return {"contact_phone"} if may_call_contact(need, user) else set()


def available_actions(need, user) -> set[str]:
    """Return the transitions ``user`` may perform on ``need`` now (pages, API, services)."""
    actions = set()
    status = need.status
    member = is_enterprise_member(need, user)
    if member and status == NeedStatus.SUBMITTED and user.has_perm("needs.change_need"):
        actions.add("edit")
    if (member or user.has_role(Role.MANAGEMENT_INSTITUTION)) and user.has_perm("needs.change_need") and \
            status in (NeedStatus.SUBMITTED, NeedStatus.ACCEPTED, NeedStatus.MATCHED):
        actions.add("cancel")
    profile = commissioner_of(user)
    if profile is not None and user.has_perm("needs.take_need"):
        if status == NeedStatus.SUBMITTED and need.commissioner_id is None:
            actions.update({"take", "reject"})
        elif status == NeedStatus.ACCEPTED and need.commissioner_id == profile.pk:
            actions.add("reject")
    if is_dispatcher(need, user) and status in (NeedStatus.ACCEPTED, NeedStatus.MATCHED, NeedStatus.IN_SERVICE):
        actions.update({"assign", "withdraw"})
    if is_dispatcher(need, user) and status == NeedStatus.DELIVERED and need.feedback_overdue:
        actions.add("close")
    mine = assignment_of(need, user)
    if mine is not None:
        if mine.status == AssignmentStatus.OFFERED:
            actions.update({"accept", "decline"})
        elif mine.status == AssignmentStatus.ACCEPTED and status == NeedStatus.IN_SERVICE:
            actions.add("deliver")
    if member and status == NeedStatus.DELIVERED and user.has_perm("needs.change_need"):
        actions.update({"confirm", "rework"})
    return actions


# --------------------------------------------------------------------------- matching


def need_keywords(need) -> list[str]:
    """Products named on the need, else the meaningful words of its title."""
    words = directory.split_keywords(need.product)
    if words:
        return words
    return [t for t in search_terms(need.title) if len(t) > 1 and t not in _GENERIC_TERMS][:6]


@dataclass
class Matches:
    institutions: list
    experts: list
    keywords: list


def need_matches(need, user, *, limit: int = 8) -> Matches:
    """Institutions (by testing capability and service domain) and experts for a need, ranked.

    Providers already assigned are left out; only eligible experts are offered (assistance
    spec 7.2.1.3), the best-ranked ineligible ones are shown separately by the page.
    """
    keywords = need_keywords(need)
    domains = directory.CATEGORY_DOMAINS.get(need.category, [])
    active = need.assignments.filter(status__in=ACTIVE_ASSIGNMENT_STATUSES)
    institutions = directory.institutions_for_need(
        user=user, keywords=keywords, domain_codes=domains, district=need.enterprise.district,
        exclude=[a.institution_id for a in active if a.institution_id], limit=limit)
    experts = directory.experts_for_need(user=user, keywords=keywords, domain_codes=domains,
                                         exclude=[a.expert_id for a in active if a.expert_id], limit=limit)
    return Matches(institutions, experts, keywords)


# --------------------------------------------------------------------------- timeline


@dataclass
class TimelineEntry:
    event: AuditEvent
    actor: str
    subject: str  # "" for the need itself, else the assignment's provider
    changes: dict
    text: str = ""


def hidden_provider_actor_ids(need, user) -> set[int]:
    """The accounts of the providers assigned to ``need`` whose assignments ``user`` may not
    see: what they did on the need (accepted, delivered …) is not shown to ``user`` either,
    or an institution would learn who else serves the need (PLT-02)."""
    from zhilian.accounts.models import User

    hidden = NeedAssignment.objects.filter(need=need).exclude(
        pk__in=NeedAssignment.objects.restrict(user, "view").filter(need=need).values("pk"))
    if not hidden.exists():
        return set()
    ids = set(User.objects.filter(organization_id__in=hidden.exclude(institution=None).values("institution_id"))
              .values_list("pk", flat=True))
    ids |= set(hidden.exclude(expert__user=None).values_list("expert__user_id", flat=True))
    ids.discard(user.pk)
    return ids


def need_timeline(need, user) -> list[TimelineEntry]:
    """The recorded history of a need and of the assignments ``user`` may see, oldest first.

    Built from the audit trail (PLT-03), so the timeline and the audit log cannot disagree.
    """
    from zhilian.accounts.models import User

    need_ct = ContentType.objects.get_for_model(Need)
    assignment_ct = ContentType.objects.get_for_model(NeedAssignment)
    visible_assignments = [str(pk) for pk in NeedAssignment.objects.restrict(user, "view")
                           .filter(need=need).values_list("pk", flat=True)]
    events = (AuditEvent.objects.changes().filter(Q(content_type=need_ct, object_id=str(need.pk))
                                        | Q(content_type=assignment_ct, object_id__in=visible_assignments))
              .exclude(actor_id__in=hidden_provider_actor_ids(need, user))
              .select_related("content_type").order_by("timestamp", "id"))
    events = list(events)
    # What a record names (a related row, a former value) as the history page names it: only
    # the rows this reader may see (audit.Reader, PLT-02).
    reader = audit.Reader(user, events)
    names = {u.pk: str(u) for u in User.objects.filter(pk__in={e.actor_id for e in events if e.actor_id})}
    shown = ("status", "commissioner", "expected_date", "title", "category", "product", "overall", "resolved",
             "closing_reason", "decline_reason", "delivery_summary")
    entries = []
    for event in events:
        is_need = event.content_type_id == need_ct.pk
        if is_need and event.action == AuditAction.CREATE:
            continue  # the "filed" transition that follows says it, with the deadline
        # Labels and values (choices, yes / no) in the reader's language, as on the history page.
        changes = {row["label"]: {"before": row["before"], "after": row["after"]}
                   for row in audit.present_changes(Need if is_need else NeedAssignment,
                                                    {k: v for k, v in (event.changes_shown or {}).items() if k in shown},
                                                    object_id=event.object_id, reader=reader)
                   if not row["many"]}
        if not is_need and (event.changes or {}).get("status", {}).get("after") == AssignmentStatus.WITHDRAWN:
            # The commissioner withdrew it: the reason is the commissioner's, not a provider's refusal.
            changes = {(gettext("Reason for withdrawal") if label == str(NeedAssignment._meta.get_field(
                "decline_reason").verbose_name) else label): value for label, value in changes.items()}
        text = reader.message(event) or str(event.get_action_display())
        if not is_need and event.action == AuditAction.CREATE:
            text, changes = gettext("Assigned"), {}
        entries.append(TimelineEntry(event, names.get(event.actor_id, event.actor_name or ""),
                                     "" if is_need else event.object_repr, changes, text))
    return entries


# --------------------------------------------------------------------------- lists and counts


def open_needs_by_status(user) -> list[dict]:
    rows = (Need.objects.restrict(user, "view").open().values("status").annotate(n=Count("id")).order_by("status"))
    counts = {r["status"]: r["n"] for r in rows}
    return [{"status": s, "label": s.label, "count": counts.get(s, 0)} for s in NeedStatus
            if s in (NeedStatus.SUBMITTED, NeedStatus.ACCEPTED, NeedStatus.MATCHED, NeedStatus.IN_SERVICE,
                     NeedStatus.DELIVERED)]


def overdue_condition(today=None) -> Q:
    """Needs whose response or evaluation deadline has passed: the dashboard's count and the
    need list's ``overdue`` filter (which its figure links to) ask the same."""
    today = today or timezone.localdate()
    return Q(status=NeedStatus.SUBMITTED, response_due__lt=today) | Q(status=NeedStatus.DELIVERED,
                                                                     feedback_due__lt=today)


def needs_overdue(user):
    """Needs whose response or evaluation deadline has passed."""
    return Need.objects.restrict(user, "view").filter(overdue_condition())
