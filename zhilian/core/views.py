import chinese_calendar
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import attachments as attachment_service
from .audit_views import audit_detail, audit_list  # noqa: F401 - URLconf names
from .context import safe_return_url
from . import audit, calendar, lookups, masking, notifications, registry, search
from .pagecache import kept_view
from .filters import as_id
from .forms import AttachmentForm, CalendarDayForm, CalendarYearForm, WorkingDayForm
from .models import AuditAction, Attachment, CalendarDay, CalendarYear, Notification
from .permissions import get_restricted_or_404


@login_required
@kept_view  # ~25 restricted counts: 0.3-0.5 s for an enterprise at bench scale, kept until a table changes
def home(request):
    """The dashboard: each app's widgets the user may see, each computing restricted figures."""
    widgets = []
    for widget in sorted(registry.widgets.values(), key=lambda w: w.order):
        if widget.permission and not request.user.has_perm(widget.permission):
            continue
        widgets.append({"widget": widget, "context": widget.context(request)})
    return render(request, "core/home.html", {"widgets": widgets, "title": _("Dashboard")})


@login_required
def lookup(request, key):
    """``<option>``s of a form's directory-sized choice (or checkbox list) matching ``?q=`` (core.lookups): only from
    the queryset the form offered this user, kept in their session under ``key``."""
    queryset, label = lookups.remembered(request, key)
    if queryset is None:
        raise Http404
    text = request.GET.get("q", "").strip()[:50]
    rows = lookups.search(queryset, text) if text else []
    return render(request, "core/lookup_options.html", {"rows": [(row.pk, label(row)) for row in rows]})


@login_required
@kept_view
def search_view(request):
    query = request.GET.get("q", "").strip()
    only = request.GET.get("type") or None
    results = search.search(request.user, query, limit_per_type=50 if only else 8, only=only) if query else []
    return render(request, "core/search.html", {
        "query": query, "results": results, "title": _("Search"), "types": search.types(), "only": only,
    })


def _object_from_label(request, label, pk, action="view"):
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404 from None
    if not hasattr(model.objects, "restrict"):
        raise Http404
    return get_restricted_or_404(model.objects.all(), request.user, action, pk=pk)


@login_required
def history(request, label, pk):
    """Every recorded change of one object and of its children, newest first (PLT-03)."""
    obj = _object_from_label(request, label, pk)
    # A model may keep its log from some who see the row: a chain's log shows edits not yet
    # published, which only its builders and reviewers see (``history_visible_to``).
    visible = getattr(obj, "history_visible_to", None)
    if visible is not None and not visible(request.user):
        raise Http404
    events = audit.history_events(obj, request.user).select_related("content_type")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    own_type = ContentType.objects.get_for_model(type(obj)).pk
    events = list(page.object_list)
    # Names of related records (a problem's related problems) only for those who may see them.
    reader = audit.Reader(request.user, events)
    rows = [{
        "event": event,
        # A child's record names the child; the object's own records need no name (the page
        # says it), and the name it had then may be a placeholder ("new need …").
        "is_own": event.content_type_id == own_type and event.object_id == str(obj.pk),
        # Labels from the recorded model's fields, values in the reader's language (PLT-03).
        "changes": audit.present_event_changes(event, reader=reader),
        "message": reader.message(event),
    } for event in events]
    return render(request, "core/history.html", {
        "object": obj, "opts": obj._meta, "page": page, "rows": rows,
        "title": _("History of %(name)s") % {"name": obj},
    })


@login_required
@require_POST
def unmask(request, label, pk, field):
    """Reveal one personal number to a user allowed to; the reveal is audited (SEC-07)."""
    obj = _object_from_label(request, label, pk)
    value = masking.unmask_field(user=request.user, obj=obj, field=field)
    if getattr(request, "htmx", False):
        return HttpResponse(format_html('<span class="zl-personal-wrap zl-unmasked" data-field="{}">{}</span>', field, value))
    return JsonResponse({"field": field, "value": value})


