"""The life of an NQI need, one service per step (DIR-05).

Each service takes the acting ``user``, re-reads the need through ``restrict`` with a row
lock, checks the step is available to that user now (``selectors.available_actions``, the
same rule the pages and the API show), writes the change inside an audit transition and
notifies the next party. A refused step raises ``PermissionDenied`` or
``ValidationError({field: message})`` and changes nothing.
"""

import copy
import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zhilian.accounts.roles import ENTERPRISES, Role
from zhilian.core import audit, calendar, clock, i18n, notifications
from zhilian.core.i18n import gettext as _  # messages the audit trail shows in the reader's language
from zhilian.core.permissions import may
from zhilian.directory.models import Expert, Organization
from zhilian.directory.selectors import reasons_text

from .choices import ACTIVE_ASSIGNMENT_STATUSES, AssignmentStatus, NeedCategory, NeedStatus, Satisfaction
from .models import ASSIGNMENT_WORKING_DAYS, FEEDBACK_WORKING_DAYS, RESPONSE_WORKING_DAYS, Need, NeedAssignment
from .selectors import assignment_of, available_actions, commissioner_of, need_matches


def _locked(need: Need | int, user) -> Need:
    """Re-read the need the user may see, locked for the transition; 404-like if not visible."""
    pk = need.pk if isinstance(need, Need) else need
    if not Need.objects.restrict(user, "view").filter(pk=pk).exists():
        raise Need.DoesNotExist
    return Need.objects.select_for_update().get(pk=pk)


def _require(need: Need, user, action: str) -> None:
    if action not in available_actions(need, user):
        raise PermissionDenied(_("This step is not available to you for the need in its current state."))


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({field: _("Give a reason.")})
    return reason


def _notify(users, *, need: Need, key: str, title: str, body: str = "", level: str = "info") -> None:
    url = need.get_absolute_url()
    for recipient in {u.pk: u for u in users if u is not None}.values():
        notifications.notify(recipient=recipient, key=f"need{need.pk}:{key}", title=title, body=body, url=url,
                             level=level)


def enterprise_users(need: Need):
    from zhilian.accounts.models import User

    users = list(User.objects.filter(organization_id=need.enterprise_id, is_active=True,
                                     groups__name__in=[str(r) for r in ENTERPRISES]).distinct())
    if need.filed_by is not None and need.filed_by not in users:
        users.append(need.filed_by)
    return users


def provider_users(assignment: NeedAssignment):
    """The accounts that answer for an assignment: the institution's staff, or the expert."""
    from zhilian.accounts.models import User

    if assignment.institution_id:
        return list(User.objects.filter(organization_id=assignment.institution_id, is_active=True,
                                        groups__name=Role.TECH_INSTITUTION).distinct())
    return [assignment.expert.user] if assignment.expert.user_id else []


def commissioner_users(need: Need):
    from zhilian.directory.models import ServiceCommissioner

    if need.commissioner_id and need.commissioner.user_id:
        return [need.commissioner.user]
    district = need.enterprise.district
    pool = [c for c in ServiceCommissioner.objects.filter(is_active=True, user__isnull=False).select_related("user")
            if district in c.district_list]
    if not pool:
        pool = list(ServiceCommissioner.objects.filter(is_active=True, user__isnull=False).select_related("user"))
    return [c.user for c in pool]


# --------------------------------------------------------------------------- filing


_FILED_TEXT = ("title", "description", "product", "contact_name", "contact_phone")


def _filed_values(fields: dict) -> dict:
    return {name: (value.strip() if name in _FILED_TEXT and isinstance(value, str) else value)
            for name, value in fields.items()}


