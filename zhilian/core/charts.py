"""ECharts options the dashboards share (PLT-11)."""

from urllib.parse import urlencode

from django.urls import reverse

# A phone's card (390 px window: a 310 px chart) has no room beside a ring for "University /
# research institute: 2": ECharts cut the labels to "Te…", "Pai…" or "…" and one ran off the
# canvas, and the ring sat on its legend's second and third rows. There the slices carry their
# counts and the legend names them; wider charts keep "name: count" beside the ring.
PHONE_WIDTH = 480

_WIDE = {"radius": ["35%", "65%"], "center": ["50%", "45%"],
         "label": {"show": True, "position": "outside", "formatter": "{b}: {c}"}, "labelLine": {"show": True}}
_NARROW = {"radius": ["30%", "54%"], "center": ["50%", "38%"],
           "label": {"show": True, "position": "inside", "formatter": "{c}"}, "labelLine": {"show": False}}


def pie_option(data: list[dict]) -> dict:
    """A ring chart of ``data`` ([{"name", "value", "itemStyle"?}]) with its legend below.

    ``media`` switches the labels by the chart's width; the entry without a query is what a
    chart widened again returns to.
    """
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [{"id": "pie", "type": "pie", "data": data, **_WIDE}],
        "media": [
            {"option": {"series": [{"id": "pie", **_WIDE}]}},
            {"query": {"maxWidth": PHONE_WIDTH}, "option": {"series": [{"id": "pie", **_NARROW}]}},
        ],
    }


def list_url(view_name: str, **filters) -> str:
    """The list page ``view_name`` filtered by ``filters`` (codes, as its filter form sends them)."""
    return reverse(view_name) + ("?" + urlencode(filters) if filters else "")


def linked(value: int, view_name: str, **filters) -> dict:
    """A chart data item that counts the rows of a filtered list and opens that list on click.

    The item carries the filter values (codes, never the translated label the chart shows) and
    the list's URL; ``core/app.js`` navigates to ``url`` and shows the pointer only over items
    that have one. The count must be taken over ``restrict(user, "view")`` with the same
    conditions as the list's filters, so the item's value is the number of rows the list shows.
    """
    return {"value": value, "filter": filters, "url": list_url(view_name, **filters)}
