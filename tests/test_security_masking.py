"""Personal numbers are masked on every page, API response and export (SEC-07).

Walks the URLconf like the permission walk, so pages other apps add later are scanned
without changes here: every page without arguments, every object page for every object
the persona may see, every API list and object, and every list page's Excel export. Any
11-digit mainland mobile number or 18-character identity number in a response fails.
"""

import io
import re

import openpyxl
import pytest
from django.apps import apps
from django.urls import reverse

from tests.test_permission_walk import PK_KWARGS, _action_for, _model_for, _patterns, _to_path

MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")

# An unprivileged regulator, a service commissioner (sees enterprises and experts), and the
# city bureau, which holds the unmask permission but sees masked numbers until it asks.
PERSONAS = ["district", "commissioner", "city"]


def personal_values():
    """Every mobile and identity number stored anywhere, from the models' personal fields."""
    from zhilian.core import masking

    values = set()
    for model in apps.get_models():
        fields = masking.personal_fields(model)
        for name in fields:
            values.update(v for v in model._base_manager.values_list(name, flat=True) if v and len(v) >= 11)
    return values


def leaks(text: str, known: set[str]) -> list[str]:
    found = MOBILE.findall(text) + ID_NUMBER.findall(text)
    found += [v for v in known if v in text]
    return sorted(set(found))


def xlsx_text(content: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None)


# Where the text of an Office document's XML breaks (paragraph, cell, line break), so that
# neighbouring cells are not read as one number; other tags join the runs of one paragraph,
# so a number Word split over several runs is read whole.
_XML_BREAKS = re.compile(r"</w:p>|</w:tc>|<w:br\b[^>]*>|<w:cr\b[^>]*>|<w:tab\b[^>]*>|</a:p>|</c>|</si>|</row>")
_XML_TAGS = re.compile(r"<[^>]+>")


def office_text(content: bytes) -> str:
    """The text of every XML part of an Office (OOXML) package: .docx, .pptx, .xlsx."""
    import html
    import zipfile

    parts = []
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        for name in package.namelist():
            if name.endswith(".xml"):
                xml = package.read(name).decode("utf-8", errors="replace")
                parts.append(html.unescape(_XML_TAGS.sub("", _XML_BREAKS.sub("\n", xml))))
    return "\n".join(parts)


def body_text(response) -> str:
    content_type = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if "spreadsheetml" in content_type:
        return xlsx_text(content)
    if content.startswith(b"PK\x03\x04"):  # .docx and other packages are compressed XML
        return office_text(content)
    return content.decode(errors="replace")


@pytest.mark.req("SEC-07")
def test_the_demo_data_holds_numbers_the_scan_would_catch(db):
    """The scan below can fail: the demo has mobiles and identity numbers, and the patterns find them."""
    values = personal_values()
    assert any(MOBILE.fullmatch(v) for v in values)
    assert any(ID_NUMBER.fullmatch(v) for v in values)


@pytest.mark.req("SEC-07")
def test_the_scan_reads_word_documents_as_text():
    """A .docx is compressed: scanned as bytes it showed no number at all. Its XML is read,
    with a number Word split over two runs read whole and neighbouring cells kept apart."""
    import docx
    from django.http import HttpResponse

    document = docx.Document()
    paragraph = document.add_paragraph("联系电话：")
    paragraph.add_run("139")
    paragraph.add_run("06050001")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "2026", "1234567"
    out = io.BytesIO()
    document.save(out)
    response = HttpResponse(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument."
                                                         "wordprocessingml.document")
    assert not leaks(out.getvalue().decode(errors="replace"), set())  # what the scan used to see
    assert leaks(body_text(response), set()) == ["13906050001"]


@pytest.mark.req("SEC-07")
@pytest.mark.parametrize("username", PERSONAS)
def test_no_page_api_response_or_export_shows_a_full_number(username, client_as, api_as, persona):
    user = persona(username)
    web, api = client_as(username), api_as(username)
    known = personal_values()
    found, scanned, documents = {}, 0, []

    def scan(path, response):
        nonlocal scanned
        if response.status_code != 200:
            return
        scanned += 1
        if "wordprocessingml" in response.get("Content-Type", ""):
            documents.append(path)
        hits = leaks(body_text(response), known)
        if hits:
            found[path] = hits

    for route, pattern, name in _patterns():
        keys = set(pattern.pattern.converters) if hasattr(pattern.pattern, "converters") else set()
        is_api = route.startswith("api/")
        client = api if is_api else web
        model = _model_for(pattern)
        if keys & set(PK_KWARGS):
            if model is None or not hasattr(model.objects, "restrict") or keys - set(PK_KWARGS):
                continue
            action = "view" if is_api else _action_for(pattern, route)
            for pk in model.objects.restrict(user, action).values_list("pk", flat=True):
                path = _to_path(route, pk=pk)
                scan(path, client.get(path))
            continue
        if keys:
            continue
        path = _to_path(route)
        response = client.get(path)
        scan(path, response)
        if not is_api and response.status_code == 200 and b'id="export-xlsx"' in response.content:
            scan(path + "?export=xlsx", client.get(path, {"export": "xlsx"}))
    assert scanned > 20
    if username == "city":  # the application forms, task books and intake forms it may download
        assert len(documents) >= 3, documents
    assert not found, f"{username} sees full personal numbers: {found}"


