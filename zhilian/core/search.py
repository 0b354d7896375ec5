"""Chinese full-text search over registered models, ranked and permission-filtered (PLT-08).

Each searchable model keeps a normalised ``search_text`` (``SearchableMixin``). A query is
split into terms (``core.text.search_terms``); a hit must contain every term; hits whose
title contains the whole query rank first. Every query starts from
``Model.objects.restrict(user, "view")``, so search never shows what a list would not.
"""

import functools
from collections import OrderedDict
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import Case, IntegerField, Q, Value, When

from . import keptsql
from .caseless import caseless, stand_in_for
from .pagination import (RANK, TITLE_TIERS, RankedBy, capped, hits_and_total, ids_with_total, reads_in_tiers,
                         rows_by_id, split_ids_and_total, tiered, tiered_first)
from .permissions import scope_token
from .text import doubled, normalize, search_terms


@dataclass
class SearchType:
    model: type
    title_field: str = "name"
    label: str = ""
    url_name: str = ""
    weight: int = 0
    select_related: tuple = ()

    @property
    def key(self):
        return self.model._meta.label_lower


_registry: dict[str, SearchType] = {}


def register(model, *, title_field="name", label=None, weight=0, select_related=()):
    st = SearchType(model=model, title_field=title_field, label=label or model._meta.verbose_name_plural,
                    weight=weight, select_related=tuple(select_related))
    _registry[st.key] = st
    return model


def types():
    return sorted(_registry.values(), key=lambda st: -st.weight)


def filter_queryset(queryset, query: str, title_field: str = "name"):
    """Narrow ``queryset`` (already restricted) to rows matching ``query``, best first."""
    terms = search_terms(query)
    if not terms:
        return queryset
    return _matching(queryset, terms, query.strip(), normalize(query), title_field)


def _matching(queryset, terms: list[str], exact: str, whole: str, title_field: str):
    """``queryset`` narrowed to rows containing every term, ranked: a title equal to ``exact``
    first, then titles containing ``whole``."""
    condition = Q()
    has_index = _indexed(queryset.model)
    # Two-character terms (most Chinese words) are too short for the trigram index on
    # PostgreSQL: they are matched on the doubled text instead, which its own index serves
    # (the doubled text contains the doubled term exactly when the text contains the term).
    # Not on both: PostgreSQL then read the text's index alone, where a two-character term
    # selects nothing, and tested the doubled text row by row: 鹭凯 塑料制品 read the 6,600
    # organizations holding 塑料制品 (9-18 ms) instead of the 66 holding 鹭凯 (0.9 ms).
    use_doubled = has_index and connections[queryset.db].vendor == "postgresql"
    on_doubled = False  # whether a term is matched on the doubled text (RankedBy.doubled)
    for term in terms:
        if not has_index:
            condition &= Q(**{f"{title_field}__icontains": term})
        elif use_doubled and len(term) == 2:
            condition &= Q(search_doubled__contains=doubled(term))
            on_doubled = True
        else:
            condition &= Q(search_text__contains=term)
    queryset = queryset.filter(condition).annotate(**{
        RANK: Case(
            When(**{f"{title_field}__iexact": exact}, then=Value(100)),
            When(**{f"{title_field}__icontains": whole}, then=Value(50)),
            default=Value(0),
            output_field=IntegerField(),
        )
    })
    queryset = queryset.order_by(f"-{RANK}", *queryset.model._meta.ordering)
    # What the rank was made of, for a page read tier by tier (core.pagination.tiered_ids):
    # Django copies a query's attributes when it clones it.
    setattr(queryset.query, TITLE_TIERS, RankedBy(title_field, exact, whole, len(terms), on_doubled))
    return queryset


