"""The breakthrough project library through its services and pages (PRJ-01 … PRJ-08): from
problems to an Appendix F task book, progress, mid-term checks, changes, risks, acceptance."""

import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from zhilian.core.models import Notification
from zhilian.directory.models import Expert
from zhilian.problems.models import Problem, ProblemStatus
from zhilian.projects import reminders, selectors, services, tasks
from zhilian.projects.models import (
    Acceptance, BudgetLine, ChangeRequest, MidtermCheck, Milestone, MilestoneProgress, ProgressReport, Project,
    ProjectParticipant, ProjectTarget, RiskWarning, Signoff,
)

from .helpers import (
    HAIXI, LUJIAN, MINGUI, RUNNING_DEMO, D, attach_material, complete_milestones, counts, create_project, docx_text,
    file_bytes, formset, ic_consortium, new_problem, org, page_data, running_project, sign_all, submitted_project,
    task_book, user,
)

pytestmark = pytest.mark.django_db

TASK_BOOK_MODELS = (Project, ProjectParticipant, ProjectTarget, Milestone, BudgetLine)


def experts():
    return list(Expert.objects.filter(name__in=["陈立群", "黄志坚"]))


# --------------------------------------------------------------------------- PRJ-01: from problems


@pytest.mark.req("PRJ-01")
def test_a_project_is_created_only_from_problems_of_the_library():
    problem = new_problem()
    before = counts(*TASK_BOOK_MODELS)
    with pytest.raises(ValidationError) as exc:
        services.project_save_task_book(user=user("icmember"), project=None, **task_book([]))
    assert "problems" in exc.value.message_dict
    assert counts(*TASK_BOOK_MODELS) == before

    other = new_problem()
    project = services.project_save_task_book(user=user("icmember"), project=None, **task_book([problem, other]))
    project.refresh_from_db()
    assert set(project.problems.all()) == {problem, other}
    assert project.status == "draft" and project.lead_unit == org(MINGUI)
    assert project.chain == problem.chain and project.code.startswith("GG-2026-")
    assert counts(Project)["Project"] == before["Project"] + 1


@pytest.mark.req("PRJ-01")
def test_problems_already_solved_or_of_another_chain_are_refused():
    solved = Problem.objects.get(code="IC-001")
    assert solved.status == ProblemStatus.SOLVED
    with pytest.raises(ValidationError) as exc:
        create_project([solved])
    assert "problems" in exc.value.message_dict and "IC-001" in " ".join(exc.value.message_dict["problems"])
    display_problem = new_problem(name="面板偏光片贴合气泡", chain="光电显示产业链")
    with pytest.raises(ValidationError) as exc:
        create_project([display_problem])
    assert "problems" in exc.value.message_dict
    assert not Project.objects.filter(name="12 英寸硅片翘曲度控制攻关").exists()


@pytest.mark.req("PRJ-01")
def test_the_new_project_page_refuses_a_task_book_without_problems(client_as):
    problem = new_problem()
    client = client_as("icmember")
    page = client.get(reverse("projects:project_add"), {"problem": problem.pk})
    assert page.status_code == 200
    assert problem in page.context["form"].fields["problems"].queryset
    assert str(problem.pk) in [str(v) for v in page.context["form"].initial["problems"]]

    before = counts(*TASK_BOOK_MODELS)
    response = client.post(reverse("projects:project_add"), page_data([]))
    assert response.status_code == 200
    assert "problems" in response.context["form"].errors
    assert counts(*TASK_BOOK_MODELS) == before

    response = client.post(reverse("projects:project_add"), page_data([problem]))
    assert response.status_code == 302
    project = Project.objects.get(name="12 英寸硅片翘曲度控制攻关（页面）")
    assert response["Location"] == project.get_absolute_url()
    assert list(project.problems.all()) == [problem] and project.created_by == user("icmember")
    assert [m.name for m in project.milestones.all()] == ["退火工艺窗口模型"]
    assert project.total_budget == Decimal("50")


@pytest.mark.req("PRJ-01")
@pytest.mark.req("PRB-04")
def test_linked_problems_become_tackling_when_the_project_starts_not_before():
    problem = new_problem()
    project = submitted_project([problem])
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.IDENTIFIED  # submitted is not started

    services.project_decide(user=user("icowner"), project=project, approve=False, opinion="预算说明不足，请补充。")
    problem.refresh_from_db()
    project.refresh_from_db()
    assert project.status == "draft" and problem.status == ProblemStatus.IDENTIFIED

    services.project_submit(user=user("icmember"), project=project)  # the signatures stand: the text is unchanged
    services.project_decide(user=user("icowner"), project=project, approve=True, opinion="同意立项。")
    problem.refresh_from_db()
    project.refresh_from_db()
    assert project.status == "in_progress" and project.approved_on == timezone.localdate()
    assert problem.status == ProblemStatus.TACKLING


# --------------------------------------------------------------------------- PRJ-03: direction


@pytest.mark.req("PRJ-03")
def test_every_direction_of_5_5_2_a_to_e_is_accepted_and_an_unknown_one_refused(client_as):
    made = {}
    for direction in Project._meta.get_field("direction").choices:
        project = create_project(name=f"方向 {direction[0]}", direction=direction[0])
        made[direction[0]] = project
        assert project.get_direction_display() == direction[1]
    assert set(made) == {"design", "supply_chain", "manufacturing", "service", "nqi"}
    labels = [str(label) for _code, label in Project._meta.get_field("direction").choices]
    assert [label[0] for label in labels] == ["a", "b", "c", "d", "e"]

    with pytest.raises(ValidationError) as exc:
        create_project(name="无方向", direction="marketing")
    assert "direction" in exc.value.message_dict
    assert not Project.objects.filter(name="无方向").exists()

    page = client_as("icmember").get(reverse("projects:project_list"), {"direction": "nqi"})
    names = {p.name for p in page.context["table"].data}
    assert "方向 nqi" in names and "方向 design" not in names


# --------------------------------------------------------------------------- PRJ-02: task book


@pytest.mark.req("PRJ-02")
def test_the_task_book_is_submitted_only_when_complete_and_signed_by_every_unit():
    project = create_project(
        targets=[{"kind": "application", "indicator": "示范应用企业", "unit": "家", "target": None,
                  "description": "在 2 家企业示范应用"}], milestones=[], budget=[])
    missing = services.submission_problems(project)
    assert len(missing) == 4  # no quantified target, no milestone, no budget, unsigned
    with pytest.raises(ValidationError):
        services.project_submit(user=user("icmember"), project=project)
    # The missing items read in the reader's language, fullwidth ；/、 in Chinese only (PLT-10).
    from django.utils import translation

    for language, semicolon, comma in (("en", "; ", ", "), ("zh-hans", "；", "、")):
        with translation.override(language), pytest.raises(ValidationError) as exc:
            services.project_submit(user=user("icmember"), project=project)
        [message] = exc.value.messages
        assert message.count(semicolon) == 3 and comma in message.rsplit(semicolon, 1)[1], message
        if language == "en":
            assert not re.search(r"[；、：（）]", message.replace(HAIXI, "").replace("福建闽硅单晶材料有限公司", "")), message
    project.refresh_from_db()
    assert project.status == "draft"

    kwargs = task_book(list(project.problems.all()))
    project = services.project_save_task_book(user=user("icmember"), project=project, **kwargs)
    services.project_sign(user=user("icmember"), project=project, signatory="林志远")
    with pytest.raises(ValidationError) as exc:  # 海西计量 has not signed
        services.project_submit(user=user("icmember"), project=project)
    assert HAIXI in " ".join(exc.value.messages)
    with pytest.raises(ValidationError):
        services.project_sign(user=user("icmember"), project=project, signatory="林志远")  # signed already
    with pytest.raises(PermissionDenied):  # not a unit of the project
        services.project_sign(user=user("icresearch"), project=project, signatory="李振华")
    services.project_sign(user=user("icmetrology"), project=project, signatory="王工")

    # Revising the text withdraws the signatures: every party signs the final text.
    project = services.project_save_task_book(user=user("icmember"), project=project, **kwargs)
    assert not project.signoffs.exists()
    sign_all(project)
    services.project_submit(user=user("icmember"), project=project)
    project.refresh_from_db()
    assert project.status == "submitted" and project.submitted_at is not None
    assert Notification.objects.filter(recipient=user("icowner"), url=project.get_absolute_url()).exists()


