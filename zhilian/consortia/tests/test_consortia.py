"""Quality innovation consortia: the Appendix A application and its approval chain (CON-01),
charter, membership and contributions of an approved consortium (CON-02)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from docx import Document

from zhilian.chains.models import Chain
from zhilian.consortia import services
from zhilian.consortia.choices import ConsortiumStatus, ContributionKind, ReviewDecision, ReviewStep
from zhilian.consortia.models import Consortium, ConsortiumCharter, ConsortiumReview
from zhilian.core.models import AuditEvent
from zhilian.directory.models import Organization

pytestmark = pytest.mark.django_db

IC_CONSORTIUM = "集成电路产业链质量创新联合体"
NAME = "新型显示产业链玻璃基板质量创新联合体"
# (unit, contact, phone, responsibilities): two Xiamen units and one from Jiangsu (cross-region)
MEMBERS = [
    ("厦门翔光玻璃基板有限公司", "黄工", "13906071111", "玻璃基板工艺改进"),
    ("厦门鹭检检测技术有限公司", "业务受理", "0592-56005678", "检测与失效分析"),
    ("苏州吴中光电材料有限公司", "吴工", "0512-66001234", "上游材料配套（跨区域）"),
]


def _org(name):
    return Organization.objects.get(name=name)


def _chain():
    chain = Chain.objects.exclude(name="集成电路产业链").order_by("pk").first()
    return chain or Chain.objects.order_by("pk").first()


def _application_post(chain, members=MEMBERS, **overrides):
    data = {"name": NAME, "chain": chain.pk, "chain_domain": "新型显示（玻璃基板—面板—模组）",
            "person_in_charge": "赵德明", "person_phone": "13906041111",
            "goals": "三年内解决玻璃基板翘曲等 3 项共性质量问题，面板良率提升 5 个百分点。",
            "work_plan": "建立理事会；每年梳理问题库；共建检测平台；成果共享。",
            "members-TOTAL_FORMS": str(len(members)), "members-INITIAL_FORMS": "0",
            "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "60"}
    for i, (name, contact, phone, duty) in enumerate(members):
        data.update({f"members-{i}-name": name, f"members-{i}-uscc": _org(name).uscc,
                     f"members-{i}-contact_name": contact, f"members-{i}-contact_phone": phone,
                     f"members-{i}-responsibilities": duty})
    data.update(overrides)
    return data


def _apply_and_submit(client_as):
    owner = client_as("owner")
    response = owner.post(reverse("consortia:consortium_add"), _application_post(_chain()))
    assert response.status_code == 302, response.content.decode()[:2000]
    consortium = Consortium.objects.get(name=NAME)
    response = owner.post(reverse("consortia:consortium_submit", args=[consortium.pk]), {})
    assert response.status_code == 302
    consortium.refresh_from_db()
    assert consortium.status == ConsortiumStatus.LEAD_OPINION
    return consortium


def _snapshot(consortium):
    consortium.refresh_from_db()
    return consortium.status, consortium.version, ConsortiumReview.objects.filter(consortium=consortium).count()


@pytest.mark.req("CON-01")
def test_the_appendix_a_application_records_every_field_and_member(client_as, persona):
    consortium = _apply_and_submit(client_as)
    owner = persona("owner")
    assert consortium.lead_unit == owner.organization
    assert consortium.district == "翔安区"  # the lead unit's district reviews it
    assert (consortium.chain_domain, consortium.person_in_charge, consortium.person_phone) == (
        "新型显示（玻璃基板—面板—模组）", "赵德明", "13906041111")
    assert consortium.goals.startswith("三年内") and consortium.work_plan.startswith("建立理事会")
    rows = {m.organization.name: m for m in consortium.members.filter(role="member")}
    assert set(rows) == {m[0] for m in MEMBERS}
    for name, contact, phone, duty in MEMBERS:
        row = rows[name]
        assert (row.uscc, row.contact_name, row.contact_phone, row.responsibilities) == (
            _org(name).uscc, contact, phone, duty)
        assert row.joined_on is None  # units join when the consortium is approved
    assert rows["苏州吴中光电材料有限公司"].cross_region and not rows["厦门翔光玻璃基板有限公司"].cross_region
    lead_row = consortium.members.get(role="lead")
    assert (lead_row.uscc, lead_row.contact_name) == (owner.organization.uscc, "赵德明")


@pytest.mark.req("CON-01")
def test_a_member_row_with_a_wrong_uscc_or_missing_phone_is_refused(client_as, persona):
    owner = client_as("owner")
    bad_code = _application_post(_chain())
    bad_code["members-0-uscc"] = _org("厦门鹭检检测技术有限公司").uscc  # code of another unit
    response = owner.post(reverse("consortia:consortium_add"), bad_code)
    assert response.status_code == 200 and not Consortium.objects.filter(name=NAME).exists()
    no_phone = _application_post(_chain())
    no_phone["members-1-contact_phone"] = ""
    response = owner.post(reverse("consortia:consortium_add"), no_phone)
    assert response.status_code == 200 and not Consortium.objects.filter(name=NAME).exists()
    with pytest.raises(ValidationError) as exc:
        services.consortium_save_application(
            user=persona("owner"), consortium=None,
            data={"name": NAME, "chain": _chain(), "chain_domain": "x", "person_in_charge": "赵德明",
                  "person_phone": "13906041111", "goals": "g", "work_plan": "w"},
            members=[{"name": "厦门翔光玻璃基板有限公司", "uscc": "913502000000000000", "contact_name": "黄工",
                      "contact_phone": "13906071111"}])
    assert "members" in exc.value.message_dict
    assert not Consortium.objects.filter(name=NAME).exists()


@pytest.mark.req("CON-01")
@pytest.mark.req("PLT-12")
def test_header_and_member_row_errors_show_at_once(client_as):
    data = _application_post(_chain(), name="", person_phone="123")
    data["members-0-uscc"] = "91350200MA00000000"  # a wrong check character
    response = client_as("owner").post(reverse("consortia:consortium_add"), data)
    assert response.status_code == 200 and not Consortium.objects.filter(name=NAME).exists()
    form = response.context["form"]
    assert "name" in form.errors and "person_phone" in form.errors
    assert list(response.context["formset"].forms[0].errors) == ["uscc"]
    assert form.member_error_rows == [1]
    assert 'id="member-errors"' in response.content.decode()


@pytest.mark.req("CON-01")
@pytest.mark.req("PLT-12")
def test_a_member_rows_errors_show_at_its_fields_numbered_as_on_the_form(client_as, persona):
    """A blank row between filled ones keeps the rows' numbers: row 3's code error shows at
    row 3's code field, a missing phone at row 4's phone, and the API's one line per row
    names the same row numbers."""
    rows = [MEMBERS[0], ("", "", "", ""), MEMBERS[1], MEMBERS[2]]
    data = _application_post(_chain(), members=[MEMBERS[0], MEMBERS[0], MEMBERS[1], MEMBERS[2]])
    data.update({"members-1-name": "", "members-1-uscc": "", "members-1-contact_name": "",
                 "members-1-contact_phone": "", "members-1-responsibilities": ""})
    data["members-2-uscc"] = "91350200MA00000000"  # a wrong check character
    data["members-3-contact_phone"] = ""
    response = client_as("owner").post(reverse("consortia:consortium_add"), data)
    assert response.status_code == 200 and not Consortium.objects.filter(name=NAME).exists()
    forms_ = response.context["formset"].forms
    assert [dict(f.errors) for f in forms_[:2]] == [{}, {}]
    assert list(forms_[2].errors) == ["uscc"] and list(forms_[3].errors) == ["contact_phone"]
    assert response.context["form"].member_error_rows == [3, 4]
    page = response.content.decode()
    assert 'name="members-2-uscc" id="id_members-2-uscc"' in page
    assert page.count("is-invalid") == 2 and 'id="id_members-2-uscc-error"' in page
    assert "第 3、4 行成员单位有误" in page
    with pytest.raises(ValidationError) as exc:
        services.consortium_save_application(
            user=persona("owner"), consortium=None,
            data={"name": NAME, "chain": _chain(), "chain_domain": "x", "person_in_charge": "赵德明",
                  "person_phone": "13906041111", "goals": "g", "work_plan": "w"},
            members=[{"name": n, "uscc": _org(n).uscc if n else "", "contact_name": c,
                      "contact_phone": "" if i == 3 else p} for i, (n, c, p, _d) in enumerate(rows)])
    assert exc.value.message_dict["members"] == ["成员单位 4: 请填写联系电话"]
    assert not Consortium.objects.filter(name=NAME).exists()


@pytest.mark.req("CON-01")
def test_member_units_are_picked_from_the_directory(client_as):
    owner = client_as("owner")
    options = owner.get(reverse("consortia:unit_lookup"), {"members-1-name": "鹭检"}).content.decode()
    glass = _org("厦门鹭检检测技术有限公司")
    assert f'<option value="{glass.name}" data-uscc="{glass.uscc}">' in options
    assert "市场监督管理局" not in owner.get(reverse("consortia:unit_lookup"), {"q": "厦门市"}).content.decode()
    page = owner.get(reverse("consortia:consortium_add")).content.decode()
    assert 'list="unit-options"' in page and 'id="unit-options"' in page
    # A row with the name picked from the list and no code: the directory supplies the code.
    data = _application_post(_chain())
    data["members-1-uscc"] = ""
    assert owner.post(reverse("consortia:consortium_add"), data).status_code == 302
    member = Consortium.objects.get(name=NAME).members.get(organization=glass)
    assert member.uscc == glass.uscc


@pytest.mark.req("CON-01")
@pytest.mark.req("PLT-02")
def test_a_confidential_enterprise_is_not_offered_but_joins_by_its_name_and_code(client_as, persona):
    """The lookup offers only the units the applicant may see in the directory: another
    enterprise's record is confidential. The applicant who knows the enterprise's registered
    name and code still lists it; a name and code that do not go together are refused at the
    name, without telling the registered name."""
    owner = client_as("owner")
    supplier = _org("厦门翔光玻璃基板有限公司")
    assert supplier.kind == "enterprise"
    assert not Organization.objects.restrict(persona("owner")).filter(pk=supplier.pk).exists()
    for typed in ("翔光", supplier.uscc[:8]):
        assert supplier.name not in owner.get(reverse("consortia:unit_lookup"), {"members-0-name": typed}).content.decode()
    page = owner.get(reverse("consortia:consortium_add")).content.decode()
    assert "企业信息保密" in page
    wrong = _application_post(_chain())
    wrong["members-0-name"] = "厦门翔光玻璃有限公司"
    response = owner.post(reverse("consortia:consortium_add"), wrong)
    assert response.status_code == 200 and not Consortium.objects.filter(name=NAME).exists()
    assert list(response.context["formset"].forms[0].errors) == ["name"]
    assert supplier.name not in response.content.decode()
    assert owner.post(reverse("consortia:consortium_add"), _application_post(_chain())).status_code == 302
    assert Consortium.objects.get(name=NAME).members.filter(organization=supplier).exists()
    # Units of one application see each other's records: the kept list of fellow units follows.
    assert Organization.objects.restrict(persona("owner")).filter(pk=supplier.pk).exists()


@pytest.mark.req("CON-01")
def test_the_approval_chain_goes_lead_then_district_then_city_with_each_opinion(client_as, persona):
    consortium = _apply_and_submit(client_as)
    # Lead-unit opinion on the review page.
    response = client_as("owner").post(reverse("consortia:consortium_review", args=[consortium.pk]),
                                       {"decision": "approve", "opinion": "同意牵头组建，保障资金与场地。"})
    assert response.status_code == 302
    consortium.refresh_from_db()
    assert consortium.status == ConsortiumStatus.DISTRICT_REVIEW
    response = client_as("district").post(reverse("consortia:consortium_review", args=[consortium.pk]),
                                          {"decision": "approve", "opinion": "材料齐全，同意报市局。"})
    assert response.status_code == 302
    consortium.refresh_from_db()
    assert consortium.status == ConsortiumStatus.CITY_REVIEW
    response = client_as("city").post(reverse("consortia:consortium_review", args=[consortium.pk]),
                                      {"decision": "approve", "opinion": "同意组建。"})
    assert response.status_code == 302
    consortium.refresh_from_db()
    assert consortium.status == ConsortiumStatus.APPROVED
    assert consortium.approved_on == timezone.localdate()
    reviews = list(consortium.reviews.order_by("decided_at", "id"))
    assert [(r.step, r.decision, r.reviewer.username, r.opinion) for r in reviews] == [
        (ReviewStep.LEAD, "approve", "owner", "同意牵头组建，保障资金与场地。"),
        (ReviewStep.DISTRICT, "approve", "district", "材料齐全，同意报市局。"),
        (ReviewStep.CITY, "approve", "city", "同意组建。"),
    ]
    assert reviews[1].reviewer_org.name == "厦门市翔安区市场监督管理局"
    # The units of the application join on the day of approval (CON-02).
    assert set(consortium.members.values_list("joined_on", flat=True)) == {timezone.localdate()}
    # The history keeps each step; the detail page shows the opinions.
    transitions = AuditEvent.objects.filter(content_type__model="consortium", object_id=str(consortium.pk),
                                            action="transition")
    assert transitions.count() >= 4  # submitted + three opinions
    page = client_as("member").get(consortium.get_absolute_url()).content.decode()
    for opinion in ("同意牵头组建", "材料齐全，同意报市局。", "同意组建。"):
        assert opinion in page


@pytest.mark.req("CON-01")
def test_a_wrong_order_or_wrong_role_step_is_refused_and_changes_nothing(client_as, persona):
    consortium = _apply_and_submit(client_as)
    before = _snapshot(consortium)
    # Waiting for the lead unit: neither office may act, nor a member unit.
    for username in ("district", "city", "member"):
        with pytest.raises(PermissionDenied):
            services.consortium_review(user=persona(username), consortium=consortium,
                                       decision=ReviewDecision.APPROVE, opinion="越级审核")
        assert _snapshot(consortium) == before
    # The page refuses too and records nothing.
    client_as("city").post(reverse("consortia:consortium_review", args=[consortium.pk]),
                           {"decision": "approve", "opinion": "越级审核"})
    assert _snapshot(consortium) == before
    # The lead unit returns instead of rejecting; an opinion is required.
    with pytest.raises(ValidationError):
        services.consortium_review(user=persona("owner"), consortium=consortium, decision=ReviewDecision.REJECT,
                                   opinion="不同意")
    with pytest.raises(ValidationError):
        services.consortium_review(user=persona("owner"), consortium=consortium, decision=ReviewDecision.APPROVE,
                                   opinion="  ")
    assert _snapshot(consortium) == before

    services.consortium_review(user=persona("owner"), consortium=consortium, decision=ReviewDecision.APPROVE,
                               opinion="同意。")
    before = _snapshot(consortium)
    assert before[0] == ConsortiumStatus.DISTRICT_REVIEW
    # At the district step: the city office, another district's bureau, a grassroots office
    # and the lead unit are all refused.
    for username in ("city", "haicang", "grassroots", "owner"):
        with pytest.raises(PermissionDenied):
            services.consortium_review(user=persona(username), consortium=consortium,
                                       decision=ReviewDecision.APPROVE, opinion="越权")
        assert _snapshot(consortium) == before
    services.consortium_review(user=persona("district"), consortium=consortium, decision=ReviewDecision.APPROVE,
                               opinion="同意。")
    before = _snapshot(consortium)
    with pytest.raises(PermissionDenied):
        services.consortium_review(user=persona("district"), consortium=consortium,
                                   decision=ReviewDecision.APPROVE, opinion="再审一次")
    assert _snapshot(consortium) == before
    # The city office may reject; the application is then closed to any further step.
    services.consortium_review(user=persona("city"), consortium=consortium, decision=ReviewDecision.REJECT,
                               opinion="建设目标不够量化。")
    consortium.refresh_from_db()
    assert consortium.status == ConsortiumStatus.REJECTED and consortium.approved_on is None
    assert not consortium.members.filter(joined_on__isnull=False).exists()
    with pytest.raises(PermissionDenied):
        services.consortium_review(user=persona("city"), consortium=consortium, decision=ReviewDecision.APPROVE,
                                   opinion="改为同意")


@pytest.mark.req("CON-01")
def test_a_returned_application_goes_back_to_draft_and_through_the_chain_again(client_as, persona):
    consortium = _apply_and_submit(client_as)
    services.consortium_review(user=persona("owner"), consortium=consortium, decision=ReviewDecision.APPROVE,
                               opinion="同意。")
    services.consortium_review(user=persona("district"), consortium=consortium, decision=ReviewDecision.RETURN,
                               opinion="请补充成员单位职责。")
    consortium.refresh_from_db()
    assert consortium.status == ConsortiumStatus.DRAFT
    with pytest.raises(PermissionDenied):  # returned: waits for no office now
        services.consortium_review(user=persona("district"), consortium=consortium,
                                   decision=ReviewDecision.APPROVE, opinion="同意")
    services.consortium_submit(user=persona("owner"), consortium=consortium)
    consortium.refresh_from_db()
    assert consortium.status == ConsortiumStatus.LEAD_OPINION
    assert [r.decision for r in consortium.reviews.order_by("decided_at", "id")] == ["approve", "return"]


def _docx_cells(content):
    doc = Document(io.BytesIO(content))
    table = doc.tables[0]
    rows = []
    for row in table.rows:
        texts = []
        for cell in row.cells:
            text = cell.text.strip()
            if not texts or texts[-1] != text:  # merged cells repeat
                texts.append(text)
        rows.append(texts)
    return doc, rows


@pytest.mark.req("CON-01")
@pytest.mark.req("PLT-07")
def test_the_application_exports_as_the_appendix_a_word_form(client_as, persona):
    consortium = _apply_and_submit(client_as)
    services.consortium_review(user=persona("owner"), consortium=consortium, decision=ReviewDecision.APPROVE,
                               opinion="同意牵头组建。")
    services.consortium_review(user=persona("district"), consortium=consortium, decision=ReviewDecision.APPROVE,
                               opinion="翔安区质量办审核同意。")
    response = client_as("owner").get(reverse("consortia:consortium_export", args=[consortium.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    doc, rows = _docx_cells(b"".join(response.streaming_content) if response.streaming else response.content)
    assert "质量创新联合体组建申请表" in doc.paragraphs[0].text
    by_label = {r[0]: r[1:] for r in rows if len(r) > 1}
    assert by_label["质量创新联合体名称"] == [NAME]
    assert by_label["产业链领域"][0].startswith("新型显示（玻璃基板—面板—模组）")
    assert by_label["牵头单位（盖章）"] == ["厦门鹭岛显示科技有限公司"]
    # The applicant's own form carries the numbers in full: it is what the unit seals and submits.
    assert by_label["负责人"] == ["赵德明", "联系电话", "13906041111"]
    header = rows.index(["序号", "成员单位名称", "统一社会信用代码", "联系人", "联系电话"])
    member_rows = rows[header + 1:header + 1 + len(MEMBERS)]
    assert [r[0] for r in member_rows] == ["1", "2", "3"]
    for row, (name, contact, phone, _duty) in zip(member_rows, MEMBERS):
        assert row[1].startswith(name)
        assert row[2:] == [_org(name).uscc, contact, phone]
    assert member_rows[2][1].endswith("（跨区域）")
    text = "\n".join("\n".join(r) for r in rows)
    assert "二、主要建设内容" in text and "三年内解决玻璃基板翘曲" in text and "建立理事会" in text
    lead = next(i for i, r in enumerate(rows) if r[0] == "三、牵头单位意见")
    district = next(i for i, r in enumerate(rows) if r[0].startswith("四、所在区（翔安区）质量强区工作领导小组办公室"))
    city = next(i for i, r in enumerate(rows) if r[0].startswith("五、") and "质量强市工作领导小组办公室" in r[0])
    assert "【同意】同意牵头组建。" in rows[lead + 1][0] or "同意牵头组建。" in rows[lead + 1][0]
    assert "翔安区质量办审核同意。" in rows[district + 1][0]
    assert "同意" not in rows[city + 1][0].replace("年", "")  # the city has not decided yet
    # Someone who may not see the application gets 404, like a missing one.
    assert client_as("research").get(reverse("consortia:consortium_export", args=[consortium.pk])).status_code == 404
    missing = Consortium.objects.order_by("-pk").first().pk + 1000
    assert client_as("research").get(reverse("consortia:consortium_export", args=[missing])).status_code == 404


@pytest.mark.req("CON-01")
@pytest.mark.req("SEC-07")
def test_word_forms_show_full_numbers_to_the_applicant_and_on_an_audited_unmask(client_as):
    from zhilian.achievements.models import Achievement
    from zhilian.core.models import AuditEvent
    from zhilian.projects.models import Project

    consortium = Consortium.objects.get(name="集成电路产业链质量创新联合体")  # lead unit 海芯集成 (icowner)
    project = Project.objects.get(name="12 英寸硅单晶棒电阻率均匀性提升攻关")  # lead unit 闽硅单晶 (icmember)
    achievement = Achievement.objects.get(name="12 英寸单晶炉低氧热屏结构及磁场匹配方法")  # contributor 闽硅单晶
    forms = [(reverse("consortia:consortium_export", args=[consortium.pk]), "icowner", "13906060001"),
             (reverse("projects:project_export", args=[project.pk]), "icmember", "13906060002"),
             (reverse("achievements:achievement_export", args=[achievement.pk]), "icmember", "13906060002")]

    def text(response):
        assert response.status_code == 200
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return "\n".join("\n".join(r) for r in _docx_cells(content)[1])

    for url, own, number in forms:
        masked = number[:3] + "****" + number[-4:]
        before = AuditEvent.objects.filter(action="unmask").count()
        assert number in text(client_as(own).get(url))  # the unit's own form
        assert AuditEvent.objects.filter(action="unmask").count() == before + 1
        for username in ("icresearch", "city"):  # others see it masked by default
            shown = text(client_as(username).get(url))
            assert number not in shown and masked in shown, (url, username)
        # unmask=1 only for those holding the unmask permission, and audited
        assert number not in text(client_as("icresearch").get(url, {"unmask": "1"}))
        assert number in text(client_as("city").get(url, {"unmask": "1"}))
        assert AuditEvent.objects.filter(action="unmask", actor_name="city").count() >= 1
    page = client_as("city").get(consortium.get_absolute_url()).content.decode()
    assert 'id="export-docx-full"' in page
    assert 'id="export-docx-full"' not in client_as("icowner").get(consortium.get_absolute_url()).content.decode()


# --------------------------------------------------------------------------- CON-02


def _ic():
    return Consortium.objects.get(name=IC_CONSORTIUM)


def _join_data(name, contact="联系人", phone="13906079999", joined_on=None):
    return {"name": name, "uscc": _org(name).uscc, "contact_name": contact, "contact_phone": phone,
            "responsibilities": "配套验证", "joined_on": joined_on or timezone.localdate()}


@pytest.mark.req("CON-02")
def test_the_charter_is_versioned_by_the_lead_unit(persona, client_as):
    consortium = _ic()
    first = consortium.charters.get()
    data = {f: getattr(first, f) for f in ("organization_structure", "operating_mechanism", "rights_obligations",
                                           "ip_ownership", "benefit_distribution", "entry_exit_rules",
                                           "talent_development")}
    data.update(adopted_on=timezone.localdate(), benefit_distribution="有偿共享收益 90% 归贡献方，10% 用于平台运行。")
    second = services.charter_adopt(user=persona("icowner"), consortium=consortium, data=data)
    assert second.number == first.number + 1
    first.refresh_from_db()
    assert first.benefit_distribution.startswith("有偿共享收益主要归贡献方所有")  # earlier version kept
    assert ConsortiumCharter.objects.restrict(persona("icowner")).filter(consortium=consortium).first() == second
    with pytest.raises(PermissionDenied):  # a member unit does not adopt the charter
        services.charter_adopt(user=persona("icmember"), consortium=consortium, data=data)
    with pytest.raises(ValidationError):
        services.charter_adopt(user=persona("icowner"), consortium=consortium,
                               data={**data, "adopted_on": timezone.localdate() + datetime.timedelta(days=3)})
    assert consortium.charters.count() == 2
    # Members read the charter; an outsider unit does not.
    assert client_as("icmember").get(second.get_absolute_url()).status_code == 200
    assert client_as("member").get(second.get_absolute_url()).status_code == 404


@pytest.mark.req("CON-02")
def test_members_join_and_leave_with_dates_and_cross_region_units_are_flagged(persona, client_as):
    consortium = _ic()
    icowner = persona("icowner")
    today = timezone.localdate()
    joined = services.member_join(user=icowner, consortium=consortium,
                                  data=_join_data("厦门翔安光学膜材有限公司", joined_on=today - datetime.timedelta(days=5)))
    assert joined.is_active and joined.joined_on == today - datetime.timedelta(days=5) and not joined.cross_region
    far = services.member_join(user=icowner, consortium=consortium, data=_join_data("苏州吴中光电材料有限公司"))
    assert far.cross_region  # 江苏省苏州市 outside 厦门
    assert consortium.active_members().filter(cross_region=True).count() == 2  # with 深圳南岭
    # Refused: not the lead unit, already a member, before the establishment, in the future.
    with pytest.raises(PermissionDenied):
        services.member_join(user=persona("icmember"), consortium=consortium,
                             data=_join_data("厦门鹭微精密治具有限公司"))
    for data in (_join_data("厦门翔安光学膜材有限公司"),
                 _join_data("厦门鹭微精密治具有限公司", joined_on=consortium.approved_on - datetime.timedelta(days=1)),
                 _join_data("厦门鹭微精密治具有限公司", joined_on=today + datetime.timedelta(days=1))):
        with pytest.raises(ValidationError):
            services.member_join(user=icowner, consortium=consortium, data=data)
    assert not consortium.members.filter(organization__name="厦门鹭微精密治具有限公司").exists()

    # Leaving: a date not before joining, a reason; the lead unit cannot leave.
    with pytest.raises(ValidationError):
        services.member_leave(user=icowner, member=joined, left_on=today - datetime.timedelta(days=6), reason="退出")
    with pytest.raises(ValidationError):
        services.member_leave(user=icowner, member=joined, left_on=today, reason=" ")
    with pytest.raises(ValidationError):
        services.member_leave(user=icowner, member=consortium.members.get(role="lead"), left_on=today, reason="x")
    with pytest.raises(PermissionDenied):
        services.member_leave(user=persona("icmember"), member=joined, left_on=today, reason="退出")
    joined.refresh_from_db()
    assert joined.is_active
    response = client_as("icowner").post(reverse("consortia:member_leave", args=[joined.pk]),
                                         {"left_on": today.isoformat(), "exit_reason": "业务调整，书面申请退出"})
    assert response.status_code == 302
    joined.refresh_from_db()
    assert joined.left_on == today and joined.exit_reason == "业务调整，书面申请退出" and not joined.is_active
    assert not consortium.active_members().filter(pk=joined.pk).exists()
    # The detail page lists join and exit dates and the cross-region badge; the count is of current members.
    page = client_as("icmember").get(consortium.get_absolute_url()).content.decode()
    assert today.isoformat() in page and "业务调整，书面申请退出" in page
    current = consortium.active_members().filter(role="member").count()
    assert 'id="member-count" title="' in page and f'">{current}</span>' in page.split('id="member-count"', 1)[1][:200]
    assert "江苏省苏州市" in page
    # A unit that left may join again later (a new row; the old one is kept).
    again = services.member_join(user=icowner, consortium=consortium, data=_join_data("厦门翔安光学膜材有限公司"))
    assert again.pk != joined.pk and consortium.members.filter(organization=joined.organization).count() == 2


@pytest.mark.req("CON-02")
def test_members_contributions_are_recorded_within_their_membership(persona, client_as):
    consortium = _ic()
    icowner, icmember = persona("icowner"), persona("icmember")
    members = {m.organization.name: m for m in consortium.active_members().select_related("organization")}
    minsi = members["福建闽硅单晶材料有限公司"]
    own = services.contribution_save(user=icmember, consortium=consortium, data={
        "member": minsi, "kind": ContributionKind.EQUIPMENT, "description": "单晶炉中试线开放机时",
        "amount": Decimal("45.00"), "quantity": Decimal("1"), "unit": "台套", "provided_on": timezone.localdate()})
    assert own.recorded_by == icmember
    # A member records its own contributions only; funds need an amount; dates within membership.
    with pytest.raises(ValidationError):
        services.contribution_save(user=icmember, consortium=consortium, data={
            "member": members["厦门海西计量测试研究院"], "kind": ContributionKind.PEOPLE, "description": "x",
            "quantity": Decimal("2"), "unit": "人", "provided_on": timezone.localdate()})
    with pytest.raises(ValidationError):
        services.contribution_save(user=icowner, consortium=consortium, data={
            "member": minsi, "kind": ContributionKind.FUNDS, "description": "资金", "provided_on": timezone.localdate()})
    with pytest.raises(ValidationError):
        services.contribution_save(user=icowner, consortium=consortium, data={
            "member": minsi, "kind": ContributionKind.SPACE, "description": "场地", "quantity": Decimal("50"),
            "unit": "㎡", "provided_on": consortium.approved_on - datetime.timedelta(days=1)})
    # The lead unit records a funds contribution on the consortium page.
    response = client_as("icowner").post(reverse("consortia:contribution_add", args=[consortium.pk]), {
        "member": members["福建半导体材料工程研究中心"].pk, "kind": ContributionKind.FUNDS,
        "description": "热场模拟平台升级配套资金", "amount": "30.00", "quantity": "", "unit": "",
        "provided_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    funds = consortium.contributions.filter(kind=ContributionKind.FUNDS)
    assert funds.filter(description="热场模拟平台升级配套资金", amount=Decimal("30.00")).exists()
    assert sorted(funds.values_list("amount", flat=True)) == [Decimal("30.00"), Decimal("500.00")]
    page = client_as("icmember").get(consortium.get_absolute_url()).content.decode()
    assert "单晶炉中试线开放机时" in page and "热场模拟平台升级配套资金" in page
    # Contributions are internal: an outsider sees the approved consortium but not them.
    outsider = client_as("member").get(consortium.get_absolute_url())
    assert outsider.status_code == 200 and "单晶炉中试线开放机时" not in outsider.content.decode()


@pytest.mark.req("CON-02")
def test_the_api_shows_members_with_dates_and_hides_contributions_from_outsiders(persona, api_as):
    consortium = _ic()
    services.member_join(user=persona("icowner"), consortium=consortium,
                         data=_join_data("苏州吴中光电材料有限公司"))
    rows = api_as("icmember").get("/api/v1/consortium-members/", {"consortium": consortium.pk}).json()
    rows = rows.get("results", rows)
    suzhou = [r for r in rows if r.get("consortium") == consortium.pk and "苏州" in str(r)]
    assert suzhou and suzhou[0]["cross_region"] is True and suzhou[0]["joined_on"] == timezone.localdate().isoformat()
    inside = api_as("icmember").get("/api/v1/consortium-contributions/").json()
    inside = inside.get("results", inside)
    assert any(r["consortium"] == consortium.pk for r in inside)
    outside = api_as("member").get("/api/v1/consortium-contributions/").json()
    outside = outside.get("results", outside)
    assert not any(r["consortium"] == consortium.pk for r in outside)


@pytest.mark.req("CON-01", "CON-02")
def test_the_list_the_detail_page_and_the_export_state_the_same_member_count(client_as):
    """The list, the detail page's badge and the Excel count the numbered member rows (lead unit
    apart): in force once approved, every proposed unit while the application is under review.
    The list counted the lead unit (5 against the page's 4) and an application had 0 members."""
    from openpyxl import load_workbook

    applied = _apply_and_submit(client_as)
    approved = Consortium.objects.get(name=IC_CONSORTIUM)
    client = client_as("city")
    expected = {applied.name: len(MEMBERS), approved.name: approved.active_members().filter(role="member").count()}
    assert expected[approved.name] < approved.active_members().count()  # the lead unit is not one of them
    listed = client.get(reverse("consortia:consortium_list")).context["table"]
    assert {row.record.name: row.record.member_count for row in listed.rows
            if row.record.name in expected} == expected
    for consortium in (applied, approved):
        page = client.get(consortium.get_absolute_url()).content.decode()
        assert f'">{expected[consortium.name]}</span>' in page.split('id="member-count"', 1)[1][:200]
    response = client.get(reverse("consortia:consortium_list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                     else response.content)).active
    header = [cell.value for cell in sheet[2]]
    counts = {row[0]: row[header.index("成员单位数")] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert {name: counts[name] for name in expected} == expected
    # The cross-region column counts the same units: 苏州吴中 in the application.
    assert [row[header.index("跨区域成员数")] for row in sheet.iter_rows(min_row=3, values_only=True)
            if row[0] == applied.name] == [1]


@pytest.mark.req("CON-01")
def test_the_list_offers_the_citys_districts_to_filter_by(client_as):
    """Like the directory and the needs: a select of the city's districts, not a text box."""
    client = client_as("city")
    page = client.get(reverse("consortia:consortium_list")).content.decode()
    district = page.split('name="district"', 1)[0].rsplit("<", 1)[1]
    assert district.startswith("select"), district
    assert '<option value="海沧区">' in page
    listed = client.get(reverse("consortia:consortium_list"), {"district": "海沧区"}).context["table"]
    assert listed.rows and {row.record.district for row in listed.rows} == {"海沧区"}


@pytest.mark.req("CON-02")
@pytest.mark.req("PLT-02")
def test_the_member_table_links_each_unit_the_reader_may_open_at_a_fixed_cost(client_as, persona):
    """A consortium of 400 member units took 2.7 s: each unit's link asked on its own whether the
    reader may open it. The answers are found at once; each link still follows restrict."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    consortium = _ic()
    reader = persona("owner")  # an enterprise of another chain: some member units are confidential to it
    client = client_as("owner")
    url = consortium.get_absolute_url()

    def measured():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        return response.content.decode(), len(queries)

    _html, before = measured()
    for name in ("厦门翔安光学膜材有限公司", "厦门鹭微精密治具有限公司", "苏州吴中光电材料有限公司"):
        services.member_join(user=persona("icowner"), consortium=consortium, data=_join_data(name))
    html, after = measured()
    assert after == before
    visible = set(Organization.objects.restrict(reader, "view").values_list("pk", flat=True))
    linked = {m.organization_id: f'href="{m.organization.get_absolute_url()}"' in html
              for m in consortium.active_members().select_related("organization")}
    assert {pk: pk in visible for pk in linked} == linked
    assert any(linked.values()) and not all(linked.values())  # some units are confidential to this reader
