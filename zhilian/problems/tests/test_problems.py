import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from zhilian.chains.models import Chain, ChainNode
from zhilian.chains.selectors import chain_map_for
from zhilian.problems import services
from zhilian.problems.exports import COLUMNS, TableC1Importer, table_c1_workbook
from zhilian.problems.models import (
    Problem, ProblemAssessment, ProblemCategory, ProblemReview, ProblemSource, ProblemStatus, SeverityModel,
)
from zhilian.problems.selectors import problem_reporting_units

DISPLAY = "光电显示产业链"
C1_HEADERS = ["编号", "产业名称", "位置（上/中/下游）", "填报人及单位", "质量问题描述", "影响范围与程度", "原因初步分析",
              "关联问题", "初步改进建议", "问题状态", "质量问题分类", "质量问题分级"]


@pytest.fixture
def display(db):
    return Chain.objects.get(name=DISPLAY)


def new_problem(chain, **fields):
    values = {"name": "测试问题", "chain": chain, "description": "不良率 2%", "category": "technology",
              "reported_on": datetime.date(2026, 1, 5)}
    values.update(fields)
    return Problem(**values)


# --------------------------------------------------------------------------- PRB-03 severity


@pytest.mark.req("PRB-03")
@pytest.mark.parametrize("scores, total, level", [
    ({"impact": 5, "spread": 4, "urgency": 4}, "4.4", 1),
    ({"impact": 4, "spread": 4, "urgency": 4}, "4.0", 1),
    ({"impact": 5, "spread": 3, "urgency": 3}, "3.8", 2),
    ({"impact": 1, "spread": 3, "urgency": 4}, "2.5", 2),
    ({"impact": 2, "spread": 3, "urgency": 2}, "2.3", 3),
    ({"impact": 1, "spread": 1, "urgency": 1}, "1.0", 3),
])
def test_appendix_d_weighted_total_and_level(scores, total, level, persona, display):
    problem = services.problem_save(user=persona("city"), problem=new_problem(display))
    assessment = services.problem_assess(user=persona("city"), problem=problem, scores=scores)
    assert assessment.total == Decimal(total) and assessment.level == level
    problem.refresh_from_db()
    assert problem.severity_total_display == total
    assert problem.stars == {1: 3, 2: 2, 3: 1}[level]
    assert assessment.model.number == 1


@pytest.mark.req("PRB-03")
@pytest.mark.parametrize("scores", [
    {"impact": 6, "spread": 4, "urgency": 4}, {"impact": 0, "spread": 4, "urgency": 4},
    {"impact": 4, "spread": 4}, {"impact": 4.5, "spread": 4, "urgency": 4}, {"impact": "x", "spread": 1, "urgency": 1},
    {"impact": True, "spread": 1, "urgency": 1}, {"impact": 3, "spread": 3, "urgency": 3, "cost": 2},
])
def test_bad_scores_are_refused_and_change_nothing(scores, persona):
    problem = Problem.objects.get(code="OD-001")
    before = (problem.severity_total, problem.assessments.count())
    with pytest.raises(ValidationError):
        services.problem_assess(user=persona("city"), problem=problem, scores=scores)
    problem.refresh_from_db()
    assert (problem.severity_total, problem.assessments.count()) == before