@pytest.mark.req("PRJ-02")
def test_the_organization_table_holds_the_lead_unit_and_consortium_members_only():
    problem = new_problem()
    outsider_row = {"organization": org(LUJIAN), "person_in_charge": "业务受理", "phone": "0592-56005678",
                    "tasks": "检测"}
    before = counts(*TASK_BOOK_MODELS)
    with pytest.raises(ValidationError) as exc:
        create_project([problem], participants=[
            {"organization": org(MINGUI), "person_in_charge": "林志远", "phone": "13906060002", "tasks": "工艺"},
            outsider_row])
    assert "participants" in exc.value.message_dict and LUJIAN in " ".join(exc.value.message_dict["participants"])
    with pytest.raises(ValidationError) as exc:  # the lead unit itself is missing from the table
        create_project([problem], participants=[
            {"organization": org(HAIXI), "person_in_charge": "王工", "phone": "", "tasks": "测量"}])
    assert "participants" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        create_project([problem], milestones=[{"name": "超期里程碑", "due_date": D(2028, 1, 31), "deliverable": ""}])
    assert "milestones" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        create_project([problem], budget=[{"category": "other", "source": "self", "amount": "-5"}])
    assert "budget" in exc.value.message_dict
    assert counts(*TASK_BOOK_MODELS) == before


@pytest.mark.req("PRJ-02")
def test_the_task_book_exports_as_the_appendix_f_word_form(client_as):
    project = submitted_project()
    response = client_as("icmember").get(reverse("projects:project_export", args=[project.pk]))
    assert response.status_code == 200
    assert "wordprocessingml" in response["Content-Type"]
    text = docx_text(file_bytes(response))
    for heading in ("产业链质量攻关项目任务书", "一、项目基本信息", "二、项目目标与考核指标", "三、主要研究内容与技术路线",
                    "四、项目组织与职责分工", "五、计划进度与里程碑", "六、资源需求与预算", "七、签署页"):
        assert heading in text, heading
    problem = project.problems.get()
    for value in (project.name, project.code, problem.code, MINGUI, HAIXI, "翘曲度合格率", "85%", "97%",
                  "45μm", "28μm", "在 2 家晶圆制造企业示范应用", "建立退火工艺窗口模型", "退火工艺窗口模型",
                  "2027-03-31", "中试与示范应用", "退火炉改造", "80.00", "翘曲度测量方法与不确定度评定",
                  project.get_direction_display()):
        assert value in text, value
    assert "林志远" in text and "王工" in text  # the sign-off page names who signed
    # in order: the sections follow Appendix F
    positions = [text.index(h) for h in ("一、", "二、", "三、", "四、", "五、", "六、", "七、")]
    assert positions == sorted(positions)


@pytest.mark.req("PRJ-02")
def test_the_word_export_is_refused_to_whoever_may_not_see_the_project(client_as):
    project = Project.objects.get(name=RUNNING_DEMO)
    assert client_as("owner").get(reverse("projects:project_export", args=[project.pk])).status_code == 404
    assert client_as("icresearch").get(reverse("projects:project_export", args=[project.pk])).status_code == 200


# --------------------------------------------------------------------------- PRJ-04: progress


@pytest.mark.req("PRJ-04")
def test_quarterly_progress_records_milestone_completion():
    project = running_project()
    first, second = project.milestones.all()
    icmember = user("icmember")
    with services.recorded_on(D(2026, 11, 20)):
        report = services.progress_report_submit(
            user=icmember, project=project, year=2026, quarter=4, summary="完成退火试验 8 炉。", spent_to_date="30",
            milestones=[{"milestone": first, "progress": 100, "completed_on": D(2026, 11, 18)},
                        {"milestone": second, "progress": 20, "completed_on": None}])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.progress, first.completed_on, second.progress, second.completed_on) == (
        100, D(2026, 11, 18), 20, None)
    assert {(line.milestone_id, line.progress) for line in report.milestone_lines.all()} == {
        (first.pk, 100), (second.pk, 20)}
    assert report.period == "2026Q4" and report.submitted_by == icmember

    with services.recorded_on(D(2026, 11, 21)):
        with pytest.raises(ValidationError) as exc:  # completion does not go back
            services.progress_report_submit(user=icmember, project=project, year=2026, quarter=4, summary="更正",
                                            spent_to_date="30",
                                            milestones=[{"milestone": second, "progress": 10}])
        assert "milestones" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:  # a completed milestone has its date
            services.progress_report_submit(user=icmember, project=project, year=2026, quarter=4, summary="更正",
                                            spent_to_date="30",
                                            milestones=[{"milestone": second, "progress": 100}])
        assert "milestones" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:  # a quarter that has not begun
            services.progress_report_submit(user=icmember, project=project, year=2027, quarter=2, summary="预报",
                                            spent_to_date="30")
        assert "quarter" in exc.value.message_dict
        with pytest.raises(PermissionDenied):  # a participating unit does not report for the project
            services.progress_report_submit(user=user("icmetrology"), project=project, year=2026, quarter=4,
                                            summary="进展", spent_to_date="30")
    second.refresh_from_db()
    assert second.progress == 20 and ProgressReport.objects.filter(project=project).count() == 1


@pytest.mark.req("PRJ-04")
def test_the_progress_page_updates_the_milestones_and_a_bad_one_changes_nothing(client_as):
    project = running_project()
    first, second = project.milestones.all()
    client = client_as("icmember")
    url = reverse("projects:progress_add", args=[project.pk])
    assert client.get(url).status_code == 200
    data = {"year": "2026", "quarter": "4", "summary": "完成退火工艺窗口模型。", "spent_to_date": "35", "issues": "",
            "next_steps": "", f"m{first.pk}_progress": "100", f"m{first.pk}_completed_on": "2026-11-10",
            f"m{second.pk}_progress": "10", f"m{second.pk}_completed_on": ""}
    before = counts(ProgressReport, MilestoneProgress)
    bad = client.post(url, {**data, f"m{first.pk}_completed_on": "", "summary": ""})
    assert bad.status_code == 200 and "summary" in bad.context["form"].errors
    assert counts(ProgressReport, MilestoneProgress) == before
    response = client.post(url, data)
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.completed_on == D(2026, 11, 10) and first.is_done
    detail = client.get(project.get_absolute_url())
    assert detail.context["milestone_done"] == 1 and detail.context["milestone_percent"] == 50
    # whoever is not the lead unit's team is sent back without a form
    assert client_as("icmetrology").get(url).status_code == 302


@pytest.mark.req("PRJ-04")
def test_the_team_is_reminded_of_a_milestone_coming_due():
    project = running_project()
    first = project.milestones.order_by("due_date").first()
    due = list(reminders.project_reminders(first.due_date - datetime.timedelta(days=3)))
    keys = {(r.recipient.username, r.key) for r in due}
    assert ("icmember", f"milestone:{first.pk}:{first.due_date}") in keys
    assert not any(r.key.startswith(f"milestone:{first.pk}:") and r.recipient.username == "owner" for r in due)
    complete_milestones(project)
    later = list(reminders.project_reminders(first.due_date - datetime.timedelta(days=3)))
    assert not any(r.key.startswith(f"milestone:{first.pk}:") for r in later)


# --------------------------------------------------------------------------- PRJ-05: mid-term check


