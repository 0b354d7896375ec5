"""What a QA walk of the project library found: the system's warnings read filled in and in the
reader's language, the leader's phone checked, acceptance materials by category, numbers
without exponents, the history in words, and every task-book error at its row's field."""

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from zhilian.core.models import Notification
from zhilian.projects import services
from zhilian.projects.api.serializers import RiskWarningSerializer
from zhilian.projects.models import BudgetLine, Milestone, Project, ProjectParticipant, ProjectTarget

from .helpers import (
    HAIXI, MINGUI, D, attach_material, complete_milestones, counts, create_project, docx_text, file_bytes, formset,
    new_problem, org, page_data, running_project, user,
)

TASK_BOOK_MODELS = (Project, ProjectParticipant, ProjectTarget, Milestone, BudgetLine)

pytestmark = pytest.mark.django_db

BUDGET_75_5 = [
    {"category": "equipment", "source": "self", "description": "退火炉改造", "amount": Decimal("45.50")},
    {"category": "testing", "source": "consortium", "description": "翘曲度测试", "amount": Decimal("30")}]


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# --------------------------------------------------------------------------- 1. the system's warnings


@pytest.mark.req("PRJ-07")
def test_a_budget_overrun_warning_reads_filled_in_and_in_the_readers_language(client_as):
    project = running_project(budget=BUDGET_75_5)
    assert project.total_budget == Decimal("75.5")
    with services.recorded_on(D(2026, 11, 20)):
        services.progress_report_submit(user=user("icmember"), project=project, year=2026, quarter=4,
                                        summary="设备改造超出预期。", spent_to_date="80")
    risk = project.risks.get(kind="budget_overrun")
    chinese = "据 2026Q4 进度报告，累计支出 80.00 万元，预算 75.50 万元，超支 6.0%。"
    english = "Spent 80.00 of a budget of 75.50 (10k CNY), 6.0 % over, as reported for 2026Q4."
    with translation.override("zh-hans"):
        assert (risk.title_shown, risk.description_shown) == ("经费超支", chinese)
    with translation.override("en"):
        assert (risk.title_shown, risk.description_shown) == ("Budget overrun", english)

    history = reverse("core:history", args=["projects.project", project.pk])
    for page in (project.get_absolute_url(), reverse("projects:risk_list"), history):
        text = _text(client_as("icmember").get(page))
        assert "%(" not in text and "Spent" not in text
        assert "经费超支" in text and (chinese in text or page == reverse("projects:risk_list"))
        text = _text(_english(client_as("icmember")).get(page))
        assert "%(" not in text and "Budget overrun" in text
        assert english in text or page == reverse("projects:risk_list")
        # The history names the record as it was called when written (core keeps that name).
        assert "经费超支" not in (text if page != history else text.replace("Risk warning: 经费超支", ""))
    note = Notification.objects.get(recipient=user("icmember"), url=risk.get_absolute_url())
    with translation.override("zh-hans"):
        assert note.title_shown == f"{project.code} 经费超支" and note.body_shown == chinese
    with translation.override("en"):  # the notice too reads in the reader's language (PLT-10)
        assert note.title_shown == f"{project.code} Budget overrun" and note.body_shown == english
    assert "%(" not in _text(client_as("icmember").get(reverse("core:notifications")))
    assert english in _text(_english(client_as("icmember")).get(reverse("core:notifications")))
    with translation.override("en"):
        assert RiskWarningSerializer(risk).data["description"] == english


@pytest.mark.req("PRJ-07")
def test_the_titles_the_system_gives_its_warnings_follow_the_readers_language(client_as):
    project = running_project(
        start_date=D(2026, 8, 1), approved_on=D(2026, 10, 9),
        milestones=[{"name": "立项前已到期的里程碑", "due_date": D(2026, 9, 7), "deliverable": ""},
                    {"name": "中试与示范应用", "due_date": D(2027, 9, 15), "deliverable": ""}])
    services.project_risk_scan(today=D(2027, 1, 30))  # 2026Q4 not reported
    titles = {r.kind: r for r in project.risks.filter(source="automatic")}
    with translation.override("zh-hans"):
        assert titles["overdue_milestone"].title_shown == "里程碑逾期：立项前已到期的里程碑"
        assert titles["missing_update"].title_shown == "2026 年第 4 季度进度未更新"
        assert str(titles["overdue_milestone"]) == "里程碑逾期：立项前已到期的里程碑"
    english = _text(_english(client_as("icmember")).get(project.get_absolute_url()))
    assert "Milestone overdue: 立项前已到期的里程碑" in english and "No progress update for 2026 Q4" in english
    assert "里程碑逾期" not in english and "季度进度未更新" not in english
    listed = _text(_english(client_as("icmember")).get(reverse("projects:risk_list")))
    assert "Milestone overdue: 立项前已到期的里程碑" in listed and "里程碑逾期" not in listed