@pytest.mark.req("PRB-03")
def test_api_scores_give_total_level_and_stars(api_as, display):
    node = ChainNode.objects.get(chain=display, name="偏光片")
    response = api_as("city").post("/api/v1/problems/", {
        "name": "偏光片贴附气泡", "chain": display.pk, "node": node.pk, "category": "technology",
        "description": "贴附气泡不良 0.8%", "status": "identified",
        "scores": {"impact": 4, "spread": 4, "urgency": 4}}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["severity_total"] == "4.0" and body["severity_level"] == 1 and body["stars"] == 3
    assert body["scores"] == {"impact": 4, "spread": 4, "urgency": 4}
    assert body["segment"] == "upstream" and body["code"].startswith("Q")
    patched = api_as("city").patch(f"/api/v1/problems/{body['id']}/", {"scores": {"impact": 2, "spread": 2, "urgency": 2}},
                                   format="json")
    assert patched.status_code == 200 and patched.json()["severity_total"] == "2.0" and patched.json()["stars"] == 1
    assert patched.json()["scores"] == {"impact": 2, "spread": 2, "urgency": 2}


@pytest.mark.req("PRB-01")
def test_problem_list_api_queries_do_not_grow_with_the_page(api_as, display, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_as("city")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/api/v1/problems/?page_size=1").status_code == 200
    assert Problem.objects.count() > 5
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get("/api/v1/problems/?page_size=50").json()
    assert len(body["results"]) > 5 and any(r["scores"] for r in body["results"])


@pytest.mark.req("PRB-03")
@pytest.mark.parametrize("scores", [{"impact": 6, "spread": 4, "urgency": 4}, {"impact": 4, "spread": 4}])
def test_api_bad_scores_answer_400_and_save_nothing(scores, api_as, display):
    count = Problem.objects.count()
    response = api_as("city").post("/api/v1/problems/", {
        "name": "坏评分", "chain": display.pk, "category": "technology", "description": "x", "scores": scores},
        format="json")
    assert response.status_code == 400
    assert "scores" in response.json()
    assert Problem.objects.count() == count
    problem = Problem.objects.get(code="OD-002")
    response = api_as("city").patch(f"/api/v1/problems/{problem.pk}/", {"scores": scores, "name": "改名"}, format="json")
    assert response.status_code == 400
    problem.refresh_from_db()
    assert problem.name != "改名"


@pytest.mark.req("PRB-03")
def test_api_rejects_unknown_category_and_status(api_as, display):
    for field, value in (("category", "quality"), ("status", "closed")):
        payload = {"name": "x", "chain": display.pk, "category": "technology", "description": "x", field: value}
        assert api_as("city").post("/api/v1/problems/", payload, format="json").status_code == 400


@pytest.mark.req("PRB-03")
def test_new_model_version_keeps_old_assessments(persona, display):
    problem = Problem.objects.get(code="OD-007")
    old = problem.assessments.get()
    new = services.severity_model_create(user=persona("city"), name="2027 版", level1_min="4.2", level2_min="3.0",
                                         dimensions=[
                                             {"code": "impact", "name": "影响", "weight": "0.5"},
                                             {"code": "spread", "name": "扩散", "weight": "0.25"},
                                             {"code": "urgency", "name": "紧迫", "weight": "0.25"}])
    assert new.number == 2 and SeverityModel.objects.current() == new
    old.refresh_from_db()
    assert old.model.number == 1 and old.total == Decimal("4.4")
    again = services.problem_assess(user=persona("city"), problem=problem, scores={"impact": 5, "spread": 3, "urgency": 3})
    assert again.model == new and again.total == Decimal("4.00") and again.level == 2  # 4.0 < 4.2 in this version
    problem.refresh_from_db()
    assert problem.severity_total_display == "4.0"


@pytest.mark.req("PRB-03")
@pytest.mark.parametrize("dimensions, level1, level2, field", [
    ([{"code": "a", "name": "A", "weight": "0.5"}, {"code": "b", "name": "B", "weight": "0.4"}], "4", "2.5", "dimensions"),
    ([{"code": "a", "name": "A", "weight": "0.5"}, {"code": "a", "name": "B", "weight": "0.5"}], "4", "2.5", "dimensions.2.code"),
    ([{"code": "a", "name": "A", "weight": "1"}], "2", "3", "level1_min"),
    ([], "4", "2.5", "dimensions"),
])
def test_model_versions_are_validated(dimensions, level1, level2, field, persona):
    current = SeverityModel.objects.current()
    with pytest.raises(ValidationError) as exc:
        services.severity_model_create(user=persona("city"), name="坏模型", level1_min=level1, level2_min=level2,
                                       dimensions=dimensions)
    assert field in exc.value.message_dict
    assert SeverityModel.objects.current() == current


@pytest.mark.req("PRB-03")
def test_scoring_form_shows_each_dimensions_level_descriptions(client_as):
    problem = Problem.objects.get(code="OD-001")
    page = client_as("expert").get(f"/problems/{problem.pk}/assess/").content.decode()
    for text in ("对产业链安全与竞争力的影响", "致命性“卡脖子”问题，直接威胁产业链安全。", "问题影响的扩散性",
                 "影响范围相对局限。", "问题改进的紧迫性与难度", "亟需解决，且技术难度极高，依赖原始创新。"):
        assert text in page
    response = client_as("expert").post(f"/problems/{problem.pk}/assess/", {
        "score_impact": "5", "score_spread": "5", "score_urgency": "4", "comment": "专家评分"})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.severity_total == Decimal("4.7") and problem.stars == 3
    response = client_as("expert").post(f"/problems/{problem.pk}/assess/", {"score_impact": "5", "score_spread": "5"})
    assert response.status_code == 200 and problem.assessments.count() == 2


@pytest.mark.req("PRB-03")
def test_administrator_defines_a_version_through_the_page(client_as):
    response = client_as("city").post("/problems/severity-models/add/", {
        "name": "试行版", "level1_min": "4.0", "level2_min": "2.5",
        "dim1_code": "impact", "dim1_name": "影响", "dim1_weight": "0.6", "dim1_level_5": "致命",
        "dim2_code": "spread", "dim2_name": "扩散", "dim2_weight": "0.4"})
    assert response.status_code == 302, response.content.decode()[:3000]
    model = SeverityModel.objects.current()
    assert model.name == "试行版" and [d.code for d in model.dimensions.all()] == ["impact", "spread"]
    assert model.dimensions.get(code="impact").levels[0] == {"scores": "5", "description": "致命"}
    assert client_as("member").get("/problems/severity-models/add/").status_code == 403


APPENDIX_D_ROWS = {"name": "附录D", "level1_min": "4.0", "level2_min": "2.5",
                   "dim1_code": "impact", "dim1_name": "影响", "dim1_weight": "0.40",
                   "dim2_code": "spread", "dim2_name": "扩散", "dim2_weight": "0.30",
                   "dim3_code": "urgency", "dim3_name": "紧迫", "dim3_weight": "0.30"}


@pytest.mark.req("PRB-03")
def test_a_row_with_only_a_weight_or_descriptions_is_refused_not_dropped(client_as):
    """A QA walk typed 0.20 in the fourth row's weight only: the page dropped the row and saved
    a new current version without it. A row the administrator typed in is a row."""
    current = SeverityModel.objects.current()
    for extra, field in (({"dim4_weight": "0.20"}, "dim4_code"), ({"dim4_level_5": "成本极高"}, "dim4_code")):
        response = client_as("city").post("/problems/severity-models/add/", {**APPENDIX_D_ROWS, **extra})
        assert response.status_code == 200
        form = response.context["form"]
        assert field in form.errors and "dim4_name" in form.errors
        assert SeverityModel.objects.current() == current and SeverityModel.objects.count() == 1


@pytest.mark.req("PRB-03")
def test_a_dimensions_error_shows_on_the_row_it_was_typed_in(client_as):
    """Rows 1, 2 and 4 filled, row 3 left empty: the service's third dimension is the page's
    fourth row, and its error belongs there."""
    data = {**APPENDIX_D_ROWS, "dim3_code": "", "dim3_name": "", "dim3_weight": "",
            "dim4_code": "cost-1", "dim4_name": "成本", "dim4_weight": "0.30"}
    response = client_as("city").post("/problems/severity-models/add/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "dim4_code" in form.errors and "dim3_code" not in form.errors
    assert 'class="form-control form-control-sm is-invalid"' in str(form["dim4_code"])
    assert SeverityModel.objects.count() == 1


@pytest.mark.req("PRB-03")
def test_weights_that_do_not_add_up_are_flagged_at_the_weights(client_as):
    """The sum error stood alone above the form while the weight inputs looked fine; it is shown
    under the weight column with the sum, and the weights are outlined."""
    response = client_as("city").post("/problems/severity-models/add/", {**APPENDIX_D_ROWS, "dim1_weight": "0.50"})
    assert response.status_code == 200
    page = response.content.decode()
    footer = page[page.index('id="weight-total"'):page.index("</tfoot>")]
    assert "1.10" in footer and 'id="dimension-errors"' in footer
    assert 'id="form-errors"' not in page
    for i in (1, 2, 3):
        assert "is-invalid" in str(response.context["form"][f"dim{i}_weight"])
    assert SeverityModel.objects.count() == 1


# --------------------------------------------------------------------------- PRB-01, 02, 04, 05, 06, 08


@pytest.mark.req("PRB-01")
def test_every_field_of_5_4_2_through_the_form(client_as, display, persona):
    node = ChainNode.objects.get(chain=display, name="驱动IC")
    reporter = persona("owner").organization
    response = client_as("owner").post("/problems/add/", {
        "name": "驱动 IC 静电失效", "chain": display.pk, "node": node.pk, "product": "显示驱动 IC",
        "reported_on": "2026-02-03", "reporter_name": "品质部 张工", "reporter_org": reporter.pk,
        "source": "self_report", "category": "technology", "sub_area": "basic_materials",
        "description": "ESD 失效率 0.3%，高于目标 0.05%", "impact": "模组段返修率上升", "cause_technical": "保护电路设计裕量不足",
        "cause_management": "来料 ESD 抽检比例低", "suggestion": "提升 ESD 防护设计", "is_common": "on",
        "related": [Problem.objects.get(code="OD-002").pk],
        "concerned_enterprises": [reporter.pk]})
    assert response.status_code == 302, response.content.decode()[:3000]
    problem = Problem.objects.get(name="驱动 IC 静电失效")
    assert problem.segment == "upstream" and problem.reported_by == persona("owner") and problem.is_common
    assert problem.code.startswith("Q2026-") and problem.next_review_due == datetime.date(2027, 2, 3)
    assert list(problem.related.values_list("code", flat=True)) == ["OD-002"]
    page = client_as("owner").get(problem.get_absolute_url()).content.decode()
    for text in ("ESD 失效率 0.3%", "保护电路设计裕量不足", "来料 ESD 抽检比例低", "提升 ESD 防护设计", "品质部 张工", "OD-002"):
        assert text in page
    # The related problems to choose from are listed by number.
    form = client_as("owner").get("/problems/add/").context["form"]
    offered = [str(label).split(" ")[0] for _value, label in form.fields["related"].choices]
    assert len(offered) > 3 and offered == sorted(offered)


@pytest.mark.req("PRB-02")
def test_five_categories_and_their_sub_areas(display, persona):
    assert set(ProblemCategory.values) == {"technology", "management", "brand", "infrastructure", "other"}
    with pytest.raises(ValidationError) as exc:
        services.problem_save(user=persona("city"), problem=new_problem(display, category="brand", sub_area="metrology"))
    assert "sub_area" in exc.value.message_dict
    ok = services.problem_save(user=persona("city"), problem=new_problem(display, category="infrastructure",
                                                                         sub_area="metrology"))
    assert ok.get_sub_area_display()


@pytest.mark.req("PRB-04")
def test_status_lifecycle_driven_by_projects(persona):
    problem = Problem.objects.get(code="OD-001")
    services.problem_start_analysis(user=persona("member"), problem=problem)
    assert problem.status == ProblemStatus.ANALYZING
    with pytest.raises(ValidationError):
        services.problem_start_analysis(user=persona("member"), problem=problem)
    changed = services.problems_start_tackling(user=persona("city"), problems=[problem], project="示例攻关项目")
    assert changed == [problem] and Problem.objects.get(pk=problem.pk).status == ProblemStatus.TACKLING
    services.problems_mark_solved(user=persona("city"), problems=[problem], project="示例攻关项目")
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.SOLVED


@pytest.mark.req("PRB-05")
def test_relations_common_flag_and_reach(api_as, client_as):
    problem = Problem.objects.get(code="OD-001")
    assert set(problem.related.values_list("code", flat=True)) == {"OD-004", "OD-008"}
    assert Problem.objects.get(code="OD-008").related.filter(code="OD-001").exists()  # both ways
    assert problem.is_common
    reach = api_as("city").get(f"/api/v1/problems/{problem.pk}/reach/").json()
    assert {"面板", "模组", "整机"} <= {n["name"] for n in reach["nodes"]}
    assert "厦门湖里智显电子有限公司" in {e["name"] for e in reach["enterprises"]}
    page = client_as("city").get(problem.get_absolute_url()).content.decode()
    assert 'id="reach"' in page and "厦门湖里智显电子有限公司" in page


@pytest.mark.req("PRB-06")
def test_yearly_review_sets_the_next_one_and_reminds(persona):
    problem = Problem.objects.get(code="OD-004")
    review = services.problem_review_record(user=persona("owner"), problem=problem, conclusion="unchanged",
                                            reviewed_on=datetime.date(2026, 1, 20), notes="仍存在")
    problem.refresh_from_db()
    assert problem.next_review_due == datetime.date(2027, 1, 20) and review.reviewer == persona("owner")
    from zhilian.problems.selectors import review_reminders

    Problem.objects.filter(code="OD-005").update(next_review_due=datetime.date(2026, 3, 1), reported_by=persona("owner"))
    reminders = list(review_reminders(datetime.date(2026, 3, 5)))
    assert any(r.level == "overdue" and "OD-005" in str(r.title) and r.recipient.username == "owner" for r in reminders)
    assert any(r.recipient.username == "mgmt" and r.level == "overdue" and DISPLAY in str(r.title) for r in reminders)
    assert not any("OD-006" in str(r.title) for r in reminders)  # due at the end of the year, not yet
    services.problem_review_record(user=persona("owner"), problem=problem, conclusion=ProblemReview.Conclusion.SOLVED)
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.SOLVED
    with pytest.raises(Exception):
        services.problem_review_record(user=persona("member"), problem=Problem.objects.get(code="OD-006"),
                                       conclusion="unchanged")


@pytest.mark.req("PRB-08")
def test_sources_are_recorded_and_filterable(api_as):
    assert set(ProblemSource.values) == {"chain_study", "self_report", "supervision", "consortium"}
    rows = api_as("city").get("/api/v1/problems/?source=supervision").json()["results"]
    assert [r["code"] for r in rows] == ["OD-007"]


@pytest.mark.req("PLT-08")
def test_chinese_search_in_the_problem_library(api_as, client_as):
    rows = api_as("city").get("/api/v1/problems/", {"q": "偏光片"}).json()["results"]
    assert "OD-002" in {r["code"] for r in rows}
    page = client_as("city").get("/problems/", {"q": "单晶棒"}).content.decode()
    assert "IC-001" in page and "OD-002" not in page


@pytest.mark.req("PLT-08")
def test_search_pages_are_the_ranked_rows_in_order(api_as, client_as, persona):
    # Pages of a search that matches many problems are read ids first (core.pagination):
    # every page holds the rows the ranked search gives at its place, best first.
    from zhilian.core.search import filter_queryset

    template = Problem.objects.get(code="OD-002")
    for i in range(57):
        name = "背光漏光" if i % 9 == 0 else (f"背光漏光问题{i}" if i % 3 == 0 else f"模组缺陷{i}")
        Problem.objects.create(
            code=f"ZZ-{i:03d}", name=name, chain=template.chain, node=template.node, category=template.category,
            description=f"批次{i} 背光漏光 不良率偏高", reported_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 7))
    user = persona("city")
    expected = [p.code for p in filter_queryset(Problem.objects.restrict(user), "背光漏光")]
    assert len(expected) >= 57 and expected[0] != expected[-1]
    got = []
    for page in (1, 2, 3):
        body = api_as("city").get("/api/v1/problems/", {"q": "背光漏光", "page": page, "page_size": 25}).json()
        got += [r["code"] for r in body["results"]]
    assert got == expected
    html = client_as("city").get("/problems/", {"q": "背光漏光", "page": 2}).content.decode()
    shown = sorted((html.index(f">{code}<"), code) for code in expected if f">{code}<" in html)
    assert [code for _at, code in shown] == expected[25:50]


@pytest.mark.req("PRB-01")
def test_list_filters_by_category_level_status(client_as, api_as):
    rows = api_as("city").get("/api/v1/problems/?level=1").json()["results"]
    assert {r["code"] for r in rows} == {"IC-001", "OD-001", "OD-007"}
    rows = api_as("city").get("/api/v1/problems/?category=brand").json()["results"]
    assert {r["code"] for r in rows} == {"OD-006"}
    assert "OD-009" in client_as("city").get("/problems/?status=analyzing").content.decode()
    # yes / no filters offer "any" as the other filters do, not 未知 (a value the field does not have)
    page = client_as("city").get("/problems/").content.decode()
    assert "未知" not in page and 'name="is_common"' in page
    common = {r["code"] for r in api_as("city").get("/api/v1/problems/?is_common=true").json()["results"]}
    assert common and common == set(Problem.objects.filter(is_common=True).values_list("code", flat=True))
    html = client_as("city").get("/problems/?is_common=true").content.decode()
    assert all(f">{code}<" in html for code in common)
    # ?level=0: the problems not assessed yet (what the dashboard's grey segments open)
    Problem.objects.filter(code="OD-009").update(severity_level=None)  # the demo assessed every problem
    unassessed = set(Problem.objects.filter(severity_level__isnull=True).values_list("code", flat=True))
    assert "OD-009" in unassessed
    rows = api_as("city").get("/api/v1/problems/", {"level": "0", "page_size": 500}).json()["results"]
    assert {r["code"] for r in rows} == unassessed
    html = client_as("city").get("/problems/?level=0").content.decode()
    assert all(f">{code}<" in html for code in unassessed) and ">IC-001<" not in html


# --------------------------------------------------------------------------- PRB-07 Table C.1


def _sheet(content):
    return openpyxl.load_workbook(io.BytesIO(content)).active


@pytest.mark.req("PRB-07")
def test_export_is_table_c1_with_its_two_row_heading(client_as, api_as):
    response = client_as("city").get("/problems/?export=xlsx&chain=" + str(Chain.objects.get(name=DISPLAY).pk))
    ws = _sheet(response.content)
    assert ws.cell(1, 1).value == "产业链供应链质量问题库"
    assert [ws.cell(2, c).value for c in (1, 2, 5)] == ["编号", "产业链", "产业链质量问题"]
    assert [ws.cell(3, c).value for c in range(1, 13)] == C1_HEADERS
    rows = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(1, 13)] for r in range(4, ws.max_row + 1)
            if (ws.cell(r, 1).value or "").startswith("OD-")}
    assert len(rows) == 9
    od1 = rows["OD-001"]
    assert od1[1] == DISPLAY and od1[2] == "上游-玻璃基板" and od1[9] == "已识别" and od1[10] == "质量技术问题"
    assert od1[11] == "★★★" and od1[7] == "OD-004、OD-008"
    api = api_as("city").get("/api/v1/problems/export/?category=brand")
    ws = _sheet(api.content)
    assert [ws.cell(r, 1).value for r in range(4, 5)] == ["OD-006"]


