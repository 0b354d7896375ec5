"""The needs intake, from filing to closure, and who may see and do what (DIR-05, PLT-02)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from zhilian.core import notifications
from zhilian.core.models import AuditEvent, Notification
from zhilian.directory.models import Expert, Organization
from zhilian.needs import selectors, services
from zhilian.needs.models import Need, NeedAssignment
from zhilian.needs.tests.helpers import file_need

pytestmark = pytest.mark.django_db

LUJIAN = "厦门鹭检检测技术有限公司"


@pytest.mark.req("DIR-05")
def test_a_need_goes_from_filing_to_closure_with_its_history(persona):
    owner, commissioner, institution, expert = (persona(u) for u in ("owner", "commissioner", "institution", "expert"))
    need = file_need(owner, product="液晶显示面板", title="面板色域复测")
    assert need.status == "submitted" and need.code.startswith("XQ") and need.response_due is not None

    services.need_take(user=commissioner, need=need)
    need.refresh_from_db()
    assert need.status == "accepted" and need.commissioner.user == commissioner

    matches = selectors.need_matches(need, commissioner)
    assert matches.institutions[0].provider.name == LUJIAN  # 4 lines for 液晶显示面板
    chen = Expert.objects.get(name="陈立群")
    services.need_assign(user=commissioner, need=need, institutions=[matches.institutions[0].provider], experts=[chen])
    need.refresh_from_db()
    assert need.status == "matched" and need.assignments.count() == 2

    services.assignment_accept(user=institution, need=need)
    need.refresh_from_db()
    assert need.status == "in_service"
    services.assignment_accept(user=expert, need=need)
    services.assignment_deliver(user=institution, need=need, summary="出具检测报告 LJ-2026-2001。")
    need.refresh_from_db()
    assert need.status == "in_service"  # the expert has not delivered yet
    services.assignment_deliver(user=expert, need=need, summary="解读报告并提出改进建议。")
    need.refresh_from_db()
    assert need.status == "delivered" and need.feedback_due is not None

    services.need_confirm(user=owner, need=need, timeliness="very_satisfied", professionalism="satisfied",
                          courtesy="satisfied", overall="very_satisfied", resolved=True, feedback="好")
    need.refresh_from_db()
    assert need.status == "closed" and need.overall == "very_satisfied" and need.closed_at

    transitions = AuditEvent.objects.filter(object_id=str(need.pk), content_type__model="need",
                                            action="transition").order_by("timestamp", "id")
    statuses = [e.changes.get("status", {}).get("after") for e in transitions if "status" in e.changes]
    assert len(statuses) >= 5
    timeline = selectors.need_timeline(need, owner)
    assert [e.event.timestamp for e in timeline] == sorted(e.event.timestamp for e in timeline)
    assert any(e.subject == LUJIAN for e in timeline)


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-05")
def test_the_response_deadline_counts_chinese_working_days(persona, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 9, 30))
    need = file_need(persona("owner"))
    # National Day: 1–7 October off; two working days after 30 September is Friday 9 October.
    assert need.response_due == datetime.date(2026, 10, 9) and not need.response_due_provisional


@pytest.mark.req("DIR-05")
def test_steps_are_refused_to_the_wrong_party(persona):
    owner, commissioner, institution, member = (persona(u) for u in ("owner", "commissioner", "institution", "member"))
    need = file_need(owner)
    with pytest.raises(Need.DoesNotExist):           # not assigned: the institution cannot even see it
        services.need_take(user=institution, need=need)
    with pytest.raises(Need.DoesNotExist):           # nor can another enterprise
        services.need_cancel(user=member, need=need, reason="不是我的")
    with pytest.raises(PermissionDenied):
        services.need_assign(user=owner, need=need, institutions=[Organization.objects.get(name=LUJIAN)])
    services.need_take(user=commissioner, need=need)
    with pytest.raises(PermissionDenied):           # already taken
        services.need_take(user=commissioner, need=need)
    with pytest.raises(ValidationError) as exc:      # assistance spec 7.2.1.3
        services.need_assign(user=commissioner, need=need, experts=[Expert.objects.get(name="杨帆")])
    assert "experts" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.need_assign(user=commissioner, need=need)
    need.refresh_from_db()
    assert need.status == "accepted" and not need.assignments.exists()


@pytest.mark.req("DIR-05")
def test_filing_is_validated_and_an_enterprise_files_for_itself_only(persona):
    owner = persona("owner")
    with pytest.raises(ValidationError) as exc:
        file_need(owner, expected_date=timezone.localdate() - datetime.timedelta(days=1))
    assert "expected_date" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        file_need(owner, contact_phone="12")
    assert "contact_phone" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        file_need(owner, enterprise=Organization.objects.get(name="厦门翔光玻璃基板有限公司"))
    assert "enterprise" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        file_need(persona("institution"), enterprise=owner.organization)


@pytest.mark.req("DIR-05")
def test_a_decline_returns_the_need_to_the_commissioner_and_rework_reopens_the_service(persona):
    owner, commissioner, institution = (persona(u) for u in ("owner", "commissioner", "institution"))
    need = file_need(owner)
    services.need_take(user=commissioner, need=need)
    lujian = Organization.objects.get(name=LUJIAN)
    services.need_assign(user=commissioner, need=need, institutions=[lujian])
    with pytest.raises(ValidationError):
        services.assignment_decline(user=institution, need=need, reason="")
    services.assignment_decline(user=institution, need=need, reason="设备检修，一个月内无法排期")
    need.refresh_from_db()
    assert need.status == "accepted"
    services.need_assign(user=commissioner, need=need, institutions=[lujian], note="设备已修复，请重新评估")
    services.assignment_accept(user=institution, need=need)
    services.assignment_deliver(user=institution, need=need, summary="出具检测报告 LJ-2026-2002。")
    services.need_rework(user=owner, need=need, reason="报告缺少 85 ℃ 条件数据")
    need.refresh_from_db()
    assert need.status == "in_service" and need.assignments.get().status == "accepted"


@pytest.mark.req("DIR-05")
def test_cancel_and_reject_paths_need_a_reason(persona):
    owner, commissioner = persona("owner"), persona("commissioner")
    first, second = file_need(owner, title="甲"), file_need(owner, title="乙")
    with pytest.raises(ValidationError):
        services.need_cancel(user=owner, need=first, reason=" ")
    services.need_cancel(user=owner, need=first, reason="已自行解决")
    services.need_reject(user=commissioner, need=second, reason="不属于 NQI 服务范围")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.closing_reason) == ("cancelled", "已自行解决")
    assert (second.status, second.closing_reason) == ("rejected", "不属于 NQI 服务范围")
    assert "cancel" not in selectors.available_actions(first, owner)


@pytest.mark.req("PLT-02")
@pytest.mark.req("DIR-05")
def test_who_sees_which_need(persona):
    def codes(username):
        return set(Need.objects.restrict(persona(username)).values_list("title", flat=True))

    owner_needs = set(Need.objects.filter(enterprise__name="厦门鹭岛显示科技有限公司").values_list("title", flat=True))
    assert codes("owner") == owner_needs
    assert codes("institution") == set(Need.objects.filter(assignments__institution__name=LUJIAN)
                                       .values_list("title", flat=True))
    assert codes("expert") == {"液晶显示面板色域与响应时间第三方检测"}
    district = codes("district")
    assert district == set(Need.objects.filter(enterprise__district="翔安区").values_list("title", flat=True))
    assert "偏光片耐候性试验标准咨询" not in district  # 海沧区
    commissioner = codes("commissioner")
    assert "偏光片耐候性试验标准咨询" in commissioner    # the pool
    assert commissioner == set(Need.objects.filter(commissioner__isnull=True).values_list("title", flat=True)) | \
        set(Need.objects.filter(commissioner__user=persona("commissioner")).values_list("title", flat=True))
    assert codes("city") == set(Need.objects.values_list("title", flat=True))
    assert codes("assoc") == set() and codes("consumer") == set()


@pytest.mark.req("PLT-02")
def test_an_institution_sees_only_its_own_assignment_rows(persona):
    need = Need.objects.get(title="液晶显示面板色域与响应时间第三方检测")
    rows = NeedAssignment.objects.restrict(persona("institution")).filter(need=need)
    assert [r.institution.name for r in rows] == [LUJIAN]  # not the expert's row
    assert NeedAssignment.objects.restrict(persona("owner")).filter(need=need).count() == 2


@pytest.mark.req("PLT-02")
def test_an_institution_is_not_told_who_else_was_assigned(client_as, persona):
    """Neither the need's timeline nor its history names the other providers to an
    institution assigned to it; those who see every assignment still see them."""
    need = Need.objects.get(title="液晶显示面板色域与响应时间第三方检测")
    other = NeedAssignment.objects.filter(need=need).exclude(institution__name=LUJIAN).get()
    other_name = str(other.provider)
    history = reverse("core:history", args=["needs.need", need.pk])
    for page in (client_as("institution").get(need.get_absolute_url()), client_as("institution").get(history)):
        assert page.status_code == 200
        assert other_name not in page.content.decode()
    assert LUJIAN in client_as("institution").get(history).content.decode()  # its own assignment
    assert other_name in client_as("owner").get(history).content.decode()
    assert other_name in client_as("owner").get(need.get_absolute_url()).content.decode()


@pytest.mark.req("DIR-05")
def test_need_pages_follow_the_same_rules(client_as):
    pool = Need.objects.get(title="偏光片耐候性试验标准咨询")
    assert client_as("owner").get(pool.get_absolute_url()).status_code == 404
    page = client_as("commissioner").get(pool.get_absolute_url())
    assert page.status_code == 200 and "take" in page.context["actions"]
    assert 'id="overdue-alert"' in page.content.decode()  # filed 5 days ago, nobody took it
    response = client_as("commissioner").post(reverse("needs:need_take", args=[pool.pk]))
    assert response.status_code == 302
    pool.refresh_from_db()
    assert pool.status == "accepted"
    assert "matches" in client_as("commissioner").get(pool.get_absolute_url()).context


@pytest.mark.req("DIR-05")
def test_enterprise_files_a_need_through_the_form(client_as, persona):
    response = client_as("member").post(reverse("needs:need_add"), {
        "category": "metrology", "title": "玻璃基板测厚仪校准", "product": "玻璃基板", "description": "在线测厚仪需校准。",
        "contact_name": "钱程", "contact_phone": "13906043333"})
    need = Need.objects.get(title="玻璃基板测厚仪校准")
    assert response.status_code == 302 and need.enterprise == persona("member").organization
    bad = client_as("member").post(reverse("needs:need_add"), {"category": "metrology", "title": "坏", "description": "x",
                                                               "contact_name": "钱程", "contact_phone": "123"})
    assert "contact_phone" in bad.context["form"].errors


@pytest.mark.req("DIR-05")
@pytest.mark.req("SEC-07")
def test_the_filers_own_number_is_prefilled_masked_and_saved_in_full(client_as, persona):
    member = persona("member")
    type(member).objects.filter(pk=member.pk).update(mobile="13906047777")
    client = client_as("member")
    page = client.get(reverse("needs:need_add")).content.decode()
    assert "139****7777" in page and "13906047777" not in page
    response = client.post(reverse("needs:need_add"), {
        "category": "metrology", "title": "预填号码需求", "description": "x", "contact_name": "钱程",
        "contact_phone": "139****7777"})
    assert response.status_code == 302
    assert Need.objects.get(title="预填号码需求").contact_phone == "13906047777"
    other = client.post(reverse("needs:need_add"), {
        "category": "metrology", "title": "他人掩码", "description": "x", "contact_name": "钱程",
        "contact_phone": "138****0000"})
    assert "contact_phone" in other.context["form"].errors and not Need.objects.filter(title="他人掩码").exists()


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-09")
def test_the_api_files_and_moves_a_need(api_as, persona):
    owner_api, commissioner_api, institution_api = api_as("owner"), api_as("commissioner"), api_as("institution")
    created = owner_api.post("/api/v1/needs/", {"category": "testing", "title": "API 需求", "description": "测试",
                                                "product": "显示模组", "contact_name": "刘工",
                                                "contact_phone": "13906050006"}, format="json")
    assert created.status_code == 201, created.content
    need_id = created.json()["id"]
    assert created.json()["actions"] == ["cancel", "edit"]
    assert institution_api.post("/api/v1/needs/", {"category": "testing", "title": "x", "description": "x",
                                                   "contact_name": "x", "contact_phone": "13906050006"},
                                format="json").status_code == 403
    assert institution_api.post(f"/api/v1/needs/{need_id}/take/").status_code == 404
    taken = commissioner_api.post(f"/api/v1/needs/{need_id}/take/")
    assert taken.status_code == 200 and taken.json()["status"] == "accepted"
    matches = commissioner_api.get(f"/api/v1/needs/{need_id}/matches/").json()
    lujian = Organization.objects.get(name=LUJIAN)
    assert matches["institutions"][0]["id"] == lujian.pk
    assigned = commissioner_api.post(f"/api/v1/needs/{need_id}/assign/", {"institutions": [lujian.pk]}, format="json")
    assert assigned.json()["status"] == "matched"
    assert institution_api.post(f"/api/v1/needs/{need_id}/accept/").json()["status"] == "in_service"
    delivered = institution_api.post(f"/api/v1/needs/{need_id}/deliver/", {"summary": "报告已出具。"}, format="json")
    assert delivered.json()["status"] == "delivered"
    bad = owner_api.post(f"/api/v1/needs/{need_id}/confirm/", {"overall": "great"}, format="json")
    assert bad.status_code == 400 and "overall" in bad.json()
    closed = owner_api.post(f"/api/v1/needs/{need_id}/confirm/", {
        "timeliness": "satisfied", "professionalism": "satisfied", "courtesy": "satisfied", "overall": "satisfied",
        "resolved": True}, format="json")
    assert closed.json()["status"] == "closed"
    listed = {n["id"] for n in api_as("member").get("/api/v1/needs/").json()["results"]}
    assert need_id not in listed


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-06")
def test_overdue_response_reminds_the_commissioner_once(persona):
    need = Need.objects.get(title="偏光片耐候性试验标准咨询")
    commissioner = persona("commissioner")
    today = timezone.localdate()
    sent = notifications.send_due_reminders(today)
    assert sent >= 1
    key = f"needs:need{need.pk}:respond:{need.response_due}:overdue"
    assert Notification.objects.filter(recipient=commissioner, key=key, level="overdue").exists()
    assert notifications.send_due_reminders(today) == 0


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-11")
def test_open_needs_widget_counts_only_visible_needs(client_as, persona):
    rows = {r["status"]: r["count"] for r in selectors.open_needs_by_status(persona("owner"))}
    expected = Need.objects.restrict(persona("owner")).open()
    assert sum(rows.values()) == expected.count()
    assert rows["delivered"] == expected.filter(status="delivered").count() == 1
    home = client_as("owner").get("/")
    assert 'data-widget="needs-open-by-status"' in home.content.decode()


def _need_form(client, need):
    form = client.get(reverse("needs:need_edit", args=[need.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, "")}
    data["_version"] = need.version
    return data


@pytest.mark.req("SEC-10")
@pytest.mark.req("DIR-05")
def test_the_second_of_two_need_edits_from_the_same_version_is_refused(client_as, persona):
    need = file_need(persona("member"), title="玻璃基板翘曲度复测", product="玻璃基板")
    client = client_as("member")
    url = reverse("needs:need_edit", args=[need.pk])
    first, second = _need_form(client, need), _need_form(client, need)
    first["title"], second["title"] = "第一次编辑的标题", "第二次编辑的标题"
    assert client.post(url, first).status_code == 302
    response = client.post(url, second)
    assert response.status_code == 200 and 'id="stale-edit"' in response.content.decode()
    assert Need.objects.get(pk=need.pk).title == "第一次编辑的标题"
    assert client.post(url, second).status_code == 200  # the same stale form stays refused …
    second["_overwrite_version"] = response.context["stale"]["current_version"]
    assert client.post(url, second).status_code == 302  # … until the user saves over what was shown
    assert Need.objects.get(pk=need.pk).title == "第二次编辑的标题"


@pytest.mark.req("SEC-10")
@pytest.mark.req("DIR-05")
def test_the_need_api_refuses_a_stale_edit(api_as, persona):
    need = file_need(persona("member"), title="API 陈旧编辑", product="玻璃基板")
    api, url = api_as("member"), f"/api/v1/needs/{need.pk}/"
    read = api.get(url)
    etag, version = read["ETag"], read.json()["version"]
    assert api.patch(url, {"title": "先到"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    assert api.patch(url, {"title": "后到"}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    stale = api.patch(url, {"title": "后到", "version": version}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    assert Need.objects.get(pk=need.pk).title == "先到"


@pytest.mark.req("DIR-05")
@pytest.mark.req("DIR-04")
def test_matching_counts_only_lines_under_a_certificate_valid_today(persona):
    """海西计量 holds its 玻璃基板 lines under CMA 201320340456, which expired on 2026-08-31:
    they are not counted, and no reason claims a valid certificate for them."""
    need = file_need(persona("member"), title="玻璃基板厚度检测", product="玻璃基板")
    commissioner = persona("commissioner")
    ranked = selectors.need_matches(need, commissioner, limit=20).institutions
    by_name = {m.provider.name: m for m in ranked}
    haixi, centre = by_name["厦门海西计量测试研究院"], by_name["厦门市光电产品质量检验中心"]
    assert ranked[0].provider.name == "厦门市光电产品质量检验中心"
    assert not any("持有效" in r or "资质" in r and "过期" not in r for r in haixi.reasons)
    assert any("过期" in r for r in haixi.reasons)
    assert {c.certificate_status for c in haixi.capabilities} == {"expired"}
    assert any("CMA 231320340789" in r for r in centre.reasons)  # the certificate actually covering the line
    assert haixi.score < centre.score
    # Renewed, the lines count and the reason names the certificate.
    Organization.objects.get(name="厦门海西计量测试研究院").qualifications.filter(kind="CMA").update(
        valid_until=datetime.date(2032, 8, 31))
    renewed = {m.provider.name: m for m in selectors.need_matches(need, commissioner, limit=20).institutions}
    assert renewed["厦门海西计量测试研究院"].score > haixi.score
    assert any("CMA 201320340456" in r for r in renewed["厦门海西计量测试研究院"].reasons)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.req("PLT-02")
@pytest.mark.req("PLT-04")
def test_an_assigned_institution_gets_the_needs_files_not_the_enterprises(client_as, persona, settings, tmp_path):
    """鹭检 serves 鹭岛显示's needs: it sees the need's files and the enterprise's record, never
    the enterprise's own file set (licences, reports), during the service or after it closes."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhilian.core import attachments
    from zhilian.core.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    enterprise = Organization.objects.get(name="厦门鹭岛显示科技有限公司")
    need = Need.objects.get(title="车载显示屏中性盐雾试验")  # 鹭检 accepted, in service
    closed = Need.objects.get(title="液晶显示面板色域与响应时间第三方检测")  # 鹭检 delivered, closed
    city = persona("city")
    licence = attachments.attachment_add(user=city, owner=enterprise, uploaded=SimpleUploadedFile("营业执照.pdf", PDF))
    drawing = attachments.attachment_add(user=city, owner=need, uploaded=SimpleUploadedFile("样品图纸.pdf", PDF))
    institution = client_as("institution")
    download = lambda a: institution.get(reverse("core:attachment_download", args=[a.pk])).status_code  # noqa: E731
    assert closed.status == "closed" and need.status == "in_service"
    assert download(drawing) == 200
    assert download(licence) == 404
    assert institution.get(enterprise.get_absolute_url()).status_code == 200  # the record itself stays visible
    assert not Attachment.objects.restrict(persona("institution"), "view").filter(pk=licence.pk).exists()
    page = institution.get(enterprise.get_absolute_url()).content.decode()
    assert "营业执照.pdf" not in page
    # Those who see the enterprise by role or district keep its files.
    assert client_as("owner").get(reverse("core:attachment_download", args=[licence.pk])).status_code == 200
    assert client_as("mgmt").get(reverse("core:attachment_download", args=[licence.pk])).status_code == 200


