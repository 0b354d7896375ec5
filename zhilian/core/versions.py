"""Table versions: a number per database table that changes whenever the table's rows do.

Every statement that writes a table (INSERT, UPDATE, DELETE, TRUNCATE: forms, services,
imports, ``queryset.update()``, raw SQL through Django) is seen by an execute wrapper on
each connection; once its transaction commits, the table's row in ``core_tableversion`` is
incremented. A computed result keyed by the versions of the tables it read
(``core.resultcache``) is therefore never served after any of them changed, in any process:
the versions live in the database every worker shares.

Why after the commit: a version raised inside the writing transaction would let a reader
see the new version with the old rows and keep the old rows under it. Raised after the
commit, a reader that still gets the old version gets the old rows too, which is what a
read a moment earlier would have returned.

Writes the wrapper cannot see (psql, a restore, COPY) are followed by :func:`bump_all`
(``zhilian migrate`` and ``zhilian restore`` do it).

Within a request the versions are read once, when a kept result first needs them, and
every kept result the request uses is checked against that reading (:func:`current` and
:func:`snapshot`): one query however many kept results a page is made of. The reading is
dropped when this connection writes (its own writes must be seen) and when the request ends.
"""

import logging
import re
import secrets

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created

log = logging.getLogger(__name__)

TABLE = "core_tableversion"
_WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?([A-Za-z0-9_]+)"?',
                    re.IGNORECASE)
_TRUNCATE = re.compile(r"^\s*TRUNCATE\b", re.IGNORECASE)
_QUOTED = re.compile(r'"([A-Za-z0-9_]+)"')
# Tables written on every request or by the scheduler that no cached result reads.
IGNORED = {TABLE, "django_session", "accounts_usersession", "core_auditevent", "accounts_signinattempt",
           "django_migrations"}


def _testing() -> bool:
    return getattr(settings, "TESTING", False)


def _new_version() -> int:
    # Random rather than +1: a version never comes back, even after its row was deleted and
    # made again (a flush, a restore) or a transaction that raised it rolled back.
    return secrets.randbits(62)


def _in_transaction(connection) -> bool:
    """Inside a transaction the code opened (not the one a test case wraps every test in)."""
    return any(not block._from_testcase for block in connection.atomic_blocks)


def _note_write(connection, tables) -> None:
    tables = [t for t in tables if t not in IGNORED]
    if not tables:
        return
    connection.__dict__.pop("_zl_request_versions", None)
    if _in_transaction(connection):
        # Raised by run_and_clear_commit_hooks below once the transaction committed.
        connection.__dict__.setdefault("_zl_written", set()).update(tables)
    elif connection.vendor == "postgresql" and not connection.in_atomic_block:
        _bump(connection, tables)  # autocommit: the statement is committed already
    else:
        # SQLite cannot run another statement while this one may still return rows (INSERT …
        # RETURNING), and tests never commit their transaction: raised before the next
        # statement, the next version read, or the end of the request.
        connection.__dict__.setdefault("_zl_unsettled", set()).update(tables)


def settle(connection) -> None:
    """Raise the versions of tables written in autocommit (or in a test) not raised yet."""
    unsettled = connection.__dict__.pop("_zl_unsettled", None)
    if unsettled:
        _bump(connection, unsettled)


def _execute_wrapper(execute, sql, params, many, context):
    connection = context["connection"]
    if "_zl_unsettled" in connection.__dict__ and not connection.__dict__.get("_zl_bumping"):
        settle(connection)
    result = execute(sql, params, many, context)
    if isinstance(sql, str):
        match = _WRITE.match(sql)
        if match:
            connection.__dict__["_zl_write_count"] = connection.__dict__.get("_zl_write_count", 0) + 1
            _note_write(connection, [match.group(1)])
        elif _TRUNCATE.match(sql):
            connection.__dict__["_zl_write_count"] = connection.__dict__.get("_zl_write_count", 0) + 1
            _note_write(connection, _QUOTED.findall(sql))
    return result


def _table_exists(connection) -> bool:
    # Until the core migration made it (during the first migrate) there is nothing to raise.
    if not connection.__dict__.get("_zl_versions_exist"):
        if TABLE not in connection.introspection.table_names():
            return False
        connection.__dict__["_zl_versions_exist"] = True
    return True


def _bump(connection, tables) -> None:
    tables = sorted(set(tables) - IGNORED)
    if not tables or connection.__dict__.get("_zl_bumping") or not _table_exists(connection):
        return
    connection.__dict__["_zl_bumping"] = True
    connection.__dict__.pop("_zl_request_versions", None)
    try:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"UPDATE {TABLE} SET version = %s WHERE table_name = %s",  # nosec B608
                               [_new_version(), table])
                if cursor.rowcount == 0:
                    cursor.execute(f"INSERT INTO {TABLE} (table_name, version) VALUES (%s, %s) "  # nosec B608
                                   "ON CONFLICT (table_name) DO NOTHING", [table, _new_version()])
    except Exception:  # noqa: BLE001 - the write itself succeeded; a kept result expires on its own
        log.exception("could not raise the versions of %s", tables)
        if _testing():
            raise
    finally:
        connection.__dict__.pop("_zl_bumping", None)


