from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, DecimalField, OuterRef, Subquery, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import pgettext_lazy
from django.views import View

from zhilian.consortia import wordforms
from zhilian.consortia.actions import ObjectActionView, apply_service_errors
from zhilian.core import audit
from zhilian.core.i18n import listed
from zhilian.core.generic import ObjectDeleteView, ObjectDetailView, ObjectListView
from zhilian.core.models import AuditAction
from zhilian.core.permissions import get_restricted_or_404, may
from zhilian.core.spreadsheets import file_response

from . import exports, forms, selectors, services
from .choices import (
    AcceptanceStatus, ChangeKind, ChangeStatus, ProjectStatus, RiskStatus,
    TargetKind,
)
from .filtersets import ProjectFilterSet, RiskFilterSet
from .models import (
    Acceptance, BudgetLine, ChangeRequest, MidtermCheck, Milestone, ProgressReport, Project, ProjectParticipant,
    ProjectTarget, RiskWarning, Signoff,
)
from .tables import ProjectTable, RiskTable


def _budget_total():
    return Subquery(BudgetLine.objects.filter(project=OuterRef("pk")).values("project").annotate(
        s=Sum("amount")).values("s"), output_field=DecimalField(max_digits=14, decimal_places=2))


def place_errors(form, tables: dict, errors: dict, row_errors: dict, refused: ValidationError | None = None) -> dict:
    """Put a service's faults where the page shows them (PLT-12): each table row's at its cells
    (``row_errors``: {table: {row number as on the form: {field: [messages]}}}), the rest at the
    header's fields or above the form. ``refused``: the save's own refusal, placed when the
    faults found again hold nothing (the page says why, never nothing). Returns each table's
    summary: its own messages and the numbers of the rows in error."""
    if refused is not None and not any(errors.values()) and not any(row_errors.values()):
        apply_service_errors(form, refused)
    summaries = {}
    for key, formset in tables.items():
        for index, by_field in row_errors.get(key, {}).items():
            row_form = formset.forms[index - 1]
            for field, messages_ in by_field.items():
                for message in messages_:
                    row_form.add_error(field if field in row_form.fields else None, capfirst(message))
        summaries[key] = {"messages": [*formset.non_form_errors(), *errors.pop(key, [])],
                          "rows": [i for i, f in enumerate(formset.forms, start=1) if f.errors]}
    for field, messages_ in errors.items():
        if field in form.fields:
            if field not in form.errors:
                form.add_error(field, messages_)
        else:
            form.add_error(None, messages_)
    return summaries


class ProjectListView(ObjectListView):
    model = Project
    filterset_class = ProjectFilterSet
    table_class = ProjectTable
    add_url_name = "projects:project_add"
    search_title_field = "name"
    export_columns = exports.LIBRARY_COLUMNS
    extra_actions_template = "projects/includes/list_actions.html"

    def get_queryset(self):
        open_risks = RiskWarning.objects.filter(project=OuterRef("pk"), status=RiskStatus.OPEN).values(
            "project").annotate(n=Count("id")).values("n")
        return (super().get_queryset().select_related("lead_unit", "chain")
                .annotate(open_risks=Subquery(open_risks), budget_total=_budget_total()))

    def export(self, request, queryset):
        """Appendix E: the breakthrough project library (表 E.1)."""
        queryset = queryset.select_related("chain", "lead_unit").prefetch_related(
            "problems", "participants__organization")
        audit.write(action=AuditAction.EXPORT, object_repr="附录E 产业链质量攻关库", message=request.GET.urlencode())
        return file_response(exports.library_workbook(queryset), "产业链质量攻关库.xlsx",
                             ascii_name="breakthrough-project-library.xlsx")


