"""Scoring a problem on the Appendix D model, the library's filters and the Table C.1 import (PRB)."""

import openpyxl
import pytest


@pytest.mark.req("PRB-03")
def test_expert_scores_a_problem_with_the_level_descriptions(login, site, shot):
    page = login("expert")
    page.goto(f"{site}/problems/?q=偏光片")
    page.click("#problem-table a:has-text('OD-002')")
    page.click("#assess")
    card = page.locator("[data-dimension=impact]")
    assert "致命性“卡脖子”问题" in card.inner_text()
    shot("problem-assess-form")
    page.check("[data-dimension=impact] input[value='5']")
    page.check("[data-dimension=spread] input[value='4']")
    page.check("[data-dimension=urgency] input[value='4']")
    page.click("#save-assessment")
    page.wait_for_selector("#severity-total")
    assert page.inner_text("#severity-total") == "4.4"
    assert page.inner_text("#stars") == "★★★"
    assert "v1" in page.inner_text("#assessments")
    shot("problem-assessed")


@pytest.mark.req("PRB-03")
def test_a_missing_score_is_refused_on_the_page(login, site):
    page = login("expert")
    page.goto(f"{site}/problems/?q=OD-009")
    page.click("#problem-table a:has-text('OD-009')")
    page.click("#assess")
    page.evaluate("() => document.querySelectorAll('[data-dimension=spread] input').forEach(i => i.checked = false)")
    page.click("#save-assessment")
    assert "1–5" in page.inner_text("[data-dimension=spread]")  # 请为此维度打 1–5 分。


# "共 3 条记录" / "3 records": the number in the count, whatever the language.
COUNT_IS = "n => (document.querySelector('#result-count').innerText.match(/\\d+/) || [])[0] === String(n)"


@pytest.mark.req("PRB-01")
@pytest.mark.req("PRB-02")
def test_library_filters_by_category_and_level(login, site, shot):
    page = login("city")
    page.goto(f"{site}/problems/")
    page.select_option("#id_level", "1")
    page.wait_for_function(COUNT_IS, arg=3)
    page.select_option("#id_category", "infrastructure")
    page.wait_for_function(COUNT_IS, arg=1)
    assert "OD-007" in page.inner_text("#problem-table")
    shot("problem-list-filtered")


@pytest.mark.req("PRB-07")
def test_import_reports_row_errors_and_imports_nothing(login, site, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["产业链供应链质量问题库"])
    ws.append(["编号", "产业链", None, None, "产业链质量问题"])
    ws.append(["编号", "产业名称", "位置（上/中/下游）", "填报人及单位", "质量问题描述", "影响范围与程度", "原因初步分析", "关联问题",
               "初步改进建议", "问题状态", "质量问题分类", "质量问题分级"])
    ws.append(["B-001", "光电显示产业链", "上游-偏光片", "", "偏光片边缘翘起", "", "", "无", "", "已识别", "质量技术问题", "★"])
    ws.append(["B-002", "光电显示产业链", "上游-不存在", "", "坏行", "", "", "无", "", "已识别", "质量技术问题", "★★★★"])
    path = tmp_path / "c1.xlsx"
    wb.save(path)
    page = login("city")
    page.goto(f"{site}/problems/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("#import-submit")
    errors = page.inner_text("#import-errors")
    assert "质量问题分级" in errors
    page.goto(f"{site}/problems/?q=B-001")
    assert "B-001" not in page.inner_text("#object-list")


@pytest.mark.req("PRB-05")
def test_show_on_the_map_opens_the_whole_chain_with_the_problems_reach_marked(login, site, shot):
    """The problem page's 'Show on the map' drilled into the problem's own link, where none of
    the links it reaches were drawn and nothing was selected (seen in a QA walk of IC-001): it
    now opens the whole chain with the problem selected and its downstream links marked."""
    page = login("icmember")
    page.goto(f"{site}/problems/?q=IC-001")
    page.click("#problem-table a:has-text('IC-001')")
    page.click("#reach-on-map")
    page.wait_for_selector("#chain-map[data-state=ready]", timeout=20000)
    page.wait_for_function("() => document.getElementById('panel-reach') !== null")
    assert "IC-001" in page.inner_text("#panel-title")
    assert "晶圆制造" in page.inner_text("#panel-reach")
    state = page.evaluate("() => ({focus: window.ZhilianMap.state.focus,"
                          " reached: Object.keys(window.ZhilianMap.state.reach || {}).length})")
    assert state["focus"] is None and state["reached"] >= 3
    shot("problem-reach-on-map")


@pytest.mark.req("PRB-01")
def test_a_directory_sized_choice_is_found_by_typing(login, site, shot, settings):
    """Above the threshold the form lists no unit: typing part of a name fetches the matches
    (core.lookups), which are chosen and saved as any option."""
    settings.ZHILIAN_LOOKUP_THRESHOLD = 2
    page = login("owner")
    page.goto(f"{site}/problems/add/")
    assert page.locator("#id_concerned_enterprises option").count() == 0
    page.fill("#id_concerned_enterprises-lookup", "鹭岛")
    page.wait_for_selector("#id_concerned_enterprises option:has-text('厦门鹭岛显示科技有限公司')", state="attached")
    page.select_option("#id_concerned_enterprises", label="厦门鹭岛显示科技有限公司")
    page.fill("#id_name", "查找选择的浏览器测试问题")
    page.select_option("#id_chain", label="光电显示产业链")
    page.select_option("#id_category", "technology")
    page.fill("#id_description", "在输入框中查找并选择涉及企业。")
    shot("problem-form-lookup")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=查找选择的浏览器测试问题")
    assert "厦门鹭岛显示科技有限公司" in page.inner_text("main")
