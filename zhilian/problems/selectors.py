"""Reads of the problem library: the map layer of starred problems, reminders, dashboard figures."""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from zhilian.core import audit, clock, i18n
from zhilian.core.filters import as_id
from zhilian.core.prefetch import KeptPrefetch
from zhilian.core.registry import Reminder
from zhilian.directory.models import Organization

from .models import (
    STARS, Problem, ProblemCategory, ProblemStatus, SeverityDimension, SeverityModel, format_total,
)


def visible_related(user) -> KeptPrefetch:
    """Prefetch, as ``visible_related``, the related problems ``user`` may see (PLT-02).

    A relation to a problem outside the user's scope is neither named nor removed: exports,
    the API and the pages show only the visible ones, and saves keep the others
    (``services.problem_save``).
    """
    return KeptPrefetch("related", kept_as="problems.visible_related", model=Problem, user=user,
                        build=lambda rows: rows.order_by("code"), to_attr="visible_related")


def visible_concerned(user) -> KeptPrefetch:
    """Prefetch, as ``visible_concerned``, the concerned enterprises ``user`` may see (PLT-02):
    the problem's page names only those, and so does the API; saves keep the others
    (``services.problem_save``)."""
    return KeptPrefetch("concerned_enterprises", kept_as="problems.visible_concerned", model=Organization, user=user,
                        to_attr="visible_concerned")


def problem_visible_concerned(problem, user):
    """``problem``'s concerned enterprises that ``user`` may see, in the directory's order
    (prefetched or read): the problem's page and the API name the same ones."""
    prefetched = getattr(problem, "visible_concerned", None)
    if prefetched is not None:
        return prefetched
    return Organization.objects.restrict(user, "view").filter(pk__in=problem.concerned_enterprises.values("pk"))


def problem_visible_related(problem, user):
    """``problem``'s related problems that ``user`` may see, by code (prefetched or read)."""
    prefetched = getattr(problem, "visible_related", None)
    if prefetched is not None:
        return prefetched
    return Problem.objects.restrict(user, "view").filter(pk__in=problem.related.values("pk")).order_by("code")


def problems_by_recorded_name(names) -> dict:
    """The problems that relation records written before they kept ids name ("OD-004 面板来料…"),
    by the code each name starts with (codes are unique): the history names them only to those
    who may see them (``audit.register_names``, PLT-02)."""
    codes = {name: name.split(" ", 1)[0] for name in names}
    pks = dict(Problem._base_manager.filter(code__in=set(codes.values())).values_list("code", "pk"))
    return {name: pks[code] for name, code in codes.items() if code in pks}


# --------------------------------------------------------------------------- records naming a problem (PRJ-01)

_deletion_guards: list[Callable] = []


def register_deletion_guard(dependants: Callable) -> None:
    """Keep a problem other records name from being deleted (PRJ-01): a breakthrough project
    made from it, an achievement naming it. Another app registers, in its ``AppConfig.ready``,
    ``dependants(problem)`` returning a queryset of its records (of a model with ``restrict``)
    that name the problem; the problem library does not import that app."""
    if dependants not in _deletion_guards:
        _deletion_guards.append(dependants)


@dataclass
class ProblemDependants:
    """The records that name a problem, as a user may know them: ``groups`` are (the model's
    plural name, the records the user may see); ``hidden`` says records the user may not see
    name it too (neither named nor counted, PLT-02)."""

    groups: list = field(default_factory=list)
    hidden: bool = False

    def __bool__(self) -> bool:
        return bool(self.groups) or self.hidden

    @property
    def records(self) -> list:
        return [record for _label, records in self.groups for record in records]

    def text(self) -> str:
        """"攻关项目 GG-2025-001 …；成果 CG-2026-0001 …", in the reader's language."""
        names = pgettext("separator of the names in a list", ", ")
        parts = [f"{label} " + names.join(str(r) for r in records) for label, records in self.groups]
        if self.hidden:
            parts.append(_("records you may not see"))
        return audit.joined(parts)