class ProjectDetailView(ObjectDetailView):
    model = Project
    queryset = Project.objects.select_related("lead_unit", "consortium__lead_unit", "chain", "approved_by")

    def get_extra_context(self, request, obj):
        user = request.user
        today = timezone.localdate()
        milestones = list(Milestone.objects.restrict(user).filter(project=obj))
        done = sum(1 for m in milestones if m.is_done)
        reports = ProgressReport.objects.restrict(user).filter(project=obj).prefetch_related(
            "milestone_lines__milestone").select_related("submitted_by")
        risks = RiskWarning.objects.restrict(user).filter(project=obj).select_related("raised_by", "resolved_by")
        is_team = selectors.is_project_team(user, obj)
        running = obj.status == ProjectStatus.IN_PROGRESS
        signoffs = {s.organization_id: s for s in Signoff.objects.restrict(user).filter(project=obj)}
        participants = ProjectParticipant.objects.restrict(user).filter(project=obj).select_related("organization")
        acceptance = services.open_acceptance(obj)
        return {
            "problems": obj.problems.all().select_related("chain"),
            "participants": [(p, signoffs.get(p.organization_id)) for p in participants],
            "targets_by_kind": [(TargetKind(k).label, [t for t in ProjectTarget.objects.restrict(user).filter(project=obj)
                                                       if t.kind == k]) for k in TargetKind.values],
            "milestones": milestones,
            "milestone_done": done,
            "milestone_percent": round(done * 100 / len(milestones)) if milestones else 0,
            "today": today,
            "budget_lines": BudgetLine.objects.restrict(user).filter(project=obj),
            "budget_total": obj.total_budget,
            "latest_report": reports.first(),
            "reports": reports,
            "checks": MidtermCheck.objects.restrict(user).filter(project=obj).prefetch_related("experts"),
            "changes": ChangeRequest.objects.restrict(user).filter(project=obj).select_related("requested_by",
                                                                                             "decided_by"),
            "risks": risks,
            "open_risk_count": sum(1 for r in risks if r.status == RiskStatus.OPEN),
            "acceptances": Acceptance.objects.restrict(user).filter(project=obj),
            "open_acceptance": acceptance,
            "is_team": is_team,
            "is_unit": selectors.is_project_unit(user, obj),
            "missing": services.submission_problems(obj) if obj.status == ProjectStatus.DRAFT else [],
            "can_sign": obj.status == ProjectStatus.DRAFT and selectors.is_project_unit(user, obj)
                        and user.organization_id not in signoffs,
            "can_submit": obj.status == ProjectStatus.DRAFT and is_team and may(user, "change", Project),
            "can_decide": obj.status == ProjectStatus.SUBMITTED and selectors.may_approve(user, obj),
            "can_report": running and is_team,
            "can_report_progress": running and is_team and selectors.progress_reportable(obj, timezone.localdate()),
            "can_check": running and selectors.may_check(user),
            # Not "can_change": that name turns on the generic Edit button, and a running
            # project's task book changes only through change requests.
            "can_request_change": running and is_team,
            "can_raise": running and selectors.is_project_unit(user, obj) and may(user, "add", RiskWarning),
            "can_resolve": is_team or selectors.may_approve(user, obj),
            "can_apply": running and is_team and acceptance is None and services.open_rectification(obj) is None,
            "can_archive": services.may_archive(user, obj) and services.open_rectification(obj) is None,
            "can_submit_achievement": obj.status in (ProjectStatus.ACCEPTED, ProjectStatus.ARCHIVED)
                                      and user.has_perm("achievements.add_achievement")
                                      and selectors.is_project_unit(user, obj),
            "change_kinds": ChangeKind.choices,
            "offer_full_numbers": wordforms.offers_full_numbers(user, own=user.organization_id == obj.lead_unit_id),
        }


def _initial(value, field=""):
    """A stored value as a form shows it: a target's 40.0000 as 40, an amount as 45.50."""
    if isinstance(value, Decimal):
        return selectors.money(value).replace(",", "") if field == "amount" else selectors.number(value)
    return value