@pytest.mark.req("PRJ-05")
def test_midterm_check_by_experts_with_pass_or_rectification():
    project = running_project()
    mgmt = user("mgmt")
    with services.recorded_on(D(2026, 11, 20)):
        with pytest.raises(PermissionDenied):  # the consortium's lead unit does not organize the check
            services.midterm_check_record(user=user("icowner"), project=project, checked_on=D(2026, 11, 20),
                                          experts=experts(), result="pass", opinion="通过")
        with pytest.raises(ValidationError) as exc:
            services.midterm_check_record(user=mgmt, project=project, checked_on=D(2026, 11, 20), experts=[],
                                          result="rectify", opinion="需整改")
        assert {"experts", "rectification_items"} <= set(exc.value.message_dict)
        assert not MidtermCheck.objects.filter(project=project).exists()
        check = services.midterm_check_record(user=mgmt, project=project, checked_on=D(2026, 11, 20),
                                              experts=experts(), result="rectify", opinion="测量方法未经比对。",
                                              rectification_items="补充实验室间比对。", rectification_working_days=5)
    assert check.result == "rectify" and check.rectification_open
    assert set(check.experts.all()) == set(experts())
    assert check.rectification_due == D(2026, 11, 27)  # 5 working days after Friday 20 November
    with pytest.raises(PermissionDenied):
        services.midterm_rectification_report(user=user("icmetrology"), check=check, report="已比对")
    services.midterm_rectification_report(user=user("icmember"), check=check, report="已完成 3 家实验室比对。")
    check.refresh_from_db()
    assert not check.rectification_open and check.rectification_report == "已完成 3 家实验室比对。"
    with services.recorded_on(D(2026, 11, 21)):
        passed = services.midterm_check_record(user=mgmt, project=project, checked_on=D(2026, 11, 21),
                                               experts=experts()[:1], result="pass", opinion="整改到位，通过。")
    assert passed.rectification_due is None
    assert [c.result for c in MidtermCheck.objects.filter(project=project)] == ["pass", "rectify"]


@pytest.mark.req("PRJ-05")
def test_the_midterm_page_is_for_the_management_institution(client_as):
    project = running_project()
    url = reverse("projects:midterm_add", args=[project.pk])
    refused = client_as("icowner").post(url, {"checked_on": "2026-11-20", "experts": [e.pk for e in experts()],
                                              "result": "pass", "opinion": "通过"})
    assert refused.status_code == 302 and not MidtermCheck.objects.filter(project=project).exists()
    bad = client_as("mgmt").post(url, {"checked_on": "2026-11-20", "result": "pass", "opinion": "通过"})
    assert bad.status_code == 200 and "experts" in bad.context["form"].errors
    assert not MidtermCheck.objects.filter(project=project).exists()
    ok = client_as("mgmt").post(url, {"checked_on": str(timezone.localdate()), "experts": [e.pk for e in experts()],
                                      "result": "pass", "opinion": "按计划推进，通过。",
                                      "rectification_working_days": "20"})
    assert ok.status_code == 302
    assert MidtermCheck.objects.get(project=project).opinion == "按计划推进，通过。"


@pytest.mark.req("PRJ-05")
@pytest.mark.req("PRJ-08")
def test_experts_of_the_projects_own_units_are_refused_for_checks_and_acceptance(client_as):
    from zhilian.directory.models import Expert

    project = running_project()  # lead unit 闽硅单晶, participating unit 海西计量
    own_lead = Expert.objects.get(name="杨帆")
    Expert.objects.filter(pk=own_lead.pk).update(organization=org(MINGUI))
    own_lead.refresh_from_db()
    participant_expert = Expert.objects.get(name="林晓燕")  # 海西计量
    mgmt = user("mgmt")
    for conflicted in (own_lead, participant_expert):
        with services.recorded_on(D(2026, 11, 20)):
            with pytest.raises(ValidationError) as exc:
                services.midterm_check_record(user=mgmt, project=project, checked_on=D(2026, 11, 20),
                                              experts=[*experts(), conflicted], result="pass", opinion="通过")
        assert "experts" in exc.value.message_dict and conflicted.name in exc.value.message_dict["experts"][0]
    assert not MidtermCheck.objects.filter(project=project).exists()
    page = client_as("mgmt").post(reverse("projects:midterm_add", args=[project.pk]), {
        "checked_on": str(timezone.localdate()), "experts": [own_lead.pk], "result": "pass", "opinion": "通过",
        "rectification_working_days": "20"})
    assert page.status_code == 200 and "experts" in page.context["form"].errors

    complete_milestones(project)
    with services.recorded_on(D(2026, 11, 20)):
        acceptance = services.acceptance_apply(
            user=user("icmember"), project=project, summary="完成。", results="专利 1 项。",
            achieved={t.pk: ("1", "") for t in project.targets.all() if t.is_quantified})
        attach_material(acceptance)
        services.acceptance_submit(user=user("icmember"), acceptance=acceptance)
    with services.recorded_on(D(2026, 11, 21)):
        with pytest.raises(ValidationError) as exc:
            services.acceptance_decide(user=mgmt, acceptance=acceptance, passed=True, experts=[own_lead],
                                       accepted_on=D(2026, 11, 21), conclusion="通过")
        assert "experts" in exc.value.message_dict
        services.acceptance_decide(user=mgmt, acceptance=acceptance, passed=True, experts=experts(),
                                   accepted_on=D(2026, 11, 21), conclusion="通过验收。")
    project.refresh_from_db()
    assert project.status == "accepted"


@pytest.mark.req("PRJ-05")
@pytest.mark.req("PRJ-08")
def test_no_acceptance_or_archive_while_a_midterm_rectification_is_open(client_as):
    project = running_project()
    complete_milestones(project)
    mgmt, icmember = user("mgmt"), user("icmember")
    achieved = {t.pk: ("1", "") for t in project.targets.all() if t.is_quantified}
    with services.recorded_on(D(2026, 11, 20)):
        acceptance = services.acceptance_apply(user=icmember, project=project, summary="完成。", results="专利 1 项。",
                                               achieved=achieved)
        check = services.midterm_check_record(user=mgmt, project=project, checked_on=D(2026, 11, 20),
                                              experts=experts(), result="rectify", opinion="资料不全。",
                                              rectification_items="补充检测报告。")
        attach_material(acceptance)
        with pytest.raises(ValidationError) as exc:
            services.acceptance_submit(user=icmember, acceptance=acceptance)
        assert "__all__" in exc.value.message_dict
        acceptance.delete()
        with pytest.raises(ValidationError):
            services.acceptance_apply(user=icmember, project=project, summary="完成。", results="专利 1 项。",
                                      achieved=achieved)
    page = client_as("icmember").get(project.get_absolute_url()).content.decode()
    assert 'id="apply-acceptance"' not in page
    refused = client_as("icmember").get(reverse("projects:acceptance_add", args=[project.pk]))
    assert refused.status_code == 302
    assert not Acceptance.objects.filter(project=project).exists()

    # An open rectification found on an accepted project (records entered late) blocks the archive.
    services.midterm_rectification_report(user=icmember, check=check, report="已补充检测报告。")
    with services.recorded_on(D(2026, 11, 21)):
        acceptance = services.acceptance_apply(user=icmember, project=project, summary="完成。", results="专利 1 项。",
                                               achieved=achieved)
        attach_material(acceptance)
        services.acceptance_submit(user=icmember, acceptance=acceptance)
        services.acceptance_decide(user=mgmt, acceptance=acceptance, passed=True, experts=experts(),
                                   accepted_on=D(2026, 11, 21), conclusion="通过验收。")
    MidtermCheck.objects.filter(pk=check.pk).update(rectified_on=None)
    project.refresh_from_db()
    with pytest.raises(ValidationError):
        services.project_archive(user=mgmt, project=project)
    project.refresh_from_db()
    assert project.status == "accepted"


# --------------------------------------------------------------------------- PRJ-06: changes


