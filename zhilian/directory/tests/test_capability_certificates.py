"""A capability line is claimed only under a certificate kind its institution holds (DIR-04).

No certificate of the kind at all: refused at ``qualification`` (page and API, one service).
A certificate that does not cover today (expired, not yet in force): saved, and said so; the
pages list such a line flagged "not counted as qualified", and a renewal makes it count.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from zhilian.directory import models, services
from zhilian.directory.models import InstitutionQualification, Organization

pytestmark = pytest.mark.django_db

LUJIAN = "厦门鹭检检测技术有限公司"  # CMA and CNAS on record, no CAL; the "institution" persona's own
HAIXI = "厦门海西计量测试研究院"

LINE = {"product": "偏光片", "parameter": "雾度", "method": "雾度计法", "standard_code": "GB/T 2410-2008",
        "limitation": ""}


@pytest.mark.req("DIR-04")
def test_the_form_refuses_a_kind_the_institution_holds_no_certificate_of(client_as):
    lujian = Organization.objects.get(name=LUJIAN)
    client = client_as("institution")
    refused = client.post(reverse("directory:capability_add"), {**LINE, "institution": lujian.pk, "qualification": "CAL"})
    assert refused.status_code == 200
    errors = refused.context["form"].errors
    assert list(errors) == ["qualification"]
    assert "未登记 CAL 资质证书" in errors["qualification"][0] and LUJIAN in errors["qualification"][0]
    assert not models.TestingCapability.objects.filter(institution=lujian, parameter="雾度").exists()

    saved = client.post(reverse("directory:capability_add"), {**LINE, "institution": lujian.pk, "qualification": "CMA"})
    assert saved.status_code == 302
    assert models.TestingCapability.objects.filter(institution=lujian, parameter="雾度", qualification="CMA").exists()
    # A line not accredited under any kind needs no certificate.
    plain = client.post(reverse("directory:capability_add"),
                        {**LINE, "parameter": "外观", "institution": lujian.pk, "qualification": ""})
    assert plain.status_code == 302


@pytest.mark.req("DIR-04")
@pytest.mark.req("PLT-12")
def test_the_api_refuses_it_too_on_create_and_on_change(api_as):
    lujian = Organization.objects.get(name=LUJIAN)
    api = api_as("institution")
    refused = api.post("/api/v1/capabilities/", {**LINE, "institution": lujian.pk, "qualification": "CAL"},
                       format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["qualification"]
    assert not models.TestingCapability.objects.filter(institution=lujian, parameter="雾度").exists()

    line = models.TestingCapability.objects.filter(institution=lujian, qualification="CNAS").first()
    changed = api.patch(f"/api/v1/capabilities/{line.pk}/", {"qualification": "CAL", "version": line.version},
                        format="json")
    assert changed.status_code == 400 and "qualification" in changed.json()
    line.refresh_from_db()
    assert line.qualification == "CNAS"
    # Another field of a line under a held kind changes as before; the answer states the certificate.
    ok = api.patch(f"/api/v1/capabilities/{line.pk}/", {"limitation": "仅限 10 英寸以下", "version": line.version},
                   format="json")
    assert ok.status_code == 200 and ok.json()["certificate_status"] == "valid"


@pytest.mark.req("DIR-04")
def test_the_api_lists_each_lines_certificate_status_as_of_the_certificates_now(api_as):
    """The list reads the statuses in its query; a kept answer goes when a certificate changes."""
    lujian = Organization.objects.get(name=LUJIAN)
    api = api_as("owner")

    def statuses():
        body = api.get("/api/v1/capabilities/", {"institution": lujian.pk, "qualification": "CMA"}).json()
        return {r["certificate_status"] for r in (body["results"] if isinstance(body, dict) else body)}

    assert statuses() == {"valid"}
    InstitutionQualification.objects.filter(organization=lujian, kind="CMA").update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1))
    assert statuses() == {"expired"}


@pytest.mark.req("DIR-04")
def test_a_line_under_an_expired_certificate_is_saved_and_the_user_is_told(client_as, api_as):
    """As the pages treat it: kept, flagged expired, not counted; the save says so."""
    haixi = Organization.objects.get(name=HAIXI)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    InstitutionQualification.objects.filter(organization=haixi, kind="CMA").update(valid_until=yesterday)
    response = client_as("mgmt").post(reverse("directory:capability_add"),
                                      {**LINE, "institution": haixi.pk, "qualification": "CMA"}, follow=True)
    line = models.TestingCapability.objects.get(institution=haixi, parameter="雾度")
    assert line.certificate_status == "expired"
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert any("CMA 201320340456" in w and "已于 %s 过期" % f"{yesterday:%Y-%m-%d}" in w for w in warnings), warnings
    assert "zl-cert-expired" in client_as("mgmt").get(haixi.get_absolute_url()).content.decode()

    created = api_as("mgmt").post("/api/v1/capabilities/",
                                  {**LINE, "parameter": "透光率", "institution": haixi.pk, "qualification": "CMA"},
                                  format="json")
    assert created.status_code == 201 and created.json()["certificate_status"] == "expired"
    listed = api_as("mgmt").get("/api/v1/capabilities/", {"institution": haixi.pk}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert {r["certificate_status"] for r in rows if r["qualification"] == "CMA"} == {"expired"}


@pytest.mark.req("DIR-04")
@pytest.mark.req("PLT-13")
def test_every_demo_line_cites_a_kind_its_institution_holds(persona):
    user = persona("mgmt")
    lines = models.TestingCapability.objects.exclude(qualification="").select_related("institution")
    assert lines.exists()
    for line in lines:
        assert services.capability_certificate_errors(
            user=user, institution=line.institution, qualification=line.qualification) == {}, str(line)
