"""The Appendix I summary table (Table I.1) per chain, computed from the records (EVA-01)."""

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from zhilian.chains.models import Chain
from zhilian.consortia import services as consortium_services
from zhilian.consortia.choices import ContributionKind
from zhilian.consortia.models import Consortium
from zhilian.directory.models import Organization
from zhilian.evaluation import services
from zhilian.evaluation.exports import COLUMNS
from zhilian.evaluation.models import ChainSummaryInput
from zhilian.evaluation.selectors import chain_summary
from zhilian.problems import services as problem_services
from zhilian.problems.models import Problem, ProblemReview, ProblemStatus

pytestmark = pytest.mark.django_db

CHAIN = "集成电路产业链"
ON_SCREEN = ["districts", "clusters", "enterprises", "smes", "institutions", "experts", "common-projects", "solved"]
# Excel header of each on-screen figure (Table I.1 columns).
HEADERS = {"districts": "覆盖设区市或县（市、区）数量", "clusters": "产业集聚区数量", "enterprises": "参与企业数量",
           "smes": "参与中小微企业数量", "institutions": "参与技术机构数量", "experts": "参与技术专家数量",
           "common-projects": "开展共性质量技术攻关项目", "solved": "解决质量问题数量"}


def _chain():
    return Chain.objects.get(name=CHAIN)


def _screen(client):
    """The figures of the chain's row on the summary page, by data-col."""
    response = client.get(reverse("evaluation:summary_table"))
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(r'<tr data-chain="%s">(.*?)</tr>' % CHAIN, html, re.S)
    assert row, "the chain has a row"
    cells = dict(re.findall(r'data-col="([a-z-]+)">\s*([^<]*?)\s*</td>', row.group(1)))
    return {k: (int(v) if k in ON_SCREEN else v) for k, v in cells.items()}


