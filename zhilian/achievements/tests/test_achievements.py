"""The achievement sharing library (chain guide §5.6, Table G.1, Appendix H): intake, review,
share levels enforced everywhere, licences, status maintenance, usage, priority (ACH-01…06).

Demo library (zhilian/achievements/demo.py), all from the accepted project GG-2025-001 of the
集成电路产业链质量创新联合体 (lead unit 海芯集成 = ``icowner``; members 闽硅单晶 = ``icmember``,
半导体材料工程研究中心 = ``icresearch``, 海西计量 = ``icmetrology``, 深圳南岭):

- public  — 四探针多点测试方法 by 海西计量;
- consortium — 热场—磁场耦合数值模拟模型 by the research centre;
- targeted — 良率关联数据集 by 海芯集成, to 鹭岛显示 (``owner``) and 芯程驱动;
- paid — 低氧热屏结构 by 闽硅单晶, with a signed ordinary licence (福建省, 科研/中试) to the research centre.

``member`` (厦门翔光玻璃基板, no member of that consortium) is the outsider unit; ``consumer``
has no unit at all.
"""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from docx import Document

from zhilian.achievements import selectors, services
from zhilian.achievements.choices import (
    AchievementStatus, AchievementType, IpType, LicenseMode, LicenseStatus, RightStatus, ShareCondition, ShareLevel,
    UsageKind,
)
from zhilian.achievements.models import Achievement, AchievementUsage, License, RightStatusChange
from zhilian.core import attachments, clock
from zhilian.core.models import Attachment
from zhilian.problems.models import Problem
from zhilian.projects import services as project_services
from zhilian.projects.demo import _pdf
from zhilian.projects.models import Project

pytestmark = pytest.mark.django_db

ACCEPTED = "12 英寸硅单晶棒电阻率均匀性提升攻关"
IN_PROGRESS = "12 英寸硅片表面金属杂质 VPD-ICP-MS 检测方法研究"
LEVELS = {
    ShareLevel.PUBLIC: "12 英寸硅单晶棒径向电阻率四探针多点测试方法",
    ShareLevel.CONSORTIUM: "单晶炉热场—磁场耦合数值模拟模型",
    ShareLevel.TARGETED: "硅单晶电阻率均匀性与晶圆良率关联数据集",
    ShareLevel.PAID: "12 英寸单晶炉低氧热屏结构及磁场匹配方法",
}
# Who sees which demo achievement, by share level.
SEES = {
    "icmember": {ShareLevel.PUBLIC, ShareLevel.CONSORTIUM, ShareLevel.PAID},  # consortium member, not targeted
    "owner": {ShareLevel.PUBLIC, ShareLevel.TARGETED, ShareLevel.PAID},  # targeted outsider unit
    "member": {ShareLevel.PUBLIC, ShareLevel.PAID},  # outsider unit
    "consumer": {ShareLevel.PUBLIC},  # no unit
}
D = datetime.date


def _a(level):
    return Achievement.objects.get(name=LEVELS[level])


def _pdf_upload(name="验收报告.pdf"):
    return SimpleUploadedFile(name, _pdf(name), content_type="application/pdf")


def _intake_data(**overrides):
    data = {"name": "硅单晶棒电阻率在线监测与闭环控制方案", "achievement_type": AchievementType.SOLUTION,
            "summary": "基于四探针在线监测的拉晶功率闭环控制方案。", "problem_solved": "IC-001 电阻率均匀性不足",
            "indicators": "径向电阻率不均匀度 ≤ ±5%。", "application_scope": "12 英寸直拉单晶炉。",
            "ip_type": IpType.UTILITY, "right_status": RightStatus.GRANTED, "certificate_no": "ZL2026 2 0123456.7",
            "right_holder": "福建闽硅单晶材料有限公司", "share_level": ShareLevel.CONSORTIUM,
            "share_condition": ShareCondition.FREE, "fee_terms": "", "contact_name": "林志远",
            "contact_phone": "13906060002"}
    data.update(overrides)
    return data


def _enter(user, project_name=ACCEPTED, **overrides):
    project = Project.objects.get(name=project_name)
    return services.achievement_save(user=user, achievement=None, project=project, data=_intake_data(**overrides),
                                     problems=list(project.problems.all()))


def _listed(persona, **overrides):
    """A new achievement of 闽硅单晶 taken through intake, submission and the lead unit's review."""
    icmember = persona("icmember")
    achievement = _enter(icmember, **overrides)
    attachments.attachment_add(user=icmember, owner=achievement, uploaded=_pdf_upload(), category="证明文件")
    services.achievement_submit(user=icmember, achievement=achievement, declaration=True)
    return services.achievement_review(user=persona("icowner"), achievement=achievement, approve=True,
                                       opinion="同意入库。")


# --------------------------------------------------------------------------- ACH-01 intake


@pytest.mark.req("ACH-01")
def test_intake_from_an_accepted_project_with_proof_and_declaration(persona, client_as):
    icmember = persona("icmember")
    achievement = _enter(icmember)
    assert achievement.status == AchievementStatus.DRAFT and achievement.code.startswith("CG-")
    assert achievement.contributor == icmember.organization
    assert achievement.project.name == ACCEPTED and achievement.consortium.name == "集成电路产业链质量创新联合体"
    assert list(achievement.problems.values_list("code", flat=True)) == ["IC-001"]
    for field, value in _intake_data().items():
        assert getattr(achievement, field) == value, field
    # Submitting needs the proof documents and the contributor's declaration.
    with pytest.raises(ValidationError):
        services.achievement_submit(user=icmember, achievement=achievement, declaration=True)
    attachments.attachment_add(user=icmember, owner=achievement, uploaded=_pdf_upload("实用新型专利证书.pdf"),
                               category="证明文件")
    with pytest.raises(ValidationError) as exc:
        services.achievement_submit(user=icmember, achievement=achievement, declaration=False)
    assert "declaration" in exc.value.message_dict
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.DRAFT and achievement.declared_at is None
    response = client_as("icmember").post(reverse("achievements:achievement_submit", args=[achievement.pk]),
                                          {"declaration": "on"})
    assert response.status_code == 302
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.SUBMITTED
    assert achievement.declared_by == icmember and achievement.declared_at is not None
    # The Table G.1 Word form carries the fields and the declaration.
    doc = Document(io.BytesIO(client_as("icmember").get(
        reverse("achievements:achievement_export", args=[achievement.pk])).content))
    text = "\n".join(c.text for row in doc.tables[0].rows for c in row.cells)
    for expected in ("产业链质量攻关成果入库信息表", "成果名称", "硅单晶棒电阻率在线监测与闭环控制方案", "☑解决方案",
                     "ZL2026 2 0123456.7", "☑联盟内共享", "本成果权属清晰", "（已确认）"):
        assert expected in text or expected in doc.paragraphs[0].text, expected


@pytest.mark.req("ACH-01")
def test_intake_is_refused_from_a_project_not_accepted_or_not_the_units(persona, client_as):
    before = Achievement.objects.count()
    assert Project.objects.get(name=IN_PROGRESS).status == "in_progress"
    with pytest.raises(ValidationError) as exc:
        _enter(persona("icmember"), project_name=IN_PROGRESS)
    assert "project" in exc.value.message_dict
    with pytest.raises(ValidationError):  # 翔光玻璃 took no part in the accepted project
        _enter(persona("member"))
    # Table G.1 rules: a granted right has its certificate number; a paid share states its terms.
    with pytest.raises(ValidationError) as exc:
        _enter(persona("icmember"), certificate_no="")
    assert "certificate_no" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _enter(persona("icmember"), share_level=ShareLevel.PAID, share_condition=ShareCondition.PAID, fee_terms="")
    assert "fee_terms" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _enter(persona("icmember"), share_level=ShareLevel.TARGETED)
    assert "targeted_organizations" in exc.value.message_dict
    # The page refuses too.
    project = Project.objects.get(name=IN_PROGRESS)
    response = client_as("icmember").post(reverse("achievements:achievement_add") + f"?project={project.pk}",
                                          {**_intake_data(), "problems": [p.pk for p in project.problems.all()]})
    assert response.status_code == 200  # the form comes back with the error
    assert Achievement.objects.count() == before


