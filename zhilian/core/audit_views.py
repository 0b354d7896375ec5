"""The audit administrator's view of the log (SEC-05, SEC-06): browse, filter, export.

Read-only by construction: these views only ever SELECT, the URLconf has no way to change
a record, and the database refuses UPDATE and DELETE anyway (core.appendonly). Personal
numbers inside records are masked like everywhere else (SEC-07).
"""

import csv
import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from . import audit
from .filters import ALL
from .models import AuditAction, AuditEvent
from .permissions import may
from .spreadsheets import Column, build_workbook, file_response

XLSX_ROW_LIMIT = 100_000  # beyond this an .xlsx gets unwieldy: CSV streams any size


def _localtime(value):
    return timezone.localtime(value).replace(tzinfo=None)


def _changes_text(event) -> str:
    """One line per changed field, labelled and valued as the pages show them."""
    lines = []
    for change in audit.present_event_changes(event):
        if change["many"]:
            value = " ".join(filter(None, [("+ " + "、".join(change["added"])) if change["added"] else "",
                                           ("− " + "、".join(change["removed"])) if change["removed"] else ""]))
        elif change["before"] in (None, ""):
            value = f"{change['after'] if change['after'] is not None else '∅'}"
        else:
            value = f"{change['before']} → {change['after'] if change['after'] is not None else '∅'}"
        lines.append(f"{change['label']}: {value}")
    return "\n".join(lines)


AUDIT_EXPORT_COLUMNS = [
    Column("时间 Time", "timestamp", width=20, value=lambda e: _localtime(e.timestamp)),
    Column("操作人 Actor", "actor_name", width=16),
    Column("动作 Action", "action", width=14, value=lambda e: e.get_action_display()),
    Column("对象类型 Type", "content_type", width=18, value=lambda e: e.content_type.name if e.content_type_id else ""),
    Column("对象 Object", "object_repr", width=30, value=lambda e: e.object_shown),
    Column("对象编号 Object id", "object_id", width=10),
    Column("变更 Changes", "changes", width=60, value=lambda e: _changes_text(e) if e.changes else ""),
    Column("说明 Message", "message", width=30, value=lambda e: e.message_shown),
    Column("IP", "ip_address", width=16),
    Column("路径 Path", "path", width=30),
    Column("请求 Request", "request_id", width=36),
    Column("记录号 Record", "id", width=10),
]


def audited_content_types():
    models = [m for m in audit._registry] + [AuditEvent]
    cts = ContentType.objects.get_for_models(*models)
    return sorted(((ct.pk, str(ct.name)) for ct in cts.values()), key=lambda item: item[1])


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=gettext_lazy("Actor"), required=False)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    content_type = forms.TypedChoiceField(label=gettext_lazy("Object type"), required=False, coerce=int,
                                          empty_value=None)
    q = forms.CharField(label=gettext_lazy("Object or message contains"), required=False)
    ip = forms.GenericIPAddressField(label=gettext_lazy("IP address"), required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    request_id = forms.CharField(label=gettext_lazy("Request id"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", ALL), *AuditAction.choices]
        self.fields["content_type"].choices = [("", ALL), *audited_content_types()]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select form-select-sm" if isinstance(field, forms.ChoiceField)
                                          else "form-control form-control-sm")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


def filter_events(queryset, data: dict):
    """Apply the filters; dates are local calendar days turned into an indexed time range."""
    if data.get("actor"):
        queryset = queryset.filter(actor_name__icontains=data["actor"])
    if data.get("action"):
        queryset = queryset.filter(action=data["action"])
    if data.get("content_type"):
        queryset = queryset.filter(Q(content_type_id=data["content_type"]) | Q(parent_content_type_id=data["content_type"]))
    if data.get("q"):
        queryset = queryset.filter(Q(object_repr__icontains=data["q"]) | Q(message__icontains=data["q"]))
    if data.get("ip"):
        queryset = queryset.filter(ip_address=data["ip"])
    if data.get("request_id"):
        queryset = queryset.filter(request_id=data["request_id"].strip())
    tz = timezone.get_current_timezone()
    if data.get("start"):
        queryset = queryset.filter(timestamp__gte=datetime.datetime.combine(data["start"], datetime.time.min, tz))
    if data.get("end"):
        end = datetime.datetime.combine(data["end"] + datetime.timedelta(days=1), datetime.time.min, tz)
        queryset = queryset.filter(timestamp__lt=end)
    return queryset


class _Echo:
    def write(self, value):
        return value


def _csv_rows(events):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([c.header for c in AUDIT_EXPORT_COLUMNS])  # BOM: Excel reads UTF-8
    for event in events:
        yield writer.writerow([_csv_cell(c.export_value(event)) for c in AUDIT_EXPORT_COLUMNS])


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value)
    # A cell starting with = + - @ would run as a formula when opened in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _require_audit_reader(request):
    if not may(request.user, "view", AuditEvent):
        raise PermissionDenied


@login_required
@require_safe
def audit_list(request):
    """The audit log for the audit administrator: filter by time, actor, action, type, text."""
    _require_audit_reader(request)
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.restrict(request.user, "view").select_related("content_type")
    if form.is_bound and form.is_valid():
        events = filter_events(events, form.cleaned_data)
    elif form.is_bound:
        events = events.none()
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        if not request.user.has_perm("core.export_auditevent"):
            raise PermissionDenied
        audit.write(action=AuditAction.EXPORT, object_repr=str(AuditEvent._meta.verbose_name_plural),
                    message=request.GET.urlencode())
        filename = f"audit-{timezone.localdate():%Y%m%d}"
        if export == "csv" or events.count() > XLSX_ROW_LIMIT:
            response = StreamingHttpResponse(_csv_rows(events.iterator(chunk_size=5000)), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
            return response
        return file_response(build_workbook("audit", AUDIT_EXPORT_COLUMNS, events.iterator(chunk_size=5000)),
                             f"{filename}.xlsx")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {
        "title": _("Audit log"), "page": page, "form": form,
        "can_export": request.user.has_perm("core.export_auditevent"),
    })


@login_required
@require_safe
def audit_detail(request, pk):
    """One audit record in full (changes masked)."""
    _require_audit_reader(request)
    event = AuditEvent.objects.restrict(request.user, "view").select_related("content_type").filter(pk=pk).first()
    if event is None:
        raise Http404
    return render(request, "core/audit_detail.html", {
        "title": _("Audit record %(id)d") % {"id": event.pk}, "event": event,
        "changes": audit.present_event_changes(event),
    })