def problem_dependants(problem, user=None) -> ProblemDependants:
    """The records of other apps that name ``problem`` (see :func:`register_deletion_guard`);
    ``user`` None (the system) sees them all."""
    found = ProblemDependants()
    for dependants in _deletion_guards:
        records = dependants(problem)
        if not records.exists():
            continue
        visible = list(records if user is None else records.restrict(user, "view"))
        if visible:
            found.groups.append((records.model._meta.verbose_name_plural, visible))
        if len(visible) < records.count():
            found.hidden = True
    return found


def problems_map_layer(chain) -> list[dict]:
    """Summaries of the chain's problems for the map: name, category, stars, node (SC guide 6.4).

    The summary is what a published map shows to everyone; details stay behind
    ``Problem.objects.restrict`` (see :func:`problems_visible_on_map`).
    """
    # Labels translated once, totals formatted once per value: a big chain has 10,000 problems.
    categories = {code: str(label) for code, label in ProblemCategory.choices}
    statuses = {code: str(label) for code, label in ProblemStatus.choices}
    totals: dict = {}

    def total_text(total):
        text = totals.get(total)
        if text is None:
            text = totals[total] = format_total(total)
        return text

    rows = Problem.objects.filter(chain=chain).order_by("severity_level", "code").values_list(
        "id", "code", "name", "node_id", "segment", "category", "severity_level", "severity_total", "status",
        "is_common")
    return [{
        "id": pk, "code": code, "name": name, "node": node, "segment": segment, "category": category,
        "category_label": categories.get(category, category), "level": level,
        "stars": STARS.get(level) if level else 0, "total": total_text(total), "status": status,
        "status_label": statuses.get(status, status), "is_common": is_common,
    } for pk, code, name, node, segment, category, level, total, status, is_common in rows]


def problems_map_labels():
    """A function of one map summary giving its category and status labels in the current
    language, from its codes: a published map keeps the summaries with the publisher's labels,
    each reader reads them in their own language (PLT-10). A code no longer known keeps the
    label it was published with."""
    categories = {code: str(label) for code, label in ProblemCategory.choices}
    statuses = {code: str(label) for code, label in ProblemStatus.choices}

    def shown(item: dict) -> dict:
        category, status = item.get("category"), item.get("status")
        return {"category_label": categories.get(category, item.get("category_label", category)),
                "status_label": statuses.get(status, item.get("status_label", status))}

    return shown


def problem_reporting_units(user):
    """The organizations ``user`` may file a problem in the name of (填报单位, chain guide 5.4.2 a).

    One's own organization, and the organizations one maintains in the directory
    (``Organization.objects.restrict(user, "change")``): the city bureau, the management
    institution and administrators enter problems on behalf of any organization, a
    district bureau or grassroots office for its district's enterprises; an enterprise,
    association, research institute or expert only for its own organization.
    """
    # One condition ORed with the scope, not "own or in (the scope as a subquery)": the
    # subquery made the database read every unit (60 ms a question at 100,000 units).
    own = Organization.objects.filter(pk=user.organization_id) if user.organization_id else Organization.objects.none()
    return Organization.objects.restrict(user, "change") | own


def problems_visible_on_map(chain, user) -> set[int]:
    return set(Problem.objects.restrict(user, "view").filter(chain=chain).values_list("id", flat=True))


REVIEW_HORIZON_DAYS = 30


def review_due(queryset, today: datetime.date | None = None, horizon_days: int = REVIEW_HORIZON_DAYS):
    """The problems of ``queryset`` whose yearly review is overdue or due within ``horizon_days``
    of ``today`` (PRB-06), solved ones excepted. The one rule of the reminders, the dashboard's
    "review due" figure and the list's ``?review_due=``."""
    today = today or clock.today()
    return (queryset.exclude(status=ProblemStatus.SOLVED)
            .filter(next_review_due__isnull=False, next_review_due__lte=today + datetime.timedelta(days=horizon_days)))