# --------------------------------------------------------------------------- review (ACH-04)


@pytest.mark.req("ACH-04")
def test_the_consortium_lead_reviews_its_members_achievements(persona, client_as):
    icmember = persona("icmember")
    achievement = _enter(icmember)
    attachments.attachment_add(user=icmember, owner=achievement, uploaded=_pdf_upload(), category="证明文件")
    services.achievement_submit(user=icmember, achievement=achievement, declaration=True)
    # Neither the contributor nor another member reviews; an outsider does not even see it.
    for username in ("icmember", "icresearch"):
        with pytest.raises(PermissionDenied):
            services.achievement_review(user=persona(username), achievement=achievement, approve=True, opinion="同意")
    assert client_as("member").get(achievement.get_absolute_url()).status_code == 404
    # The lead unit returns it with an opinion; it is a draft again, still hidden from others.
    services.achievement_review(user=persona("icowner"), achievement=achievement, approve=False,
                                opinion="请补充专利证书扫描件。")
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.DRAFT and achievement.review_opinion == "请补充专利证书扫描件。"
    services.achievement_submit(user=icmember, achievement=achievement, declaration=True)
    response = client_as("icowner").post(reverse("achievements:achievement_review", args=[achievement.pk]),
                                         {"decision": "approve", "opinion": "权属清晰，同意入库。"})
    assert response.status_code == 302
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.LISTED and achievement.listed_on == timezone.localdate()
    assert achievement.reviewed_by == persona("icowner")
    assert client_as("icresearch").get(achievement.get_absolute_url()).status_code == 200  # consortium share


@pytest.mark.req("ACH-04")
def test_the_lead_units_own_achievement_goes_to_the_management_institution(persona):
    icowner = persona("icowner")
    achievement = services.achievement_save(
        user=icowner, achievement=None, project=Project.objects.get(name=ACCEPTED),
        data=_intake_data(name="晶圆来料电阻率抽检规范", right_holder="厦门海芯集成电路制造有限公司",
                          share_level=ShareLevel.PUBLIC))
    attachments.attachment_add(user=icowner, owner=achievement, uploaded=_pdf_upload(), category="证明文件")
    services.achievement_submit(user=icowner, achievement=achievement, declaration=True)
    with pytest.raises(PermissionDenied):
        services.achievement_review(user=icowner, achievement=achievement, approve=True, opinion="自审")
    services.achievement_review(user=persona("mgmt"), achievement=achievement, approve=True, opinion="同意")
    achievement.refresh_from_db()
    assert achievement.status == AchievementStatus.LISTED


def _g1_cells(client, achievement) -> dict:
    """Table G.1 as Word: each caption's value cell."""
    doc = Document(io.BytesIO(client.get(reverse("achievements:achievement_export", args=[achievement.pk])).content))
    return {row.cells[1].text: row.cells[2].text for row in doc.tables[0].rows if len(row.cells) > 2}


@pytest.mark.req("PLT-07")
@pytest.mark.req("ACH-04")
def test_the_g1_review_block_is_signed_by_the_unit_and_person_who_recorded_the_review(persona, client_as):
    """CG-2026-0003, the lead unit's own result, was reviewed by the management institution's
    周主任: its review block names that unit and person, not the contributor / lead unit."""
    targeted = _a(ShareLevel.TARGETED)
    reviewer = persona("mgmt")
    assert targeted.reviewed_by == reviewer and targeted.contributor == targeted.consortium.lead_unit
    block = _g1_cells(client_as("icowner"), targeted)["管理机构审核意见"]
    assert targeted.review_opinion in block
    assert f"审核单位（盖章）：{reviewer.organization.name}" in block and f"审核人：{reviewer.full_name}" in block
    assert targeted.contributor.name not in block
    assert f"{timezone.localtime(targeted.reviewed_at):%Y 年 %m 月 %d 日}" in block
    # Reviewed by the lead unit: its unit and reviewer; not reviewed yet: lines to fill in.
    listed = _listed(persona)
    block = _g1_cells(client_as("icmember"), listed)["管理机构审核意见"]
    assert "审核单位（盖章）：厦门海芯集成电路制造有限公司" in block and f"审核人：{persona('icowner').full_name}" in block
    draft = _enter(persona("icmember"), name="未审核的成果")
    block = _g1_cells(client_as("icmember"), draft)["管理机构审核意见"]
    assert "审核单位（盖章）：\n审核人：" in block and "厦门" not in block


# --------------------------------------------------------------------------- share levels (ACH-02)


def _listed_codes(client):
    response = client.get(reverse("achievements:achievement_list"), {"per_page": 200})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.req("ACH-02")
@pytest.mark.req("SEC-08")
def test_share_levels_decide_who_sees_an_achievement_in_list_detail_and_api(client_as, api_as):
    for username, visible in SEES.items():
        page = _listed_codes(client_as(username))
        api = api_as(username).get("/api/v1/achievements/", {"page_size": 200})
        assert api.status_code == 200
        body = api.json()
        api_codes = {row["code"] for row in body.get("results", body)}
        for level in ShareLevel.values:
            achievement = _a(level)
            shown = level in visible
            assert (achievement.code in page) == shown, (username, level, "list")
            assert (achievement.code in api_codes) == shown, (username, level, "api list")
            detail = client_as(username).get(achievement.get_absolute_url())
            assert detail.status_code == (200 if shown else 404), (username, level, "detail")
            api_detail = api_as(username).get(f"/api/v1/achievements/{achievement.pk}/")
            assert api_detail.status_code == (200 if shown else 404), (username, level, "api detail")


@pytest.mark.req("ACH-02")
def test_a_hidden_achievement_answers_exactly_like_a_missing_one(client_as, api_as):
    hidden = _a(ShareLevel.CONSORTIUM)
    missing = Achievement.objects.order_by("-pk").first().pk + 1000
    for name in ("achievement_detail", "achievement_export", "license_request", "achievement_delist"):
        a = client_as("member").get(reverse(f"achievements:{name}", args=[hidden.pk]))
        b = client_as("member").get(reverse(f"achievements:{name}", args=[missing]))
        assert a.status_code == b.status_code == 404, name
    a = api_as("member").get(f"/api/v1/achievements/{hidden.pk}/")
    b = api_as("member").get(f"/api/v1/achievements/{missing}/")
    assert a.status_code == b.status_code == 404 and a.json() == b.json()
    a = api_as("member").get(f"/api/v1/achievements/{hidden.pk}/usage/")
    assert a.status_code == 404


@pytest.mark.req("ACH-02")
def test_share_levels_are_enforced_in_search_and_excel_export(client_as, api_as):
    for username, visible in SEES.items():
        client = client_as(username)
        search = client.get(reverse("core:search"), {"q": "单晶", "type": "achievements.achievement"}).content.decode()
        search_all = client.get(reverse("core:search"), {"q": "硅单晶"}).content.decode()
        api = api_as(username).get("/api/v1/achievements/", {"q": "单晶"}).json()
        api_names = {row["name"] for row in api.get("results", api)}
        response = client.get(reverse("achievements:achievement_list"), {"export": "xlsx"})
        assert response.status_code == 200
        content = b"".join(response.streaming_content) if response.streaming else response.content
        ws = openpyxl.load_workbook(io.BytesIO(content)).active
        exported = {str(c.value) for row in ws.iter_rows() for c in row if c.value}
        for level in (ShareLevel.CONSORTIUM, ShareLevel.PAID):  # both match 单晶
            name = LEVELS[level]
            shown = level in visible
            assert (name in search) == shown, (username, level, "search")
            assert (name in api_names) == shown, (username, level, "api search")
            assert (_a(level).code in exported) == shown, (username, level, "export")
        assert (LEVELS[ShareLevel.TARGETED] in search_all) == (ShareLevel.TARGETED in visible), (username, "search")


