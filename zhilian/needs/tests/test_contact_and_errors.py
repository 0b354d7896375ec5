"""A need's contact phone reaches the parties who must call it; a rejected filing names every
fault at once (DIR-05, SEC-07, PLT-02, PLT-12)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from zhilian.directory.models import Organization
from zhilian.needs import services
from zhilian.needs.models import Need

pytestmark = pytest.mark.django_db


def file_need(user, **overrides):
    data = {"enterprise": user.organization, "category": "testing", "title": "偏光片耐候性第三方检测",
            "description": "出口客户要求高温高湿 500 h 试验，需第三方报告。", "product": "偏光片",
            "contact_name": "刘工", "contact_phone": "13906050006"}
    data.update(overrides)
    return services.need_file(user=user, **data)


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
