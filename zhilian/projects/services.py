"""Writes of the project library: from problems to an approved task book, quarterly progress,
mid-term checks, change requests, risk warnings, acceptance and archive (PRJ-01…08)."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from zhilian.consortia.models import Consortium
from zhilian.consortia.selectors import is_active_member, users_holding
from zhilian.core import audit, calendar, clock, i18n, notifications
from zhilian.core.i18n import gettext as _  # messages the audit trail shows in the reader's language
from zhilian.core.permissions import may
from zhilian.directory.models import Expert
from zhilian.directory.selectors import reasons_text
from zhilian.problems import services as problem_services
from zhilian.problems.models import Problem, ProblemStatus

from . import selectors
from .choices import (
    AcceptanceStatus, ChangeKind, ChangeStatus, MidtermResult, ParticipantRole, ProjectStatus, RiskKind, RiskLevel,
    RiskSource, RiskStatus, TargetKind,
)
from .models import (
    TEAM_TITLE_MAX, Acceptance, BudgetLine, ChangeRequest, MidtermCheck, Milestone, MilestoneProgress, ProgressReport,
    Project, ProjectParticipant, ProjectTarget, RiskWarning, Signoff,
)
from .validators import validate_person_phone

TASK_BOOK_FIELDS = ("name", "consortium", "direction", "leader_name", "leader_phone", "start_date", "end_date",
                    "content_and_route", "expected_outcomes", "resource_needs")
DEFAULT_RECTIFICATION_WORKING_DAYS = 20


# The day the services take as today (core.clock): ``with recorded_on(day):`` records paper
# records entered later and the demo's history as of that day.
recorded_on = clock.recorded_on
_today = clock.today
_now = clock.now


def _stamp(day: datetime.date) -> datetime.datetime:
    """A record's time stamp for work done on ``day`` (the scheduler may check a given day)."""
    if day == _today():
        return _now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


class _Errors(dict):
    def add(self, field, message):
        self.setdefault(field, []).append(str(message))

    def raise_if_any(self):
        if self:
            raise ValidationError(dict(self))


def _notify(users, *, key, title, body="", url="", level="info"):
    for recipient in users:
        notifications.notify(recipient=recipient, key=key, title=title, body=body, url=url, level=level)


def _team_users(project):
    return users_holding("projects.view_project", organization_id=project.lead_unit_id)


def _approver_users(project):
    return users_holding("projects.approve_project").filter(selectors.approvers_q(project)).distinct()


def _next_code(year: int) -> str:
    prefix = f"GG-{year}-"
    last = Project.objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:03d}"


def _decimal(value, field, errors, label):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add(field, _("%(label)s: “%(v)s” is not a number.") % {"label": label, "v": value})
        return None


# --------------------------------------------------------------------------- task book (PRJ-01…03)


def _check_problems(user, consortium, problems, errors):
    """chain guide 5.5.2: a project originates from problems of the library (PRJ-01)."""
    problems = list(problems or [])
    if not problems:
        errors.add("problems", _("A breakthrough project starts from at least one problem of the problem library."))
        return []
    visible = set(Problem.objects.restrict(user, "view").filter(pk__in=[p.pk for p in problems])
                  .values_list("pk", flat=True))
    for problem in problems:
        if problem.pk not in visible:
            errors.add("problems", _("Choose problems of the library you may see."))
            return []
        if consortium is not None and problem.chain_id != consortium.chain_id:
            errors.add("problems", _("%(code)s belongs to another chain than the consortium's (%(chain)s).")
                       % {"code": problem.code, "chain": consortium.chain})
        if problem.status == ProblemStatus.SOLVED:
            errors.add("problems", _("%(code)s is already solved.") % {"code": problem.code})
    return problems


# The task book's tables, their fields in the form's column order, and the fields whose
# content makes a row count (a row of only the preset selects is a blank row).
ROW_TABLES = {
    "participants": (("organization", "person_in_charge", "phone", "tasks"),
                     ("organization", "person_in_charge", "phone", "tasks")),
    "targets": (("kind", "indicator", "unit", "baseline", "target", "description"),
                ("indicator", "unit", "baseline", "target", "description")),
    "milestones": (("name", "due_date", "deliverable"), ("name", "due_date", "deliverable")),
    "budget": (("category", "source", "description", "amount"), ("description", "amount")),
}


class _RowErrors:
    """Errors of the task book's tables by row number (the form's: blank rows count) and field;
    ``lines`` gives each faulty row as one line ("Milestone 2: …"), the API's shape."""

    def __init__(self):
        self.rows: dict[str, dict[int, dict[str, list[str]]]] = {table: {} for table in ROW_TABLES}

    def add(self, table, index, field, message):
        self.rows[table].setdefault(index, {}).setdefault(field, []).append(str(message))

    def has(self, table, index):
        return index in self.rows[table]

    def lines(self, table) -> list[str]:
        fields = ROW_TABLES[table][0]
        lines = []
        for index, by_field in sorted(self.rows[table].items()):
            messages = [m for f in fields for m in by_field.get(f, [])]
            messages += [m for f, ms in by_field.items() if f not in fields for m in ms]
            lines.append(_("%(row)s: %(messages)s") % {"row": _row_label(table, index),
                                                        "messages": i18n.clauses(messages)})
        return lines


def _row_label(table, index):
    return {"participants": _("Unit row %(n)d"), "targets": _("Target %(n)d"), "milestones": _("Milestone %(n)d"),
            "budget": _("Budget line %(n)d")}[table] % {"n": index}


def _filled(table, row) -> bool:
    return any(row.get(f) not in (None, "") and str(row.get(f)).strip() for f in ROW_TABLES[table][1])


def _row_decimal(value, table, index, field, rows: _RowErrors):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        rows.add(table, index, field, _("“%(v)s” is not a number.") % {"v": value})
        return None
    return number


