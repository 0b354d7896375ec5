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

from django.db import connections, router
from django.db.models import Manager, Prefetch, QuerySet, prefetch_related_objects
from django.db.models.constants import LOOKUP_SEP
from django.db.models.query import get_prefetcher

from . import keptsql
from .permissions import InArray, scope_token


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


def _plain_manager(manager) -> bool:
    """Whether the relation's manager starts from its default manager's plain queryset (as
    ``get_prefetch_querysets`` reads it), not one that manager makes itself (it might depend
    on something a kept statement would freeze)."""
    return type(manager).__mro__[1].get_queryset is Manager.get_queryset


def _many_prefetcher(rows: list, name: str, to_attr: str):
    """The manager that prefetches the relation of many rows ``name`` for ``rows``; None when
    there is none, or a row has it already (Django's prefetch then)."""
    prefetcher, descriptor, _found, is_fetched = get_prefetcher(rows[0], name, to_attr)
    if prefetcher is None or prefetcher is descriptor or not hasattr(prefetcher, "get_prefetch_querysets") \
            or any(is_fetched(row) for row in rows):
        return None
    return prefetcher


def _kept_related(prefetcher, rows: list, name: str, base, model, shape=()):
    """What ``prefetcher.get_prefetch_querysets(rows)`` gives for a relation of many rows
    through one key column (a reverse foreign key, a many-to-many), read by a statement kept per
    relation (``keptsql.by_shape``) with the rows' keys as one array: (related rows, related
    row's key, row's key, cache name, database); None where it cannot be kept (Django's way
    then).

    Django writes each such query anew (an API list of organizations reads their certificates
    and their service domains: two compilations for every page); the statement depends only on
    the relation and ``base()``, the queryset of ``model`` the related rows are read from (the
    related model's default one, or a ``KeptPrefetch``'s, which ``shape`` then names), made
    only when the statement is written. A ``base()`` that prefetches or slices is not one
    statement: refused there."""
    # Where a queryset of ``model`` with these rows' hints reads, as Django's prefetch would.
    db = prefetcher._db or router.db_for_read(model, instance=rows[0])
    connection = connections[db]
    if connection.vendor != "postgresql":
        return None
    through = getattr(prefetcher, "through", None)
    if through is None:  # a reverse foreign key
        field = prefetcher.field
        if len(field.foreign_related_fields) != 1:
            return None
        path, target = field.name, field.foreign_related_fields[0]
    else:
        field = through._meta.get_field(prefetcher.source_field_name)
        if len(field.foreign_related_fields) != 1:
            return None
        path, target = prefetcher.query_field_name, field.foreign_related_fields[0]
    keys = [getattr(row, target.attname) for row in rows]
    lookup = f"{path}__{target.name}__{InArray.lookup_name}"

    def written():
        queryset = base()
        if queryset._prefetch_related_lookups or queryset.query.is_sliced:
            raise ValueError("not one statement")  # keptsql keeps no statement for it
        return queryset.using(db)

    if through is None:
        def build(ids):
            return written().filter(**{lookup: ids})
    else:
        join_table = connection.ops.quote_name(field.model._meta.db_table)
        extra = {f"_prefetch_related_val_{f.attname}": f"{join_table}.{connection.ops.quote_name(f.column)}"
                 for f in field.local_related_fields}

        def build(ids):
            # The join table's own key column, quoted, as Django's many-to-many prefetch selects it.
            return written()._next_is_sticky().filter(**{lookup: ids}).extra(select=extra)  # nosec B610 - no input
    kept = keptsql.by_shape(f"prefetch:{rows[0]._meta.label}.{name}:{model._meta.label}:{db}:{shape!r}",
                            build, keys)
    if kept is None:
        return None
    related = list(kept)
    if through is None:
        # As Django's reverse foreign key prefetch: each related row knows the row it belongs to.
        by_key = {field.get_foreign_related_value(row): row for row in rows}
        for record in related:
            if not field.is_cached(record):
                setattr(record, field.name, by_key[field.get_local_related_value(record)])
        return related, field.get_local_related_value, field.get_foreign_related_value, field.remote_field.cache_name, db

    def related_key(record):
        return tuple(f.get_db_prep_value(getattr(record, f"_prefetch_related_val_{f.attname}"), connection)
                     for f in field.local_related_fields)

    def row_key(row):
        return tuple(f.get_db_prep_value(getattr(row, f.attname), connection) for f in field.foreign_related_fields)

    return related, related_key, row_key, prefetcher.prefetch_cache_name, db


