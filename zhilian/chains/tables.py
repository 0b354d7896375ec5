import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.core.tables import ONE_LINE, DateColumn
from zhilian.core.templatetags.zhilian import status_badge_html

from .models import Chain, MonitoredEvent


class ChainTable(tables.Table):
    name = tables.Column(linkify=True, order_by=("name_sort",), verbose_name=_("Chain"))
    industry = tables.Column(verbose_name=_("Industry field"))
    owner_enterprise = tables.Column(verbose_name=_("Chain-owner enterprise"))
    status = tables.Column(verbose_name=_("Status"), empty_values=())
    published_at = DateColumn(format="Y-m-d", verbose_name=_("Last published"), attrs=ONE_LINE)
    next_update_due = DateColumn(format="Y-m-d", verbose_name=_("Next update due"), attrs=ONE_LINE)
    map = tables.TemplateColumn(
        '{% load i18n %}<a class="btn btn-sm btn-outline-primary" href="{% url \'chains:chain_map\' record.pk %}">'
        '<i class="bi bi-diagram-3"></i> {% translate "Map" %}</a>', orderable=False, verbose_name="")

    class Meta:
        model = Chain
        fields = ("name", "industry", "owner_enterprise", "status", "published_at", "next_update_due")
        attrs = {"id": "chain-table", "class": "table table-sm table-hover"}

    def render_status(self, record):
        return status_badge_html(record.status, record.get_status_display())


class MonitoredEventTable(tables.Table):
    occurred_on = DateColumn(format="Y-m-d", verbose_name=_("Date"), attrs=ONE_LINE)
    title = tables.Column(linkify=True, verbose_name=pgettext_lazy("monitored event", "Title"))
    chain = tables.Column(verbose_name=_("Chain"))
    dimension = tables.Column(verbose_name=_("Monitoring dimension"))
    triggers_update = tables.BooleanColumn(verbose_name=_("Triggers an update"))

    class Meta:
        model = MonitoredEvent
        fields = ("occurred_on", "title", "chain", "dimension", "triggers_update")
        attrs = {"id": "event-table", "class": "table table-sm table-hover"}
