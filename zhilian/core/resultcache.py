"""Results computed from the database, kept until a table they read changes.

``cached(namespace, key, compute)`` runs ``compute()`` once and records every table its
queries read (an execute wrapper watches them) with those tables' versions
(``core.versions``). A later call with the same key returns the kept result only if none of
those tables has a new version since; one query reads the versions. So a result is exact
for every reader of the same key, however the data changed (form, API, import, job, any
process), and the key must hold everything else the result depends on: callers put the
user, the language, today's date and the request's parameters in it.

The results are kept in each process's memory (no server needed), least recently used
out first, within ``ZHILIAN_RESULT_CACHE_MB``; with ``REDIS_URL`` set they are shared by
all processes through Redis too (the ``results`` cache), so each is computed once for the
whole deployment. ``ZHILIAN_RESULT_CACHE=0`` turns it off (the benchmarks measure both).

After an edit, the requests asking for the same result at once would all compute it: with the
shared cache, the first claims the key and the others wait for its result (up to
``ZHILIAN_RESULT_CACHE_WAIT`` seconds, then compute it themselves), so a result is computed
once per change, not once per worker.
"""

import hashlib
import logging
import pickle  # nosec B403 - only our own results, in our own Redis
import sys
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.utils import timezone, translation

from . import versions

log = logging.getLogger(__name__)

# What a request's account is read from (the middleware, before any view): a kept result
# that depends on who asks depends on these too.
ACCOUNT_TABLES = ("accounts_user", "accounts_user_groups", "auth_group", "directory_organization")


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
        if entry.size > budget // 2:
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


def _budget() -> int:
    return getattr(settings, "ZHILIAN_RESULT_CACHE_MB", 128) * 1024 * 1024


def _lifetime() -> float:
    return getattr(settings, "ZHILIAN_RESULT_CACHE_SECONDS", 600)


def _wait() -> float:
    return getattr(settings, "ZHILIAN_RESULT_CACHE_WAIT", 10)


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


def user_key(user) -> tuple:
    """What a result computed for ``user`` depends on besides its data: who, with which roles,
    today (pass ``depends_on=ACCOUNT_TABLES`` for the rest of the account)."""
    roles = tuple(sorted(getattr(user, "role_codes", ()) or ()))
    return (getattr(user, "pk", None), getattr(user, "is_superuser", False), roles, timezone.localdate().isoformat())


def context_key(request) -> tuple:
    """What every page-derived result depends on besides its data: who, language, today."""
    return (*user_key(getattr(request, "user", None)), translation.get_language())


def parameters_key(request) -> tuple:
    return tuple((name, tuple(values)) for name, values in sorted(request.GET.lists()))


class Uncacheable(Exception):
    """Raised by a computation whose result must be returned but not kept."""

    def __init__(self, value):
        super().__init__()
        self.value = value


def _code_fingerprint() -> str:
    """Changes with the platform's code, templates and catalogues: a result rendered by one
    release is not served by the next from the shared cache."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".html", ".mo", ".js", ".css") and "__pycache__" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


_shared_state: dict = {}


def _shared():
    """The ``results`` cache when configured (Redis), else None."""
    if "cache" not in _shared_state:
        from django.core.cache import caches

        _shared_state["cache"] = caches["results"] if "results" in settings.CACHES else None
        _shared_state["prefix"] = _code_fingerprint() if _shared_state["cache"] is not None else ""
    return _shared_state["cache"]


def _shared_key(full_key) -> str:
    return "r:" + _shared_state["prefix"] + ":" + hashlib.sha256(repr(full_key).encode()).hexdigest()


def _shared_get(full_key):
    cache = _shared()
    if cache is None:
        return None
    try:
        raw = cache.get(_shared_key(full_key))
        return pickle.loads(raw) if raw is not None else None  # nosec B301 - written by _shared_put
    except Exception:  # noqa: BLE001 - the shared cache is an optimisation
        log.warning("shared result cache unavailable", exc_info=True)
        return None


def _shared_get_or_claim(full_key) -> tuple:
    """(the shared entry or None, the claim as :func:`_claim` answers it, or None when an entry
    was found): in one round trip where the cache can (``core.cache.RedisCache.get_or_add``)."""
    cache = _shared()
    if cache is None:
        return None, None
    wait = _wait()
    get_or_add = getattr(cache, "get_or_add", None)
    if get_or_add is None or wait <= 0:
        entry = _shared_get(full_key)
        return entry, None if entry is not None else _claim(full_key)
    try:
        raw, claimed = get_or_add(_shared_key(full_key), _claim_key(full_key), 1, timeout=wait)
        return (pickle.loads(raw), None) if raw is not None else (None, claimed)  # nosec B301 - written by _shared_put
    except Exception:  # noqa: BLE001 - the shared cache is an optimisation
        log.warning("shared result cache unavailable", exc_info=True)
        return None, None


def _shared_put(full_key, entry: _Entry, lifetime: float, *, release: bool = False) -> bool:
    """Keep ``entry`` in the shared cache; with ``release``, release this process's claim on it
    after, in the same round trip where the cache can. Whether the claim was released."""
    cache = _shared()
    if cache is None:
        return False
    try:
        raw = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - unpicklable: kept in this process only
        log.debug("result not shared", exc_info=True)
        return False
    try:
        set_and_delete = getattr(cache, "set_and_delete", None)
        if release and set_and_delete is not None:
            set_and_delete(_shared_key(full_key), raw, lifetime, _claim_key(full_key))
            return True
        cache.set(_shared_key(full_key), raw, timeout=lifetime)
    except Exception:  # noqa: BLE001 - unavailable: kept in this process only
        log.debug("result not shared", exc_info=True)
    return False


def _claim_key(full_key) -> str:
    return _shared_key(full_key) + ":computing"


def _claim(full_key) -> bool | None:
    """True: this process computes ``full_key`` and the others wait for it; False: another
    process is computing it; None: no shared cache (each process computes its own)."""
    cache = _shared()
    if cache is None:
        return None
    wait = _wait()
    try:
        # The claim lapses on its own after the longest wait, should its holder die.
        return cache.add(_claim_key(full_key), 1, timeout=wait) if wait > 0 else None
    except Exception:  # noqa: BLE001 - the shared cache is an optimisation
        log.warning("shared result cache unavailable", exc_info=True)
        return None


def _release(full_key) -> None:
    try:
        _shared().delete(_claim_key(full_key))
    except Exception:  # noqa: BLE001
        log.warning("shared result cache unavailable", exc_info=True)


def _await_peer(full_key, using) -> _Entry | None:
    """The result another process is computing for ``full_key``, once it has kept it and if it
    is current for this request (computed under the same versions); None if it lapses or
    fails, and the caller computes it."""
    cache = _shared()
    deadline = time.monotonic() + _wait()
    pause = 0.002
    try:
        # The claim is small; the result is read once the claim is gone (released after it was kept).
        while cache.get(_claim_key(full_key)) is not None:
            if time.monotonic() >= deadline:
                return None
            time.sleep(pause)
            pause = min(pause * 2, 0.02)
    except Exception:  # noqa: BLE001
        log.warning("shared result cache unavailable", exc_info=True)
        return None
    entry = _shared_get(full_key)
    if entry is not None and versions.current(entry.tables, using) == entry.versions:
        return entry
    return None


def _use(full_key, entry: _Entry, from_shared: bool):
    """A current kept result: counted, its tables read by any computation using it, and one
    from the shared cache kept in this process's memory too."""
    _store.hits += 1
    _read_elsewhere(entry.tables)
    if from_shared:
        entry.expires = time.monotonic() + _lifetime()
        _store.put(full_key, entry, _budget())
    return entry.value


