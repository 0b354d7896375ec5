from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhilian.chains.selectors import node_reach
from zhilian.core import audit
from zhilian.core.exceptions import StaleObjectError
from zhilian.core.generic import (
    BaseObjectView, ImportView, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView,
)
from zhilian.core.models import AuditAction
from zhilian.core.permissions import allowed, get_restricted_or_404
from zhilian.core.spreadsheets import file_response

from . import exports, services
from .filtersets import ProblemFilterSet
from .forms import AssessmentForm, ProblemForm, ProblemReviewForm, SeverityModelForm
from .models import Problem, ProblemAssessment, ProblemReview, ProblemStatus, SeverityModel, format_total
from .selectors import problem_dependants, problem_visible_concerned
from .tables import ProblemTable, SeverityModelTable


def add_errors(form, exc: ValidationError):
    """Show a service's ValidationError on the form: by field where the form has it, else on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages_ in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


def _can(user, action, obj):
    return type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists()


class ProblemListView(ObjectListView):
    """The problem library: filter, search, export and import Table C.1 (PRB-01…08)."""

    model = Problem
    filterset_class = ProblemFilterSet
    table_class = ProblemTable
    add_url_name = "problems:problem_add"
    import_url_name = "problems:problem_import"
    export_columns = exports.COLUMNS
    # A problem has thirty columns, the table shows eleven: the rest (the description, impact,
    # causes, the search text twice) made reading a page's 25 rows twice as long.
    table_fields = ("code", "name", "chain__name", "node__name", "category", "severity_level", "severity_total",
                    "status", "is_common", "reported_on")

    def get_queryset(self):
        return super().get_queryset().select_related("chain", "node")

    def export(self, request, queryset):
        content = exports.table_c1_workbook(exports.export_queryset(queryset, request.user).iterator(chunk_size=2000))
        audit.write(action=AuditAction.EXPORT, object_repr=exports.TITLE, message=request.GET.urlencode())
        today = timezone.localdate()
        return file_response(content, f"{exports.TITLE}-{today}.xlsx", ascii_name=f"{exports.ASCII_TITLE}-{today}.xlsx")


class ProblemDetailView(ObjectDetailView):
    model = Problem
    template_name = "problems/problem_detail.html"

    def get_extra_context(self, request, obj):
        user = request.user
        return {
            "assessments": ProblemAssessment.objects.restrict(user).filter(problem=obj).select_related(
                "model", "assessed_by").prefetch_related("model__dimensions"),
            "reviews": ProblemReview.objects.restrict(user).filter(problem=obj).select_related("reviewer"),
            "related": Problem.objects.restrict(user).filter(pk__in=obj.related.values("pk")),
            "concerned": problem_visible_concerned(obj, user),
            "reach": node_reach(obj.node, user) if obj.node_id else None,
            "can_assess": _can(user, "assess", obj),
            "can_review": _can(user, "review", obj),
            "can_analyse": obj.status == ProblemStatus.IDENTIFIED and _can(user, "change", obj),
            "total_display": format_total(obj.severity_total),
            # The reporting unit is part of the problem (PRB-01) and named to whoever sees it;
            # its page is linked only for those who may open it (else a link to a 404).
            "reporter_org_linked": bool(obj.reporter_org_id) and allowed(user, "view", obj.reporter_org),
        }


class ProblemEditView(ObjectEditView):
    """Create or edit a problem through ``problem_save``; a stale edit shows the generic panel (SEC-10)."""

    model = Problem
    form_class = ProblemForm
    template_name = "core/object_edit.html"

    def post(self, request, pk=None, *args, **kwargs):
        obj = self.get_object(pk)
        form = self.form_class(data=request.POST, files=request.FILES, **self.get_form_kwargs(obj))
        if form.is_valid():
            problem = form.save(commit=False)
            expected = self.expected_version(request) if pk is not None else None
            if expected is not None:
                problem._expected_version = expected
            try:
                services.problem_save(user=request.user, problem=problem,
                                      concerned=form.cleaned_data["concerned_enterprises"],
                                      related=form.cleaned_data["related"])
            except StaleObjectError as exc:
                # The same panel as every generic edit page: what changed, reload or overwrite.
                form.add_error(None, str(exc.message))
                current = Problem._base_manager.get(pk=obj.pk)
                return self.render_form(request, obj, form, stale={
                    "current_version": current.version, "differences": self.stale_differences(form, current),
                    "history_url": reverse("core:history", args=[obj._meta.label_lower, obj.pk])})
            except ValidationError as exc:
                add_errors(form, exc)
            except PermissionDenied:
                form.add_error(None, _("You may not save a record outside your own scope."))
            else:
                messages.success(request, _("Saved %(name)s.") % {"name": problem})
                return HttpResponseRedirect(problem.get_absolute_url())
        return self.render_form(request, obj, form)


class ProblemDeleteView(ObjectDeleteView):
    """Delete a problem through ``problem_delete``: a problem other records were made from or
    name is not deleted, and the page says which of them the user may see (PRJ-01)."""

    model = Problem
    template_name = "problems/problem_delete.html"

    def delete_context(self, obj) -> dict:
        dependants = problem_dependants(obj, self.request.user)
        return {"dependants": dependants, "protected": bool(dependants), "cascade": []}

    def perform_delete(self, obj) -> None:
        services.problem_delete(user=self.request.user, problem=obj)

    def refused_message(self, obj, exc) -> str:
        return str(exc.args[0])


class ProblemImportView(ImportView):
    model = Problem
    importer_class = exports.TableC1Importer
    list_url_name = "problems:problem_list"


class ProblemAssessView(BaseObjectView):
    """Score a problem on the current severity model, each dimension with its Appendix D levels (PRB-03)."""

    model = Problem
    walk_action = "assess"
    template_name = "problems/problem_assess.html"

    def render_page(self, problem, form):
        return render(self.request, self.template_name, {
            "object": problem, "form": form, "model": form.model, "opts": Problem._meta,
            "title": _("Severity assessment · %(p)s") % {"p": problem}})

    def get(self, request, pk):
        problem = get_restricted_or_404(Problem.objects.all(), request.user, "assess", pk=pk)
        model = SeverityModel.objects.current()
        last = problem.assessments.filter(model=model).first()
        return self.render_page(problem, AssessmentForm(model=model, initial_scores=last.scores if last else None))

    def post(self, request, pk):
        problem = get_restricted_or_404(Problem.objects.all(), request.user, "assess", pk=pk)
        form = AssessmentForm(request.POST, model=SeverityModel.objects.current())
        if form.is_valid():
            try:
                assessment = services.problem_assess(user=request.user, problem=problem, scores=form.scores(),
                                                     comment=form.cleaned_data["comment"], model=form.model)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(f"score_{field}" if f"score_{field}" in form.fields else None, errors)
            else:
                messages.success(request, _("Assessed: total %(t)s, %(s)s.") % {
                    "t": format_total(assessment.total), "s": "★" * problem.stars})
                return HttpResponseRedirect(problem.get_absolute_url())
        return self.render_page(problem, form)


class ProblemReviewView(BaseObjectView):
    """Record the yearly review of a problem (PRB-06)."""

    model = Problem
    walk_action = "review"
    template_name = "core/object_edit.html"

    def render_page(self, problem, form):
        return render(self.request, self.template_name, {
            "object": problem, "form": form, "opts": Problem._meta, "cancel_url": problem.get_absolute_url(),
            "title": _("Periodic review · %(p)s") % {"p": problem}})

    def get(self, request, pk):
        problem = get_restricted_or_404(Problem.objects.all(), request.user, "review", pk=pk)
        return self.render_page(problem, ProblemReviewForm(user=request.user,
                                                           initial={"reviewed_on": timezone.localdate()}))

    def post(self, request, pk):
        problem = get_restricted_or_404(Problem.objects.all(), request.user, "review", pk=pk)
        form = ProblemReviewForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.problem_review_record(user=request.user, problem=problem, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Review recorded; next review due %(d)s.") % {
                    "d": Problem.objects.get(pk=problem.pk).next_review_due})
                return HttpResponseRedirect(problem.get_absolute_url())
        return self.render_page(problem, form)


class ProblemAnalyseView(BaseObjectView):
    model = Problem
    walk_action = "change"

    def get(self, request, pk):
        problem = get_restricted_or_404(Problem.objects.all(), request.user, "change", pk=pk)
        return HttpResponseRedirect(problem.get_absolute_url())

    def post(self, request, pk):
        problem = get_restricted_or_404(Problem.objects.all(), request.user, "change", pk=pk)
        try:
            services.problem_start_analysis(user=request.user, problem=problem)
            messages.success(request, _("The problem is now under analysis."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(problem.get_absolute_url())


class SeverityModelListView(ObjectListView):
    model = SeverityModel
    table_class = SeverityModelTable
    add_url_name = "problems:severitymodel_add"


class SeverityModelDetailView(ObjectDetailView):
    model = SeverityModel
    template_name = "problems/severitymodel_detail.html"

    def get_extra_context(self, request, obj):
        return {"dimensions": obj.dimensions.all(), "assessment_count": obj.assessments.count()}


class SeverityModelAddView(BaseObjectView):
    """An administrator defines a new model version: dimensions, weights, thresholds (PRB-03)."""

    model = SeverityModel
    template_name = "problems/severitymodel_add.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.can("add"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def initial(self):
        current = SeverityModel.objects.current()
        if current is None:
            return {}
        data = {"name": current.name, "level1_min": current.level1_min, "level2_min": current.level2_min}
        for i, dim in enumerate(current.dimensions.all(), start=1):
            data.update({f"dim{i}_code": dim.code, f"dim{i}_name": dim.name, f"dim{i}_weight": dim.weight})
            for level in dim.levels:
                data[f"dim{i}_level_{level.get('scores')}"] = level.get("description", "")
        return data

    def render_page(self, form):
        form.mark_invalid()
        return render(self.request, self.template_name, {"form": form, "opts": SeverityModel._meta,
                                                         "title": _("New severity model version")})

    def get(self, request):
        return self.render_page(SeverityModelForm(initial=self.initial()))

    def post(self, request):
        form = SeverityModelForm(request.POST)
        if form.is_valid():
            try:
                model = services.severity_model_create(
                    user=request.user, name=form.cleaned_data["name"], level1_min=form.cleaned_data["level1_min"],
                    level2_min=form.cleaned_data["level2_min"], note=form.cleaned_data["note"],
                    dimensions=form.dimensions())
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    if field == "dimensions":  # the weights' sum, no dimension at all: shown at the table
                        form.table_errors.extend(errors)
                        continue
                    if field.startswith("dimensions."):
                        # the service counts the rows it was given; the page's row may lie further down
                        _prefix, index, attr = field.split(".")
                        field = f"dim{form.row_numbers[int(index) - 1]}_{attr}"
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Version %(n)d is now the current model.") % {"n": model.number})
                return HttpResponseRedirect(model.get_absolute_url())
        return self.render_page(form)