class ProjectTaskBookView(LoginRequiredMixin, View):
    """Create a project from problems, or revise its draft task book (PRJ-01, PRJ-02)."""

    model = Project
    template_name = "projects/project_edit.html"

    def get_object(self, pk):
        if pk is None:
            if not may(self.request.user, "add", Project):
                raise PermissionDenied
            return None
        return get_restricted_or_404(Project.objects.all(), self.request.user, "change", pk=pk)

    def forms_for(self, request, obj, data=None):
        user = request.user
        initial = {}
        if obj is None and request.GET.get("problem"):
            initial["problems"] = request.GET.getlist("problem")
        form = forms.ProjectForm(data=data, instance=obj, user=user, initial=initial)

        def rows(qs, fields):
            return [{f: _initial(getattr(o, f), f) for f in fields} for o in qs] if obj else None

        participants = forms.ParticipantFormSet(data=data, prefix="units", user=user, initial=rows(
            obj.participants.all() if obj else [], ["organization", "person_in_charge", "phone", "tasks"]) if obj else
            [{"organization": user.organization}])
        targets = forms.TargetFormSet(data=data, prefix="targets", initial=rows(
            obj.targets.all() if obj else [], ["kind", "indicator", "unit", "baseline", "target", "description"]) if obj
            else [{"kind": TargetKind.TECHNICAL}, {"kind": TargetKind.QUALITY}, {"kind": TargetKind.APPLICATION}])
        milestones = forms.MilestoneFormSet(data=data, prefix="milestones", initial=rows(
            obj.milestones.all() if obj else [], ["name", "due_date", "deliverable"]))
        budget = forms.BudgetFormSet(data=data, prefix="budget", initial=rows(
            obj.budget_lines.all() if obj else [], ["category", "source", "description", "amount"]))
        return form, {"participants": participants, "targets": targets, "milestones": milestones, "budget": budget}

    def render_page(self, request, obj, form, sets, table_errors=None):
        return render(request, self.template_name, {
            "object": obj, "form": form, "opts": Project._meta, **sets, "row_errors": table_errors or {},
            "title": (_("Edit task book of %(p)s") % {"p": obj}) if obj else _("New breakthrough project"),
            "cancel_url": obj.get_absolute_url() if obj else reverse("projects:project_list"),
            "no_problems": not form.fields["problems"].queryset.exists(),
            # Here, not as _("…") in the template: Django looks a template _() literal up with
            # "%" doubled, which no catalogue entry matches ("X %% → Y %%" in English).
            "targets_help": _("Technical indicator: develop XX so that parameter XX reaches XX. Quality indicator: "
                              "raise the pass rate of XX from X % to Y %. Industrial application: form XX products / "
                              "lines, demonstrated in Z enterprises."),
        })

    def get(self, request, pk=None):
        obj = self.get_object(pk)
        form, sets = self.forms_for(request, obj)
        return self.render_page(request, obj, form, sets)

    def post(self, request, pk=None):
        obj = self.get_object(pk)
        form, sets = self.forms_for(request, obj, data=request.POST)
        header_valid = form.is_valid()
        sets_valid = all([s.is_valid() for s in sets.values()])  # every set checked, not up to the first refused
        # Every row, blank ones included, so that the service's row numbers are the form's; a row
        # the form refused goes to the service as blank (the form shows its own errors).
        rows = {key: [dict(f.cleaned_data) if f.is_valid() else {} for f in s.forms] for key, s in sets.items()}
        args = {"user": request.user, "problems": form.cleaned_data.get("problems") or [],
                "participants": rows["participants"], "targets": rows["targets"], "milestones": rows["milestones"],
                "budget": rows["budget"]}
        refused = None
        if header_valid and sets_valid:
            data = {f: form.cleaned_data[f] for f in services.TASK_BOOK_FIELDS}
            try:
                project = services.project_save_task_book(project=obj, data=data, **args)
            except ValidationError as exc:
                refused = exc  # placed at the fields below
            else:
                messages.success(request, _("Saved %(name)s.") % {"name": project})
                return HttpResponseRedirect(project.get_absolute_url())
        # Every fault at once, each at its field: the header's, the tables' and their rows'.
        data = {f: form.cleaned_data[f] for f in services.TASK_BOOK_FIELDS if f in form.cleaned_data}
        errors, row_errors = services.task_book_errors(project=obj, data=data, **args)
        table_errors = place_errors(form, sets, errors, row_errors, refused)
        return self.render_page(request, obj, form, sets, table_errors)


