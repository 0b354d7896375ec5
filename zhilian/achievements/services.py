"""Writes of the achievement library: intake (Appendix G) and review, status maintenance and
takedown, licence agreements (Appendix H), usage, promotion events (ACH-01…05)."""

import datetime
import functools

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from zhilian.consortia.selectors import users_holding
from zhilian.core import attachments, audit, clock, i18n, notifications
from zhilian.core.i18n import gettext as _  # messages the audit trail shows in the reader's language
from zhilian.core.permissions import may
from zhilian.directory.choices import OrganizationKind
from zhilian.directory.regions import PROVINCES
from zhilian.directory.validators import validate_uscc
from zhilian.projects.choices import ProjectStatus
from zhilian.projects.models import Project

from . import selectors
from .choices import (
    CERTIFIED, ENDED_RIGHTS, NATIONWIDE, AchievementStatus, IpType, LicenseMode, LicenseStatus, RightStatus, ShareCondition,
    ShareLevel, UsageKind,
)
from .models import Achievement, AchievementUsage, License, PromotionEvent, RightStatusChange

INTAKE_FIELDS = ("name", "achievement_type", "summary", "problem_solved", "indicators", "application_scope", "ip_type",
                 "right_status", "certificate_no", "right_holder", "share_level", "share_condition", "fee_terms",
                 "contact_name", "contact_phone")
# The contributor's declaration of Table G.1 and chain guide 5.6.1.
DECLARATION = ("本成果权属清晰，提交信息真实有效；无知识产权纠纷。入库即视为贡献方确认对成果拥有合法权利，"
               "并同意按声明的条件进行共享。")
ACCEPTED_PROJECT = (ProjectStatus.ACCEPTED, ProjectStatus.ARCHIVED)


def _today():
    return clock.today()  # the day being recorded (core.clock), else today


class _Errors(dict):
    def add(self, field, message):
        self.setdefault(field, []).append(str(message))

    def raise_if_any(self):
        if self:
            raise ValidationError(dict(self))


def _notify(users, *, key, title, body="", url="", level="info"):
    for recipient in users:
        notifications.notify(recipient=recipient, key=key, title=title, body=body, url=url, level=level)