@login_required
@require_POST
def attachment_upload(request, label, pk):
    owner = _object_from_label(request, label, pk, "change")
    request.FILES  # noqa: B018 - parse the upload now: the size-limit handler notes what it dropped
    if getattr(request, "upload_refused", None):
        messages.error(request, _("“%(name)s” is larger than the limit of %(limit)d MB and was not stored.") % {
            "name": request.upload_refused[0], "limit": settings.ZHILIAN_UPLOAD_MAX_BYTES // 1048576})
        return HttpResponseRedirect(owner.get_absolute_url())
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment_service.attachment_add(user=request.user, owner=owner, uploaded=form.cleaned_data["file"],
                                              category=form.cleaned_data["category"],
                                              description=form.cleaned_data["description"])
            messages.success(request, _("Attached %(name)s.") % {"name": form.cleaned_data["file"].name})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return HttpResponseRedirect(safe_return_url(request, request.POST.get("return_url"), owner.get_absolute_url()))


@login_required
def attachment_download(request, pk):
    """Serve a file only if the user may see the object it is attached to (SEC-08)."""
    attachment = get_restricted_or_404(Attachment.objects.all(), request.user, "view", pk=pk)
    if not request.user.has_perm("core.download_attachment"):
        raise Http404
    attachment_service.record_download(attachment, request.user)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def attachment_delete(request, pk):
    attachment = get_restricted_or_404(Attachment.objects.all(), request.user, "change", pk=pk)
    owner = attachment.owner
    if attachment.uploaded_by_id != request.user.pk and not request.user.has_perm("core.delete_attachment"):
        raise PermissionDenied
    attachment.file.delete(save=False)
    attachment.delete()
    messages.success(request, _("Removed %(name)s.") % {"name": attachment.original_name})
    return HttpResponseRedirect(owner.get_absolute_url())


@login_required
def notification_list(request):
    qs = Notification.objects.restrict(request.user, "view")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page, "title": _("Notifications")})


@login_required
@require_POST
def notification_read(request):
    ids = request.POST.getlist("id") or None
    notifications.mark_read(request.user, ids)
    target = request.POST.get("next")
    if target and target.startswith("/") and not target.startswith("//"):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("core:notifications"))


def _holiday_name(english: str) -> str:
    from django.utils.translation import get_language

    if (get_language() or "").startswith("zh"):
        for holiday in chinese_calendar.Holiday:
            if holiday.value == english:
                return holiday.chinese
    return english


@login_required
def calendar_view(request):
    """Holidays and adjusted working days: library years, and years administrators enter."""
    if not request.user.has_perm("core.view_calendarday"):
        raise PermissionDenied
    can_edit = request.user.has_perm("core.add_calendarday")
    today = timezone.localdate()
    year = as_id(request.GET.get("year"))  # ?year=abc, 0 or 99999 was a 500
    if year not in calendar.COMPUTABLE_YEARS:
        year = today.year
    day_form = CalendarDayForm(user=request.user)
    year_form = CalendarYearForm(user=request.user)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied  # readers (PLT-05): only the system administrator enters holidays
    if request.method == "POST":
        if "add_day" in request.POST:
            day_form = CalendarDayForm(request.POST, user=request.user)
            if day_form.is_valid():
                day_form.save()
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(f"{reverse('core:calendar')}?year={day_form.cleaned_data['date'].year}")
        elif "save_year" in request.POST:
            existing = CalendarYear.objects.filter(year=request.POST.get("year")).first()
            year_form = CalendarYearForm(request.POST, instance=existing, user=request.user)
            if year_form.is_valid():
                year_form.save()
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(f"{reverse('core:calendar')}?year={year_form.cleaned_data['year']}")
        elif "delete_day" in request.POST:
            CalendarDay.objects.filter(pk=as_id(request.POST.get("delete_day"))).delete()
            return HttpResponseRedirect(f"{reverse('core:calendar')}?year={year}")
    library_days = []
    if year in calendar.LIBRARY_YEARS:
        for d in sorted(chinese_calendar.holidays):
            if d.year == year:
                library_days.append((d, _holiday_name(chinese_calendar.holidays[d]), False))
        for d in sorted(chinese_calendar.workdays):
            if d.year == year and d.weekday() >= 5:
                library_days.append((d, _holiday_name(chinese_calendar.workdays[d]), True))
        library_days.sort()
    compute = None
    calc_form = WorkingDayForm(request.GET if "start" in request.GET else None)
    if calc_form.is_bound and calc_form.is_valid():
        compute = calendar.add_working_days(calc_form.cleaned_data["start"], calc_form.cleaned_data["days"])
    return render(request, "core/calendar.html", {
        "title": _("Working-day calendar"),
        "year": year,
        # the years there is something to read in, and the one shown (an entered day's year too:
        # after adding a day in a year not yet marked, its button was missing)
        "years": sorted(set(calendar.LIBRARY_YEARS) | set(CalendarYear.objects.values_list("year", flat=True))
                        | {d.year for d in CalendarDay.objects.dates("date", "year")}
                        | {today.year, today.year + 1, year}),
        "in_library": year in calendar.LIBRARY_YEARS,
        "library_days": library_days,
        "admin_days": CalendarDay.objects.filter(date__year=year),
        "year_record": CalendarYear.objects.filter(year=year).first(),
        "day_form": day_form, "year_form": year_form, "calc_form": calc_form, "compute": compute,
        "can_edit": can_edit,
    })


def content_type_label(obj) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"



def csrf_failure(request, reason=""):
    """A refused form post (missing or stale CSRF token): explain, and record it (SEC-06, SEC-09)."""
    audit.write(action=AuditAction.PERMISSION_DENIED, message=f"CSRF {request.method} {request.path}: {reason}"[:500])
    return render(request, "403_csrf.html", {"title": _("The form expired")}, status=403)
