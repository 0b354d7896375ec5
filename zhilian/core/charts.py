"""ECharts options the dashboards share (PLT-11)."""

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
