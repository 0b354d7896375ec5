import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.core.tables import ONE_LINE, DateColumn
from zhilian.core.templatetags.zhilian import status_badge_html

from .models import Consortium


class ConsortiumTable(tables.Table):
    name = tables.Column(linkify=True, order_by=("name_sort",), verbose_name=_("Consortium name"))
    chain_domain = tables.Column(verbose_name=_("Chain domain"))
    lead_unit = tables.Column(accessor="lead_unit__name", order_by=("lead_unit__name_sort",), verbose_name=_("Lead unit"))
    district = tables.Column(verbose_name=_("District"))
    member_count = tables.Column(verbose_name=_("Members"), orderable=True)
    status = tables.Column(verbose_name=_("Status"))
    approved_on = DateColumn(format="Y-m-d", verbose_name=pgettext_lazy("consortium", "Established on"), attrs=ONE_LINE)

    class Meta:
        model = Consortium
        fields = ("name", "chain_domain", "lead_unit", "district", "member_count", "status", "approved_on")
        attrs = {"id": "consortium-table", "class": "table table-sm table-hover"}

    def render_status(self, record):
        return status_badge_html(record.status, record.get_status_display())