class ProjectDeleteView(ObjectDeleteView):
    model = Project


class TaskBookExportView(LoginRequiredMixin, View):
    """The task book as the Appendix F Word form."""

    model = Project

    def get(self, request, pk):
        obj = get_restricted_or_404(Project.objects.all(), request.user, "view", pk=pk)
        return wordforms.form_response(request, obj, own=request.user.organization_id == obj.lead_unit_id,
                                       build=lambda: exports.task_book_docx(obj, request.user),
                                       what="附录F 产业链质量攻关项目任务书", filename=f"攻关项目任务书-{obj.code}.docx")


class ProjectSignView(ObjectActionView):
    model = Project
    form_class = forms.SignForm
    title = gettext_lazy("Sign the task book")
    intro = gettext_lazy("Your unit confirms the task book as it stands; if it is revised, every unit signs again.")
    submit_label = gettext_lazy("Sign")

    def get_initial(self, obj):
        row = obj.participants.filter(organization_id=self.request.user.organization_id).first()
        return {"signatory": row.person_in_charge if row else ""}

    def unavailable_reason(self, obj):
        if not (obj.status == ProjectStatus.DRAFT and selectors.is_project_unit(self.request.user, obj)):
            return _("Only the units of a draft task book sign it.")
        return None

    def perform(self, obj, form):
        services.project_sign(user=self.request.user, project=obj, signatory=form.cleaned_data["signatory"])

    def success_message(self, obj):
        return _("Signed.")


class ProjectSubmitView(ObjectActionView):
    model = Project
    title = gettext_lazy("Submit the task book for approval")
    intro = gettext_lazy(
        "The consortium's lead unit (or the management institution) approves the task book; the project then "
        "starts and its source problems become “under breakthrough”.")
    submit_label = gettext_lazy("Submit")

    def unavailable_reason(self, obj):
        user = self.request.user
        if not (obj.status == ProjectStatus.DRAFT and selectors.is_project_team(user, obj) and may(user, "change", Project)):
            return _("Only the lead unit submits its draft task book.")
        return None

    def get_context(self, obj, form):
        return {"missing": services.submission_problems(obj)}

    def perform(self, obj, form):
        services.project_submit(user=self.request.user, project=obj)

    def success_message(self, obj):
        return _("Submitted for approval.")


class ProjectDecideView(ObjectActionView):
    model = Project
    form_class = forms.DecisionForm
    title = gettext_lazy("Approve the task book")
    submit_label = gettext_lazy("Record decision")

    def unavailable_reason(self, obj):
        if not (obj.status == ProjectStatus.SUBMITTED and selectors.may_approve(self.request.user, obj)):
            return _("This task book does not wait for your approval.")
        return None

    def perform(self, obj, form):
        services.project_decide(user=self.request.user, project=obj, approve=form.cleaned_data["decision"] == "approve",
                                opinion=form.cleaned_data["opinion"])

    def success_message(self, obj):
        return _("Decision recorded.")