@pytest.mark.req("PLT-13")
@pytest.mark.req("PLT-05")
@pytest.mark.req("DIR-05")
def test_the_demo_needs_tell_a_dated_story_by_the_working_day_rule():
    from zhilian.core import calendar
    from zhilian.core.models import AuditEvent

    local = timezone.localtime
    for need in Need.objects.select_related("enterprise", "commissioner"):
        filed = local(need.filed_at)
        assert need.response_due == calendar.add_working_days(filed.date(), 2).date, need.title
        moments = [m for m in (need.filed_at, need.accepted_at, need.delivered_at, need.closed_at) if m]
        assert moments == sorted(moments) and len(set(moments)) == len(moments), need.title
        if need.delivered_at:
            assert need.feedback_due == calendar.add_working_days(local(need.delivered_at).date(), 5).date
        if need.commissioner_id:  # taken or refused by the commissioner serving the enterprise's district
            assert need.enterprise.district in need.commissioner.district_list, need.title
        events = AuditEvent.objects.for_object(need).order_by("timestamp")
        assert abs(events.first().timestamp - need.filed_at) < datetime.timedelta(seconds=5), need.title
    overdue = Need.objects.get(title="偏光片耐候性试验标准咨询")
    filed = local(overdue.filed_at)
    assert filed.date() == datetime.date(2026, 11, 27) and filed.weekday() == 4  # a Friday
    assert overdue.response_due == datetime.date(2026, 12, 1) and overdue.response_overdue  # the Tuesday after
    closed = Need.objects.get(title="液晶显示面板色域与响应时间第三方检测")
    assert closed.closed_at - closed.filed_at > datetime.timedelta(days=14)
    timeline = AuditEvent.objects.for_object(closed).order_by("timestamp")
    assert timeline.last().timestamp - timeline.first().timestamp > datetime.timedelta(days=14)
    codes = list(Need.objects.order_by("filed_at").values_list("code", flat=True))
    assert codes == sorted(codes)  # numbered in the order they were filed


