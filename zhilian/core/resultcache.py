"""Results computed from the database, kept until a table they read changes.

``cached(namespace, key, compute)`` runs ``compute()`` once and records every table its
queries read (an execute wrapper watches them) with those tables' versions
(``core.versions``). A later call with the same key returns the kept result only if none of
those tables has a new version since; one query reads the versions. So a result is exact
for every reader of the same key, however the data changed (form, API, import, job, any
process), and the key must hold everything else the result depends on: callers put the
user, the language, today's date and the request's parameters in it.

The results are kept in each process's memory (no server needed), least recently used
out first, within ``ZHILIAN_RESULT_CACHE_MB``. ``ZHILIAN_RESULT_CACHE=0`` turns it off
(the benchmarks measure both).
"""

import sys
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.utils import timezone, translation

from . import versions


@dataclass
class _Entry:
    tables: tuple
    versions: tuple
    value: object
    size: int
    expires: float


class _Store:
    def __init__(self):
        self._entries: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires < time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key, entry: _Entry, budget: int):
        if entry.size > budget // 4:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self._bytes += entry.size
            while self._bytes > budget and self._entries:
                self._drop(next(iter(self._entries)))

    def _drop(self, key):
        entry = self._entries.pop(key)
        self._bytes -= entry.size

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._bytes = 0


_store = _Store()


def enabled() -> bool:
    return getattr(settings, "ZHILIAN_RESULT_CACHE", True)


def clear() -> None:
    _store.clear()


def _size(value) -> int:
    if isinstance(value, (str, bytes)):
        return len(value) * (1 if isinstance(value, bytes) else 2) + 100
    return getattr(value, "_zl_size", None) or sys.getsizeof(value) * 4


_active = threading.local()


@contextmanager
def _reading(connection, tables: set):
    def capture(execute, sql, params, many, context):
        if isinstance(sql, str):
            tables.update(versions.tables_of(sql))
        return execute(sql, params, many, context)

    stack = _active.__dict__.setdefault("stack", [])
    stack.append(tables)
    try:
        with connection.execute_wrapper(capture):
            yield
    finally:
        stack.pop()


def _read_elsewhere(tables) -> None:
    """A kept result used inside another computation: that one read its tables too."""
    for outer in getattr(_active, "stack", ()):
        outer.update(tables)


def context_key(request) -> tuple:
    """What every page-derived result depends on besides its data: who, language, today."""
    user = getattr(request, "user", None)
    roles = tuple(sorted(getattr(user, "role_codes", ()) or ()))
    return (getattr(user, "pk", None), getattr(user, "is_superuser", False), roles, translation.get_language(),
            timezone.localdate().isoformat())


def query_key(queryset) -> tuple | None:
    """The SQL and parameters of ``queryset`` (the user's scope is in them), or None for a
    query that reads nothing (``none()``)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    return (sql, tuple(repr(p) for p in params))


def parameters_key(request) -> tuple:
    return tuple((name, tuple(values)) for name, values in sorted(request.GET.lists()))


class Uncacheable(Exception):
    """Raised by a computation whose result must be returned but not kept."""

    def __init__(self, value):
        super().__init__()
        self.value = value


def cached(namespace: str, key: tuple, compute, *, using="default", timeout: float | None = None,
           depends_on: tuple = ()):
    """``compute()``, or what it returned for ``key`` if no table it read has changed since."""
    if not enabled() or connections[using].__dict__.get("_zl_written"):
        # (A transaction that changed rows whose versions have not moved yet: compute.)
        try:
            return compute()
        except Uncacheable as refused:
            return refused.value
    connection = connections[using]
    full_key = (namespace, key)
    entry = _store.get(full_key)
    if entry is not None:
        if versions.current(entry.tables, using) == entry.versions:
            _store.hits += 1
            _read_elsewhere(entry.tables)
            return entry.value
    _store.misses += 1
    before = versions.snapshot(using)
    read: set = set(depends_on)
    try:
        with _reading(connection, read):
            value = compute()
    except Uncacheable as refused:
        return refused.value
    if before is None or not read or any(t not in before for t in read):
        return value
    tables = tuple(sorted(read))
    budget = getattr(settings, "ZHILIAN_RESULT_CACHE_MB", 64) * 1024 * 1024
    lifetime = timeout if timeout is not None else getattr(settings, "ZHILIAN_RESULT_CACHE_SECONDS", 600)
    _store.put(full_key, _Entry(tables, tuple(before[t] for t in tables), value, _size(value),
                                time.monotonic() + lifetime), budget)
    return value


def statistics() -> dict:
    return {"entries": len(_store._entries), "bytes": _store._bytes, "hits": _store.hits, "misses": _store.misses}
