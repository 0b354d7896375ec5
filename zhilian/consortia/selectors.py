"""Reads of the consortium module, used by its pages and by the projects / achievements apps."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from zhilian.accounts.roles import Role
from zhilian.core import resultcache
from zhilian.core.permissions import may

from .choices import STEP_FOR_STATUS, ConsortiumStatus, ReviewStep
from .models import Consortium, ConsortiumMember, active_membership_q, member_consortium_ids


def users_holding(permission: str, **filters) -> QuerySet:
    """Active users whose roles carry ``permission`` ("app.codename"), narrowed by ``filters``."""
    app_label, codename = permission.split(".", 1)
    User = get_user_model()
    return User.objects.filter(
        is_active=True, groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label, **filters,
    ).distinct()


def consortium_review_step(user, consortium: Consortium) -> ReviewStep | None:
    """Return the review step ``user`` may decide on now, or None."""
    step = STEP_FOR_STATUS.get(consortium.status)
    if step is None or not user.is_authenticated:
        return None
    if step == ReviewStep.LEAD:
        ok = user.organization_id == consortium.lead_unit_id and may(user, "change", Consortium)
    elif step == ReviewStep.DISTRICT:
        ok = (user.has_role(Role.DISTRICT_REGULATOR) and bool(user.district) and user.district == consortium.district
              and may(user, "review", Consortium))
    else:
        ok = user.has_role(Role.CITY_REGULATOR) and may(user, "review", Consortium)
    return step if ok else None


def consortium_is_lead_user(user, consortium: Consortium) -> bool:
    return bool(user.organization_id) and user.organization_id == consortium.lead_unit_id


def active_member_org_ids(consortium) -> QuerySet:
    """Organizations currently in the consortium (lead unit included)."""
    return ConsortiumMember.objects.filter(consortium=consortium).filter(active_membership_q()).values("organization")


def consortia_of_organization(organization_id) -> QuerySet:
    """Subquery: approved consortia the organization currently belongs to."""
    return Consortium.objects.filter(pk__in=member_consortium_ids(organization_id),
                                     status=ConsortiumStatus.APPROVED).values("pk")


def is_active_member(consortium, organization_id) -> bool:
    return ConsortiumMember.objects.filter(consortium=consortium, organization_id=organization_id).filter(
        active_membership_q()).exists()


def consortia_led_by(organization_id) -> QuerySet:
    return Consortium.objects.filter(lead_unit_id=organization_id).values("pk")


def consortium_ids_of_organization(organization_id) -> list:
    """Ids of the approved consortia the organization currently belongs to, kept until a
    membership or a consortium changes (for scopes: ``consortium__in=…``)."""
    return resultcache.kept_ids("consortia-of", (organization_id,),
                                consortia_of_organization(organization_id).values_list("pk", flat=True))


def consortium_ids_led_by(organization_id) -> list:
    """Ids of the consortia the organization leads, kept until a consortium changes."""
    return resultcache.kept_ids("consortia-led-by", (organization_id,),
                                consortia_led_by(organization_id).values_list("pk", flat=True))


def fellow_organization_ids(user):
    """Units of every consortium (or application) the user's organization is part of, kept
    until a membership changes: in the directory's scope a literal list of ids lets the
    database find the rows by key, where the subquery made it read all 100,000 units (88 ms
    for an enterprise's list of the units it may see, 14 ms with the list)."""
    mine = member_consortium_ids(user.organization_id, active_only=False)
    return resultcache.kept_ids("fellow-units-of", (user.organization_id,), ConsortiumMember.objects.filter(
        consortium__in=mine).order_by().values_list("organization", flat=True).distinct())
