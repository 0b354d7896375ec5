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


@pytest.mark.req("DIR-04")
def test_a_line_whose_certificate_is_not_yet_in_force_says_so_everywhere(client_as, api_as, persona):
    """A certificate on record but issued after today: the line was badged 无证书记录 ("no certificate
    on record"), which it has. It reads 尚未生效 ("not yet in force") on the institution's page,
    the capability list, the roster (page and workbook) and the API (whose schema
    lists the value), and is still not counted as qualified."""
    import io

    import openpyxl
    from drf_spectacular.generators import SchemaGenerator

    from zhilian.directory.selectors import capability_roster

    haixi = Organization.objects.get(name=HAIXI)
    starts = timezone.localdate() + datetime.timedelta(days=10)
    InstitutionQualification.objects.filter(organization=haixi, kind="CMA").update(
        issued_on=starts, valid_until=starts + datetime.timedelta(days=5 * 365))
    lines = models.TestingCapability.objects.filter(institution=haixi, qualification="CMA")
    assert lines.exists()
    assert {line.certificate_status for line in lines} == {"not_yet_valid"}  # read one by one
    assert {line.certificate_status for line in lines.with_certificate()} == {"not_yet_valid"}  # in SQL
    assert not any(line.is_qualified for line in lines) and all(line.certificate_lapsed for line in lines)

    client = client_as("mgmt")
    for url in (haixi.get_absolute_url(),
                reverse("directory:capability_list") + f"?institution={haixi.pk}&qualification=CMA",
                reverse("directory:capability_roster") + "?keywords=玻璃基板"):
        html = client.get(url).content.decode()
        assert "zl-cert-not-yet-valid" in html and "尚未生效" in html, url
        assert f"{starts:%Y-%m-%d}" in html, url  # the badge says from when
        assert "zl-cert-missing" not in html and "无证书记录" not in html, url

    entries = {e.institution.name: e for e in capability_roster("玻璃基板", persona("member"))}
    assert {c.certificate_status for c in entries[HAIXI].capabilities if c.qualification == "CMA"} == {
        "not_yet_valid"}
    assert entries[HAIXI].lapsed_count == sum(1 for c in entries[HAIXI].capabilities if c.qualification == "CMA")
    export = client.get(reverse("directory:capability_roster"), {"keywords": "玻璃基板", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert "尚未生效（不计入有效资质）" in {r[10] for r in sheet.iter_rows(min_row=3, values_only=True) if r[5]}

    api = api_as("mgmt")
    listed = api.get("/api/v1/capabilities/", {"institution": haixi.pk, "qualification": "CMA"}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows and {r["certificate_status"] for r in rows} == {"not_yet_valid"}
    assert api.get(f"/api/v1/capabilities/{rows[0]['id']}/").json()["certificate_status"] == "not_yet_valid"

    schema = SchemaGenerator().get_schema(request=None, public=True)
    field = schema["components"]["schemas"]["TestingCapability"]["properties"]["certificate_status"]
    enum_refs = [s["$ref"].rsplit("/", 1)[1] for s in field.get("oneOf", [field]) if "$ref" in s]
    values = {v for name in enum_refs for v in schema["components"]["schemas"][name]["enum"]}
    assert {"valid", "expiring", "expired", "not_yet_valid", "missing"} <= values
    assert "not_yet_valid" in field["description"]


@pytest.mark.req("DIR-01")
def test_a_certificate_not_yet_in_force_is_not_called_valid(client_as, api_as):
    """The certificate itself, issued after today, read 有效 / ``valid`` in the certificate list,
    the institution's certificate table, the API and the roster workbook, while its capability
    lines read 尚未生效: each now says 尚未生效 / ``not_yet_valid`` too."""
    import io

    import openpyxl

    haixi = Organization.objects.get(name=HAIXI)
    starts = timezone.localdate() + datetime.timedelta(days=10)
    InstitutionQualification.objects.filter(organization=haixi, kind="CMA").update(
        issued_on=starts, valid_until=starts + datetime.timedelta(days=5 * 365))
    certificate = InstitutionQualification.objects.filter(organization=haixi, kind="CMA").first()
    assert certificate.expiry_status == "not_yet_valid"

    client = client_as("mgmt")
    listed = client.get(reverse("directory:qualification_list"), {"q": certificate.certificate_no}).content.decode()
    assert certificate.certificate_no in listed and "尚未生效" in listed
    page = client.get(haixi.get_absolute_url()).content.decode()
    assert f'id="qualification-{certificate.pk}" data-status="not_yet_valid"' in page

    body = api_as("mgmt").get(f"/api/v1/organizations/{haixi.pk}/").json()
    assert {q["expiry_status"] for q in body["qualifications"] if q["id"] == certificate.pk} == {"not_yet_valid"}

    export = client.get(reverse("directory:capability_roster"), {"keywords": "玻璃基板", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    cells = [str(c) for r in sheet.iter_rows(min_row=3, values_only=True) for c in r if c and certificate.certificate_no in str(c)]
    assert cells and all("尚未生效" in c for c in cells)
