"""Reads of the project library: who may act on a project, quarters, overdue work, priority."""

import datetime
import functools
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext

from zhilian.accounts.roles import Role
from zhilian.core import attachments, audit, calendar, masking
from zhilian.core.permissions import may

from .choices import ACCEPTANCE_MATERIAL_WORDS, ACCEPTANCE_MATERIALS, ChangeKind, ProjectStatus, TargetKind
from .models import Milestone, Project, ProgressReport

# Working days after a quarter ends within which its progress report is due (5.5.4 a).
REPORT_GRACE_WORKING_DAYS = 10


def quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_end(year: int, quarter: int) -> datetime.date:
    month = quarter * 3
    next_month = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return next_month - datetime.timedelta(days=1)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def report_due(year: int, quarter: int) -> calendar.WorkingDayResult:
    """The date a quarter's progress report is due: 10 working days after the quarter ends."""
    return calendar.add_working_days(quarter_end(year, quarter), REPORT_GRACE_WORKING_DAYS)


def money(value) -> str:
    """An amount in 10k CNY as every page and export writes it: two decimals, thousands
    separated (45.5 → "45.50", 1234 → "1,234.00"); "" for none."""
    if value in (None, ""):
        return ""
    return f"{Decimal(str(value)):,.2f}"


def number(value) -> str:
    """A measured value as people write it: no exponent, no trailing zeros (40.0000 → "40",
    0.50 → "0.5", 1E+2 → "100"); "" for none."""
    if value in (None, ""):
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def change_values_shown(values):
    """A change request's ``before`` / ``after`` as people see them (SEC-07).

    The stored record keeps the exact values (it is what an approval applies); every page,
    API answer and export shows the leader's phone masked, and any mobile number inside the
    free text too, unless an audited ``unmask=1`` read is in force (``masking.REVEAL``).
    """
    if masking.REVEAL.get() or not isinstance(values, dict):
        return values
    personal = masking.personal_fields(Project)
    return {key: masking.mask(personal[key], value) if key in personal and isinstance(value, str)
            else masking.scrub(value) for key, value in values.items()}


def _folded(text) -> str:
    """Text compared as a category: case, spaces and punctuation ignored."""
    return re.sub(r"[\s\W_]+", "", str(text)).casefold()


@functools.cache
def _material_words() -> list[tuple[str, tuple[str, ...]]]:
    """(code, the folded words that name it) of each acceptance material, in every language."""
    words = []
    for code, name, hint in ACCEPTANCE_MATERIALS:
        found = {code, *ACCEPTANCE_MATERIAL_WORDS.get(code, ())}
        for language, _label in settings.LANGUAGES:
            with translation.override(language):
                found |= {str(name), str(hint)} - {""}
        words.append((code, tuple(sorted({_folded(w) for w in found} - {""}, key=len, reverse=True))))
    return words


def material_of(category: str) -> set[str]:
    """The acceptance materials an attachment's category names: "检测报告", "电阻率检测报告",
    "Test report" and "test_report" all name the test report."""
    folded = _folded(category or "")
    return {code for code, words in _material_words() if folded and any(w in folded for w in words)}


def acceptance_materials(acceptance, user) -> list[dict]:
    """The required materials of an acceptance application, each with the attachments (that
    ``user`` sees) whose category names it: code, name, hint, files."""
    files = list(attachments.attachments_for(acceptance, user).order_by("created_at", "pk"))
    rows = []
    for code, name, hint in ACCEPTANCE_MATERIALS:
        rows.append({"code": code, "name": name, "hint": hint,
                     "files": [f for f in files if code in material_of(f.category)]})
    return rows


def missing_materials(acceptance, user) -> list[str]:
    """Names of the required materials no attachment of the application is filed under yet."""
    return [str(row["name"]) for row in acceptance_materials(acceptance, user) if not row["files"]]


def _change_kind(values: dict, kind: str | None) -> str | None:
    """The kind of change a stored before / after holds (a record without the kind names it by its keys)."""
    if kind in ChangeKind.values:
        return kind
    keys = set(values or {})
    for candidate, marker in ((ChangeKind.TARGETS, "targets"), (ChangeKind.CONTENT, "content_and_route"),
                              (ChangeKind.LEADER, "leader_name"), (ChangeKind.PERIOD, "start_date")):
        if marker in keys:
            return candidate
    return None