def _next_code(prefix: str, model) -> str:
    head = f"{prefix}-{_today().year}-"
    last = model.objects.filter(code__startswith=head).aggregate(m=Max("code"))["m"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{head}{number:04d}"


# --------------------------------------------------------------------------- intake and review


@transaction.atomic
def achievement_save(*, user, achievement: Achievement | None, project: Project | None, data: dict, problems=(),
                     targeted_organizations=(), targeted_units=()) -> Achievement:
    """Create or revise a draft intake form (Table G.1) for a result of an accepted project (ACH-01).

    chain guide 5.6.1: the library is fed by accepted projects; the contributor is the
    author's unit, which must be one of the project's units. A targeted share goes to
    ``targeted_organizations`` picked from :func:`selectors.targetable_organizations` and to
    the ``targeted_units`` ({"name", "uscc"}) named by registered name and code.
    """
    errors = _Errors()
    if achievement is None:
        if not may(user, "add", Achievement) or user.organization is None:
            raise PermissionDenied(_("You may not enter achievements."))
        if project is None or not Project.objects.restrict(user, "view").filter(pk=project.pk).exists():
            raise ValidationError({"project": _("Choose the accepted project the result comes from.")})
        if project.status not in ACCEPTED_PROJECT:
            raise ValidationError({"project": _("Only results of accepted projects enter the library (chain guide "
                                                "5.6.1).")})
        if not project.participants.filter(organization_id=user.organization_id).exists():
            raise ValidationError({"project": _("Your unit did not take part in this project.")})
        achievement = Achievement(project=project, consortium_id=project.consortium_id,
                                  contributor=user.organization, created_by=user, created_at=clock.now())
    elif not Achievement.objects.restrict(user, "change").filter(pk=achievement.pk).exists():
        raise PermissionDenied(_("Only the contributor edits its draft intake form."))
    for field in INTAKE_FIELDS:
        if field in data:
            setattr(achievement, field, data[field] if data[field] is not None else "")
    targets = []
    if achievement.share_level == ShareLevel.TARGETED:
        targets = _targets(user, achievement, targeted_organizations, targeted_units, errors)
        if not targets and not errors.get("targeted_units"):
            errors.add("targeted_organizations", _("Name the organizations a targeted share goes to."))
    if achievement.share_level == ShareLevel.PAID and achievement.share_condition != ShareCondition.PAID:
        errors.add("share_condition", _("A paid share is used against payment."))
    if achievement.share_condition == ShareCondition.PAID and not achievement.fee_terms.strip():
        errors.add("fee_terms", _("Explain the terms of payment (Table G.1: 有偿使用需说明)."))
    if achievement.right_status in CERTIFIED and not achievement.certificate_no.strip():
        errors.add("certificate_no", _("A granted or registered right has a certificate number."))
    if achievement.ip_type != IpType.NONE and not achievement.right_holder.strip():
        errors.add("right_holder", _("Name the patentee or copyright owner."))
    own_problems = set(achievement.project.problems.values_list("pk", flat=True))
    problems = [p for p in problems or []]
    if any(p.pk not in own_problems for p in problems):
        errors.add("problems", _("Link the problems the source project tackled."))
    if not achievement.code:
        achievement.code = _next_code("CG", Achievement)
    try:
        achievement.full_clean(exclude=["code", "contributor", "consortium", "project", "created_by"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                errors.add(field, message)
    errors.raise_if_any()
    achievement.save()
    achievement.problems.set(problems or achievement.project.problems.all())
    achievement.targeted_organizations.set(targets)
    return achievement


def _targets(user, achievement: Achievement, organizations, units, errors) -> list:
    """The targets of a targeted share: picked ones must be offered to the user (an enterprise's
    record is confidential); named ones must be registered under exactly that name and code."""
    picked = [o for o in organizations or [] if o.pk != achievement.contributor_id]
    offered = set(selectors.targetable_organizations(user, achievement).filter(
        pk__in=[o.pk for o in picked]).values_list("pk", flat=True))
    if any(o.pk not in offered for o in picked):
        errors.add("targeted_organizations", _("Choose the organizations from the list, or name a unit by its "
                                               "registered name and unified social credit code."))
    targets = {o.pk: o for o in picked if o.pk in offered}
    for unit in units or []:
        name, uscc = (unit.get("name") or "").strip(), (unit.get("uscc") or "").strip().upper()
        try:
            validate_uscc(uscc)
        except ValidationError as exc:
            errors.add("targeted_units", "%s %s: %s" % (name, uscc, "；".join(exc.messages)))
            continue
        org = selectors.organization_by_name_and_code(name, uscc)
        if org is None:
            errors.add("targeted_units", _("No unit is registered in the directory under the name “%(name)s” and the "
                                           "code %(code)s: check both.") % {"name": name, "code": uscc})
        elif org.pk != achievement.contributor_id:
            targets.setdefault(org.pk, org)
    return list(targets.values())


@transaction.atomic
def achievement_submit(*, user, achievement: Achievement, declaration: bool) -> Achievement:
    """Submit with the proof documents and the contributor's declaration (5.6.1)."""
    if not Achievement.objects.restrict(user, "change").filter(pk=achievement.pk).exists():
        raise PermissionDenied(_("Only the contributor submits its draft."))
    errors = _Errors()
    if not declaration:
        errors.add("declaration", _("The contributor declares that the rights are clear before submitting."))
    if not attachments.attachments_for(achievement, user).exists():
        errors.add("__all__", _("Attach the proof documents (acceptance report, patent certificate…) first."))
    errors.raise_if_any()
    with audit.transition(achievement, _("Submitted with the contributor's declaration")):
        achievement.status = AchievementStatus.SUBMITTED
        achievement.declared_by = user
        achievement.declared_at = clock.now()
        achievement.save()
    reviewers = users_holding("achievements.review_achievement")
    if achievement.contributor_id == achievement.consortium.lead_unit_id:
        reviewers = reviewers.filter(groups__name="management_institution")
    else:
        reviewers = reviewers.filter(organization_id=achievement.consortium.lead_unit_id)
    _notify(reviewers, key=f"achievement:{achievement.pk}:submitted:{achievement.version}",
            title=_("Achievement to review: %(a)s") % {"a": achievement}, url=achievement.get_absolute_url())
    return achievement


@transaction.atomic
def achievement_review(*, user, achievement: Achievement, approve: bool, opinion: str) -> Achievement:
    """List the achievement in the library or return it to the contributor (Table G.1 审核意见)."""
    achievement = Achievement.objects.select_for_update().get(pk=achievement.pk)
    if not (achievement.status == AchievementStatus.SUBMITTED and selectors.may_review(user, achievement)):
        raise PermissionDenied(_("This achievement does not wait for your review."))
    if not (opinion or "").strip():
        raise ValidationError({"opinion": _("Write the review opinion.")})
    with audit.transition(achievement, opinion.strip()):
        achievement.status = AchievementStatus.LISTED if approve else AchievementStatus.DRAFT
        achievement.review_opinion = opinion.strip()
        achievement.reviewed_by = user
        achievement.reviewed_at = clock.now()
        if approve:
            achievement.listed_on = _today()
            achievement.delisted_on, achievement.delist_reason = None, ""
        achievement.save()
    _notify(users_holding("achievements.view_achievement", organization_id=achievement.contributor_id),
            key=f"achievement:{achievement.pk}:reviewed:{achievement.version}", url=achievement.get_absolute_url(),
            title=(_("Listed in the achievement library: %(a)s") if approve else _("Achievement returned: %(a)s"))
            % {"a": achievement}, body=opinion, level="info" if approve else "warning")
    return achievement


@transaction.atomic
def achievement_maintain_right(*, user, achievement: Achievement, right_status: str, effective_on: datetime.date,
                               note: str) -> RightStatusChange:
    """Record a change of the right's status, e.g. a patent that lapsed (chain guide 5.6.4)."""
    if not (achievement.status != AchievementStatus.DRAFT and selectors.may_operate(user, achievement)):
        raise PermissionDenied(_("The contributor or the lead unit maintains the achievement's status."))
    errors = _Errors()
    if right_status not in RightStatus.values:
        errors.add("right_status", _("Choose the new right status."))
    elif right_status == achievement.right_status:
        errors.add("right_status", _("The right already has this status."))
    if effective_on is None or effective_on > _today():
        errors.add("effective_on", _("Record the change on or after the date it took effect."))
    if not (note or "").strip():
        errors.add("note", _("Say what happened (e.g. annual fee not paid, invalidation decision No.)."))
    errors.raise_if_any()
    change = RightStatusChange.objects.create(achievement=achievement, before=achievement.right_status,
                                              after=right_status, effective_on=effective_on, note=note.strip(),
                                              recorded_by=user)
    with audit.transition(achievement, _("Right status: %(b)s → %(a)s (%(n)s)") % {
            "b": RightStatus(change.before).label, "a": RightStatus(right_status).label, "n": note.strip()}):
        achievement.right_status = right_status
        achievement.save()
    if right_status in ENDED_RIGHTS and change.before not in ENDED_RIGHTS:
        _right_ended(user=user, achievement=achievement, change=change)
    return change


def right_ended_reason(achievement: Achievement) -> str | None:
    """Why nothing is licensed from the achievement: its right has lapsed or was invalidated; else None."""
    if not selectors.right_ended(achievement):
        return None
    return _("The right of this achievement is %(s)s: no licence is requested or approved on it.") % {
        "s": RightStatus(achievement.right_status).label}


def _refuse_open_requests(*, user, achievement: Achievement, note: str) -> None:
    """Refuse every open licence request of ``achievement`` with ``note``; tell the requesters."""
    for licence in License.objects.select_for_update().filter(achievement=achievement,
                                                              status=LicenseStatus.REQUESTED):
        with audit.transition(licence, note):
            licence.status = LicenseStatus.REJECTED
            licence.decided_by = user
            licence.decided_at = clock.now()
            licence.decision_note = i18n.stored(note)  # the licensee reads it in their language
            licence.save()
        _notify(users_holding("achievements.view_license", organization_id=licence.licensee_id),
                key=f"license:{licence.pk}:decided", url=licence.get_absolute_url(), body=note,
                title=_("Licence refused: %(a)s") % {"a": achievement.name}, level="warning")


def _right_ended(*, user, achievement: Achievement, change: RightStatusChange) -> None:
    """A lapsed or invalidated right: open requests are refused with the reason (their requesters
    are told, as when the achievement is taken down); the contributor and both parties of every
    approved or signed agreement are told that the right it licenses has ended."""
    status = RightStatus(change.after).label
    note = _("The right of the achievement is %(s)s since %(d)s (%(n)s): no licence is granted on it.") % {
        "s": status, "d": change.effective_on, "n": change.note}
    _refuse_open_requests(user=user, achievement=achievement, note=note)
    binding = list(License.objects.filter(achievement=achievement).binding().order_by("code"))
    for licence in binding:
        _notify(users_holding("achievements.view_license", organization_id=licence.licensee_id).exclude(pk=user.pk),
                key=f"license:{licence.pk}:right-ended:{change.pk}", url=licence.get_absolute_url(), body=note,
                title=_("The licensed right has ended: %(l)s %(a)s") % {"l": licence.code, "a": achievement.name},
                level="warning")
    body = note
    if binding:
        # Each agreement's mode in the reader's language (core.i18n keeps the label's message id).
        listed = [f"{lic.code}（{lic.licensee}，" + i18n.recorded(LicenseMode(lic.mode).label) + "）" for lic in binding]
        body = body + " " + _("Agreements concerned: %(list)s.") % {
            "list": functools.reduce(lambda joined, item: joined + "、" + item, listed)}
    _notify(users_holding("achievements.view_achievement", organization_id=achievement.contributor_id)
            .exclude(pk=user.pk), key=f"achievement:{achievement.pk}:right-ended:{change.pk}",
            url=achievement.get_absolute_url(), body=body, level="warning",
            title=_("Right %(s)s: %(a)s") % {"s": status, "a": achievement})


@transaction.atomic
def achievement_delist(*, user, achievement: Achievement, reason: str) -> Achievement:
    """Take an achievement that no longer applies off the library (chain guide 5.6.4).

    Nothing is licensed from a taken-down achievement: open requests are refused with the
    reason (their requesters are told), and an approved agreement not yet signed cannot be
    signed until the achievement is listed again. Signed agreements stay as signed.
    """
    if not (achievement.status == AchievementStatus.LISTED and selectors.may_operate(user, achievement)):
        raise PermissionDenied(_("Listed achievements are taken down by their contributor or the lead unit."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for taking it down.")})
    with audit.transition(achievement, _("Taken down: %(r)s") % {"r": reason.strip()}):
        achievement.status = AchievementStatus.DELISTED
        achievement.delisted_on = _today()
        achievement.delist_reason = reason.strip()
        achievement.save()
    note = _("The achievement was taken down from the library: %(r)s") % {"r": reason.strip()}
    _refuse_open_requests(user=user, achievement=achievement, note=note)
    return achievement


@transaction.atomic
def achievement_relist(*, user, achievement: Achievement, note: str) -> Achievement:
    """Put a taken-down achievement back (after its status was put right)."""
    if not (achievement.status == AchievementStatus.DELISTED and selectors.may_review(user, achievement)):
        raise PermissionDenied(_("The reviewer puts a taken-down achievement back."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why it applies again.")})
    with audit.transition(achievement, _("Listed again: %(n)s") % {"n": note.strip()}):
        achievement.status = AchievementStatus.LISTED
        achievement.delisted_on, achievement.delist_reason = None, ""
        achievement.listed_on = _today()
        achievement.save()
    return achievement


def record_usage(*, user, achievement: Achievement, kind: str = UsageKind.VIEW) -> None:
    """Count a view (once per user and day) for the usage statistics (ACH-05)."""
    if user is None or not user.is_authenticated or achievement.status != AchievementStatus.LISTED:
        return
    try:
        with transaction.atomic():
            AchievementUsage.objects.get_or_create(achievement=achievement, user=user, kind=kind, day=_today(),
                                                   defaults={"organization_id": user.organization_id})
    except IntegrityError:
        pass  # a concurrent request counted it


# --------------------------------------------------------------------------- licences (ACH-03)


def _clean_scope(data, errors):
    territories = [t for t in (data.get("territories") or []) if t]
    unknown = [t for t in territories if t != NATIONWIDE and t not in PROVINCES]
    if not territories:
        errors.add("territories", _("Choose the territory (provinces, or 全国)."))
    elif unknown:
        errors.add("territories", _("Unknown territory: %(t)s.") % {"t": "、".join(unknown)})
    if NATIONWIDE in territories:
        territories = [NATIONWIDE]
    start, end = data.get("start_date"), data.get("end_date")
    if not start or not end:
        errors.add("end_date", _("Give the term of the licence."))
    elif end < start:
        errors.add("end_date", _("The licence ends after it starts."))
    if data.get("mode") not in LicenseMode.values:
        errors.add("mode", _("Choose ordinary, exclusive or sole licence."))
    fee = data.get("fee_amount") or 0
    if fee < 0:
        errors.add("fee_amount", _("The fee cannot be negative."))
    return territories


def _conflict_message(user, conflicts):
    def scope(c):
        return f"{c.get_mode_display()}，{c.territory_display}，{c.start_date}—{c.end_date}"

    unnamed = _("an existing licence")
    return _("Conflicts with %(list)s: an exclusive or sole licence admits no other licence with an overlapping "
             "territory, field of use and term.") % {"list": "；".join(
                 f"{seen.licence.code}（{seen.licence.licensee}，{scope(seen.licence)}）" if seen.named
                 else f"{unnamed}（{scope(seen.licence)}）"
                 for seen in selectors.conflicts_seen_by(user, conflicts))}


@transaction.atomic
def license_request(*, user, achievement: Achievement, data: dict) -> License:
    """Request a licence of a listed achievement for the user's unit (Appendix H, party B)."""
    if not (may(user, "add", License) and user.organization_id
            and Achievement.objects.restrict(user, "view").filter(pk=achievement.pk).exists()):
        raise PermissionDenied(_("You may not request a licence."))
    errors = _Errors()
    if achievement.status != AchievementStatus.LISTED:
        errors.add("__all__", _("Only listed achievements are licensed."))
    if achievement.contributor_id == user.organization_id:
        errors.add("__all__", _("The contributor does not license its own achievement to itself."))
    if user.organization.kind == OrganizationKind.GOVERNMENT:
        errors.add("__all__", _("Government units do not take licences."))
    ended = right_ended_reason(achievement)
    if ended:
        errors.add("__all__", ended)
    territories = _clean_scope(data, errors)
    if achievement.share_level == ShareLevel.PAID and not (data.get("fee_amount") or 0) > 0:
        errors.add("fee_amount", _("A paid share is licensed against a fee; propose one."))
    if not errors:
        conflicts = selectors.conflicting_licenses(achievement, mode=data["mode"], territories=territories,
                                                   field_of_use=data.get("field_of_use", ""),
                                                   start_date=data["start_date"], end_date=data["end_date"])
        if conflicts:
            errors.add("mode", _conflict_message(user, conflicts))
    errors.raise_if_any()
    licence = License.objects.create(
        created_at=clock.now(), code=_next_code("XK", License), achievement=achievement,
        licensor_id=achievement.contributor_id,
        licensee=user.organization, mode=data["mode"], territories=territories,
        field_of_use=(data.get("field_of_use") or "").strip(), start_date=data["start_date"], end_date=data["end_date"],
        fee_amount=data.get("fee_amount") or 0, fee_terms=(data.get("fee_terms") or "").strip(),
        purpose=(data.get("purpose") or "").strip(), obligations=(data.get("obligations") or "").strip(),
        breach=(data.get("breach") or "").strip(), dispute_resolution=(data.get("dispute_resolution") or "").strip(),
        requested_by=user)
    _notify(users_holding("achievements.approve_license", organization_id=achievement.contributor_id),
            key=f"license:{licence.pk}:requested", url=licence.get_absolute_url(),
            title=_("Licence requested: %(a)s by %(o)s") % {"a": achievement.name, "o": user.organization})
    return licence


def _require_contributor(user, licence: License):
    if not (user.organization_id == licence.licensor_id and may(user, "approve", License)):
        raise PermissionDenied(_("The contributor (party A) decides on licence requests."))


@transaction.atomic
def license_decide(*, user, licence: License, approve: bool, note: str, fee_amount=None,
                   fee_terms: str | None = None) -> License:
    """The contributor approves (possibly setting the fee) or rejects a request (ACH-03)."""
    licence = License.objects.select_for_update().get(pk=licence.pk)
    _require_contributor(user, licence)
    if licence.status != LicenseStatus.REQUESTED:
        raise ValidationError({"__all__": [_("This request was decided already.")]})
    if not (note or "").strip():
        raise ValidationError({"note": _("Write a note to the requester.")})
    if approve and not licence.achievement.is_listed:
        raise ValidationError({"__all__": [_("The achievement is not listed in the library (taken down or not yet "
                                             "reviewed): nothing is licensed from it.")]})
    if approve and right_ended_reason(licence.achievement):
        raise ValidationError({"__all__": [right_ended_reason(licence.achievement)]})
    if approve:
        # Lock the achievement's licences so that two approvals cannot both take an exclusive scope.
        list(License.objects.select_for_update().filter(achievement=licence.achievement))
        conflicts = selectors.conflicting_licenses(licence.achievement, mode=licence.mode,
                                                   territories=licence.territories,
                                                   field_of_use=licence.field_of_use, start_date=licence.start_date,
                                                   end_date=licence.end_date, exclude_pk=licence.pk)
        if conflicts:
            raise ValidationError({"__all__": [_conflict_message(user, conflicts)]})
        if fee_amount is not None:
            if fee_amount < 0:
                raise ValidationError({"fee_amount": _("The fee cannot be negative.")})
            licence.fee_amount = fee_amount
        if fee_terms:
            licence.fee_terms = fee_terms.strip()
    with audit.transition(licence, note.strip()):
        licence.status = LicenseStatus.APPROVED if approve else LicenseStatus.REJECTED
        licence.decided_by = user
        licence.decided_at = clock.now()
        licence.decision_note = note.strip()
        licence.save()
    _notify(users_holding("achievements.view_license", organization_id=licence.licensee_id),
            key=f"license:{licence.pk}:decided", url=licence.get_absolute_url(), body=note,
            title=(_("Licence approved: %(a)s") if approve else _("Licence refused: %(a)s"))
            % {"a": licence.achievement.name}, level="info" if approve else "warning")
    return licence


@transaction.atomic
def license_sign(*, user, licence: License, signed_on: datetime.date, signatory: str) -> License:
    """Record the user's party's signature on the approved agreement (Appendix H 甲方 / 乙方盖章).

    Each party records its own signature: party A's users for the contributor, party B's for
    the licensee. Once both have signed, the agreement is signed, dated by the later
    signature. No signature predates the contributor's approval or lies in the future.
    """
    licence = License.objects.select_for_update().get(pk=licence.pk)
    if user.organization_id not in (licence.licensor_id, licence.licensee_id) or not may(user, "view", License):
        raise PermissionDenied(_("The parties record the signing of their agreement."))
    party_a = user.organization_id == licence.licensor_id
    errors = _Errors()
    if licence.status != LicenseStatus.APPROVED:
        errors.add("__all__", _("Only an approved agreement is signed."))
    elif not licence.achievement.is_listed:
        errors.add("__all__", _("The achievement is not listed in the library (taken down or not yet reviewed): "
                                "the agreement is signed once it is listed again."))
    elif (licence.licensor_signed_on if party_a else licence.licensee_signed_on) is not None:
        errors.add("__all__", _("Your party has signed this agreement already."))
    approved_on = timezone.localtime(licence.decided_at).date() if licence.decided_at else None
    if signed_on is None or signed_on > _today():
        errors.add("signed_on", _("Record the signing on or after the day it happened."))
    elif approved_on and signed_on < approved_on:
        errors.add("signed_on", _("The contributor approved the request on %(d)s; the agreement is signed after "
                                  "that.") % {"d": approved_on})
    if not (signatory or "").strip():
        errors.add("signatory", _("Who signed for your party?"))
    errors.raise_if_any()
    party = _("party A") if party_a else _("party B")
    with audit.transition(licence, _("Signed by %(p)s (%(n)s) on %(d)s") % {
            "p": party, "n": signatory.strip(), "d": signed_on}):
        if party_a:
            licence.licensor_signatory, licence.licensor_signed_on = signatory.strip(), signed_on
        else:
            licence.licensee_signatory, licence.licensee_signed_on = signatory.strip(), signed_on
        if licence.licensor_signed_on and licence.licensee_signed_on:
            licence.status = LicenseStatus.SIGNED
            licence.signed_on = max(licence.licensor_signed_on, licence.licensee_signed_on)
        licence.save()
    other = licence.licensee_id if party_a else licence.licensor_id
    if licence.status != LicenseStatus.SIGNED:
        _notify(users_holding("achievements.view_license", organization_id=other), key=f"license:{licence.pk}:signed:"
                f"{user.organization_id}", url=licence.get_absolute_url(),
                title=_("Agreement signed by the other party, awaiting your signature: %(a)s") % {
                    "a": licence.achievement.name})
    return licence


@transaction.atomic
def license_withdraw(*, user, licence: License) -> License:
    if not (user.organization_id == licence.licensee_id and licence.status == LicenseStatus.REQUESTED):
        raise PermissionDenied(_("The requester withdraws a request that is still open."))
    with audit.transition(licence, _("Withdrawn by the requester")):
        licence.status = LicenseStatus.WITHDRAWN
        licence.save()
    return licence


# --------------------------------------------------------------------------- promotion (ACH-05)


@transaction.atomic
def promotion_event_save(*, user, event: PromotionEvent | None, consortium, data: dict, achievements=()) \
        -> PromotionEvent:
    """Record a promotion event or training run by the consortium's lead unit (chain guide 5.6.4)."""
    if event is None:
        if not (may(user, "add", PromotionEvent) and user.organization_id == consortium.lead_unit_id
                and consortium.is_approved):
            raise PermissionDenied(_("The lead unit of an approved consortium records its events."))
        event = PromotionEvent(consortium=consortium, recorded_by=user)
    elif not PromotionEvent.objects.restrict(user, "change").filter(pk=event.pk).exists():
        raise PermissionDenied
    for field, value in data.items():
        setattr(event, field, value)
    errors = _Errors()
    achievements = list(achievements or [])
    visible = set(Achievement.objects.restrict(user, "view").filter(
        pk__in=[a.pk for a in achievements], consortium=consortium).values_list("pk", flat=True))
    if any(a.pk not in visible for a in achievements):
        errors.add("achievements", _("Choose achievements of this consortium's library."))
    if event.held_on and event.held_on > _today() + datetime.timedelta(days=366):
        errors.add("held_on", _("Plan events within a year."))
    try:
        event.full_clean(exclude=["consortium", "recorded_by"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                errors.add(field, message)
    errors.raise_if_any()
    event.save()
    event.achievements.set(achievements)
    return event


def paid_share_priority_rule(organization):
    return selectors.paid_share_priority(organization)


def visible_listed(user):
    return Achievement.objects.restrict(user, "view").filter(status=AchievementStatus.LISTED)