class ProgressReportView(ObjectActionView):
    model = Project
    form_class = forms.ProgressReportForm
    template_name = "projects/progress_form.html"
    title = gettext_lazy("Quarterly progress update")
    submit_label = gettext_lazy("Submit update")

    def unavailable_reason(self, obj):
        if not (obj.status == ProjectStatus.IN_PROGRESS and selectors.is_project_team(self.request.user, obj)):
            return _("The lead unit of a running project reports its progress.")
        if not selectors.progress_reportable(obj, timezone.localdate()):
            return _("Progress is reported from the quarter in which the project period begins (%(start)s).") % {
                "start": obj.start_date.isoformat()}
        return None

    def get_form_kwargs(self, obj):
        return {"milestones": obj.milestones.all()}

    def get_initial(self, obj):
        year, quarter = selectors.quarter_to_report(obj, timezone.localdate())
        latest = selectors.latest_report(obj)
        return {"year": year, "quarter": quarter, "spent_to_date": latest.spent_to_date if latest else 0}

    def perform(self, obj, form):
        data = form.cleaned_data
        services.progress_report_submit(user=self.request.user, project=obj, year=data["year"], quarter=data["quarter"],
                                        summary=data["summary"], spent_to_date=data["spent_to_date"],
                                        issues=data["issues"], next_steps=data["next_steps"],
                                        milestones=form.milestone_data(),
                                        correction_reason=data["correction_reason"])
        return obj.get_absolute_url() + "#progress"

    def success_message(self, obj):
        return _("Progress update recorded.")


class MidtermCheckView(ObjectActionView):
    model = Project
    form_class = forms.MidtermCheckForm
    title = gettext_lazy("Record the mid-term check")
    intro = gettext_lazy(
        "chain guide 5.5.4 b): the management institution organizes experts to check the project; the result "
        "(pass / rectification required) is recorded in the library.")
    submit_label = pgettext_lazy("button", "Record")

    def unavailable_reason(self, obj):
        if not (obj.status == ProjectStatus.IN_PROGRESS and selectors.may_check(self.request.user)):
            return _("The management institution checks running projects.")
        return None

    def get_form_kwargs(self, obj):
        return {"user": self.request.user}

    def get_initial(self, obj):
        return {"checked_on": timezone.localdate(), "rectification_working_days": 20}

    def perform(self, obj, form):
        d = form.cleaned_data
        services.midterm_check_record(user=self.request.user, project=obj, checked_on=d["checked_on"],
                                      experts=d["experts"], result=d["result"], opinion=d["opinion"],
                                      rectification_items=d["rectification_items"],
                                      rectification_working_days=d["rectification_working_days"] or 20)
        return obj.get_absolute_url() + "#midterm"

    def success_message(self, obj):
        return _("Mid-term check recorded.")


class RectificationView(ObjectActionView):
    model = MidtermCheck
    form_class = forms.RectificationForm
    title = gettext_lazy("Report the rectification")
    submit_label = gettext_lazy("Report")

    def unavailable_reason(self, obj):
        if not (obj.rectification_open and selectors.is_project_team(self.request.user, obj.project)):
            return _("No rectification of yours is open on this check.")
        return None

    def get_context(self, obj, form):
        return {"side_note": obj.rectification_items}

    def perform(self, obj, form):
        services.midterm_rectification_report(user=self.request.user, check=obj, report=form.cleaned_data["report"])

    def success_message(self, obj):
        return _("Rectification reported.")


