"""Backup and restore of the database and the stored files (SEC-12)."""

import io
import json
import tarfile

import pytest
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from zhilian.core import attachments, audit
from zhilian.core.backup import backed_up_models
from zhilian.core.models import Attachment, AuditAction, AuditEvent
from zhilian.directory.models import Organization

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def snapshot():
    """Every backed-up row, serialized, per model (the audit log up to now included)."""
    rows = {}
    for model in backed_up_models():
        rows[model._meta.label_lower] = serializers.serialize(
            "json", model._base_manager.order_by("pk"), use_natural_foreign_keys=True)
    return rows


@pytest.fixture
def populated(persona):
    """The demo platform plus an attachment, a second factor, an API token and audit records."""
    from rest_framework.authtoken.models import Token

    org = Organization.objects.get(name="厦门翔光玻璃基板有限公司")
    upload = ContentFile(PDF, name="抽检报告.pdf")
    attachment = attachments.attachment_add(user=persona("city"), owner=org, uploaded=upload, category="检验报告")
    Token.objects.get_or_create(user=persona("owner"))
    audit.write(action=AuditAction.SECURITY, object_repr="before-backup", message="备份前的记录")
    return attachment


@pytest.mark.req("SEC-12")
def test_a_populated_platform_round_trips_through_backup_and_restore(populated, tmp_path):
    before = snapshot()
    stored_name = populated.file.name
    assert before["core.auditevent"] and before["accounts.user"] and before["otp_totp.totpdevice"]
    path = tmp_path / "backup.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    assert path.stat().st_mode & 0o777 == 0o600

    # Things go wrong after the backup: data changed and deleted, a file lost.
    Organization.objects.filter(name="厦门翔光玻璃基板有限公司").update(address="被改掉的地址")
    Attachment.objects.filter(pk=populated.pk).delete()
    default_storage.delete(stored_name)
    audit.write(action=AuditAction.SECURITY, object_repr="after-backup")

    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(path), stdout=io.StringIO())
    call_command("restore", str(path), "--replace", stdout=io.StringIO())

    after = snapshot()
    restored_audit = json.loads(after.pop("core.auditevent"))
    original_audit = json.loads(before.pop("core.auditevent"))
    assert after.keys() == before.keys()
    for label in before:
        was, now = json.loads(before[label]), json.loads(after[label])
        assert now == was, f"{label}: {[(a, b) for a, b in zip(was, now) if a != b][:1]}"
    # The log is the backup's, plus one record saying that a restore happened.
    assert restored_audit[: len(original_audit)] == original_audit
    assert [e["fields"]["message"][:8] for e in restored_audit[len(original_audit):]] == ["Restored"]
    with default_storage.open(stored_name, "rb") as fh:
        assert fh.read() == PDF
    assert not AuditEvent.objects.filter(object_repr="after-backup").exists()


@pytest.mark.req("SEC-12")
def test_a_damaged_backup_is_refused_before_anything_changes(populated, tmp_path):
    path = tmp_path / "backup.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(path, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "data.jsonl":
                data = data.replace("厦门翔光玻璃基板有限公司".encode(), "厦门某某公司".encode())
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    before = snapshot()
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(damaged), "--replace", stdout=io.StringIO())
    assert snapshot() == before
    out = io.StringIO()
    call_command("restore", str(path), "--check", stdout=out)
    assert "intact" in out.getvalue()


@pytest.mark.req("SEC-12")
def test_a_backup_from_a_newer_installation_is_refused(populated, tmp_path):
    path = tmp_path / "backup.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    newer = tmp_path / "newer.tar.gz"
    with tarfile.open(path, "r:gz") as source, tarfile.open(newer, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["migrations"].append(["core", "9999_from_the_future"])
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match="newer installation"):
        call_command("restore", str(newer), "--replace", stdout=io.StringIO())


@pytest.mark.req("SEC-12")
def test_a_restore_ends_the_sessions_a_session_cache_holds_too(populated, tmp_path, client_as, settings):
    # With Redis the sessions are read from the cache (cached_db): the restore empties the
    # database's sessions, and must end the copies in the cache as well.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                      "LOCATION": "restore-sessions-test"}}
    client = client_as("city")
    assert client.get("/directory/organizations/").status_code == 200
    path = tmp_path / "backup.tar.gz"
    call_command("backup", str(path), stdout=io.StringIO())
    call_command("restore", str(path), "--replace", stdout=io.StringIO())
    response = client.get("/directory/organizations/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
