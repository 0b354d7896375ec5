"""The static map exports honour the map page's filters (MAP-06): the PDF and PNG show what the
filtered page shows, say so in their subtitle, and a bad filter value answers 400 under its name."""

import subprocess

import pytest

from zhilian.chains.exports import filter_note, layout
from zhilian.chains.models import Chain
from zhilian.chains.selectors import MAP_FILTERS, chain_map_for, filter_map

DISPLAY = "光电显示产业链"


@pytest.fixture
def display(db):
    return Chain.objects.get(name=DISPLAY)


def pdf_text(response, tmp_path) -> str:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "map.pdf"
    path.write_bytes(response.content)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def names(data, segment=None):
    return {n["name"] for n in data["nodes"] if segment is None or n["segment"] == segment}


@pytest.mark.req("MAP-06")
def test_a_pdf_filtered_to_one_segment_shows_only_its_links_and_problems(display, api_as, persona, tmp_path):
    data = chain_map_for(persona("owner"), display)
    nodes = {n["id"]: n for n in data["nodes"]}

    def segment_of(problem):
        return nodes[problem["node"]]["segment"] if problem.get("node") in nodes else problem.get("segment")

    downstream = [p["name"] for p in data["problems"] if segment_of(p) == "downstream"]
    elsewhere = [p["name"] for p in data["problems"] if segment_of(p) != "downstream"]
    assert downstream and elsewhere and "玻璃基板" in names(data, "upstream")

    text = pdf_text(api_as("owner").get(f"/api/v1/chains/{display.pk}/map/pdf/", {"segment": "downstream"}), tmp_path)
    assert "筛选：下游" in text
    assert "下游产业" in text and "上游产业" not in text and "中游产业" not in text  # one column, at full width
    for name in names(data, "downstream"):
        assert name in text, name
    for name in names(data, "upstream") | names(data, "midstream"):
        assert name not in text, name
    assert f"质量问题清单（共 {len(downstream)} 项" in text
    for name in downstream:
        assert name in text, name
    for name in elsewhere:
        assert name not in text, name


@pytest.mark.req("MAP-06")
def test_a_pdf_filtered_by_province_ladder_category_and_level(display, api_as, persona, tmp_path):
    data = chain_map_for(persona("owner"), display)
    enterprises = {e["name"]: e for n in data["nodes"] for e in n["enterprises"]}
    outside = {name for name, e in enterprises.items() if not e["in_province"]}
    inside = {name for name, e in enterprises.items() if e["in_province"]} - {display.owner_enterprise.name}
    assert outside and inside
    text = pdf_text(api_as("owner").get(f"/api/v1/chains/{display.pk}/map/pdf/", {"province": "out"}), tmp_path)
    assert "筛选：省外企业" in text
    assert all(name in text for name in outside)
    assert not [name for name in inside if name in text]
    assert "上游产业" in text and "下游产业" in text  # every segment, every link stays

    critical = [p["name"] for p in data["problems"] if p.get("level") == 1]
    others = [p["name"] for p in data["problems"] if p.get("level") != 1]
    assert critical and others
    text = pdf_text(api_as("owner").get(f"/api/v1/chains/{display.pk}/map/pdf/", {"level": "1"}), tmp_path)
    assert "筛选：一级问题（★★★）" in text and f"质量问题清单（共 {len(critical)} 项" in text
    assert all(name in text for name in critical) and not [name for name in others if name in text]

    unscored = [p for p in data["problems"] if not p.get("level")]
    filtered = filter_map(data, {"level": "0", "category": "infrastructure", "ladder": "leader"})
    assert filtered["problems"] == [p for p in unscored if p["category"] == "infrastructure"]
    assert all(e["ladder"] == "leader" for n in filtered["nodes"] for e in n["enterprises"])
    text = pdf_text(api_as("owner").get(f"/api/v1/chains/{display.pk}/map/pdf/",
                                        {"ladder": "leader", "category": "infrastructure"}), tmp_path)
    assert "筛选：领导者企业；质量基础设施问题" in text


