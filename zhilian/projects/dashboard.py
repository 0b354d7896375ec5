"""Project widgets on the home dashboard (PLT-11), counted over the projects the user may see."""

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhilian.core import registry
from zhilian.core.charts import linked, list_url, pie_option

from . import selectors
from .choices import Direction, ProjectStatus
from .models import Project

STATUS_COLORS = {"draft": "#9aa5b1", "submitted": "#5bc0de", "in_progress": "#0b4f8a", "acceptance": "#f0ad4e",
                 "accepted": "#2e9e5b", "archived": "#343a40"}


def _by_status(request):
    rows = Project.objects.restrict(request.user).values("status").annotate(n=Count("id"))
    counts = {r["status"]: r["n"] for r in rows}
    data = [{"name": str(label), **linked(counts.get(code, 0), "projects:project_list", status=code),
             "itemStyle": {"color": STATUS_COLORS[code]}} for code, label in ProjectStatus.choices if counts.get(code)]
    return {"chart_id": "chart-project-status", "option": pie_option(data),
        "note": _("%(n)d projects in total") % {"n": sum(counts.values())},
        "note_url": list_url("projects:project_list")}


def _by_direction(request):
    rows = Project.objects.restrict(request.user).values("direction").annotate(n=Count("id"))
    counts = {r["direction"]: r["n"] for r in rows}
    return {"chart_id": "chart-project-direction", "option": {
        "tooltip": {"trigger": "axis"}, "grid": {"left": 10, "right": 30, "top": 10, "bottom": 20, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": [str(label) for _c, label in reversed(Direction.choices)]},
        "series": [{"type": "bar", "data": [linked(counts.get(code, 0), "projects:project_list", direction=code)
                                            for code, _l in reversed(Direction.choices)],
                    "itemStyle": {"color": "#0b4f8a"}, "label": {"show": True, "position": "right"}}]}}


def _overdue(request):
    """The first overdue milestones, how many there are, and in how many projects: milestones
    have no list page of their own, so the projects holding them (the project list's
    ``overdue`` filter, the same rule) are the figure that links to a list."""
    today = timezone.localdate()
    milestones = selectors.overdue_milestones(request.user, today)
    projects = selectors.with_overdue_milestones(Project.objects.restrict(request.user), today).count()
    return {"rows": [(m, (today - m.due_date).days) for m in milestones[:8]], "total": milestones.count(),
            "projects": projects, "projects_url": list_url("projects:project_list", overdue="true")}


def register():
    registry.widget(registry.Widget("projects-by-status", _("Breakthrough projects by status"),
                                    "core/includes/widget_chart.html", _by_status, "projects.view_project", order=40))
    registry.widget(registry.Widget("projects-by-direction", _("Breakthrough projects by direction (5.5.2)"),
                                    "core/includes/widget_chart.html", _by_direction, "projects.view_project", order=41))
    registry.widget(registry.Widget("projects-overdue", _("Overdue milestones"), "projects/includes/widget_overdue.html",
                                    _overdue, "projects.view_project", order=42))
