"""Generic views for plain list / detail / edit / delete / import pages (NetBox style).

A domain view declares ``model``, ``form_class`` / ``filterset_class`` / ``table_class``
and templates; these classes apply ``restrict`` for the action, the stale-edit check, the
re-check that a saved row is still visible to its author, exports with the list's
filters, and htmx partial rendering. Anything beyond plain CRUD belongs in a service.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views import View
from django_tables2 import RequestConfig

from . import audit, filters, masking, related, search
from .attachments import attachment_rows, attachments_for, registered_models
from .context import safe_return_url
from .exceptions import StaleObjectError
from .models import AuditAction
from .pagecache import kept_page
from .pagination import SearchPaginator
from .permissions import allowed, get_restricted_or_404, may
from .spreadsheets import ImportResult, RowError, ascii_model_name, build_workbook, file_response


def _object_url(obj, suffix):
    try:
        return reverse(f"{obj._meta.app_label}:{obj._meta.model_name}_{suffix}", args=[obj.pk])
    except NoReverseMatch:
        return None


HIDDEN_FIELDS = {"id", "search_text", "search_doubled", "name_sort", "version", "created_at", "updated_at"}


def _display_fields(obj):
    """(label, value) of the concrete fields, for the generic detail template."""
    rows = []
    for field in obj._meta.concrete_fields:
        if field.name in HIDDEN_FIELDS:
            continue
        getter = getattr(obj, f"get_{field.name}_display", None)
        value = getter() if callable(getter) else getattr(obj, field.name)
        rows.append((field.verbose_name, field.name, value))
    return rows


class BaseObjectView(LoginRequiredMixin, View):
    model = None
    queryset = None

    def base_queryset(self):
        return self.queryset if self.queryset is not None else self.model.objects.all()

    def restricted(self, action="view"):
        return self.base_queryset().restrict(self.request.user, action)

    def can(self, action, model=None):
        return may(self.request.user, action, model or self.model)

    def page_title(self):
        return capfirst(str(self.model._meta.verbose_name_plural))


class ObjectListView(BaseObjectView):
    """A filtered, sortable, searchable, exportable list of the rows the user may see."""

    filterset_class = None
    table_class = None
    template_name = "core/object_list.html"
    export_columns = None  # list[core.spreadsheets.Column]
    export_heading = None
    add_url_name = None
    import_url_name = None
    search_title_field = "name"
    per_page = 25
    extra_actions_template = None
    # The fields the table reads (its columns, their render methods, the rows' links), when a
    # model has many more (long texts, the search columns): the page's rows are read with only
    # these. A field read but not listed costs a query per row, which the view's test checks.
    table_fields: tuple = ()

    def get_queryset(self):
        return self.restricted("view")

    def filtered(self, request):
        queryset = self.get_queryset()
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(request.GET or None, queryset=queryset, request=request)
            queryset = filterset.qs if filterset.is_valid() or not request.GET else queryset.none()
        query = request.GET.get("q", "").strip()
        if query:
            queryset = search.filter_queryset(queryset, query, self.search_title_field)
        return queryset, filterset, query

    def export_unmasked(self, request) -> bool:
        """Full numbers in an export only when asked for and allowed (SEC-07); audited."""
        return request.GET.get("unmask") == "1" and masking.may_unmask(request.user)

    def export(self, request, queryset):
        unmasked = self.export_unmasked(request)
        rows = queryset if unmasked else masking.masked(queryset)
        # Columns that format a number themselves (mobile_for / id_number_for) read REVEAL.
        token = masking.REVEAL.set(unmasked)
        try:
            content = build_workbook(self.page_title(), self.export_columns, rows.iterator(chunk_size=2000),
                                     heading=self.export_heading)
        finally:
            masking.REVEAL.reset(token)
        audit.write(action=AuditAction.UNMASK if unmasked else AuditAction.EXPORT, object_repr=self.page_title(),
                    message=request.GET.urlencode())
        return file_response(content, f"{self.page_title()}.xlsx", ascii_name=f"{ascii_model_name(self.model)}.xlsx")

    def get_extra_context(self, request):
        return {}

    @kept_page
    def get(self, request, *args, **kwargs):
        queryset, filterset, query = self.filtered(request)
        if request.GET.get("export") == "xlsx" and self.export_columns:
            return self.export(request, queryset)
        context = {
            "title": self.page_title(),
            "model": self.model,
            "opts": self.model._meta,
            "table_html": self.table_html(request, queryset),
            "filterset": filterset,
            "filter_fields": filters.rendered_fields(filterset, request) if filterset is not None else "",
            "query": query,
            "can_add": bool(self.add_url_name) and self.can("add"),
            "add_url": reverse(self.add_url_name) if self.add_url_name else None,
            "can_import": bool(self.import_url_name) and self.can("add"),
            "import_url": reverse(self.import_url_name) if self.import_url_name else None,
            "can_export": bool(self.export_columns),
            "can_export_unmasked": bool(self.export_columns) and masking.may_unmask(request.user)
            and bool(masking.personal_fields_anywhere(self.model)),
            "extra_actions_template": self.extra_actions_template,
            **self.get_extra_context(request),
        }
        if getattr(request, "htmx", False) and request.htmx.target == "object-list":
            # The export button sits outside the swapped table: send it again, out of band,
            # so that it exports what the new filters show.
            button = render_to_string("core/includes/export_button.html", {"oob": True}, request) \
                if context["can_export"] else ""
            return HttpResponse(context["table_html"] + button)
        return render(request, self.template_name, context)

    def per_page_for(self, request) -> int:
        try:
            return max(1, min(int(request.GET.get("per_page") or self.per_page), 200))
        except ValueError:
            return self.per_page

    def table_html(self, request, queryset) -> str:
        """The table with its count and pages.

        Not kept by itself: the page around it is (``kept_page``), under the same user, roles,
        language, date and parameters. A key of its own had to hold the query's SQL with the
        user's scope (the scope's reads happen before the table is computed, so they are not
        among the tables it is kept under): compiling it cost a consortium member 2 ms of
        every list or search page computed, and it was used again only when the same user
        asked the same parameters for another htmx target."""
        # No request to the constructor: it would paginate (and count) with Django's paginator
        # before RequestConfig below paginates again with ours.
        table = self.table_class(masking.masked(queryset.only(*self.table_fields) if self.table_fields else queryset))
        RequestConfig(request, paginate={"per_page": self.per_page_for(request),
                                         "paginator_class": SearchPaginator}).configure(table)
        return render_to_string("core/includes/object_table.html",
                                {"table": table, "filtered": _narrowed(request)}, request)


def _narrowed(request) -> bool:
    """Whether the list's parameters filter it: an empty list then says the filters found
    nothing, else that there is nothing yet."""
    return any(value for key in request.GET if key not in filters.PAGING_PARAMETERS for value in request.GET.getlist(key))


class ObjectDetailView(BaseObjectView):
    template_name = None
    tabs = ()  # [(key, label)] for templates that show related lists
    present: frozenset = frozenset()  # names of related_rows() with rows
    absent: frozenset = frozenset()  # names of related_rows() without any

    def get_object(self, pk):
        view = type(self)
        return get_restricted_or_404(self.base_queryset(), self.request.user, "view",
                                     kept_as=f"{view.__module__}.{view.__qualname__}", pk=pk)

    def get_extra_context(self, request, obj):
        return {}

    def related_rows(self, obj) -> dict:
        """{name: (model, {field: value})}: the related rows the page lists. Which of them
        exist at all is asked in one query (``core.related``) before the page is built;
        ``self.present`` holds the names that have rows, and a section without any is not
        queried (it could show nothing)."""
        return {}

    def get(self, request, pk, *args, **kwargs):
        obj = masking.mask_instance(self.get_object(pk))  # SEC-07: reveal only through the audited button
        model = type(obj)
        has_attachments = model in registered_models()
        checks = self.related_rows(obj)
        if has_attachments:
            checks["attachments"] = attachment_rows(obj)
        self.present = frozenset(related.with_rows(checks))
        self.absent = frozenset(checks) - self.present
        can_change = allowed(request.user, "change", obj)
        context = {
            "object": obj,
            "opts": model._meta,
            "title": str(obj),
            "edit_url": _object_url(obj, "edit"),
            "delete_url": _object_url(obj, "delete"),
            "fields": _display_fields(obj),
            "personal_fields": masking.personal_fields(model),
            "can_change": can_change,
            "can_delete": allowed(request.user, "delete", obj),
            "has_attachments": has_attachments,
            "attachments": attachments_for(obj, request.user) if "attachments" in self.present else [],
            **self.get_extra_context(request, obj),
        }
        templates = [self.template_name] if self.template_name else [
            f"{model._meta.app_label}/{model._meta.model_name}_detail.html", "core/object_detail_generic.html"]
        return render(request, templates, context)


class ObjectEditView(BaseObjectView):
    """Create (no pk) or update (pk) through a ModelForm, refusing stale edits (SEC-10)."""

    form_class = None
    template_name = "core/object_edit.html"

    def get_object(self, pk):
        if pk is None:
            if not self.can("add"):
                raise PermissionDenied
            return self.model()
        return get_restricted_or_404(self.base_queryset(), self.request.user, "change", pk=pk)

    def get_form_kwargs(self, obj):
        return {"instance": obj, "user": self.request.user}

    def get_initial(self, request):
        return {k: v for k, v in request.GET.items() if k != "return_url"}

    def prepare(self, obj, form):
        """Hook: set fields the form does not carry (owner, creator) before saving."""

    def after_save(self, obj, form):
        """Hook: related writes that belong to the same transaction as the save."""

    def success_url(self, obj):
        return safe_return_url(self.request, self.request.GET.get("return_url"), obj.get_absolute_url())

    def render_form(self, request, obj, form, stale=None):
        posted = request.POST.get("_version", "") if request.method == "POST" else ""
        return render(request, self.template_name, {
            "object": obj, "form": form, "opts": self.model._meta, "stale": stale,
            # The version the user started editing from, kept across re-renders so that a
            # stale edit stays refused until the user chooses (SEC-10).
            "form_version": int(posted) if posted.isdigit() else getattr(obj, "version", None) if obj.pk else None,
            "title": (_("Edit %(name)s") % {"name": obj}) if obj.pk else (_("New %(model)s") % {"model": self.model._meta.verbose_name}),
            "cancel_url": safe_return_url(request, request.GET.get("return_url"), obj.get_absolute_url() if obj.pk else ""),
        })

    def get(self, request, pk=None, *args, **kwargs):
        obj = self.get_object(pk)
        form = self.form_class(initial=self.get_initial(request) if obj.pk is None else None, **self.get_form_kwargs(obj))
        return self.render_form(request, obj, form)

    def expected_version(self, request):
        """The version this edit was made from: the form's, or the one the user chose to overwrite."""
        for key in ("_overwrite_version", "_version"):
            if request.POST.get(key, "").isdigit():
                return int(request.POST[key])
        return None

    def stale_differences(self, form, current):
        """(label, saved value, your value) of the fields where the saved record differs."""
        rows = []
        personal = masking.personal_fields(type(current))
        for name, field in form.fields.items():
            if name not in form.cleaned_data or name not in {f.name for f in current._meta.concrete_fields}:
                continue
            model_field = current._meta.get_field(name)
            saved, yours = getattr(current, model_field.attname), form.cleaned_data[name]
            if isinstance(yours, models.Model):
                yours = yours.pk
            if saved == yours or (saved in (None, "") and yours in (None, "")):
                continue
            if name in personal:
                saved, yours = masking.mask(personal[name], saved), masking.mask(personal[name], yours)
            elif model_field.is_relation:
                saved = str(getattr(current, name) or "—")
                yours = str(form.cleaned_data[name] or "—")
            elif model_field.choices:
                choices = dict(model_field.flatchoices)
                saved, yours = choices.get(saved, saved), choices.get(yours, yours)
            rows.append((field.label, "—" if saved in (None, "") else saved, "—" if yours in (None, "") else yours))
        return rows

    def post(self, request, pk=None, *args, **kwargs):
        obj = self.get_object(pk)
        form = self.form_class(data=request.POST, files=request.FILES, **self.get_form_kwargs(obj))
        if form.is_valid():
            try:
                with transaction.atomic():
                    instance = form.save(commit=False)
                    self.prepare(instance, form)
                    expected = self.expected_version(request) if pk is not None else None
                    if expected is not None:
                        instance._expected_version = expected
                    instance.full_clean()
                    instance.save()
                    form.save_m2m()
                    self.after_save(instance, form)
                    if not self.model.objects.restrict(request.user, "view").filter(pk=instance.pk).exists():
                        raise PermissionDenied
            except StaleObjectError as exc:
                form.add_error(None, str(exc.message))
                current = type(obj)._base_manager.get(pk=obj.pk)
                stale = {"current_version": current.version, "differences": self.stale_differences(form, current),
                         "history_url": reverse("core:history", args=[obj._meta.label_lower, obj.pk])}
                return self.render_form(request, obj, form, stale=stale)
            except ValidationError as exc:
                form.add_error(None, exc)
            except PermissionDenied:
                form.add_error(None, _("You may not save a record outside your own scope."))
            else:
                messages.success(request, _("Saved %(name)s.") % {"name": instance})
                return HttpResponseRedirect(self.success_url(instance))
        return self.render_form(request, obj, form)


