"""The consortium approval chain (CON-01), a breakthrough project from a problem to acceptance
(PRJ-01, PRJ-04, PRJ-08) and an achievement seen by a consortium member and refused to an
outsider (ACH-02), driven through the pages as each role would."""

import datetime
import re

import pytest
from django.utils import timezone

pytestmark = pytest.mark.browser

STATE = ".zl-page-header [data-state]"


def switch(page, login, username):
    page.context.clear_cookies()
    return login(username)


def header_state(page):
    return page.locator(STATE).first.get_attribute("data-state")


def uscc_of(name):
    """The unit's code as the directory registers it (what the applicant copies onto the form)."""
    from zhilian.directory.models import Organization

    return Organization.objects.get(name=name).uscc


# --------------------------------------------------------------------------- CON-01

APPLICATION = {
    "name": "光电显示玻璃基板质量创新联合体",
    "chain_domain": "光电显示（玻璃基板—面板）",
    "person_in_charge": "翔光玻璃 何建平",
    "person_phone": "13906057777",
    "goals": "围绕 G8.5 玻璃基板表面微粒与翘曲度等共性问题，两年内实施 2 项质量攻关，基板良率提升 5 个百分点。",
    "work_plan": "1. 成立理事会与技术委员会；2. 共建基板表面质量检测平台；3. 联合省外原片企业开展来料质量协同。",
}
MEMBERS = [
    ("厦门翔安光学膜材有限公司", "膜材 质量部 吴工", "0592-57123456", "光学膜贴合适配验证"),
    ("厦门市光电产品质量检验中心", "检验中心 业务科", "0592-57654321", "表面粗糙度与微粒检测"),
    ("安徽皖晶玻璃科技有限公司", "皖晶 品质部 许工", "13905510001", "玻璃基板原片质量协同（跨区域）"),
]
OPINIONS = {
    "lead": "同意牵头组建，承诺提供资金、场地与人员保障。",
    "district": "翔安区质量强区办：材料齐全，符合组建条件，同意报市质量强市办审核。",
    "city": "市质量强市办：同意组建光电显示玻璃基板质量创新联合体。",
}


def _give_opinion(page, consortium_url, step, shot, name):
    page.goto(consortium_url)
    page.click("#review-application")
    page.wait_for_selector("#action-form")
    if step != "lead":  # the reviewer reads the opinions given so far
        assert OPINIONS["lead"] in page.inner_text("main")
    page.check("#action-form input[name=decision][value=approve]")
    page.fill("#action-form textarea[name=opinion]", OPINIONS[step])
    shot(name)
    page.click("#confirm")
    page.wait_for_url(consortium_url)
    row = page.locator(f"#approval-chain [data-step={step}]")
    assert OPINIONS[step] in row.inner_text()
    assert row.locator(".zl-opinion[data-decision=approve]").count() == 1


