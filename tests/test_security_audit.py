"""The audit log: sign-ins and denials recorded, append-only in the database, browsed,
filtered and exported by the audit administrator (SEC-06)."""

import io

import openpyxl
import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from zhilian.core import appendonly, audit
from zhilian.core.models import AuditAction, AuditEvent
from zhilian.directory.models import Organization

pytestmark = pytest.mark.django_db


def one_event():
    return audit.write(action=AuditAction.SECURITY, object_repr="raw-sql-probe", message="原始记录")


@pytest.mark.req("SEC-06")
def test_the_database_refuses_update_of_an_audit_record_sent_as_raw_sql():
    event = one_event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET message = %s WHERE id = %s", ["篡改", event.pk])
    assert AuditEvent.objects.get(pk=event.pk).message == "原始记录"


@pytest.mark.req("SEC-06")
def test_the_database_refuses_delete_of_audit_records_sent_as_raw_sql():
    event = one_event()
    total = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")
    assert AuditEvent.objects.count() == total


@pytest.mark.req("SEC-06")
def test_the_orm_cannot_change_or_delete_audit_records_either():
    event = one_event()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(message="篡改")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk, message="原始记录").exists()


def _insert_over(event, verb: str, suffix: str = "") -> None:
    """Send ``<verb> core_auditevent (every column) VALUES (event's row, message 篡改) <suffix>``."""
    import json

    columns = [f.column for f in AuditEvent._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM core_auditevent WHERE id = %s", [event.pk])
        row = [json.dumps(v) if isinstance(v, (dict, list)) else v for v in cursor.fetchone()]
    row[columns.index("message")] = "篡改"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"{verb} core_auditevent ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(row))}) {suffix}",
                       row)


@pytest.mark.req("SEC-06")
@pytest.mark.parametrize("verb, suffix", [
    ("INSERT OR REPLACE INTO", ""),   # SQLite: deletes the old row without firing delete triggers
    ("REPLACE INTO", ""),             # SQLite: the same
    ("INSERT INTO", "ON CONFLICT (id) DO UPDATE SET message = excluded.message"),  # both: an upsert
])
def test_the_database_refuses_to_replace_an_audit_record_by_inserting_over_it(verb, suffix):
    if connection.vendor != "sqlite" and "REPLACE" in verb:
        pytest.skip("REPLACE exists on SQLite only")
    event = one_event()
    total = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"):
        _insert_over(event, verb, suffix)
    assert AuditEvent.objects.get(pk=event.pk).message == "原始记录"
    assert AuditEvent.objects.count() == total
    one_event()  # an ordinary insert still works


@pytest.mark.req("SEC-06")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL only")
def test_postgresql_refuses_truncate_of_the_audit_log():
    one_event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE core_auditevent")
    assert AuditEvent.objects.exists()


@pytest.mark.req("SEC-06")
def test_the_maintenance_window_is_the_only_way_through_and_closes_with_its_transaction():
    assert appendonly.is_protected()
    event = one_event()
    with appendonly.maintenance("test"):
        AuditEvent.objects.filter(pk=event.pk).update(message="维护窗口")
    assert AuditEvent.objects.get(pk=event.pk).message == "维护窗口"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {appendonly.MAINTENANCE_TABLE}")
        assert cursor.fetchone()[0] == 0
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(message="again")


@pytest.mark.req("SEC-06")
def test_triggers_are_reinstalled_after_every_migrate():
    """A migration that rebuilds the table on SQLite would drop them: post_migrate puts them back."""
    from django.db.models.signals import post_migrate

    from zhilian.core.apps import _install_append_only

    assert any(getattr(r[1], "__name__", "") == "_install_append_only" or r[1]() is _install_append_only
               for r in post_migrate.receivers)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditevent_no_delete")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_append_only ON core_auditevent")
    assert not appendonly.is_protected()
    # `zhilian check --database default` reports the missing triggers.
    assert [e.id for e in appendonly.check_audit_log_is_append_only(databases=["default"])] == ["zhilian.E001"]
    _install_append_only()
    assert appendonly.is_protected()
    assert appendonly.check_audit_log_is_append_only(databases=["default"]) == []


