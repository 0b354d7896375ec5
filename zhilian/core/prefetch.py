"""Prefetching a page's many-row relations without a queryset built per row.

Django's ``prefetch_related`` reads a relation's rows for the whole page in one query, then,
for every row of the page, makes the relation's manager and its queryset (the related
model's default queryset, cloned and filtered to the row) only to hand it the rows it
already has. For an API list of 25 organizations with their service domains and
certificates that was 50 managers and querysets, a fifth of the request's Python, though
nothing ever runs their queries: the serializer iterates the rows.

:func:`prefetch` reads each one-level relation of many rows (``"service_domains"``,
``"qualifications"``) as Django does, with Django's own ``get_prefetch_querysets``, and gives
each row a queryset of the same class holding its rows, whose query is built only when
something asks for it (a further ``filter()``, ``order_by()``, ``first()`` on an unordered
relation …): then it is built exactly as Django builds it, from the row's own manager. Any
other lookup (nested, ``Prefetch`` with a queryset or ``to_attr``, a relation to one row, a
relation whose default queryset prefetches more) goes to Django's ``prefetch_related_objects``.
"""

import functools

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.db.models.constants import LOOKUP_SEP
from django.db.models.query import get_prefetcher


class _Held:
    """Mixed into the related model's queryset class: rows held, query built on first use."""

    _zl_base = QuerySet

    def __reduce_ex__(self, protocol):
        # Pickled (a kept record with its prefetched rows) as the plain class's state, made again
        # through _held_class wherever it is unpickled.
        return _unpickle, (self._zl_base,), self.__getstate__()

    @classmethod
    def holding(cls, owner, name, rows, model, db):
        queryset = cls(model=model, using=db)
        queryset._result_cache = rows
        queryset._prefetch_done = True
        queryset._zl_relation = (owner, name)
        return queryset

    @property
    def query(self):
        relation = self.__dict__.pop("_zl_relation", None)
        if relation is not None:
            owner, name = relation
            manager = getattr(owner, name)  # its get_queryset() would answer this very queryset
            built = manager._apply_rel_filters(super(type(manager), manager).get_queryset())
            built.query  # applies the row's filter, which Django defers to the first use
            for key, value in built.__dict__.items():
                if key not in ("_result_cache", "_prefetch_done", "_prefetch_related_lookups"):
                    self.__dict__[key] = value
        return QuerySet.query.fget(self)

    @query.setter
    def query(self, value):
        QuerySet.query.fset(self, value)


@functools.cache
def _held_class(queryset_class):
    return type(f"Held{queryset_class.__name__}", (_Held, queryset_class), {"_zl_base": queryset_class})


def _unpickle(queryset_class):
    cls = _held_class(queryset_class)
    return cls.__new__(cls)


def _one_level_name(lookup) -> str | None:
    if isinstance(lookup, str):
        return lookup if LOOKUP_SEP not in lookup else None
    if type(lookup) is Prefetch and lookup.queryset is None and lookup.prefetch_to == lookup.prefetch_through:
        return _one_level_name(lookup.prefetch_through)
    return None


def _prefetch_many(rows: list, name: str) -> bool:
    """Prefetch ``name`` for ``rows`` if it is a relation of many rows this module can hold;
    False (nothing done) for Django to do it."""
    prefetcher, descriptor, _found, is_fetched = get_prefetcher(rows[0], name, name)
    if prefetcher is None or prefetcher is descriptor or not hasattr(prefetcher, "get_prefetch_querysets") \
            or not hasattr(prefetcher, "_apply_rel_filters") or any(is_fetched(row) for row in rows):
        return False
    related, related_key, row_key, single, cache_name, _is_descriptor = prefetcher.get_prefetch_querysets(rows, None)
    if single or getattr(related, "_prefetch_related_lookups", ()):
        return False
    by_row: dict = {}
    for record in related:
        by_row.setdefault(related_key(record), []).append(record)
    held = _held_class(type(related))
    model, db = related.model, related.db
    for row in rows:
        row._prefetched_objects_cache[cache_name] = held.holding(row, name, by_row.get(row_key(row), []), model, db)
    return True


def prefetch(rows: list, *lookups) -> None:
    """``prefetch_related_objects(rows, *lookups)``, with one-level relations of many rows held
    per row without a queryset built for each (see the module's docstring)."""
    if not rows or not lookups:
        return
    for row in rows:
        if not hasattr(row, "_prefetched_objects_cache"):
            row._prefetched_objects_cache = {}
    rest = []
    for lookup in lookups:
        name = _one_level_name(lookup)
        if name is None or not _prefetch_many(rows, name):
            rest.append(lookup)
    if rest:
        prefetch_related_objects(rows, *rest)