# ---------------------------------------------------------------- kept statements of the site search
#
# The site search asks every registered type (thirteen): for each, Django built the restricted,
# searched and ranked query and wrote its SQL, about 1 ms of Python a type, more than most of
# those queries cost PostgreSQL. The SQL depends on the type, the user's scope, the number of
# terms and which of them have two characters (matched on the doubled text), never on the
# words themselves, except whether each word has letter case (``core.caseless``: a word without
# compares without ``UPPER``): it is written once per such shape with stand-ins for the words, and run
# with each search's words put where the stand-ins are, escaped as Django escapes them. Not
# prepared: a searched pattern needs a plan that sees it. Kept as ``core.keptsql`` keeps statements.

# One per type, scope and shape: a few hundred users' searches, apart from the other kept statements.
_STATEMENTS_KEPT = 4096
_statements: OrderedDict = OrderedDict()
# Private-use characters: never typed; they have no case, and a word with case gets a stand-in
# ending in a letter instead of the last one.
_EXACT, _WHOLE = "\ue002\ue003\ue004", "\ue002\ue005\ue006"


def _stand_ins(terms: list[str]) -> list[str]:
    # Of the same length class as each term (two characters, or three for any other length),
    # numbered by the character before the last, with case where the term has it.
    return [stand_in_for(f"{chr(0xE100 + i)}\ue000" if len(term) == 2 else f"\ue000{chr(0xE100 + i)}\ue001", term)
            for i, term in enumerate(terms)]


def _in_shape_order(terms: list[str]) -> list[str]:
    """The terms with the two-character ones first, then those without letter case: every
    term must be found, in any order, so the same rows; and one statement serves a shape in
    any order of its words (a company name cut into five terms has 32 orders of long and short
    ones, each a statement of its own for each of the thirteen types, about 2 ms to write
    each). With ``_shape`` reading case only where the SQL does, the varied site search's 120
    shapes became 40."""
    return sorted(terms, key=lambda term: (len(term) != 2, not caseless(term)))


def _shape(terms: list[str], exact: str, whole: str, *, indexed: bool) -> tuple:
    """What of the words a kept statement's SQL depends on: which terms have two characters,
    and which words have case. A model with a search text matches its terms with a plain
    ``LIKE`` (``contains``), the same SQL whatever their case: only the title's words count."""
    words = (exact, whole) if indexed else (exact, whole, *terms)
    return tuple(len(term) == 2 for term in terms), tuple(caseless(word) for word in words)


@functools.cache
def _indexed(model) -> bool:
    return any(f.name == "search_text" for f in model._meta.concrete_fields)


class _SearchStatement:
    __slots__ = ("sql", "params", "slots")

    def __init__(self, sql, params, slots):
        self.sql, self.params, self.slots = sql, params, slots

    def values(self, connection, terms, exact, whole) -> list:
        """The statement's parameters for these words: each stand-in's place gets the word,
        escaped for ``LIKE`` and wrapped in ``%`` as Django's lookup wrote the stand-in."""
        words = {"exact": exact, "whole": whole}
        params = list(self.params)
        for position, wrapped, kind, index in self.slots:
            word = words[kind] if index is None else terms[index] if kind == "term" else doubled(terms[index])
            word = connection.ops.prep_for_like_query(word)
            params[position] = f"%{word}%" if wrapped else word
        return params


def _write(ids_query, terms, check) -> _SearchStatement | None:
    """The statement of ``ids_query(terms, exact, whole)``, or None when a stand-in's place is
    not understood. ``check``: real words (terms, exact, whole) whose query's parameters must be
    exactly those the statement gives them, else the shape is never kept."""
    stand_ins = _stand_ins(terms)
    exact_stand_in, whole_stand_in = stand_in_for(_EXACT, check[1]), stand_in_for(_WHOLE, check[2])
    kinds = {exact_stand_in: ("exact", None), whole_stand_in: ("whole", None)}
    for i, stand_in in enumerate(stand_ins):
        kinds[stand_in] = ("term", i)
        kinds[doubled(stand_in)] = ("doubled", i)
    try:
        query = ids_query(stand_ins, exact_stand_in, whole_stand_in)
        sql, params = query.query.get_compiler(using=query.db).as_sql()
        slots = []
        for position, param in enumerate(params):
            if not isinstance(param, str) or not any("\ue000" <= ch <= "\ue1ff" for ch in param):
                continue
            wrapped = len(param) > 2 and param[0] == param[-1] == "%"
            kind, index = kinds.get(param[1:-1] if wrapped else param, (None, None))
            if kind is None:
                return None
            slots.append((position, wrapped, kind, index))
        statement = _SearchStatement(sql, tuple(params), tuple(slots))
        real = ids_query(*check)
        real_sql, real_params = real.query.get_compiler(using=real.db).as_sql()
    except (EmptyResultSet, FullResultSet, ValueError, TypeError):
        return None
    if real_sql != sql or list(real_params) != statement.values(connections[query.db], *check):
        return None
    return statement