@pytest.mark.req("PLT-12")
def test_a_team_risk_title_longer_than_the_form_allows_is_refused():
    project = running_project()
    with pytest.raises(ValidationError) as exc:
        services.risk_raise(user=user("icmetrology"), project=project, kind="technical", level="high",
                            title="长" * 201, description="x")
    assert "title" in exc.value.message_dict
    assert not project.risks.exists()


# --------------------------------------------------------------------------- 2. the leader's phone


@pytest.mark.req("PLT-12")
def test_the_leaders_phone_is_a_persons_phone_at_its_field(client_as):
    before = counts(*TASK_BOOK_MODELS)
    for phone in ("12345", "123", "95588"):
        with pytest.raises(ValidationError) as exc:
            create_project(leader_phone=phone)
        assert list(exc.value.message_dict) == ["leader_phone"]
    with pytest.raises(ValidationError) as exc:  # the person in charge of a unit, too
        create_project(participants=[{"organization": org(MINGUI), "person_in_charge": "林志远", "phone": "12345",
                                      "tasks": "工艺试验"}])
    assert list(exc.value.message_dict) == ["participants"] and "12345" in exc.value.message_dict["participants"][0]
    assert counts(*TASK_BOOK_MODELS) == before

    problem = new_problem()
    response = client_as("icmember").post(reverse("projects:project_add"), page_data([problem], leader_phone="12345"))
    assert response.status_code == 200 and list(response.context["form"].errors) == ["leader_phone"]
    assert "服务热线" in response.context["form"].errors["leader_phone"][0]
    html = response.content.decode()
    assert re.search(r'<input[^>]*name="leader_phone"[^>]*is-invalid|<input[^>]*is-invalid[^>]*name="leader_phone"',
                     html)
    assert counts(*TASK_BOOK_MODELS) == before

    project = running_project()
    with pytest.raises(ValidationError) as exc:  # a change of leader checks the new number alike
        services.change_request_submit(user=user("icmember"), project=project, kind="leader", reason="人员调整",
                                       after={"leader_name": "周工", "leader_phone": "12345"})
    assert list(exc.value.message_dict) == ["leader_phone"]
    assert not project.change_requests.exists()
    project = create_project(leader_phone="0592-5601 5678")  # a landline with its area code is a person's phone
    assert project.leader_phone == "0592-5601 5678"


# --------------------------------------------------------------------------- 3. acceptance materials


def _acceptance_ready_to_submit():
    project = running_project()
    complete_milestones(project)
    targets = {t.indicator: t.pk for t in project.targets.all()}
    with services.recorded_on(D(2026, 11, 25)):
        return services.acceptance_apply(
            user=user("icmember"), project=project, summary="完成退火与抛光工艺优化。", results="发明专利申请 1 项。",
            achieved={targets["翘曲度"]: ("26", ""), targets["翘曲度合格率"]: ("97.5", "")})


