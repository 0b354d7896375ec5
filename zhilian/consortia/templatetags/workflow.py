"""Template helpers shared by the consortium, project and achievement pages."""

from django import template
from django.urls import NoReverseMatch
from django.utils.html import format_html
from django.utils.translation import gettext

from zhilian.core.permissions import allowed

register = template.Library()

# Bootstrap tone of each workflow status of the consortium, project and achievement modules.
TONES = {
    "draft": "secondary", "lead_opinion": "info", "district_review": "info", "city_review": "info",
    "approved": "success", "rejected": "danger", "submitted": "info", "in_progress": "primary",
    "acceptance": "warning", "accepted": "success", "archived": "dark", "terminated": "secondary",
    "listed": "success", "returned": "warning", "delisted": "secondary", "requested": "info",
    "signed": "success", "withdrawn": "light", "expired": "secondary", "pending": "info",
    "open": "danger", "resolved": "success", "pass": "success", "rectify": "warning", "failed": "danger",
    "public": "success", "consortium": "primary", "targeted": "warning", "paid": "danger",
    "high": "danger", "medium": "warning", "low": "info",
}


@register.simple_tag
def state(value, label):
    """A status badge: ``{% state obj.status obj.get_status_display %}``."""
    return format_html('<span class="badge text-bg-{}" data-state="{}">{}</span>', TONES.get(str(value), "secondary"),
                       value, label)


def _visible(context, obj) -> bool:
    """``allowed`` decides, as everywhere; a view that links many rows primes its answers
    (``core.permissions.prime_allowed``)."""
    user = getattr(context.get("request"), "user", None)
    return bool(user) and hasattr(type(obj).objects, "restrict") and allowed(user, "view", obj)


@register.simple_tag(takes_context=True)
def object_link(context, obj, text=None):
    """``obj`` linked to its page only when the user may see it and the page exists (PLT-02)."""
    if obj is None:
        return "—"
    label = text if text is not None else str(obj)
    try:
        url = obj.get_absolute_url()
    except (NoReverseMatch, AttributeError):
        return label
    if not _visible(context, obj):
        return label
    return format_html('<a href="{}">{}</a>', url, label)


@register.simple_tag(takes_context=True)
def org_link(context, organization):
    """The unit's name, linked to its directory page only when the user may see it."""
    if organization is None:
        return "—"
    return object_link(context, organization, organization.name)


@register.filter
def wan(value):
    """An amount in 10k CNY: 12.50 → “12.50 万元”."""
    if value in (None, ""):
        return "—"
    return gettext("%(amount)s (10k CNY)") % {"amount": f"{value:,.2f}"}