def _clean_rows(project, participants, targets, milestones, budget, errors, rows: _RowErrors | None = None):
    """Check the four tables; each row's faults go to ``rows`` by row number and field (rows
    are numbered by their place in each list, blank rows included, so the numbers are the
    form's) and, one line per row, to ``errors`` under the table's name. A row that is not
    blank but lacks its key column (a milestone's name, a target's indicator, a unit, an
    amount) is a fault, never dropped in silence."""
    rows = _RowErrors() if rows is None else rows
    lead = project.lead_unit
    consortium = project.consortium if project.consortium_id else None
    units, seen = [], {}
    for index, row in enumerate(participants, start=1):
        if not _filled("participants", row):
            continue
        org = row.get("organization")
        if org is None:
            rows.add("participants", index, "organization", _("Choose the unit."))
        elif org.pk in seen:
            rows.add("participants", index, "organization",
                     _("%(org)s is already listed in row %(m)d.") % {"org": org, "m": seen[org.pk]})
        else:
            seen[org.pk] = index
            if consortium is not None and not is_active_member(consortium, org.pk):
                rows.add("participants", index, "organization",
                         _("%(org)s is not a current member of the consortium; it joins the consortium first.")
                         % {"org": org})
        if not (row.get("person_in_charge") or "").strip():
            rows.add("participants", index, "person_in_charge", _("Give the person in charge."))
        if not (row.get("tasks") or "").strip():
            rows.add("participants", index, "tasks", _("Give the unit's main tasks."))
        phone = (row.get("phone") or "").strip()
        if phone:
            try:
                validate_person_phone(phone)
            except ValidationError as exc:
                for message in exc.messages:
                    rows.add("participants", index, "phone", message)
        if org is not None and not rows.has("participants", index):
            units.append(row)
    if lead is not None and lead.pk not in seen:
        errors.add("participants", _("List your own unit, the lead unit, with its tasks in the organization table."))
    clean_targets = []
    for index, row in enumerate(targets, start=1):
        if not _filled("targets", row):
            continue
        if not (row.get("indicator") or "").strip():
            rows.add("targets", index, "indicator", _("Name the indicator."))
        baseline = _row_decimal(row.get("baseline"), "targets", index, "baseline", rows)
        target = _row_decimal(row.get("target"), "targets", index, "target", rows)
        if row.get("kind") not in TargetKind.values:
            rows.add("targets", index, "kind", _("Choose technical, quality or industrial application."))
        if target is None and row.get("target") in (None, "") and not (row.get("description") or "").strip():
            rows.add("targets", index, "target", _("Give a target value or describe the target."))
        clean_targets.append({**row, "baseline": baseline, "target": target})
    clean_milestones = []
    period = project.start_date and project.end_date and project.start_date <= project.end_date
    for index, row in enumerate(milestones, start=1):
        if not _filled("milestones", row):
            continue
        if not (row.get("name") or "").strip():
            rows.add("milestones", index, "name", _("Name the milestone."))
        due = row.get("due_date")
        if due is None:
            rows.add("milestones", index, "due_date", _("Give its due date."))
        elif period and not project.start_date <= due <= project.end_date:
            rows.add("milestones", index, "due_date", _("%(d)s is outside the project period (%(s)s to %(e)s).") % {
                "d": due, "s": project.start_date, "e": project.end_date})
        clean_milestones.append(row)
    clean_budget = []
    for index, row in enumerate(budget, start=1):
        if not _filled("budget", row):
            continue
        amount = _row_decimal(row.get("amount"), "budget", index, "amount", rows)
        if row.get("amount") in (None, ""):
            rows.add("budget", index, "amount", _("Give the amount."))
        elif amount is not None and amount <= 0:
            rows.add("budget", index, "amount", _("The amount is positive."))
        elif amount is not None and amount.as_tuple().exponent < -2:
            rows.add("budget", index, "amount", _("Give the amount with at most two decimals."))
        clean_budget.append({**row, "amount": amount})
    for table in ROW_TABLES:
        for line in rows.lines(table):
            errors.add(table, line)
    return units, clean_targets, clean_milestones, clean_budget