@pytest.mark.req("PLT-05")
@pytest.mark.req("DIR-05")
def test_steps_recorded_afterwards_are_checked_dated_and_timed_when_they_happened(persona):
    """core.clock.recorded_at is the one way to record the past: the services date, check
    and count deadlines from the recorded moment, and the timeline shows it."""
    from zhilian.core import clock

    owner, commissioner = persona("owner"), persona("commissioner")
    friday = timezone.make_aware(datetime.datetime(2026, 11, 27, 16, 0))
    monday = timezone.make_aware(datetime.datetime(2026, 11, 30, 9, 30))
    with clock.recorded_at(friday):  # the expected date was still ahead then
        need = file_need(owner, title="周五下午登记的需求", expected_date=datetime.date(2026, 12, 1))
    need.refresh_from_db()
    assert need.filed_at == need.created_at == friday
    assert need.response_due == datetime.date(2026, 12, 1)  # two working days: Monday, Tuesday
    with clock.recorded_at(monday):
        assert not need.response_overdue
        services.need_take(user=commissioner, need=need)
        services.need_assign(user=commissioner, need=need, institutions=[Organization.objects.get(name=LUJIAN)])
    need.refresh_from_db()
    assignment = need.assignments.get()
    assert need.accepted_at == need.updated_at == monday
    assert assignment.assigned_at == monday and assignment.respond_due == datetime.date(2026, 12, 3)
    timeline = selectors.need_timeline(need, owner)
    assert {e.event.timestamp for e in timeline} == {friday, monday}
    assert {n.created_at for n in Notification.objects.filter(key__startswith=f"need{need.pk}:")} == {friday, monday}


