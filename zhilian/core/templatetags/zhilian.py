import json

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import urlencode
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from zhilian.core import masking

register = template.Library()


@register.filter
def mobile(value, user=None):
    """{{ expert.mobile|mobile:request.user }} — always masked on pages (SEC-07); reveal one
    number with {% personal obj "mobile" %}, which audits the reveal."""
    return masking.mobile_for(user, value)


@register.filter
def id_number(value, user=None):
    return masking.id_number_for(user, value)


@register.filter
def scrub(value):
    """Mask mobile and identity numbers inside free text (audit records)."""
    return masking.scrub(value)


@register.simple_tag(takes_context=True)
def personal(context, obj, field_name):
    """A personal number, masked, with a reveal button for users who may unmask (SEC-07).

    The button posts to ``core:unmask``, which records the reveal in the audit log.
    """
    kinds = masking.personal_fields(type(obj))
    value = getattr(obj, field_name, "") or ""
    if not value:
        return "—"
    shown = masking.mask(kinds.get(field_name, masking.MOBILE), value)
    request = context.get("request")
    # The unmask permission, or a party of this record (masking.register_reveal).
    if request is None or not masking.may_reveal(request.user, obj, field_name):
        return shown
    url = reverse("core:unmask", args=[f"{obj._meta.app_label}.{obj._meta.model_name}", obj.pk, field_name])
    return format_html(
        '<span class="zl-personal-wrap">{} <button type="button" class="btn btn-link btn-sm p-0 align-baseline zl-unmask" '
        'hx-post="{}" hx-target="closest .zl-personal-wrap" hx-swap="outerHTML" title="{}" data-field="{}">'
        '<i class="bi bi-eye"></i> {}</button></span>',
        shown, url, _("Show the full number (the reveal is recorded in the audit log)"), field_name, _("Show"),
    )


@register.filter
def verbose_name(obj, field_name):
    try:
        return obj._meta.get_field(field_name).verbose_name
    except Exception:  # noqa: BLE001 - template helper must not raise
        return field_name


@register.filter
def display(obj, field_name):
    """The display value of a field: choice label, related object, or value."""
    getter = getattr(obj, f"get_{field_name}_display", None)
    if callable(getter):
        return getter()
    return getattr(obj, field_name, "")


@register.simple_tag
def label_of(obj):
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


@register.simple_tag
def history_url(obj):
    return reverse("core:history", args=[f"{obj._meta.app_label}.{obj._meta.model_name}", obj.pk])


@register.simple_tag
def attachment_upload_url(obj):
    return reverse("core:attachment_upload", args=[f"{obj._meta.app_label}.{obj._meta.model_name}", obj.pk])


@register.filter
def stars(level_or_count):
    """★★★ for 3; accepts an int count."""
    try:
        n = int(level_or_count)
    except (TypeError, ValueError):
        return ""
    return "★" * n


