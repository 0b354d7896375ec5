import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from zhilian.core.tables import ONE_LINE, DateColumn

from .models import Problem, SeverityModel


class ProblemTable(tables.Table):
    code = tables.Column(linkify=True, verbose_name=_("Number"), attrs=ONE_LINE)
    name = tables.Column(linkify=True, verbose_name=_("Problem"), order_by=("name_sort",))
    chain = tables.Column(verbose_name=_("Chain"), order_by=("chain__name_sort",))
    node = tables.Column(verbose_name=_("Node"))
    category = tables.Column(verbose_name=_("Category"))
    severity_level = tables.TemplateColumn(
        '{% load zhilian %}{% if record.stars %}<span class="zl-stars zl-level-{{ record.severity_level }}" '
        'title="{{ record.get_severity_level_display }}">{{ record.stars|stars }}</span>{% else %}—{% endif %}',
        verbose_name=_("Severity"), order_by=("severity_level",))
    severity_total = tables.Column(verbose_name=_("Total"), accessor="severity_total_display",
                                   order_by=("severity_total",))
    status = tables.TemplateColumn('{% load zhilian %}{% status_badge record.status record.get_status_display %}',
                                   verbose_name=_("Status"))
    is_common = tables.BooleanColumn(verbose_name=_("Common"))
    reported_on = DateColumn(format="Y-m-d", verbose_name=_("Reported on"), attrs=ONE_LINE)

    class Meta:
        model = Problem
        fields = ("code", "name", "chain", "node", "category", "severity_level", "severity_total", "status",
                  "is_common", "reported_on")
        attrs = {"id": "problem-table", "class": "table table-sm table-hover"}


class SeverityModelTable(tables.Table):
    number = tables.Column(linkify=True, verbose_name=_("Model version"))
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    level1_min = tables.Column(verbose_name=_("Level 1 from"))
    level2_min = tables.Column(verbose_name=_("Level 2 from"))
    is_current = tables.BooleanColumn(verbose_name=_("Current"))
    created_at = DateColumn(format="Y-m-d", verbose_name=_("Defined on"), attrs=ONE_LINE)

    class Meta:
        model = SeverityModel
        fields = ("number", "name", "level1_min", "level2_min", "is_current", "created_at")
        attrs = {"id": "severitymodel-table", "class": "table table-sm"}