@pytest.mark.req("PRJ-08")
def test_acceptance_is_submitted_only_with_every_required_material(client_as):
    acceptance = _acceptance_ready_to_submit()
    attach_material(acceptance, categories=["项目总结报告", "电阻率检测报告", "其他"])
    with services.recorded_on(D(2026, 11, 26)):
        with pytest.raises(ValidationError) as exc:
            services.acceptance_submit(user=user("icmember"), acceptance=acceptance)
    message = exc.value.message_dict["__all__"][0]
    for name in ("验收申请表", "技术报告", "经费决算表", "成果证明"):
        assert name in message
    assert "项目总结报告" not in message and "检测报告" not in message
    acceptance.refresh_from_db()
    assert acceptance.status == "draft" and acceptance.project.status == "in_progress"

    # The page marks each material attached or missing; the submit page says what is missing.
    client = client_as("icmember")
    page = client.get(acceptance.get_absolute_url())
    filed = dict(re.findall(r'data-material="(\w+)" data-filed="(\d)"', page.content.decode()))
    assert filed == {"application": "0", "summary_report": "1", "technical_report": "0", "test_report": "1",
                     "financial_report": "0", "achievement_proof": "0"}
    url = reverse("projects:acceptance_submit", args=[acceptance.pk])
    assert "经费决算表" in client.get(url).content.decode()
    refused = client.post(url)
    assert refused.status_code == 200 and "成果证明" in " ".join(refused.context["form"].non_field_errors())
    acceptance.refresh_from_db()
    assert acceptance.status == "draft"

    # English categories name the materials too; once all six are there the application goes.
    attach_material(acceptance, categories=["Acceptance application form", "technical report", "经费决算",
                                            "成果证明（专利）"])
    assert client.post(url).status_code == 302
    acceptance.refresh_from_db()
    assert acceptance.status == "submitted" and acceptance.project.status == "acceptance"


# --------------------------------------------------------------------------- 4. numbers as people write them

WARP_40_20 = [{"kind": "technical", "indicator": "翘曲度", "unit": "μm", "baseline": "40", "target": "20",
               "description": ""},
              {"kind": "quality", "indicator": "翘曲度合格率", "unit": "%", "baseline": "85.5", "target": "97",
               "description": ""}]


@pytest.mark.req("PRJ-06")
def test_target_values_show_without_exponent_or_trailing_zeros(client_as):
    project = running_project(targets=WARP_40_20)
    client = client_as("icmember")
    page = client.get(reverse("projects:change_add", args=[project.pk]), {"kind": "targets"})
    text = _text(page)
    assert "E+" not in text and "40.0000" not in text
    assert "翘曲度: 40 → 20μm" in text and "翘曲度合格率: 85.5 → 97%" in text
    rows = {f["indicator"].value(): (f["baseline"].value(), f["target"].value()) for f in page.context["targets"].forms}
    assert rows["翘曲度"] == ("40", "20") and rows["翘曲度合格率"] == ("85.5", "97")
    change = services.change_request_submit(
        user=user("icmember"), project=project, kind="targets", reason="工艺窗口收窄",
        after={"targets": [{**WARP_40_20[0], "target": "10"}, WARP_40_20[1]]})
    assert {r["indicator"]: r["baseline"] for r in change.before["targets"]}["翘曲度"] == "40"
    text = _text(client.get(change.get_absolute_url()))
    assert "E+" not in text and "[技术指标] 翘曲度: 40 → 20μm" in text and "[技术指标] 翘曲度: 40 → 10μm" in text
    detail = _text(client.get(project.get_absolute_url()))
    assert ">40μm<" in detail.replace(" ", "") and "40.0000" not in detail and "E+" not in detail


@pytest.mark.req("PRJ-06")
def test_a_change_requested_before_values_were_written_plainly_is_still_approved():
    project = running_project(targets=WARP_40_20)
    change = services.change_request_submit(
        user=user("icmember"), project=project, kind="targets", reason="工艺窗口收窄",
        after={"targets": [{**WARP_40_20[0], "target": "10"}, WARP_40_20[1]]})
    old = {"targets": [{**row, "baseline": {"40": "4E+1", "85.5": "85.5"}[row["baseline"]],
                        "target": {"20": "2E+1", "97": "97"}[row["target"]]} for row in change.before["targets"]]}
    type(change).objects.filter(pk=change.pk).update(before=old)  # as requests were stored before
    change.refresh_from_db()
    services.change_request_decide(user=user("icowner"), change=change, approve=True, note="同意")
    assert project.targets.get(indicator="翘曲度").target == 10