def _excel(client):
    response = client.get(reverse("evaluation:summary_table"), {"export": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    headers = {}
    for col in range(1, ws.max_column + 1):
        header = ws.cell(row=3, column=col).value or ws.cell(row=2, column=col).value
        headers[header] = col
    rows = {}
    for r in range(4, ws.max_row + 1):
        name = ws.cell(row=r, column=headers["产业链名称"]).value
        if name:
            rows[name] = {h: ws.cell(row=r, column=c).value for h, c in headers.items()}
    groups = [ws.cell(row=2, column=c).value for c in range(1, ws.max_column + 1)]
    return ws, headers, rows, groups


@pytest.mark.req("EVA-01")
def test_the_summary_on_screen_and_in_excel_shows_the_same_computed_figures(client_as, persona):
    client = client_as("city")
    screen = _screen(client)
    summary = chain_summary(persona("city"), _chain())
    # On screen: the figures computed from the records.
    assert screen["enterprises"] == len(summary.enterprises) >= 3  # 海芯, 闽硅, 深圳南岭 …
    assert screen["institutions"] == len(summary.institutions) >= 2  # 海西计量, 研究中心
    assert screen["solved"] == len(summary.solved_problems) >= 1  # IC-001, solved by the accepted project
    assert screen["districts"] == len(summary.districts) and "广东省深圳市南山区" in summary.districts
    assert screen["common-projects"] == len(summary.common_projects)
    assert "万元" in screen["funds"] and "联合体成员出资 500.00 万元" in screen["funds"]
    ws, headers, rows, groups = _excel(client)
    # The Table I.1 columns, with their groups.
    for _group, header, _w, _v in COLUMNS:
        assert header in headers, header
    for group in ("覆盖范围", "参与情况", "取得成效", "投入情况"):
        assert group in groups
    row = rows[CHAIN]
    for key, header in HEADERS.items():
        assert row[header] == screen[key], header
    assert row["投入经费情况"] == screen["funds"]
    assert row["带动就业情况"] == "新增工艺与检测岗位 35 个。"  # entered by the city (demo)


@pytest.mark.req("EVA-01")
def test_figures_follow_the_records(client_as, persona):
    client = client_as("city")
    before = _screen(client)
    consortium = Consortium.objects.get(name="集成电路产业链质量创新联合体")
    icowner = persona("icowner")
    # A micro enterprise of 海沧区 joins the consortium: one more enterprise, one more SME.
    micro = Organization.objects.get(name="厦门鹭微精密治具有限公司")
    consortium_services.member_join(user=icowner, consortium=consortium, data={
        "name": micro.name, "uscc": micro.uscc, "contact_name": "陈工", "contact_phone": "13906078888",
        "joined_on": timezone.localdate()})
    after = _screen(client)
    assert after["enterprises"] == before["enterprises"] + 1
    assert after["smes"] == before["smes"] + 1
    assert after["districts"] == before["districts"]  # 海沧区 was covered already
    # A unit from 江苏省苏州市吴中区 joins: coverage and clusters grow.
    suzhou = Organization.objects.get(name="苏州吴中光电材料有限公司")
    consortium_services.member_join(user=icowner, consortium=consortium, data={
        "name": suzhou.name, "uscc": suzhou.uscc, "contact_name": "吴工", "contact_phone": "0512-66001234",
        "joined_on": timezone.localdate()})
    after = _screen(client)
    assert after["districts"] == before["districts"] + 1 and after["clusters"] == before["clusters"] + 1
    # A problem of the chain found solved at its yearly review.
    problem = Problem.objects.filter(chain=_chain()).exclude(status=ProblemStatus.SOLVED).order_by("code").first()
    reviewer = next(persona(u) for u in ("mgmt", "city", "district") if persona(u).has_perm("problems.review_problem"))
    problem_services.problem_review_record(user=reviewer, problem=problem, conclusion=ProblemReview.Conclusion.SOLVED,
                                           notes="企业自主改进后复核已解决")
    assert _screen(client)["solved"] == before["solved"] + 1
    # Members' funds are inputs.
    members = {m.organization.name: m for m in consortium.active_members().select_related("organization")}
    consortium_services.contribution_save(user=icowner, consortium=consortium, data={
        "member": members["福建闽硅单晶材料有限公司"], "kind": ContributionKind.FUNDS, "description": "攻关配套资金",
        "amount": Decimal("120.00"), "provided_on": timezone.localdate()})
    assert "联合体成员出资 620.00 万元" in _screen(client)["funds"]
    # … and the Excel export follows.
    _ws, _headers, rows, _groups = _excel(client)
    final = _screen(client)
    for key, header in HEADERS.items():
        assert rows[CHAIN][header] == final[key], header
    assert rows[CHAIN]["投入经费情况"] == final["funds"]


@pytest.mark.req("EVA-01")
def test_figures_entered_by_the_city_appear_and_only_the_city_level_enters_them(client_as, persona):
    chain = _chain()
    response = client_as("city").post(reverse("evaluation:chain_summary", args=[chain.pk]), {
        "clusters": "5", "sme_certifications": "3 家中小企业通过 IATF 16949", "employment": "新增岗位 80 个",
        "market": "本地配套率 40%", "cost_savings": "年节约 3 000 万元", "indicator_note": "晶圆良率 92%→96%"})
    assert response.status_code == 302
    assert _screen(client_as("city"))["clusters"] == 5  # entered figure overrides the count
    _ws, _h, rows, _g = _excel(client_as("mgmt"))
    assert rows[CHAIN]["带动就业情况"] == "新增岗位 80 个" and rows[CHAIN]["产业集聚区数量"] == 5
    assert "晶圆良率 92%→96%" in rows[CHAIN]["关键质量指标提升情况"]
    # A district bureau and a chain owner read the figures but do not enter them.
    for username in ("district", "icowner"):
        response = client_as(username).post(reverse("evaluation:chain_summary", args=[chain.pk]),
                                            {"employment": "篡改"})
        assert response.status_code == 403
    assert ChainSummaryInput.objects.get(chain=chain).employment == "新增岗位 80 个"
    with pytest.raises(PermissionDenied):
        services.summary_inputs_save(user=persona("district"), chain=chain, data={"employment": "篡改"})


@pytest.mark.req("EVA-01")
def test_who_may_see_the_summary(client_as, api_as):
    chain = _chain()
    for username in ("city", "district", "mgmt", "icowner"):
        assert client_as(username).get(reverse("evaluation:summary_table")).status_code == 200, username
        assert client_as(username).get(reverse("evaluation:chain_summary", args=[chain.pk])).status_code == 200
        rows = api_as(username).get("/api/v1/chain-summaries/").json()
        assert any(r["chain"] == CHAIN for r in rows), username
    for username in ("member", "institution", "consumer"):
        assert client_as(username).get(reverse("evaluation:summary_table")).status_code == 403, username
        assert client_as(username).get(reverse("evaluation:summary_table"), {"export": "xlsx"}).status_code == 403
        refused = api_as(username).get("/api/v1/chain-summaries/")
        assert refused.status_code == 403, username
        if username != "consumer":  # consumers hold no API role at all: the generic refusal
            assert refused.json()["detail"] == "工作总结汇总表由市场监管部门和管理机构维护。"  # in the user's language
        page = client_as(username).get(reverse("evaluation:chain_summary", args=[chain.pk]))
        assert page.status_code in (302, 404), username
    # The API row matches the page.
    screen = _screen(client_as("city"))
    row = next(r for r in api_as("city").get("/api/v1/chain-summaries/", {"chain": chain.pk}).json())
    assert (row["enterprises"], row["smes"], row["institutions"], row["problems_solved"], row["districts"]) == (
        screen["enterprises"], screen["smes"], screen["institutions"], screen["solved"], screen["districts"])


@pytest.mark.req("PLT-10")
def test_the_sme_mark_is_translated(client_as):
    body = client_as("city").get(reverse("evaluation:chain_summary", args=[_chain().pk])).content.decode()
    assert "<sup>中小微</sup>" in body and "<sup>SME</sup>" not in body


@pytest.mark.req("PLT-10")
def test_the_summary_reads_in_english_and_the_workbook_stays_the_chinese_form(client_as):
    from html import unescape

    from django.conf import settings

    client = client_as("city")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("evaluation:summary_table")).content.decode()
    head = re.search(r"<thead.*?</thead>", html, re.S).group(0)
    assert not re.search(r"[\u4e00-\u9fff]", head), head  # no Chinese header left
    for text in ("No.", "Industrial chain", "Coverage", "Participation", "Outcomes", "Inputs", "Quality problems solved",
                 "Funds invested"):
        assert text in head, text
    assert 'colspan="5"' in head and 'rowspan="2"' in head  # the form's two header rows
    funds = re.search(r'<tr data-chain="%s">.*?data-col="funds">\s*([^<]*?)\s*</td>' % CHAIN, html, re.S).group(1)
    funds = unescape(funds)
    assert funds.startswith("Project budgets ") and "(10,000 yuan)" in funds and "consortium members' funds" in funds
    assert not re.search(r"[\u4e00-\u9fff]", funds), funds
    # Table I.1 is a Chinese form: the workbook keeps its headers and texts whatever the language.
    _ws, headers, rows, groups = _excel(client)
    assert "解决质量问题数量" in headers and "投入情况" in groups
    assert rows[CHAIN]["投入经费情况"].startswith("项目经费预算 ") and "联合体成员出资" in rows[CHAIN]["投入经费情况"]


@pytest.mark.req("EVA-01")
def test_spending_counts_each_projects_latest_quarterly_report(persona):
    """Spending to date is cumulative: a later quarter replaces a project's figure, it does not add to it."""
    from zhilian.projects.services import progress_report_submit
    from zhilian.projects.tests.helpers import D, running_project

    city = persona("city")
    before = chain_summary(city, _chain()).spent
    project = running_project(start_date=D(2026, 4, 1))  # a new project of the chain, with no report yet
    assert project.chain == _chain()

    def report(year, quarter, spent):
        progress_report_submit(user=persona("icmember"), project=project, year=year, quarter=quarter,
                               summary="按计划推进。", spent_to_date=Decimal(spent), milestones=[])

    report(2026, 3, "40")
    assert chain_summary(city, _chain()).spent == before + Decimal("40")
    report(2026, 4, "65")
    assert chain_summary(city, _chain()).spent == before + Decimal("65")


@pytest.mark.req("EVA-01")
def test_a_chains_page_names_its_first_units_and_opens_the_rest_on_demand(client_as, persona, monkeypatch):
    """A chain of the benchmark's size names 374 enterprises and 554 solved problems: past the
    first few, the rest are in a closed "and N more" (every one still named and linked)."""
    from zhilian.evaluation import views

    monkeypatch.setattr(views, "SHOWN", 2)
    summary = chain_summary(persona("city"), _chain())
    assert len(summary.enterprises) > 2
    html = client_as("city").get(reverse("evaluation:chain_summary", args=[_chain().pk])).content.decode()
    section = re.search(r'<div class="mb-1" id="summary-enterprises">(.*?)</div>', html, re.S).group(1)
    before, _, rest = section.partition('<details class="zl-more">')
    assert f"另有 {len(summary.enterprises) - 2} 项" in rest
    names = [o.name for o in summary.enterprises]
    assert all(name in before for name in names[:2]) and all(name in rest for name in names[2:])
    assert not any(name in before for name in names[2:])
