"""A need from filing to closure across the enterprise, commissioner and institution (DIR-05)."""

import re

import pytest


def switch(page, login, username):
    page.context.clear_cookies()
    return login(username)


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-05")
def test_a_need_from_filing_to_closure(login, site, shot):
    # The enterprise files the need.
    page = login("owner")
    page.goto(f"{site}/needs/add/")
    page.select_option("#id_category", "testing")
    page.fill("#id_title", "偏光贴合后显示模组振动复测")
    page.fill("#id_product", "显示模组")
    page.fill("#id_description", "客户要求按新规范复测正弦振动，样品 6 台，需 CNAS 报告。")
    assert page.input_value("#id_contact_name") == "鹭岛显示 质量总监"  # prefilled with the filer
    page.fill("#id_contact_phone", "13906050006")
    page.click("#save")
    page.wait_for_url(re.compile(r"/needs/\d+/$"))
    need_url = page.url
    assert page.locator("#need-status").get_attribute("data-status") == "submitted"
    assert page.locator("#response-due").is_visible()
    shot("needs-01-filed")

    # The commissioner takes it and assigns the institution the platform suggests first.
    page = switch(page, login, "commissioner")
    page.goto(need_url)
    page.click("#take-need")
    page.wait_for_selector("#matches")
    first = page.locator("#matches .zl-match[data-institution]").first
    assert "厦门鹭检检测技术有限公司" in first.inner_text()
    shot("needs-02-matches")
    first.locator("input[type=checkbox]").check()
    page.fill("#assign-note", "请本周内联系企业确认样品。")
    page.click("#assign-submit")
    page.wait_for_load_state("networkidle")
    assert page.locator("#need-status").get_attribute("data-status") == "matched"

    # The institution accepts and delivers.
    page = switch(page, login, "institution")
    page.goto(need_url)
    page.click("#accept-assignment")
    page.wait_for_load_state("networkidle")
    assert page.locator("#need-status").get_attribute("data-status") == "in_service"
    page.fill("#deliver-form textarea[name=summary]", "完成 6 台样品正弦振动复测，出具 CNAS 报告 LJ-2026-3101，全部合格。")
    shot("needs-03-deliver")
    page.click("#deliver-service")
    page.wait_for_load_state("networkidle")
    assert page.locator("#need-status").get_attribute("data-status") == "delivered"

    # The enterprise confirms with the satisfaction survey of Table F.1; the need closes.
    page = switch(page, login, "owner")
    page.goto(need_url)
    for field in ("timeliness", "professionalism", "courtesy", "overall"):
        page.check(f"#confirm-form input[name={field}][value=very_satisfied]")
    page.check("#confirm-form input[name=resolved][value=yes]")
    page.fill("#confirm-form textarea[name=feedback]", "响应及时。")
    shot("needs-04-evaluate")
    page.click("#confirm-need")
    page.wait_for_load_state("networkidle")
    assert page.locator("#need-status").get_attribute("data-status") == "closed"
    assert page.locator("#overall").inner_text() == "非常满意"
    timeline = page.locator("#timeline .zl-timeline-item")
    assert timeline.count() >= 7
    shot("needs-05-closed")


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-02")
def test_a_need_is_not_reachable_by_an_unrelated_enterprise(login, site):
    page = login("member")
    response = page.goto(f"{site}/needs/")
    assert response.ok
    assert "液晶显示面板色域与响应时间第三方检测" not in page.content()