@pytest.mark.req("ACH-02")
@pytest.mark.req("SEC-08")
def test_proof_documents_follow_the_share_level(client_as):
    for level in ShareLevel.values:
        attachment = Attachment.objects.filter(content_type__model="achievement", object_id=_a(level).pk).first()
        assert attachment is not None
        url = reverse("core:attachment_download", args=[attachment.pk])
        for username, visible in SEES.items():
            response = client_as(username).get(url)
            if level in visible:
                assert response.status_code == 200, (username, level)
                assert b"".join(response.streaming_content).startswith(b"%PDF")
            else:
                assert response.status_code == 404, (username, level)
    missing = Attachment.objects.order_by("-pk").first().pk + 1000
    assert client_as("member").get(reverse("core:attachment_download", args=[missing])).status_code == 404


@pytest.mark.req("ACH-02")
def test_consortium_share_follows_membership_and_targeted_share_the_named_units(persona, client_as):
    from zhilian.consortia import services as consortium_services

    consortium_level = _a(ShareLevel.CONSORTIUM)
    # 深圳南岭 is a member: a new member of the consortium gains the consortium share, and loses it on leaving.
    icowner = persona("icowner")
    consortium = consortium_level.consortium
    user = persona("member")
    assert not Achievement.objects.restrict(user).filter(pk=consortium_level.pk).exists()
    joined = consortium_services.member_join(user=icowner, consortium=consortium, data={
        "name": user.organization.name, "uscc": user.organization.uscc, "contact_name": "黄工",
        "contact_phone": "13906071111", "joined_on": timezone.localdate()})
    assert client_as("member").get(consortium_level.get_absolute_url()).status_code == 200
    consortium_services.member_leave(user=icowner, member=joined, left_on=timezone.localdate(), reason="退出")
    assert client_as("member").get(consortium_level.get_absolute_url()).status_code == 404
    # A targeted share goes to exactly the named organizations.
    icmember = persona("icmember")
    named = services.achievement_save(
        user=icmember, achievement=None, project=Project.objects.get(name=ACCEPTED),
        data=_intake_data(name="定向共享工艺窗口数据", share_level=ShareLevel.TARGETED),
        targeted_units=[{"name": user.organization.name, "uscc": user.organization.uscc}])
    attachments.attachment_add(user=icmember, owner=named, uploaded=_pdf_upload(), category="证明文件")
    services.achievement_submit(user=icmember, achievement=named, declaration=True)
    services.achievement_review(user=icowner, achievement=named, approve=True, opinion="同意")
    assert client_as("member").get(named.get_absolute_url()).status_code == 200
    assert client_as("owner").get(named.get_absolute_url()).status_code == 404
    assert client_as("icresearch").get(named.get_absolute_url()).status_code == 404  # member but not named


def _offered(response):
    return set(response.context["form"].fields["targeted_organizations"].queryset.values_list("name", flat=True))


