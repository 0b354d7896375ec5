"""Writes of the chain quality map: building, expert review, publication, monitoring (MAP-01…08)."""

import calendar
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from zhilian.core import audit, clock
from zhilian.core.i18n import gettext as _  # messages the audit trail shows in the reader's language
from zhilian.core.permissions import may

from .models import (
    Chain, ChainNode, ChainSnapshot, ChainStatus, MonitoredEvent, Placement, ReviewComment,
)
from .selectors import chain_map_data


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return ``day`` plus ``months`` calendar months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _require(user, action, obj):
    """Refuse unless ``obj`` is among the rows ``user`` may ``action`` (a missing row looks the same)."""
    if user is None:  # demo loaders and jobs act as the system
        return
    if not type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("You may not do this."))


@transaction.atomic
def chain_create(*, user, name: str, owner_enterprise=None, **fields) -> Chain:
    """Select a key chain and its chain-owner enterprise with the reasons (SC guide 6.3, MAP-08)."""
    if user is not None and not may(user, "add", Chain):
        raise PermissionDenied(_("You may not do this."))
    chain = Chain(name=name, owner_enterprise=owner_enterprise, created_by=user, **fields)
    chain.full_clean()
    chain.save()
    return chain


@transaction.atomic
def node_add(*, user, chain: Chain, name: str, segment: str, parent: ChainNode | None = None,
             supplies=(), **fields) -> ChainNode:
    """Add a link to the chain's node tree (MAP-01)."""
    _require(user, "change", chain)
    if parent is not None and not segment:
        segment = parent.segment
    node = ChainNode(chain=chain, name=name, segment=segment, parent=parent, **fields)
    if not fields.get("order"):
        node.order = ChainNode.objects.filter(chain=chain, parent=parent).count()
    node.full_clean()
    node.save()
    if supplies:
        node.supplies.set(supplies)
    return node


@transaction.atomic
def enterprise_place(*, user, node: ChainNode, enterprise, role: str = "supporting", ladder: str = "follower",
                     key_products: str = "", note: str = "") -> Placement:
    """Place an enterprise of the directory on a node with role and ladder position (MAP-02)."""
    _require(user, "change", node.chain)
    placement = Placement.objects.filter(node=node, enterprise=enterprise).first() or Placement(
        node=node, enterprise=enterprise, chain=node.chain)
    placement.role, placement.ladder, placement.key_products, placement.note = role, ladder, key_products, note
    placement.full_clean()
    placement.save()
    return placement


def _editable(chain: Chain):
    if chain.status == ChainStatus.REVIEW:
        raise ValidationError({"status": _("The map is under expert review; return it to draft to edit it.")})


@transaction.atomic
def chain_submit_for_review(*, user, chain: Chain, reviewers) -> Chain:
    """Send the draft to expert review (SC guide 6.2: 组织行业专家或企业对草图进行审核和修改)."""
    _require(user, "change", chain)
    reviewers = list(reviewers)
    if chain.status == ChainStatus.REVIEW:
        raise ValidationError({"status": _("The map is already under review.")})
    if not reviewers:
        raise ValidationError({"reviewers": _("Choose at least one expert reviewer.")})
    if not chain.nodes.exists():
        raise ValidationError({"status": _("Add the chain's links before asking for review.")})
    with audit.transition(chain, _("Submitted for expert review")):
        chain.status = ChainStatus.REVIEW
        chain.save(update_fields=["status", "updated_at"])
    chain.reviewers.set(reviewers)
    from zhilian.core import notifications

    for reviewer in reviewers:
        notifications.notify(recipient=reviewer, key=f"chain-review:{chain.pk}:{chain.version}",
                             title=_("Please review the chain map %(name)s") % {"name": chain.name},
                             url=chain.get_absolute_url())
    return chain


@transaction.atomic
def chain_return_to_draft(*, user, chain: Chain) -> Chain:
    """Take the map back from review to rework it with the experts' comments."""
    _require(user, "change", chain)
    if chain.status != ChainStatus.REVIEW:
        raise ValidationError({"status": _("Only a map under review can be returned to draft.")})
    with audit.transition(chain, _("Returned to draft for rework")):
        chain.status = ChainStatus.DRAFT
        chain.save(update_fields=["status", "updated_at"])
    return chain


