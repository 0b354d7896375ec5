"""Writes of the consortium module: the Appendix A application and its approval chain (CON-01),
membership, charter and contributions (CON-02)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.text import capfirst

from zhilian.accounts.roles import Role
from zhilian.chains.models import Chain
from zhilian.core import audit, clock, notifications
from zhilian.core.i18n import gettext as _  # messages the audit trail shows in the reader's language
from zhilian.core.permissions import may
from zhilian.directory.choices import OrganizationKind
from zhilian.directory.models import Organization
from zhilian.directory.validators import validate_mobile_or_phone, validate_uscc

from .choices import NEXT_STATUS, ConsortiumStatus, MemberRole, ReviewDecision, ReviewStep
from .models import Consortium, ConsortiumCharter, ConsortiumMember, ConsortiumReview, MemberContribution
from .selectors import consortium_review_step, users_holding

# chain guide 5.2.1 a): a chain-owner enterprise, technical institution, industry association,
# research institute or university may lead a consortium.
LEAD_KINDS = {OrganizationKind.ENTERPRISE, OrganizationKind.INSTITUTION, OrganizationKind.INDUSTRY_ORG,
              OrganizationKind.RESEARCH}
APPLICATION_FIELDS = ("name", "chain", "chain_domain", "person_in_charge", "person_phone", "goals", "work_plan")
MIN_MEMBERS = 2


def _today() -> datetime.date:
    return clock.today()  # the day being recorded (core.clock), else today


def _notify_users(users, *, key: str, title: str, body: str = "", url: str = "", level: str = "info"):
    for recipient in users:
        notifications.notify(recipient=recipient, key=key, title=title, body=body, url=url, level=level)


def _add_errors(errors: dict, field: str, messages) -> None:
    current = errors.get(field, [])
    current = [current] if isinstance(current, str) else list(current)
    errors[field] = current + [str(m) for m in (messages if isinstance(messages, (list, tuple)) else [messages])]


MEMBER_ROW_FIELDS = ("name", "uscc", "contact_name", "contact_phone", "responsibilities")


def _unit_of_row(user, row: dict) -> tuple[Organization | None, dict[str, list[str]]]:
    """The directory unit a member row names by its USCC, and the row's errors by field.

    A row that gives only the unit's name (picked from the directory list on the form) or
    only its code is completed from the directory units ``user`` may see, when exactly one
    matches. A unit ``user`` may not see (a confidential enterprise) is still found by its
    code when the row gives the code and the registered name together: that tells nothing
    the applicant did not type.
    """
    uscc = (row.get("uscc") or "").strip().upper()
    name = (row.get("name") or "").strip()
    if bool(name) != bool(uscc) and user is not None:
        found = list(Organization.objects.restrict(user, "view").filter(**({"name": name} if name else {"uscc": uscc}))
                     .exclude(uscc="").values_list("name", "uscc")[:2])
        if len(found) == 1:
            name, uscc = found[0]
            row["name"], row["uscc"] = name, uscc
    errors: dict[str, list[str]] = {}

    def add(field, *messages):
        errors.setdefault(field, []).extend(str(m) for m in messages)

    if not name:
        add("name", _("enter the unit's name"))
    try:
        validate_uscc(uscc)
        if not uscc:
            add("uscc", _("enter the unified social credit code"))
    except ValidationError as exc:
        add("uscc", *exc.messages)
    if not (row.get("contact_name") or "").strip():
        add("contact_name", _("enter a contact person"))
    phone = (row.get("contact_phone") or "").strip()
    if not phone:
        add("contact_phone", _("enter a contact phone"))
    else:
        try:
            validate_mobile_or_phone(phone)
        except ValidationError as exc:
            add("contact_phone", *exc.messages)
    if errors:
        return None, errors
    # The directory is the register of units; a member is identified by its USCC.
    org = Organization.objects.filter(uscc=uscc).first()
    if org is None:
        add("uscc", _("no unit with this code is registered in the directory; ask the management "
                      "institution to register it first"))
    elif org.name != name:
        add("name", _("the directory registers this code under another name: check the name and the code"))
    elif org.kind == OrganizationKind.GOVERNMENT:
        add("name", _("a government unit cannot be a member"))
    return (None, errors) if errors else (org, errors)


def _row_message(index: int, field_errors: dict[str, list[str]]) -> str:
    """One member row's errors as one line, in column order: "Member 2: …；…"."""
    messages = [m for f in MEMBER_ROW_FIELDS for m in field_errors.get(f, [])]
    # The label outside the f-string: makemessages does not read calls inside one.
    label = _("Member %(n)d") % {"n": index}
    return f"{label}: {'；'.join(messages)}"