def deletion_effects(obj) -> tuple[list[tuple[str, int]], bool]:
    """What deleting ``obj`` would take with it, as (records' name, how many) — the records it
    owns, by model, counted not named — and whether other records keep it from being deleted.

    So the confirmation page says "this also deletes 3 placements" before, not after.
    """
    from django.db import router
    from django.db.models.deletion import Collector

    collector = Collector(using=router.db_for_write(type(obj)))
    try:
        collector.collect([obj])
    except (ProtectedError, RestrictedError):
        return [], True
    counts: dict = {}
    for model, instances in collector.data.items():
        if model._meta.auto_created:  # many-to-many link rows: part of the records themselves
            continue
        counts[model] = counts.get(model, 0) + len(instances)
    for queryset in collector.fast_deletes:
        model = queryset.model
        if not model._meta.auto_created:
            counts[model] = counts.get(model, 0) + queryset.count()
    if type(obj) in counts:
        counts[type(obj)] -= 1  # the record itself
    return sorted(((str(m._meta.verbose_name_plural), n) for m, n in counts.items() if n), key=lambda r: -r[1]), False


class ObjectDeleteView(BaseObjectView):
    template_name = "core/object_delete.html"

    def get_object(self, pk):
        return get_restricted_or_404(self.base_queryset(), self.request.user, "delete", pk=pk)

    def success_url(self, obj):
        return reverse(f"{obj._meta.app_label}:{obj._meta.model_name}_list")

    def delete_context(self, obj) -> dict:
        """What the confirmation says: ``cascade`` (what goes with the record) and ``protected``."""
        cascade, protected = deletion_effects(obj)
        return {"cascade": cascade, "protected": protected}

    def perform_delete(self, obj) -> None:
        obj.delete()

    def refused_message(self, obj, exc) -> str:
        return _("%(name)s is still referenced by other records and cannot be deleted.") % {"name": obj}

    def get(self, request, pk):
        obj = self.get_object(pk)
        return render(request, self.template_name, {
            "object": obj, "opts": obj._meta, "title": _("Delete %(name)s") % {"name": obj},
            **self.delete_context(obj)})

    def post(self, request, pk):
        obj = self.get_object(pk)
        name = str(obj)
        try:
            with transaction.atomic():
                self.perform_delete(obj)
        except (ProtectedError, RestrictedError) as exc:
            messages.error(request, self.refused_message(obj, exc))
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("Deleted %(name)s.") % {"name": name})
        return HttpResponseRedirect(self.success_url(obj))