@pytest.mark.req("PRJ-06")
def test_a_change_takes_effect_only_once_approved_and_keeps_before_and_after():
    project = running_project()
    icmember, icowner = user("icmember"), user("icowner")
    change = services.change_request_submit(user=icmember, project=project, kind="leader", reason="林志远调任。",
                                            after={"leader_name": "陈思远", "leader_phone": "13906060009"})
    project.refresh_from_db()
    assert project.leader_name == "林志远"  # pending: nothing changes yet
    assert change.before == {"leader_name": "林志远", "leader_phone": "13906060002"}
    assert change.after == {"leader_name": "陈思远", "leader_phone": "13906060009"}
    with pytest.raises(ValidationError):  # one pending change per kind
        services.change_request_submit(user=icmember, project=project, kind="leader", reason="再次",
                                       after={"leader_name": "张三", "leader_phone": "13906060008"})

    services.change_request_decide(user=icowner, change=change, approve=False, note="人选未经联合体确认。")
    project.refresh_from_db()
    change.refresh_from_db()
    assert project.leader_name == "林志远" and change.status == "rejected"
    assert change.after["leader_name"] == "陈思远" and change.decided_by == icowner

    again = services.change_request_submit(user=icmember, project=project, kind="leader", reason="林志远调任。",
                                           after={"leader_name": "陈思远", "leader_phone": "13906060009"})
    services.change_request_decide(user=icowner, change=again, approve=True, note="同意。")
    project.refresh_from_db()
    again.refresh_from_db()
    assert (project.leader_name, project.leader_phone) == ("陈思远", "13906060009")
    assert again.status == "approved" and again.before["leader_name"] == "林志远"
    # both decisions stay on record
    assert list(ChangeRequest.objects.filter(project=project).values_list("status", flat=True).order_by(
        "created_at")) == ["rejected", "approved"]


@pytest.mark.req("PRJ-06")
def test_period_and_target_changes_apply_to_milestones_and_targets():
    project = running_project()
    first, second = project.milestones.all()
    icmember, icowner = user("icmember"), user("icowner")
    with pytest.raises(ValidationError) as exc:  # the milestone would fall outside the new period
        services.change_request_submit(user=icmember, project=project, kind="period", reason="延期",
                                       after={"start_date": project.start_date, "end_date": D(2027, 12, 31),
                                              "milestones": {str(second.pk): D(2028, 2, 1)}})
    assert "milestones" in exc.value.message_dict
    period = services.change_request_submit(user=icmember, project=project, kind="period", reason="设备交付延迟。",
                                            after={"start_date": project.start_date, "end_date": D(2027, 12, 31),
                                                   "milestones": {str(second.pk): D(2027, 12, 15)}})
    targets = services.change_request_submit(
        user=icmember, project=project, kind="targets", reason="客户要求提高。",
        after={"targets": [{"kind": "quality", "indicator": "翘曲度合格率", "unit": "%", "baseline": "85",
                            "target": "98", "description": ""}]})
    second.refresh_from_db()
    assert second.due_date == D(2027, 9, 15) and project.targets.count() == 3
    services.change_request_decide(user=icowner, change=period, approve=True, note="同意顺延。")
    services.change_request_decide(user=icowner, change=targets, approve=True, note="同意。")
    project.refresh_from_db()
    second.refresh_from_db()
    assert project.end_date == D(2027, 12, 31) and second.due_date == D(2027, 12, 15)
    assert [(t.indicator, t.target) for t in project.targets.all()] == [("翘曲度合格率", Decimal("98"))]
    period.refresh_from_db()
    assert period.before["end_date"] == "2027-09-30" and period.after["end_date"] == "2027-12-31"
    assert period.before["milestones"][str(second.pk)] == "2027-09-15"
    assert len(targets.before["targets"]) == 3


@pytest.mark.req("PRJ-06")
def test_only_the_approver_decides_a_change_and_the_pages_follow(client_as):
    project = running_project()
    client = client_as("icmember")
    url = reverse("projects:change_add", args=[project.pk]) + "?kind=content"
    bad = client.post(url, {"kind": "content", "reason": "", "content_and_route": "新路线", "expected_outcomes": ""})
    assert bad.status_code == 200 and not ChangeRequest.objects.filter(project=project).exists()
    assert "reason" in bad.context["form"].errors
    response = client.post(url, {"kind": "content", "reason": "改用快速退火。", "content_and_route": "采用快速热退火 RTA。",
                                 "expected_outcomes": "翘曲度合格率由 85% 提升至 98%。"})
    assert response.status_code == 302
    change = ChangeRequest.objects.get(project=project)
    assert change.status == "pending"
    project.refresh_from_db()
    assert project.content_and_route == "建立退火工艺窗口模型，优化双面抛光压力曲线。"

    for username in ("icmember", "icmetrology"):  # the project's own units do not approve it
        with pytest.raises(PermissionDenied):
            services.change_request_decide(user=user(username), change=change, approve=True, note="自批")
    decide = reverse("projects:change_decide", args=[change.pk])
    assert client_as("icmetrology").post(decide, {"decision": "approve", "note": "同意"}).status_code == 302
    assert client_as("owner").post(decide, {"decision": "approve", "note": "同意"}).status_code == 404
    change.refresh_from_db()
    assert change.status == "pending"
    assert client_as("icowner").post(decide, {"decision": "approve", "note": "同意变更。"}).status_code == 302
    project.refresh_from_db()
    change.refresh_from_db()
    assert change.status == "approved" and project.content_and_route == "采用快速热退火 RTA。"
    page = client_as("icresearch").get(reverse("projects:change_detail", args=[change.pk])).content.decode()
    assert "建立退火工艺窗口模型，优化双面抛光压力曲线。" in page and "采用快速热退火 RTA。" in page


MOBILE_DIGITS = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.mark.req("PRJ-06")
@pytest.mark.req("SEC-07")
def test_a_leader_change_shows_the_phones_masked_and_keeps_them_exact(client_as, api_as):
    project = running_project()
    change = services.change_request_submit(user=user("icmember"), project=project, kind="leader", reason="林志远调任。",
                                            after={"leader_name": "陈思远", "leader_phone": "13911112222"})
    assert change.before["leader_phone"] == "13906060002" and change.after["leader_phone"] == "13911112222"
    # haicang: the district bureau of the lead unit, without the unmask permission
    pages = [reverse("projects:change_detail", args=[change.pk]), reverse("projects:project_detail", args=[project.pk])]
    for url in pages:
        page = client_as("haicang").get(url)
        assert page.status_code == 200
        assert not MOBILE_DIGITS.findall(page.content.decode()), url
    detail = client_as("haicang").get(pages[0]).content.decode()
    assert "139****2222" in detail and "139****0002" in detail
    form = client_as("icmember").get(reverse("projects:change_add", args=[project.pk]) + "?kind=leader")
    assert form.status_code == 200 and not MOBILE_DIGITS.findall(form.content.decode())
    decide = client_as("icowner").get(reverse("projects:change_decide", args=[change.pk]))
    assert decide.status_code == 200 and not MOBILE_DIGITS.findall(decide.content.decode())
    api_url = f"/api/v1/change-requests/{change.pk}/"
    body = api_as("haicang").get(api_url)
    assert body.status_code == 200 and not MOBILE_DIGITS.findall(body.content.decode())
    assert body.json()["after"]["leader_phone"] == "139****2222"
    listing = api_as("haicang").get("/api/v1/change-requests/", {"project": project.pk})
    assert listing.status_code == 200 and not MOBILE_DIGITS.findall(listing.content.decode())
    # the city bureau may ask for full numbers: an audited read
    full = api_as("city").get(api_url, {"unmask": "1"}).json()
    assert full["before"]["leader_phone"] == "13906060002" and full["after"]["leader_phone"] == "13911112222"
    change.refresh_from_db()
    assert change.after["leader_phone"] == "13911112222"  # the stored record stays exact


# --------------------------------------------------------------------------- PRJ-07: risk warnings