def _clean_member_rows(user, lead: Organization, members: list[dict], errors: dict,
                       row_errors: dict[int, dict[str, list[str]]] | None = None) -> list[tuple]:
    """The (unit, row) pairs of the Appendix A member table.

    Every row's problems go to ``errors["members"]`` as one line per row (the API's shape)
    and, by row number and field, to ``row_errors`` when given (the form shows them at the
    field). Rows are numbered by their place in ``members``, blank rows included, so the
    numbers are the form's.
    """
    row_errors = {} if row_errors is None else row_errors
    units, seen = [], {}
    for index, row in enumerate(members, start=1):
        if not any((row.get(k) or "").strip() for k in ("name", "uscc", "contact_name", "contact_phone")):
            continue
        org, field_errors = _unit_of_row(user, row)
        if org is not None:
            if org.pk == lead.pk:
                field_errors["name"] = [str(_("the lead unit is not listed again among the members"))]
            elif org.pk in seen:
                field_errors["name"] = [str(_("the same unit as member %(m)d") % {"m": seen[org.pk]})]
            else:
                seen[org.pk] = index
                units.append((org, row))
        if field_errors:
            row_errors[index] = field_errors
            errors.setdefault("members", []).append(_row_message(index, field_errors))
    return units


def member_row_errors(*, user, consortium: Consortium | None, members: list[dict]) -> dict[int, dict[str, list[str]]]:
    """The member table's errors by row number (as in ``members``, blank rows counted) and
    field, without saving anything: for a form that shows them at the fields, also when its
    header is refused before the service runs (the applicant sees every error at once)."""
    lead = consortium.lead_unit if consortium is not None else user.organization
    if lead is None:
        return {}
    row_errors: dict = {}
    _clean_member_rows(user, lead, [dict(row) for row in members], {}, row_errors)
    return row_errors


