"""Writes of the problem library (PRB-01…08). Projects move linked problems through their status (PRB-04)."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from zhilian.core import audit
from zhilian.core.models import AuditAction
from zhilian.core.i18n import gettext as _  # messages the audit trail shows in the reader's language
from zhilian.core.permissions import may
from zhilian.directory.models import Organization

from .models import (
    STARS, Problem, ProblemAssessment, ProblemReview, ProblemStatus, SeverityDimension, SeverityModel, format_total,
)
from .selectors import problem_dependants, problem_reporting_units

REVIEW_INTERVAL_DAYS = 365  # chain guide 5.4.5: 定期评审与更新机制（如每年一次）


def _require(user, action, obj):
    if user is None:  # demo loaders, imports run by the system, jobs
        return
    if not type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("You may not do this."))


def next_review_date(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day + datetime.timedelta(days=REVIEW_INTERVAL_DAYS)


def problem_next_code(reported_on: datetime.date) -> str:
    """Return the next free number of the year, e.g. ``Q2026-0007`` (Table C.1 编号)."""
    prefix = f"Q{reported_on.year}-"
    codes = Problem.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(c[len(prefix):]) for c in codes if c[len(prefix):].isdigit()]
    return f"{prefix}{(max(numbers) if numbers else 0) + 1:04d}"


def _deny(field: str, message) -> PermissionDenied:
    """A refusal that names the field it concerns (the API answers 403 with ``{field: [message]}``)."""
    return PermissionDenied({field: [str(message)]})


def _may_assess(user, problem: Problem) -> bool:
    """Whether ``user`` may score ``problem``: the same rule as the assessment page (PRB-03)."""
    if user is None:  # demo loaders, imports run by the system, jobs
        return True
    if problem.pk is None:
        return may(user, "assess", Problem)
    return Problem.objects.restrict(user, "assess").filter(pk=problem.pk).exists()


def _status_step(problem: Problem, previous: str) -> bool:
    """Check a status written with the record; return whether it asks to start the analysis.

    The status follows the lifecycle of chain guide 5.4.2 g and PRB-04: the one step a
    record's editor may take is 已识别 → 分析中 (“Start analysis” on the page); 攻关中 and
    已解决 come from the linked breakthrough projects (``problems_start_tackling``,
    ``problems_mark_solved``). Any other change is refused under ``status``.
    """
    wanted = problem.status or ProblemStatus.IDENTIFIED
    if wanted == previous:
        return False
    if previous == ProblemStatus.IDENTIFIED and wanted == ProblemStatus.ANALYZING:
        problem.status = previous  # saved as it was; problem_start_analysis makes the step
        return True
    raise ValidationError({"status": _(
        "The status follows the lifecycle: an identified problem moves to analysis (“Start analysis”); "
        "under breakthrough and solved are set by its linked breakthrough projects.")})


def _check_reporting_unit(user, problem: Problem, previous_org_id, creating: bool) -> None:
    """Refuse a reporting unit the user may not file in the name of (see ``problem_reporting_units``).

    Checked when a problem is created or its unit changes, so an organization keeps
    editing problems a bureau entered in its name.
    """
    if user is None or (not creating and problem.reporter_org_id == previous_org_id):
        return
    units = problem_reporting_units(user)
    if problem.reporter_org_id is None:
        # no unit: for those who enter problems for others, or who have no organization
        if not user.organization_id or units.exclude(pk=user.organization_id).exists():
            return
    elif units.filter(pk=problem.reporter_org_id).exists():
        return
    raise ValidationError({"reporter_org": _(
        "Report in the name of your own organization; only the bureaus and the management institution "
        "enter problems for the organizations they maintain.")})


@transaction.atomic
def problem_save(*, user, problem: Problem, concerned=None, related=None, scores: dict | None = None,
                 level: int | None = None) -> Problem:
    """Create or update a problem with its relations, and score it when ``scores`` is given.

    Everything happens in one transaction: a bad score leaves no problem behind (PRB-03).
    Scores (and a ``level`` given without scores, as a Table C.1 row may) are for those who
    may assess the problem, as on the assessment page; anyone else is refused with
    ``PermissionDenied({"scores": …})`` before anything is written. A status written with
    the record is checked by :func:`_status_step`, the reporting unit by
    :func:`_check_reporting_unit`.
    """
    creating = problem.pk is None
    if creating:
        if user is not None and not may(user, "add", Problem):
            raise PermissionDenied(_("You may not do this."))
        problem.reported_by = problem.reported_by or user
        problem.reported_on = problem.reported_on or timezone.localdate()
        if not problem.reporter_org_id and user is not None and user.organization_id:
            problem.reporter_org_id = user.organization_id
        problem.code = (problem.code or "").strip() or problem_next_code(problem.reported_on)
        problem.next_review_due = problem.next_review_due or next_review_date(problem.reported_on)
        saved = {"status": ProblemStatus.IDENTIFIED, "severity_level": None, "reporter_org_id": None}
    else:
        _require(user, "change", problem)
        saved = Problem._base_manager.filter(pk=problem.pk).values("status", "severity_level", "reporter_org_id").get()
    _check_reporting_unit(user, problem, saved["reporter_org_id"], creating)
    level_changes = level is not None and level != saved["severity_level"]
    if scores and not _may_assess(user, problem):
        raise _deny("scores", _("Only an assessor of this problem may score it."))
    if level_changes and not _may_assess(user, problem):
        raise _deny("level", _("Only an assessor of this problem may set its level."))
    start_analysis = _status_step(problem, saved["status"])
    if level_changes:
        # A level given in Table C.1 without scores: kept, with no weighted total (not scored).
        problem.severity_level, problem.severity_total = level, None
    if problem.node_id and not problem.segment:
        problem.segment = problem.node.segment
    problem.full_clean()
    problem.save()
    if concerned is not None:
        problem.concerned_enterprises.set(_with_links_out_of_sight(
            concerned, problem.concerned_enterprises, Organization, user))
    if related is not None:
        problem.related.set(_with_links_out_of_sight(
            [r for r in related if r.pk != problem.pk], problem.related, Problem, user))
    if scores:
        problem_assess(user=user, problem=problem, scores=scores)
    if start_analysis:
        problem_start_analysis(user=user, problem=problem)
    if user is not None and not Problem.objects.restrict(user, "view").filter(pk=problem.pk).exists():
        raise PermissionDenied(_("You may not save a record outside your own scope."))
    return problem


def _with_links_out_of_sight(chosen, links, model, user) -> list:
    """``chosen`` plus the current ``links`` to ``model`` rows the user may not see: a form
    shows only what its user sees, so those are not theirs to remove (PLT-02)."""
    chosen = list(chosen)
    if user is not None:
        chosen += list(links.exclude(pk__in=model.objects.restrict(user, "view").values("pk")))
    return chosen


def severity_compute(model: SeverityModel, scores: dict) -> tuple[dict, Decimal, int]:
    """Validate ``scores`` against every dimension of ``model``; return (clean, total, level).

    chain guide Appendix D: each dimension scores 1–5; the weighted total is exact
    (Decimal), and the level follows the model's thresholds.
    """
    if not isinstance(scores, dict):
        raise ValidationError({"scores": _("Give a score for each dimension, e.g. {\"impact\": 5}.")})
    dimensions = list(model.dimensions.all())
    errors, clean = {}, {}
    for dim in dimensions:
        value = scores.get(dim.code)
        if value in (None, ""):
            errors[dim.code] = _("Score this dimension from 1 to 5.")
            continue
        if isinstance(value, bool):
            errors[dim.code] = _("A score is a whole number from 1 to 5.")
            continue
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            errors[dim.code] = _("A score is a whole number from 1 to 5.")
            continue
        if number != number.to_integral_value() or not 1 <= number <= 5:
            errors[dim.code] = _("A score is a whole number from 1 to 5.")
            continue
        clean[dim.code] = int(number)
    unknown = set(scores) - {d.code for d in dimensions}
    if unknown:
        errors["scores"] = _("Unknown dimensions: %(d)s.") % {"d": ", ".join(sorted(map(str, unknown)))}
    if errors:
        raise ValidationError(errors)
    total = sum((Decimal(clean[d.code]) * d.weight for d in dimensions), Decimal("0"))
    return clean, total, model.level_for(total)


def _named_elsewhere(problem: Problem, dependants) -> ProtectedError:
    return ProtectedError(_("%(problem)s cannot be deleted: other records were made from it or name it "
                            "(%(records)s). It stays in the library as their source.") % {
        "problem": problem, "records": dependants.text()}, dependants.records)


@transaction.atomic
def problem_delete(*, user, problem: Problem) -> None:
    """Delete a problem no other record names (PRJ-01).

    A problem a breakthrough project was made from, or an achievement names, is their source:
    deleting it would change an archived project's sources and the Appendix I counts with no
    trace in their history. It is refused with ``ProtectedError`` (the API answers 409), naming
    only the records ``user`` may see (see ``selectors.register_deletion_guard``).
    """
    _require(user, "delete", problem)
    dependants = problem_dependants(problem, user)
    if dependants:
        raise _named_elsewhere(problem, dependants)
    problem._deleted_by = user  # the related problems' records name who deleted it
    problem.delete()


def record_relations_ended(sender, instance: Problem, **kwargs) -> None:
    """``pre_delete`` of Problem (after the refusal): the deletion ends the problem's relations
    with no save of the related problems, so each related problem's history records that its
    relation to the deleted problem was removed, by whom (the user ``problem_delete`` was
    given, else the request's) and when (PRB-05, PLT-03).

    The record keeps the deleted problem's code and name with its id, as any relation record
    (``audit.items_change``); the history names it only to readers who may see every problem
    (who could see it while it existed cannot be told afterwards), others read "quality
    problems you may not see" (``audit.Reader``, PLT-02). The message names no problem."""
    if instance.pk is None:
        return
    user = getattr(instance, "_deleted_by", None)
    for other in Problem._base_manager.filter(related=instance).exclude(pk=instance.pk).order_by("pk"):
        audit.write(action=AuditAction.UPDATE, instance=other, user=user,
                    changes={"related": audit.items_change("removed", [instance])},
                    message=_("A related problem was deleted, which ended the relation."))


def refuse_deleting_a_named_problem(sender, instance: Problem, **kwargs) -> None:
    """``pre_delete`` of Problem: the same refusal for a deletion that bypasses
    :func:`problem_delete` (a queryset, the shell); nothing is deleted."""
    dependants = problem_dependants(instance)
    if dependants:
        raise _named_elsewhere(instance, dependants)


@transaction.atomic
def problem_assess(*, user, problem: Problem, scores: dict, comment: str = "", model=None):
    """Score a problem on every dimension of the current severity model (chain guide Appendix D).

    The weighted total is computed with exact decimals; the level follows the model's
    thresholds and the assessment keeps the model version it used.
    """
    if not _may_assess(user, problem):
        raise _deny("scores", _("Only an assessor of this problem may score it."))
    model = model or SeverityModel.objects.current()
    if model is None:
        raise ValidationError({"scores": _("No severity model is defined.")})
    clean, total, level = severity_compute(model, scores)
    assessment = ProblemAssessment.objects.create(problem=problem, model=model, scores=clean, total=total, level=level,
                                                  assessed_by=user, comment=comment)
    with audit.transition(problem, _("Severity assessed: %(total)s, %(stars)s") % {
            "total": format_total(total), "stars": "★" * STARS[level]}):  # "4.0", as the model shows it
        problem.severity_total = total
        problem.severity_level = level
        problem.save(update_fields=["severity_total", "severity_level", "updated_at"])
    return assessment


@transaction.atomic
def problem_start_analysis(*, user, problem: Problem) -> Problem:
    """Move an identified problem to 分析中 (chain guide 5.4.2 g)."""
    _require(user, "change", problem)
    if problem.status != ProblemStatus.IDENTIFIED:
        raise ValidationError({"status": _("Only an identified problem can move to analysis.")})
    with audit.transition(problem, _("Analysis started")):
        problem.status = ProblemStatus.ANALYZING
        problem.save(update_fields=["status", "updated_at"])
    return problem


@transaction.atomic
def problem_review_record(*, user, problem: Problem, conclusion: str, notes: str = "",
                          reviewed_on: datetime.date | None = None) -> ProblemReview:
    """Record the periodic review of a problem and set the next one a year on (PRB-06).

    A review that finds the problem solved (e.g. solved by the enterprise itself, Appendix D
    level 3: 由相关企业自主改进) closes it.
    """
    _require(user, "review", problem)
    if conclusion not in ProblemReview.Conclusion.values:
        raise ValidationError({"conclusion": _("Choose a conclusion.")})
    reviewed_on = reviewed_on or timezone.localdate()
    if reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": _("A review cannot be dated in the future.")})
    review = ProblemReview.objects.create(problem=problem, reviewed_on=reviewed_on, reviewer=user,
                                          conclusion=conclusion, notes=notes)
    with audit.transition(problem, _("Reviewed: %(c)s") % {"c": review.get_conclusion_display()}):
        problem.next_review_due = next_review_date(reviewed_on)
        fields = ["next_review_due", "updated_at"]
        if conclusion == ProblemReview.Conclusion.SOLVED and problem.status != ProblemStatus.SOLVED:
            problem.status = ProblemStatus.SOLVED
            fields.append("status")
        problem.save(update_fields=fields)
    return review


@transaction.atomic
def problems_start_tackling(*, user, problems, project) -> list[Problem]:
    """Mark the problems a breakthrough project works on as 攻关中 when the project starts."""
    changed = []
    for problem in problems:
        if problem.status in (ProblemStatus.IDENTIFIED, ProblemStatus.ANALYZING):
            # The project's id beside its name: the history names it only to who may see it (PLT-02).
            message = _("Breakthrough project %(p)s started") % {"p": project, "p_id": getattr(project, "pk", None)}
            with audit.transition(problem, message):
                problem.status = ProblemStatus.TACKLING
                problem.save(update_fields=["status", "updated_at"])
            changed.append(problem)
    return changed


@transaction.atomic
def problems_mark_solved(*, user, problems, project) -> list[Problem]:
    """Mark the problems of an accepted breakthrough project as 已解决.

    A problem another project is still working on (running or under acceptance) stays 攻关中
    until that project is accepted too.
    """
    changed = []
    for problem in problems:
        # Statuses by value: the problem library does not import the project library.
        still_tackled = problem.projects.filter(status__in=("in_progress", "acceptance")).exclude(
            pk=getattr(project, "pk", None)).exists()
        if problem.status != ProblemStatus.SOLVED and not still_tackled:
            # The project's id beside its name: the history names it only to who may see it (PLT-02).
            message = _("Breakthrough project %(p)s accepted") % {"p": project, "p_id": getattr(project, "pk", None)}
            with audit.transition(problem, message):
                problem.status = ProblemStatus.SOLVED
                problem.save(update_fields=["status", "updated_at"])
            changed.append(problem)
    return changed


@transaction.atomic
def severity_model_create(*, user, name: str, level1_min, level2_min, dimensions: list[dict], note: str = "",
                          make_current: bool = True) -> SeverityModel:
    """Define a new version of the severity model (PRB-03).

    ``dimensions`` are ``{"code", "name", "weight", "levels"}``; weights must sum to 1 and
    the level-1 threshold must lie above the level-2 one, both within 1–5. Earlier versions
    stay as they are, so every past assessment keeps the model it was scored with.
    """
    if user is not None and not may(user, "add", SeverityModel):
        raise PermissionDenied(_("You may not do this."))
    errors = {}
    try:
        level1_min, level2_min = Decimal(str(level1_min)), Decimal(str(level2_min))
    except (InvalidOperation, ValueError):
        raise ValidationError({"level1_min": _("Thresholds are numbers between 1 and 5.")}) from None
    if not (Decimal(1) <= level2_min < level1_min <= Decimal(5)):
        errors["level1_min"] = _("Level 1 must start above level 2, both between 1 and 5.")
    if not dimensions:
        errors["dimensions"] = _("A model needs at least one dimension.")
    codes, total_weight = set(), Decimal(0)
    for index, dim in enumerate(dimensions, start=1):
        code = (dim.get("code") or "").strip()
        if not code or not code.replace("_", "").isalnum() or not code.isascii():
            errors[f"dimensions.{index}.code"] = _("Dimension %(n)d needs a code of letters, digits or _.") % {"n": index}
        elif code in codes:
            errors[f"dimensions.{index}.code"] = _("Dimension code %(c)s is used twice.") % {"c": code}
        codes.add(code)
        if not (dim.get("name") or "").strip():
            errors[f"dimensions.{index}.name"] = _("Dimension %(n)d needs a name.") % {"n": index}
        try:
            weight = Decimal(str(dim.get("weight")))
        except (InvalidOperation, ValueError):
            errors[f"dimensions.{index}.weight"] = _("Dimension %(n)d needs a weight between 0 and 1.") % {"n": index}
            continue
        if not Decimal(0) < weight <= Decimal(1) or weight != weight.quantize(Decimal("0.01")):
            errors[f"dimensions.{index}.weight"] = _("Dimension %(n)d needs a weight between 0 and 1 "
                                                     "with at most two decimals.") % {"n": index}
        total_weight += weight
    if dimensions and total_weight != Decimal(1) and not any(k.endswith(".weight") for k in errors):
        errors["dimensions"] = _("The weights add up to %(w)s; they must add up to 1.") % {"w": total_weight}
    if not (name or "").strip():
        errors["name"] = _("Name the model.")
    if errors:
        raise ValidationError(errors)
    number = (SeverityModel.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    model = SeverityModel.objects.create(number=number, name=name.strip(), level1_min=level1_min,
                                         level2_min=level2_min, note=note, is_current=False)
    for order, dim in enumerate(dimensions):
        SeverityDimension.objects.create(model=model, code=dim["code"].strip(), name=dim["name"].strip(),
                                         weight=Decimal(str(dim["weight"])), order=order,
                                         levels=dim.get("levels") or [])
    if make_current:
        severity_model_make_current(user=user, model=model)
    return model


@transaction.atomic
def severity_model_make_current(*, user, model: SeverityModel) -> SeverityModel:
    """Make ``model`` the version new assessments use."""
    for previous in SeverityModel.objects.filter(is_current=True).exclude(pk=model.pk):
        previous.is_current = False
        previous.save(update_fields=["is_current", "updated_at"])
    model.is_current = True
    model.save(update_fields=["is_current", "updated_at"])
    return model
