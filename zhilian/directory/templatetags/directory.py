"""Template helpers of the directory."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def certificate_badge(capability) -> str:
    """The accreditation a capability line is held under, flagged when its certificate does not
    cover it today. A filter rather than an included template: an institution's page and the
    capability roster show it on every line."""
    return format_html("{}{}", capability.qualification, certificate_flag(capability.certificate_status))


def certificate_flag(status: str) -> str:
    """The badge of a line's ``certificate_status``: expired, no certificate, expiring, or none."""
    if status == "expired":
        return format_html(' <span class="badge text-bg-danger zl-cert-expired" title="{}">{}</span>',
                           _("The certificate this line is held under has expired: not counted as qualified."),
                           _("expired"))
    if status == "missing":
        return format_html(' <span class="badge text-bg-secondary zl-cert-missing" title="{}">{}</span>',
                           _("No certificate of this kind is on record for the institution: not counted as "
                             "qualified."), _("no certificate"))
    if status == "expiring":
        return format_html(' <span class="badge text-bg-warning">{}</span>', _("expiring"))
    return ""
