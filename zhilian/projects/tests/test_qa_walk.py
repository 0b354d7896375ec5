"""What a QA walk of the project library found: the system's warnings read filled in and in the
reader's language, the leader's phone checked, acceptance materials by category, numbers
without exponents, the history in words, and every task-book error at its row's field."""

import re
from decimal import Decimal

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
    MINGUI, D, attach_material, complete_milestones, counts, create_project, new_problem, org, page_data,
    running_project, user,
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
    assert note.title == f"{project.code} 经费超支" and note.body == chinese
    assert "%(" not in _text(client_as("icmember").get(reverse("core:notifications")))
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