@pytest.mark.req("PRJ-07")
def test_a_unit_of_the_project_reports_a_risk():
    project = running_project()
    with pytest.raises(ValidationError) as exc:  # the automatic kinds are the scheduler's
        services.risk_raise(user=user("icmetrology"), project=project, kind="budget_overrun", level="high",
                            title="超支", description="超支")
    assert "kind" in exc.value.message_dict
    with pytest.raises(PermissionDenied):  # a consortium member outside the project
        services.risk_raise(user=user("icresearch"), project=project, kind="technical", level="high",
                            title="风险", description="风险")
    risk = services.risk_raise(user=user("icmetrology"), project=project, kind="resource", level="high",
                               title="翘曲度测量仪故障", description="返厂维修 4 周，比对延期。")
    assert (risk.source, risk.status, risk.raised_by) == ("team", "open", user("icmetrology"))
    assert Notification.objects.filter(recipient=user("icowner"), url=risk.get_absolute_url()).exists()
    services.risk_resolve(user=user("icmember"), risk=risk, resolution="借用海芯设备完成测量。")
    risk.refresh_from_db()
    assert risk.status == "resolved" and risk.resolved_by == user("icmember")
    # The reporter (a participant, not of the lead unit) and the approvers hear it is closed; the
    # resolver is not told of what it did.
    resolved = Notification.objects.filter(url=risk.get_absolute_url(), key=f"risk:{risk.pk}:resolved")
    assert resolved.filter(recipient=user("icmetrology")).exists()
    assert resolved.filter(recipient=user("icowner")).exists()
    assert not resolved.filter(recipient=user("icmember")).exists()
    assert "翘曲度测量仪故障" in resolved.get(recipient=user("icmetrology")).title


@pytest.mark.req("PRJ-07")
def test_the_risk_table_says_who_raised_and_who_resolved_each_risk(client_as):
    """Found by a QA walk: the project's risk tab showed neither who reported a risk nor who closed
    it and when, though both are recorded."""
    project = running_project()
    risk = services.risk_raise(user=user("icmetrology"), project=project, kind="resource", level="high",
                               title="翘曲度测量仪故障", description="返厂维修 4 周，比对延期。")
    page = client_as("icowner").get(project.get_absolute_url()).content.decode()
    row = re.search(r'<tr data-risk-kind="resource".*?</tr>', page, re.S).group(0)
    assert str(user("icmetrology")) in row and "data-resolved" not in row
    services.risk_resolve(user=user("icmember"), risk=risk, resolution="借用海芯设备完成测量。")
    risk.refresh_from_db()
    page = client_as("icowner").get(project.get_absolute_url()).content.decode()
    row = re.search(r'<tr data-risk-kind="resource".*?</tr>', page, re.S).group(0)
    resolved = re.search(r"data-resolved>(.*?)</div>", row, re.S).group(1)
    assert str(user("icmember")) in resolved
    assert timezone.localtime(risk.resolved_at).strftime("%Y-%m-%d") in resolved


@pytest.mark.req("PRJ-07")
def test_the_scheduler_warns_of_an_overdue_milestone_and_a_missing_update_once_and_a_person_closes_them():
    project = running_project()
    first = project.milestones.order_by("due_date").first()  # due 2027-03-31
    milestone_key = f"milestone:{first.pk}:20270331"
    services.project_risk_scan(today=D(2027, 3, 31))
    assert not project.risks.filter(kind="overdue_milestone").exists()  # due today is not overdue
    assert [r.key for r in project.risks.filter(source="automatic", status="open")] == ["report:2026Q4"]

    services.project_risk_scan(today=D(2027, 4, 30))
    risks = {r.key: r for r in project.risks.filter(source="automatic", status="open")}
    # the next quarter beginning does not clear the update that was never filed
    assert set(risks) == {milestone_key, "report:2027Q1", "report:2026Q4"}
    assert not any(r.condition_cleared_on for r in risks.values())
    risks = {r.kind: r for r in project.risks.filter(source="automatic", status="open").exclude(key="report:2026Q4")}
    assert first.name in risks["overdue_milestone"].title and risks["overdue_milestone"].kind == "overdue_milestone"
    assert Notification.objects.filter(recipient=user("icmember"), url=risks["overdue_milestone"].get_absolute_url(),
                                       level="warning").exists()

    total = project.risks.filter(source="automatic").count()
    assert services.project_risk_scan(today=D(2027, 5, 1)) == 0 or not project.risks.filter(
        created_at__gt=risks["overdue_milestone"].created_at).exists()
    assert project.risks.filter(source="automatic").count() == total  # warned once per condition

    with services.recorded_on(D(2027, 4, 30)):
        services.progress_report_submit(user=user("icmember"), project=project, year=2027, quarter=1,
                                        summary="工艺窗口模型完成。", spent_to_date="40",
                                        milestones=[{"milestone": first, "progress": 100,
                                                     "completed_on": D(2027, 4, 28)}])
    with services.recorded_on(D(2027, 5, 6)):  # the missed quarter filed late
        services.progress_report_submit(user=user("icmember"), project=project, year=2026, quarter=4,
                                        summary="补报：退火试验 8 炉。", spent_to_date="20")
    # Filing never closes a warning: the conditions are noted as gone, a person closes them.
    automatic = {r.key: r for r in project.risks.filter(source="automatic")}
    assert {r.status for r in automatic.values()} == {"open"}
    assert automatic[milestone_key].condition_cleared_on == D(2027, 4, 30)
    assert automatic["report:2026Q4"].condition_cleared_on == D(2027, 5, 6)
    with pytest.raises(ValidationError):
        services.risk_resolve(user=user("icmember"), risk=automatic["report:2026Q4"], resolution=" ")
    services.risk_resolve(user=user("icmember"), risk=automatic["report:2026Q4"], resolution="2026Q4 已于 5 月 6 日补报。")
    services.project_risk_scan(today=D(2027, 5, 7))
    closed = RiskWarning.objects.get(pk=automatic["report:2026Q4"].pk)
    assert closed.status == "resolved" and closed.resolved_by == user("icmember")


@pytest.mark.req("PRJ-04")
@pytest.mark.req("PRJ-07")
def test_re_filing_lower_figures_neither_goes_below_an_earlier_quarter_nor_clears_an_overrun(client_as):
    project = running_project()
    assert project.total_budget == Decimal("80")
    icmember = user("icmember")
    with services.recorded_on(D(2026, 11, 20)):
        services.progress_report_submit(user=icmember, project=project, year=2026, quarter=4,
                                        summary="设备改造超出预期。", spent_to_date="150")
    risk = project.risks.get(kind="budget_overrun")
    assert risk.status == "open"
    with services.recorded_on(D(2026, 11, 21)):
        with pytest.raises(ValidationError) as exc:  # a correction says why
            services.progress_report_submit(user=icmember, project=project, year=2026, quarter=4,
                                            summary="更正。", spent_to_date="90")
        assert "correction_reason" in exc.value.message_dict
        report = services.progress_report_submit(user=icmember, project=project, year=2026, quarter=4,
                                                 summary="更正：设备款分两期支付。", spent_to_date="70",
                                                 correction_reason="设备尾款尚未支付，按实际支付额更正。")
    report.refresh_from_db()
    assert report.spent_to_date == Decimal("70") and report.submitted_at.date() == D(2026, 11, 20)
    assert report.corrections[0]["before"]["spent_to_date"] == "150.00"
    assert report.corrections[0]["reason"] == "设备尾款尚未支付，按实际支付额更正。"
    from zhilian.core.models import AuditEvent
    assert AuditEvent.objects.filter(object_id=str(report.pk), message__contains="设备尾款尚未支付").exists()
    risk.refresh_from_db()
    assert risk.status == "open" and risk.condition_cleared_on == D(2026, 11, 21)  # never closed by a re-filing
    page = client_as("icmember").get(project.get_absolute_url()).content.decode()
    assert "设备尾款尚未支付" in page and "data-condition-cleared" in page

    # A later quarter does not go below an earlier one, nor a late earlier quarter above a later one.
    with services.recorded_on(D(2027, 4, 10)):
        with pytest.raises(ValidationError) as exc:
            services.progress_report_submit(user=icmember, project=project, year=2027, quarter=1,
                                            summary="进展。", spent_to_date="60")
        assert "spent_to_date" in exc.value.message_dict and "2026Q4" in exc.value.message_dict["spent_to_date"][0]
        services.progress_report_submit(user=icmember, project=project, year=2027, quarter=1, summary="进展。",
                                        spent_to_date="95")
        with pytest.raises(ValidationError) as exc:  # a correction of 2026Q4 above 2027Q1
            services.progress_report_submit(user=icmember, project=project, year=2026, quarter=4, summary="更正",
                                            spent_to_date="120", correction_reason="再次更正")
        assert "spent_to_date" in exc.value.message_dict
    assert ProgressReport.objects.get(project=project, year=2026, quarter=4).spent_to_date == Decimal("70")
    risk.refresh_from_db()  # 95 of 80 spent: the overrun holds again
    assert risk.status == "open" and risk.condition_cleared_on is None