@pytest.mark.req("ACH-02")
def test_the_targeted_share_offers_the_units_the_contributor_works_with_and_any_unit_named_by_name_and_code(
        persona, client_as, api_as):
    """An enterprise's directory record is confidential: the picker offers the public units, the
    consortium's, the licence parties', the chain's and earlier targets, never an unrelated
    enterprise; that one is targeted by its exact registered name and code."""
    from zhilian.directory.models import Organization

    icowner = persona("icowner")
    project = Project.objects.get(name=ACCEPTED)
    outsider = persona("member").organization  # 厦门翔光玻璃基板: another chain, consortium and no licence
    add_url = reverse("achievements:achievement_add") + f"?project={project.pk}"
    offered = _offered(client_as("icowner").get(add_url))
    assert {"福建闽硅单晶材料有限公司", "福建半导体材料工程研究中心", "厦门海西计量测试研究院",  # its consortium
            "深圳南岭显示驱动有限公司",  # its consortium and its chain
            "厦门鹭岛显示科技有限公司", "厦门芯程驱动芯片有限公司",  # targeted by its CG-2026-0003
            "厦门鹭检检测技术有限公司"} <= offered  # a public institution
    assert outsider.name not in offered and "厦门海芯集成电路制造有限公司" not in offered
    assert not Organization.objects.filter(name__in=offered, kind="government").exists()
    assert outsider.name not in client_as("icowner").get(add_url).content.decode()
    # A licensee is offered to its licensor: 闽硅's licence requests come from 海芯 and the research centre.
    assert {"厦门海芯集成电路制造有限公司", "福建半导体材料工程研究中心"} <= _offered(client_as("icmember").get(add_url))

    form = {**_intake_data(name="晶圆良率看板模板", share_level=ShareLevel.TARGETED, right_holder="厦门海芯集成电路制造有限公司"),
            "problems": [p.pk for p in project.problems.all()]}
    count = Achievement.objects.count()
    # Not offered, so not taken by id; a wrong name or code is an error at the field; nothing saved.
    response = client_as("icowner").post(add_url, {**form, "targeted_organizations": [outsider.pk]})
    assert response.status_code == 200 and "targeted_organizations" in response.context["form"].errors
    response = client_as("icowner").post(add_url, {**form, "targeted_units": f"厦门翔光玻璃有限公司 {outsider.uscc}"})
    assert response.status_code == 200
    assert "厦门翔光玻璃有限公司" in response.context["form"].errors["targeted_units"][0]
    response = client_as("icowner").post(add_url, {**form, "targeted_units": outsider.name})
    assert "targeted_units" in response.context["form"].errors
    with pytest.raises(ValidationError) as exc:
        services.achievement_save(user=icowner, achievement=None, project=project, data=_intake_data(
            share_level=ShareLevel.TARGETED), targeted_organizations=[outsider])
    assert "targeted_organizations" in exc.value.message_dict
    body = {**_intake_data(name="良率看板接口版", share_level=ShareLevel.TARGETED), "project": project.pk}
    response = api_as("icowner").post("/api/v1/achievements/", {**body, "targeted_organizations": [outsider.pk]},
                                      format="json")
    assert response.status_code == 400 and "targeted_organizations" in response.json()
    response = api_as("icowner").post("/api/v1/achievements/", {**body, "targeted_units": [
        {"name": outsider.name, "uscc": "9135020029N7RG87N9"}]}, format="json")  # a wrong check character
    assert response.status_code == 400 and "targeted_units" in response.json()
    assert Achievement.objects.count() == count
    # Named by its exact registered name and code, it is targeted, and the edit page keeps and shows it.
    response = client_as("icowner").post(add_url, {**form, "targeted_units": f"{outsider.name}  {outsider.uscc}\n"})
    assert response.status_code == 302, response.context["form"].errors
    saved = Achievement.objects.get(name="晶圆良率看板模板")
    assert list(saved.targeted_organizations.all()) == [outsider]
    edit = client_as("icowner").get(reverse("achievements:achievement_edit", args=[saved.pk]))
    assert outsider.name in _offered(edit)
    assert f'<option value="{outsider.pk}" selected>' in edit.content.decode()
    # The API takes the same unit by name and code.
    response = api_as("icowner").post("/api/v1/achievements/", {**body, "targeted_units": [
        {"name": outsider.name, "uscc": outsider.uscc}]}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["targeted_organizations"] == [outsider.pk]


@pytest.mark.req("ACH-02")
def test_editing_a_targeted_share_keeps_and_shows_its_current_targets(persona, client_as):
    """CG-2026-0003 targets 鹭岛显示 and 芯程驱动, whose records its contributor does not see."""
    targeted = _a(ShareLevel.TARGETED)
    Achievement.objects.filter(pk=targeted.pk).update(status=AchievementStatus.DRAFT)  # returned for revision
    targets = set(targeted.targeted_organizations.values_list("pk", flat=True))
    assert len(targets) == 2
    url = reverse("achievements:achievement_edit", args=[targeted.pk])
    page = client_as("icowner").get(url)
    html = page.content.decode()
    for pk in targets:
        assert f'<option value="{pk}" selected>' in html
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["problems"] = [p.pk for p in targeted.project.problems.all()]
    data["targeted_organizations"] = list(targets)
    response = client_as("icowner").post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert set(targeted.targeted_organizations.values_list("pk", flat=True)) == targets


@pytest.mark.req("ACH-01")
@pytest.mark.req("ACH-02")
def test_the_problems_an_achievement_solves_are_listed_once_linked_where_the_viewer_may_see_them(persona, client_as):
    """CG-2026-0004's 解决的质量问题 names IC-001, which is also its linked problem: shown once,
    as a link for a viewer who may see the problem and as text for one who may not."""
    import re

    paid = _a(ShareLevel.PAID)
    problem = paid.problems.get()
    assert paid.problem_solved == str(problem)
    for username in ("icowner", "member"):
        html = client_as(username).get(paid.get_absolute_url()).content.decode()
        cell = re.search(r'<dd class="col-sm-9" id="problems-solved">(.*?)</dd>', html, re.S).group(1)
        assert cell.count(problem.code) == 1, (username, cell)
        visible = Problem.objects.restrict(persona(username)).filter(pk=problem.pk).exists()
        assert (f'href="{problem.get_absolute_url()}"' in cell) == visible
    assert not Problem.objects.restrict(persona("member")).filter(pk=problem.pk).exists()
    assert Problem.objects.restrict(persona("icowner")).filter(pk=problem.pk).exists()
    # Text beyond the linked problems stays, once.
    Achievement.objects.filter(pk=paid.pk).update(problem_solved=f"{problem}；兼顾氧含量控制")
    cell = re.search(r'id="problems-solved">(.*?)</dd>', client_as("icowner").get(paid.get_absolute_url())
                     .content.decode(), re.S).group(1)
    assert cell.count(problem.code) == 1 and cell.count("兼顾氧含量控制") == 1


# --------------------------------------------------------------------------- licences (ACH-03)


def _licence(user, achievement, **overrides):
    data = {"mode": LicenseMode.ORDINARY, "territories": ["广东省"], "field_of_use": "显示驱动",
            "start_date": D(2027, 1, 1), "end_date": D(2028, 12, 31), "fee_amount": Decimal("10.00"),
            "fee_terms": "一次性支付", "purpose": "驱动芯片配套硅片来料改进", "obligations": "保密",
            "breach": "赔偿", "dispute_resolution": "仲裁"}
    data.update(overrides)
    return services.license_request(user=user, achievement=achievement, data=data)


@pytest.mark.req("ACH-03")
def test_a_licence_is_requested_approved_by_the_contributor_and_signed(persona, client_as, api_as):
    paid = _a(ShareLevel.PAID)
    response = api_as("owner").post("/api/v1/licenses/", {
        "achievement": paid.pk, "mode": "exclusive", "territories": ["广东省"], "field_of_use": "显示驱动",
        "start_date": "2027-01-01", "end_date": "2028-12-31", "fee_amount": "10.00", "fee_terms": "一次性支付",
        "purpose": "驱动芯片配套"}, format="json")
    assert response.status_code == 201, response.content
    licence = License.objects.get(pk=response.json()["id"])
    assert (licence.licensor.name, licence.licensee.name, licence.mode, licence.territories, licence.status) == (
        "福建闽硅单晶材料有限公司", "厦门鹭岛显示科技有限公司", LicenseMode.EXCLUSIVE, ["广东省"], LicenseStatus.REQUESTED)
    # Only the contributor (party A) decides; the lead unit and the requester may not.
    for username in ("icowner", "owner"):
        with pytest.raises(PermissionDenied):
            services.license_decide(user=persona(username), licence=licence, approve=True, note="同意")
    response = client_as("icmember").post(reverse("achievements:license_decide", args=[licence.pk]), {
        "decision": "approve", "note": "同意排他许可。", "fee_amount": "12.00", "fee_terms": "分两期支付"})
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.status == LicenseStatus.APPROVED and licence.fee_amount == Decimal("12.00")
    assert licence.decided_by == persona("icmember") and licence.decision_note == "同意排他许可。"
    with pytest.raises(ValidationError):
        services.license_sign(user=persona("owner"), licence=licence, signed_on=timezone.localdate(), signatory="")
    # Each party signs for itself: party B first, the agreement waits for party A.
    services.license_sign(user=persona("owner"), licence=licence, signed_on=timezone.localdate(), signatory="赵德明")
    licence.refresh_from_db()
    assert licence.status == LicenseStatus.APPROVED and licence.licensee_signatory == "赵德明"
    assert licence.licensor_signatory == "" and licence.signed_on is None
    with pytest.raises(ValidationError):  # party B does not sign twice, nor for party A
        services.license_sign(user=persona("owner"), licence=licence, signed_on=timezone.localdate(), signatory="林志远")
    page = client_as("icmember").get(licence.get_absolute_url()).content.decode()
    assert 'id="sign-license"' in page
    assert client_as("icmember").post(reverse("achievements:license_sign", args=[licence.pk]), {
        "signed_on": timezone.localdate().isoformat(), "signatory": "林志远"}).status_code == 302
    licence.refresh_from_db()
    assert licence.status == LicenseStatus.SIGNED and licence.signed_on == timezone.localdate()
    assert (licence.licensor_signatory, licence.licensee_signatory) == ("林志远", "赵德明")
    # The agreement as the Appendix H form.
    doc = Document(io.BytesIO(client_as("owner").get(reverse("achievements:license_export",
                                                             args=[licence.pk])).content))
    text = "\n".join(c.text for row in doc.tables[0].rows for c in row.cells)
    for expected in ("甲方（许可方/贡献方）：福建闽硅单晶材料有限公司", "乙方（被许可方/使用方）：厦门鹭岛显示科技有限公司",
                     "☑排他实施许可", "□独占实施许可", "地域范围：广东省", "使用领域：显示驱动",
                     "自 2027 年 01 月 01 日 至 2028 年 12 月 31 日", "许可费：12.00 万元", "赵德明"):
        assert expected in text, expected
    # The parties and the lead unit see it; an outsider does not.
    assert client_as("member").get(licence.get_absolute_url()).status_code == 404
    assert client_as("icowner").get(licence.get_absolute_url()).status_code == 200


@pytest.mark.req("ACH-03")
def test_each_party_signs_for_itself_not_before_the_approval(persona, api_as):
    paid = _a(ShareLevel.PAID)
    licence = _licence(persona("owner"), paid)
    with clock.recorded_on(D(2026, 11, 20)):
        services.license_decide(user=persona("icmember"), licence=licence, approve=True, note="同意。")
    with pytest.raises(ValidationError) as exc:  # before the contributor approved
        services.license_sign(user=persona("icmember"), licence=licence, signed_on=D(2026, 11, 19), signatory="林志远")
    assert "signed_on" in exc.value.message_dict
    with pytest.raises(PermissionDenied):  # the consortium's lead unit is no party
        services.license_sign(user=persona("icowner"), licence=licence, signed_on=timezone.localdate(), signatory="郑")
    response = api_as("icmember").post(f"/api/v1/licenses/{licence.pk}/sign/", {
        "signed_on": "2026-11-20", "signatory": "林志远"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved" and response.json()["licensor_signed_on"] == "2026-11-20"
    response = api_as("owner").post(f"/api/v1/licenses/{licence.pk}/sign/", {
        "signed_on": "2026-11-23", "signatory": "赵德明"}, format="json")
    assert response.json()["status"] == "signed" and response.json()["signed_on"] == "2026-11-23"


@pytest.mark.req("ACH-03")
def test_an_exclusive_or_sole_licence_blocks_an_overlapping_one_and_nothing_is_saved(persona):
    paid = _a(ShareLevel.PAID)
    icmember = persona("icmember")
    exclusive = _licence(persona("owner"), paid, mode=LicenseMode.EXCLUSIVE)
    services.license_decide(user=icmember, licence=exclusive, approve=True, note="同意")
    count = License.objects.count()
    # Overlapping territory, field and term: refused whatever the mode.
    for mode in LicenseMode.values:
        with pytest.raises(ValidationError) as exc:
            _licence(persona("member"), paid, mode=mode, start_date=D(2028, 6, 1), end_date=D(2030, 5, 31))
        assert "mode" in exc.value.message_dict and "2027-01-01—2028-12-31" in str(exc.value)
    with pytest.raises(ValidationError):  # 全国 covers 广东省; an empty field covers every field
        _licence(persona("member"), paid, territories=["全国"], field_of_use="")
    assert License.objects.count() == count
    # Outside its scope it does not block: another field, another province, after its term.
    _licence(persona("member"), paid, field_of_use="光伏")
    _licence(persona("member"), paid, territories=["浙江省"])
    _licence(persona("member"), paid, start_date=D(2029, 1, 1), end_date=D(2029, 12, 31))
    assert License.objects.count() == count + 3
    # A sole licence is blocked by the signed ordinary one of the demo (福建省, 科研/中试) …
    with pytest.raises(ValidationError):
        _licence(persona("member"), paid, mode=LicenseMode.SOLE, territories=["福建省"], field_of_use="中试",
                 start_date=D(2027, 1, 1), end_date=D(2027, 12, 31))
    # … and two open exclusive requests cannot both be approved.
    first = _licence(persona("member"), paid, mode=LicenseMode.SOLE, territories=["浙江省", "江苏省"],
                     field_of_use="科研")
    second = _licence(persona("assoc"), paid, mode=LicenseMode.EXCLUSIVE, territories=["江苏省"],
                      field_of_use="科研")
    services.license_decide(user=icmember, licence=first, approve=True, note="同意")
    with pytest.raises(ValidationError):
        services.license_decide(user=icmember, licence=second, approve=True, note="同意")
    second.refresh_from_db()
    assert second.status == LicenseStatus.REQUESTED and second.decided_at is None


@pytest.mark.req("ACH-03")
@pytest.mark.req("PLT-02")
def test_a_refused_request_names_a_colliding_licence_only_to_who_may_open_it(persona, client_as, api_as):
    """A unit whose request collides learns the scope it must avoid, not the number and licensee of
    another unit's licence it may not open (found by a QA walk: 海西计量 read the research centre's
    XK number and name from the refusal, while its licence list showed nothing)."""
    paid = _a(ShareLevel.PAID)
    signed = License.objects.get(achievement=paid, licensee__name="福建半导体材料工程研究中心")
    scope = dict(mode=LicenseMode.SOLE, territories=["福建省"], field_of_use="中试",
                 start_date=D(2027, 1, 1), end_date=D(2027, 12, 31))
    assert not License.objects.restrict(persona("icmetrology"), "view").filter(pk=signed.pk).exists()
    count = License.objects.count()
    with pytest.raises(ValidationError) as exc:
        _licence(persona("icmetrology"), paid, **scope)
    refusal = " ".join(exc.value.message_dict["mode"])
    assert signed.code not in refusal and "福建半导体材料工程研究中心" not in refusal
    assert "福建省" in refusal and f"{signed.start_date}—{signed.end_date}" in refusal
    response = api_as("icmetrology").post("/api/v1/licenses/", {
        "achievement": paid.pk, "mode": "sole", "territories": ["福建省"], "field_of_use": "中试",
        "start_date": "2027-01-01", "end_date": "2027-12-31", "fee_amount": "10.00"}, format="json")
    assert response.status_code == 400 and "mode" in response.json()
    assert signed.code not in response.content.decode() and "福建半导体材料工程研究中心" not in response.content.decode()
    assert License.objects.count() == count
    # The licensee itself may open its licence, so its refusal names it.
    with pytest.raises(ValidationError) as exc:
        _licence(persona("icresearch"), paid, **scope)
    assert signed.code in str(exc.value)
    # A request that collides with a licence approved later: the requester's page tells the scope
    # only, the contributor deciding on it sees which licence it is.
    request = _licence(persona("owner"), paid, mode=LicenseMode.EXCLUSIVE, territories=["广东省"])
    rival = _licence(persona("member"), paid, mode=LicenseMode.EXCLUSIVE, territories=["广东省"])
    services.license_decide(user=persona("icmember"), licence=rival, approve=True, note="同意")
    page = client_as("owner").get(reverse("achievements:license_detail", args=[request.pk])).content.decode()
    assert 'id="license-conflicts"' in page and rival.code not in page and "厦门翔光玻璃基板有限公司" not in page
    page = client_as("icmember").get(reverse("achievements:license_detail", args=[request.pk])).content.decode()
    assert 'id="license-conflicts"' in page and rival.code in page
    with pytest.raises(ValidationError) as exc:
        services.license_decide(user=persona("icmember"), licence=request, approve=True, note="同意")
    assert rival.code in str(exc.value)


@pytest.mark.req("ACH-03")
def test_licence_requests_are_checked(persona, api_as):
    paid = _a(ShareLevel.PAID)
    count = License.objects.count()
    with pytest.raises(ValidationError) as exc:  # a paid share is licensed against a fee
        _licence(persona("owner"), paid, fee_amount=Decimal("0"))
    assert "fee_amount" in exc.value.message_dict
    with pytest.raises(ValidationError):
        _licence(persona("owner"), paid, start_date=D(2028, 1, 1), end_date=D(2027, 1, 1))
    with pytest.raises(ValidationError):
        _licence(persona("owner"), paid, territories=["火星"])
    with pytest.raises(ValidationError):  # the contributor does not license to itself
        _licence(persona("icmember"), paid)
    with pytest.raises(PermissionDenied):  # an achievement the unit may not see
        _licence(persona("member"), _a(ShareLevel.CONSORTIUM), fee_amount=Decimal("0"))
    hidden = api_as("member").post("/api/v1/licenses/", {
        "achievement": _a(ShareLevel.CONSORTIUM).pk, "mode": "ordinary", "territories": ["广东省"],
        "start_date": "2027-01-01", "end_date": "2027-12-31"}, format="json")
    missing = api_as("member").post("/api/v1/licenses/", {
        "achievement": Achievement.objects.order_by("-pk").first().pk + 1000, "mode": "ordinary",
        "territories": ["广东省"], "start_date": "2027-01-01", "end_date": "2027-12-31"}, format="json")
    assert hidden.status_code == missing.status_code == 400 and "achievement" in hidden.json()
    assert License.objects.count() == count


@pytest.mark.req("PLT-12")
@pytest.mark.req("ACH-03")
def test_a_licence_ending_before_it_starts_is_an_error_at_the_end_date_and_nothing_is_saved(persona, client_as,
                                                                                              api_as):
    """The form, the service and the API say it at the end date; the database constraint's name never shows."""
    paid = _a(ShareLevel.PAID)
    count = License.objects.count()
    response = client_as("member").post(reverse("achievements:license_request", args=[paid.pk]), {
        "mode": LicenseMode.ORDINARY, "territories": ["广东省"], "start_date": "2027-06-01",
        "end_date": "2027-01-01", "fee_amount": "5", "fee_terms": "一次性支付"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["end_date"] == ["许可期限止应晚于许可期限起。"]
    assert not form.non_field_errors()
    assert "license_end_after_start" not in response.content.decode()
    with pytest.raises(ValidationError) as exc:
        _licence(persona("member"), paid, start_date=D(2027, 6, 1), end_date=D(2027, 1, 1))
    assert list(exc.value.message_dict) == ["end_date"]
    response = api_as("member").post("/api/v1/licenses/", {
        "achievement": paid.pk, "mode": "ordinary", "territories": ["广东省"], "start_date": "2027-06-01",
        "end_date": "2027-01-01", "fee_amount": "5.00"}, format="json")
    assert response.status_code == 400 and response.json()["end_date"] == ["许可期限止应晚于许可期限起。"]
    # The model says it too, before the constraint (kept as the guard in the database).
    licence = License(achievement=paid, licensor=paid.contributor, licensee=persona("member").organization,
                      mode=LicenseMode.ORDINARY, territories=["广东省"], start_date=D(2027, 6, 1),
                      end_date=D(2027, 1, 1))
    with pytest.raises(ValidationError) as exc:
        licence.full_clean(exclude=["code"])
    assert list(exc.value.message_dict) == ["end_date"]
    assert License.objects.count() == count


def _h_rows(client, licence) -> list[str]:
    doc = Document(io.BytesIO(client.get(reverse("achievements:license_export", args=[licence.pk])).content))
    return [row.cells[-1].text for row in doc.tables[0].rows]


@pytest.mark.req("PLT-07")
@pytest.mark.req("ACH-03")
def test_appendix_h_prints_empty_clauses_as_empty_never_the_templates_guidance(persona, client_as):
    """Clauses 5-7 left empty: lines to fill in while the agreement is open, （未约定） once signed;
    never the template's guidance nor a court clause nobody entered."""
    paid = _a(ShareLevel.PAID)
    icmember, owner = persona("icmember"), persona("owner")
    licence = _licence(owner, paid, obligations="", breach=" ", dispute_resolution="")
    guidance = ("甲方的技术资料交付", "约定违约情形及处理方式", "人民法院", "诉讼解决")

    def clauses():
        rows = _h_rows(client_as("owner"), licence)
        found = {caption: next(r for r in rows if r.startswith(caption)) for caption in ("双方权利与义务", "违约责任", "争议解决")}
        assert not any(g in "\n".join(rows) for g in guidance)
        return found

    for caption, text in clauses().items():
        assert text.split("\n")[1:] == ["＿" * 30, "＿" * 30], caption
    services.license_decide(user=icmember, licence=licence, approve=True, note="同意。")
    services.license_sign(user=icmember, licence=licence, signed_on=timezone.localdate(), signatory="林志远")
    services.license_sign(user=owner, licence=licence, signed_on=timezone.localdate(), signatory="赵德明")
    licence.refresh_from_db()
    for caption, text in clauses().items():
        assert text == f"{caption}\n（未约定）", caption
    # Written clauses print as written.
    written = _licence(persona("member"), paid, territories=["浙江省"])
    rows = _h_rows(client_as("member"), written)
    assert "违约责任\n赔偿" in rows and "争议解决\n仲裁" in rows and "双方权利与义务\n保密" in rows


# --------------------------------------------------------------------------- status maintenance (ACH-04)


@pytest.mark.req("ACH-04")
def test_right_status_maintenance_and_takedown(persona, client_as, api_as):
    paid = _a(ShareLevel.PAID)
    assert paid.right_status == RightStatus.EXAMINATION
    with pytest.raises(PermissionDenied):  # an outsider unit that sees it does not maintain it
        services.achievement_maintain_right(user=persona("member"), achievement=paid, right_status=RightStatus.LAPSED,
                                            effective_on=timezone.localdate(), note="x")
    with pytest.raises(ValidationError):
        services.achievement_maintain_right(user=persona("icmember"), achievement=paid,
                                            right_status=RightStatus.EXAMINATION, effective_on=timezone.localdate(),
                                            note="未变")
    response = client_as("icmember").post(reverse("achievements:achievement_right_status", args=[paid.pk]), {
        "right_status": RightStatus.INVALIDATED, "effective_on": timezone.localdate().isoformat(),
        "note": "申请被驳回，视为无效"})
    assert response.status_code == 302
    paid.refresh_from_db()
    assert paid.right_status == RightStatus.INVALIDATED
    change = RightStatusChange.objects.get(achievement=paid)
    assert (change.before, change.after, change.recorded_by) == (RightStatus.EXAMINATION, RightStatus.INVALIDATED,
                                                                 persona("icmember"))
    assert "申请被驳回，视为无效" in client_as("member").get(paid.get_absolute_url()).content.decode()

    # Taken down by the lead unit: it leaves the library for other units, the contributor keeps it.
    with pytest.raises(ValidationError):
        services.achievement_delist(user=persona("icowner"), achievement=paid, reason=" ")
    response = api_as("icowner").post(f"/api/v1/achievements/{paid.pk}/take-down/",
                                      {"reason": "专利申请被驳回，不再适用"}, format="json")
    assert response.status_code == 200, response.content
    paid.refresh_from_db()
    assert paid.status == AchievementStatus.DELISTED and paid.delisted_on == timezone.localdate()
    assert paid.delist_reason == "专利申请被驳回，不再适用"
    assert client_as("member").get(paid.get_absolute_url()).status_code == 404
    assert paid.code not in _listed_codes(client_as("member"))
    assert client_as("icmember").get(paid.get_absolute_url()).status_code == 200
    # The research centre keeps seeing what it holds a signed licence for.
    assert client_as("icresearch").get(paid.get_absolute_url()).status_code == 200
    with pytest.raises(ValidationError):  # no new licence on a taken-down achievement
        _licence(persona("icresearch"), paid)
    with pytest.raises(PermissionDenied):  # the contributor does not put it back itself
        services.achievement_relist(user=persona("icmember"), achievement=paid, note="恢复")
    services.achievement_relist(user=persona("icowner"), achievement=paid, note="复审通过")
    paid.refresh_from_db()
    assert paid.status == AchievementStatus.LISTED
    assert client_as("member").get(paid.get_absolute_url()).status_code == 200


@pytest.mark.req("ACH-03")
@pytest.mark.req("ACH-04")
def test_nothing_is_licensed_once_the_right_has_lapsed_and_existing_agreements_are_warned(persona, client_as, api_as):
    """A lapsed patent offered as a paid share: no licence is requested or approved on it any more
    (page, service, API); open requests are refused; the signed agreements say the right has ended
    and the contributor and the licensees are told."""
    from zhilian.core.models import Notification

    paid = _a(ShareLevel.PAID)
    icmember, owner = persona("icmember"), persona("owner")
    exclusive = _licence(owner, paid, mode=LicenseMode.EXCLUSIVE)
    services.license_decide(user=icmember, licence=exclusive, approve=True, note="同意。")
    services.license_sign(user=icmember, licence=exclusive, signed_on=timezone.localdate(), signatory="林志远")
    services.license_sign(user=owner, licence=exclusive, signed_on=timezone.localdate(), signatory="赵德明")
    pending = License.objects.get(achievement=paid, status=LicenseStatus.REQUESTED)  # the demo's open request
    # The lead unit records that the patent lapsed.
    services.achievement_maintain_right(user=persona("icowner"), achievement=paid, right_status=RightStatus.LAPSED,
                                        effective_on=timezone.localdate(), note="未缴年费，专利权终止")
    paid.refresh_from_db()
    page = client_as("member").get(paid.get_absolute_url()).content.decode()
    assert 'id="request-license"' not in page and 'id="right-ended-note"' in page and "已失效" in page
    response = client_as("member").get(reverse("achievements:license_request", args=[paid.pk]), follow=True)
    assert "不再受理许可申请" in response.content.decode()
    count = License.objects.count()
    with pytest.raises(ValidationError) as exc:
        _licence(persona("member"), paid, territories=["浙江省"])
    assert "已失效" in str(exc.value.message_dict["__all__"])
    response = api_as("member").post("/api/v1/licenses/", {
        "achievement": paid.pk, "mode": "ordinary", "territories": ["浙江省"], "start_date": "2027-01-01",
        "end_date": "2027-12-31", "fee_amount": "5.00"}, format="json")
    assert response.status_code == 400 and "已失效" in str(response.json())
    assert License.objects.count() == count
    # The open request is refused with the reason; an approval of one is refused too.
    pending.refresh_from_db()
    assert pending.status == LicenseStatus.REJECTED and "已失效" in pending.decision_note
    License.objects.filter(pk=pending.pk).update(status=LicenseStatus.REQUESTED)
    with pytest.raises(ValidationError):
        services.license_decide(user=icmember, licence=pending, approve=True, note="同意。")
    # The signed exclusive agreement warns both parties; the contributor and the licensee were told.
    for username in ("owner", "icmember"):
        page = client_as(username).get(exclusive.get_absolute_url()).content.decode()
        assert 'id="license-right-ended"' in page and "未缴年费，专利权终止" in page
    told = Notification.objects.filter(key__contains="right-ended")
    assert told.filter(recipient=icmember, body__contains=exclusive.code).exists()
    assert told.filter(recipient=owner, key__contains=f"license:{exclusive.pk}:").exists()
    assert Notification.objects.filter(recipient__organization=pending.licensee, key=f"license:{pending.pk}:decided",
                                       level="warning").exists()
    # Put right again (e.g. the patent restored): licences are requested again.
    services.achievement_maintain_right(user=icmember, achievement=paid, right_status=RightStatus.GRANTED,
                                        effective_on=timezone.localdate(), note="恢复专利权")
    paid.refresh_from_db()
    assert 'id="request-license"' in client_as("member").get(paid.get_absolute_url()).content.decode()


@pytest.mark.req("ACH-03")
@pytest.mark.req("ACH-04")
def test_nothing_is_licensed_from_a_taken_down_achievement(persona, client_as):
    paid = _a(ShareLevel.PAID)
    icmember, icowner = persona("icmember"), persona("icowner")
    pending = _licence(persona("owner"), paid, mode=LicenseMode.SOLE)
    approved = _licence(persona("member"), paid, territories=["浙江省"])
    services.license_decide(user=icmember, licence=approved, approve=True, note="同意。")
    services.achievement_delist(user=icmember, achievement=paid, reason="专利失效，不再适用")
    # (recorded after the takedown: a lapse closes open requests itself, see the test above)
    services.achievement_maintain_right(user=icmember, achievement=paid, right_status=RightStatus.LAPSED,
                                        effective_on=timezone.localdate(), note="未缴年费，专利权终止")
    # the open request is closed with the reason; the requester is told
    pending.refresh_from_db()
    assert pending.status == LicenseStatus.REJECTED and "专利失效" in pending.decision_note
    with pytest.raises(ValidationError):
        services.license_decide(user=icmember, licence=pending, approve=True, note="同意独占许可。")
    # an approved agreement is not signed while the achievement is down
    with pytest.raises(ValidationError) as exc:
        services.license_sign(user=icmember, licence=approved, signed_on=timezone.localdate(), signatory="林志远")
    assert "__all__" in exc.value.message_dict
    approved.refresh_from_db()
    assert approved.status == LicenseStatus.APPROVED
    page = client_as("icmember").get(approved.get_absolute_url()).content.decode()
    assert 'id="license-unlisted"' in page and 'id="sign-license"' not in page
    sign = client_as("icmember").post(reverse("achievements:license_sign", args=[approved.pk]), {
        "signed_on": timezone.localdate().isoformat(), "signatory": "林志远"})
    approved.refresh_from_db()
    assert approved.status == LicenseStatus.APPROVED and sign.status_code in (200, 302)
    # an approval by the contributor of a request still open when it was taken down is refused too
    License.objects.filter(pk=pending.pk).update(status=LicenseStatus.REQUESTED)
    with pytest.raises(ValidationError):
        services.license_decide(user=icmember, licence=pending, approve=True, note="同意独占许可。")
    assert License.objects.get(pk=pending.pk).status == LicenseStatus.REQUESTED
    services.achievement_relist(user=icowner, achievement=paid, note="复审：改按技术秘密共享")
    services.license_sign(user=icmember, licence=approved, signed_on=timezone.localdate(), signatory="林志远")
    services.license_sign(user=persona("member"), licence=approved, signed_on=timezone.localdate(),
                          signatory="品质经理")
    approved.refresh_from_db()
    assert approved.status == LicenseStatus.SIGNED


# --------------------------------------------------------------------------- usage (ACH-05)


def _stats(achievement):
    return selectors.usage_statistics(Achievement.objects.filter(pk=achievement.pk))[0]


@pytest.mark.req("ACH-05")
def test_views_exports_and_downloads_are_counted(persona, client_as, api_as):
    public = _a(ShareLevel.PUBLIC)
    before = _stats(public)
    client = client_as("member")
    client.get(public.get_absolute_url())
    client.get(public.get_absolute_url())  # reloading the same day counts once
    api_as("assoc").get(f"/api/v1/achievements/{public.pk}/")
    after = _stats(public)
    assert after["views"] == before["views"] + 2 and after["units"] == before["units"] + 2
    # A refused view counts nothing.
    hidden = _a(ShareLevel.CONSORTIUM)
    hidden_before = _stats(hidden)["views"]
    client.get(hidden.get_absolute_url())
    assert _stats(hidden)["views"] == hidden_before
    # Exports of the Table G.1 form are counted.
    exports_before = AchievementUsage.objects.filter(achievement=public, kind=UsageKind.EXPORT).count()
    assert client.get(reverse("achievements:achievement_export", args=[public.pk])).status_code == 200
    assert AchievementUsage.objects.filter(achievement=public, kind=UsageKind.EXPORT).count() == exports_before + 1
    assert _stats(public)["exports"] == exports_before + 1
    # Downloads of the proof documents are counted from the audit log.
    attachment = Attachment.objects.filter(content_type__model="achievement", object_id=public.pk).first()
    client.get(reverse("core:attachment_download", args=[attachment.pk]))
    assert _stats(public)["downloads"] == before["downloads"] + 1
    # The contributor and the lead unit follow the figures on the statistics page and in the API.
    page = client_as("icmetrology").get(reverse("achievements:statistics"))
    assert page.status_code == 200 and public.code in page.content.decode()
    usage = api_as("icowner").get(f"/api/v1/achievements/{public.pk}/usage/").json()
    assert usage["views"] == after["views"] and usage["downloads"] == before["downloads"] + 1
    assert usage["exports"] == exports_before + 1


@pytest.mark.req("ACH-05")
@pytest.mark.req("PLT-02")
def test_licences_signed_and_fees_are_in_the_statistics(persona, api_as):
    """Everyone who reads the share sees how many licences were signed; what was requested and
    paid only those who may open the licences: the parties, the lead unit, the city level."""
    paid = _a(ShareLevel.PAID)
    before = _stats(paid)

    def usage(login):
        answer = api_as(login).get(f"/api/v1/achievements/{paid.pk}/usage/")
        assert answer.status_code == 200
        return answer.json()

    readers = {login: usage(login) for login in ("owner", "icowner", "city", "member")}
    licence = _licence(persona("owner"), paid, fee_amount=Decimal("8.00"))
    assert _stats(paid)["requested"] == before["requested"] + 1 and _stats(paid)["signed"] == before["signed"]
    services.license_decide(user=persona("icmember"), licence=licence, approve=True, note="同意")
    services.license_sign(user=persona("icmember"), licence=licence, signed_on=timezone.localdate(), signatory="林志远")
    services.license_sign(user=persona("owner"), licence=licence, signed_on=timezone.localdate(), signatory="赵德明")
    after = _stats(paid)
    assert after["signed"] == before["signed"] + 1 and after["fees"] == before["fees"] + Decimal("8.00")
    for login, was in readers.items():
        now = usage(login)
        assert now["signed"] == was["signed"] + 1, login
        party = login != "member"
        assert now["requested"] == was["requested"] + party, login
        assert Decimal(now["fees"]) == Decimal(was["fees"]) + (Decimal("8.00") if party else 0), login


@pytest.mark.req("ACH-05")
def test_the_statistics_page_fits_a_phone_and_its_chart_legend_clears_the_axis_labels(client_as):
    """The legend sits above the plot and the grid holds the rotated labels (at the foot it
    overlapped them); the wide table scrolls inside its card instead of widening the page."""
    import re

    response = client_as("icowner").get(reverse("achievements:statistics"))
    option = response.context["option"]
    assert option["xAxis"]["axisLabel"]["rotate"] and "bottom" not in option["legend"]
    assert option["grid"]["containLabel"] and option["grid"]["top"] >= 30
    html = response.content.decode()
    assert re.search(r'<div class="card-body p-0 table-responsive">\s*<table class="[^"]*" id="usage-table">', html)
    assert 'id="usage-totals"' in html and "row-cols-2" in html  # two figures a row on a phone


@pytest.mark.req("ACH-05")
def test_promotion_events_and_trainings_are_recorded_by_the_lead_unit(persona, client_as):
    from zhilian.achievements.choices import EventKind
    from zhilian.achievements.models import PromotionEvent

    consortium = _a(ShareLevel.PUBLIC).consortium
    data = {"kind": EventKind.TRAINING, "title": "成果许可协议签订实务培训", "held_on": timezone.localdate(),
            "location": "海沧", "attendees": 35, "attending_units": "成员单位", "summary": "讲解附录 H。"}
    with pytest.raises(PermissionDenied):  # a member unit does not record the consortium's events
        services.promotion_event_save(user=persona("icmember"), event=None, consortium=consortium, data=data)
    with pytest.raises(ValidationError):  # events are planned within a year
        services.promotion_event_save(user=persona("icowner"), event=None, consortium=consortium,
                                      data={**data, "held_on": timezone.localdate() + datetime.timedelta(days=400)})
    event = services.promotion_event_save(user=persona("icowner"), event=None, consortium=consortium, data=data,
                                          achievements=[_a(ShareLevel.PUBLIC), _a(ShareLevel.PAID)])
    assert event.attendees == 35 and set(event.achievements.values_list("name", flat=True)) == {
        LEVELS[ShareLevel.PUBLIC], LEVELS[ShareLevel.PAID]}
    assert PromotionEvent.objects.restrict(persona("icmember")).filter(pk=event.pk).exists()
    page = client_as("icowner").get(reverse("achievements:statistics")).content.decode()
    assert "成果许可协议签订实务培训" in page
    assert client_as("member").get(event.get_absolute_url()).status_code == 404


# --------------------------------------------------------------------------- priority (ACH-06)


def _apply_for_project(user, name):
    problem = Problem.objects.get(code="IC-002")
    consortium = Project.objects.get(name=ACCEPTED).consortium
    project = project_services.project_save_task_book(
        user=user, project=None, problems=[problem],
        data={"name": name, "consortium": consortium, "direction": "supply_chain", "leader_name": "林志远",
              "leader_phone": "13906060002", "start_date": D(2027, 3, 1), "end_date": D(2027, 12, 31),
              "content_and_route": "追溯与改进。", "expected_outcomes": "沾污下降。", "resource_needs": "检测机时。"},
        participants=[{"organization": user.organization, "person_in_charge": "林志远", "phone": "13906060002",
                       "tasks": "工艺改进"}],
        targets=[{"kind": "quality", "indicator": "Fe 沾污", "unit": "×10⁹ atoms/cm²", "baseline": "12",
                  "target": "5", "description": ""}],
        milestones=[{"name": "模型", "due_date": D(2027, 6, 30), "deliverable": "报告"}],
        budget=[{"category": "testing", "source": "self", "description": "检测", "amount": Decimal("20")}])
    project_services.project_sign(user=user, project=project, signatory="林志远")
    project_services.project_submit(user=user, project=project)
    project.refresh_from_db()
    return project


@pytest.mark.req("ACH-06")
def test_a_contributor_of_paid_shares_is_flagged_for_priority_on_new_projects(persona, client_as, api_as):
    icmember = persona("icmember")
    project = _apply_for_project(icmember, "硅片边缘崩边来源分析")
    assert project.priority is True and LEVELS[ShareLevel.PAID] in project.priority_reason
    page = client_as("icmember").get(project.get_absolute_url()).content.decode()
    assert 'id="priority-flag"' in page
    assert api_as("icmember").get(f"/api/v1/projects/{project.pk}/").json()["priority"] is True
    # Once the paid share is taken down, a new application has no priority.
    services.achievement_delist(user=persona("icowner"), achievement=_a(ShareLevel.PAID), reason="不再适用")
    later = _apply_for_project(icmember, "硅片背面损伤层控制")
    assert later.priority is False and later.priority_reason == ""
    assert 'id="priority-flag"' not in client_as("icmember").get(later.get_absolute_url()).content.decode()


@pytest.mark.req("ACH-06")
def test_a_paid_share_listed_later_gives_its_contributor_priority(persona):
    icresearch = persona("icresearch")  # contributed a consortium share only
    assert selectors.paid_share_priority(icresearch.organization) is None
    achievement = services.achievement_save(
        user=icresearch, achievement=None, project=Project.objects.get(name=ACCEPTED),
        data=_intake_data(name="热屏结构仿真参数库", right_holder="福建半导体材料工程研究中心",
                          share_level=ShareLevel.PAID, share_condition=ShareCondition.PAID, fee_terms="每年 5 万元"))
    attachments.attachment_add(user=icresearch, owner=achievement, uploaded=_pdf_upload(), category="证明文件")
    services.achievement_submit(user=icresearch, achievement=achievement, declaration=True)
    assert selectors.paid_share_priority(icresearch.organization) is None  # not yet listed
    services.achievement_review(user=persona("icowner"), achievement=achievement, approve=True, opinion="同意")
    assert "热屏结构仿真参数库" in selectors.paid_share_priority(icresearch.organization)


@pytest.mark.req("ACH-06")
def test_a_paid_share_whose_right_has_ended_gives_no_priority(persona):
    paid = _a(ShareLevel.PAID)
    contributor = paid.contributor
    assert paid.name in selectors.paid_share_priority(contributor)
    services.achievement_maintain_right(user=persona("icmember"), achievement=paid, right_status=RightStatus.LAPSED,
                                        effective_on=timezone.localdate(), note="未缴年费")
    reason = selectors.paid_share_priority(contributor)
    assert reason is None or paid.name not in reason


@pytest.mark.req("ACH-02")
def test_the_library_narrows_by_project_only_to_a_project_the_user_may_see(persona, client_as, api_as):
    """?project= (hidden filter) narrows the list to that project's results; its scope is
    worked out only when given, and a project the user may not see narrows to nothing."""
    project = Project.objects.get(name=ACCEPTED)
    owner = persona("icowner")
    visible = Achievement.objects.restrict(owner, "view")
    other = Project.objects.restrict(owner, "view").exclude(pk=project.pk).first()
    moved = visible.filter(project=project).order_by("code").last()
    Achievement.objects.filter(pk=moved.pk).update(project=other)  # a result of another project
    expected = {a.code for a in visible.filter(project=project)}
    assert expected and visible.exclude(project=project).exists()
    rows = api_as("icowner").get("/api/v1/achievements/", {"project": project.pk, "page_size": 500}).json()["results"]
    assert {r["code"] for r in rows} == expected
    html = client_as("icowner").get(reverse("achievements:achievement_list"), {"project": project.pk}).content.decode()
    assert all(f">{code}<" in html for code in expected)
    assert not any(f">{a.code}<" in html for a in visible.exclude(project=project))
    outsider = persona("consumer")
    assert not Project.objects.restrict(outsider, "view").filter(pk=project.pk).exists()
    answer = api_as("consumer").get("/api/v1/achievements/", {"project": project.pk})
    assert answer.status_code == 400 and "project" in answer.json()
    html = client_as("consumer").get(reverse("achievements:achievement_list"), {"project": project.pk}).content.decode()
    assert not any(f">{a.code}<" in html for a in Achievement.objects.filter(project=project))


@pytest.mark.req("ACH-02")
def test_the_library_lists_listed_achievements_newest_first_then_those_not_listed(persona, client_as, api_as):
    """The same order on PostgreSQL and SQLite: PostgreSQL put a draft (no listing date) above
    every listed achievement, SQLite below them."""
    icmember = persona("icmember")
    draft = _enter(icmember, name="尚未入库的成果草稿")
    newest = _listed(persona, name="最新入库的成果")
    assert draft.listed_on is None and newest.listed_on is not None
    visible = Achievement.objects.restrict(icmember, "view")
    listed = list(visible.exclude(listed_on=None).order_by("-listed_on", "-created_at", "-id").values_list("code", flat=True))
    unlisted = list(visible.filter(listed_on=None).order_by("-created_at", "-id").values_list("code", flat=True))
    assert draft.code in unlisted and listed[0] == newest.code
    assert list(visible.values_list("code", flat=True)) == listed + unlisted

    page = client_as("icmember").get(reverse("achievements:achievement_list"), {"per_page": 200}).content.decode()
    positions = [page.index(f">{code}<") for code in listed + unlisted]
    assert positions == sorted(positions)
    api = api_as("icmember").get("/api/v1/achievements/", {"page_size": 200}).json()
    assert [row["code"] for row in api["results"]] == listed + unlisted


@pytest.mark.req("PLT-02")
@pytest.mark.req("ACH-02")
@pytest.mark.parametrize("username", ["icmember", "icmetrology", "member", "institution"])
def test_achievement_visibility_carries_every_column_a_units_scope_reads(persona, index_columns, username):
    """So PostgreSQL counts a consortium member's library from the index without reading the
    achievements' rows (docs/benchmarks.md). A scope that starts reading another column of the
    achievement needs it in the index too."""
    from conftest import columns_filtered_on

    read = columns_filtered_on(Achievement.objects.restrict(persona(username)))
    assert {"status", "share_level", "id"} <= read
    assert read <= index_columns("achievement_visibility"), read