def _install(sender, connection, **kwargs):
    if _execute_wrapper in connection.execute_wrappers:
        return
    connection.execute_wrappers.append(_execute_wrapper)
    run_hooks = connection.run_and_clear_commit_hooks

    def run_and_clear_commit_hooks():
        # Django calls this once the outermost transaction committed and autocommit is on again.
        run_hooks()
        written = connection.__dict__.pop("_zl_written", None)
        if written:
            _bump(connection, written)

    connection.run_and_clear_commit_hooks = run_and_clear_commit_hooks
    rollback = connection.rollback

    def rollback_and_forget():
        rollback()
        connection.__dict__.pop("_zl_written", None)

    connection.rollback = rollback_and_forget
    savepoint_commit, savepoint_rollback = connection.savepoint_commit, connection.savepoint_rollback

    # In a test case the code's outermost transaction is a savepoint of the test's: its
    # release stands for the commit (and its rollback for the rollback).
    def release(sid):
        savepoint_commit(sid)
        if not _in_transaction(connection) and "_zl_written" in connection.__dict__:
            connection.__dict__.setdefault("_zl_unsettled", set()).update(connection.__dict__.pop("_zl_written"))

    def roll_back_to(sid):
        savepoint_rollback(sid)
        if not _in_transaction(connection):
            connection.__dict__.pop("_zl_written", None)

    connection.savepoint_commit, connection.savepoint_rollback = release, roll_back_to


def _settle_all(**kwargs) -> None:
    for connection in connections.all(initialized_only=True):
        settle(connection)
        connection.__dict__.pop("_zl_request_versions", None)
        connection.__dict__.pop("_zl_in_request", None)


def _request_started(**kwargs) -> None:
    for connection in connections.all():
        connection.__dict__.pop("_zl_request_versions", None)
        connection.__dict__["_zl_in_request"] = True


def connect() -> None:
    from django.core.signals import request_finished, request_started

    connection_created.connect(_install, dispatch_uid="zhilian-table-versions")
    request_started.connect(_request_started, dispatch_uid="zhilian-table-versions-request")
    request_finished.connect(_settle_all, dispatch_uid="zhilian-table-versions-settle")
    for connection in connections.all(initialized_only=True):
        _install(None, connection)


def current(tables, using="default") -> tuple | None:
    """The versions of ``tables`` (in name order), or None when a result over them must not
    be cached: a table without a version yet, or one this connection wrote in a transaction
    not committed yet (its rows moved, its version has not)."""
    tables = sorted(set(tables))
    if not tables:
        return ()
    connection = connections[using]
    settle(connection)
    pending = connection.__dict__.get("_zl_written")
    if pending and pending.intersection(tables):
        return None
    found = _request_versions(connection)
    if found is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT table_name, version FROM {TABLE} WHERE table_name IN "  # nosec B608
                           f"({', '.join(['%s'] * len(tables))})", tables)
            found = dict(cursor.fetchall())
    if any(t not in found for t in tables):
        return None
    return tuple(found[t] for t in tables)


def _read_all(connection) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT table_name, version FROM {TABLE}")  # nosec B608
        return dict(cursor.fetchall())


def _request_versions(connection) -> dict | None:
    """Every table's version as read once in this request (None outside a request)."""
    if not connection.__dict__.get("_zl_in_request"):
        return None
    found = connection.__dict__.get("_zl_request_versions")
    if found is None:
        found = _read_all(connection)
        if "_zl_unsettled" in connection.__dict__ or connection.__dict__.get("_zl_written"):
            return found  # (read while writes are pending: not kept for the rest of the request)
        connection.__dict__["_zl_request_versions"] = found
    return found


def snapshot(using="default") -> dict | None:
    """Every table's version, or None while this connection has uncommitted writes."""
    connection = connections[using]
    settle(connection)
    if connection.__dict__.get("_zl_written"):
        return None
    found = _request_versions(connection)
    return dict(found) if found is not None else _read_all(connection)


def bump_all(using="default") -> None:
    """Give every table a new version (after writes Django did not make: COPY, a restore)."""
    connection = connections[using]
    if not _table_exists(connection):
        return
    tables = set(connection.introspection.table_names()) - IGNORED
    _bump(connection, tables)


_TABLES = re.compile(r'(?:FROM|JOIN)\s+"([A-Za-z0-9_]+)"', re.IGNORECASE)


def tables_of(sql: str) -> set[str]:
    """The tables a compiled query reads (subqueries included)."""
    return set(_TABLES.findall(sql)) - {TABLE}