class ChangeRequestView(ObjectActionView):
    """Request a change of one kind: ``?kind=targets|content|leader|period`` (PRJ-06)."""

    model = Project
    template_name = "projects/change_form.html"
    submit_label = gettext_lazy("Submit the change request")

    def kind(self):
        kind = self.request.GET.get("kind") or self.request.POST.get("kind") or ChangeKind.CONTENT
        return kind if kind in ChangeKind.values else ChangeKind.CONTENT

    def get_title(self, obj):
        return _("Change request: %(k)s") % {"k": ChangeKind(self.kind()).label}

    def unavailable_reason(self, obj):
        if not (obj.status == ProjectStatus.IN_PROGRESS and selectors.is_project_team(self.request.user, obj)):
            return _("The lead unit of a running project requests changes.")
        return None

    @property
    def form_class(self):
        return {ChangeKind.CONTENT: forms.ContentChangeForm, ChangeKind.LEADER: forms.LeaderChangeForm,
                ChangeKind.PERIOD: forms.PeriodChangeForm, ChangeKind.TARGETS: forms.ChangeReasonForm}[self.kind()]

    def get_form_kwargs(self, obj):
        return {"milestones": obj.milestones.all()} if self.kind() == ChangeKind.PERIOD else {}

    def get_initial(self, obj):
        # The new leader's phone starts empty: the current one is shown (masked) beside the form.
        return {"content_and_route": obj.content_and_route, "expected_outcomes": obj.expected_outcomes,
                "leader_name": obj.leader_name, "start_date": obj.start_date, "end_date": obj.end_date}

    def target_formset(self, obj):
        data = self.request.POST if self.request.method == "POST" else None
        initial = [{f: _initial(getattr(t, f)) for f in ("kind", "indicator", "unit", "baseline", "target",
                                                         "description")} for t in obj.targets.all()]
        return forms.TargetFormSet(data=data, prefix="targets", initial=initial)

    def get_context(self, obj, form):
        before = selectors.change_values_shown(services.change_snapshot(obj, self.kind()))
        # The current values with the labels the change request page and the history use.
        context = {"kind": self.kind(), "kinds": ChangeKind.choices,
                   "current": [(label, value) for label, value, _after in selectors.change_rows(self.kind(), before,
                                                                                               before)]}
        if self.kind() == ChangeKind.TARGETS:
            context["targets"] = getattr(self, "_targets", None) or self.target_formset(obj)
            context["target_errors"] = getattr(self, "_target_errors", None) or {}
        return context

    def post(self, request, pk):
        if self.kind() != ChangeKind.TARGETS:
            return super().post(request, pk)
        obj = self.get_object(pk)
        reason = self.unavailable_reason(obj)
        if reason:
            return self._refuse(request, obj, reason)
        form = self.form_class(data=request.POST, **self.get_form_kwargs(obj))
        targets = self._targets = self.target_formset(obj)
        header_valid = form.is_valid()
        rows_valid = targets.is_valid()
        # Every row, blank ones included, so that the service's row numbers are the form's; a row
        # the form refused goes to the service as blank (the form shows its own errors).
        after = {"targets": [dict(f.cleaned_data) if f.is_valid() else {} for f in targets.forms]}
        refused = None
        if header_valid and rows_valid:
            try:
                change = services.change_request_submit(user=request.user, project=obj, kind=ChangeKind.TARGETS,
                                                        reason=form.cleaned_data["reason"], after=after)
            except ValidationError as exc:
                refused = exc  # placed at the fields below
            except PermissionDenied as exc:
                return self._refuse(request, obj, str(exc) or _("You may not do this."))
            else:
                messages.success(request, self.success_message(obj))
                return HttpResponseRedirect(change.get_absolute_url())
        # Every fault at once, each at its field: the reason's, the table's and its rows'.
        try:
            errors, row_errors = services.change_request_errors(
                user=request.user, project=obj, kind=ChangeKind.TARGETS, reason=form.cleaned_data.get("reason", ""),
                after=after)
        except PermissionDenied as exc:
            return self._refuse(request, obj, str(exc) or _("You may not do this."))
        self._target_errors = place_errors(form, {"targets": targets}, errors, {"targets": row_errors},
                                           refused)["targets"]
        return self._render(request, obj, form)

    def perform(self, obj, form):
        kind = self.kind()
        data = form.cleaned_data
        if kind == ChangeKind.PERIOD:
            after = form.after()
        else:
            after = {k: v for k, v in data.items() if k != "reason"}
        change = services.change_request_submit(user=self.request.user, project=obj, kind=kind,
                                                reason=data["reason"], after=after)
        return change.get_absolute_url()

    def success_message(self, obj):
        return _("Change request submitted; it takes effect once approved.")