@pytest.mark.req("SEC-07")
def test_masked_format_keeps_the_first_and_last_digits(client_as):
    from zhilian.directory.models import Expert

    expert = Expert.objects.exclude(mobile="").exclude(id_number="").first()
    body = client_as("district").get(expert.get_absolute_url()).content.decode()
    assert f"{expert.mobile[:3]}****{expert.mobile[-4:]}" in body
    assert f"{expert.id_number[:6]}********{expert.id_number[-4:]}" in body


@pytest.mark.req("SEC-07")
def test_unmasking_needs_the_permission_and_is_audited(client_as):
    from zhilian.core.models import AuditAction, AuditEvent
    from zhilian.directory.models import Expert

    expert = Expert.objects.exclude(mobile="").first()
    url = reverse("core:unmask", args=["directory.expert", expert.pk, "mobile"])
    assert client_as("district").post(url).status_code == 403  # no unmask permission
    city = client_as("city")
    assert "core:unmask" and b"zl-unmask" in city.get(expert.get_absolute_url()).content  # the reveal button
    assert city.get(url).status_code == 405  # a reveal writes an audit record: POST only
    response = city.post(url)
    assert response.status_code == 200 and response.json()["value"] == expert.mobile
    event = AuditEvent.objects.filter(action=AuditAction.UNMASK, object_id=str(expert.pk)).first()
    assert event is not None and event.actor_name == "city"
    not_personal = reverse("core:unmask", args=["directory.expert", expert.pk, "name"])
    assert city.post(not_personal).status_code == 403


@pytest.mark.req("SEC-07")
def test_full_numbers_in_exports_and_api_only_on_request_and_audited(client_as, api_as):
    from zhilian.core.models import AuditAction, AuditEvent
    from zhilian.directory.models import Organization

    org = Organization.objects.filter(district="翔安区", kind="enterprise").first()
    Organization.objects.filter(pk=org.pk).update(contact_phone="13906059999")
    org.refresh_from_db()
    city_api, district_api = api_as("city"), api_as("district")
    url = f"/api/v1/organizations/{org.pk}/"
    assert city_api.get(url).json()["contact_phone"] == f"{org.contact_phone[:3]}****{org.contact_phone[-4:]}"
    before = AuditEvent.objects.filter(action=AuditAction.UNMASK).count()
    assert city_api.get(url, {"unmask": "1"}).json()["contact_phone"] == org.contact_phone
    assert AuditEvent.objects.filter(action=AuditAction.UNMASK).count() == before + 1
    assert district_api.get(url, {"unmask": "1"}).status_code in (200, 404)
    if district_api.get(url).status_code == 200:
        assert district_api.get(url, {"unmask": "1"}).json()["contact_phone"] != org.contact_phone
    export = client_as("city").get(reverse("directory:organization_list"), {"export": "xlsx", "unmask": "1"})
    assert org.contact_phone in xlsx_text(export.content)
    assert AuditEvent.objects.filter(action=AuditAction.UNMASK).count() == before + 2


@pytest.mark.req("SEC-07")
def test_a_masked_value_sent_back_unchanged_keeps_the_stored_number(client_as, api_as):
    from zhilian.directory.models import Organization

    org = Organization.objects.filter(district="翔安区", kind="enterprise").first()
    Organization.objects.filter(pk=org.pk).update(contact_phone="13906059999")
    org.refresh_from_db()
    stored = org.contact_phone
    api = api_as("city")
    shown = api.get(f"/api/v1/organizations/{org.pk}/").json()
    response = api.patch(f"/api/v1/organizations/{org.pk}/", {"contact_phone": shown["contact_phone"], "address": "翔安区新址 8 号"},
                         format="json")
    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert org.contact_phone == stored and org.address == "翔安区新址 8 号"
    # The page form too: the masked value round-trips, a new number replaces it.
    client = client_as("city")
    url = reverse("directory:organization_edit", args=[org.pk])
    form = client.get(url).context["form"]
    assert form.initial["contact_phone"] == f"{stored[:3]}****{stored[-4:]}"
    data = {k: v for k, v in form.initial.items() if v is not None and k != "service_domains"}
    data.update({"_version": org.version, "established_on": org.established_on.isoformat() if org.established_on else ""})
    assert client.post(url, data).status_code == 302
    org.refresh_from_db()
    assert org.contact_phone == stored
    data.update({"_version": org.version, "contact_phone": "13800001111"})
    assert client.post(url, data).status_code == 302
    org.refresh_from_db()
    assert org.contact_phone == "13800001111"


@pytest.mark.req("SEC-07")
def test_a_masked_instance_refuses_to_be_saved(db):
    from zhilian.core import masking
    from zhilian.directory.models import Expert

    expert = masking.mask_instance(Expert.objects.exclude(mobile="").first())
    with pytest.raises(RuntimeError):
        expert.save()