class ImportView(BaseObjectView):
    """Upload an Excel file; validate all rows; import all or nothing; show row errors."""

    importer_class = None
    template_name = "core/import.html"
    list_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.can("add"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def context(self, **extra):
        importer = self.importer_class(user=self.request.user)
        return {"title": _("Import %(model)s") % {"model": self.model._meta.verbose_name_plural},
                "columns": importer.columns, "opts": self.model._meta,
                "list_url": reverse(self.list_url_name) if self.list_url_name else None, **extra}

    def error_session_key(self):
        return f"zhilian-import-errors:{self.model._meta.label_lower}"

    def get(self, request):
        if request.GET.get("template"):
            importer = self.importer_class(user=request.user)
            return file_response(importer.template(), f"{importer.title}.xlsx",
                                 ascii_name=f"{ascii_model_name(self.model)}-template.xlsx")
        if request.GET.get("errors"):
            # The row-level error report of this user's last rejected import, as a workbook.
            stored = request.session.get(self.error_session_key())
            if not stored:
                return HttpResponseRedirect(request.path)
            importer = self.importer_class(user=request.user)
            report = ImportResult(errors=[RowError(*row) for row in stored])
            # Named like the form it reports on, which is Chinese (PLT-07): 单位名录-错误报告.xlsx.
            return file_response(importer.error_workbook(report), f"{importer.title}-错误报告.xlsx",
                                 ascii_name=f"{ascii_model_name(self.model)}-errors.xlsx")
        return render(request, self.template_name, self.context())

    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            return render(request, self.template_name, self.context(form_error=_("Choose an .xlsx file to import.")))
        importer = self.importer_class(user=request.user)
        result = importer.run(upload, dry_run=bool(request.POST.get("dry_run")))
        # The page answering the upload states the outcome in its result card (no flash
        # message as well: it showed the same sentence a second time above the page).
        extra = {}
        if result.errors:
            request.session[self.error_session_key()] = [[e.row, e.column, str(e.message)] for e in result.errors[:5000]]
            extra["error_report_url"] = f"{request.path}?errors=1"
        else:
            request.session.pop(self.error_session_key(), None)
        return render(request, self.template_name, self.context(result=result, dry_run=bool(request.POST.get("dry_run")),
                                                                **extra))