@pytest.mark.req("SEC-06")
def test_flush_outside_the_test_settings_refuses_to_erase_the_log(settings):
    from django.core.management import CommandError, call_command

    one_event()
    settings.TESTING = False
    with pytest.raises(CommandError, match="append-only"):
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.exists() and Organization.objects.exists()


@pytest.mark.req("SEC-06")
def test_permission_denials_are_recorded(client_as, api_as):
    other_district = Organization.objects.get(name="厦门思明视讯科技有限公司")
    # A page the role may not open at all (403) …
    assert client_as("owner").get(reverse("core:audit_list")).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED, actor_name="owner",
                                     message__contains="/audit/").exists()
    # … an object outside the role's scope, which answers 404 like a missing one …
    assert client_as("district").get(other_district.get_absolute_url()).status_code == 404
    event = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED, actor_name="district").first()
    assert event.object_id == str(other_district.pk)
    # … the same through the API; a truly missing id records nothing.
    assert api_as("district").get(f"/api/v1/organizations/{other_district.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED, actor_name="district").count() == 2
    assert client_as("district").get("/directory/organizations/999999/").status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED, actor_name="district").count() == 2


@pytest.mark.req("SEC-06")
def test_the_audit_administrator_filters_the_log(client_as):
    org = Organization.objects.get(name="厦门翔光玻璃基板有限公司")
    org.address = "翔安区审计测试路 1 号"
    org.save()
    client = client_as("auditor")
    page = client.get(reverse("core:audit_list"), {"action": "update", "q": "翔光"})
    events = list(page.context["page"].object_list)
    assert events and all(e.action == "update" and "翔光" in e.object_repr for e in events)
    assert client.get(reverse("core:audit_detail", args=[events[0].pk])).status_code == 200
    none = client.get(reverse("core:audit_list"), {"start": "2001-01-01", "end": "2001-01-02"})
    assert list(none.context["page"].object_list) == []
    bad = client.get(reverse("core:audit_list"), {"start": "2026-02-01", "end": "2026-01-01"})
    assert bad.status_code == 200 and bad.context["form"].errors


@pytest.mark.req("SEC-06")
def test_the_audit_administrator_exports_the_log_and_the_export_is_itself_recorded(client_as):
    one_event()
    client = client_as("auditor")
    response = client.get(reverse("core:audit_list"), {"export": "xlsx", "q": "raw-sql-probe"})
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "时间 Time" and any("raw-sql-probe" in str(r) for r in rows[1:])
    csv_response = client.get(reverse("core:audit_list"), {"export": "csv", "q": "raw-sql-probe"})
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert "raw-sql-probe" in text and text.startswith("时间 Time")
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, actor_name="auditor").count() == 2


@pytest.mark.req("SEC-06")
def test_only_the_audit_administrator_reads_the_log(client_as, api_as):
    from conftest import ALL_PERSONAS

    for username in ALL_PERSONAS:
        expected = 200 if username == "auditor" else 403
        assert client_as(username).get(reverse("core:audit_list")).status_code == expected, username
        assert api_as(username).get("/api/v1/audit-events/").status_code == expected, username
    event = one_event()
    assert client_as("city").get(reverse("core:audit_detail", args=[event.pk])).status_code == 403


@pytest.mark.req("SEC-06")
def test_log_shipping_reads_new_records_in_order_through_the_api(api_as):
    first = one_event()
    second = one_event()
    data = api_as("auditor").get("/api/v1/audit-events/", {"after_id": first.pk - 1}).json()
    ids = [row["id"] for row in data["results"]]
    assert ids[:2] == [first.pk, second.pk] and ids == sorted(ids)
    assert api_as("auditor").post("/api/v1/audit-events/", {}).status_code in (403, 405)
