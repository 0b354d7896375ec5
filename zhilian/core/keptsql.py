"""Queries whose SQL is written once per shape and scope, then run with other values.

Django writes a query's SQL anew each time it runs: on a detail page each of its five or six
small queries (the record, its certificates, its first capability lines …) spends 0.2–0.3 ms
of Python building and compiling, more than the database spends answering it. ``rows()``
builds such a query once with stand-in values, keeps the SQL and the compiler that wrote it,
and afterwards runs the kept SQL with the caller's values through Django's own iterables
(model instances, ``values()`` dicts, prefetching)::

    lines = keptsql.rows("institution-lines", TestingCapability, user, "view",
                         lambda rows, pk: rows.filter(institution=pk).only(*FIELDS)[:10], institution.pk)

``build`` gets ``Model.objects.restrict(user, action, arrays=True)`` (a scope's long lists of
ids as one array each, so that they fit) and the values; it must depend on
nothing else (no clock, no request), since the SQL it returns is reused for every call with
the same name and scope. Values are ints, strings or model instances (their key), each
compared by equality (``=``, ``in`` a one-value list), or lists of ids looked up as one array
(``…__zl_in_array``; on SQLite, where that is ``IN``, such a query runs unkept): a value
Django rewrites (``icontains`` adds ``%``) or uses twice is not found in the parameters, and
the query then runs unkept.

The user's scope is part of the key: a kept scope (``RestrictedQuerySet._kept_condition``)
carries a token that changes whenever it is built again (a table it read changed, the
account changed, a new day), so a kept statement never outlives the scope it was written
with. A scope that is not kept (``ZHILIAN_RESULT_CACHE=0``, an unsaved account) runs unkept.

On PostgreSQL a kept statement runs prepared (:func:`prepared_rows`): the database parses and
plans it once per connection too (``ZHILIAN_PREPARED_STATEMENTS=0`` turns that off).
"""

from __future__ import annotations

import copy
import functools
import threading
from collections import OrderedDict

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections, models

from .permissions import scope_token

_LIMIT = 512  # statements kept per process, least recently used out first
_kept: OrderedDict = OrderedDict()
_lock = threading.Lock()
_UNWRITTEN = object()
# A scope listing many ids (a consortium member's targeted achievements) sends them all with
# every query; one-row lookups narrow such lists to the row instead (``restrict(rows=…)``).
_MAX_PARAMETERS = 32
_INT_BASE = -1_987_654_320  # stand-ins: no key or count of the platform's is negative


class _Statement:
    __slots__ = ("template", "compiler", "sql", "params", "positions")

    def __init__(self, template, compiler, sql, params, positions):
        self.template, self.compiler, self.sql, self.params = template, compiler, sql, params
        self.positions = positions

    def queryset(self, values):
        """The template queryset, cloned, answering through the kept compiler with ``values``."""
        params = list(self.params)
        for position, value in zip(self.positions, values):
            params[position] = value
        compiler = copy.copy(self.compiler)
        # This thread's connection: the one the statement was written with may be another
        # thread's (threaded workers, a test's live server).
        compiler.connection = connections[compiler.using]
        statement = (self.sql, tuple(params))
        compiler.as_sql = lambda *args, **kwargs: statement
        if _prepares(compiler.connection):
            compiler.execute_sql = lambda *args, **kwargs: _run_prepared(compiler, *statement)
        clone = self.template._chain()
        clone.query.get_compiler = lambda *args, **kwargs: compiler
        return clone


def _prepares(connection) -> bool:
    return connection.vendor == "postgresql" and settings.ZHILIAN_PREPARED_STATEMENTS


@functools.cache
def _preparing_cursor():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, **kwargs):
            return super().execute(query, params, prepare=True)

    return PreparingCursor


def _run_prepared(compiler, sql, params):
    """A kept statement's rows as the compiler's ``execute_sql`` returns them (one chunk)."""
    rows = prepared_rows(compiler.connection, sql, params)
    if compiler.has_extra_select:
        rows = [row[:compiler.col_count] for row in rows]
    return [rows]


def prepared_rows(connection, sql, params) -> list:
    """The rows of ``sql`` run as a statement PostgreSQL keeps prepared on the connection: parsed
    and planned once, not on every page. Only fixed statements whose values are keys and ids
    compared by equality are run so (kept statements, ``core.related``): one plan serves every
    value there, whereas a searched pattern needs a plan that sees it (why Django's cursors bind
    values into the text). Through Django's cursor wrapper, so the execute wrappers (table
    versions, kept results' reads) see it as any query."""
    if not _prepares(connection) or connection.queries_logged:
        # Queries being recorded (debug, a test capturing them) are recorded as Django's own
        # cursors send them, values in the text: a prepared statement's text has placeholders.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with connection.wrap_database_errors:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        connection.validate_thread_sharing()
        cursor = connection.make_cursor(_preparing_cursor()(connection.connection))
    with cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _value(value):
    if isinstance(value, (set, frozenset, tuple)) and all(type(i) is int for i in value):
        return sorted(value)  # ids in any collection: one list, in one order
    return value.pk if isinstance(value, models.Model) else value


