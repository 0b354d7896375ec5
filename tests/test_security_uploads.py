"""Uploads: allow-list checked against content, size limit, server-generated names,
downloads only through the permission-checked view as attachments (SEC-08)."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhilian.core import attachments
from zhilian.core.models import Attachment
from zhilian.directory.models import Organization

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def ooxml(prefix="word/", macro=False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(f"{prefix}document.xml", "<w:document/>")
        if macro:
            zf.writestr(f"{prefix}vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    return out.getvalue()


def org():
    return Organization.objects.get(name="厦门翔光玻璃基板有限公司")


def upload(client, name, content):
    url = reverse("core:attachment_upload", args=["directory.organization", org().pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)


@pytest.mark.req("SEC-08")
@pytest.mark.parametrize("name, content, code", [
    ("tool.exe", EXE, "extension"),
    ("page.html", b"<html><script>alert(1)</script></html>", "extension"),
    ("logo.svg", b"<svg onload='alert(1)'/>", "extension"),
    ("report.pdf", EXE, "content"),                     # an executable renamed .pdf
    ("photo.png", b"just some text pretending", "content"),
    ("plan.docx", ooxml("xl/"), "content"),             # a spreadsheet renamed .docx
    ("plan.docx", ooxml(macro=True), "macro"),          # a macro document renamed .docx
    ("empty.pdf", b"", "empty"),
])
def test_files_are_checked_by_extension_and_by_content(name, content, code):
    with pytest.raises(ValidationError) as excinfo:
        attachments.validate_upload(SimpleUploadedFile(name, content))
    assert excinfo.value.code == code


@pytest.mark.req("SEC-08")
def test_a_genuine_office_document_is_accepted():
    assert attachments.validate_upload(SimpleUploadedFile("方案.docx", ooxml())) == ("document", "docx")


@pytest.mark.req("SEC-08")
def test_an_oversized_file_is_dropped_while_it_streams_in(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ZHILIAN_UPLOAD_MAX_BYTES = 64 * 1024
    response = upload(client_as("city"), "big.pdf", PDF + b"0" * (200 * 1024))
    assert "big.pdf" in response.content.decode() and "64 MB" not in response.content.decode()
    assert not Attachment.objects.filter(original_name="big.pdf").exists()
    assert not any(tmp_path.rglob("*.pdf"))


@pytest.mark.req("SEC-08")
def test_storage_names_are_generated_by_the_server(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload(client_as("city"), "../../etc/报告.pdf", PDF)
    attachment = Attachment.objects.get(original_name="报告.pdf")
    assert ".." not in attachment.file.name and "报告" not in attachment.file.name
    assert attachment.file.name.startswith("attachments/") and attachment.file.name.endswith(".pdf")
    assert (tmp_path / attachment.file.name).exists() and not (tmp_path.parent / "etc").exists()


@pytest.mark.req("SEC-08")
def test_downloads_go_only_through_the_permission_checked_view(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload(client_as("city"), "抽检报告.pdf", PDF)
    attachment = Attachment.objects.get(original_name="抽检报告.pdf")
    url = reverse("core:attachment_download", args=[attachment.pk])
    response = client_as("district").get(url)  # the enterprise is in 翔安区
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream" and response["X-Content-Type-Options"] == "nosniff"
    assert client_as("owner").get(url).status_code == 404  # another enterprise's evidence
    assert client_as("owner").get(f"/media-not-served/{attachment.file.name}").status_code == 404
    assert client_as("city").get(f"/media/{attachment.file.name}").status_code == 404


@pytest.mark.req("SEC-09")
def test_the_upload_form_does_not_redirect_off_site(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("core:attachment_upload", args=["directory.organization", org().pk])
    response = client_as("city").post(url, {"file": SimpleUploadedFile("a.pdf", PDF), "return_url": "https://evil.example/"})
    assert response.status_code == 302 and not response["Location"].startswith("https://evil")
