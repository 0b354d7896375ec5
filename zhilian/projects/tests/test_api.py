"""The project library's REST API (/api/v1/projects/ and its records) follows the same rules
as the pages: created from problems, the same workflow, the same confidentiality (PRJ-01 … 08)."""

import pytest
from django.utils import timezone

from zhilian.problems.models import ProblemStatus
from zhilian.projects import services
from zhilian.projects.models import (
    Acceptance, BudgetLine, ChangeRequest, Milestone, ProgressReport, Project, ProjectParticipant, ProjectTarget,
)

from .helpers import (
    HAIXI, MINGUI, RUNNING_DEMO, D, attach_material, complete_milestones, counts, ic_consortium, new_problem, org,
    rows_of, running_project, submitted_project,
)

pytestmark = pytest.mark.django_db

TASK_BOOK_MODELS = (Project, ProjectParticipant, ProjectTarget, Milestone, BudgetLine)


def api_task_book(problems, **overrides):
    body = {
        "name": "12 英寸硅片翘曲度控制攻关（API）", "consortium": ic_consortium().pk, "problems": [p.pk for p in problems],
        "direction": "supply_chain", "leader_name": "林志远", "leader_phone": "13906060002",
        "start_date": "2026-10-01", "end_date": "2027-09-30", "content_and_route": "建立来料翘曲度追溯模型。",
        "expected_outcomes": "来料翘曲度合格率由 85% 提升至 97%。", "resource_needs": "",
        "participants": [{"organization": org(MINGUI).pk, "person_in_charge": "林志远", "phone": "13906060002",
                          "tasks": "工艺试验"},
                         {"organization": org(HAIXI).pk, "person_in_charge": "王工", "phone": "0592-56015678",
                          "tasks": "测量方法"}],
        "targets": [{"kind": "quality", "indicator": "来料翘曲度合格率", "unit": "%", "baseline": "85", "target": "97",
                     "description": ""}],
        "milestones": [{"name": "追溯模型", "due_date": "2027-03-31", "deliverable": "模型报告"}],
        "budget_lines": [{"category": "testing", "source": "self", "description": "测试", "amount": "40.00"}],
    }
    body.update(overrides)
    return body