@pytest.mark.req("PLT-10")
def test_need_pages_read_well_in_chinese(client_as):
    new = client_as("member").get(reverse("needs:need_add")).content.decode()
    assert "<h1>新建 NQI 需求</h1>" in new and "<title>新建 NQI 需求 ·" in new
    closed = Need.objects.get(title="液晶显示面板色域与响应时间第三方检测")
    page = client_as("owner").get(closed.get_absolute_url()).content.decode()
    assert "陈立群 已接单" in page and "陈立群</span> · 陈立群" not in page


@pytest.mark.req("PLT-05")
def test_those_who_work_to_deadlines_read_the_calendar_only_the_system_administrator_edits_it(client_as):
    from zhilian.core.models import CalendarDay

    url = reverse("core:calendar")
    for username in ("mgmt", "city", "district", "commissioner", "institution", "owner"):
        page = client_as(username).get(url, {"year": 2026})
        assert page.status_code == 200, username
        assert page.context["can_edit"] is False and 'name="add_day"' not in page.content.decode(), username
    assert client_as("consumer").get(url).status_code == 403
    day = CalendarDay.objects.create(date=datetime.date(2027, 1, 1), is_workday=False, name="元旦")
    client_as("mgmt").post(url, {"delete_day": day.pk})
    assert CalendarDay.objects.filter(pk=day.pk).exists()  # a reader's post changes nothing
    assert client_as("sysadmin").get(url).context["can_edit"] is True


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-02")
def test_a_withdrawal_reads_as_the_commissioners_and_the_needs_record_names_no_provider(persona):
    assignment = NeedAssignment.objects.filter(status__in=["offered", "accepted"],
                                               need__commissioner__user__isnull=False).first()
    need = assignment.need
    commissioner = need.commissioner.user
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    services.assignment_withdraw(user=commissioner, assignment=assignment, reason="企业只需要一家")
    entries = selectors.need_timeline(need, commissioner)
    withdrawn = [e for e in entries if "企业只需要一家" in str(e.changes) or "企业只需要一家" in e.text]
    assert withdrawn
    labels = {label for e in withdrawn for label in e.changes}
    assert "撤回原因" in labels and "谢绝原因" not in labels
    need_records = AuditEvent.objects.filter(content_type__model="need", object_id=str(need.pk), id__gt=last)
    assert not any(str(assignment.provider) in (e.message_shown or "") for e in need_records)