def _kept_ids_and_total(st, user, terms, exact, whole, limit):
    """(ids, total) of ``st``'s best ``limit`` hits through a kept statement, or None when it
    cannot be kept (a scope not kept, a type that narrows search per user, a shape refused)."""
    manager = st.model.objects
    # A type that narrows search per user (``searchable``) is kept only where what it narrows
    # by is read from what the view scope is built from, so that the scope's token names it too.
    if hasattr(manager, "searchable") and not getattr(manager._queryset_class, "searchable_within_scope", False):
        return None
    token = scope_token(st.model, user, "view")
    if token is None:
        return None
    db = manager.db
    shape = _shape(terms, exact, whole, indexed=_indexed(st.model))
    key = ("site-search", st.key, db, token, shape, limit, st.select_related, st.title_field)

    def ids_query(terms, exact, whole):
        restricted = manager.restrict(user, "view", arrays=True)
        if hasattr(restricted, "searchable"):
            restricted = restricted.searchable(user)
        return ids_with_total(_matching(restricted, terms, exact, whole, st.title_field), 0, limit)

    statement = keptsql.kept_statement(key, lambda: _write(ids_query, terms, (terms, exact, whole)), _statements,
                                       limit=_STATEMENTS_KEPT)
    if statement is None:
        return None
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.values(connection, terms, exact, whole))
        rows = cursor.fetchall()
    ids, total = split_ids_and_total(rows)
    return ids, total or 0


def search(user, query: str, *, limit_per_type: int = 10, only: str | None = None):
    """Return [(SearchType, hits, total, capped)] for the types with hits, each restricted to
    ``user``: ``total`` counts up to ``pagination.search_count_cap()``, and ``capped`` says
    that there are more."""
    results = []
    # In the kept statements' order (every term must be found, in any order: the same hits).
    terms = _in_shape_order(search_terms(query))
    if not terms:
        return results
    exact, whole = query.strip(), normalize(query)
    for st in types():
        if only and st.key != only:
            continue
        base = st.model.objects.all()
        if st.select_related:  # (none given: select_related() would follow every relation)
            base = base.select_related(*st.select_related)
        tiers = reads_in_tiers(st.model, st.model.objects.db)
        kept = None if tiers else _kept_ids_and_total(st, user, terms, exact, whole, limit_per_type)
        if kept is not None:
            ids, total = kept
            hits = rows_by_id(base, ids)
        else:
            qs = base.restrict(user, "view")
            # A model may narrow what text search reaches: a chain link edited since its chain
            # was published is seen by most users with its published values, so its current
            # text must not answer their searches (``searchable``).
            if hasattr(qs, "searchable"):
                qs = qs.searchable(user)
            qs = _matching(qs, terms, exact, whole, st.title_field)
            if tiers and tiered(qs):
                # A common word's hits read a page of rows, counted up to the cap (as a list's).
                ids, total = tiered_first(qs, limit_per_type)
                hits = rows_by_id(qs, ids)
            else:
                # The best hits' ids with the number of hits, then those rows (core.pagination):
                # one pass over the matches instead of one for the hits and another to count them.
                hits, total = hits_and_total(qs, limit_per_type)
        if hits:
            results.append((st, hits, *capped(total)))
    return results
