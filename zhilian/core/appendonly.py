"""The audit log is append-only in the database itself (SEC-06, PLT-03).

Triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on ``core_auditevent``,
whoever sends them: the ORM, raw SQL, a shell. Rewriting a record by inserting over it is
refused too: SQLite's ``INSERT OR REPLACE`` by a trigger on INSERT that refuses an existing
id, PostgreSQL's ``INSERT … ON CONFLICT DO UPDATE`` by the UPDATE trigger (PostgreSQL has no
REPLACE; ``MERGE`` fires the same row triggers). The one exception is a *maintenance window*:
while the table ``zl_audit_maintenance`` holds a row, the triggers let changes through.
That table is not a Django model and the application never writes it; only two things
open a window, each inside a single transaction so no other connection ever sees it open:

- ``zhilian flush`` when the test settings are active (pytest's live-server and browser
  tests empty the database after each test; SQLite empties tables with DELETE);
- ``zhilian restore --replace``, which replaces the whole database with a backup.

The triggers are (re)installed after every ``migrate``: on SQLite a migration that rebuilds
the table would otherwise drop them silently. docs/security.md explains what a deployment
adds on PostgreSQL (a separate owner role) to make the window unreachable for the app.
"""

import contextlib

from django.core import checks
from django.db import connections, transaction
from django.utils import timezone

TABLE = "core_auditevent"
MAINTENANCE_TABLE = "zl_audit_maintenance"

_SQLITE = [
    f"CREATE TABLE IF NOT EXISTS {MAINTENANCE_TABLE} (reason TEXT NOT NULL, started_at TEXT NOT NULL)",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        WHEN NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE})
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END""",  # nosec B608 - constant table names
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        WHEN NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE})
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END""",  # nosec B608 - constant table names
    # INSERT OR REPLACE / REPLACE INTO with an existing id deletes the old row without firing
    # delete triggers (unless recursive_triggers is on), so an insert may never name an
    # existing record. Upserts (ON CONFLICT DO UPDATE) are refused here too, before the update.
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_replace BEFORE INSERT ON {TABLE}
        WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id)
            AND NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE})
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: replacing a record refused'); END""",  # nosec B608 - constant table names
]

_POSTGRESQL = [
    f"CREATE TABLE IF NOT EXISTS {MAINTENANCE_TABLE} (reason text NOT NULL, started_at timestamptz NOT NULL)",
    f"""CREATE OR REPLACE FUNCTION zl_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE}) THEN
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$""",  # nosec B608 - constant table names
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
    f"""CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION zl_audit_append_only()""",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"""CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION zl_audit_append_only()""",
]


def statements(vendor: str) -> list[str]:
    return {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}.get(vendor, [])


def install(using: str = "default") -> None:
    """Create the maintenance table and the triggers (idempotent)."""
    connection = connections[using]
    if TABLE not in connection.introspection.table_names():
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for sql in statements(connection.vendor):
            cursor.execute(sql)


def is_protected(using: str = "default") -> bool:
    """Whether the triggers are in place (tests, and ``zhilian check --database default``)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            return cursor.fetchone()[0] >= 3
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE])
            return cursor.fetchone()[0] >= 2
    return False


@contextlib.contextmanager
def maintenance(reason: str, using: str = "default"):
    """Let UPDATE / DELETE through inside one transaction (flush under test, restore)."""
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {MAINTENANCE_TABLE} (reason, started_at) VALUES (%s, %s)",  # nosec B608 - constant table names
                           [reason[:200], timezone.now().isoformat()])
        yield
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {MAINTENANCE_TABLE}")  # nosec B608 - constant table names


@checks.register(checks.Tags.database)
def check_audit_log_is_append_only(app_configs=None, databases=None, **kwargs):
    """``zhilian check --database default``: the audit table's triggers are in place."""
    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor not in ("sqlite", "postgresql") or TABLE not in connection.introspection.table_names():
            continue
        if not is_protected(alias):
            errors.append(checks.Error(
                f"The audit log table {TABLE} on database {alias!r} accepts UPDATE and DELETE.",
                hint="Run `zhilian migrate` (the core migrations install the append-only triggers).",
                id="zhilian.E001"))
    return errors
