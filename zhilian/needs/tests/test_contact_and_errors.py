"""A need's contact phone reaches the parties who must call it; a rejected filing names every
fault at once (DIR-05, SEC-07, PLT-02, PLT-12)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhilian.core.models import AuditAction, AuditEvent
from zhilian.directory.models import Organization
from zhilian.needs import services
from zhilian.needs.models import Need
from zhilian.needs.tests.helpers import file_need

pytestmark = pytest.mark.django_db

LUJIAN = "厦门鹭检检测技术有限公司"


@pytest.mark.req("DIR-05")
@pytest.mark.req("SEC-07")
@pytest.mark.req("PLT-02")
def test_the_parties_of_a_need_may_reveal_its_contact_phone_and_nobody_else(client_as, api_as, persona):
    """The commissioner who took a need calls the enterprise: it reveals the contact phone on
    the need's page and with ?unmask=1 on the need's API record, audited as an unmask; so do
    the enterprise and a provider once it accepted. The pool of commissioners, a district
    bureau and a provider still to answer keep seeing it masked."""
    owner, commissioner = persona("owner"), persona("commissioner")
    need = file_need(owner, contact_phone="13906058888")
    full, masked = "13906058888", "139****8888"
    unmask = reverse("core:unmask", args=["needs.need", need.pk, "contact_phone"])
    api_url = f"/api/v1/needs/{need.pk}/"

    def reveals(username):
        page = client_as(username).get(need.get_absolute_url()).content.decode()
        assert masked in page and full not in page  # masked until asked, whoever reads
        before = AuditEvent.objects.filter(action=AuditAction.UNMASK, object_id=str(need.pk)).count()
        posted = client_as(username).post(unmask)
        api = api_as(username)
        assert api.get(api_url).json()["contact_phone"] == masked
        shown = api.get(api_url, {"unmask": "1"}).json()["contact_phone"]
        after = AuditEvent.objects.filter(action=AuditAction.UNMASK, object_id=str(need.pk)).count()
        if posted.status_code == 200:
            assert 'data-field="contact_phone"' in page and "zl-unmask" in page
            assert posted.json()["value"] == full and shown == full and after == before + 2
            return True
        assert posted.status_code == 403 and "zl-unmask" not in page and shown == masked and after == before
        return False

    assert reveals("owner")
    assert not reveals("commissioner")  # in the pool: not yet taken
    assert not reveals("liujia")  # another commissioner of the pool
    services.need_take(user=commissioner, need=need)
    assert reveals("commissioner")
    assert client_as("liujia").get(need.get_absolute_url()).status_code == 404
    assert not reveals("district")  # sees its district's needs, does not call enterprises
    events = AuditEvent.objects.filter(action=AuditAction.UNMASK, object_id=str(need.pk), actor_name="commissioner")
    assert events.count() == 2
    # A list never reveals by the record's rule: full numbers there need the unmask permission.
    listed = api_as("commissioner").get("/api/v1/needs/", {"unmask": "1"}).json()["results"]
    assert listed and all(row["contact_phone"] != full for row in listed)
    lujian = Organization.objects.get(name=LUJIAN)
    services.need_assign(user=commissioner, need=need, institutions=[lujian])
    assert not reveals("institution")  # offered, not accepted
    services.assignment_accept(user=persona("institution"), need=need)
    assert reveals("institution")
    # The unmask permission (city bureau) reveals it as before.
    assert client_as("city").post(unmask).json()["value"] == full


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-12")
def test_the_api_reports_every_fault_of_a_need_at_once(api_as, persona):
    """Field errors (a category, a missing title) and the service's (a date in the past, a bad
    phone, an enterprise the commissioner does not serve) come in one 400, each under its
    field; nothing is filed. Before, each fixed request revealed the next error."""
    before = Need.objects.count()
    body = {"category": "bad", "title": "", "description": "测试", "contact_name": "刘工", "contact_phone": "12",
            "expected_date": "2001-01-01"}
    response = api_as("owner").post("/api/v1/needs/", body, format="json")
    assert response.status_code == 400
    assert {"category", "title", "contact_phone", "expected_date"} <= set(response.json()), response.json()
    fields_ok = api_as("owner").post("/api/v1/needs/", {**body, "category": "testing", "title": "t"}, format="json")
    assert fields_ok.status_code == 400 and set(fields_ok.json()) == {"contact_phone", "expected_date"}
    commissioner = persona("commissioner")
    unseen = Organization.objects.filter(kind="enterprise").exclude(
        pk__in=Organization.objects.restrict(commissioner, "view").values("pk")).first()
    if unseen is not None:
        by_commissioner = api_as("commissioner").post("/api/v1/needs/", {**body, "enterprise": unseen.pk},
                                                      format="json")
        assert by_commissioner.status_code == 400
        assert {"enterprise", "category", "title", "contact_phone", "expected_date"} <= set(by_commissioner.json())
    assert Need.objects.count() == before
    # Who may not file needs is refused as before (403), not told about the fields.
    assert api_as("institution").post("/api/v1/needs/", body, format="json").status_code == 403
    # The service called directly refuses every fault at once too.
    with pytest.raises(ValidationError) as exc:
        file_need(persona("owner"), category="bad", contact_phone="12", expected_date=datetime.date(2001, 1, 1))
    assert {"category", "contact_phone", "expected_date"} <= set(exc.value.message_dict)
    assert Need.objects.count() == before


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-12")
def test_an_edit_may_not_move_the_expected_date_into_the_past(api_as, persona):
    """The rule is the service's, so the API's PATCH keeps it as the web form does: an edit
    that moves the expected date into the past is refused at the field with every other fault
    of the body, and nothing changes. A date that passed since filing may stay as it is."""
    owner = persona("owner")
    due = datetime.date.today() + datetime.timedelta(days=30)
    need = file_need(owner, expected_date=due)
    url = f"/api/v1/needs/{need.pk}/"
    response = api_as("owner").patch(url, {"expected_date": "2001-01-01", "title": "改后的标题", "contact_phone": "12"},
                                      format="json")
    assert response.status_code == 400, response.content
    assert {"expected_date", "contact_phone"} <= set(response.json()), response.json()
    need.refresh_from_db()
    assert need.expected_date == due and need.title == "偏光片耐候性第三方检测"
    with pytest.raises(ValidationError) as exc:
        services.need_update(user=owner, need=need, expected_date=datetime.date(2001, 1, 1), title="x")
    assert set(exc.value.message_dict) == {"expected_date"}
    need.refresh_from_db()
    assert need.expected_date == due and need.title == "偏光片耐候性第三方检测"
    # A date already past is kept through an edit of another field.
    Need.objects.filter(pk=need.pk).update(expected_date=datetime.date(2001, 1, 1))
    need.refresh_from_db()
    services.need_update(user=owner, need=need, expected_date=datetime.date(2001, 1, 1), title="只改标题")
    need.refresh_from_db()
    assert need.title == "只改标题"
