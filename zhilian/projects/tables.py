import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.consortia.templatetags.workflow import TONES

from .models import Project, RiskWarning


class ProjectTable(tables.Table):
    code = tables.Column(linkify=True, verbose_name=_("Project number"))
    name = tables.Column(linkify=True, verbose_name=_("Project name"))
    lead_unit = tables.Column(accessor="lead_unit__name", verbose_name=_("Lead unit"))
    direction = tables.Column(verbose_name=_("Direction"))
    end_date = tables.DateColumn(format="Y-m-d", verbose_name=_("Ends on"))
    status = tables.Column(verbose_name=_("Status"))
    open_risks = tables.Column(verbose_name=_("Open risks"), orderable=True)

    class Meta:
        model = Project
        fields = ("code", "name", "lead_unit", "direction", "end_date", "status", "open_risks")
        attrs = {"id": "project-table", "class": "table table-sm table-hover"}

    def render_name(self, record, value):
        flag = format_html(' <span class="badge text-bg-danger" title="{}">{}</span>', record.priority_reason,
                           _("priority")) if record.priority else ""
        return format_html('<a href="{}">{}</a>{}', record.get_absolute_url(), value, flag)

    def render_status(self, record):
        return format_html('<span class="badge text-bg-{}">{}</span>', TONES.get(record.status, "secondary"),
                           record.get_status_display())

    def render_open_risks(self, value):
        if not value:
            return "—"
        return format_html('<span class="badge text-bg-danger">{}</span>', value)


class RiskTable(tables.Table):
    title = tables.Column(verbose_name=_("Risk"), linkify=lambda record: record.get_absolute_url())
    project = tables.Column(linkify=True, verbose_name=_("Project"))
    kind = tables.Column(verbose_name=pgettext_lazy("classification", "Kind"))
    source = tables.Column(verbose_name=_("Source"))
    level = tables.Column(verbose_name=pgettext_lazy("risk level", "Level"))
    status = tables.Column(verbose_name=_("Status"))
    created_at = tables.DateTimeColumn(format="Y-m-d", verbose_name=_("Raised on"))

    class Meta:
        model = RiskWarning
        fields = ("title", "project", "kind", "source", "level", "status", "created_at")
        attrs = {"id": "risk-table", "class": "table table-sm table-hover"}

    def render_title(self, record):
        return record.title_shown  # the system's warnings in the reader's language

    def render_level(self, record):
        return format_html('<span class="badge text-bg-{}">{}</span>', TONES.get(record.level, "secondary"),
                           record.get_level_display())

    def render_status(self, record):
        return format_html('<span class="badge text-bg-{}">{}</span>', TONES.get(record.status, "secondary"),
                           record.get_status_display())
