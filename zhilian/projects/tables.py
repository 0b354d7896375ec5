import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.consortia.templatetags.workflow import TONES
from zhilian.core.tables import DateColumn, DateTimeColumn

from .models import Project, RiskWarning


def _cells(css="", style=""):
    """The same class / style on a column's header and cells."""
    attrs = {k: v for k, v in (("class", css), ("style", style)) if v}
    return {"th": attrs, "td": attrs}


# On a phone the low-priority columns are left out and the others keep a width to read in
# (Chinese text breaks after any character: squeezed, a name wraps one character per line);
# what is still too wide scrolls within the list's table-responsive container.
NOWRAP = _cells("text-nowrap")
TEXT = "min-width: 11rem"


class ProjectTable(tables.Table):
    code = tables.Column(linkify=True, verbose_name=_("Project number"), attrs=NOWRAP)
    name = tables.Column(linkify=True, verbose_name=_("Project name"), order_by=("name_sort",), attrs=_cells(style=TEXT))
    lead_unit = tables.Column(accessor="lead_unit__name", verbose_name=_("Lead unit"), order_by=("lead_unit__name_sort",),
                              attrs=_cells("d-none d-md-table-cell", TEXT))
    direction = tables.Column(verbose_name=_("Direction"), attrs=_cells("d-none d-lg-table-cell"))
    end_date = DateColumn(format="Y-m-d", verbose_name=_("Ends on"),
                        attrs=_cells("d-none d-sm-table-cell text-nowrap"))
    status = tables.Column(verbose_name=_("Status"), attrs=NOWRAP)
    open_risks = tables.Column(verbose_name=_("Open risks"), orderable=True, attrs=NOWRAP)

    class Meta:
        model = Project
        fields = ("code", "name", "lead_unit", "direction", "end_date", "status", "open_risks")
        attrs = {"id": "project-table", "class": "table table-sm table-hover"}

    def render_name(self, record, value):
        flag = format_html(' <span class="badge text-bg-danger" title="{}">{}</span>', record.priority_reason_shown,
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
    title = tables.Column(verbose_name=_("Risk"), linkify=lambda record: record.get_absolute_url(),
                          attrs=_cells(style=TEXT))
    project = tables.Column(linkify=True, verbose_name=_("Project"), attrs=_cells("d-none d-md-table-cell", TEXT))
    kind = tables.Column(verbose_name=pgettext_lazy("classification", "Kind"),
                         attrs=_cells("d-none d-lg-table-cell text-nowrap"))
    source = tables.Column(verbose_name=_("Source"), attrs=_cells("d-none d-lg-table-cell text-nowrap"))
    level = tables.Column(verbose_name=pgettext_lazy("risk level", "Level"), attrs=NOWRAP)
    status = tables.Column(verbose_name=_("Status"), attrs=NOWRAP)
    created_at = DateTimeColumn(format="Y-m-d", verbose_name=_("Raised on"),
                            attrs=_cells("d-none d-sm-table-cell text-nowrap"))

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