def _check_task_book(*, user, project, data, problems, participants, targets, milestones, budget):
    """Everything project_save_task_book checks, without saving: (project with ``data`` set,
    problems, cleaned rows, errors by field, errors of the tables' rows by row and field)."""
    errors = _Errors()
    rows = _RowErrors()
    if project is None:
        if not may(user, "add", Project):
            raise PermissionDenied(_("You may not create breakthrough projects."))
        if user.organization is None:
            raise PermissionDenied(_("Only a unit's users create projects."))
        project = Project(lead_unit=user.organization, created_by=user, created_at=_now())
    elif not Project.objects.restrict(user, "change").filter(pk=project.pk).exists():
        raise PermissionDenied(_("Only the lead unit revises a draft task book."))
    for field in TASK_BOOK_FIELDS:
        if field in data:
            setattr(project, field, data[field])
    consortium = project.consortium if project.consortium_id else None
    if consortium is None:
        errors.add("consortium", _("Choose the consortium the project belongs to."))
    elif not (consortium.is_approved and Consortium.objects.restrict(user, "view").filter(pk=consortium.pk).exists()):
        errors.add("consortium", _("Choose an approved consortium."))
    elif not is_active_member(consortium, project.lead_unit_id):
        errors.add("consortium", _("Your unit is not a current member of this consortium."))
    problems = _check_problems(user, consortium, problems, errors)
    if consortium is not None:
        project.chain_id = consortium.chain_id
    try:
        project.full_clean(exclude=["code", "chain", "lead_unit", "created_by", "consortium"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                errors.add(field, message)
    cleaned = _clean_rows(project, participants, targets, milestones, budget, errors, rows)
    return project, problems, cleaned, errors, rows


def task_book_errors(*, user, project: Project | None, data: dict, problems, participants: list[dict],
                     targets: list[dict], milestones: list[dict], budget: list[dict]) -> tuple[dict, dict]:
    """Every fault of a task book at once, saving nothing: for a page whose header the form
    refused before the service ran, or to place a refused save's faults at their fields.

    Returns (messages by field, as ``ValidationError.message_dict``, where a table's name holds
    the table's own messages; rows by table: row number → field → messages). ``data`` may
    lack fields the form refused; rows are numbered by their place in each list, blank rows
    included.
    """
    if project is not None:
        project = Project.objects.get(pk=project.pk)  # the caller's instance stays as it is
    _project, _problems, _cleaned, errors, rows = _check_task_book(
        user=user, project=project, data=data, problems=problems, participants=participants, targets=targets,
        milestones=milestones, budget=budget)
    for table in ROW_TABLES:  # the tables' own messages; their rows' are in ``rows``
        lines = set(rows.lines(table))
        errors[table] = [m for m in errors.get(table, []) if m not in lines]
        if not errors[table]:
            del errors[table]
    return dict(errors), rows.rows


@transaction.atomic
def project_save_task_book(*, user, project: Project | None, data: dict, problems, participants: list[dict],
                           targets: list[dict], milestones: list[dict], budget: list[dict]) -> Project:
    """Create or revise a draft project with its Appendix F task book (PRJ-01, PRJ-02, PRJ-03).

    The lead unit is the author's own unit, which must currently belong to the (approved)
    consortium; the project's chain is the chain of its source problems. Revising a task
    book withdraws the signatures already given: every party signs the final text.
    """
    project, problems, (units, clean_targets, clean_milestones, clean_budget), errors, _rows = _check_task_book(
        user=user, project=project, data=data, problems=problems, participants=participants, targets=targets,
        milestones=milestones, budget=budget)
    errors.raise_if_any()
    if not project.code:
        project.code = _next_code((project.start_date or _today()).year)
    project.save()
    project.problems.set(problems)
    project.participants.all().delete()
    for order, row in enumerate(units):
        ProjectParticipant.objects.create(
            project=project, organization=row["organization"], order=order,
            role=ParticipantRole.LEAD if row["organization"].pk == project.lead_unit_id else ParticipantRole.PARTICIPANT,
            person_in_charge=row["person_in_charge"].strip(), phone=(row.get("phone") or "").strip(),
            tasks=row["tasks"].strip())
    project.targets.all().delete()
    for order, row in enumerate(clean_targets):
        ProjectTarget.objects.create(project=project, order=order, kind=row["kind"], indicator=row["indicator"].strip(),
                                     unit=(row.get("unit") or "").strip(), baseline=row["baseline"],
                                     target=row["target"], description=(row.get("description") or "").strip())
    project.milestones.all().delete()
    for order, row in enumerate(clean_milestones, start=1):
        Milestone.objects.create(project=project, order=order, name=row["name"].strip(), due_date=row["due_date"],
                                 deliverable=(row.get("deliverable") or "").strip())
    project.budget_lines.all().delete()
    for row in clean_budget:
        BudgetLine.objects.create(project=project, category=row["category"], source=row.get("source") or "self",
                                  description=(row.get("description") or "").strip(), amount=row["amount"])
    if project.signoffs.exists():
        project.signoffs.all().delete()
        audit.write(action="transition", instance=project, message=_("Task book revised: signatures withdrawn"))
    return project


@transaction.atomic
def project_sign(*, user, project: Project, signatory: str) -> Signoff:
    """Sign the task book for the user's unit (Appendix F 七 签署页)."""
    if project.status != ProjectStatus.DRAFT:
        raise ValidationError({"signatory": _("Only a draft task book is signed.")})
    if not (may(user, "view", Project) and selectors.is_project_unit(user, project)):
        raise PermissionDenied(_("Only the units of the project sign its task book."))
    if not (signatory or "").strip():
        raise ValidationError({"signatory": _("Give the name of the person who signs for your unit.")})
    if project.signoffs.filter(organization_id=user.organization_id).exists():
        raise ValidationError({"signatory": _("Your unit has signed this task book already.")})
    signoff = Signoff.objects.create(project=project, organization=user.organization, signatory=signatory.strip(),
                                     signed_by=user, signed_at=_now())
    audit.write(action="transition", instance=project, message=_("Task book signed by %(org)s (%(name)s)")
                % {"org": user.organization, "name": signatory.strip()})
    return signoff


def submission_problems(project: Project) -> list[str]:
    """What still keeps the task book from being submitted (shown on the page, enforced by submit)."""
    missing = []
    if not project.problems.exists():
        missing.append(_("no source problem"))
    if not project.targets.filter(kind__in=[TargetKind.TECHNICAL, TargetKind.QUALITY], baseline__isnull=False,
                                  target__isnull=False).exists():
        missing.append(_("no quantified technical or quality target (baseline → target)"))
    if not project.milestones.exists():
        missing.append(_("no milestone"))
    if not project.budget_lines.exists():
        missing.append(_("no budget"))
    signed = set(project.signoffs.values_list("organization_id", flat=True))
    unsigned = [p.organization.name for p in project.participants.select_related("organization")
                if p.organization_id not in signed]
    if unsigned:
        missing.append(_("not yet signed by %(units)s") % {"units": i18n.listed(unsigned)})
    return [str(m) for m in missing]


@transaction.atomic
def project_submit(*, user, project: Project) -> Project:
    """Submit the signed task book for approval; note the lead unit's priority (PRJ-02, ACH-06)."""
    if not (project.status == ProjectStatus.DRAFT and selectors.is_project_team(user, project)
            and may(user, "change", Project)):
        raise PermissionDenied(_("Only the lead unit submits its draft task book."))
    missing = submission_problems(project)
    if missing:
        raise ValidationError({"__all__": [_("The task book is not complete: %(m)s.") % {"m": i18n.clauses(missing)}]})
    reasons = selectors.priority_reasons(project.lead_unit)
    with audit.transition(project, _("Task book submitted for approval")):
        project.status = ProjectStatus.SUBMITTED
        project.submitted_at = _now()
        project.priority = bool(reasons)
        # Kept translatable (core.i18n): the page, the API and the notice show it in the reader's language.
        reason = reasons_text(reasons)
        project.priority_reason = i18n.stored(reason)
        project.save()
    _notify(_approver_users(project), key=f"project:{project.pk}:submitted:{project.version}",
            title=_("Task book to approve: %(p)s") % {"p": project}, url=project.get_absolute_url(),
            body=_("Priority applicant: %(r)s") % {"r": reason} if project.priority else "")
    return project


@transaction.atomic
def project_decide(*, user, project: Project, approve: bool, opinion: str) -> Project:
    """Approve the task book (the project starts: its problems become 攻关中) or return it."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not (project.status == ProjectStatus.SUBMITTED and selectors.may_approve(user, project)):
        raise PermissionDenied(_("This task book does not wait for your approval."))
    opinion = (opinion or "").strip()
    if not opinion:
        raise ValidationError({"opinion": _("Write the approval opinion.")})
    if approve:
        with audit.transition(project, _("Task book approved: %(o)s") % {"o": opinion}):
            project.status = ProjectStatus.IN_PROGRESS
            project.approved_on = _today()
            project.approved_by = user
            project.approval_opinion = opinion
            project.save()
        # PRB-04: the linked problems are now being tackled.
        problem_services.problems_start_tackling(user=user, problems=project.problems.all(), project=project)
        # PRJ-07: a milestone already overdue is warned about now, not at the next morning's scan.
        project_risk_check(project=project, today=_today())
    else:
        with audit.transition(project, _("Task book returned: %(o)s") % {"o": opinion}):
            project.status = ProjectStatus.DRAFT
            project.approval_opinion = opinion
            project.save()
    _notify(_team_users(project), key=f"project:{project.pk}:decided:{project.version}",
            title=(_("Project approved: %(p)s") if approve else _("Task book returned: %(p)s")) % {"p": project},
            body=opinion, url=project.get_absolute_url(), level="info" if approve else "warning")
    return project


# --------------------------------------------------------------------------- progress (PRJ-04)


def _check_independent_experts(project: Project, experts, errors: _Errors) -> None:
    """Refuse experts employed by a unit of the project (the lead unit or a participating
    unit): they would check or accept their own unit's work (conflict of interest)."""
    units = set(project.participants.values_list("organization_id", flat=True)) | {project.lead_unit_id}
    own = [e.name for e in experts if e.organization_id in units]
    if own:
        errors.add("experts", _("%(names)s work for a unit of this project; choose independent experts (conflict of "
                                "interest).") % {"names": i18n.listed(own)})


def open_rectification(project: Project) -> MidtermCheck | None:
    """The mid-term check whose rectification the team has not reported yet (5.5.4 b)."""
    return project.midterm_checks.filter(result=MidtermResult.RECTIFY, rectified_on__isnull=True).first()


def rectification_open_message(check: MidtermCheck) -> str:
    return _("The rectification asked for by the mid-term check of %(d)s is still open: report it first.") % {
        "d": check.checked_on}


def _require_running_team(user, project, what):
    if not (project.status == ProjectStatus.IN_PROGRESS and selectors.is_project_team(user, project)
            and may(user, "view", Project)):
        raise PermissionDenied(_("Only the lead unit of a running project %(what)s.") % {"what": what})


def _check_cumulative(project: Project, year: int, quarter: int, spent: Decimal, errors: _Errors) -> None:
    """Cumulative expenditure never falls: not below an earlier quarter's, not above a later one's."""
    earlier = (project.progress_reports.filter(Q(year__lt=year) | Q(year=year, quarter__lt=quarter))
               .order_by("-spent_to_date").first())
    later = (project.progress_reports.filter(Q(year__gt=year) | Q(year=year, quarter__gt=quarter))
             .order_by("spent_to_date").first())
    if earlier is not None and spent < earlier.spent_to_date:
        errors.add("spent_to_date", _("Expenditure to date is cumulative: %(q)s already reported %(v)s (10k CNY); it "
                                      "does not go below that.") % {"q": earlier.period, "v": earlier.spent_to_date})
    elif later is not None and spent > later.spent_to_date:
        errors.add("spent_to_date", _("Expenditure to date is cumulative: the later quarter %(q)s reported %(v)s (10k "
                                      "CNY); an earlier quarter cannot exceed it.") % {"q": later.period,
                                                                                      "v": later.spent_to_date})


@transaction.atomic
def progress_report_submit(*, user, project: Project, year: int, quarter: int, summary: str, spent_to_date,
                           issues: str = "", next_steps: str = "", milestones: list[dict] = (),
                           correction_reason: str = "") -> ProgressReport:
    """File the quarter's progress update with milestone completion (5.5.4 a), or correct a
    quarter already filed: a correction gives its reason and keeps the values it replaces."""
    _require_running_team(user, project, _("reports progress"))
    errors = _Errors()
    today = _today()
    existing = None
    if quarter in (1, 2, 3, 4):
        existing = ProgressReport.objects.select_for_update().filter(project=project, year=year,
                                                                     quarter=quarter).first()
    correction_reason = (correction_reason or "").strip()
    if existing is not None and not correction_reason:
        errors.add("correction_reason", _("%(q)s was filed on %(d)s: give the reason for correcting it.") % {
            "q": existing.period, "d": timezone.localtime(existing.submitted_at).date()})
    if quarter not in (1, 2, 3, 4):
        errors.add("quarter", _("A quarter is 1 to 4."))
    elif (year, quarter) > selectors.quarter_of(today):
        errors.add("quarter", _("Report a quarter that has begun."))
    elif selectors.quarter_end(year, quarter) < project.start_date:
        errors.add("quarter", _("The project had not started in that quarter."))
    if not (summary or "").strip():
        errors.add("summary", _("Describe the progress of the quarter."))
    spent = _decimal(spent_to_date, "spent_to_date", errors, _("Spent to date"))
    if spent is None and "spent_to_date" not in errors:
        errors.add("spent_to_date", _("Give the cumulative expenditure (0 if none)."))
    elif spent is not None and spent < 0:
        errors.add("spent_to_date", _("The expenditure cannot be negative."))
    elif spent is not None and "quarter" not in errors:
        _check_cumulative(project, year, quarter, spent, errors)
    own = {m.pk: m for m in project.milestones.all()}
    lines = []
    for row in milestones:
        milestone = row.get("milestone")
        if milestone is None or milestone.pk not in own:
            errors.add("milestones", _("A milestone of another project."))
            continue
        progress = row.get("progress")
        completed_on = row.get("completed_on")
        label = milestone.name
        if progress is None or not 0 <= int(progress) <= 100:
            errors.add("milestones", _("%(m)s: completion is 0 to 100 %%.") % {"m": label})
            continue
        progress = int(progress)
        if progress == 100 and completed_on is None:
            errors.add("milestones", _("%(m)s: give the date it was completed.") % {"m": label})
        if completed_on is not None and progress != 100:
            errors.add("milestones", _("%(m)s: a completed milestone is 100 %%.") % {"m": label})
        if completed_on is not None and completed_on > today:
            errors.add("milestones", _("%(m)s: the completion date has not come yet.") % {"m": label})
        if progress < milestone.progress and not errors.get("milestones"):
            errors.add("milestones", _("%(m)s: completion was already %(p)d %%; it does not go back.")
                       % {"m": label, "p": milestone.progress})
        lines.append((milestone, progress, completed_on, (row.get("note") or "").strip()))
    errors.raise_if_any()
    values = {"summary": summary.strip(), "issues": (issues or "").strip(), "next_steps": (next_steps or "").strip(),
              "spent_to_date": spent}
    if existing is None:
        report = ProgressReport.objects.create(project=project, year=year, quarter=quarter, submitted_by=user,
                                               submitted_at=_now(), **values)
    else:
        report = existing
        replaced = {field: str(getattr(report, field)) for field, value in values.items()
                    if getattr(report, field) != value}
        with audit.transition(report, _("Correction of %(q)s: %(r)s") % {"q": report.period, "r": correction_reason}):
            for field, value in values.items():
                setattr(report, field, value)
            report.corrections = [*report.corrections, {
                "on": timezone.localtime(_now()).strftime("%Y-%m-%d %H:%M"), "by": str(user), "by_id": user.pk,
                "reason": correction_reason, "before": replaced}]
            report.save()
    for milestone, progress, completed_on, note in lines:
        MilestoneProgress.objects.update_or_create(report=report, milestone=milestone, defaults={
            "progress": progress, "completed_on": completed_on, "note": note})
        if milestone.progress != progress or milestone.completed_on != completed_on:
            milestone.progress, milestone.completed_on = progress, completed_on
            milestone.save(update_fields=["progress", "completed_on", "updated_at"])
    project_risk_check(project=project, today=today)
    return report


# --------------------------------------------------------------------------- mid-term check (PRJ-05)


@transaction.atomic
def midterm_check_record(*, user, project: Project, checked_on: datetime.date, experts, result: str, opinion: str,
                         rectification_items: str = "",
                         rectification_working_days: int = DEFAULT_RECTIFICATION_WORKING_DAYS) -> MidtermCheck:
    """Record the experts' mid-term check; a rectification gets a working-day deadline (5.5.4 b)."""
    if not (project.status == ProjectStatus.IN_PROGRESS and selectors.may_check(user)
            and Project.objects.restrict(user, "view").filter(pk=project.pk).exists()):
        raise PermissionDenied(_("The management institution checks running projects."))
    errors = _Errors()
    experts = list(experts or [])
    if not experts:
        errors.add("experts", _("Name the experts who checked the project."))
    elif Expert.objects.restrict(user, "view").filter(pk__in=[e.pk for e in experts]).count() != len(experts):
        errors.add("experts", _("Choose experts of the expert library."))
    else:
        _check_independent_experts(project, experts, errors)
    if checked_on is None or checked_on > _today():
        errors.add("checked_on", _("Record the check on or after the day it took place."))
    elif checked_on < project.approved_on:
        errors.add("checked_on", _("The project was approved on %(d)s.") % {"d": project.approved_on})
    if result not in MidtermResult.values:
        errors.add("result", _("Choose pass or rectification required."))
    if not (opinion or "").strip():
        errors.add("opinion", _("Write the experts' opinion."))
    if result == MidtermResult.RECTIFY and not (rectification_items or "").strip():
        errors.add("rectification_items", _("List what the project team must rectify."))
    if result == MidtermResult.RECTIFY and not (rectification_working_days and 1 <= rectification_working_days <= 120):
        errors.add("rectification_working_days", _("Give a deadline of 1 to 120 working days."))
    errors.raise_if_any()
    check = MidtermCheck(project=project, checked_on=checked_on, result=result, opinion=opinion.strip(),
                         rectification_items=(rectification_items or "").strip(), organized_by=user,
                         created_at=_now())
    if result == MidtermResult.RECTIFY:
        # PLT-05: working days with statutory holidays; provisional past the published years.
        due = calendar.add_working_days(checked_on, rectification_working_days)
        check.rectification_due, check.due_provisional = due.date, due.provisional
    check.save()
    check.experts.set(experts)
    audit.write(action="transition", instance=project, message=_("Mid-term check: %(r)s") % {
        "r": MidtermResult(result).label})
    _notify(_team_users(project), key=f"project:{project.pk}:midterm:{check.pk}",
            title=_("Mid-term check of %(p)s: %(r)s") % {"p": project, "r": MidtermResult(result).label},
            body=check.rectification_items, url=check.get_absolute_url(),
            level="warning" if result == MidtermResult.RECTIFY else "info")
    return check


@transaction.atomic
def midterm_rectification_report(*, user, check: MidtermCheck, report: str) -> MidtermCheck:
    """The project team reports the rectification asked for by the mid-term check."""
    _require_running_team(user, check.project, _("reports a rectification"))
    if not check.rectification_open:
        raise ValidationError({"report": _("No rectification is open for this check.")})
    if not (report or "").strip():
        raise ValidationError({"report": _("Describe what was rectified.")})
    check.rectified_on = _today()
    check.rectification_report = report.strip()
    check.save()
    return check


# --------------------------------------------------------------------------- change requests (PRJ-06)


def _iso(value):
    return value.isoformat() if value else None


def change_snapshot(project: Project, kind: str) -> dict:
    """The current values a change of ``kind`` replaces."""
    if kind == ChangeKind.TARGETS:
        return {"targets": [{"kind": t.kind, "indicator": t.indicator, "unit": t.unit,
                             "baseline": None if t.baseline is None else selectors.number(t.baseline),
                             "target": None if t.target is None else selectors.number(t.target),
                             "description": t.description} for t in project.targets.all()]}
    if kind == ChangeKind.CONTENT:
        return {"content_and_route": project.content_and_route, "expected_outcomes": project.expected_outcomes}
    if kind == ChangeKind.LEADER:
        return {"leader_name": project.leader_name, "leader_phone": project.leader_phone}
    return {"start_date": _iso(project.start_date), "end_date": _iso(project.end_date),
            "milestones": {str(m.pk): _iso(m.due_date) for m in project.milestones.all()}}


def _same_values(one: dict, other: dict) -> bool:
    """Whether two change snapshots hold the same values: target values compare as numbers
    ("40" and the "4E+1" requests made before values were written plainly are one value)."""
    def comparable(values):
        if not isinstance(values, dict) or "targets" not in values:
            return values
        rows = []
        for row in values.get("targets") or []:
            row = dict(row)
            for key in ("baseline", "target"):
                if row.get(key) not in (None, ""):
                    try:
                        row[key] = Decimal(str(row[key]))
                    except InvalidOperation:
                        pass
            rows.append(row)
        return {**values, "targets": rows}

    return comparable(one) == comparable(other)


def _clean_target_rows(targets, errors: _Errors, rows: _RowErrors) -> list[dict]:
    """The requested targets in the stored (JSON) shape. Each row's faults go to ``rows`` by row
    number (its place in the list, blank rows included: the form's numbers) and field, and one
    line per row to ``errors["targets"]`` (the API's shape), as the task book's tables do. A row
    with content but no indicator is a fault, never dropped in silence."""
    clean = []
    for index, row in enumerate(targets or [], start=1):
        if not _filled("targets", row):
            continue
        indicator = str(row.get("indicator") or "").strip()
        description = str(row.get("description") or "").strip()
        if not indicator:
            rows.add("targets", index, "indicator", _("Name the indicator."))
        baseline = _row_decimal(row.get("baseline"), "targets", index, "baseline", rows)
        target = _row_decimal(row.get("target"), "targets", index, "target", rows)
        if row.get("kind") not in TargetKind.values:
            rows.add("targets", index, "kind", _("Choose technical, quality or industrial application."))
        if target is None and row.get("target") in (None, "") and not description:
            rows.add("targets", index, "target", _("Give a target value or describe the target."))
        clean.append({"kind": row.get("kind"), "indicator": indicator, "unit": str(row.get("unit") or "").strip(),
                      "baseline": None if baseline is None else selectors.number(baseline),
                      "target": None if target is None else selectors.number(target),
                      "description": description})
    for line in rows.lines("targets"):
        errors.add("targets", line)
    if not clean:
        errors.add("targets", _("A project keeps at least one target."))
    return clean


def _clean_after(project: Project, kind: str, after: dict, errors: _Errors, rows: _RowErrors | None = None) -> dict:
    """Validate the requested values and return them in the stored (JSON) shape; the target
    rows' faults also go to ``rows`` by row and field."""
    if kind == ChangeKind.TARGETS:
        return {"targets": _clean_target_rows(after.get("targets"), errors, _RowErrors() if rows is None else rows)}
    if kind == ChangeKind.CONTENT:
        content = (after.get("content_and_route") or "").strip()
        outcomes = (after.get("expected_outcomes") or "").strip()
        if not content:
            errors.add("content_and_route", _("Give the revised content and technical route."))
        if not outcomes:
            errors.add("expected_outcomes", _("Give the expected outcomes."))
        return {"content_and_route": content, "expected_outcomes": outcomes}
    if kind == ChangeKind.LEADER:
        name = (after.get("leader_name") or "").strip()
        phone = (after.get("leader_phone") or "").strip()
        if not name:
            errors.add("leader_name", _("Name the new project leader."))
        try:
            validate_person_phone(phone)
            if not phone:
                errors.add("leader_phone", _("Give the new leader's phone."))
        except ValidationError as exc:
            errors.add("leader_phone", " ".join(exc.messages))
        return {"leader_name": name, "leader_phone": phone}
    start, end = after.get("start_date"), after.get("end_date")
    if not start or not end:
        errors.add("end_date", _("Give the start and end dates."))
        return {}
    if end < start:
        errors.add("end_date", _("The project ends after it starts."))
    if start != project.start_date and project.status != ProjectStatus.DRAFT:
        errors.add("start_date", _("A running project keeps its start date."))
    dues = {}
    for milestone in project.milestones.all():
        due = (after.get("milestones") or {}).get(str(milestone.pk)) or milestone.due_date
        if isinstance(due, str):
            due = datetime.date.fromisoformat(due)
        if not start <= due <= end:
            errors.add("milestones", _("%(m)s: %(d)s is outside the new period.") % {"m": milestone.name, "d": due})
        dues[str(milestone.pk)] = _iso(due)
    return {"start_date": _iso(start), "end_date": _iso(end), "milestones": dues}


def _check_change_request(*, user, project, kind, reason, after):
    """Everything change_request_submit checks, without saving: (requested values, current
    values, errors by field, errors of the target rows by row and field)."""
    _require_running_team(user, project, _("requests changes"))
    errors = _Errors()
    rows = _RowErrors()
    if kind not in ChangeKind.values:
        raise ValidationError({"kind": _("Choose what changes.")})
    if not (reason or "").strip():
        errors.add("reason", _("Explain why the change is needed."))
    if project.change_requests.filter(kind=kind, status=ChangeStatus.PENDING).exists():
        errors.add("kind", _("A change of this kind is already waiting for approval."))
    clean = _clean_after(project, kind, after, errors, rows)
    before = change_snapshot(project, kind)
    if not errors and _same_values(clean, before):
        errors.add("__all__", _("The requested values are the same as the current ones."))
    return clean, before, errors, rows


def change_request_errors(*, user, project: Project, kind: str, reason: str, after: dict) -> tuple[dict, dict]:
    """Every fault of a change request at once, saving nothing: for a page whose reason the form
    refused before the service ran, or to place a refused request's faults at their fields.

    Returns (messages by field, as ``ValidationError.message_dict``, where "targets" holds the
    target table's own messages; the target rows' faults: row number → field → messages)."""
    _clean, _before, errors, rows = _check_change_request(user=user, project=project, kind=kind, reason=reason,
                                                          after=after)
    lines = set(rows.lines("targets"))
    errors["targets"] = [m for m in errors.get("targets", []) if m not in lines]
    if not errors["targets"]:
        del errors["targets"]
    return dict(errors), rows.rows["targets"]


@transaction.atomic
def change_request_submit(*, user, project: Project, kind: str, reason: str, after: dict) -> ChangeRequest:
    """Ask to change targets, content, leader or period; nothing changes until approved (PRJ-06)."""
    clean, before, errors, _rows = _check_change_request(user=user, project=project, kind=kind, reason=reason,
                                                         after=after)
    errors.raise_if_any()
    change = ChangeRequest.objects.create(project=project, kind=kind, reason=reason.strip(), before=before,
                                          after=clean, requested_by=user, created_at=_now())
    _notify(_approver_users(project), key=f"change:{change.pk}", url=change.get_absolute_url(),
            title=_("Change request to approve: %(p)s (%(k)s)") % {"p": project, "k": ChangeKind(kind).label})
    return change


def _apply_change(project: Project, change: ChangeRequest) -> None:
    after = change.after
    if change.kind == ChangeKind.TARGETS:
        project.targets.all().delete()
        for order, row in enumerate(after["targets"]):
            ProjectTarget.objects.create(
                project=project, order=order, kind=row["kind"], indicator=row["indicator"], unit=row["unit"],
                baseline=None if row["baseline"] is None else Decimal(row["baseline"]),
                target=None if row["target"] is None else Decimal(row["target"]), description=row["description"])
        project.save()  # bump the version: the task book changed
    elif change.kind == ChangeKind.CONTENT:
        project.content_and_route = after["content_and_route"]
        project.expected_outcomes = after["expected_outcomes"]
        project.save()
    elif change.kind == ChangeKind.LEADER:
        project.leader_name, project.leader_phone = after["leader_name"], after["leader_phone"]
        project.save()
    else:
        project.start_date = datetime.date.fromisoformat(after["start_date"])
        project.end_date = datetime.date.fromisoformat(after["end_date"])
        project.save()
        for milestone in project.milestones.all():
            due = after["milestones"].get(str(milestone.pk))
            if due and due != _iso(milestone.due_date):
                milestone.due_date = datetime.date.fromisoformat(due)
                milestone.save(update_fields=["due_date", "updated_at"])


@transaction.atomic
def change_request_decide(*, user, change: ChangeRequest, approve: bool, note: str) -> ChangeRequest:
    """Approve (the change takes effect, before/after kept) or reject a change request."""
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    project = change.project
    if not (change.status == ChangeStatus.PENDING and project.status == ProjectStatus.IN_PROGRESS
            and selectors.may_approve(user, project)):
        raise PermissionDenied(_("This change request does not wait for your decision."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Write the decision note.")})
    if approve and not _same_values(change_snapshot(project, change.kind), change.before):
        raise ValidationError({"__all__": [_("The project changed since this request was made; the team files a new "
                                             "request against the current values.")]})
    with audit.transition(change, note.strip()):
        change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
        change.decided_by = user
        change.decided_at = _now()
        change.decision_note = note.strip()
        change.save()
    if approve:
        with audit.transition(project, _("Change approved (%(k)s): %(r)s") % {"k": ChangeKind(change.kind).label,
                                                                              "r": change.reason}):
            _apply_change(project, change)
        project_risk_check(project=project, today=_today())
    _notify(_team_users(project), key=f"change:{change.pk}:decided", url=change.get_absolute_url(),
            title=(_("Change approved: %(p)s") if approve else _("Change rejected: %(p)s")) % {"p": project},
            body=note, level="info" if approve else "warning")
    return change


# --------------------------------------------------------------------------- risk warnings (PRJ-07)


@transaction.atomic
def risk_raise(*, user, project: Project, kind: str, level: str, title: str, description: str) -> RiskWarning:
    """The project team reports a major risk (chain guide 5.5.4 d)."""
    if not (project.status == ProjectStatus.IN_PROGRESS and selectors.is_project_unit(user, project)
            and may(user, "add", RiskWarning)):
        raise PermissionDenied(_("The units of a running project report its risks."))
    errors = _Errors()
    if kind not in RiskKind.values or kind in ("overdue_milestone", "missing_update", "budget_overrun"):
        errors.add("kind", _("Choose the kind of risk."))
    if level not in RiskLevel.values:
        errors.add("level", _("Choose the level."))
    if not (title or "").strip():
        errors.add("title", _("Give the risk a title."))
    elif len(title.strip()) > TEAM_TITLE_MAX:
        errors.add("title", _("Keep the title to %(n)d characters.") % {"n": TEAM_TITLE_MAX})
    if not (description or "").strip():
        errors.add("description", _("Describe the risk and its possible consequence."))
    errors.raise_if_any()
    risk = RiskWarning.objects.create(project=project, source=RiskSource.TEAM, kind=kind, level=level,
                                      title=title.strip(), description=description.strip(), raised_by=user,
                                      created_at=_now())
    _notify((set(_approver_users(project)) | set(_team_users(project))) - {user}, key=f"risk:{risk.pk}",
            title=_("Risk reported on %(p)s: %(t)s") % {"p": project, "t": risk.title}, url=risk.get_absolute_url(),
            level="warning")
    return risk


@transaction.atomic
def risk_resolve(*, user, risk: RiskWarning, resolution: str) -> RiskWarning:
    project = risk.project
    if not (selectors.is_project_team(user, project) or selectors.may_approve(user, project)):
        raise PermissionDenied(_("The lead unit or the approver resolves a risk."))
    if risk.status != RiskStatus.OPEN:
        raise ValidationError({"resolution": _("This risk is already resolved.")})
    if not (resolution or "").strip():
        raise ValidationError({"resolution": _("Describe how the risk was resolved.")})
    with audit.transition(risk, resolution.strip()):
        risk.status = RiskStatus.RESOLVED
        risk.resolution = resolution.strip()
        risk.resolved_by = user
        risk.resolved_at = _now()
        risk.save()
    # Whoever was told of the risk hears that it is closed, and the unit member who reported it.
    told = set(_approver_users(project)) | set(_team_users(project))
    if risk.raised_by_id:
        told.add(risk.raised_by)
    _notify(told - {user}, key=f"risk:{risk.pk}:resolved",
            title=_("Risk resolved on %(p)s: %(t)s") % {"p": project, "t": risk.title_shown},
            body=risk.resolution, url=risk.get_absolute_url())
    return risk


def _automatic_conditions(project: Project, today: datetime.date) -> dict:
    """key -> (kind, level, title, description) for every automatic warning that applies now;
    title and description are ``core.i18n`` texts, kept so that they read in the reader's language."""
    wanted = {}
    for milestone in project.milestones.filter(completed_on__isnull=True, due_date__lt=today):
        days = (today - milestone.due_date).days
        # The due date is part of the key: a milestone moved by an approved change and overdue
        # again is a new warning, not the one a person already closed.
        wanted[f"milestone:{milestone.pk}:{milestone.due_date:%Y%m%d}"] = (
            RiskKind.OVERDUE_MILESTONE, RiskLevel.HIGH if days > 30 else RiskLevel.MEDIUM,
            _("Milestone overdue: %(m)s") % {"m": milestone.name},
            _("Due on %(d)s, %(n)d days ago; reported completion %(p)d %%.") % {
                "d": milestone.due_date, "n": days, "p": milestone.progress})
    missing = selectors.missing_report_quarter(project, today)
    if missing:
        year, quarter = missing
        due = selectors.report_due(year, quarter)
        wanted[f"report:{year}Q{quarter}"] = (
            RiskKind.MISSING_UPDATE, RiskLevel.MEDIUM,
            _("No progress update for %(y)d Q%(q)d") % {"y": year, "q": quarter},
            _("The quarterly update was due by %(d)s (10 working days after the quarter).") % {"d": due.date})
    latest = selectors.latest_report(project)
    budget = project.total_budget
    if latest is not None and budget and latest.spent_to_date > budget:
        over = (latest.spent_to_date - budget) / budget * 100
        # Amounts as text with two decimals, the share over as a float: the kept parameters are
        # rendered again in the reader's language, and "%(o).1f" takes no text.
        wanted["budget"] = (
            RiskKind.BUDGET_OVERRUN, RiskLevel.HIGH, _("Budget overrun"),
            _("Spent %(s)s of a budget of %(b)s (10k CNY), %(o).1f %% over, as reported for %(q)s.") % {
                "s": selectors.money(latest.spent_to_date), "b": selectors.money(budget), "o": float(over),
                "q": latest.period})
    return wanted


def _condition_still_holds(project: Project, risk: RiskWarning, wanted: dict) -> bool:
    """Whether an open automatic warning's condition still holds; a missed quarterly update
    holds until that quarter's report is filed, even once the next quarter begins."""
    if risk.key in wanted:
        return True
    if risk.key.startswith("report:") and project.status == ProjectStatus.IN_PROGRESS:
        year, quarter = risk.key.removeprefix("report:").split("Q")
        return not project.progress_reports.filter(year=int(year), quarter=int(quarter)).exists()
    return False


@transaction.atomic
def project_risk_check(*, project: Project, today: datetime.date | None = None) -> list[RiskWarning]:
    """Raise the automatic warnings that apply to a running project (PRJ-07).

    A warning, once raised, is closed only by a person with a reason (``risk_resolve``): the
    check never closes one, whatever figures are filed or re-filed later. When the condition
    no longer holds it notes the day on the open warning for the person who closes it; a
    warning a person closed is not raised again for the same condition.
    """
    today = today or _today()
    wanted = _automatic_conditions(project, today) if project.status == ProjectStatus.IN_PROGRESS else {}
    existing = {r.key: r for r in project.risks.filter(source=RiskSource.AUTOMATIC)}
    raised = []
    for key, (kind, level, title, description) in wanted.items():
        risk = existing.get(key)
        if risk is None:
            risk = RiskWarning.objects.create(project=project, source=RiskSource.AUTOMATIC, kind=kind, level=level,
                                              key=key, title=i18n.stored(title),
                                              description=i18n.stored(description), created_at=_stamp(today))
            raised.append(risk)
        elif risk.status == RiskStatus.OPEN and (risk.level != level or risk.condition_cleared_on):
            message = _("Level raised") if risk.level != level else _("Condition applies again")
            with audit.transition(risk, message):
                risk.level, risk.description, risk.condition_cleared_on = level, i18n.stored(description), None
                risk.save()
    for key, risk in existing.items():
        if (risk.status == RiskStatus.OPEN and risk.condition_cleared_on is None
                and not _condition_still_holds(project, risk, wanted)):
            with audit.transition(risk, _("Condition no longer applies; the warning stays open until it is closed "
                                          "with a reason")):
                risk.condition_cleared_on = today
                risk.save()
    if raised:
        recipients = set(_team_users(project)) | set(_approver_users(project))
        for risk in raised:
            # The kept texts, not the warning's rendering: each recipient reads them in their language.
            _kind, _level, title, description = wanted[risk.key]
            _notify(recipients, key=f"risk:{risk.pk}:{risk.version}", title=project.code + " " + title,
                    body=description, url=risk.get_absolute_url(), level="warning")
    return raised


def project_risk_scan(*, today: datetime.date | None = None) -> int:
    """Check every running project (the scheduler's daily job); return how many warnings were raised."""
    today = today or _today()
    count = 0
    for project in Project.objects.filter(status=ProjectStatus.IN_PROGRESS).select_related("consortium").iterator():
        count += len(project_risk_check(project=project, today=today))
    return count


# --------------------------------------------------------------------------- acceptance and archive (PRJ-08)


@transaction.atomic
def acceptance_apply(*, user, project: Project, summary: str, results: str,
                     achieved: dict | None = None) -> Acceptance:
    """Open the acceptance application: summary, results and the achieved value of each target."""
    _require_running_team(user, project, _("applies for acceptance"))
    errors = _Errors()
    if project.acceptances.filter(status__in=[AcceptanceStatus.DRAFT, AcceptanceStatus.SUBMITTED]).exists():
        errors.add("__all__", _("An acceptance application is already open."))
    rectification = open_rectification(project)
    if rectification is not None:
        errors.add("__all__", rectification_open_message(rectification))
    open_milestones = [m.name for m in project.milestones.filter(completed_on__isnull=True)]
    if open_milestones:
        errors.add("__all__", _("Complete every milestone first (or change the schedule through a change request): "
                                "%(m)s.") % {"m": i18n.listed(open_milestones)})
    if not (summary or "").strip():
        errors.add("summary", _("Summarize the work done."))
    if not (results or "").strip():
        errors.add("results", _("List the technical results."))
    targets = {t.pk: t for t in project.targets.all()}
    values = {}
    for target_id, (value, note) in (achieved or {}).items():
        target = targets.get(int(target_id))
        if target is None:
            continue
        number = _decimal(value, "targets", errors, target.indicator)
        values[target] = (number, (note or "").strip())
    missing = [t.indicator for t in targets.values() if t.is_quantified and values.get(t, (None,))[0] is None]
    if missing:
        errors.add("targets", _("Give the achieved value of: %(t)s.") % {"t": i18n.listed(missing)})
    errors.raise_if_any()
    for target, (number, note) in values.items():
        target.achieved, target.achieved_note = number, note
        target.save(update_fields=["achieved", "achieved_note", "updated_at"])
    return Acceptance.objects.create(project=project, summary=summary.strip(), results=results.strip(),
                                     applied_by=user, created_at=_now())


@transaction.atomic
def acceptance_submit(*, user, acceptance: Acceptance) -> Acceptance:
    """Submit the application with its full set of materials (chain guide 5.5.5)."""
    project = acceptance.project
    _require_running_team(user, project, _("applies for acceptance"))
    if acceptance.status != AcceptanceStatus.DRAFT:
        raise ValidationError({"__all__": [_("This application was submitted already.")]})
    rectification = open_rectification(project)
    if rectification is not None:
        raise ValidationError({"__all__": [rectification_open_message(rectification)]})
    # Every required material (chain guide 5.5.5 全套验收材料) is filed: an attachment whose
    # category names it.
    missing = selectors.missing_materials(acceptance, user)
    if missing:
        raise ValidationError({"__all__": [_("Attach every required material before submitting; missing: %(m)s. "
                                             "Give each file the material's name as its category.")
                                           % {"m": i18n.listed(missing)}]})
    with audit.transition(acceptance, _("Acceptance applied for")):
        acceptance.status = AcceptanceStatus.SUBMITTED
        acceptance.submitted_at = _now()
        acceptance.save()
    with audit.transition(project, _("Acceptance applied for")):
        project.status = ProjectStatus.ACCEPTANCE
        project.save()
    _notify(users_holding("projects.accept_project").filter(
        groups__name__in=["management_institution", "city_regulator"]),
        key=f"acceptance:{acceptance.pk}", title=_("Acceptance application: %(p)s") % {"p": project},
        url=acceptance.get_absolute_url())
    return acceptance


@transaction.atomic
def acceptance_decide(*, user, acceptance: Acceptance, passed: bool, experts, accepted_on: datetime.date,
                      conclusion: str) -> Acceptance:
    """Record the experts' acceptance: passed → the project is accepted and its problems solved."""
    acceptance = Acceptance.objects.select_for_update().get(pk=acceptance.pk)
    project = acceptance.project
    if not (acceptance.status == AcceptanceStatus.SUBMITTED and selectors.may_check(user)
            and Project.objects.restrict(user, "view").filter(pk=project.pk).exists()):
        raise PermissionDenied(_("The management institution decides on submitted acceptance applications."))
    errors = _Errors()
    rectification = open_rectification(project)
    if rectification is not None and passed:
        errors.add("__all__", rectification_open_message(rectification))
    experts = list(experts or [])
    if not experts:
        errors.add("experts", _("Name the acceptance experts."))
    else:
        _check_independent_experts(project, experts, errors)
    if not (conclusion or "").strip():
        errors.add("conclusion", _("Write the acceptance conclusion."))
    if accepted_on is None or accepted_on > _today():
        errors.add("accepted_on", _("Record the acceptance on or after the day it took place."))
    elif acceptance.submitted_at and accepted_on < timezone.localtime(acceptance.submitted_at).date():
        errors.add("accepted_on", _("The acceptance follows the application."))
    errors.raise_if_any()
    with audit.transition(acceptance, conclusion.strip()):
        acceptance.status = AcceptanceStatus.PASSED if passed else AcceptanceStatus.FAILED
        acceptance.accepted_on = accepted_on
        acceptance.conclusion = conclusion.strip()
        acceptance.decided_by = user
        acceptance.save()
    acceptance.experts.set(experts)
    if passed:
        with audit.transition(project, _("Accepted: %(c)s") % {"c": conclusion.strip()}):
            project.status = ProjectStatus.ACCEPTED
            project.accepted_on = accepted_on
            project.save()
        # PRB-04, PRJ-08: the problems the project tackled are solved.
        problem_services.problems_mark_solved(user=user, problems=project.problems.all(), project=project)
        # The experts' acceptance is the reason the scheduler's warnings still open are closed.
        for risk in project.risks.filter(source=RiskSource.AUTOMATIC, status=RiskStatus.OPEN):
            with audit.transition(risk, conclusion.strip()):
                risk.status, risk.resolved_by, risk.resolved_at = RiskStatus.RESOLVED, user, _now()
                # Kept translatable (core.i18n): the team reads it in their language.
                risk.resolution = i18n.stored(_("Closed with the acceptance of the project: %(c)s") % {
                    "c": conclusion.strip()})
                risk.save()
    else:
        with audit.transition(project, _("Acceptance not passed: %(c)s") % {"c": conclusion.strip()}):
            project.status = ProjectStatus.IN_PROGRESS
            project.save()
    _notify(_team_users(project), key=f"acceptance:{acceptance.pk}:decided",
            title=(_("Project accepted: %(p)s") if passed else _("Acceptance not passed: %(p)s")) % {"p": project},
            body=conclusion, url=project.get_absolute_url(), level="info" if passed else "warning")
    return acceptance


def may_archive(user, project: Project) -> bool:
    return project.status == ProjectStatus.ACCEPTED and (
        selectors.may_check(user) or (user.organization_id == project.consortium.lead_unit_id
                                      and may(user, "approve", Project)))


@transaction.atomic
def project_archive(*, user, project: Project) -> Project:
    """File the accepted project with its results and reports as a knowledge asset (5.5.5)."""
    if not may_archive(user, project):
        raise PermissionDenied(_("Accepted projects are archived by the management institution or the "
                                 "consortium's lead unit."))
    rectification = open_rectification(project)
    if rectification is not None:
        raise ValidationError({"__all__": [rectification_open_message(rectification)]})
    with audit.transition(project, _("Archived")):
        project.status = ProjectStatus.ARCHIVED
        project.archived_on = _today()
        project.save()
    return project


def open_acceptance(project: Project) -> Acceptance | None:
    return project.acceptances.filter(status__in=[AcceptanceStatus.DRAFT, AcceptanceStatus.SUBMITTED]).first()


def problems_for_new_project(user):
    """Problems a user may start a project from: visible, not solved, on a chain of one of the
    approved consortia the user's unit belongs to."""
    from zhilian.consortia.selectors import consortia_of_organization

    if not user.organization_id:
        return Problem.objects.none()
    chains = Consortium.objects.filter(pk__in=consortia_of_organization(user.organization_id)).values("chain")
    return (Problem.objects.restrict(user, "view").filter(chain__in=chains)
            .exclude(status=ProblemStatus.SOLVED).select_related("chain").order_by("chain", "code"))


def running_projects_q() -> Q:
    return Q(status=ProjectStatus.IN_PROGRESS)