def _model_errors(probe: Need, checked, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """``errors`` with the model's own checks of the ``checked`` fields of ``probe`` (a need as it
    would be saved), a field already refused keeping its first message."""
    try:
        probe.full_clean(exclude=[f.name for f in Need._meta.fields if f.name not in checked],
                         validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, messages)
    return errors


def need_filing_errors(*, user, enterprise: Organization | None, **fields) -> dict[str, list[str]]:
    """Every fault of a need as it would be filed, saving nothing: ``{field: [messages]}``.

    Only the fields given are checked, so a caller that already refused some fields (the API's
    field checks) learns the faults of the others in the same answer (PLT-12)."""
    errors: dict[str, list[str]] = {}
    if user.has_role(*ENTERPRISES) and not user.has_role(Role.COMMISSIONER, Role.MANAGEMENT_INSTITUTION):
        if enterprise is None or enterprise.pk != user.organization_id:
            errors["enterprise"] = [_("An enterprise files needs for itself only.")]
    elif enterprise is None or not Organization.objects.restrict(user, "view").filter(
            pk=enterprise.pk, kind="enterprise").exists():
        errors["enterprise"] = [_("Choose an enterprise you serve.")]
    if "category" in fields and fields["category"] not in NeedCategory.values:
        errors["category"] = [_("Choose a category.")]
    expected_date = fields.get("expected_date")
    if expected_date is not None and expected_date < clock.today():
        errors["expected_date"] = [_("The expected date cannot be in the past.")]
    probe = Need(enterprise=None if "enterprise" in errors else enterprise, **_filed_values(fields))
    checked = set(fields) - set(errors)
    if "enterprise" not in errors:
        checked.add("enterprise")
    return _model_errors(probe, checked, errors)


@transaction.atomic
def need_file(*, user, enterprise: Organization, category: str, title: str, description: str,
              contact_name: str, contact_phone: str, product: str = "",
              expected_date: datetime.date | None = None) -> Need:
    """File a need for ``enterprise``: by the enterprise itself, or by a commissioner or the
    management institution registering it on the enterprise's behalf. Every fault of the
    request is refused at once (``need_filing_errors``)."""
    if not may(user, "add", Need):
        raise PermissionDenied
    fields = {"category": category, "title": title, "description": description, "product": product,
              "expected_date": expected_date, "contact_name": contact_name, "contact_phone": contact_phone}
    errors = need_filing_errors(user=user, enterprise=enterprise, **fields)
    if errors:
        raise ValidationError(errors)
    today = clock.today()
    due = calendar.add_working_days(today, RESPONSE_WORKING_DAYS)
    need = Need(enterprise=enterprise, **_filed_values(fields), filed_by=user, status=NeedStatus.SUBMITTED,
                response_due=due.date, response_due_provisional=due.provisional)
    need.full_clean(exclude=["code"])
    need.save()
    need.code = f"XQ{timezone.localtime(need.filed_at):%Y}{need.pk:06d}"
    with audit.transition(need, _("Need filed; a commissioner responds by %(due)s.") % {"due": due.date}):
        need.save(update_fields=["code"])
    _notify(commissioner_users(need), need=need, key="filed",
            title=_("New NQI need: %(title)s") % {"title": need.title},
            body=_("%(enterprise)s filed a %(category)s need; respond by %(due)s.")
            % {"enterprise": enterprise.name, "category": NeedCategory(need.category).label, "due": due.date})
    return need


EDITABLE_FIELDS = ("category", "title", "description", "product", "expected_date", "contact_name", "contact_phone")


def need_update_errors(*, need: Need, **fields) -> dict[str, list[str]]:
    """Every fault of an edit of ``need`` with ``fields``, saving nothing: ``{field: [messages]}``
    (the API's checks of a PATCH call it too, so its field errors and these come together)."""
    errors: dict[str, list[str]] = {}
    for name in fields:
        if name not in EDITABLE_FIELDS:
            errors[name] = [_("This field cannot be changed here.")]
    expected_date = fields.get("expected_date")
    # A date already past may stay as filed; an edit may not move it into the past (the form's rule).
    if expected_date is not None and expected_date != need.expected_date and expected_date < clock.today():
        errors["expected_date"] = [_("The expected date cannot be in the past.")]
    probe = copy.copy(need)
    checked = [name for name in fields if name in EDITABLE_FIELDS and name not in errors]
    for name in checked:
        setattr(probe, name, fields[name])
    return _model_errors(probe, checked, errors)


@transaction.atomic
def need_update(*, user, need: Need, expected_version: int | None = None, **fields) -> Need:
    """Edit the request while no commissioner has taken it.

    ``expected_version`` is the version the user started editing from: when the need was
    saved since, the edit is refused with ``StaleObjectError`` and nothing changes (SEC-10).
    """
    need = _locked(need, user)
    _require(need, user, "edit")
    errors = need_update_errors(need=need, **fields)
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(need, name, value)
    need.full_clean()
    need.save(expected_version=expected_version)
    return need


# --------------------------------------------------------------------------- the commissioner


@transaction.atomic
def need_take(*, user, need: Need) -> Need:
    """A service commissioner takes a new need and becomes answerable for it."""
    need = _locked(need, user)
    _require(need, user, "take")
    need.commissioner = commissioner_of(user)
    need.status = NeedStatus.ACCEPTED
    need.accepted_at = clock.now()
    with audit.transition(need, _("Taken by service commissioner %(name)s.") % {"name": need.commissioner.name}):
        need.save()
    _notify(enterprise_users(need), need=need, key="accepted",
            title=_("Your need %(code)s was accepted") % {"code": need.code},
            body=_("Service commissioner %(name)s will match institutions and experts.") % {"name": need.commissioner.name})
    return need


@transaction.atomic
def need_reject(*, user, need: Need, reason: str) -> Need:
    """Decline a need as outside the platform's services, with the reason given to the enterprise."""
    need = _locked(need, user)
    _require(need, user, "reject")
    reason = _reason(reason)
    need.commissioner = need.commissioner or commissioner_of(user)
    need.status = NeedStatus.REJECTED
    need.closing_reason = reason
    need.closed_at = clock.now()
    with audit.transition(need, _("Not accepted: %(reason)s") % {"reason": reason}):
        need.save()
    _notify(enterprise_users(need), need=need, key="rejected", level="warning",
            title=_("Your need %(code)s was not accepted") % {"code": need.code}, body=reason)
    return need


@transaction.atomic
def need_assign(*, user, need: Need, institutions: Iterable[Organization] = (), experts: Iterable[Expert] = (),
                note: str = "", reasons: dict | None = None) -> list[NeedAssignment]:
    """Assign technical institutions and experts to a need (the commissioner's matching).

    Institutions must be active technical institutions; experts must be eligible under
    assistance spec 7.2.1.3. A provider already active on the need is refused. Each
    assignment keeps why the provider matched (``reasons``: ``{("institution" | "expert",
    pk): [reasons]}``, by default the suggestions' own), translatable: it reads in the
    reader's language (PLT-10).
    """
    need = _locked(need, user)
    _require(need, user, "assign")
    institutions, experts = list(institutions), list(experts)
    if not institutions and not experts:
        raise ValidationError({"institutions": _("Choose at least one institution or expert.")})
    visible_orgs = set(Organization.objects.restrict(user, "view").filter(
        pk__in=[i.pk for i in institutions], kind="institution", is_active=True).values_list("pk", flat=True))
    errors = {}
    bad = [i.name for i in institutions if i.pk not in visible_orgs]
    if bad:
        errors["institutions"] = _("Not an active technical institution: %(names)s.") % {"names": i18n.listed(bad)}
    ineligible = []
    for expert in experts:
        eligible, why = expert.eligibility()
        if not eligible:
            ineligible.append(_("%(name)s (%(reasons)s)") % {"name": expert.name, "reasons": i18n.clauses(why)})
    if ineligible:
        errors["experts"] = _("Not eligible (assistance spec 7.2.1.3): %(names)s.") % {"names": i18n.listed(ineligible)}
    existing = need.assignments.filter(status__in=ACTIVE_ASSIGNMENT_STATUSES)
    taken = {("i", a.institution_id) for a in existing if a.institution_id} | \
            {("e", a.expert_id) for a in existing if a.expert_id}
    dupes = [i.name for i in institutions if ("i", i.pk) in taken] + [e.name for e in experts if ("e", e.pk) in taken]
    if dupes:
        errors.setdefault("institutions", _("Already assigned: %(names)s.") % {"names": i18n.listed(dupes)})
    if errors:
        raise ValidationError(errors)
    if reasons is None:
        found = need_matches(need, user, limit=50)
        reasons = {("institution", m.provider.pk): m.reasons for m in found.institutions}
        reasons.update({("expert", m.provider.pk): m.reasons for m in found.experts})
    due = calendar.add_working_days(clock.today(), ASSIGNMENT_WORKING_DAYS)
    created = []
    for provider in [*institutions, *experts]:
        is_institution = isinstance(provider, Organization)
        lookup = {"institution": provider} if is_institution else {"expert": provider}
        assignment = NeedAssignment.objects.filter(need=need, **lookup).first() or NeedAssignment(need=need, **lookup)
        assignment.status = AssignmentStatus.OFFERED
        assignment.note, assignment.assigned_by, assignment.assigned_at = note.strip(), user, clock.now()
        assignment.respond_due, assignment.responded_at, assignment.decline_reason = due.date, None, ""
        assignment.match_reasons = i18n.stored(
            reasons_text(reasons.get(("institution" if is_institution else "expert", provider.pk), [])))
        assignment.full_clean()
        assignment.save()
        created.append(assignment)
    if need.status == NeedStatus.ACCEPTED:
        need.status = NeedStatus.MATCHED
    # The need's own record names no provider: each provider sees the need but not the
    # others assigned to it (PLT-02); the assignments' own records name them, for those who
    # may see them.
    with audit.transition(need, _("Providers assigned; each responds by %(due)s.") % {"due": due.date}):
        need.save()
    for assignment in created:
        _notify(provider_users(assignment), need=need, key=f"assigned:{assignment.pk}:{assignment.version}",
                title=_("Assigned to you: %(title)s") % {"title": need.title},
                body=_("Accept or decline by %(due)s. %(note)s") % {"due": due.date, "note": assignment.note})
    return created


@transaction.atomic
def assignment_withdraw(*, user, assignment: NeedAssignment, reason: str) -> NeedAssignment:
    """Withdraw a provider that has not delivered (e.g. no answer by the response date)."""
    need = _locked(assignment.need_id, user)
    _require(need, user, "withdraw")
    assignment = need.assignments.select_for_update().get(pk=assignment.pk)
    if assignment.status not in (AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED):
        raise ValidationError({"assignment": _("Only an assignment not yet delivered can be withdrawn.")})
    reason = _reason(reason)
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment.decline_reason = reason
    with audit.transition(assignment, _("Withdrawn: %(reason)s") % {"reason": reason}):
        assignment.save()
    # The need's record names no provider (other providers see it); the assignment's does.
    _settle(need, _("An assignment was withdrawn."))
    _notify(provider_users(assignment), need=need, key=f"withdrawn:{assignment.pk}",
            title=_("Assignment withdrawn: %(title)s") % {"title": need.title}, body=reason)
    return assignment


def _settle(need: Need, message: str) -> None:
    """Derive the need's status from its assignments after one of them changed.

    In service once a provider accepted; delivered once every accepted provider delivered
    and none is still to answer; back to the commissioner when no provider is left.
    """
    active = list(need.assignments.filter(status__in=ACTIVE_ASSIGNMENT_STATUSES))
    statuses = {a.status for a in active}
    if not active:
        new = NeedStatus.ACCEPTED
    elif AssignmentStatus.DELIVERED in statuses and statuses <= {AssignmentStatus.DELIVERED}:
        new = NeedStatus.DELIVERED
    elif AssignmentStatus.ACCEPTED in statuses or AssignmentStatus.DELIVERED in statuses:
        new = NeedStatus.IN_SERVICE
    else:
        new = NeedStatus.MATCHED
    if new == need.status:
        return
    need.status = new
    if new == NeedStatus.DELIVERED:
        need.delivered_at = clock.now()
        due = calendar.add_working_days(clock.today(), FEEDBACK_WORKING_DAYS)
        need.feedback_due, need.feedback_due_provisional = due.date, due.provisional
        message = message + " " + _("Service delivered; the enterprise evaluates it by %(due)s (SC guide §6.9).") % {
            "due": due.date}
    with audit.transition(need, message):
        need.save()
    if new == NeedStatus.DELIVERED:
        _notify(enterprise_users(need), need=need, key="delivered", level="due",
                title=_("Please evaluate the service for %(code)s") % {"code": need.code},
                body=_("Fill in the satisfaction evaluation by %(due)s.") % {"due": need.feedback_due})
    if new == NeedStatus.ACCEPTED and need.commissioner_id and need.commissioner.user_id:
        _notify([need.commissioner.user], need=need, key=f"unmatched:{need.version}", level="warning",
                title=_("No provider left on %(code)s") % {"code": need.code},
                body=_("Assign another institution or expert."))


# --------------------------------------------------------------------------- the providers


def _my_assignment(need: Need, user) -> NeedAssignment:
    assignment = assignment_of(need, user)
    if assignment is None:
        raise PermissionDenied(_("You are not assigned to this need."))
    return NeedAssignment.objects.select_for_update().get(pk=assignment.pk)


@transaction.atomic
def assignment_accept(*, user, need: Need) -> NeedAssignment:
    """The assigned institution (or expert) accepts to serve the need."""
    need = _locked(need, user)
    _require(need, user, "accept")
    assignment = _my_assignment(need, user)
    assignment.status = AssignmentStatus.ACCEPTED
    assignment.responded_at = clock.now()
    with audit.transition(assignment, _("Accepted by %(name)s.") % {"name": assignment.provider}):
        assignment.save()
    _settle(need, _("%(name)s accepted the assignment.") % {"name": assignment.provider})
    if need.commissioner_id and need.commissioner.user_id:
        _notify([need.commissioner.user], need=need, key=f"accepted:{assignment.pk}:{assignment.version}",
                title=_("%(name)s accepted %(code)s") % {"name": assignment.provider, "code": need.code})
    return assignment


@transaction.atomic
def assignment_decline(*, user, need: Need, reason: str) -> NeedAssignment:
    """The assigned institution (or expert) declines, with a reason for the commissioner."""
    need = _locked(need, user)
    _require(need, user, "decline")
    reason = _reason(reason)
    assignment = _my_assignment(need, user)
    assignment.status = AssignmentStatus.DECLINED
    assignment.responded_at = clock.now()
    assignment.decline_reason = reason
    with audit.transition(assignment, _("Declined by %(name)s: %(reason)s") % {"name": assignment.provider,
                                                                               "reason": reason}):
        assignment.save()
    _settle(need, _("%(name)s declined the assignment.") % {"name": assignment.provider})
    if need.commissioner_id and need.commissioner.user_id:
        _notify([need.commissioner.user], need=need, key=f"declined:{assignment.pk}:{assignment.version}",
                level="warning", title=_("%(name)s declined %(code)s") % {"name": assignment.provider, "code": need.code},
                body=reason)
    return assignment


@transaction.atomic
def assignment_deliver(*, user, need: Need, summary: str) -> NeedAssignment:
    """The provider reports the service done, with a summary of what was delivered."""
    need = _locked(need, user)
    _require(need, user, "deliver")
    summary = (summary or "").strip()
    if len(summary) < 5:
        raise ValidationError({"summary": _("Summarise the service delivered (reports, results, advice).")})
    assignment = _my_assignment(need, user)
    assignment.status = AssignmentStatus.DELIVERED
    assignment.delivered_at = clock.now()
    assignment.delivery_summary = summary
    with audit.transition(assignment, _("Delivered by %(name)s.") % {"name": assignment.provider}):
        assignment.save()
    _settle(need, _("%(name)s delivered the service.") % {"name": assignment.provider})
    return assignment


# --------------------------------------------------------------------------- the enterprise


@transaction.atomic
def need_confirm(*, user, need: Need, timeliness: str, professionalism: str, courtesy: str, overall: str,
                 resolved: bool, feedback: str = "") -> Need:
    """The enterprise confirms the service with the satisfaction evaluation (SC guide Table F.1); the need closes."""
    need = _locked(need, user)
    _require(need, user, "confirm")
    errors = {name: _("Choose a rating.") for name, value in
              (("timeliness", timeliness), ("professionalism", professionalism), ("courtesy", courtesy),
               ("overall", overall)) if value not in Satisfaction.values}
    if resolved is None:
        errors["resolved"] = _("Say whether your problem was solved.")
    if errors:
        raise ValidationError(errors)
    need.timeliness, need.professionalism, need.courtesy, need.overall = timeliness, professionalism, courtesy, overall
    need.resolved, need.feedback = resolved, (feedback or "").strip()
    need.evaluated_at = need.closed_at = clock.now()
    need.status = NeedStatus.CLOSED
    with audit.transition(need, _("Service confirmed and evaluated (overall: %(overall)s); need closed.")
                          % {"overall": Satisfaction(overall).label}):
        need.save()
    recipients = [need.commissioner.user if need.commissioner_id else None]
    for assignment in need.assignments.filter(status=AssignmentStatus.DELIVERED):
        recipients.extend(provider_users(assignment))
    _notify(recipients, need=need, key="closed", title=_("%(code)s closed with the enterprise's evaluation")
            % {"code": need.code})
    return need


@transaction.atomic
def need_rework(*, user, need: Need, reason: str) -> Need:
    """The enterprise does not accept the delivery: the providers continue the service."""
    need = _locked(need, user)
    _require(need, user, "rework")
    reason = _reason(reason)
    for assignment in need.assignments.select_for_update().filter(status=AssignmentStatus.DELIVERED):
        assignment.status = AssignmentStatus.ACCEPTED
        with audit.transition(assignment, _("Returned for rework: %(reason)s") % {"reason": reason}):
            assignment.save()
        _notify(provider_users(assignment), need=need, key=f"rework:{assignment.pk}:{assignment.version}",
                level="warning", title=_("Rework requested on %(code)s") % {"code": need.code}, body=reason)
    need.status = NeedStatus.IN_SERVICE
    need.delivered_at, need.feedback_due = None, None
    with audit.transition(need, _("Enterprise asked for rework: %(reason)s") % {"reason": reason}):
        need.save()
    return need


@transaction.atomic
def need_cancel(*, user, need: Need, reason: str) -> Need:
    """Withdraw a need before the service starts (the enterprise, or the management institution)."""
    need = _locked(need, user)
    _require(need, user, "cancel")
    reason = _reason(reason)
    for assignment in need.assignments.select_for_update().filter(status=AssignmentStatus.OFFERED):
        assignment.status = AssignmentStatus.WITHDRAWN
        assignment.decline_reason = reason
        assignment.save()
    need.status = NeedStatus.CANCELLED
    need.closing_reason = reason
    need.closed_at = clock.now()
    with audit.transition(need, _("Cancelled: %(reason)s") % {"reason": reason}):
        need.save()
    recipients = [need.commissioner.user] if need.commissioner_id and need.commissioner.user_id else []
    _notify(recipients, need=need, key="cancelled", title=_("%(code)s was cancelled") % {"code": need.code}, body=reason)
    return need


@transaction.atomic
def need_close(*, user, need: Need, reason: str) -> Need:
    """Close a delivered need whose evaluation deadline passed without an evaluation."""
    need = _locked(need, user)
    _require(need, user, "close")
    reason = _reason(reason)
    need.status = NeedStatus.CLOSED
    need.closed_at = clock.now()
    need.closing_reason = reason
    with audit.transition(need, _("Closed without the enterprise's evaluation: %(reason)s") % {"reason": reason}):
        need.save()
    return need