@pytest.mark.req("PRJ-01")
@pytest.mark.req("PRJ-03")
def test_the_api_creates_a_project_only_from_problems(api_as):
    problem = new_problem()
    api = api_as("icmember")
    before = counts(*TASK_BOOK_MODELS)
    refused = api.post("/api/v1/projects/", api_task_book([]), format="json")
    assert refused.status_code == 400 and "problems" in refused.json()
    missing = api_task_book([problem])
    del missing["problems"]
    assert api.post("/api/v1/projects/", missing, format="json").status_code == 400
    wrong_direction = api.post("/api/v1/projects/", api_task_book([problem], direction="marketing"), format="json")
    assert wrong_direction.status_code == 400 and "direction" in wrong_direction.json()
    assert counts(*TASK_BOOK_MODELS) == before

    created = api.post("/api/v1/projects/", api_task_book([problem]), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["problems"] == [problem.pk] and data["status"] == "draft" and data["direction"] == "supply_chain"
    assert data["lead_unit"] == org(MINGUI).pk and data["total_budget"] == "40.00"
    assert [m["name"] for m in data["milestones"]] == ["追溯模型"]
    project = Project.objects.get(pk=data["id"])
    assert list(project.problems.all()) == [problem] and project.participants.count() == 2


@pytest.mark.req("PRJ-02")
def test_bad_task_book_input_is_refused_by_field_and_leaves_nothing_behind(api_as):
    problem = new_problem()
    api = api_as("icmember")
    before = counts(*TASK_BOOK_MODELS)
    response = api.post("/api/v1/projects/", api_task_book([problem], end_date="2026-09-01"), format="json")
    assert response.status_code == 400 and "end_date" in response.json()
    response = api.post("/api/v1/projects/", api_task_book(
        [problem], milestones=[{"name": "超期", "due_date": "2028-03-31", "deliverable": ""}]), format="json")
    assert response.status_code == 400 and "milestones" in response.json()
    response = api.post("/api/v1/projects/", api_task_book(
        [problem], budget_lines=[{"category": "testing", "source": "self", "amount": "0"}]), format="json")
    assert response.status_code == 400 and "budget_lines" in response.json()
    assert counts(*TASK_BOOK_MODELS) == before


@pytest.mark.req("PRJ-02")
@pytest.mark.req("PRJ-01")
@pytest.mark.req("PRJ-08")
def test_the_whole_workflow_through_the_api_moves_the_problem_from_tackling_to_solved(api_as):
    problem = new_problem()
    created = api_as("icmember").post("/api/v1/projects/", api_task_book([problem]), format="json")
    pk = created.json()["id"]
    base = f"/api/v1/projects/{pk}"
    assert api_as("icmember").get(f"{base}/submit/").json()["available"] is True
    assert api_as("icmember").post(f"{base}/submit/").status_code == 400  # not signed yet
    for username, name in (("icmember", "林志远"), ("icmetrology", "王工")):
        assert api_as(username).post(f"{base}/sign/", {"signatory": name}, format="json").status_code == 200
    assert api_as("icmember").post(f"{base}/submit/").status_code == 200
    assert api_as("icmetrology").get(f"{base}/decide/").json()["available"] is False
    assert api_as("icmetrology").post(f"{base}/decide/", {"approve": True, "opinion": "同意"},
                                      format="json").status_code == 403
    assert api_as("owner").post(f"{base}/decide/", {"approve": True, "opinion": "同意"},
                                format="json").status_code == 404
    assert Project.objects.get(pk=pk).status == "submitted"
    decided = api_as("icowner").post(f"{base}/decide/", {"approve": True, "opinion": "同意立项。"}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "in_progress"
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.TACKLING

    project = Project.objects.get(pk=pk)
    complete_milestones(project)
    target = project.targets.get()
    with services.recorded_on(D(2026, 11, 20)):
        opened = api_as("icmember").post("/api/v1/acceptances/", {
            "project": pk, "summary": "追溯模型建立并完成中试。", "results": "企业标准 1 项。",
            "achieved": {str(target.pk): ["97.2", "中试"]}}, format="json")
    assert opened.status_code == 201, opened.json()
    acceptance = Acceptance.objects.get(pk=opened.json()["id"])
    assert api_as("icmember").post(f"/api/v1/acceptances/{acceptance.pk}/submit/").status_code == 400  # no materials
    attach_material(acceptance)
    assert api_as("icmember").post(f"/api/v1/acceptances/{acceptance.pk}/submit/").status_code == 200
    decision = {"passed": True, "experts": [e.pk for e in Acceptance._meta.get_field("experts").related_model.objects
                                            .filter(name="陈立群")], "accepted_on": str(timezone.localdate()), "conclusion": "通过"}
    assert api_as("icowner").post(f"/api/v1/acceptances/{acceptance.pk}/decide/", decision,
                                  format="json").status_code == 403
    accepted = api_as("mgmt").post(f"/api/v1/acceptances/{acceptance.pk}/decide/", decision, format="json")
    assert accepted.status_code == 200, accepted.json()
    problem.refresh_from_db()
    assert Project.objects.get(pk=pk).status == "accepted" and problem.status == ProblemStatus.SOLVED
    assert api_as("icmetrology").post(f"{base}/archive/").status_code == 403
    archived = api_as("mgmt").post(f"{base}/archive/")
    assert archived.status_code == 200 and archived.json()["status"] == "archived"


@pytest.mark.req("PRJ-04")
def test_progress_reports_through_the_api(api_as):
    project = running_project()
    first = project.milestones.order_by("due_date").first()
    body = {"project": project.pk, "year": 2026, "quarter": 4, "summary": "完成退火试验。", "spent_to_date": "20.00",
            "milestones": [{"milestone": first.pk, "progress": 60}]}
    before = counts(ProgressReport)
    bad = api_as("icmember").post("/api/v1/progress-reports/", {**body, "quarter": 5}, format="json")
    assert bad.status_code == 400 and "quarter" in bad.json()
    bad = api_as("icmember").post("/api/v1/progress-reports/", {
        **body, "milestones": [{"milestone": first.pk, "progress": 100}]}, format="json")
    assert bad.status_code == 400 and "milestones" in bad.json()
    assert api_as("icmetrology").post("/api/v1/progress-reports/", body, format="json").status_code == 403
    assert counts(ProgressReport) == before
    ok = api_as("icmember").post("/api/v1/progress-reports/", body, format="json")
    assert ok.status_code == 201, ok.json()
    first.refresh_from_db()
    assert first.progress == 60
    listed = rows_of(api_as("icmember").get("/api/v1/milestones/", {"project": project.pk}))
    assert {m["name"]: m["progress"] for m in listed}[first.name] == 60


@pytest.mark.req("PRJ-05")
def test_midterm_check_through_the_api(api_as):
    project = running_project()
    experts = list(Acceptance._meta.get_field("experts").related_model.objects.filter(name__in=["陈立群", "黄志坚"]))
    body = {"checked_on": "2026-11-20", "experts": [e.pk for e in experts], "result": "rectify",
            "opinion": "测量比对不足。", "rectification_items": "补充比对。", "rectification_working_days": 10}
    assert api_as("icowner").post(f"/api/v1/projects/{project.pk}/midterm/", body, format="json").status_code == 403
    bad = api_as("mgmt").post(f"/api/v1/projects/{project.pk}/midterm/", {**body, "rectification_items": ""},
                              format="json")
    assert bad.status_code == 400 and "rectification_items" in bad.json()
    ok = api_as("mgmt").post(f"/api/v1/projects/{project.pk}/midterm/", body, format="json")
    assert ok.status_code == 200, ok.json()
    assert ok.json()["result"] == "rectify" and ok.json()["rectification_due"]
    checks = rows_of(api_as("icmember").get("/api/v1/midterm-checks/", {"project": project.pk}))
    assert [c["result"] for c in checks] == ["rectify"]


@pytest.mark.req("PRJ-06")
def test_change_requests_through_the_api_take_effect_when_approved(api_as):
    project = running_project()
    before = counts(ChangeRequest)
    bad = api_as("icmember").post("/api/v1/change-requests/", {
        "project": project.pk, "kind": "leader", "reason": "调任", "after": {"leader_name": "陈思远",
                                                                           "leader_phone": "12"}}, format="json")
    assert bad.status_code == 400 and "leader_phone" in bad.json()
    assert counts(ChangeRequest) == before
    made = api_as("icmember").post("/api/v1/change-requests/", {
        "project": project.pk, "kind": "period", "reason": "设备延迟交付。",
        "after": {"start_date": "2026-10-01", "end_date": "2027-12-31"}}, format="json")
    assert made.status_code == 201, made.json()
    change = made.json()
    assert change["before"]["end_date"] == "2027-09-30" and change["after"]["end_date"] == "2027-12-31"
    assert Project.objects.get(pk=project.pk).end_date == D(2027, 9, 30)
    assert api_as("icmetrology").post(f"/api/v1/change-requests/{change['id']}/decide/",
                                      {"approve": True, "note": "同意"}, format="json").status_code == 403
    rejected = api_as("icowner").post(f"/api/v1/change-requests/{change['id']}/decide/",
                                      {"approve": False, "note": "周期不宜延长。"}, format="json")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert Project.objects.get(pk=project.pk).end_date == D(2027, 9, 30)
    again = api_as("icmember").post("/api/v1/change-requests/", {
        "project": project.pk, "kind": "period", "reason": "设备延迟交付。",
        "after": {"start_date": "2026-10-01", "end_date": "2027-12-31"}}, format="json").json()
    approved = api_as("icowner").post(f"/api/v1/change-requests/{again['id']}/decide/",
                                      {"approve": True, "note": "同意。"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert Project.objects.get(pk=project.pk).end_date == D(2027, 12, 31)


@pytest.mark.req("PRJ-07")
def test_risk_warnings_through_the_api(api_as):
    project = running_project()
    automatic = api_as("icmetrology").post("/api/v1/risk-warnings/", {
        "project": project.pk, "kind": "overdue_milestone", "level": "high", "title": "逾期", "description": "x"},
        format="json")
    assert automatic.status_code == 400 and "kind" in automatic.json()
    assert api_as("owner").post("/api/v1/risk-warnings/", {
        "project": project.pk, "kind": "technical", "level": "high", "title": "外人", "description": "x"},
        format="json").status_code in (400, 403, 404)
    assert not project.risks.exists()
    made = api_as("icmetrology").post("/api/v1/risk-warnings/", {
        "project": project.pk, "kind": "technical", "level": "high", "title": "测量重复性差",
        "description": "翘曲度测量重复性 8 μm，不能判定 ±5 μm 的改进。"}, format="json")
    assert made.status_code == 201, made.json()
    risk = made.json()
    assert risk["source"] == "team" and risk["status"] == "open"
    assert api_as("icresearch").post(f"/api/v1/risk-warnings/{risk['id']}/resolve/", {"resolution": "x"},
                                     format="json").status_code == 403
    resolved = api_as("icowner").post(f"/api/v1/risk-warnings/{risk['id']}/resolve/",
                                      {"resolution": "改用激光干涉测量。"}, format="json")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    demo = Project.objects.get(name=RUNNING_DEMO)
    kinds = {r["kind"] for r in rows_of(api_as("icmetrology").get("/api/v1/risk-warnings/", {"project": demo.pk}))}
    assert {"overdue_milestone", "missing_update"} <= kinds  # raised by the scheduler for the demo project
    assert rows_of(api_as("owner").get("/api/v1/risk-warnings/")) == []


@pytest.mark.req("PRJ-01")
@pytest.mark.req("PLT-02")
def test_the_api_hides_a_project_from_an_unrelated_enterprise(api_as):
    project = Project.objects.get(name=RUNNING_DEMO)
    assert api_as("icresearch").get(f"/api/v1/projects/{project.pk}/").status_code == 200
    assert api_as("city").get(f"/api/v1/projects/{project.pk}/").status_code == 200
    for username in ("owner", "member", "district"):
        api = api_as(username)
        assert api.get(f"/api/v1/projects/{project.pk}/").status_code == 404, username
        assert api.get(f"/api/v1/projects/{project.pk}/decide/").status_code == 404
        assert project.pk not in {p["id"] for p in rows_of(api.get("/api/v1/projects/"))}
        assert rows_of(api.get("/api/v1/projects/", {"q": "VPD-ICP-MS"})) == []
        assert rows_of(api.get("/api/v1/milestones/", {"project": project.pk})) == []
        assert api.get("/api/v1/progress-reports/", {"project": project.pk}).json().get("count", 0) == 0
    found = rows_of(api_as("icresearch").get("/api/v1/projects/", {"q": "VPD-ICP-MS"}))
    assert [p["id"] for p in found] == [project.pk]


@pytest.mark.req("PRJ-02")
def test_a_submitted_task_book_is_not_edited_through_the_api(api_as):
    project = submitted_project()
    response = api_as("icmember").patch(f"/api/v1/projects/{project.pk}/", {"name": "改名"}, format="json")
    assert response.status_code in (403, 404)
    project.refresh_from_db()
    assert project.name == "12 英寸硅片翘曲度控制攻关" and project.status == "submitted"
