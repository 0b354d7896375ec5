"""The problem library's dashboard widgets (PLT-11)."""

import re

import pytest


@pytest.mark.req("PLT-11")
def test_the_category_chart_measures_its_legend_in_the_page_fonts_and_fits_a_phone(rf, persona):
    """ECharts measured "1级 · 关键问题 ★★★" on a canvas outside the page, in other fonts than it
    drew it in a zh-hans page, and the stars ran into the next swatch; on a phone the labels
    overlapped each other and the legend."""
    from pathlib import Path

    from zhilian.problems.dashboard import _by_category_and_level

    request = rf.get("/")
    request.user = persona("mgmt")
    option = _by_category_and_level(request)["option"]
    base = option["baseOption"]
    css = (Path(__file__).resolve().parents[2] / "core" / "static" / "core" / "app.css").read_text()
    page_fonts = re.search(r"body \{[^}]*font-family: ([^;]+);", css).group(1)
    named = [f.strip() for f in base["textStyle"]["fontFamily"].split(",")]
    assert named[-1] == "sans-serif" and named[:-1] == [f.strip() for f in page_fonts.split(",")][:len(named) - 1]
    assert '"Noto Sans CJK SC"' in named  # the CJK font the servers and Linux desktops have
    assert base["legend"]["itemGap"] >= 16
    phone = next(m["option"] for m in option["media"] if m["query"].get("maxWidth", 9999) <= 480)
    assert phone["grid"]["bottom"] > base["grid"]["bottom"] and phone["xAxis"]["axisLabel"]["rotate"]