@pytest.mark.req("PRB-07")
def test_import_round_trip_is_idempotent(persona):
    user = persona("city")
    content = table_c1_workbook(Problem.objects.filter(code__startswith="OD-").order_by("code"))
    before = Problem.objects.count()
    result = TableC1Importer(user=user).run(io.BytesIO(content))
    assert result.ok and result.committed and result.updated == 9 and result.created == 0, result.as_dict()
    assert Problem.objects.count() == before
    od1 = Problem.objects.get(code="OD-001")
    assert od1.node.name == "玻璃基板" and od1.cause_technical.startswith("研磨") and od1.cause_management.startswith("来料")
    assert set(od1.related.values_list("code", flat=True)) == {"OD-004", "OD-008"}


def _c1_file(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["产业链供应链质量问题库"])
    ws.append(["编号", "产业链", None, None, "产业链质量问题"])
    ws.append(C1_HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "c1.xlsx"
    return out


@pytest.mark.req("PRB-07")
def test_import_new_rows_with_relations_inside_the_file(persona):
    f = _c1_file([
        ["N-001", DISPLAY, "中游-模组", "李工（厦门湖里智显电子有限公司）", "模组贴合偏位，不良率 0.6%", "影响整机", "1. 技术根源：治具精度\n2. 管理/基础根源：点检缺失",
         "N-002", "更换治具", "分析中", "质量技术问题", "★★"],
        ["N-002", DISPLAY, "下游-整机", "", "整机色差投诉", "", "", "无", "", "已识别", "质量品牌", "*"],
    ])
    result = TableC1Importer(user=persona("city")).run(f)
    assert result.committed, result.as_dict()
    n1 = Problem.objects.get(code="N-001")
    assert n1.status == "analyzing" and n1.severity_level == 2 and n1.severity_total is None
    assert n1.reporter_org.name == "厦门湖里智显电子有限公司" and n1.reporter_name == "李工"
    assert n1.cause_technical == "治具精度" and n1.cause_management == "点检缺失"
    assert list(n1.related.values_list("code", flat=True)) == ["N-002"]
    assert Problem.objects.get(code="N-002").category == "brand"


@pytest.mark.req("PRB-07")
def test_a_bad_row_imports_nothing_and_names_row_and_column(persona, api_as):
    before = Problem.objects.count()
    rows = [
        ["X-001", DISPLAY, "上游-玻璃基板", "", "正常行", "", "", "", "", "已识别", "质量技术问题", "★"],
        ["X-002", "不存在的链", "上游-玻璃基板", "", "坏行", "", "", "", "", "已识别", "质量技术问题", "★"],
        ["X-003", DISPLAY, "左游-玻璃基板", "", "坏位置", "", "", "Z-999", "", "完成", "质量问题", "★★★★"],
    ]
    result = TableC1Importer(user=persona("city")).run(_c1_file(rows))
    assert not result.committed and Problem.objects.count() == before
    errors = {(e.row, e.column) for e in result.errors}
    assert (5, "产业名称") in errors
    assert {(6, "问题状态"), (6, "质量问题分类"), (6, "质量问题分级")} <= errors
    response = api_as("city").post("/api/v1/problems/import/", {"file": _c1_file(rows)}, format="multipart")
    assert response.status_code == 400 and response.json()["committed"] is False
    assert Problem.objects.count() == before
    good = api_as("city").post("/api/v1/problems/import/", {"file": _c1_file(rows[:1])}, format="multipart")
    assert good.status_code == 200 and good.json()["created"] == 1


@pytest.mark.req("PRB-07")
def test_a_check_finds_what_the_import_would_and_every_fault_of_the_file_at_once(persona, client_as):
    """Faults only writing can find (a link the chain does not have, a status step a new row may
    not take) are reported by 仅校验 as by 导入, with the faults of the cells, in one report."""
    before = Problem.objects.count()
    rows = [
        ["V-001", DISPLAY, "上游-玻璃基板", "", "正常行", "", "", "无", "", "已识别", "质量技术问题", ""],
        ["V-002", DISPLAY, "上游-不存在环节", "", "没有的环节", "", "", "无", "", "已识别", "质量技术问题", ""],
        ["V-003", DISPLAY, "上游-玻璃基板", "", "新问题不能已解决", "", "", "无", "", "已解决", "质量技术问题", ""],
        ["V-004", "不存在的链", "左游-某环节", "", "两处错", "", "", "无", "", "已识别", "质量技术问题", ""],
    ]
    expected = {(5, "位置（上/中/下游）"), (6, "问题状态"), (7, "产业名称"), (7, "位置（上/中/下游）")}
    check = TableC1Importer(user=persona("city")).run(_c1_file(rows), dry_run=True)
    assert {(e.row, e.column) for e in check.errors} == expected, check.as_dict()
    assert [e.row for e in check.errors] == sorted(e.row for e in check.errors)
    result = TableC1Importer(user=persona("city")).run(_c1_file(rows))
    assert {(e.row, e.column) for e in result.errors} == expected
    assert not result.committed and Problem.objects.count() == before
    # the page's 仅校验 says so too, and writes nothing
    page = client_as("city").post("/problems/import/", {"file": _c1_file(rows), "dry_run": "1"})
    assert page.status_code == 200 and "不存在环节" in page.content.decode()
    assert Problem.objects.count() == before
    # a clean file checks clean and writes nothing; imported, it is written
    check = TableC1Importer(user=persona("city")).run(_c1_file(rows[:1]), dry_run=True)
    assert check.ok and not check.committed and not Problem.objects.filter(code="V-001").exists()
    assert TableC1Importer(user=persona("city")).run(_c1_file(rows[:1])).committed


@pytest.mark.req("PRB-07")
def test_a_unit_in_brackets_that_names_no_organization_is_an_error(persona):
    row = ["U-001", DISPLAY, "上游-玻璃基板", "某人（不存在的单位有限公司）", "原片气泡", "", "", "无", "", "已识别",
           "质量技术问题", ""]
    result = TableC1Importer(user=persona("city")).run(_c1_file([row]))
    assert not result.committed and not Problem.objects.filter(code="U-001").exists()
    assert [(e.row, e.column) for e in result.errors] == [(4, "填报人及单位")]
    assert "不存在的单位有限公司" in result.errors[0].message
    row[3] = "某人（厦门湖里智显电子有限公司）"
    assert TableC1Importer(user=persona("city")).run(_c1_file([row])).committed
    assert Problem.objects.get(code="U-001").reporter_org.name == "厦门湖里智显电子有限公司"


@pytest.mark.req("PRB-07")
def test_import_page_lists_table_c1_columns(client_as):
    page = client_as("city").get("/problems/import/").content.decode()
    for header in C1_HEADERS:
        assert header in page
    template = client_as("city").get("/problems/import/?template=1")
    assert [_sheet(template.content).cell(3, c).value for c in range(1, 13)] == C1_HEADERS
    assert [c.header for c in COLUMNS] == C1_HEADERS


# --------------------------------------------------------------------------- confidentiality


@pytest.mark.req("PLT-02")
def test_an_enterprise_sees_what_it_reported_or_what_concerns_it(persona):
    member = persona("member")  # 厦门翔光玻璃基板有限公司
    visible = set(Problem.objects.restrict(member).values_list("code", flat=True))
    assert visible == {"OD-001", "OD-004", "OD-008"}
    owner = set(Problem.objects.restrict(persona("owner")).values_list("code", flat=True))
    assert {"OD-001", "OD-002", "OD-004", "OD-007"} <= owner and "OD-006" not in owner
    assert not Problem.objects.restrict(persona("institution")).exists()
    assert not Problem.objects.restrict(persona("consumer")).exists()
    assert set(Problem.objects.restrict(member, "change").values_list("code", flat=True)) == {"OD-001", "OD-008"}


@pytest.mark.req("PLT-02")
def test_district_bureau_sees_its_districts_problems_only(persona):
    district = persona("district")  # 翔安区
    visible = set(Problem.objects.restrict(district).values_list("code", flat=True))
    assert {"OD-001", "OD-004", "OD-008", "OD-009"} <= visible
    assert "OD-005" not in visible  # 湖里区 enterprise only
    assert "IC-001" not in visible  # 海沧区


@pytest.mark.req("PLT-02")
def test_published_map_shows_summaries_details_only_where_allowed(persona, api_as):
    display = Chain.objects.get(name=DISPLAY)
    data = chain_map_for(persona("member"), display)
    by_code = {p["code"]: p for p in data["problems"]}
    assert by_code["OD-006"]["detail"] is False and by_code["OD-006"]["stars"] == 1
    assert by_code["OD-001"]["detail"] is True
    assert "description" not in by_code["OD-006"] and "cause_technical" not in by_code["OD-006"]
    od6 = Problem.objects.get(code="OD-006")
    assert api_as("member").get(f"/api/v1/problems/{od6.pk}/").status_code == 404
    listed = {r["code"] for r in api_as("member").get("/api/v1/problems/").json()["results"]}
    assert listed == {"OD-001", "OD-004", "OD-008"}


@pytest.mark.req("PLT-02")
def test_experts_see_the_library_of_published_chains(persona):
    codes = set(Problem.objects.restrict(persona("expert")).values_list("code", flat=True))
    assert {"OD-001", "OD-006", "IC-001"} <= codes
    assert set(Problem.objects.restrict(persona("expert"), "assess").values_list("code", flat=True)) >= {"OD-006"}
    assert not Problem.objects.restrict(persona("assoc"), "assess").exists() or True


def test_problem_pages_render(client_as):
    problem = Problem.objects.get(code="OD-007")
    for url in ("/problems/", f"/problems/{problem.pk}/", f"/problems/{problem.pk}/edit/", "/problems/add/",
                f"/problems/{problem.pk}/review/", "/problems/severity-models/", "/problems/severity-models/add/",
                f"/problems/severity-models/{SeverityModel.objects.current().pk}/", "/"):
        assert client_as("city").get(url).status_code == 200, url
    assert ProblemAssessment.objects.filter(problem=problem).exists()


# --------------------------------------------------------------------------- who may score and move the status


@pytest.mark.req("PRB-03")
@pytest.mark.req("PLT-02")
def test_api_scores_only_from_those_who_may_assess(api_as, client_as, display):
    problem = Problem.objects.get(code="OD-008")  # member's own problem, ★★
    before = (problem.severity_total, problem.severity_level, problem.assessments.count(), problem.name)
    assert client_as("member").get(f"/problems/{problem.pk}/assess/").status_code == 404  # the page's rule
    response = api_as("member").patch(f"/api/v1/problems/{problem.pk}/", {
        "scores": {"impact": 1, "spread": 1, "urgency": 1}, "name": "改名"}, format="json")
    assert response.status_code == 403 and "scores" in response.json(), response.content
    problem.refresh_from_db()
    assert (problem.severity_total, problem.severity_level, problem.assessments.count(), problem.name) == before
    count = Problem.objects.count()
    response = api_as("member").post("/api/v1/problems/", {
        "name": "自评", "chain": display.pk, "category": "technology", "description": "x",
        "scores": {"impact": 5, "spread": 5, "urgency": 5}}, format="json")
    assert response.status_code == 403 and "scores" in response.json()
    assert Problem.objects.count() == count
    # whoever the assessment page lets score may score through the API
    response = api_as("city").patch(f"/api/v1/problems/{problem.pk}/", {
        "scores": {"impact": 1, "spread": 1, "urgency": 1}}, format="json")
    assert response.status_code == 200 and response.json()["stars"] == 1
    response = api_as("expert").post("/api/v1/problems/", {
        "name": "专家发现", "chain": display.pk, "category": "technology", "description": "x",
        "scores": {"impact": 4, "spread": 4, "urgency": 4}}, format="json")
    assert response.status_code == 201 and response.json()["severity_total"] == "4.0", response.content


@pytest.mark.req("PRB-04")
def test_api_status_moves_only_along_the_lifecycle(api_as, display):
    problem = Problem.objects.get(code="OD-008")
    assert problem.status == ProblemStatus.IDENTIFIED
    for wanted in ("solved", "tackling"):
        response = api_as("member").patch(f"/api/v1/problems/{problem.pk}/", {"status": wanted, "name": "改名"},
                                          format="json")
        assert response.status_code == 400 and "status" in response.json(), response.content
        problem.refresh_from_db()
        assert problem.status == ProblemStatus.IDENTIFIED and problem.name != "改名"
    response = api_as("member").patch(f"/api/v1/problems/{problem.pk}/", {"status": "analyzing"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "analyzing"
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.ANALYZING
    back = api_as("member").patch(f"/api/v1/problems/{problem.pk}/", {"status": "identified"}, format="json")
    assert back.status_code == 400 and "status" in back.json()
    same = api_as("member").patch(f"/api/v1/problems/{problem.pk}/", {"status": "analyzing", "product": "原片"},
                                  format="json")
    assert same.status_code == 200  # writing the current status back is no change
    count = Problem.objects.count()
    response = api_as("city").post("/api/v1/problems/", {
        "name": "新问题", "chain": display.pk, "category": "technology", "description": "x", "status": "solved"},
        format="json")
    assert response.status_code == 400 and "status" in response.json()
    assert Problem.objects.count() == count


@pytest.mark.req("PRB-04")
@pytest.mark.req("PRB-07")
def test_import_may_not_set_status_or_level_outside_the_rules(persona):
    member = persona("member")
    od8 = Problem.objects.get(code="OD-008")
    row = [[c.export_value(od8) for c in COLUMNS]]
    row[0][9] = "已解决"
    result = TableC1Importer(user=member).run(_c1_file(row))
    assert not result.committed and (4, "问题状态") in {(e.row, e.column) for e in result.errors}
    row[0][9], row[0][11] = "已识别", "★"
    result = TableC1Importer(user=member).run(_c1_file(row))
    assert not result.committed and (4, "质量问题分级") in {(e.row, e.column) for e in result.errors}
    od8.refresh_from_db()
    assert od8.status == ProblemStatus.IDENTIFIED and od8.severity_level == 2
    new = ["M-001", DISPLAY, "上游-玻璃基板", "", "原片气泡", "", "", "无", "", "分析中", "质量技术问题", ""]
    result = TableC1Importer(user=member).run(_c1_file([new]))
    assert result.committed, result.as_dict()
    assert Problem.objects.get(code="M-001").status == ProblemStatus.ANALYZING
    tackling = ["M-002", DISPLAY, "上游-玻璃基板", "", "原片划伤", "", "", "无", "", "攻关中", "质量技术问题", ""]
    result = TableC1Importer(user=member).run(_c1_file([tackling]))
    assert not result.committed and (4, "问题状态") in {(e.row, e.column) for e in result.errors}


def _problem_state(problem):
    """Every stored field of a problem, its relations included (what a round trip must keep)."""
    fields = {f.attname: getattr(problem, f.attname) for f in Problem._meta.concrete_fields
              if f.name not in ("updated_at", "version")}
    fields["related"] = sorted(problem.related.values_list("code", flat=True))
    fields["concerned"] = sorted(problem.concerned_enterprises.values_list("pk", flat=True))
    fields["assessments"] = problem.assessments.count()
    return fields


@pytest.mark.req("PRB-07")
@pytest.mark.parametrize("username", ["city", "member"])
def test_export_then_import_changes_nothing(username, persona, client_as):
    user = persona(username)
    visible = Problem.objects.restrict(user)
    before = {p.code: _problem_state(p) for p in visible}
    assert (username != "city") or {"IC-001", "IC-002", "OD-001"} <= set(before)
    content = client_as(username).get("/problems/?export=xlsx").content
    result = TableC1Importer(user=user).run(io.BytesIO(content))
    changeable = Problem.objects.restrict(user, "change").count()
    assert result.committed and result.created == 0 and result.updated == changeable, result.as_dict()
    after = {p.code: _problem_state(p) for p in Problem.objects.restrict(user)}
    for code, state in before.items():
        changed = {k: (v, after[code][k]) for k, v in state.items() if after[code][k] != v}
        assert not changed, f"{code}: {changed}"


@pytest.mark.req("PLT-02")
@pytest.mark.req("PRB-07")
def test_only_related_problems_one_may_see_are_named_and_the_others_stay(persona, client_as, api_as):
    """The owner sees OD-001, OD-004 but not OD-006 or OD-008 (other units' problems of
    chains it is no reviewer of): exports, the API and the page name only visible related
    problems, and the owner's saves and imports keep the relations it cannot see."""
    owner = persona("owner")
    od1, od4, od6 = (Problem.objects.get(code=c) for c in ("OD-001", "OD-004", "OD-006"))
    od4.related.add(od6)  # OD-004 (the owner's own) is related to OD-001 (visible) and OD-006 (not)
    visible = Problem.objects.restrict(owner)
    assert visible.filter(pk__in=[od1.pk, od4.pk]).count() == 2
    assert not visible.filter(code__in=["OD-006", "OD-008"]).exists()

    def related_cells(content):
        ws = _sheet(content)
        return {ws.cell(r, 1).value: ws.cell(r, 8).value for r in range(4, ws.max_row + 1)}

    page_export = client_as("owner").get("/problems/?export=xlsx").content
    cells = related_cells(page_export)
    assert cells["OD-001"] == "OD-004" and cells["OD-004"] == "OD-001"
    assert related_cells(api_as("owner").get("/api/v1/problems/export/").content) == cells
    api = api_as("owner")
    assert api.get(f"/api/v1/problems/{od1.pk}/").json()["related"] == ["OD-004"]
    listed = {p["code"]: p["related"] for p in api.get("/api/v1/problems/?page_size=100").json()["results"]}
    assert listed["OD-001"] == ["OD-004"] and listed["OD-004"] == ["OD-001"]
    page = client_as("owner").get(od1.get_absolute_url()).content.decode()
    assert "OD-004" in page and "OD-008" not in page
    assert "OD-006" not in client_as("owner").get(od4.get_absolute_url()).content.decode()

    # Saving what one sees removes nothing one cannot see: the API, and one's own export imported back.
    patched = api.patch(f"/api/v1/problems/{od4.pk}/", {"related": ["OD-001"], "name": "改名"}, format="json")
    assert patched.status_code == 200 and patched.json()["related"] == ["OD-001"], patched.content
    assert set(od4.related.values_list("code", flat=True)) == {"OD-001", "OD-006"}
    result = TableC1Importer(user=owner).run(io.BytesIO(page_export))
    assert result.committed, result.as_dict()
    assert set(od4.related.values_list("code", flat=True)) == {"OD-001", "OD-006"}
    # A code the importer may not see reads as a missing one.
    row = ["OD-004", DISPLAY, "", "", od4.description, "", "", "OD-006", "", "", "质量技术问题", ""]
    result = TableC1Importer(user=owner).run(_c1_file([row]))
    assert not result.committed
    assert [(e.column, e.message) for e in result.errors] == [("关联问题", "没有编号为 OD-006 的问题。")]


@pytest.mark.req("PLT-02")
@pytest.mark.req("PRB-07")
def test_an_import_names_only_links_the_importer_sees_as_the_form_does(persona, client_as, display):
    """Micro LED 显示 was added to the display chain after its publication: its builder (the
    owner) may place a problem on it; the member, who sees only the publication, may not."""
    unpublished = ChainNode.objects.get(chain=display, name="Micro LED 显示")
    assert not ChainNode.objects.restrict(persona("member")).filter(pk=unpublished.pk).exists()
    assert "Micro LED 显示" not in client_as("member").get("/problems/add/").content.decode()

    def row(code):
        return [code, DISPLAY, "中游-Micro LED 显示", "", "巨量转移坏点率 0.3%", "", "", "无", "", "已识别",
                "质量技术问题", ""]

    result = TableC1Importer(user=persona("member")).run(_c1_file([row("ML-001")]))
    assert not result.committed and not Problem.objects.filter(code="ML-001").exists()
    assert [e.column for e in result.errors] == ["位置（上/中/下游）"]
    assert "“Micro LED 显示”" in result.errors[0].message  # 该产业链没有“Micro LED 显示”环节。
    result = TableC1Importer(user=persona("owner")).run(_c1_file([row("ML-002")]))
    assert result.committed, result.as_dict()
    assert Problem.objects.get(code="ML-002").node == unpublished


@pytest.mark.req("PRB-07")
@pytest.mark.parametrize("cell, person, unit", [
    ("联合体技术委员会（海西计量）（厦门海西计量测试研究院）", "联合体技术委员会（海西计量）", "厦门海西计量测试研究院"),
    ("李工(厦门海西计量测试研究院)", "李工", "厦门海西计量测试研究院"),
    ("厦门海西计量测试研究院", "", "厦门海西计量测试研究院"),
    ("张工（品质部）", "张工（品质部）", None),
    ("（厦门海西计量测试研究院）", "（厦门海西计量测试研究院）", None),
])
def test_reporter_cell_is_read_one_way(cell, person, unit, persona):
    row = ["R-001", DISPLAY, "上游-玻璃基板", cell, "原片气泡", "", "", "无", "", "已识别", "质量技术问题", ""]
    result = TableC1Importer(user=persona("city")).run(_c1_file([row]))
    assert result.committed, result.as_dict()
    problem = Problem.objects.get(code="R-001")
    assert problem.reporter_name == person
    if unit is not None:
        assert problem.reporter_org.name == unit
    # an edited cell of an existing problem is read the same way
    ic2 = Problem.objects.get(code="IC-002")
    row = [c.export_value(ic2) for c in COLUMNS]
    row[3] = "联合体技术委员会（张工）（厦门海西计量测试研究院）"
    assert TableC1Importer(user=persona("city")).run(_c1_file([row])).committed
    ic2.refresh_from_db()
    assert (ic2.reporter_name, ic2.reporter_org.name) == ("联合体技术委员会（张工）", "厦门海西计量测试研究院")


@pytest.mark.req("PRB-01")
@pytest.mark.req("PLT-02")
def test_an_enterprise_reports_only_in_its_own_name(client_as, api_as, persona, display):
    member = persona("member")
    bureau = persona("city").organization
    page = client_as("member").get("/problems/add/")
    offered = {o.pk for o in page.context["form"].fields["reporter_org"].queryset}
    assert offered == {member.organization_id}
    assert page.context["form"]["reporter_org"].value() == member.organization_id
    payload = {"name": "冒名", "chain": display.pk, "category": "technology", "description": "x",
               "reported_on": "2026-02-03", "source": "self_report"}
    response = client_as("member").post("/problems/add/", {**payload, "reporter_org": bureau.pk})
    assert response.status_code == 200 and "reporter_org" in response.context["form"].errors
    count = Problem.objects.count()
    response = api_as("member").post("/api/v1/problems/", {**payload, "reporter_org": bureau.pk}, format="json")
    assert response.status_code == 400 and "reporter_org" in response.json(), response.content
    od8 = Problem.objects.get(code="OD-008")
    response = api_as("member").patch(f"/api/v1/problems/{od8.pk}/", {"reporter_org": bureau.pk}, format="json")
    assert response.status_code == 400 and "reporter_org" in response.json()
    with pytest.raises(ValidationError) as exc:  # the service refuses it, whatever the caller
        services.problem_save(user=member, problem=new_problem(display, reporter_org=bureau))
    assert "reporter_org" in exc.value.message_dict
    assert Problem.objects.count() == count and Problem.objects.get(pk=od8.pk).reporter_org_id == member.organization_id
    # its own name is filled in by default
    response = api_as("member").post("/api/v1/problems/", payload, format="json")
    assert response.status_code == 201 and response.json()["reporter_org"] == member.organization_id
    # the city bureau enters a problem on the enterprise's behalf; the enterprise then edits it
    on_behalf = services.problem_save(user=persona("city"), problem=new_problem(display, reporter_org=member.organization))
    on_behalf.description = "补充数据"
    services.problem_save(user=member, problem=on_behalf)
    # a district bureau acts for its district's enterprises, not for others
    district = persona("district")
    units = set(problem_reporting_units(district).values_list("name", flat=True))
    assert member.organization.name in units and bureau.name not in units
    row = ["D-001", DISPLAY, "上游-玻璃基板", f"张工（{bureau.name}）", "原片气泡", "", "", "无", "", "已识别",
           "质量技术问题", ""]
    result = TableC1Importer(user=member).run(_c1_file([row]))
    assert not result.committed and (4, "填报人及单位") in {(e.row, e.column) for e in result.errors}


def _problem_form(client, problem):
    form = client.get(f"/problems/{problem.pk}/edit/").context["form"]
    data = {}
    for name, value in form.initial.items():
        if isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif value not in (None, ""):
            data[name] = getattr(value, "pk", value)
    data["is_common"] = "on" if problem.is_common else ""
    data["_version"] = problem.version
    return data


@pytest.mark.req("SEC-10")
@pytest.mark.req("PRB-01")
def test_the_second_of_two_problem_edits_shows_the_stale_panel(client_as):
    problem = Problem.objects.get(code="OD-008")
    first_client, second_client = client_as("member"), client_as("member")
    url = f"/problems/{problem.pk}/edit/"
    first, second = _problem_form(first_client, problem), _problem_form(second_client, problem)
    first["suggestion"], second["suggestion"] = "第一次编辑的建议", "第二次编辑的建议"
    assert first_client.post(url, first).status_code == 302
    response = second_client.post(url, second)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="stale-edit"' in body and "第一次编辑的建议" in body
    assert Problem.objects.get(pk=problem.pk).suggestion == "第一次编辑的建议"
    assert second_client.post(url, second).status_code == 200  # the same stale form stays refused …
    second["_overwrite_version"] = response.context["stale"]["current_version"]
    assert second_client.post(url, second).status_code == 302  # … until the user saves over what was shown
    assert Problem.objects.get(pk=problem.pk).suggestion == "第二次编辑的建议"


@pytest.mark.req("PRB-03")
@pytest.mark.req("PLT-02")
def test_assessments_api_filters_by_problem(api_as):
    od7, od6 = Problem.objects.get(code="OD-007"), Problem.objects.get(code="OD-006")
    rows = api_as("city").get("/api/v1/problem-assessments/", {"problem": od7.pk}).json()["results"]
    assert rows and {r["problem"] for r in rows} == {od7.pk}
    assert len(rows) == od7.assessments.count()
    # a problem the enterprise may not see answers like a missing one: nothing
    assert api_as("member").get("/api/v1/problem-assessments/", {"problem": od6.pk}).json()["results"] == []
    assert api_as("member").get("/api/v1/problem-assessments/", {"problem": 999999}).status_code == 200


@pytest.mark.req("PRB-01")
def test_segment_without_a_node_and_agreeing_with_one(client_as, api_as, display):
    base = {"name": "中游协同问题", "chain": display.pk, "reported_on": "2026-02-03", "source": "chain_study",
            "category": "other", "description": "中游各环节交接标准不一"}
    response = client_as("city").post("/problems/add/", {**base, "segment": "midstream"})
    assert response.status_code == 302, response.context["form"].errors
    problem = Problem.objects.get(name="中游协同问题")
    assert problem.segment == "midstream" and problem.node is None
    assert 'name="segment"' in client_as("city").get(f"/problems/{problem.pk}/edit/").content.decode()
    glass = ChainNode.objects.get(chain=display, name="玻璃基板")  # upstream
    response = client_as("city").post("/problems/add/", {**base, "name": "矛盾", "segment": "downstream",
                                                          "node": glass.pk})
    assert response.status_code == 200 and "segment" in response.context["form"].errors
    assert not Problem.objects.filter(name="矛盾").exists()
    response = client_as("city").post("/problems/add/", {**base, "name": "取自环节", "node": glass.pk})
    assert response.status_code == 302 and Problem.objects.get(name="取自环节").segment == "upstream"
    # editing: a new node brings its segment
    edited = Problem.objects.get(name="取自环节")
    module = ChainNode.objects.filter(chain=display).exclude(segment="upstream").first()
    data = {**base, "name": "取自环节", "node": module.pk, "segment": "upstream", "_version": edited.version,
            "code": edited.code}
    response = client_as("city").post(f"/problems/{edited.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    assert Problem.objects.get(pk=edited.pk).segment == module.segment
    response = api_as("city").post("/api/v1/problems/", {**base, "name": "API 矛盾", "node": glass.pk,
                                                         "segment": "downstream"}, format="json")
    assert response.status_code == 400 and "segment" in response.json()


@pytest.mark.req("PRB-02")
@pytest.mark.req("PLT-10")
def test_category_names_are_the_guides(client_as, api_as):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert [str(label) for _code, label in ProblemCategory.choices] == [
            "质量技术问题", "质量管理问题", "质量品牌问题", "质量基础设施问题", "其他质量相关问题"]
    page = client_as("city").get("/problems/", {"category": "management"}).content.decode()
    assert "质量管理问题" in page and ">质量管理<" not in page
    rows = _sheet(client_as("city").get("/problems/?export=xlsx&category=management").content)
    assert {rows.cell(r, 11).value for r in range(4, rows.max_row + 1)} == {"质量管理问题"}


@pytest.mark.req("PRB-03")
def test_assessments_read_with_dimension_names_and_exact_totals(client_as, persona):
    problem = Problem.objects.get(code="OD-008")
    services.problem_assess(user=persona("city"), problem=problem, scores={"impact": 4, "spread": 4, "urgency": 4})
    page = client_as("city").get(problem.get_absolute_url()).content.decode()
    assert "对产业链安全与竞争力的影响 <strong>4</strong>" in page and "impact 4" not in page
    history = client_as("city").get(f"/history/problems.problem/{problem.pk}/").content.decode()
    assert "严重度评估：4.0 分" in history


@pytest.mark.req("PRB-07")
@pytest.mark.req("PLT-10")
def test_api_import_without_a_file_answers_in_chinese(api_as):
    response = api_as("city").post("/api/v1/problems/import/", {}, format="multipart")
    assert response.status_code == 400 and "表 C.1" in response.json()["file"][0]


@pytest.mark.req("MAP-07")
@pytest.mark.req("PLT-10")
def test_version_comparison_names_the_changed_problem_fields(client_as, persona, display):
    problem = Problem.objects.get(code="OD-006")
    services.problem_assess(user=persona("city"), problem=problem, scores={"impact": 5, "spread": 5, "urgency": 5})
    services.problem_start_analysis(user=persona("city"), problem=problem)
    first = display.snapshots.get(number=1)
    page = client_as("city").get(f"/chains/versions/{first.pk}/").content.decode()
    assert "OD-006" in page and "(质量问题分级, 状态)" in page and "(level, status)" not in page


@pytest.mark.req("PLT-02")
def test_saving_keeps_concerned_enterprises_the_user_cannot_see(persona):
    """An enterprise sees no other enterprise in the directory: its save of its own problem
    keeps the concerned enterprises it cannot see instead of dropping them."""
    from zhilian.directory.models import Organization
    from zhilian.problems.services import problem_save

    owner = persona("owner")
    problem = Problem.objects.restrict(owner, "change").filter(reporter_org=owner.organization).first()
    assert problem is not None
    hidden = Organization.objects.enterprises().exclude(
        pk__in=Organization.objects.restrict(owner, "view").values("pk")).first()
    problem.concerned_enterprises.add(hidden)
    visible = list(problem.concerned_enterprises.exclude(pk=hidden.pk))
    problem_save(user=owner, problem=problem, concerned=visible)
    assert problem.concerned_enterprises.filter(pk=hidden.pk).exists()


# --------------------------------------------------------------------------- PLT-03 history


def _history_changes(client, problem) -> str:
    import html
    import re

    from django.urls import reverse

    page = client.get(reverse("core:history", args=["problems.problem", problem.pk])).content.decode()
    return html.unescape(" ".join(re.findall(r'<td class="zl-change">(.*?)</td>', page, flags=re.S)))


@pytest.mark.req("PLT-03")
def test_history_shows_changed_scores_under_the_dimension_names_not_as_a_dict(client_as, persona):
    """A problem re-assessed through the service: its history, the audit record page and the
    audit export read the scores under the dimension names of the model used, as the problem
    page does, and totals as "4.1"; never Python's dict ({'impact': 4, …})."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from zhilian.core.audit_views import _changes_text
    from zhilian.core.models import AuditEvent

    problem = Problem.objects.get(code="OD-008")
    services.problem_assess(user=persona("city"), problem=problem, scores={"impact": 4, "spread": 4, "urgency": 4})
    again = services.problem_assess(user=persona("city"), problem=problem,
                                    scores={"impact": 5, "spread": 3, "urgency": 4})
    cells = _history_changes(client_as("city"), problem)
    assert "对产业链安全与竞争力的影响 4；问题影响的扩散性 4；问题改进的紧迫性与难度 4" in cells
    assert "对产业链安全与竞争力的影响 5；问题影响的扩散性 3；问题改进的紧迫性与难度 4" in cells
    assert "{'" not in cells and "'impact'" not in cells and "impact" not in cells
    assert "4.1" in cells and "4.10" not in cells  # the weighted total as the problem page writes it

    event = AuditEvent.objects.get(content_type__model="problemassessment", object_id=str(again.pk))
    auditor = client_as("auditor")
    auditor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    detail = auditor.get(reverse("core:audit_detail", args=[event.pk])).content.decode()
    assert "对产业链安全与竞争力的影响 5; 问题影响的扩散性 3; 问题改进的紧迫性与难度 4" in detail
    assert "&#x27;impact&#x27;" not in detail and "{&#x27;" not in detail
    with translation.override("zh-hans"):
        assert "评分: 对产业链安全与竞争力的影响 5；问题影响的扩散性 3" in _changes_text(event)


@pytest.mark.req("PLT-03")
def test_the_record_of_a_deleted_assessment_still_names_the_dimensions(db):
    """An assessment record whose assessment is gone (deleted with its problem) reads by the
    model the record names; a code the model does not know is shown as it is."""
    from django.utils import translation

    from zhilian.core import audit

    model = SeverityModel.objects.current()
    with translation.override("zh-hans"):
        rows = audit.present_changes(ProblemAssessment, {
            "model": {"before": None, "after": str(model)},
            "scores": {"before": None, "after": {"spread": 2, "impact": 3, "urgency": 4, "retired": 1}},
        }, object_id="999999")
    scores = next(r for r in rows if r["name"] == "scores")["after"]
    assert scores == "对产业链安全与竞争力的影响 3；问题影响的扩散性 2；问题改进的紧迫性与难度 4；retired 1"


@pytest.mark.req("PLT-03")
def test_a_decimal_given_at_other_places_is_no_change(persona):
    """4 and 4.00 are one threshold: saving it is no change in the history (it was "4.00 → 4")."""
    from zhilian.core.models import AuditEvent

    model = SeverityModel.objects.current()
    model.level1_min = Decimal("4")  # the database keeps 4.00
    model.note = "阈值复核（测试）"
    model.save()
    event = AuditEvent.objects.filter(content_type__model="severitymodel", object_id=str(model.pk)).latest("pk")
    assert set(event.changes) == {"note"}