class ChangeRequestDetailView(ObjectDetailView):
    model = ChangeRequest

    def get_extra_context(self, request, obj):
        return {"can_decide": obj.status == ChangeStatus.PENDING and obj.project.status == ProjectStatus.IN_PROGRESS
                and selectors.may_approve(request.user, obj.project),
                "rows": _change_rows(obj)}


def _change_rows(change):
    """(label, before, after) rows for showing a change request, personal numbers masked (SEC-07)."""
    return selectors.change_rows(change.kind, selectors.change_values_shown(change.before),
                                 selectors.change_values_shown(change.after))


class ChangeDecideView(ObjectActionView):
    model = ChangeRequest
    form_class = forms.ChangeDecisionForm
    title = gettext_lazy("Decide on the change request")
    submit_label = gettext_lazy("Record decision")

    def unavailable_reason(self, obj):
        if not (obj.status == ChangeStatus.PENDING and obj.project.status == ProjectStatus.IN_PROGRESS
                and selectors.may_approve(self.request.user, obj.project)):
            return _("This change request does not wait for your decision.")
        return None

    def get_context(self, obj, form):
        return {"rows": _change_rows(obj), "change": obj}

    template_name = "projects/change_decide.html"

    def perform(self, obj, form):
        services.change_request_decide(user=self.request.user, change=obj,
                                       approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"])

    def success_message(self, obj):
        return _("Decision recorded.")


class RiskRaiseView(ObjectActionView):
    model = Project
    form_class = forms.RiskForm
    title = gettext_lazy("Report a risk")
    intro = gettext_lazy("chain guide 5.5.4 d): report in time any major risk that may make the project fail.")
    submit_label = gettext_lazy("Report")
    submit_tone = "danger"

    def unavailable_reason(self, obj):
        user = self.request.user
        if not (obj.status == ProjectStatus.IN_PROGRESS and selectors.is_project_unit(user, obj)
                and may(user, "add", RiskWarning)):
            return _("The units of a running project report its risks.")
        return None

    def perform(self, obj, form):
        services.risk_raise(user=self.request.user, project=obj, **form.cleaned_data)
        return obj.get_absolute_url() + "#risks"

    def success_message(self, obj):
        return _("Risk reported.")


class RiskResolveView(ObjectActionView):
    model = RiskWarning
    form_class = forms.ResolveRiskForm
    title = gettext_lazy("Resolve the risk")
    submit_label = gettext_lazy("Resolve")

    def unavailable_reason(self, obj):
        user = self.request.user
        if obj.status != RiskStatus.OPEN or not (selectors.is_project_team(user, obj.project)
                                                 or selectors.may_approve(user, obj.project)):
            return _("This risk is not open for you to resolve.")
        return None

    def get_context(self, obj, form):
        return {"side_note": obj.description_shown}

    def perform(self, obj, form):
        services.risk_resolve(user=self.request.user, risk=obj, resolution=form.cleaned_data["resolution"])

    def success_message(self, obj):
        return _("Risk resolved.")


class RiskListView(ObjectListView):
    """Open and resolved risk warnings of the projects the user may see."""

    model = RiskWarning
    table_class = RiskTable
    filterset_class = RiskFilterSet
    search_title_field = "title"

    def page_title(self):
        return _("Risk warnings")

    def get_queryset(self):
        return super().get_queryset().select_related("project")


class AcceptanceApplyView(ObjectActionView):
    model = Project
    form_class = forms.AcceptanceApplyForm
    template_name = "projects/acceptance_form.html"
    title = gettext_lazy("Apply for acceptance")
    intro = gettext_lazy(
        "chain guide 5.5.5: the lead unit applies for acceptance with the full set of materials. Fill in the "
        "achieved values, then attach the materials on the next page and submit.")
    submit_label = gettext_lazy("Continue to materials")

    def unavailable_reason(self, obj):
        if not (obj.status == ProjectStatus.IN_PROGRESS and selectors.is_project_team(self.request.user, obj)):
            return _("The lead unit of a running project applies for acceptance.")
        if services.open_acceptance(obj):
            return _("An acceptance application is already open.")
        rectification = services.open_rectification(obj)
        if rectification is not None:
            return services.rectification_open_message(rectification)
        return None

    def get_form_kwargs(self, obj):
        return {"targets": obj.targets.all()}

    def perform(self, obj, form):
        acceptance = services.acceptance_apply(user=self.request.user, project=obj, summary=form.cleaned_data["summary"],
                                               results=form.cleaned_data["results"], achieved=form.achieved())
        return acceptance.get_absolute_url()

    def success_message(self, obj):
        return _("Application opened: attach the materials and submit.")


class AcceptanceDetailView(ObjectDetailView):
    model = Acceptance

    def get_extra_context(self, request, obj):
        user = request.user
        return {
            "materials": selectors.acceptance_materials(obj, user),
            "targets": ProjectTarget.objects.restrict(user).filter(project=obj.project),
            "can_submit": obj.status == AcceptanceStatus.DRAFT and obj.project.status == ProjectStatus.IN_PROGRESS
                          and selectors.is_project_team(user, obj.project),
            "can_decide": obj.status == AcceptanceStatus.SUBMITTED and selectors.may_check(user),
        }


class AcceptanceSubmitView(ObjectActionView):
    model = Acceptance
    title = gettext_lazy("Submit the acceptance application")
    submit_label = gettext_lazy("Submit")

    def unavailable_reason(self, obj):
        if not (obj.status == AcceptanceStatus.DRAFT and selectors.is_project_team(self.request.user, obj.project)):
            return _("Only the lead unit submits its acceptance application.")
        return None

    def get_context(self, obj, form):
        missing = selectors.missing_materials(obj, self.request.user)
        if not missing:
            return {}
        return {"side_note": _("Still missing: %(m)s. Upload each on the application's page, with the material's "
                               "name as the category.") % {"m": listed(missing)}}

    def perform(self, obj, form):
        services.acceptance_submit(user=self.request.user, acceptance=obj)

    def success_message(self, obj):
        return _("Acceptance application submitted.")


class AcceptanceDecideView(ObjectActionView):
    model = Acceptance
    form_class = forms.AcceptanceDecisionForm
    title = gettext_lazy("Record the acceptance")
    intro = gettext_lazy(
        "Passed: the project is accepted, its source problems become solved and its results may be entered in "
        "the achievement library. Not passed: the project goes back to implementation.")
    submit_label = pgettext_lazy("button", "Record")

    def unavailable_reason(self, obj):
        if not (obj.status == AcceptanceStatus.SUBMITTED and selectors.may_check(self.request.user)):
            return _("The management institution decides on submitted acceptance applications.")
        return None

    def get_form_kwargs(self, obj):
        return {"user": self.request.user}

    def get_initial(self, obj):
        return {"accepted_on": timezone.localdate()}

    def perform(self, obj, form):
        d = form.cleaned_data
        services.acceptance_decide(user=self.request.user, acceptance=obj, passed=d["decision"] == "pass",
                                   experts=d["experts"], accepted_on=d["accepted_on"], conclusion=d["conclusion"])
        return obj.project.get_absolute_url()

    def success_message(self, obj):
        return _("Acceptance recorded.")


class ProjectArchiveView(ObjectActionView):
    model = Project
    title = gettext_lazy("Archive the project")
    intro = gettext_lazy(
        "chain guide 5.5.5: after acceptance the project's results, summary report and materials are filed in "
        "the library as knowledge assets.")
    submit_label = pgettext_lazy("project action", "Archive")

    def unavailable_reason(self, obj):
        if not services.may_archive(self.request.user, obj):
            return _("Accepted projects are archived by the management institution or the consortium's lead unit.")
        rectification = services.open_rectification(obj)
        if rectification is not None:
            return services.rectification_open_message(rectification)
        return None

    def perform(self, obj, form):
        services.project_archive(user=self.request.user, project=obj)

    def success_message(self, obj):
        return _("Archived.")