@pytest.mark.req("CON-01")
def test_consortium_application_through_lead_district_and_city(login, site, shot):
    # The enterprise drafts the Appendix A application with its member units.
    page = login("member")
    page.goto(f"{site}/consortia/apply/")
    page.fill("#id_name", APPLICATION["name"])
    page.select_option("#id_chain", label="光电显示产业链")
    for field in ("chain_domain", "person_in_charge", "person_phone"):
        page.fill(f"#id_{field}", APPLICATION[field])
    for index, (name, contact, phone, duty) in enumerate(MEMBERS):
        page.fill(f"input[name=members-{index}-name]", name)
        page.fill(f"input[name=members-{index}-uscc]", uscc_of(name))
        page.fill(f"input[name=members-{index}-contact_name]", contact)
        page.fill(f"input[name=members-{index}-contact_phone]", phone)
        page.fill(f"input[name=members-{index}-responsibilities]", duty)
    page.fill("#id_goals", APPLICATION["goals"])
    page.fill("#id_work_plan", APPLICATION["work_plan"])
    # A code with a wrong check character is refused at that row's code field; nothing is saved.
    good_code = uscc_of(MEMBERS[1][0])
    page.fill("input[name=members-1-uscc]", good_code[:-1] + ("0" if good_code[-1] != "0" else "1"))
    page.click("#save")
    page.wait_for_selector("#member-errors")
    assert page.locator("input.is-invalid").evaluate_all("els => els.map(e => e.name)") == ["members-1-uscc"]
    assert page.locator("#id_members-1-uscc-error").is_visible()
    assert "第 2 行" in page.inner_text("#member-errors")
    shot("consortium-01-member-row-error")
    page.fill("input[name=members-1-uscc]", good_code)
    shot("consortium-01-application")
    page.click("#save")
    page.wait_for_url(re.compile(r"/consortia/\d+/$"))
    consortium_url = page.url
    assert header_state(page) == "draft"
    assert "厦门翔光玻璃基板有限公司" in page.inner_text("#lead-unit")
    members = page.locator("#member-table")
    for name, contact, _phone, duty in MEMBERS:
        row = members.locator(f"tr[data-member='{name}']")
        assert row.count() == 1
        text = row.inner_text()
        assert uscc_of(name) in text and contact in text and duty in text
    assert members.locator("tr[data-member='安徽皖晶玻璃科技有限公司'] .badge").count() == 1  # cross-region
    assert "翔安区" in page.inner_text("main")

    # Submitted, the application waits for the lead unit's opinion, then the district's.
    page.click("#submit-application")
    page.click("#confirm")
    page.wait_for_url(consortium_url)
    assert header_state(page) == "lead_opinion"
    shot("consortium-02-submitted")
    _give_opinion(page, consortium_url, "lead", shot, "consortium-03-lead-opinion")
    assert header_state(page) == "district_review"
    assert page.locator("#review-application").count() == 0  # the lead unit has had its say
    assert page.locator("#edit-object").count() == 0

    # The district quality office (翔安区局) finds it waiting for it and agrees.
    page = switch(page, login, "district")
    page.goto(f"{site}/consortia/?pending=1")
    assert APPLICATION["name"] in page.inner_text("main")
    _give_opinion(page, consortium_url, "district", shot, "consortium-04-district-review")
    assert header_state(page) == "city_review"

    # The city quality office approves; the consortium is established.
    page = switch(page, login, "city")
    _give_opinion(page, consortium_url, "city", shot, "consortium-05-city-review")
    assert header_state(page) == "approved"
    chain = page.locator("#approval-chain")
    for step, opinion in OPINIONS.items():
        row = chain.locator(f"[data-step={step}]")
        assert opinion in row.inner_text()
        assert row.locator(".zl-opinion[data-decision=approve]").count() == 1
        assert row.locator(".badge.text-bg-success").count() == 1  # agreed
    today = timezone.localdate().strftime("%Y-%m-%d")  # the server's day (Asia/Shanghai)
    assert today in page.inner_text(".zl-page-header")  # established on the day of the city's approval
    for name, *_rest in MEMBERS:
        assert today in page.locator(f"#member-table tr[data-member='{name}']").inner_text()  # joined that day
    shot("consortium-06-approved")

    # The applicant sees its consortium approved, with the three opinions on record.
    page = switch(page, login, "member")
    page.goto(f"{site}/consortia/?q=玻璃基板质量创新联合体")
    page.click(f"a:has-text('{APPLICATION['name']}')")
    assert header_state(page) == "approved"
    assert page.locator("#approval-chain .zl-opinion[data-decision=approve]").count() == 3


# --------------------------------------------------------------------------- PRJ-01, PRJ-04, PRJ-08

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _problem_badge(page, problem_url):
    page.goto(problem_url)
    return page.locator(".zl-page-header .badge").first.inner_text().strip()


