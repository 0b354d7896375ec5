"""The "open needs by status" widget (PLT-11), counted over the needs the user may see."""

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from zhilian.core import registry
from zhilian.core.charts import linked, list_url

from .choices import STATUS_COLOURS
from .selectors import needs_overdue, open_needs_by_status


def _open_by_status(request):
    rows = open_needs_by_status(request.user)
    overdue = needs_overdue(request.user).count()
    total = sum(r["count"] for r in rows)
    open_url = list_url("needs:need_list", scope="open")
    return {
        "chart_id": "chart-needs-status",
        "height": 280,
        "option": {
            "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
            "grid": {"left": 110, "right": 24, "top": 10, "bottom": 24},
            "xAxis": {"type": "value", "minInterval": 1},
            "yAxis": {"type": "category", "inverse": True, "data": [str(r["label"]) for r in rows]},
            "series": [{"type": "bar", "barMaxWidth": 22, "label": {"show": True, "position": "right"},
                        # an open status: the list filtered to it shows the needs counted
                        "data": [{**linked(r["count"], "needs:need_list", status=r["status"].value),
                                  "itemStyle": {"color": STATUS_COLOURS.get(r["status"], "#0b4f8a")}}
                                 for r in rows]}],
        },
        # Both figures link to the need list filtered to what they count (the same rules:
        # ``Need.objects.open()``, ``needs_overdue`` = the list's ``overdue`` filter).
        "total": _figure(total, open_url, "needs-open-count"),
        "overdue": _figure(overdue, list_url("needs:need_list", overdue="true"), "needs-overdue-count"),
        "link": open_url,
    }


def _figure(number: int, url: str, element_id: str) -> str:
    return format_html('<a href="{}" class="zl-figure" id="{}">{}</a>', url, element_id, number)


def register():
    registry.widget(registry.Widget("needs-open-by-status", _("Open needs by status"), "needs/includes/widget_status.html",
                                    _open_by_status, "needs.view_need", order=20))