@pytest.mark.req("PRJ-04")
def test_a_late_quarter_below_the_quarter_before_is_refused_on_the_page(client_as):
    demo = Project.objects.get(name=RUNNING_DEMO)  # GG-2026-001: 2026Q2 reported 46
    url = reverse("projects:progress_add", args=[demo.pk])
    milestones = {f"m{m.pk}_progress": m.progress for m in demo.milestones.all()}
    response = client_as("icmetrology").post(url, {"year": 2026, "quarter": 3, "summary": "补报三季度。",
                                                   "spent_to_date": "20", "issues": "", "next_steps": "",
                                                   "correction_reason": "", **milestones})
    assert response.status_code == 200
    assert "spent_to_date" in response.context["form"].errors
    assert not ProgressReport.objects.filter(project=demo, year=2026, quarter=3).exists()


@pytest.mark.req("PRJ-07")
def test_the_daily_job_raises_warnings_as_of_today():
    today = timezone.localdate()
    project = running_project(
        start_date=today - datetime.timedelta(days=200), end_date=today + datetime.timedelta(days=200),
        milestones=[{"name": "逾期的里程碑", "due_date": today - datetime.timedelta(days=40), "deliverable": ""},
                    {"name": "未到期的里程碑", "due_date": today + datetime.timedelta(days=100), "deliverable": ""}],
        on=today - datetime.timedelta(days=190), approved_on=today - datetime.timedelta(days=185))
    raised = tasks.scan_project_risks.call_local()
    assert raised >= 1
    risk = project.risks.get(kind="overdue_milestone")
    assert risk.status == "open" and "逾期的里程碑" in risk.title and risk.level == "high"  # 40 days late
    assert tasks.scan_project_risks.call_local() == 0  # nothing new the second time
    page = selectors.overdue_milestones(user("icmember"))
    assert "逾期的里程碑" in [m.name for m in page]


@pytest.mark.req("PRJ-07")
def test_approval_runs_the_risk_check_of_the_project():
    project = running_project(
        start_date=D(2026, 8, 1), approved_on=D(2026, 10, 9),
        milestones=[{"name": "立项前已到期的里程碑", "due_date": D(2026, 9, 7), "deliverable": ""},
                    {"name": "中试与示范应用", "due_date": D(2027, 9, 15), "deliverable": ""}])
    risk = project.risks.get(kind="overdue_milestone")  # 32 days overdue on the day of approval
    assert risk.status == "open" and risk.level == "high" and "立项前已到期的里程碑" in risk.title


def test_the_scheduler_reads_beijing_time():
    """The periodic tasks' crontab times are TIME_ZONE (Asia/Shanghai) times: huey runs with utc=False."""
    from django.conf import settings
    from huey.contrib.djhuey import HUEY

    assert settings.TIME_ZONE == "Asia/Shanghai" and HUEY.utc is False
    local_now = timezone.localtime().replace(tzinfo=None)
    assert abs((HUEY._get_timestamp() - local_now).total_seconds()) < 60
    scan = tasks.scan_project_risks.task_class()
    assert scan.validate_datetime(datetime.datetime(2026, 12, 3, 6, 10))
    assert not scan.validate_datetime(datetime.datetime(2026, 12, 3, 14, 10))


@pytest.mark.req("PRJ-07")
def test_risk_pages_show_the_risks_to_the_project_only(client_as):
    demo = Project.objects.get(name=RUNNING_DEMO)
    titles = {r.title for r in RiskWarning.objects.filter(project=demo)}
    assert any(r.source == "automatic" for r in RiskWarning.objects.filter(project=demo))
    seen = {r.title for r in client_as("icresearch").get(reverse("projects:risk_list")).context["table"].data}
    assert titles <= seen
    assert not {r.title for r in client_as("owner").get(reverse("projects:risk_list")).context["table"].data} & titles
    project = running_project()
    url = reverse("projects:risk_add", args=[project.pk])
    before = RiskWarning.objects.count()
    bad = client_as("icmetrology").post(url, {"kind": "technical", "level": "high", "title": "", "description": "x"})
    assert bad.status_code == 200 and "title" in bad.context["form"].errors and RiskWarning.objects.count() == before
    ok = client_as("icmetrology").post(url, {"kind": "technical", "level": "high", "title": "抛光垫供货中断",
                                             "description": "供应商停产。"})
    assert ok.status_code == 302 and project.risks.get().title == "抛光垫供货中断"


# --------------------------------------------------------------------------- PRJ-08: acceptance


@pytest.mark.req("PRJ-08")
@pytest.mark.req("PRB-04")
def test_acceptance_with_materials_then_archive_and_the_problems_become_solved(client_as):
    problem = new_problem()
    project = running_project([problem])
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.TACKLING
    icmember, mgmt = user("icmember"), user("mgmt")
    targets = {t.indicator: t for t in project.targets.all()}
    with services.recorded_on(D(2026, 11, 19)):
        with pytest.raises(ValidationError) as exc:  # milestones still open
            services.acceptance_apply(user=icmember, project=project, summary="完成", results="专利 1 项")
        assert "__all__" in exc.value.message_dict
    complete_milestones(project)
    with services.recorded_on(D(2026, 11, 20)):
        with pytest.raises(ValidationError) as exc:  # the achieved value of each quantified target
            services.acceptance_apply(user=icmember, project=project, summary="完成", results="专利 1 项",
                                      achieved={targets["翘曲度"].pk: ("26", "")})
        assert "targets" in exc.value.message_dict
        assert not Acceptance.objects.filter(project=project).exists()
        acceptance = services.acceptance_apply(
            user=icmember, project=project, summary="完成退火与抛光工艺优化，指标全部达成。", results="发明专利申请 1 项；企业标准 1 项。",
            achieved={targets["翘曲度"].pk: ("26", "中试均值"), targets["翘曲度合格率"].pk: ("97.5", "")})
        with pytest.raises(ValidationError):  # no materials attached yet
            services.acceptance_submit(user=icmember, acceptance=acceptance)
        attach_material(acceptance)
        services.acceptance_submit(user=icmember, acceptance=acceptance)
    project.refresh_from_db()
    assert project.status == "acceptance" and ProjectTarget.objects.get(pk=targets["翘曲度"].pk).achieved == 26
    page = client_as("mgmt").get(reverse("projects:acceptance_detail", args=[acceptance.pk]))
    assert page.status_code == 200 and page.context["can_decide"]
    assert not client_as("icowner").get(reverse("projects:acceptance_detail", args=[acceptance.pk])).context[
        "can_decide"]

    with services.recorded_on(D(2026, 11, 21)):
        for username in ("icowner", "icmember"):  # neither the consortium lead nor the team accepts
            with pytest.raises(PermissionDenied):
                services.acceptance_decide(user=user(username), acceptance=acceptance, passed=True,
                                           experts=experts(), accepted_on=D(2026, 11, 21), conclusion="通过")
        services.acceptance_decide(user=mgmt, acceptance=acceptance, passed=True, experts=experts(),
                                   accepted_on=D(2026, 11, 21), conclusion="指标全部达到，同意通过验收。")
    project.refresh_from_db()
    problem.refresh_from_db()
    acceptance.refresh_from_db()
    assert acceptance.status == "passed" and set(acceptance.experts.all()) == set(experts())
    assert project.status == "accepted" and project.accepted_on == D(2026, 11, 21)
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.SOLVED
    detail = client_as("icmember").get(project.get_absolute_url())
    assert detail.context["can_submit_achievement"]  # results go on to the achievement library

    with pytest.raises(PermissionDenied):
        services.project_archive(user=user("icmetrology"), project=project)
    services.project_archive(user=mgmt, project=project)
    project.refresh_from_db()
    assert project.status == "archived" and project.archived_on is not None


