import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from zhilian.core.tables import ONE_LINE, DateColumn
from zhilian.core.templatetags.zhilian import stars, status_badge_html

from .models import Problem, SeverityModel


class ProblemTable(tables.Table):
    code = tables.Column(linkify=True, verbose_name=_("Number"), attrs=ONE_LINE)
    name = tables.Column(linkify=True, verbose_name=_("Problem"), order_by=("name_sort",))
    chain = tables.Column(verbose_name=_("Chain"), order_by=("chain__name_sort",))
    node = tables.Column(verbose_name=_("Node"))
    category = tables.Column(verbose_name=_("Category"))
    severity_level = tables.Column(verbose_name=_("Severity"), order_by=("severity_level",), empty_values=())
    severity_total = tables.Column(verbose_name=_("Total"), accessor="severity_total_display",
                                   order_by=("severity_total",))
    status = tables.Column(verbose_name=_("Status"), empty_values=())
    is_common = tables.BooleanColumn(verbose_name=_("Common"))
    reported_on = DateColumn(format="Y-m-d", verbose_name=_("Reported on"), attrs=ONE_LINE)

    class Meta:
        model = Problem
        fields = ("code", "name", "chain", "node", "category", "severity_level", "severity_total", "status",
                  "is_common", "reported_on")
        attrs = {"id": "problem-table", "class": "table table-sm table-hover"}

    # Written in Python, not as template columns: a template rendered per row was a tenth of a
    # fresh problem list's time.
    def render_severity_level(self, record):
        if not record.stars:
            return "—"
        return format_html('<span class="zl-stars zl-level-{}" title="{}">{}</span>', record.severity_level,
                           record.get_severity_level_display(), stars(record.stars))

    def render_status(self, record):
        return status_badge_html(record.status, record.get_status_display())


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
