import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.core.tables import ONE_LINE, DateTimeColumn

from .models import Need


class NeedTable(tables.Table):
    code = tables.Column(linkify=True, verbose_name=_("Number"), attrs=ONE_LINE)
    title = tables.Column(linkify=True, verbose_name=pgettext_lazy("need", "Title"))
    enterprise = tables.Column(linkify=True, order_by=("enterprise__name_sort",), verbose_name=_("Enterprise"))
    category = tables.Column(verbose_name=pgettext_lazy("need", "Category"))
    status = tables.Column(verbose_name=_("Status"))
    commissioner = tables.Column(order_by=("commissioner__name_sort",), verbose_name=_("Commissioner"))
    due = tables.Column(accessor="response_due", verbose_name=_("Due"), order_by=("response_due",), attrs=ONE_LINE)
    filed_at = DateTimeColumn("Y-m-d", verbose_name=_("Filed"), attrs=ONE_LINE)

    class Meta:
        model = Need
        fields = ("code", "title", "enterprise", "category", "status", "commissioner", "due", "filed_at")
        attrs = {"id": "need-table"}

    def render_status(self, value, record):
        return format_html('<span class="badge text-bg-{}">{}</span>', record.status_tone, value)

    def render_due(self, record):
        """The deadline that matters now: response for a new need, evaluation for a delivered one."""
        if record.status == "submitted":
            date, late, provisional = record.response_due, record.response_overdue, record.response_due_provisional
        elif record.status == "delivered":
            date, late, provisional = record.feedback_due, record.feedback_overdue, record.feedback_due_provisional
        else:
            return "—"
        if date is None:
            return "—"
        return format_html('<span class="{}">{}{}</span>', "text-danger fw-semibold" if late else "",
                           date.strftime("%Y-%m-%d"), " *" if provisional else "")