@pytest.mark.req("PRJ-01")
@pytest.mark.req("PRJ-04")
@pytest.mark.req("PRJ-08")
def test_project_from_problem_to_acceptance(login, site, shot):
    today = timezone.localdate()  # the server's day (Asia/Shanghai), not the test machine's
    start, end = today - datetime.timedelta(days=40), today + datetime.timedelta(days=320)
    iso = lambda d: d.strftime("%Y-%m-%d")  # noqa: E731

    # A member enterprise of the IC consortium files the problem it wants tackled.
    page = login("icmember")
    page.goto(f"{site}/problems/add/")
    page.fill("#id_name", "12 英寸硅单晶棒头部氧含量偏高")
    page.select_option("#id_chain", label="集成电路产业链")
    page.select_option("#id_node", label="集成电路产业链 · 上游 · 硅单晶棒")
    page.select_option("#id_source", label="企业自报")
    page.select_option("#id_category", label="质量技术问题")
    page.fill("#id_description", "晶棒头部 50 mm 间隙氧含量 18 ppma，超出客户规格 ≤ 15 ppma，头部切除率 12%。")
    page.click("#save")
    page.wait_for_url(re.compile(r"/problems/\d+/$"))
    problem_url = page.url
    problem_id = re.search(r"/problems/(\d+)/$", problem_url).group(1)
    assert page.locator(".zl-page-header .badge").first.inner_text().strip() == "已识别"

    # It drafts the Appendix F task book from that problem.
    page.goto(f"{site}/projects/add/")
    page.fill("#id_name", "硅单晶棒头部氧含量控制攻关")
    page.select_option("#id_consortium", label="集成电路产业链质量创新联合体")
    page.check(f"input[name=problems][value='{problem_id}']")
    page.select_option("#id_direction", "manufacturing")
    page.fill("#id_leader_name", "林志远")
    page.fill("#id_leader_phone", "13906060002")
    page.fill("#id_start_date", iso(start))
    page.fill("#id_end_date", iso(end))
    page.fill("input[name=targets-0-indicator]", "头部间隙氧含量")
    page.fill("input[name=targets-0-unit]", "ppma")
    page.fill("input[name=targets-0-baseline]", "18")
    page.fill("input[name=targets-0-target]", "14")
    page.fill("input[name=targets-1-indicator]", "头部切除率")
    page.fill("input[name=targets-1-unit]", "%")
    page.fill("input[name=targets-1-baseline]", "12")
    page.fill("input[name=targets-1-target]", "6")
    page.fill("#id_content_and_route", "优化坩埚转速与氩气流量，调整头部拉速曲线，建立氧含量在线监控。")
    page.fill("#id_expected_outcomes", "头部氧含量 ≤ 14 ppma，切除率降至 6%。")
    assert page.locator("select[name=units-0-organization] option:checked").inner_text() == "福建闽硅单晶材料有限公司"
    page.fill("input[name=units-0-person_in_charge]", "林志远")
    page.fill("input[name=units-0-tasks]", "拉晶工艺试验与中试")
    page.select_option("select[name=units-1-organization]", label="厦门海西计量测试研究院")
    page.fill("input[name=units-1-person_in_charge]", "王工")
    page.fill("input[name=units-1-tasks]", "氧含量测量方法与比对")
    page.fill("input[name=milestones-0-name]", "工艺参数正交试验")
    page.fill("input[name=milestones-0-due_date]", iso(today - datetime.timedelta(days=10)))
    page.fill("input[name=milestones-0-deliverable]", "试验报告")
    page.fill("input[name=milestones-1-name]", "中试验证")
    page.fill("input[name=milestones-1-due_date]", iso(today + datetime.timedelta(days=60)))
    page.fill("input[name=milestones-1-deliverable]", "中试报告")
    page.select_option("select[name=budget-0-category]", "materials")
    page.fill("input[name=budget-0-description]", "多晶硅料、石英坩埚")
    page.fill("input[name=budget-0-amount]", "40")
    shot("project-01-task-book")
    page.click("#save")
    page.wait_for_url(re.compile(r"/projects/\d+/$"))
    project_url = page.url
    assert header_state(page) == "draft"
    assert "12 英寸硅单晶棒头部氧含量偏高" in page.inner_text("#source-problems")
    assert "海西计量" in page.inner_text("#submission-missing")  # the other unit has not signed yet

    # Every unit signs; the lead unit submits.
    page.click("#sign-task-book")
    page.click("#confirm")
    page.wait_for_url(project_url)
    page = switch(page, login, "icmetrology")
    page.goto(project_url)
    page.click("#sign-task-book")
    page.click("#confirm")
    page.wait_for_url(project_url)
    assert page.locator("[data-signed]").count() == 2
    page = switch(page, login, "icmember")
    page.goto(project_url)
    assert page.locator("#submission-missing").count() == 0
    page.click("#submit-project")
    page.click("#confirm")
    page.wait_for_url(project_url)
    assert header_state(page) == "submitted"
    assert _problem_badge(page, problem_url) == "已识别"  # not before the project starts

    # The consortium's lead unit approves the task book: the project starts, the problem is 攻关中.
    page = switch(page, login, "icowner")
    page.goto(project_url)
    page.click("#decide-project")
    page.check("#action-form input[name=decision][value=approve]")
    page.fill("#action-form textarea[name=opinion]", "目标量化、分工明确，同意立项。")
    page.click("#confirm")
    page.wait_for_url(project_url)
    assert header_state(page) == "in_progress"
    assert page.locator("#source-problems [data-state]").first.get_attribute("data-state") == "tackling"
    assert _problem_badge(page, problem_url) == "攻关中"
    shot("project-02-problem-tackling")

    # The lead unit reports the quarter: both milestones completed.
    page = switch(page, login, "icmember")
    page.goto(project_url)
    page.click("#report-progress")
    rows = page.locator("#milestone-rows")
    page.fill("#action-form textarea[name=summary]", "完成正交试验 9 炉与中试 12 炉，头部氧含量降至 13.6 ppma。")
    page.fill("#action-form input[name=spent_to_date]", "36")
    for name, done_on in (("工艺参数正交试验", today - datetime.timedelta(days=12)), ("中试验证", today)):
        row = rows.locator(f"tr[data-milestone-row='{name}']")
        row.locator("input[type=number]").fill("100")
        row.locator("input[type=date]").fill(iso(done_on))
    shot("project-03-quarterly-update")
    page.click("#confirm")
    page.wait_for_url(re.compile(re.escape(project_url) + r"#progress$"))
    assert page.inner_text("#milestone-progress").strip() == "100%"
    # The page opens the tab the address names (#progress), not the task book.
    page.locator("#tab-progress.active.show").wait_for()  # no wait_for_function: the CSP forbids eval
    assert page.locator("#tab-progress").is_visible() and not page.locator("#tab-book").is_visible()
    report = page.locator("#tab-progress [data-report]")
    assert report.count() == 1 and "13.6 ppma" in report.inner_text()

    # It applies for acceptance with the achieved values and the materials.
    page.click("#apply-acceptance")
    page.fill("#action-form textarea[name=summary]", "完成任务书全部内容，中试验证达到考核指标。")
    page.fill("#action-form textarea[name=results]", "工艺文件 3 份；氧含量测量作业指导书 1 份。")
    page.locator("tr[data-target-row='头部间隙氧含量'] input[type=number]").fill("13.6")
    page.locator("tr[data-target-row='头部切除率'] input[type=number]").fill("5.5")
    page.click("#confirm")
    page.wait_for_url(re.compile(r"/projects/acceptances/\d+/$"))
    acceptance_url = page.url

    def upload(category):
        page.set_input_files("#attachments input[type=file]",
                             files=[{"name": f"{category}.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        page.fill("#attachments input[name=category]", category)
        page.click("#attachments button[type=submit]")
        page.wait_for_url(acceptance_url)
        assert f"{category}.pdf" in page.inner_text("#attachments")

    # The category box offers the required materials' names; submitting with some missing is
    # refused, naming them.
    assert page.locator("#attachments input[name=category]").get_attribute("list") == "acceptance-material-names"
    upload("项目总结报告")
    assert page.locator("#acceptance-materials [data-filed='1']").count() == 1
    page.click("#submit-acceptance")
    page.click("#confirm")
    assert "经费决算表" in page.inner_text("#form-errors")
    shot("project-04a-acceptance-materials-missing")
    page.goto(acceptance_url)
    for category in ("验收申请表", "技术报告", "检测报告", "经费决算表", "成果证明"):
        upload(category)
    assert page.locator("#acceptance-materials [data-filed='0']").count() == 0
    shot("project-04-acceptance-application")
    page.click("#submit-acceptance")
    page.click("#confirm")
    page.wait_for_url(acceptance_url)
    assert header_state(page) == "submitted"
    page.goto(project_url)
    assert header_state(page) == "acceptance"

    # The management institution records the experts' acceptance: accepted, the problem solved.
    page = switch(page, login, "mgmt")
    page.goto(acceptance_url)
    page.click("#decide-acceptance")
    page.check("#action-form input[name=decision][value=pass]")
    assert page.input_value("#action-form input[name=accepted_on]") == iso(today)
    page.locator("#action-form input[name=experts]").first.check()
    page.fill("#action-form textarea[name=conclusion]", "考核指标全部达到，资料齐全，同意通过验收。")
    page.click("#confirm")
    page.wait_for_url(project_url)
    assert header_state(page) == "accepted"
    assert page.locator("#source-problems [data-state]").first.get_attribute("data-state") == "solved"
    shot("project-05-accepted")
    assert _problem_badge(page, problem_url) == "已解决"
    shot("project-06-problem-solved")

    # The enterprise that reported it sees it solved, too.
    page = switch(page, login, "icmember")
    assert _problem_badge(page, problem_url) == "已解决"


# --------------------------------------------------------------------------- ACH-02

MEMBERS_ONLY = "单晶炉热场—磁场耦合数值模拟模型"  # shared with the members of the IC consortium
PUBLIC = "12 英寸硅单晶棒径向电阻率四探针多点测试方法"


def _missing_pk(model):
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert not model.objects.filter(pk=last + 1000).exists()
    return last + 1000


def _not_found_text(page):
    return re.sub(r"\s+", " ", page.inner_text("main")).strip()


@pytest.mark.req("ACH-02")
def test_members_only_achievement_is_seen_by_a_member_and_refused_to_outsiders(login, site, shot):
    from zhilian.achievements.models import Achievement
    from zhilian.core.models import Attachment

    # A member unit of the consortium (not the contributor) finds it, opens it and downloads its proof.
    page = login("icmetrology")
    page.goto(f"{site}/achievements/")
    assert MEMBERS_ONLY in page.inner_text("#object-list")
    page.goto(f"{site}/search/?q=热场—磁场耦合")
    assert MEMBERS_ONLY in page.inner_text("main")
    page.goto(f"{site}/achievements/?q=热场")
    page.click(f"#object-list a:has-text('{MEMBERS_ONLY}')")
    page.wait_for_url(re.compile(r"/achievements/\d+/$"))
    detail_url = page.url
    assert page.locator(".zl-page-header [data-state=consortium]").count() == 1
    assert "福建半导体材料工程研究中心" in page.inner_text("main")
    link = page.locator("#attachments a[href*='/download/']").first
    download_url = site + link.get_attribute("href")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "软件著作权登记证书.pdf"
    with open(info.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    shot("achievement-01-member-detail")

    missing_detail = f"{site}/achievements/{_missing_pk(Achievement)}/"
    missing_download = f"{site}/attachments/{_missing_pk(Attachment)}/download/"
    for outsider in ("member", "consumer"):  # an enterprise outside the consortium; a consumer
        page = switch(page, login, outsider)

        # Not in the list nor in the search results, while what it may see still is.
        page.goto(f"{site}/achievements/")
        listed = page.inner_text("#object-list")
        assert PUBLIC in listed and MEMBERS_ONLY not in listed
        page.goto(f"{site}/achievements/?q=热场")
        assert MEMBERS_ONLY not in page.inner_text("#object-list")
        page.goto(f"{site}/search/?q=热场—磁场耦合")
        assert MEMBERS_ONLY not in page.inner_text("main")

        # The detail page and the file answer exactly as for records that do not exist.
        denied = page.goto(detail_url)
        denied_text = _not_found_text(page)
        shot(f"achievement-02-{outsider}-refused")
        missing = page.goto(missing_detail)
        assert denied.status == missing.status == 404
        assert denied_text == _not_found_text(page)
        assert MEMBERS_ONLY not in denied_text
        denied = page.goto(download_url)
        denied_text = _not_found_text(page)
        missing = page.goto(missing_download)
        assert denied.status == missing.status == 404
        assert denied_text == _not_found_text(page)
        export = page.request.get(detail_url + "table-g1.docx")
        assert export.status == 404


# --------------------------------------------------------------------------- PRJ-07, PLT-11


@pytest.mark.req("PRJ-07")
def test_a_saved_risk_returns_to_the_risks_tab(login, site, shot):
    from zhilian.projects.models import Project

    project = Project.objects.get(name="12 英寸硅片表面金属杂质 VPD-ICP-MS 检测方法研究")  # running, 海西计量 leads
    page = login("icmetrology")
    page.goto(f"{site}/projects/{project.pk}/risks/add/")
    page.select_option("#action-form select[name=kind]", "technical")
    page.fill("#action-form input[name=title]", "探针老化导致比对数据漂移")
    page.fill("#action-form textarea[name=description]", "探针寿命不足，需更换。")
    page.click("#confirm")
    page.wait_for_url(re.compile(rf"/projects/{project.pk}/#risks$"))
    page.locator("#tab-risks.active.show").wait_for()  # no wait_for_function: the CSP forbids eval
    assert page.locator("#tab-risks").is_visible() and not page.locator("#tab-book").is_visible()
    assert "探针老化导致比对数据漂移" in page.inner_text("#tab-risks")
    shot("project-07-risk-tab-opened")
    page.goto(f"{site}/projects/{project.pk}/#midterm")
    page.locator("#tab-midterm.active.show").wait_for()  # no wait_for_function: the CSP forbids eval
    assert not page.locator("#tab-book").is_visible()


@pytest.mark.req("PLT-11")
def test_the_project_list_reads_on_a_phone(login, site, shot):
    page = login("mgmt")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/projects/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page itself does not widen
    row = page.locator("#project-table tbody tr").first
    widths = row.locator("td").evaluate_all(
        "els => els.filter(e => getComputedStyle(e).display !== 'none').map(e => e.offsetWidth)")
    assert len(widths) == 4 and min(widths) >= 60  # number, name, status, open risks: none squeezed
    name = row.locator("td").nth(1)
    assert name.evaluate("e => e.offsetWidth") >= 150  # a name reads as words, not a character per line
    shot("project-08-list-390")


@pytest.mark.req("PRJ-05")
def test_experts_of_a_large_library_are_found_by_typing_and_ticked(login, site, shot, settings):
    """Above the threshold the mid-term check lists no expert (20,000 at bench scale): typing part
    of a name or employer adds the matches as boxes to tick (core.lookups)."""
    from zhilian.projects.models import MidtermCheck, Project

    settings.ZHILIAN_LOOKUP_THRESHOLD = 2
    project = Project.objects.get(name="12 英寸硅片表面金属杂质 VPD-ICP-MS 检测方法研究")
    checks = MidtermCheck.objects.filter(project=project).count()
    page = login("mgmt")
    page.goto(f"{site}/projects/{project.pk}/midterm/add/")
    experts = page.locator("#action-form #id_experts")
    assert experts.locator("input[type=checkbox]").count() == 0
    # A search that finds nobody says so.
    page.fill("#id_experts-lookup", "没有这位专家")
    page.locator(".zl-lookup-empty", has_text="没有您可选择的匹配项").wait_for()
    page.fill("#id_experts-lookup", "海西计量")
    found = experts.locator("label", has_text="林晓燕")
    found.wait_for()
    assert not page.locator(".zl-lookup-empty").is_visible()
    assert "厦门海西计量测试研究院" in found.inner_text()  # a found row names title and employer
    experts.locator("input[type=checkbox]").first.check()
    # A second search keeps the ticked expert and offers the new matches beside it.
    page.fill("#id_experts-lookup", "鹭检")
    experts.locator("label", has_text="陈立群").wait_for()
    assert experts.locator("input:checked").count() == 1 and "林晓燕" in experts.inner_text()
    experts.locator("label", has_text="陈立群").click()
    page.check("#action-form input[name=result][value=pass]")
    page.fill("#action-form textarea[name=opinion]", "按计划推进，通过。")
    shot("project-09-midterm-experts-lookup")
    page.click("#action-form button[type=submit]")
    # 林晓燕 works for the unit that leads the project: refused, and both ticks come back.
    page.locator("#action-form .invalid-feedback", has_text="回避").wait_for()
    assert experts.locator("input:checked").count() == 2
    shot("project-10-midterm-expert-recused")
    experts.locator("label", has_text="林晓燕").click()
    page.click("#action-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/projects/{project.pk}/#midterm$"))
    assert MidtermCheck.objects.filter(project=project).count() == checks + 1
    check = MidtermCheck.objects.filter(project=project).latest("pk")
    assert list(check.experts.values_list("name", flat=True)) == ["陈立群"]
