
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhilian.core.models import Attachment
from zhilian.directory.models import Organization

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _upload(client, org, name, content, category="证明材料"):
    url = reverse("core:attachment_upload", args=["directory.organization", org.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content), "category": category})


@pytest.mark.req("PLT-04")
def test_evidence_upload_and_download_by_someone_who_may_see_the_owner(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    org = Organization.objects.get(name="厦门翔光玻璃基板有限公司")
    response = _upload(client_as("city"), org, "验收报告.pdf", PDF)
    assert response.status_code == 302
    attachment = Attachment.objects.get(object_id=org.pk, original_name="验收报告.pdf")
    assert attachment.kind == "document" and attachment.size == len(PDF)
    assert "验收报告" not in attachment.file.name  # server-generated storage name
    download = client_as("member").get(reverse("core:attachment_download", args=[attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.req("PLT-04")
def test_download_refused_like_a_missing_file_when_the_owner_is_invisible(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    org = Organization.objects.get(name="厦门翔光玻璃基板有限公司")  # 翔安区 enterprise
    _upload(client_as("city"), org, "报告.pdf", PDF)
    attachment = Attachment.objects.get(object_id=org.pk)
    # Another enterprise may not see this enterprise, so neither its files.
    assert client_as("owner").get(reverse("core:attachment_download", args=[attachment.pk])).status_code == 404
    assert client_as("owner").get(reverse("core:attachment_download", args=[999999])).status_code == 404


@pytest.mark.req("PLT-04")
@pytest.mark.parametrize("name,content", [("病毒.exe", b"MZ\x90\x00"), ("伪装.pdf", PNG), ("空.pdf", b"")])
def test_wrong_type_or_disguised_content_is_refused_and_nothing_is_stored(client_as, settings, tmp_path, name, content):
    settings.MEDIA_ROOT = tmp_path
    org = Organization.objects.get(name="厦门翔光玻璃基板有限公司")
    before = Attachment.objects.count()
    response = _upload(client_as("city"), org, name, content)
    assert response.status_code == 302
    assert Attachment.objects.count() == before
    assert not any(tmp_path.rglob("*.*"))


@pytest.mark.req("PLT-04")
def test_size_limit(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ZHILIAN_UPLOAD_MAX_BYTES = 1024
    org = Organization.objects.get(name="厦门翔光玻璃基板有限公司")
    response = _upload(client_as("city"), org, "大图.png", PNG + b"\x00" * 2048)
    assert response.status_code == 302
    assert not Attachment.objects.filter(object_id=org.pk).exists()


@pytest.mark.req("PLT-04")
def test_s3_storage_is_a_setting(monkeypatch):
    import importlib

    import zhilian.settings as s

    monkeypatch.setenv("ZHILIAN_S3_BUCKET", "zhilian-evidence")
    monkeypatch.setenv("ZHILIAN_S3_ENDPOINT_URL", "http://minio.local:9000")
    reloaded = importlib.reload(s)
    try:
        assert reloaded.STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
        assert reloaded.STORAGES["default"]["OPTIONS"]["bucket_name"] == "zhilian-evidence"
    finally:
        monkeypatch.delenv("ZHILIAN_S3_BUCKET")
        importlib.reload(s)