@pytest.mark.req("PRJ-08")
def test_a_failed_acceptance_sends_the_project_back_and_the_problem_stays_tackled():
    problem = new_problem()
    project = running_project([problem])
    complete_milestones(project)
    targets = {t.indicator: t.pk for t in project.targets.all()}
    with services.recorded_on(D(2026, 11, 20)):
        acceptance = services.acceptance_apply(user=user("icmember"), project=project, summary="完成", results="报告",
                                               achieved={targets["翘曲度"]: ("40", ""), targets["翘曲度合格率"]: ("90", "")})
        attach_material(acceptance)
        services.acceptance_submit(user=user("icmember"), acceptance=acceptance)
    with services.recorded_on(D(2026, 11, 21)):
        with pytest.raises(ValidationError) as exc:
            services.acceptance_decide(user=user("mgmt"), acceptance=acceptance, passed=False, experts=[],
                                       accepted_on=D(2026, 11, 25), conclusion="")
        assert {"experts", "conclusion", "accepted_on"} <= set(exc.value.message_dict)
        services.acceptance_decide(user=user("mgmt"), acceptance=acceptance, passed=False, experts=experts(),
                                   accepted_on=D(2026, 11, 21), conclusion="翘曲度未达到目标值。")
    project.refresh_from_db()
    problem.refresh_from_db()
    assert project.status == "in_progress" and project.accepted_on is None
    assert problem.status == ProblemStatus.TACKLING
    assert not services.may_archive(user("mgmt"), project)


@pytest.mark.req("PRJ-08")
def test_the_acceptance_decision_page_is_refused_to_the_consortium_lead(client_as):
    project = running_project()
    complete_milestones(project)
    targets = {t.indicator: t.pk for t in project.targets.all()}
    with services.recorded_on(D(2026, 11, 20)):
        acceptance = services.acceptance_apply(user=user("icmember"), project=project, summary="完成", results="报告",
                                               achieved={targets["翘曲度"]: ("26", ""), targets["翘曲度合格率"]: ("97", "")})
        attach_material(acceptance)
        services.acceptance_submit(user=user("icmember"), acceptance=acceptance)
    url = reverse("projects:acceptance_decide", args=[acceptance.pk])
    data = {"decision": "pass", "accepted_on": str(timezone.localdate()), "experts": [e.pk for e in experts()],
            "conclusion": "通过"}
    assert client_as("icowner").post(url, data).status_code == 302
    assert client_as("owner").post(url, data).status_code == 404
    acceptance.refresh_from_db()
    assert acceptance.status == "submitted"
    assert client_as("mgmt").post(url, data).status_code == 302
    project.refresh_from_db()
    assert project.status == "accepted"


# --------------------------------------------------------------------------- Appendix E: the library list


@pytest.mark.req("PRJ-01")
def test_the_project_library_exports_as_appendix_e_excel(client_as):
    response = client_as("city").get(reverse("projects:project_list"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(file_bytes(response))).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "表 E.1 产业链质量攻关库"
    header = rows[1]
    assert list(header[:5]) == ["序号", "攻关项目名称", "拟解决的产业链质量问题", "项目牵头和参与机构", "预期成效"]
    body = [dict(zip(header, r)) for r in rows[2:] if r[0] is not None]
    assert [r["序号"] for r in body] == list(range(1, Project.objects.count() + 1))
    silicon = next(r for r in body if r["攻关项目名称"] == "12 英寸硅单晶棒电阻率均匀性提升攻关")
    assert "IC-001" in silicon["拟解决的产业链质量问题"]
    assert silicon["项目牵头和参与机构"].startswith(f"{MINGUI}（牵头）") and "厦门海西计量测试研究院（参与）" in \
        silicon["项目牵头和参与机构"]
    assert "±5%" in silicon["预期成效"]

    outsider = client_as("owner").get(reverse("projects:project_list"), {"export": "xlsx"})
    out_rows = list(openpyxl.load_workbook(io.BytesIO(file_bytes(outsider))).active.iter_rows(values_only=True))
    assert [r for r in out_rows[2:] if r[0] is not None] == []


# --------------------------------------------------------------------------- who sees and does what


@pytest.mark.req("PRJ-01")
@pytest.mark.req("PLT-02")
def test_a_project_is_visible_to_its_team_consortium_and_regulators_only(client_as):
    project = Project.objects.get(name=RUNNING_DEMO)  # led by 海西计量 (思明区)
    for username in ("icmetrology", "icmember", "icresearch", "icowner", "mgmt", "city"):
        assert client_as(username).get(project.get_absolute_url()).status_code == 200, username
    for username in ("owner", "member", "institution", "district", "haicang", "assoc"):
        assert client_as(username).get(project.get_absolute_url()).status_code == 404, username
    listed = {p.pk for p in client_as("icresearch").get(reverse("projects:project_list")).context["table"].data}
    assert project.pk in listed
    assert not client_as("owner").get(reverse("projects:project_list")).context["table"].data
    found = client_as("icresearch").get("/search/", {"q": "VPD-ICP-MS"}).content.decode()
    assert RUNNING_DEMO in found
    hidden = client_as("owner").get("/search/", {"q": "VPD-ICP-MS"}).content.decode()
    assert RUNNING_DEMO not in hidden


@pytest.mark.req("PRJ-01")
@pytest.mark.req("PLT-02")
def test_a_draft_is_seen_by_its_units_and_by_the_consortium_once_submitted(client_as):
    project = create_project()
    assert client_as("icmetrology").get(project.get_absolute_url()).status_code == 200  # a unit of the project
    assert client_as("icresearch").get(project.get_absolute_url()).status_code == 404   # not yet
    assert client_as("icowner").get(project.get_absolute_url()).status_code == 404
    sign_all(project)
    services.project_submit(user=user("icmember"), project=project)
    assert client_as("icresearch").get(project.get_absolute_url()).status_code == 200
    assert client_as("haicang").get(project.get_absolute_url()).status_code == 200      # led from 海沧区
    assert client_as("owner").get(project.get_absolute_url()).status_code == 404


@pytest.mark.req("PRJ-02")
@pytest.mark.req("PLT-02")
def test_only_the_consortium_lead_or_management_approves_a_task_book(client_as):
    project = submitted_project()
    for username in ("icmember", "icmetrology", "icresearch"):
        with pytest.raises(PermissionDenied):
            services.project_decide(user=user(username), project=project, approve=True, opinion="同意")
    url = reverse("projects:project_decide", args=[project.pk])
    assert client_as("icmetrology").post(url, {"decision": "approve", "opinion": "同意"}).status_code == 302
    assert client_as("owner").post(url, {"decision": "approve", "opinion": "同意"}).status_code == 404
    project.refresh_from_db()
    assert project.status == "submitted"
    bad = client_as("icowner").post(url, {"decision": "approve", "opinion": ""})
    assert bad.status_code == 200 and "opinion" in bad.context["form"].errors
    project.refresh_from_db()
    assert project.status == "submitted"
    assert client_as("mgmt").post(url, {"decision": "approve", "opinion": "同意立项。"}).status_code == 302
    project.refresh_from_db()
    assert project.status == "in_progress" and project.approved_by == user("mgmt")


@pytest.mark.req("PRJ-02")
def test_a_bad_task_book_page_leaves_the_database_as_it_was(client_as):
    problem = new_problem()
    before = counts(*TASK_BOOK_MODELS, Signoff)
    data = page_data([problem], end_date="2026-09-01",
                     **formset("milestones", [{"name": "退火工艺窗口模型", "due_date": "2027-03-31", "deliverable": ""}]))
    response = client_as("icmember").post(reverse("projects:project_add"), data)
    assert response.status_code == 200
    assert "end_date" in response.context["form"].errors
    assert counts(*TASK_BOOK_MODELS, Signoff) == before
    bad_phone = client_as("icmember").post(reverse("projects:project_add"), page_data([problem], leader_phone="12"))
    assert bad_phone.status_code == 200 and "leader_phone" in bad_phone.context["form"].errors
    outsider = client_as("icmember").post(reverse("projects:project_add"), page_data(
        [problem], **formset("units", [{"organization": org(MINGUI).pk, "person_in_charge": "林志远", "phone": "",
                                        "tasks": "工艺"},
                                       {"organization": org(LUJIAN).pk, "person_in_charge": "业务", "phone": "",
                                        "tasks": "检测"}])))
    assert outsider.status_code == 200
    assert any(outsider.context["participants"].errors) or outsider.context["row_errors"].get("participants")
    assert counts(*TASK_BOOK_MODELS, Signoff) == before
    assert ic_consortium().projects.filter(name="12 英寸硅片翘曲度控制攻关（页面）").count() == 0


@pytest.mark.req("PRJ-02")
@pytest.mark.parametrize("refusal", [ValidationError("任务书编号已被占用，请重试。"),
                                     ValidationError({"name": "同名项目已存在。"})])
def test_a_save_refused_past_the_checks_still_says_why(client_as, monkeypatch, refusal):
    problem = new_problem()
    before = counts(*TASK_BOOK_MODELS, Signoff)

    def refuse(**kwargs):
        raise refusal

    monkeypatch.setattr(services, "project_save_task_book", refuse)
    response = client_as("icmember").post(reverse("projects:project_add"), page_data([problem]))
    assert response.status_code == 200
    form = response.context["form"]
    shown = form.errors.get("name", []) + list(form.non_field_errors())
    assert shown == refusal.messages
    assert refusal.messages[0] in response.content.decode()
    assert counts(*TASK_BOOK_MODELS, Signoff) == before


@pytest.mark.req("PRJ-06")
def test_a_period_change_through_the_page_moves_the_milestones_once_approved(client_as):
    project = running_project()
    first, second = project.milestones.all()
    url = reverse("projects:change_add", args=[project.pk]) + "?kind=period"
    data = {"kind": "period", "reason": "设备延迟交付。", "start_date": "2026-10-01", "end_date": "2027-12-31",
            f"m{first.pk}": "2027-04-30", f"m{second.pk}": "2027-12-15"}
    outside = client_as("icmember").post(url, {**data, f"m{second.pk}": "2028-01-15"})
    assert outside.status_code == 200 and not ChangeRequest.objects.filter(project=project).exists()
    assert client_as("icmember").post(url, data).status_code == 302
    change = ChangeRequest.objects.get(project=project)
    assert change.after["milestones"] == {str(first.pk): "2027-04-30", str(second.pk): "2027-12-15"}
    first.refresh_from_db()
    assert first.due_date == D(2027, 3, 31)
    services.change_request_decide(user=user("icowner"), change=change, approve=True, note="同意。")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.due_date, second.due_date) == (D(2027, 4, 30), D(2027, 12, 15))
    assert change.before["milestones"][str(first.pk)] == "2027-03-31"


