"""The dashboard's charts open the list of the records a bar, slice or segment counts (PLT-11)."""

import re

import pytest

# The page position of a chart's item (the middle of its bar) and the cursor the chart shows.
ITEM_POINT = """([id, index]) => { const c = window.Zhilian.charts.find(c => c.getDom().id === id);
  const el = c.getModel().getSeriesByIndex(0).getData().getItemGraphicEl(index);
  const r = el.getBoundingRect(), box = c.getDom().getBoundingClientRect();
  return {x: box.left + window.scrollX + r.x + r.width / 2, y: box.top + window.scrollY + r.y + r.height / 2,
          value: c.getOption().series[0].data[index].value}; }"""
CURSOR = "(id) => window.Zhilian.charts.find(c => c.getDom().id === id).getZr().painter.getViewportRoot().style.cursor"


def _hover(page, url, chart_id, index):
    """Open ``url``, rest the mouse on item ``index`` of the chart: (x, y, the item's value, the cursor shown)."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.locator(f"#{chart_id}").scroll_into_view_if_needed()
    point = page.evaluate(ITEM_POINT, [chart_id, index])
    scroll = page.evaluate("[window.scrollX, window.scrollY]")
    x, y = point["x"] - scroll[0], point["y"] - scroll[1]
    page.mouse.move(x, y)
    page.wait_for_timeout(200)
    return x, y, point["value"], page.evaluate(CURSOR, chart_id)


@pytest.mark.req("PLT-11")
def test_clicking_a_bar_opens_the_list_of_the_records_it_counts(login, site, shot):
    page = login("mgmt")
    # The first bar of "Enterprises by district": the pointer over it, the filtered list on click.
    x, y, value, cursor = _hover(page, f"{site}/", "chart-org-district", 0)
    assert cursor == "pointer"
    shot("dashboard-chart-hover")
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r"/directory/organizations/\?kind=enterprise&district=%E"))
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_kind").input_value() == "enterprise"
    district = page.locator("#id_district").input_value()
    assert district.endswith("区")
    count = int(re.search(r"\d+", page.locator("#result-count").inner_text()).group())
    assert count == value > 0
    rows = page.locator("table tbody tr")
    assert rows.count() == value and all(district in rows.nth(i).inner_text() for i in range(value))
    shot("dashboard-chart-click-list")


@pytest.mark.req("PLT-11")
def test_a_chart_whose_items_open_no_list_shows_no_pointer(login, site):
    """The usage statistics count views and downloads of one achievement: no list to open."""
    page = login("icmetrology")
    x, y, _value, cursor = _hover(page, f"{site}/achievements/statistics/", "chart-usage", 0)
    assert cursor == "default"
    url = page.url
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    assert page.url == url