def problems_due_for_review(today: datetime.date, horizon_days: int = REVIEW_HORIZON_DAYS):
    """Problems whose yearly review is due within ``horizon_days`` or overdue (PRB-06)."""
    return review_due(Problem.objects.all(), today, horizon_days)


def review_reminders(today: datetime.date):
    """Remind whoever entered a problem that its review is due; the chain's builder gets a summary.
    The texts are ``core.i18n``'s: each recipient reads them in their own language."""
    from zhilian.accounts.models import User
    from zhilian.accounts.roles import Role

    due = problems_due_for_review(today).select_related("reported_by", "chain", "chain__created_by")
    by_chain: dict = {}
    for problem in due.iterator(chunk_size=2000):
        overdue = problem.next_review_due < today
        if problem.reported_by_id:
            yield Reminder(
                recipient=problem.reported_by, key=f"{problem.pk}:{problem.next_review_due}",
                title=(i18n.gettext("Overdue yearly review: %(p)s") if overdue
                       else i18n.gettext("Yearly review due: %(p)s")) % {"p": problem},
                body=i18n.gettext("Review due on %(d)s.") % {"d": problem.next_review_due},
                url=problem.get_absolute_url(), level="overdue" if overdue else "due")
        by_chain.setdefault(problem.chain, []).append(problem)
    managers = list(User.objects.filter(is_active=True, groups__name=Role.MANAGEMENT_INSTITUTION))
    for chain, problems in by_chain.items():
        recipients = {u.pk: u for u in managers}
        if chain.created_by_id:
            recipients[chain.created_by_id] = chain.created_by
        for recipient in recipients.values():
            yield Reminder(
                recipient=recipient, key=f"chain:{chain.pk}:{today:%Y-%m}",
                title=i18n.gettext("%(n)d problems of %(chain)s are due for their yearly review") % {
                    "n": len(problems), "chain": chain},
                url=reverse("problems:problem_list") + f"?chain={chain.pk}&review_due=true",
                level="overdue" if any(p.next_review_due < today for p in problems) else "due")


# --------------------------------------------------------------------------- audit trail (PLT-03)


def _recorded_dimensions(object_id: str, changes: dict) -> list[SeverityDimension]:
    """The dimensions of the severity model an assessment record used: by the assessment, else
    (the assessment deleted with its problem) by the model the record names ("… v1"), else
    the current model's."""
    pk = as_id(object_id)
    if pk is not None:
        dimensions = list(SeverityDimension.objects.filter(model__assessments__pk=pk))
        if dimensions:
            return dimensions
    named = (changes.get("model") or {}).get("after") or (changes.get("model") or {}).get("before")
    number = re.search(r" v(\d{1,9})$", named, re.ASCII) if isinstance(named, str) else None
    model = SeverityModel.objects.filter(number=int(number.group(1))).first() if number else None
    model = model or SeverityModel.objects.current()
    return list(model.dimensions.all()) if model is not None else []


def recorded_scores_text(scores, *, object_id="", changes=None) -> str:
    """An assessment's recorded scores under its model's dimension names, in the model's order,
    as the problem page shows them: "对产业链安全与竞争力的影响 4；问题影响的扩散性 4；问题改进的
    紧迫性与难度 4" (the audit formatter of ``ProblemAssessment.scores``)."""
    if not isinstance(scores, dict):
        return audit.value_text(scores)
    dimensions = _recorded_dimensions(object_id, changes or {})
    known = {d.code for d in dimensions}
    return audit.joined([f"{d.name} {scores[d.code]}" for d in dimensions if d.code in scores]
                        + [f"{code} {score}" for code, score in scores.items() if code not in known])


def recorded_total_text(total, **_context) -> str:
    """A recorded weighted total as the pages show it: "3.7", "3.75" (not "3.70")."""
    return format_total(Decimal(str(total)))