@transaction.atomic
def review_comment_add(*, user, chain: Chain, comment: str, node: ChainNode | None = None) -> ReviewComment:
    """Record an expert's review comment on the draft, optionally about one link."""
    _require(user, "review", chain)
    if chain.status != ChainStatus.REVIEW:
        raise ValidationError({"comment": _("Comments are taken while the map is under review.")})
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Write the comment.")})
    if node is not None and node.chain_id != chain.pk:
        raise ValidationError({"node": _("The node belongs to another chain.")})
    return ReviewComment.objects.create(chain=chain, node=node, author=user, comment=comment.strip())


@transaction.atomic
def review_comment_resolve(*, user, comment: ReviewComment) -> ReviewComment:
    """Mark a comment as dealt with by the builders."""
    _require(user, "change", comment.chain)
    comment.resolved = True
    comment.save(update_fields=["resolved", "updated_at"])
    return comment


@transaction.atomic
def chain_publish(*, user, chain: Chain, note: str = "") -> ChainSnapshot:
    """Publish the reviewed map and keep it as a numbered snapshot (MAP-07).

    Every open review comment must be resolved first; the next update falls due one
    update cycle later (chain guide 5.3.7: 设定图谱的更新周期（如每年）).
    """
    _require(user, "publish", chain)
    if chain.status != ChainStatus.REVIEW:
        raise ValidationError({"status": _("Only a map that went through expert review can be published.")})
    open_comments = chain.review_comments.filter(resolved=False).count()
    if open_comments:
        raise ValidationError({"status": _("%(n)d review comments are still open.") % {"n": open_comments}})
    # Now, or the moment of a publication recorded afterwards (core.clock; the demo's history).
    moment, today = clock.now(), clock.today()
    number = (chain.snapshots.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    data = chain_map_data(chain)
    snapshot = ChainSnapshot.objects.create(
        chain=chain, number=number, published_by=user, note=note, data=data, created_at=moment,
        node_count=len(data["nodes"]), placement_count=sum(len(n["enterprises"]) for n in data["nodes"]))
    # The rows of this publication are what everyone outside the builders and reviewers
    # sees (PLT-02); each keeps its version so a later edit shows as an unpublished change.
    ChainNode.objects.filter(chain=chain).update(published_version=F("version"))
    Placement.objects.filter(chain=chain).update(published_version=F("version"))
    with audit.transition(chain, _("Published as version %(n)d") % {"n": number}):
        chain.status = ChainStatus.PUBLISHED
        chain.published_at = moment
        chain.next_update_due = add_months(today, chain.update_cycle_months or 12)
        chain.save(update_fields=["status", "published_at", "next_update_due", "updated_at"])
    return snapshot


@transaction.atomic
def event_record(*, user, chain: Chain, dimension: str, occurred_on, title: str, description: str = "",
                 source: str = "", node: ChainNode | None = None, triggers_update: bool = False) -> MonitoredEvent:
    """Log a monitored event; one that triggers an update makes the map due now (chain guide 5.3.7)."""
    _require(user, "change", chain)
    event = MonitoredEvent(chain=chain, node=node, dimension=dimension, occurred_on=occurred_on, title=title,
                           description=description, source=source, triggers_update=triggers_update,
                           recorded_by=user)
    event.full_clean()
    event.save()
    if triggers_update:
        chain_update_triggered(chain=chain, event=event)
    return event


def chain_update_triggered(*, chain: Chain, event: MonitoredEvent) -> None:
    """Bring the next update forward to the event's date (a trigger condition was met)."""
    today = clock.today()
    due = min(event.occurred_on, today)
    if chain.next_update_due is None or chain.next_update_due > due:
        with audit.transition(chain, _("Update triggered by event: %(t)s") % {"t": event.title}):
            chain.next_update_due = due
            chain.save(update_fields=["next_update_due", "updated_at"])