@transaction.atomic
def consortium_save_application(*, user, consortium: Consortium | None, data: dict, members: list[dict]) -> Consortium:
    """Create or update a draft Appendix A application with its member table (CON-01).

    The lead unit is the applicant's own organization; member units are named with their
    USCC, contact person and phone exactly as on the form, and must be in the directory.
    """
    if consortium is None:
        if not may(user, "add", Consortium):
            raise PermissionDenied(_("You may not apply for a consortium."))
        lead = user.organization
        if lead is None or lead.kind not in LEAD_KINDS:
            raise ValidationError({"lead_unit": _("A consortium is led by an enterprise, a technical institution, an "
                                                  "industry association or a university / research institute.")})
        consortium = Consortium(lead_unit=lead, created_by=user, created_at=clock.now())
    elif not Consortium.objects.restrict(user, "change").filter(pk=consortium.pk).exists():
        raise PermissionDenied(_("Only the lead unit edits a draft application."))
    errors: dict = {}
    for field in APPLICATION_FIELDS:
        if field in data:
            setattr(consortium, field, data[field])
    if consortium.chain_id and not Chain.objects.restrict(user, "view").filter(pk=consortium.chain_id).exists():
        _add_errors(errors, "chain", _("Choose a chain you may see."))
    lead = consortium.lead_unit
    if not lead.uscc:
        _add_errors(errors, "lead_unit", _("Your unit has no unified social credit code in the directory; complete it first."))
    consortium.district = lead.district or ""
    units = _clean_member_rows(user, lead, members, errors)
    try:
        consortium.full_clean(exclude=["lead_unit", "created_by"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            _add_errors(errors, field, messages)
    if errors:
        raise ValidationError(errors)
    consortium.save()
    # Lead unit row: the person in charge is its contact (Appendix A header).
    lead_row = consortium.members.filter(role=MemberRole.LEAD, left_on__isnull=True).first() or ConsortiumMember(
        consortium=consortium, organization=lead, role=MemberRole.LEAD)
    lead_row.uscc, lead_row.contact_name, lead_row.contact_phone, lead_row.order = (
        lead.uscc, consortium.person_in_charge, consortium.person_phone, 0)
    lead_row.save()
    keep = []
    for order, (org, row) in enumerate(units, start=1):
        member = consortium.members.filter(organization=org, left_on__isnull=True).first() or ConsortiumMember(
            consortium=consortium, organization=org, role=MemberRole.MEMBER)
        member.uscc = org.uscc
        member.contact_name = row["contact_name"].strip()
        member.contact_phone = row["contact_phone"].strip()
        member.responsibilities = (row.get("responsibilities") or "").strip()
        member.order = order
        member.save()
        keep.append(member.pk)
    consortium.members.filter(role=MemberRole.MEMBER).exclude(pk__in=keep).delete()
    return consortium


@transaction.atomic
def consortium_submit(*, user, consortium: Consortium) -> Consortium:
    """Send a draft application to the lead unit for its opinion (Appendix A 三)."""
    if not Consortium.objects.restrict(user, "change").filter(pk=consortium.pk).exists():
        raise PermissionDenied(_("Only the lead unit submits its draft application."))
    errors = {}
    if consortium.members.filter(role=MemberRole.MEMBER).count() < MIN_MEMBERS:
        errors["members"] = _("List at least %(n)d member units besides the lead unit (chain guide 5.2.1).") % {
            "n": MIN_MEMBERS}
    if not consortium.district:
        errors["district"] = _("The lead unit's district is not recorded in the directory, so no district quality "
                               "office can review the application.")
    if errors:
        raise ValidationError(errors)
    with audit.transition(consortium, _("Application submitted for the lead unit's opinion")):
        consortium.status = ConsortiumStatus.LEAD_OPINION
        consortium.submitted_at = consortium.submitted_at or clock.now()
        consortium.save()
    _notify_users(users_holding("consortia.change_consortium", organization=consortium.lead_unit),
                  key=f"consortium:{consortium.pk}:lead:{consortium.version}",
                  title=_("Consortium application awaits your unit's opinion: %(name)s") % {"name": consortium},
                  url=consortium.get_absolute_url())
    return consortium


@transaction.atomic
def consortium_review(*, user, consortium: Consortium, decision: str, opinion: str) -> ConsortiumReview:
    """Record the opinion of the step the application waits for and move it on (CON-01).

    Lead unit → district quality office (区质量强区工作领导小组办公室, the district bureau of
    the lead unit's district) → city quality office (the city bureau). Each step may agree or
    return the application for revision; the two offices may also reject it.
    """
    consortium = Consortium.objects.select_for_update().get(pk=consortium.pk)
    step = consortium_review_step(user, consortium)
    if step is None:
        raise PermissionDenied(_("This application does not wait for your opinion."))
    opinion = (opinion or "").strip()
    errors = {}
    if decision not in ReviewDecision.values:
        errors["decision"] = _("Choose agree, return or reject.")
    elif step == ReviewStep.LEAD and decision == ReviewDecision.REJECT:
        errors["decision"] = _("The lead unit returns its application for revision instead of rejecting it.")
    if not opinion:
        errors["opinion"] = _("Write the opinion that goes on the application form.")
    if errors:
        raise ValidationError(errors)
    review = ConsortiumReview.objects.create(consortium=consortium, step=step, decision=decision, opinion=opinion,
                                             reviewer=user, reviewer_org=user.organization, decided_at=clock.now())
    if decision == ReviewDecision.APPROVE:
        new_status = NEXT_STATUS[step]
    elif decision == ReviewDecision.RETURN:
        new_status = ConsortiumStatus.DRAFT
    else:
        new_status = ConsortiumStatus.REJECTED
    # Kept translatable (the step and decision as their labels' message ids): the history reads
    # it in the reader's language; the opinion as written (PLT-10).
    message = _("%(step)s: %(decision)s — %(opinion)s") % {
        "step": ReviewStep(step).label, "decision": ReviewDecision(decision).label, "opinion": opinion}
    with audit.transition(consortium, message):
        consortium.status = new_status
        if new_status == ConsortiumStatus.APPROVED:
            consortium.approved_on = _today()
        consortium.save()
    if new_status == ConsortiumStatus.APPROVED:
        # The units of the approved application join on the day of approval (CON-02).
        for member in consortium.members.filter(joined_on__isnull=True, left_on__isnull=True):
            member.joined_on = consortium.approved_on
            member.save(update_fields=["joined_on", "updated_at"])
    url = consortium.get_absolute_url()
    if new_status == ConsortiumStatus.DISTRICT_REVIEW:
        _notify_users(users_holding("consortia.review_consortium", groups__name=Role.DISTRICT_REGULATOR,
                                    organization__district=consortium.district),
                      key=f"consortium:{consortium.pk}:district:{review.pk}",
                      title=_("Consortium application to review: %(name)s") % {"name": consortium}, url=url)
    elif new_status == ConsortiumStatus.CITY_REVIEW:
        _notify_users(users_holding("consortia.review_consortium", groups__name=Role.CITY_REGULATOR),
                      key=f"consortium:{consortium.pk}:city:{review.pk}",
                      title=_("Consortium application to review: %(name)s") % {"name": consortium}, url=url)
    else:
        recipients = set(users_holding("consortia.change_consortium", organization=consortium.lead_unit))
        if consortium.created_by:
            recipients.add(consortium.created_by)
        _notify_users(recipients, key=f"consortium:{consortium.pk}:decision:{review.pk}",
                      title=_("%(name)s: %(decision)s") % {"name": consortium,
                                                           "decision": ConsortiumStatus(new_status).label},
                      body=opinion, url=url, level="info" if new_status == ConsortiumStatus.APPROVED else "warning")
    return review


def _require_lead(user, consortium: Consortium, action: str, model) -> None:
    if not (consortium.is_approved and user.organization_id == consortium.lead_unit_id and may(user, action, model)):
        raise PermissionDenied(_("Only the lead unit of an approved consortium does this."))


@transaction.atomic
def member_join(*, user, consortium: Consortium, data: dict) -> ConsortiumMember:
    """Admit a unit to an approved consortium on a date (chain guide 5.2.3 entry mechanism)."""
    _require_lead(user, consortium, "add", ConsortiumMember)
    errors: dict = {}
    org, field_errors = _unit_of_row(user, data)
    errors.update({field: [capfirst(m) for m in messages] for field, messages in field_errors.items()})
    joined_on = data.get("joined_on")
    if not joined_on:
        errors["joined_on"] = _("Enter the date the unit joins.")
    elif joined_on > _today():
        errors["joined_on"] = _("A unit joins on a date that has come; record it on the day.")
    elif consortium.approved_on and joined_on < consortium.approved_on:
        errors["joined_on"] = _("The consortium was established on %(d)s.") % {"d": consortium.approved_on}
    if org is not None and consortium.members.filter(organization=org, left_on__isnull=True).exists():
        errors["name"] = [_("%(name)s is already a member.") % {"name": org.name}]
    if errors:
        raise ValidationError(errors)
    order = (consortium.members.aggregate(m=Max("order"))["m"] or 0) + 1
    member = ConsortiumMember(consortium=consortium, organization=org, role=MemberRole.MEMBER, uscc=org.uscc,
                              contact_name=data["contact_name"].strip(), contact_phone=data["contact_phone"].strip(),
                              responsibilities=(data.get("responsibilities") or "").strip(), joined_on=joined_on,
                              order=order)
    member.full_clean()
    member.save()
    audit.write(action="transition", instance=consortium, message=_("%(org)s joined on %(d)s") % {
        "org": org.name, "d": joined_on})
    return member


@transaction.atomic
def member_leave(*, user, member: ConsortiumMember, left_on: datetime.date, reason: str) -> ConsortiumMember:
    """Record a member unit's exit with its date and reason (chain guide 5.2.3 exit mechanism)."""
    consortium = member.consortium
    _require_lead(user, consortium, "change", ConsortiumMember)
    errors = {}
    if not member.is_active:
        errors["left_on"] = _("This unit is not a current member.")
    elif member.role == MemberRole.LEAD:
        errors["left_on"] = _("The lead unit cannot leave its own consortium.")
    elif not left_on:
        errors["left_on"] = _("Enter the date the unit leaves.")
    elif left_on < member.joined_on:
        errors["left_on"] = _("A unit cannot leave before it joined (%(d)s).") % {"d": member.joined_on}
    elif left_on > _today():
        errors["left_on"] = _("Record the exit on or after the day it happens.")
    if not (reason or "").strip():
        errors["exit_reason"] = _("Give the reason for leaving.")
    if errors:
        raise ValidationError(errors)
    with audit.transition(member, _("Left the consortium: %(r)s") % {"r": reason.strip()}):
        member.left_on = left_on
        member.exit_reason = reason.strip()
        member.save()
    return member


@transaction.atomic
def charter_adopt(*, user, consortium: Consortium, data: dict) -> ConsortiumCharter:
    """Record a new version of the charter; earlier versions stay as they were (chain guide 5.2.3)."""
    _require_lead(user, consortium, "add", ConsortiumCharter)
    number = (consortium.charters.aggregate(m=Max("number"))["m"] or 0) + 1
    charter = ConsortiumCharter(consortium=consortium, number=number, adopted_by=user, **data)
    charter.full_clean()
    if charter.adopted_on > _today():
        raise ValidationError({"adopted_on": _("Record the charter once it is adopted.")})
    charter.save()
    return charter


@transaction.atomic
def contribution_save(*, user, consortium: Consortium, data: dict,
                      contribution: MemberContribution | None = None) -> MemberContribution:
    """Record what a member provides; it must be a member on the date it provides it (5.2.4)."""
    if contribution is None:
        if not (consortium.is_approved and may(user, "add", MemberContribution)):
            raise PermissionDenied(_("Contributions are recorded for approved consortia."))
        contribution = MemberContribution(consortium=consortium, recorded_by=user)
    elif contribution.consortium_id != consortium.pk:
        raise PermissionDenied
    for field, value in data.items():
        setattr(contribution, field, value)
    member = contribution.member if contribution.member_id else None
    errors = {}
    if member is None or member.consortium_id != consortium.pk:
        errors["member"] = _("Choose a unit of this consortium.")
    else:
        lead = user.organization_id == consortium.lead_unit_id
        if not (lead or member.organization_id == user.organization_id):
            errors["member"] = _("You record your own unit's contributions; the lead unit records everyone's.")
        provided = contribution.provided_on
        if provided and (member.joined_on is None or provided < member.joined_on
                         or (member.left_on and provided > member.left_on)):
            errors["provided_on"] = _("The unit was not a member on that date.")
    if errors:
        raise ValidationError(errors)
    contribution.full_clean()
    contribution.save()
    if not MemberContribution.objects.restrict(user, "change").filter(pk=contribution.pk).exists():
        raise PermissionDenied
    return contribution


def members_as_rows(consortium: Consortium | None) -> list[dict]:
    """The application's member table as form rows (for editing)."""
    if consortium is None or consortium.pk is None:
        return []
    return [{"name": m.organization.name, "uscc": m.uscc, "contact_name": m.contact_name,
             "contact_phone": m.contact_phone, "responsibilities": m.responsibilities}
            for m in consortium.members.filter(role=MemberRole.MEMBER, left_on__isnull=True).select_related("organization")]


def consortium_url(consortium) -> str:
    return reverse("consortia:consortium_detail", args=[consortium.pk])