@register.simple_tag
def chart(element_id, option, height=320):
    """A chart container whose ECharts option travels as JSON (no inline script: CSP)."""
    data = json.dumps(option, ensure_ascii=False, default=str)
    return format_html(
        '<div class="zl-chart" id="{}" data-option-id="{}-data" style="height:{}px"></div>'
        '<script type="application/json" id="{}-data">{}</script>',
        element_id, element_id, int(height), element_id,
        mark_safe(data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")),  # nosec B308 B703 - escaped JSON
    )


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.inclusion_tag("core/includes/badge.html")
def status_badge(value, label=None, tone=None):
    tones = {
        "identified": "secondary", "analyzing": "info", "tackling": "warning", "solved": "success",
        "draft": "secondary", "review": "info", "published": "success", "submitted": "info", "accepted": "primary",
        "matched": "primary", "in_service": "warning", "completed": "success", "closed": "dark", "cancelled": "light",
        "rejected": "danger", "approved": "success", "archived": "dark",
    }
    return {"label": label or value, "tone": tone or tones.get(str(value), "secondary")}


def status_badge_html(value, label=None, tone=None) -> str:
    """``{% status_badge %}`` for a list table's cell, without rendering its template per row."""
    badge = status_badge(value, label, tone)
    return format_html('<span class="badge text-bg-{}">{}</span>', badge["tone"], badge["label"])


@register.simple_tag(takes_context=True)
def list_table(context, table):
    """A django-tables2 table, rendered by ``core.tables`` (the same markup, faster)."""
    from zhilian.core.tables import render_table

    return render_table(table, context.get("request"))


_menu_html: dict = {}


@register.simple_tag
def main_menu(menu):
    """The navigation bar's menus, written once per menu (role set) and language."""
    from django.utils.html import format_html_join
    from django.utils.translation import get_language

    key = (id(menu), get_language())
    html = _menu_html.get(key)
    if html is None or html[0] is not menu:
        items = lambda group: format_html_join(  # noqa: E731
            "", '<li><a class="dropdown-item" href="{}">{}{}</a></li>',
            ((item["url"], format_html('<i class="bi bi-{} me-1"></i>', item["icon"]) if item["icon"] else "",
              item["label"]) for item in group["items"]))
        body = format_html_join(
            "", '<li class="nav-item dropdown"><a class="nav-link dropdown-toggle" href="#" role="button" '
                'data-bs-toggle="dropdown" aria-expanded="false" data-menu="{}"><i class="bi bi-{}"></i> {}</a>'
                '<ul class="dropdown-menu">{}</ul></li>',
            ((group["key"], group["icon"], group["label"], items(group)) for group in menu))
        html = _menu_html[key] = (menu, format_html('<ul class="navbar-nav me-auto">{}</ul>', body))
    return html[1]


@register.simple_tag
def list_separator():
    """Between the items of a list, in the reader's language: 、 in Chinese, ", " in English
    (a bare 、 in a template showed in the English pages)."""
    return pgettext("list separator", ", ")


@register.filter(needs_autoescape=True)
def listing(items, autoescape=True):
    """``{{ names|listing }}``: the items joined with the reader's list separator."""
    escape = conditional_escape if autoescape else str
    return mark_safe(escape(list_separator()).join(escape(item) for item in items))  # nosec B308 B703 - escaped above


@register.filter(needs_autoescape=True)
def clauses(items, autoescape=True):
    """``{{ reasons|clauses }}``: sentences joined with the reader's clause separator, ； in
    Chinese and "; " in English."""
    escape = conditional_escape if autoescape else str
    separator = pgettext("clause separator", "; ")
    return mark_safe(escape(separator).join(escape(item) for item in items))  # nosec B308 B703 - escaped above


_NO_VALUE = object()


def _shown(obj, name):
    """``{{ obj.name }}`` as a template reads it: a method is called, a missing one is ""."""
    value = getattr(obj, name, _NO_VALUE)
    if value is _NO_VALUE:
        return ""
    return value() if callable(value) else value


@register.simple_tag
def search_groups(results, query):
    """The site search's groups of hits, as ``core/search.html`` wrote them with a loop of
    template tags (about a third of a search page's Python for its 100-odd hits)."""
    show_all = _("Show all")
    parts = []
    for st, hits, total, capped in results:
        key = conditional_escape(st.key)
        if capped:
            counted = _("More than %(counter)s hits") % {"counter": intcomma(total)}
        else:
            counted = ngettext("%(counter)s hit", "%(counter)s hits", total) % {"counter": total}
        parts.append(format_html(
            '\n  <div class="card mb-3 search-group" data-type="{}">\n    <div class="card-header d-flex '
            'justify-content-between"><span>{}</span><span class="text-muted small">{}</span></div>\n'
            '    <ul class="list-group list-group-flush">\n      ', key, st.label, counted))
        for hit in hits:
            kind = _shown(hit, "kind")
            district = _shown(hit, "district")
            parts.append(format_html(
                '\n      <li class="list-group-item"><a href="{}" class="search-hit">{}</a>\n        {}\n        {}'
                '\n      </li>\n      ', hit.get_absolute_url(), hit,
                format_html('<span class="badge text-bg-light">{}</span>', _shown(hit, "get_kind_display"))
                if kind else "",
                format_html('<span class="text-muted small">{}{}</span>', _shown(hit, "city"), district)
                if district else ""))
        footer = format_html('<div class="card-footer small"><a href="?q={}&type={}">{}</a></div>',
                             urlencode(query), key, show_all) if capped or total > len(hits) else ""
        parts.append(format_html("\n    </ul>\n    {}\n  </div>\n  ", footer))
    return mark_safe("".join(parts))  # nosec B308 B703 - each part written by format_html above
