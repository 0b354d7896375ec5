"""The directory as a user meets it in the browser (DIR-01 … DIR-04)."""

import re

import pytest

from zhilian.directory.demo import make_uscc

GOOD_USCC = make_uscc("浏览器测试企业", "91350200")
BAD_USCC = GOOD_USCC[:-1] + ("0" if GOOD_USCC[-1] != "0" else "1")


@pytest.mark.req("DIR-01")
@pytest.mark.req("PLT-12")
@pytest.mark.req("PLT-08")
@pytest.mark.req("PLT-10")
@pytest.mark.req("PLT-03")
def test_create_an_enterprise_find_it_switch_language_and_open_its_history(login, site, shot):
    page = login("city")
    page.goto(f"{site}/directory/organizations/")
    page.click("#add-object")
    page.select_option("#id_kind", "enterprise")
    page.fill("#id_name", "厦门浏览器光学测试有限公司")
    page.fill("#id_uscc", BAD_USCC)
    page.fill("#id_district", "翔安区")
    page.fill("#id_industry", "光学元件制造")
    page.select_option("#id_size", "small")
    page.click("#save")
    error = page.locator("#id_uscc ~ .invalid-feedback, .invalid-feedback").filter(has_text="GB 32100")
    error.first.wait_for()
    assert "校验码" in error.first.inner_text()  # the field error, in Chinese
    shot("directory-01-bad-uscc")

    page.fill("#id_uscc", GOOD_USCC)
    page.click("#save")
    page.wait_for_url(re.compile(r"/directory/organizations/\d+/$"))
    assert page.locator("#uscc").inner_text() == GOOD_USCC
    shot("directory-02-created")

    page.fill("input.zl-search", "浏览器光学")
    page.press("input.zl-search", "Enter")
    hit = page.locator("a.search-hit", has_text="厦门浏览器光学测试有限公司")
    hit.wait_for()
    shot("directory-03-search")
    hit.click()
    page.wait_for_url(re.compile(r"/directory/organizations/\d+/$"))

    page.click("button[data-language=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("Basic information").is_visible()
    shot("directory-04-english")

    page.click("#history-link")
    page.wait_for_selector("#history-table")
    assert GOOD_USCC in page.locator("#history-table").inner_text()
    shot("directory-05-history")


@pytest.mark.req("DIR-01")
def test_one_filter_action_fetches_the_list_once(login, site):
    """Enter in the search box, a changed select and the box's clear button each
    fetch the list once. Enter used to fire both htmx's submit and search
    triggers: the list came twice, and the second URL push cancelled the link
    a quick user had clicked in the first (CI saw it as a flaky timeout)."""
    page = login("mgmt")
    page.goto(f"{site}/directory/organizations/?kind=institution")
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if "/directory/organizations/?" in r.url else None)

    def settle():
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # a second request would leave after the first returned
        count = len(fetched)
        fetched.clear()
        return count

    page.fill("#id_q", "鹭检检测")
    page.press("#id_q", "Enter")
    assert settle() == 1
    page.select_option("select[name=size]", "micro")
    assert settle() == 1
    page.fill("#id_q", "")
    page.dispatch_event("#id_q", "search")  # what the clear button sends
    assert settle() == 1
    assert "q=&" in page.url


@pytest.mark.req("DIR-01")
def test_an_institution_adds_a_certificate_inline(login, site, shot):
    page = login("institution")
    page.goto(f"{site}/directory/organizations/?kind=institution")
    page.fill("#id_q", "鹭检检测")
    page.press("#id_q", "Enter")
    page.wait_for_url("**q=*")  # the search result page, not the list it replaces
    page.locator("#organization-table a", has_text="厦门鹭检检测技术有限公司").first.click()
    page.wait_for_url("**/directory/organizations/*/")
    page.click("#add-qualification")
    page.wait_for_selector(".zl-inline-form")
    page.select_option(".zl-inline-form select[name=kind]", "CAL")
    page.fill(".zl-inline-form input[name=certificate_no]", "CAL-2026-0099")
    page.fill(".zl-inline-form input[name=issued_on]", "2021-01-01")
    page.fill(".zl-inline-form input[name=valid_until]", "2021-12-31")
    page.click("#inline-save")
    row = page.locator("#qualification-table tr", has_text="CAL-2026-0099")
    row.wait_for()
    assert row.get_attribute("data-status") == "expired"
    shot("directory-06-certificate-inline")


@pytest.mark.req("DIR-02")
def test_compose_a_working_group_and_see_who_is_not_eligible(login, site, shot):
    page = login("mgmt")
    page.goto(f"{site}/directory/experts/working-group/")
    page.fill("#expert-search", "陈立群")
    page.press("#expert-search", "Enter")
    page.locator("#candidates a.zl-add-expert").first.click()
    page.fill("#expert-search", "杨帆")
    page.press("#expert-search", "Enter")
    page.locator("#candidates a.zl-add-expert").first.click()
    verdict = page.locator("#group-verdict")
    assert verdict.get_attribute("data-valid") == "false"
    assert "杨帆" in verdict.inner_text()
    assert page.locator("#group-table tr[data-eligible=true]").count() == 1
    shot("directory-07-working-group")


@pytest.mark.req("DIR-04")
def test_build_the_testing_institutions_roster(login, site, shot):
    page = login("owner")
    page.goto(f"{site}/directory/capabilities/roster/")
    page.fill("#id_keywords", "玻璃基板、偏光片")
    page.click("#roster-submit")
    page.wait_for_selector("#roster")
    names = page.locator(".zl-roster-entry .card-header a").all_inner_texts()
    assert names == ["厦门市光电产品质量检验中心", "厦门海西计量测试研究院"]
    shot("directory-08-roster")
    with page.expect_download() as download:
        page.click("#export-roster")
    assert download.value.suggested_filename.endswith(".xlsx")


@pytest.mark.req("DIR-03")
def test_service_network_tree(login, site, shot):
    page = login("commissioner")
    page.goto(f"{site}/directory/service-network/")
    assert page.locator(".zl-network-hub").count() == 3
    assert page.locator(".zl-network-station", has_text="翔安光电产业园服务站").locator(".zl-commissioner",
                                                                                 has_text="张明辉").count() == 1
    shot("directory-09-service-network")
    page.goto(f"{site}/directory/government/")
    assert page.locator("#government-tree li li li").count() == 8
    shot("directory-10-government-tree")