def cached(namespace: str, key: tuple, compute, *, using="default", timeout: float | None = None,
           depends_on: tuple = (), shared: bool = True):
    """``compute()``, or what it returned for ``key`` if no table it read has changed since.

    ``shared=False`` keeps the result in this process only (never pickled to the shared
    cache): for values that must not be pickled, such as a ``Q`` holding querysets (pickling
    a queryset runs it)."""
    if not enabled() or connections[using].__dict__.get("_zl_written"):
        # (A transaction that changed rows whose versions have not moved yet: compute.)
        try:
            return compute()
        except Uncacheable as refused:
            return refused.value
    connection = connections[using]
    full_key = (namespace, key)
    entry = _store.get(full_key)
    from_shared = False
    claimed = None
    if entry is None and shared:
        # Nothing found is claimed in the same round trip.
        entry, claimed = _shared_get_or_claim(full_key)
        from_shared = entry is not None
    if entry is not None and versions.current(entry.tables, using) == entry.versions:
        return _use(full_key, entry, from_shared)
    if shared and entry is not None:  # found, but computed under older versions
        claimed = _claim(full_key)
    if claimed is False:
        entry = _await_peer(full_key, using)
        if entry is not None:
            return _use(full_key, entry, from_shared=True)
    _store.misses += 1
    return _compute_and_keep(full_key, compute, connection, using, timeout, depends_on, shared, bool(claimed))


def _compute_and_keep(full_key, compute, connection, using, timeout, depends_on, shared, claimed: bool):
    """Compute and keep the result; release this process's claim on it whatever happens (with
    the keeping, in one round trip, where the shared cache can)."""
    released = False
    try:
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
        lifetime = timeout if timeout is not None else _lifetime()
        entry = _Entry(tables, tuple(before[t] for t in tables), value, _size(value), time.monotonic() + lifetime)
        _store.put(full_key, entry, _budget())
        if shared:
            released = _shared_put(full_key, entry, lifetime, release=claimed)
        return value
    finally:
        if claimed and not released:
            _release(full_key)


def previous(namespace: str, key: tuple):
    """What this process last kept for ``key``, current or not (None if nothing): for a
    computation that reuses parts of its last result (``core.jsonpieces``). Not a hit."""
    entry = _store.get((namespace, key))
    return entry.value if entry is not None else None


def kept_ids(namespace: str, key: tuple, values, *, limit: int = 500):
    """The values of the one-column queryset ``values`` (``values_list(…, flat=True)``) as a
    list kept until a table it read changes, for ``__in`` lookups in scopes: a short list of
    ids costs less to build, compile and run than the subquery. More than ``limit`` values:
    ``values`` itself, as a subquery."""

    def compute():
        found = list(values[:limit + 1])
        return tuple(found) if len(found) <= limit else None

    found = cached(namespace, key, compute)
    return list(found) if found is not None else values


def statistics() -> dict:
    return {"entries": len(_store._entries), "bytes": _store._bytes, "hits": _store.hits, "misses": _store.misses}