def _target_lines(rows) -> str:
    lines = []
    for row in rows or []:
        if not isinstance(row, dict):
            continue
        kind = TargetKind(row["kind"]).label if row.get("kind") in TargetKind.values else ""
        if row.get("target") not in (None, ""):
            value = f"{number(row.get('baseline')) or '—'} → {number(row['target'])}{row.get('unit') or ''}"
        else:
            value = row.get("description") or ""
        lines.append(f"[{kind}] {row.get('indicator', '')}: {value}")
    return "\n".join(lines)


def change_rows(kind: str | None, before: dict, after: dict) -> list[tuple[str, str, str]]:
    """(label, before, after) rows of a change request in the reader's language, with the
    labels the task book uses: the change request pages and the project history show these.
    Pass the values as people may see them (``change_values_shown``)."""
    before, after = before or {}, after or {}
    kind = _change_kind(after or before, kind)
    if kind == ChangeKind.TARGETS:
        return [(gettext("Targets"), _target_lines(before.get("targets")), _target_lines(after.get("targets")))]
    labels = {"content_and_route": gettext("Main content and technical route"),
              "expected_outcomes": gettext("Expected outcomes"), "leader_name": gettext("Project leader"),
              "leader_phone": gettext("Leader's phone"), "start_date": gettext("Start date"),
              "end_date": gettext("End date")}
    shown = after or before
    rows = [(labels[k], before.get(k), after.get(k)) for k in labels if k in shown]
    if kind == ChangeKind.PERIOD:
        keys = [*(after.get("milestones") or {}), *(k for k in (before.get("milestones") or {})
                                                    if k not in (after.get("milestones") or {}))]
        ids = [int(k) for k in keys if str(k).isascii() and str(k).isdecimal()]
        names = dict(Milestone._base_manager.filter(pk__in=ids).values_list("pk", "name"))
        for key in keys:
            name = names.get(int(key)) if str(key).isascii() and str(key).isdecimal() else None
            rows.append((name or gettext("Milestone %(n)s") % {"n": key},
                         (before.get("milestones") or {}).get(key), (after.get("milestones") or {}).get(key)))
    return rows


def recorded_change_text(values, *, object_id="", changes=None) -> str:
    """A change request's recorded ``before`` or ``after`` in words, as the change request page
    labels them: "主要研究内容与技术路线：…；预期成效：…" (the audit formatter of both fields)."""
    if not isinstance(values, dict):
        return audit.value_text(values)
    kind = ((changes or {}).get("kind") or {}).get("after") or ((changes or {}).get("kind") or {}).get("before")
    shown = change_values_shown(values)
    rows = change_rows(kind, shown, shown)
    return audit.joined(f"{label}: {value if value not in (None, '') else '—'}" for label, value, _after in rows)


def projects_by_recorded_name(names) -> dict:
    """The projects that records written without ids name ("GG-2025-001 12 英寸…"), by the code
    each name starts with (codes are unique; ``audit.register_names``, PLT-02)."""
    codes = {name: name.split(" ", 1)[0] for name in names}
    pks = dict(Project._base_manager.filter(code__in=set(codes.values())).values_list("code", "pk"))
    return {name: pks[code] for name, code in codes.items() if code in pks}


def is_project_team(user, project: Project) -> bool:
    """The lead unit's people run the project: reports, change requests, acceptance."""
    return bool(user.organization_id) and user.organization_id == project.lead_unit_id


def is_project_unit(user, project: Project) -> bool:
    return bool(user.organization_id) and project.participants.filter(organization_id=user.organization_id).exists()


def may_approve(user, project: Project) -> bool:
    """Task books and change requests are approved by the consortium's lead unit, or by the
    management institution / city bureau — never by the unit that leads the project itself."""
    if not may(user, "approve", Project):
        return False
    if user.has_role(Role.MANAGEMENT_INSTITUTION, Role.CITY_REGULATOR):
        return True
    consortium_lead = project.consortium.lead_unit_id
    return bool(user.organization_id) and user.organization_id == consortium_lead != project.lead_unit_id


def may_check(user) -> bool:
    """Mid-term checks and acceptance are organized by the management institution (5.5.4 b)."""
    return may(user, "accept", Project) and user.has_role(Role.MANAGEMENT_INSTITUTION, Role.CITY_REGULATOR)