@pytest.mark.req("MAP-06")
def test_the_filters_combine_and_keep_a_publication_as_it_was(display, api_as, persona, tmp_path):
    # The member reads the last publication; ?version= stays beside the filters.
    member = persona("member")
    published = chain_map_for(member, display)
    assert published["version"]
    before = {n["id"]: len(n["enterprises"]) for n in published["nodes"]}
    response = api_as("member").get(f"/api/v1/chains/{display.pk}/map/pdf/", {
        "version": published["version"], "segment": "downstream", "province": "out", "level": "1"})
    text = pdf_text(response, tmp_path)
    assert "筛选：下游；省外企业；一级问题（★★★）" in text and f"第 {published['version']} 版" in text
    assert "-%E7%AD%9B%E9%80%89.pdf" in response["Content-Disposition"]  # 质量图谱-v1-筛选.pdf
    expected = filter_map(published, {"segment": "downstream", "province": "out", "level": "1"})
    assert f"质量问题清单（共 {len(expected['problems'])} 项" in text
    # the shared, kept publication is left as it was
    again = chain_map_for(member, display)
    assert {n["id"]: len(n["enterprises"]) for n in again["nodes"]} == before and "filters" not in again
    png = api_as("member").get(f"/api/v1/chains/{display.pk}/map/png/", {"segment": "upstream", "level": "2"})
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.req("MAP-06")
def test_a_filtered_layout_draws_one_column_and_states_its_filters(display, persona):
    data = filter_map(chain_map_for(persona("owner"), display), {"segment": "midstream", "category": "management"})
    page, = layout(data)
    texts = [op[3] for op in page.ops if op[0] == "text"]
    assert "中游产业" in texts and "上游产业" not in texts and "下游产业" not in texts
    assert "　筛选：中游；质量管理问题" in texts
    assert filter_note({}) == "" and filter_note(None) == ""
    assert filter_note({"segment": "upstream", "province": "in", "ladder": "follower", "category": "brand",
                        "level": "0"}) == "筛选：上游；省内企业；跟随者企业；质量品牌问题；未分级问题"
    assert filter_map(data, {}) is data


@pytest.mark.req("MAP-06")
@pytest.mark.parametrize("export", ["pdf", "png"])
def test_a_bad_filter_value_is_a_400_under_its_name(display, api_as, export):
    url = f"/api/v1/chains/{display.pk}/map/{export}/"
    response = api_as("owner").get(url, {"segment": "sideways"})
    assert response.status_code == 400 and list(response.json()) == ["segment"]
    response = api_as("owner").get(url, {"level": "5", "province": "abroad", "ladder": "leader", "category": "x"})
    assert response.status_code == 400 and set(response.json()) == {"level", "province", "category"}
    for name, value in (("level", "１"), ("level", "01"), ("ladder", "Leader"), ("segment", "下游")):
        response = api_as("owner").get(url, {name: value})
        assert response.status_code == 400 and list(response.json()) == [name], (name, value)
    assert api_as("owner").get(url, {"segment": "", "level": ""}).status_code == 200  # blank: no filter


@pytest.mark.req("MAP-06")
def test_the_export_filters_are_documented_with_the_page_values(display, client_as):
    from drf_spectacular.generators import SchemaGenerator

    from zhilian.problems.models import ProblemCategory

    assert list(MAP_FILTERS["category"]) == list(ProblemCategory.values)
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for export in ("pdf", "png"):
        operation = schema["paths"][f"/api/v1/chains/{{id}}/map/{export}/"]["get"]
        params = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        for name, values in MAP_FILTERS.items():
            assert sorted(params[name]["schema"]["enum"]) == sorted(values), name
        assert "400" in operation["responses"]
    # the page offers exactly the values the exports accept
    page = client_as("owner").get(f"/chains/{display.pk}/map/").content.decode()
    for name, values in MAP_FILTERS.items():
        select = page.split(f'id="f-{name}"', 1)[1].split("</select>", 1)[0]
        offered = [v.split('"', 1)[0] for v in select.split('<option value="')[1:]]
        assert offered == ["", *values], name


@pytest.mark.req("MAP-06")
def test_the_map_hint_names_touch_gestures_on_touch_devices(display, client_as):
    page = client_as("owner").get(f"/chains/{display.pk}/map/").content.decode()
    assert 'id="map-hint-mouse"' in page and "滚轮" in page
    touch = page.split('id="map-hint-touch">', 1)[1].split("</span>", 1)[0]
    assert "双指捏合缩放" in touch and "拖动" in touch and "滚轮" not in touch
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = Path(finders.find("chains/map.css")).read_text(encoding="utf-8")
    assert "(pointer: coarse)" in css and ".zl-hint-touch { display: none; }" in css


@pytest.mark.req("MAP-06")
def test_the_static_map_prints_the_days_of_beijing_not_utc(display, api_as, monkeypatch, tmp_path):
    """At 01:30 in Beijing it is still the day before in UTC: the working copy printed then says
    the Beijing day (its file name does), and a version published at 07:30 Beijing time says
    the day it was published (the version list does)."""
    import datetime

    from django.utils import timezone

    from zhilian.chains.models import ChainSnapshot

    utc = datetime.timezone.utc
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 12, 3, 17, 30, tzinfo=utc))
    response = api_as("city").get(f"/api/v1/chains/{display.pk}/map/pdf/")
    assert "2026-12-04" in response["Content-Disposition"]
    text = pdf_text(response, tmp_path)
    assert "生成于 2026-12-04" in text and "2026-12-03" not in text

    snapshot = ChainSnapshot.objects.filter(chain=display).order_by("-number").first()
    ChainSnapshot.objects.filter(pk=snapshot.pk).update(created_at=datetime.datetime(2027, 1, 14, 23, 30, tzinfo=utc))
    text = pdf_text(api_as("member").get(f"/api/v1/chains/{display.pk}/map/pdf/"), tmp_path)
    assert f"第 {snapshot.number} 版（发布于 2027-01-15）" in text