@pytest.mark.req("PRJ-02")
def test_money_has_two_decimals_on_the_task_book_page_and_in_the_exports(client_as):
    project = running_project(budget=BUDGET_75_5)
    client = client_as("icmember")
    page = client.get(project.get_absolute_url()).content.decode()
    budget = page[page.index('id="budget-table"'):]
    budget = budget[:budget.index("</table>")]
    assert "45.50" in budget and "30.00" in budget and '<td class="text-end" id="budget-total">75.50</td>' in budget
    word = docx_text(file_bytes(client.get(reverse("projects:project_export", args=[project.pk]))))
    assert "45.50" in word and "30.00" in word and "75.50" in word and "75.5\n" not in word
    response = client.get(reverse("projects:project_list"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(file_bytes(response))).active
    header = [c.value for c in sheet[2]]
    column = header.index("预算（万元）")
    cell = next(row[column] for row in sheet.iter_rows(min_row=3) if row[1].value == project.name)
    assert cell.value == 75.5 and cell.number_format == "#,##0.00"
    # The task book form shows the stored values plainly too.
    draft = create_project(targets=WARP_40_20, budget=BUDGET_75_5)
    form = client.get(reverse("projects:project_edit", args=[draft.pk])).context
    assert {f["indicator"].value(): f["baseline"].value() for f in form["targets"].forms}["翘曲度"] == "40"
    assert [f["amount"].value() for f in form["budget"].forms[:2]] == ["45.50", "30.00"]


# --------------------------------------------------------------------------- 5. change requests in the history


@pytest.mark.req("PRJ-06")
def test_the_history_words_change_requests_as_their_pages_do(client_as):
    project = running_project(targets=WARP_40_20)
    icmember = user("icmember")
    services.change_request_submit(user=icmember, project=project, kind="targets", reason="工艺窗口收窄",
                                   after={"targets": [{**WARP_40_20[0], "target": "10"}, WARP_40_20[1]]})
    services.change_request_submit(user=icmember, project=project, kind="content", reason="路线调整",
                                   after={"content_and_route": "改用双面抛光。", "expected_outcomes": "合格率 97%。"})
    services.change_request_submit(user=icmember, project=project, kind="leader", reason="人员调整",
                                   after={"leader_name": "周建国", "leader_phone": "13906061234"})
    milestone = project.milestones.order_by("due_date").first()
    services.change_request_submit(user=icmember, project=project, kind="period", reason="设备延期",
                                   after={"start_date": project.start_date, "end_date": D(2027, 12, 31),
                                          "milestones": {str(milestone.pk): D(2027, 4, 30)}})
    history = reverse("core:history", args=["projects.project", project.pk])
    text = _text(client_as("icmember").get(history))
    for internal in ("content_and_route", "expected_outcomes", "leader_phone", "start_date", "end_date",
                     "indicator", "baseline", "kind:", "application", "milestones:", "13906061234"):
        assert internal not in text, internal
    for shown in ("[技术指标] 翘曲度: 40 → 10μm", "[质量指标] 翘曲度合格率: 85.5 → 97%", "主要研究内容与技术路线: 改用双面抛光。",
                  "预期成效: 合格率 97%。", "项目负责人: 周建国", "结束日期: 2027-12-31",
                  f"{milestone.name}: 2027-04-30", f"{milestone.name}: {milestone.due_date:%Y-%m-%d}"):
        assert shown in text, shown
    english = _text(_english(client_as("icmember")).get(history))
    assert "Main content and technical route: 改用双面抛光。" in english and "[Technical indicator] 翘曲度" in english
    assert "content_and_route" not in english


# --------------------------------------------------------------------------- 7. every task-book error at its field

def _invalid_inputs(html):
    names = set()
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if re.search(r'class="[^"]*\bis-invalid\b', tag):
            names.add(re.search(r'name="([^"]+)"', tag).group(1))
    return names


@pytest.mark.req("PLT-12")
def test_every_task_book_error_shows_at_once_at_its_rows_field(client_as):
    problem = new_problem()
    before = counts(*TASK_BOOK_MODELS)
    rows = {
        **formset("units", [{"organization": org(MINGUI).pk, "person_in_charge": "林志远", "phone": "13906060002",
                             "tasks": "工艺试验"},
                            {"organization": org(HAIXI).pk, "person_in_charge": "王工", "phone": "", "tasks": ""}]),
        **formset("milestones", [{"name": "", "due_date": "", "deliverable": ""},
                                 {"name": "中试验证", "due_date": "2028-03-31", "deliverable": "报告"}]),
        **formset("budget", [{"category": "testing", "source": "self", "description": "测试", "amount": "-5"}]),
    }
    # A header the form refuses (the leader's phone) and faults in three tables: all at once.
    response = client_as("icmember").post(reverse("projects:project_add"),
                                          page_data([problem], leader_phone="12345", **rows))
    assert response.status_code == 200
    html = response.content.decode()
    assert _invalid_inputs(html) == {"leader_phone", "units-1-tasks", "milestones-1-due_date", "budget-0-amount"}
    for field in ("units-1-tasks", "milestones-1-due_date", "budget-0-amount"):
        assert f'id="id_{field}-error"' in html
    assert "2028-03-31 不在项目周期（2026-10-01 至 2027-09-30）内" in html and "金额须大于零" in html
    milestones = html[html.index('id="rows-milestones"'):]
    assert "第 2 行有误" in milestones[:milestones.index("</table>")]  # numbered as on the form: a blank row 1
    assert counts(*TASK_BOOK_MODELS) == before

    # The header right: the service refuses the rows, and again each fault is at its field.
    response = client_as("icmember").post(reverse("projects:project_add"), page_data([problem], **rows))
    assert response.status_code == 200
    assert _invalid_inputs(response.content.decode()) == {"units-1-tasks", "milestones-1-due_date", "budget-0-amount"}
    assert counts(*TASK_BOOK_MODELS) == before

    # The API keeps one line per row, named as on the form.
    with pytest.raises(ValidationError) as exc:
        create_project(milestones=[{"name": "", "due_date": None, "deliverable": ""},
                                   {"name": "中试验证", "due_date": D(2028, 3, 31), "deliverable": ""}],
                       budget=[{"category": "testing", "source": "self", "description": "测试", "amount": Decimal("-5")}])
    assert exc.value.message_dict["milestones"] == ["里程碑 2：2028-03-31 不在项目周期（2026-10-01 至 2027-09-30）内。"]
    assert exc.value.message_dict["budget"] == ["预算 1：金额须大于零。"]


@pytest.mark.req("PLT-12")
def test_a_row_with_content_but_no_key_column_is_refused_not_dropped(client_as):
    before = counts(*TASK_BOOK_MODELS)
    with pytest.raises(ValidationError) as exc:
        create_project(milestones=[{"name": "", "due_date": D(2027, 3, 31), "deliverable": "报告"}])
    assert "请填写里程碑名称" in exc.value.message_dict["milestones"][0]
    assert counts(*TASK_BOOK_MODELS) == before


# --------------------------------------------------------------------------- 6. the acceptance form's target cells


@pytest.mark.req("PRJ-08")
def test_the_acceptance_form_shows_each_targets_baseline_and_target_value(client_as):
    project = running_project(targets=[
        *WARP_40_20,
        {"kind": "application", "indicator": "示范应用企业", "unit": "家", "baseline": None, "target": "3",
         "description": "形成示范生产线 1 条"},
        {"kind": "application", "indicator": "团体标准", "unit": "", "baseline": None, "target": None,
         "description": "制定团体标准 1 项"}])
    complete_milestones(project)
    html = client_as("icmember").get(reverse("projects:acceptance_add", args=[project.pk])).content.decode()
    cells = {name: re.sub(r"\s+", " ", cell).strip() for name, cell in re.findall(
        r'<tr data-target-row="([^"]+)">.*?<td data-baseline-target>(.*?)</td>', html, re.S)}
    assert cells == {"翘曲度": "40 → 20μm", "翘曲度合格率": "85.5 → 97%", "示范应用企业": "— → 3家",
                     "团体标准": "制定团体标准 1 项"}
    assert "形成示范生产线 1 条" in html  # the note stays, beside the indicator


# --------------------------------------------------------------------------- 8. every change-request error at its row

@pytest.mark.req("PLT-12")
@pytest.mark.req("PRJ-06")
def test_every_error_of_a_target_change_shows_at_once_at_its_rows_field(client_as):
    from zhilian.projects.models import ChangeRequest

    project = running_project(targets=WARP_40_20)
    url = reverse("projects:change_add", args=[project.pk]) + "?kind=targets"
    rows = formset("targets", [
        {**WARP_40_20[0], "target": "10"},                                              # 1: fine
        {"kind": "technical", "indicator": "", "unit": "", "baseline": "", "target": "", "description": ""},  # 2: blank
        {"kind": "quality", "indicator": "良率", "unit": "%", "baseline": "80", "target": "", "description": ""},
        {"kind": "quality", "indicator": "翘曲度合格率", "unit": "%", "baseline": "abc", "target": "97",
         "description": ""},                                                            # 4: the form refuses
        {"kind": "technical", "indicator": "", "unit": "μm", "baseline": "", "target": "5", "description": ""},
    ])
    before = ChangeRequest.objects.count()
    client = client_as("icmember")
    # A reason the form refuses and faults in three rows: all at once, each at its cell.
    response = client.post(url, {"kind": "targets", "reason": "", **rows})
    assert response.status_code == 200
    html = response.content.decode()
    assert _invalid_inputs(html) == {"reason", "targets-2-target", "targets-3-baseline", "targets-4-indicator"}
    for field in ("targets-2-target", "targets-3-baseline", "targets-4-indicator"):
        assert f'id="id_{field}-error"' in html
    assert "请填写目标值或描述目标。" in html and "请填写指标名称。" in html
    table = html[html.index('id="rows-targets"'):]
    table = table[:table.index("</table>")]
    assert "第 3、4、5 行有误" in table  # numbered as on the form: the blank row 2 counts
    assert "指标 3：" not in html  # the rows' faults are at the rows, not in a banner
    assert ChangeRequest.objects.count() == before

    # The reason right: the service refuses the rows, and again each fault is at its cell.
    response = client.post(url, {"kind": "targets", "reason": "工艺窗口收窄", **rows})
    assert response.status_code == 200
    html = response.content.decode()
    assert _invalid_inputs(html) == {"targets-2-target", "targets-3-baseline", "targets-4-indicator"}
    assert "指标 3：" not in html
    assert ChangeRequest.objects.count() == before

    # Only the service's faults (the form accepts every cell): placed at their cells too.
    fixed = {**rows, "targets-3-baseline": "85.5"}
    html = client.post(url, {"kind": "targets", "reason": "工艺窗口收窄", **fixed}).content.decode()
    assert _invalid_inputs(html) == {"targets-2-target", "targets-4-indicator"}
    table = html[html.index('id="rows-targets"'):]
    assert "第 3、5 行有误" in table[:table.index("</table>")]

    # The API keeps one line per row, numbered as sent.
    with pytest.raises(ValidationError) as exc:
        services.change_request_submit(user=user("icmember"), project=project, kind="targets", reason="工艺窗口收窄",
                                       after={"targets": [WARP_40_20[0], {}, {"kind": "quality", "indicator": "良率",
                                                                               "unit": "%", "baseline": "80"}]})
    assert exc.value.message_dict["targets"] == ["指标 3：请填写目标值或描述目标。"]

    # All fixed: the request is filed.
    fixed = {**fixed, "targets-2-target": "95", "targets-4-indicator": "翘曲度极差"}
    response = client.post(url, {"kind": "targets", "reason": "工艺窗口收窄", **fixed})
    assert response.status_code == 302 and ChangeRequest.objects.count() == before + 1
    assert [r["indicator"] for r in ChangeRequest.objects.latest("pk").after["targets"]] == [
        "翘曲度", "良率", "翘曲度合格率", "翘曲度极差"]


@pytest.mark.req("PRJ-06")
def test_a_target_row_without_its_indicator_is_refused_not_dropped():
    project = running_project(targets=WARP_40_20)
    with pytest.raises(ValidationError) as exc:
        services.change_request_submit(user=user("icmember"), project=project, kind="targets", reason="工艺窗口收窄",
                                       after={"targets": [{**WARP_40_20[0], "target": "10"},
                                                          {"kind": "quality", "indicator": "", "unit": "%",
                                                           "baseline": "", "target": "90", "description": ""}]})
    assert exc.value.message_dict["targets"] == ["指标 2：请填写指标名称。"]