ACTION_LINK = re.compile(r'<a [^>]*href="(/(?:projects|achievements)/[^"#]*)"')


@pytest.mark.req("PRJ-02")
@pytest.mark.req("PRJ-06")
def test_every_action_on_the_project_page_works_for_whoever_sees_it(client_as):
    """No dead buttons: each link of a project page into the project and achievement modules
    opens (200) for the user it is shown to; a running project has no task-book Edit button."""
    draft = create_project()  # 闽硅单晶's draft: the one task book that is edited in place
    running = running_project()
    projects = [draft, running, *Project.objects.filter(name__in=[RUNNING_DEMO, "12 英寸硅单晶棒电阻率均匀性提升攻关"])]
    checked = 0
    for username in ("icmember", "icmetrology", "icowner", "icresearch", "mgmt", "city", "haicang", "expert"):
        client = client_as(username)
        for project in projects:
            page = client.get(project.get_absolute_url())
            if page.status_code == 404:
                continue
            html = page.content.decode()
            edit = reverse("projects:project_edit", args=[project.pk])
            assert (f'href="{edit}"' in html) == (project.pk == draft.pk and username == "icmember"), (username, project)
            for url in sorted(set(ACTION_LINK.findall(html.replace("&amp;", "&")))):
                if url.startswith(("/projects/?", "/achievements/?")) or url.rstrip("/") in ("/projects", "/achievements"):
                    continue
                response = client.get(url)
                assert response.status_code == 200, (username, project.code, url, response.status_code)
                checked += 1
    assert checked > 30


@pytest.mark.req("PRJ-02")
def test_the_organization_table_lists_the_lead_unit_first(client_as):
    # 海西计量 is named first; the lead unit 闽硅单晶 still heads the table (Appendix F 四).
    project = create_project(participants=[
        {"organization": org(HAIXI), "person_in_charge": "王工", "phone": "", "tasks": "测量方法"},
        {"organization": org(MINGUI), "person_in_charge": "林志远", "phone": "", "tasks": "工艺试验"}])
    assert [p.organization.name for p in ProjectParticipant.objects.filter(project=project)] == [MINGUI, HAIXI]
    page = client_as("icmember").get(project.get_absolute_url()).content.decode()
    table = page.split('id="participant-table"', 1)[1]
    assert table.index(MINGUI) < table.index(HAIXI)


@pytest.mark.req("PRB-04")
@pytest.mark.req("PRJ-08")
def test_a_problem_is_solved_only_when_every_project_on_it_is_accepted():
    problem = new_problem()
    first = running_project([problem])
    second = running_project([problem], name="12 英寸硅片翘曲度控制攻关（二期）")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.TACKLING

    def accept(project, day):
        complete_milestones(project, on=day)
        with services.recorded_on(day):
            acceptance = services.acceptance_apply(
                user=user("icmember"), project=project, summary="完成。", results="专利 1 项。",
                achieved={t.pk: ("1", "") for t in project.targets.all() if t.is_quantified})
            attach_material(acceptance)
            services.acceptance_submit(user=user("icmember"), acceptance=acceptance)
            services.acceptance_decide(user=user("mgmt"), acceptance=acceptance, passed=True, experts=experts(),
                                       accepted_on=day, conclusion="通过验收。")

    accept(first, D(2026, 11, 20))
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.TACKLING  # the second project still works on it
    accept(second, D(2026, 11, 23))
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.SOLVED



@pytest.mark.req("PLT-02")
@pytest.mark.parametrize("username", ["icmember", "icmetrology", "member", "institution"])
def test_project_visibility_carries_every_column_a_units_scope_reads(persona, index_columns, username):
    """So PostgreSQL counts a unit's project library from the index without reading the projects'
    wide rows (10,000 projects: 1.7 ms instead of 8). A scope that starts reading another column
    of the project needs it in the index too."""
    from conftest import columns_filtered_on

    create_project()
    read = columns_filtered_on(Project.objects.restrict(persona(username)))
    assert {"created_by_id", "lead_unit_id", "id", "status", "consortium_id"} <= read
    assert read <= index_columns("project_visibility"), read
