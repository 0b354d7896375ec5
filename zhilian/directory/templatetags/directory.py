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
    status = capability.certificate_status  # the start date is known when the dates were read with it
    return format_html("{}{}", capability.qualification,
                       certificate_flag(status, getattr(capability, "certificate_starts_on", None)))


def certificate_flag(status: str, starts_on=None) -> str:
    """The badge of a line's ``certificate_status``: expired, not yet in force (from ``starts_on``
    when known), no certificate, expiring, or none."""
    if status == "expired":
        return format_html(' <span class="badge text-bg-danger zl-cert-expired" title="{}">{}</span>',
                           _("The certificate this line is held under has expired: not counted as qualified."),
                           _("expired"))
    if status == "not_yet_valid":
        title = (_("The certificate this line is held under is in force only from %(date)s: not counted as "
                   "qualified until then.") % {"date": f"{starts_on:%Y-%m-%d}"} if starts_on else
                 _("The certificate this line is held under is not yet in force: not counted as qualified until "
                   "it is."))
        return format_html(' <span class="badge text-bg-secondary zl-cert-not-yet-valid" title="{}">{}</span>',
                           title, _("not yet in force"))
    if status == "missing":
        return format_html(' <span class="badge text-bg-secondary zl-cert-missing" title="{}">{}</span>',
                           _("No certificate of this kind is on record for the institution: not counted as "
                             "qualified."), _("no certificate"))
    if status == "expiring":
        return format_html(' <span class="badge text-bg-warning">{}</span>', _("expiring"))
    return ""
