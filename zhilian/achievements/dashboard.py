"""Achievement widgets on the home dashboard (PLT-11), counted over what the user may see."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhilian.core import registry
from zhilian.core.charts import linked, pie_option

from . import selectors
from .choices import AchievementType, ShareLevel

LEVEL_COLORS = {"public": "#2e9e5b", "consortium": "#0b4f8a", "targeted": "#f0ad4e", "paid": "#d9534f"}


def _by_type(request):
    counts = selectors.achievement_counts(request.user, "achievement_type")
    labels = [str(label) for _code, label in AchievementType.choices]
    return {"chart_id": "chart-achievement-type", "option": {
        "tooltip": {"trigger": "axis"}, "grid": {"left": 40, "right": 10, "top": 20, "bottom": 50},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0, "rotate": 30}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "data": [linked(counts.get(code, 0), "achievements:achievement_list",
                                                   achievement_type=code) for code, _l in AchievementType.choices],
                    "itemStyle": {"color": "#0b4f8a"}, "label": {"show": True, "position": "top"}}]}}


def _by_level(request):
    counts = selectors.achievement_counts(request.user, "share_level")
    data = [{"name": str(label), **linked(counts.get(code, 0), "achievements:achievement_list", share_level=code),
             "itemStyle": {"color": LEVEL_COLORS[code]}} for code, label in ShareLevel.choices if counts.get(code)]
    return {"chart_id": "chart-achievement-level", "option": pie_option(data),
        "note": _("%(n)d achievements you may see") % {"n": sum(counts.values())},
        "note_url": reverse("achievements:achievement_list")}


def register():
    registry.widget(registry.Widget("achievements-by-type", _("Achievements by type"), "core/includes/widget_chart.html",
                                    _by_type, "achievements.view_achievement", order=50))
    registry.widget(registry.Widget("achievements-by-level", _("Achievements by share level (5.6.2)"),
                                    "core/includes/widget_chart.html", _by_level, "achievements.view_achievement",
                                    order=51))