def _by_row(related, related_key) -> dict:
    """The related rows grouped by the key of the row they belong to, in their order."""
    grouped: dict = {}
    for record in related:
        grouped.setdefault(related_key(record), []).append(record)
    return grouped


def _prefetch_many(rows: list, name: str) -> bool:
    """Prefetch ``name`` for ``rows`` if it is a relation of many rows this module can hold;
    False (nothing done) for Django to do it."""
    prefetcher = _many_prefetcher(rows, name, name)
    if prefetcher is None or not hasattr(prefetcher, "_apply_rel_filters"):
        return False
    # The default manager's queryset the relation's manager starts from (``Manager.get_queryset``).
    kept = _kept_related(prefetcher, rows, name, lambda: super(type(prefetcher), prefetcher).get_queryset(),
                         prefetcher.model) if _plain_manager(prefetcher) else None
    if kept is not None:
        related, related_key, row_key, cache_name, db = kept
        queryset_class = prefetcher._queryset_class
    else:
        related, related_key, row_key, single, cache_name, _is_descriptor = prefetcher.get_prefetch_querysets(rows, None)
        if single or getattr(related, "_prefetch_related_lookups", ()):
            return False
        queryset_class, db = type(related), related.db
    by_row = _by_row(related, related_key)
    held = _held_class(queryset_class)
    for row in rows:
        row._prefetched_objects_cache[cache_name] = held.holding(row, name, by_row.get(row_key(row), []),
                                                                 prefetcher.model, db)
    return True


class KeptPrefetch(Prefetch):
    """``Prefetch(lookup, queryset, to_attr=to_attr)`` of a relation of many rows whose query is
    kept (``keptsql.by_shape``, PostgreSQL) instead of written for every page: the queryset is
    ``build(model.objects.restrict(user, action))`` (``build(model.objects.all())`` without a
    user), ``kept_as`` names ``build`` and the user's scope is part of the key. Django's
    ``prefetch_related`` and other databases read it as the plain ``Prefetch`` it is.

    The problem API's three prefetches (the newest assessment, the related problems and the
    concerned enterprises the caller may see) were written anew for every page: a third of a
    searched API page's Python."""

    def __init__(self, lookup, *, kept_as: str, model, to_attr: str, build=None, user=None, action="view"):
        build = build or (lambda rows: rows)
        self.kept = (kept_as, model, build, user, action)
        super().__init__(lookup, queryset=None, to_attr=to_attr)

    # The plain ``Prefetch``'s queryset, built when Django reads it (it does the prefetch, or
    # pickles the lookup): where the statement is kept, restricting and building it for every
    # page was a tenth of an expert's API problem search.
    @property
    def queryset(self):
        queryset = self.__dict__.get("_zl_queryset")
        if queryset is None:
            queryset = self.__dict__["_zl_queryset"] = self.built()
        return queryset

    @queryset.setter
    def queryset(self, value):
        self.__dict__["_zl_queryset"] = value

    def built(self, arrays: bool | None = None):
        """``build`` of the rows the user may see (``restrict(…, arrays=arrays)``), or of all."""
        _kept_as, model, build, user, action = self.kept
        if user is None:
            return build(model._default_manager.all())
        return build(model.objects.restrict(user, action, arrays=arrays))


def _prefetch_kept(rows: list, lookup: KeptPrefetch) -> bool:
    """``lookup`` done with a kept statement; False (nothing done) for Django to do it."""
    name = lookup.prefetch_through
    if LOOKUP_SEP in name or lookup.prefetch_to != lookup.to_attr:
        return False
    prefetcher = _many_prefetcher(rows, name, lookup.to_attr)
    if prefetcher is None:
        return False
    kept_as, model, _build, user, action = lookup.kept
    token = scope_token(model, user, action) if user is not None else None
    if user is not None and token is None:
        return False
    kept = _kept_related(prefetcher, rows, name, lambda: lookup.built(arrays=True), model,
                         shape=(kept_as, action, token))
    if kept is None:
        return False
    related, related_key, row_key, _cache_name, _db = kept
    by_row = _by_row(related, related_key)
    for row in rows:
        setattr(row, lookup.to_attr, by_row.get(row_key(row), []))
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
        if isinstance(lookup, KeptPrefetch):
            if not _prefetch_kept(rows, lookup):
                rest.append(lookup)
            continue
        name = _one_level_name(lookup)
        if name is None or not _prefetch_many(rows, name):
            rest.append(lookup)
    if rest:
        prefetch_related_objects(rows, *rest)