def _ids(value) -> bool:
    return type(value) is list and all(type(i) is int and i in _INT_RANGE for i in value)


def _stand_in(index: int, value):
    if _ids(value):  # two ids, so that Django keeps it a list (one id can become ``=``)
        return [_INT_BASE - 1000 - 2 * index, _INT_BASE - 1001 - 2 * index]
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    return _INT_BASE - index if isinstance(value, int) else f"\x1fzl-kept-sql-{index}\x1f"


def _write(build, restricted, values) -> _Statement | None:
    stand_ins = [_stand_in(i, v) for i, v in enumerate(values)]
    if any(s is None for s in stand_ins):
        return None
    return written(lambda *values: build(restricted, *values), stand_ins)


def written(build, stand_ins: list) -> _Statement | None:
    """``build(*stand_ins)`` compiled, with the place of each stand-in among its parameters;
    None when its query cannot be compiled (the values' own query says why, run unkept), a
    stand-in is not found exactly once (Django rewrote or repeated it) or it has too many."""
    try:
        template = build(*stand_ins)
        compiler = template.query.get_compiler(using=template.db)
        sql, params = compiler.as_sql()
    except (EmptyResultSet, ValueError, TypeError, ValidationError):
        return None
    params = list(params)
    positions = []
    for stand_in in stand_ins:
        found = [i for i, p in enumerate(params) if type(p) is type(stand_in) and p == stand_in]
        if len(found) != 1:
            return None
        positions.append(found[0])
    if len(params) > _MAX_PARAMETERS:
        return None
    return _Statement(template, compiler, sql, params, positions)


def rows(name: str, base, user, action: str, build, *values) -> list:
    """``list(build(base.restrict(user, action), *values))``, with its SQL kept. ``base``: a
    model's manager or a queryset of it (``select_related`` …); ``name`` names the shape of
    ``base`` and ``build`` together."""
    values = [_value(v) for v in values]
    found = _kept_rows(name, base, user, action, build, values)
    return found if found is not None else list(build(base.restrict(user, action), *values))


def kept_rows(name: str, base, user, action: str, build, *values) -> list | None:
    """What :func:`rows` answers when the statement can be kept, else None (the caller runs
    its query its own way)."""
    return _kept_rows(name, base, user, action, build, [_value(v) for v in values])


# What any integer column holds at most: a statement is sent its values as they are, and
# SQLite's driver refuses a larger int (an id typed into a URL) where Django's own lookup
# finds no row for it.
_INT_RANGE = range(-2**63, 2**63)


def _kept_rows(name, base, user, action, build, values: list) -> list | None:
    if any((isinstance(v, int) and v not in _INT_RANGE) or (type(v) is list and not (v and _ids(v)))
           for v in values):
        return None  # an empty list: Django's query finds nothing without asking the database
    token = scope_token(base.model, user, action)
    if token is None:
        return None
    # The values' types are part of the shape: a stand-in stands for values of its own type.
    key = (name, base.model._meta.label, action, token, base.db, tuple(type(v) for v in values))
    statement = kept_statement(key, lambda: _write(build, base.restrict(user, action, arrays=True), values))
    if statement is None:
        return None
    return list(statement.queryset(values))


def kept_statement(key: tuple, write, store: OrderedDict | None = None, limit: int = _LIMIT):
    """The statement kept under ``key`` in ``store`` (this module's, unless another is given),
    written by ``write()`` the first time (None: the shape cannot be kept, and is not tried
    again); beyond ``limit`` the least recently used go first. Statements that come one per
    user and type (the site search's) keep a store of their own, so that many users searching
    do not push out the detail pages' statements."""
    store = _kept if store is None else store
    with _lock:
        statement = store.get(key, _UNWRITTEN)
        if statement is not _UNWRITTEN:
            store.move_to_end(key)
            return statement
    statement = write()
    with _lock:
        store[key] = statement
        while len(store) > limit:
            store.popitem(last=False)
    return statement


# A stand-in for a list of ids: no key of the platform's is negative.
_IDS_STAND_IN = [_INT_BASE - 1, _INT_BASE - 2]


def by_shape(name: str, build, ids: list):
    """``build(ids)`` (a queryset reading rows by a list of ids, ``…__zl_in_array``), its SQL
    kept under ``name``, which must name everything the SQL depends on besides the ids: for
    reads that involve no user's scope (the ids came through one). None when the statement
    cannot be kept (the caller runs its own query)."""
    if not ids or any(not isinstance(i, int) or isinstance(i, bool) or i not in _INT_RANGE for i in ids):
        return None
    statement = kept_statement(("by-shape", name), lambda: written(build, [list(_IDS_STAND_IN)]))
    if statement is None:
        return None
    return statement.queryset([list(ids)])


def clear() -> None:
    with _lock:
        _kept.clear()