def approvers_q(project: Project) -> Q:
    """Users (Q over User) who may approve this project's task book and changes."""
    condition = Q(groups__name__in=[Role.MANAGEMENT_INSTITUTION, Role.CITY_REGULATOR])
    if project.consortium.lead_unit_id != project.lead_unit_id:
        condition |= Q(organization_id=project.consortium.lead_unit_id)
    return condition


def _late_milestone(today: datetime.date | None) -> Q:
    """A milestone past due and not completed (of a running project: the callers ask that)."""
    return Q(completed_on__isnull=True, due_date__lt=today or timezone.localdate())


def overdue_milestones(user, today: datetime.date | None = None) -> QuerySet:
    """Milestones past due and not completed, of running projects the user may see."""
    return (Milestone.objects.restrict(user, "view")
            .filter(_late_milestone(today), project__status=ProjectStatus.IN_PROGRESS)
            .select_related("project").order_by("due_date"))


def with_overdue_milestones(projects: QuerySet, today: datetime.date | None = None) -> QuerySet:
    """Those of ``projects`` that hold a milestone of :func:`overdue_milestones` (running, past
    due, not completed): the project list's ``overdue`` filter and the dashboard's figure."""
    late = Milestone.objects.filter(_late_milestone(today)).values("project")
    return projects.filter(status=ProjectStatus.IN_PROGRESS, pk__in=late)


LATEST_REPORT_FIRST = ("-year", "-quarter")


def latest_report(project: Project) -> ProgressReport | None:
    """The project's latest quarterly report: spending is cumulative, so it says what was spent."""
    return project.progress_reports.order_by(*LATEST_REPORT_FIRST).first()


def with_spent_to_date(projects: QuerySet) -> QuerySet:
    """``projects`` annotated with ``spent_to_date`` from each one's latest report (None without one)."""
    latest = ProgressReport.objects.filter(project=OuterRef("pk")).order_by(*LATEST_REPORT_FIRST).values(
        "spent_to_date")[:1]
    return projects.annotate(spent_to_date=Subquery(latest))


def first_reported_day(project: Project) -> datetime.date | None:
    """The day from which a project reports its quarters: approved, and its period begun (an
    update for a quarter that ended before the start date is refused)."""
    days = [day for day in (project.approved_on, project.start_date) if day is not None]
    return max(days) if days else None


def missing_report_quarter(project: Project, today: datetime.date) -> tuple[int, int] | None:
    """The last finished quarter whose report is overdue for this running project, or None."""
    if project.status != ProjectStatus.IN_PROGRESS or project.approved_on is None:
        return None
    year, quarter = previous_quarter(*quarter_of(today))
    if quarter_end(year, quarter) < first_reported_day(project):
        return None  # the project had not started in that quarter
    if report_due(year, quarter).date >= today:
        return None  # still within the grace period
    if ProgressReport.objects.filter(project=project, year=year, quarter=quarter).exists():
        return None
    return year, quarter


def progress_reportable(project: Project, today: datetime.date) -> bool:
    """Whether any quarter can be reported now: the current quarter reaches the project's
    period (an update for a quarter that ended before the start date is refused)."""
    return project.start_date is None or quarter_end(*quarter_of(today)) >= project.start_date


def quarter_to_report(project: Project, today: datetime.date) -> tuple[int, int]:
    """The quarter a progress update is asked for now (the update form's default): the last
    finished quarter while its report is not filed (it is due, or overdue and warned about as
    "no progress update"), else the current quarter."""
    current = quarter_of(today)
    year, quarter = previous_quarter(*current)
    started = first_reported_day(project)
    if (started is not None and quarter_end(year, quarter) >= started
            and not ProgressReport.objects.filter(project=project, year=year, quarter=quarter).exists()):
        return year, quarter
    return current


# ACH-06: rules that give an applicant priority, registered by other apps (the achievement
# library registers "contributed a paid share"), so that projects need not import them.
_priority_rules: list[Callable] = []


def register_priority_rule(rule: Callable) -> None:
    """``rule(organization) -> str | None``: the reason the unit has priority, or None. A reason
    made with ``core.i18n.gettext`` stays translatable: the project shows it in the reader's
    language (PLT-10)."""
    if rule not in _priority_rules:
        _priority_rules.append(rule)


def priority_reasons(organization) -> list[str]:
    """The reasons ``organization`` has priority, as the rules gave them (kept translatable)."""
    reasons = []
    for rule in _priority_rules:
        reason = rule(organization)
        if reason:
            reasons.append(reason)
    return reasons
