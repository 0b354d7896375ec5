"""Pages of searched lists, read in two steps, with their count in the first.

A search can match thousands of rows (a common phrase in a library of 100,000 problems).
PostgreSQL cannot estimate how many rows a ``LIKE '%…%'`` matches and plans for a handful:
it joins every matching row to its related tables (``select_related``) and computes the
list's other columns before sorting them by rank and keeping 25, and counting the matches
for the pager rechecks every one of them a second time. So a page of a searched list reads
its ids, with the number of matches beside them (``COUNT(*) OVER ()``), with the search on
the table alone, then those rows by id with their relations and computed columns: the same
rows in the same order (the ids come out of the list's own ordering, which ends with the
primary key; the ids came through the list's ``restrict`` scope, so the second read needs
only them).

A narrowed list (a ``WHERE`` clause: a filter, or a restricted user's scope) is read ids
first too, counted apart as Django's paginator does (the count is kept across its pages). Its
filters may read columns that its ordering's index holds only as included columns (a
district's small enterprises of one industry): reading whole rows in index order, PostgreSQL
fetches every row it walks past from the table to test them (3,700 rows for one page of 25, 9
ms), where the ids alone come from the index (1 ms), then 25 rows by key.

Web tables (django-tables2 hands the paginator its ``BoundRows``), the API's
``StandardPagination`` and the site search (``core.search``) read pages so. A list that is
neither searched nor narrowed, or whose computed columns are not row subqueries (a count per
group, a ``DISTINCT``), is read in one query and counted as before.
"""

import weakref
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, Q, QuerySet, Subquery, Window, lookups
from django.db.models.sql.where import AND, WhereNode
from django.utils.functional import cached_property
from django_tables2.rows import BoundRows

from . import keptsql, masking, resultcache
from .caseless import caseless, stand_in_for
from .permissions import InArray
from .prefetch import prefetch

RANK = "search_rank"  # the annotation core.search.filter_queryset ranks hits by
TITLE_TIERS = "zl_title_tiers"  # a searched query's attribute: its RankedBy
_TOTAL = "zl_matches"
_SEARCH_COLUMNS = ("search_text", "search_doubled")  # core.models.SearchableMixin


class RankedBy(NamedTuple):
    """What a search's rank was made of (``core.search._matching``), for reading it in tiers."""

    title: str  # the title field
    exact: str  # the query as typed: a title equal to it ranks first
    whole: str  # the normalised query: titles containing it rank next
    terms: int  # how many words every match holds
    doubled: bool = False  # whether a word is matched on the doubled text (two characters)


def search_count_cap() -> int:
    """How many matches a searched list counts at most (``ZHILIAN_SEARCH_COUNT_CAP``)."""
    return settings.ZHILIAN_SEARCH_COUNT_CAP


def capped(total: int) -> tuple[int, bool]:
    """A search's count as shown, and whether it found more (a product rule: the first pages of
    a search are what a reader reads; words or filters narrow it, and an export holds every
    match). Counting every match of a common word cost as much as reading them all."""
    cap = search_count_cap()
    return min(total, cap), total > cap


def _readable_by_id(queryset) -> bool:
    """Whether ``queryset``'s rows can be read ids first: model rows whose computed columns
    other than the rank are subqueries of one row each, which the read by id computes again
    for the page's rows alone."""
    if not isinstance(queryset, QuerySet):
        return False
    query = queryset.query
    if query.extra or queryset._fields is not None or query.distinct or query.group_by is not None \
            or query.combinator or query.is_sliced:
        return False
    return all(name == RANK or isinstance(expression, Subquery) for name, expression in query.annotations.items())


def searched(queryset) -> bool:
    """Whether ``queryset`` is a ranked search whose rows can be read ids first."""
    return isinstance(queryset, QuerySet) and RANK in queryset.query.annotations and _readable_by_id(queryset)


def narrowed(queryset) -> bool:
    """Whether ``queryset`` is filtered (a ``WHERE`` clause) and its rows can be read ids first."""
    return isinstance(queryset, QuerySet) and bool(queryset.query.where) and _readable_by_id(queryset)


def ids_with_total(queryset, bottom: int, top: int):
    """The query of :func:`ids_and_total`: rows of (id, number of rows of the whole queryset)."""
    return queryset.annotate(**{_TOTAL: Window(Count("*"))}).values_list("pk", _TOTAL)[bottom:top]


def ids_and_total(queryset, bottom: int, top: int) -> tuple[list, int | None]:
    """The ids of ``queryset[bottom:top]`` and how many rows the whole queryset has, in one
    query; the total is None when no row is at ``bottom`` (the caller counts, if it must)."""
    return split_ids_and_total(list(ids_with_total(queryset, bottom, top)))


def reads_in_tiers(model, db: str) -> bool:
    """Whether ``model``'s searches are read tier by tier: its title is indexed for it
    (``SEARCH_TITLE_INDEXED``, ``core.db.AddTitleSearchIndexes``), on PostgreSQL."""
    return getattr(model, "SEARCH_TITLE_INDEXED", False) and connections[db].vendor == "postgresql"


def tiered(queryset) -> bool:
    """Whether a searched queryset's pages are read tier by tier (:func:`tiered_ids`): ranked
    first, of a model that :func:`reads_in_tiers`."""
    return (getattr(queryset.query, TITLE_TIERS, None) is not None
            and tuple(queryset.query.order_by[:1]) == (f"-{RANK}",)
            and reads_in_tiers(queryset.model, queryset.db))


def _title_contains(title: str, whole: str) -> Q:
    # A two-character word without case is found in the title's doubled text, which its own
    # trigram index serves (core.text.doubled); a trigram index holds nothing shorter.
    if len(whole) == 2 and caseless(whole):
        return Q(**{f"{title}__zl_doubled_contains": whole})
    return Q(**{f"{title}__icontains": whole})


def tiered_ids(queryset, bottom: int, top: int) -> list:
    """The ids of ``queryset[bottom:top]`` of a ranked search, read tier by tier.

    The rank puts a title equal to the query first, then titles containing it, then the
    other matches, each tier in the list's order. Read as one ranked statement, PostgreSQL
    reads and ranks every match to keep a page of them: a common word (检测, in 41,173 of
    100,000 problems) read 26,000 pages of the table, 180 ms. Each tier is its own statement
    in the list's order, with its own limit: the first served by the title's index, the
    second by the title's trigram index or the list's order, the third by the list's order,
    so a common word stops after a page of rows and a rare one reads its few matches."""
    ranked_by = getattr(queryset.query, TITLE_TIERS)
    title, exact, whole = ranked_by.title, ranked_by.exact, ranked_by.whole
    equal, contains = Q(**{f"{title}__iexact": exact}), _title_contains(title, whole)
    # The rest leaves out the titles holding the query by a plain test of the title, which no
    # index serves there either: the doubled title's (zl_doubled, a regular expression) took
    # about 17 µs a row, 172 ms over the 10,000 problems holding 依赖 in their text.
    holds = Q(**{f"{title}__icontains": whole})
    # The titles' tier tests the text's words on the rows it reads where the title's indexes
    # serve it (a word with case is matched on UPPER(), which none serves).
    unindexed = caseless(whole)
    written = _written(queryset)
    if written is not None:
        base, containing_base = written.rows(), written.rows(unindexed=unindexed)
    else:
        base = queryset.order_by(*queryset.query.order_by[1:])
        containing_base = _search_text_unindexed(base._chain()) if unindexed else base
    if _any_title_equal(queryset.model, queryset.db, title, exact):
        tiers = (base.filter(equal), containing_base.filter(contains).exclude(equal),
                 base.exclude(holds).exclude(equal))
    else:
        tiers = (containing_base.filter(contains), base.exclude(holds))
    ids: list = []
    for tier in tiers:
        wanted = top - len(ids)
        if wanted <= 0:
            break
        ids += tier.values_list("pk", flat=True)[:wanted]
    return ids[bottom:top]


# The query's stand-in in the title's equality test (``core.caseless.stand_in_for``).
_TITLE_STAND_IN = "\ue002\ue007\ue008"


def _any_title_equal(model, db: str, title: str, exact: str) -> bool:
    """Whether any row of ``model`` has a title equal to the query (the first tier's test, on
    the title's own index alone), by a kept statement run prepared. Most searches find none,
    and their first tier, the user's scope, the list's filters and the search's words
    around that test, was then planned for nothing: about 0.3 ms of PostgreSQL's time for a
    regulator and 1.2 ms for a reviewing expert (the scope's subqueries), and a statement of
    the app's."""
    shape = caseless(exact)
    statement = keptsql.kept_statement(
        ("title-equal", model._meta.label, db, title, shape),
        lambda: keptsql.written(
            lambda value: model._base_manager.using(db).filter(**{f"{title}__iexact": value}).order_by().values_list(
                "pk", flat=True)[:1],
            [stand_in_for(_TITLE_STAND_IN, exact)]))
    if statement is None:
        return True  # not kept: the first tier answers for itself
    return bool(list(statement.queryset([exact])))


def tiered_first(queryset, limit: int) -> tuple[list, int]:
    """The ids of a tiered search's first ``limit`` rows and how many it found, counted up to
    the cap's next row: by those rows when they are all it found, else by :func:`capped_count`."""
    ids = tiered_ids(queryset, 0, limit + 1)
    return ids[:limit], len(ids) if len(ids) <= limit else capped_count(queryset, search_count_cap())


class _ContainsUnindexed(lookups.Contains):
    """``contains`` that no index serves and the planner takes as true of nearly every row
    (PostgreSQL, ``NOT (strpos(text, word) = 0)``): tested on the rows read otherwise."""

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"NOT (strpos({lhs}, %s) = 0)", (*params, self.rhs)


def _search_text_unindexed(queryset):
    """``queryset`` with its search text's ``contains`` tested on the rows it reads, not
    through the text's index, and not counted by the planner as narrowing them. For titles
    that contain the query, which hold its words, it took title and text as independent and
    expected a hundred rows where the two found the same 10,000 (依赖进口 in titles and text):
    it read and sorted them all (35 ms) instead of reading the list's order up to a page of
    them (1 ms)."""
    def rewrite(node):
        for i, child in enumerate(node.children):
            if isinstance(child, WhereNode):
                rewrite(child)
            elif _is_search_text_lookup(child):
                node.children[i] = _ContainsUnindexed(child.lhs, child.rhs)

    rewrite(queryset.query.where)  # the queryset's own copy: filter() cloned it
    return queryset


def _is_search_text_lookup(node) -> bool:
    return (getattr(node, "lookup_name", None) == "contains"
            and getattr(getattr(node.lhs, "target", None), "name", None) in _SEARCH_COLUMNS)


class _WrittenConditions:
    """A ranked search's conditions written to SQL once for the statements that read its page
    and count it (PostgreSQL, a query of its own table alone): the search text's words apart,
    as its index serves them and as tested on the rows read, and the rest (the user's scope,
    the list's filters) as one text. Each statement is then the model's rows narrowed by those
    texts, its title's condition and order written by Django. Written by Django for each of
    four statements, a reviewing expert's scope, with its subqueries, was a fifth of the
    search's Python."""

    def __init__(self, queryset, search: list, rest: list):
        self.model, self.db = queryset.model, queryset.db
        self.ordering = queryset.query.order_by[1:]
        compiler = queryset.query.get_compiler(using=self.db)
        try:
            self.rest = compiler.compile(WhereNode(rest, AND)) if rest else ("", ())
        except FullResultSet:
            self.rest = ("", ())
        self.indexed = [compiler.compile(lookup) for lookup in search]
        self.unindexed = [compiler.compile(_ContainsUnindexed(lookup.lhs, lookup.rhs)) for lookup in search]

    def rows(self, *, unindexed: bool = False):
        """The model's rows narrowed by the written conditions, in the list's order."""
        parts = [self.rest, *(self.unindexed if unindexed else self.indexed)]
        sql = [text for text, _params in parts if text]
        params = [value for _text, values in parts for value in values]
        rows = self.model._base_manager.using(self.db)
        # The texts are Django's own SQL of the queryset's conditions, their values parameters.
        return rows.extra(where=sql, params=params).order_by(*self.ordering)  # nosec B610 - Django's SQL


_written_of: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _written(queryset) -> _WrittenConditions | None:
    """The search's conditions written once per queryset (:class:`_WrittenConditions`), or None
    where they cannot be apart: another table joined, the search's words not among the
    conditions every row must meet, or a condition that selects nothing (Django answers it)."""
    query = queryset.query
    if query in _written_of:
        return _written_of[query]
    written = None
    where = query.where
    joined = any(alias != query.base_table and query.alias_refcount.get(alias) for alias in query.alias_map)
    if not joined and where.connector == AND and not where.negated:
        search = [child for child in where.children if _is_search_text_lookup(child)]
        rest = [child for child in where.children if not _is_search_text_lookup(child)]
        if search and not any(isinstance(child, WhereNode) and _holds_search_text(child) for child in rest):
            try:
                written = _WrittenConditions(queryset, search, rest)
            except EmptyResultSet:
                written = None
    _written_of[query] = written
    return written


def _holds_search_text(node) -> bool:
    return any(_holds_search_text(child) if isinstance(child, WhereNode) else _is_search_text_lookup(child)
               for child in node.children)


def capped_count(queryset, cap: int) -> int:
    """How many rows ``queryset`` has, counting no further than ``cap + 1``.

    A search of several words is counted through the search text's index: the planner takes
    its words as independent and, for two common words seldom found together (电机 噪声, in
    2 % of the problems), expected to find 1,001 rows soon in the table's order and read half
    of it (108 ms); through the index, 7 ms. So is a two-character word, matched on the
    doubled text: PostgreSQL leaves values wider than 1 KB out of a column's statistics (99 %
    of the generated problems' doubled texts) and, from the short rest, took 度波 to be in 14 %
    of the problems (2.2 %): it read 47,000 rows in the table's order, testing each (220 ms), where
    the index finds them in 7.5 ms. A word in nearly every row costs more through the index
    (良率: 21 instead of 2 ms), a bounded loss. One longer word it estimates well enough."""
    written = _written(queryset) if tiered(queryset) else None
    counted = (written.rows() if written is not None else queryset).order_by().values("pk")[: cap + 1]
    ranked_by = getattr(queryset.query, TITLE_TIERS, None)
    connection = connections[queryset.db]
    if ranked_by is None or (ranked_by.terms < 2 and not ranked_by.doubled) or connection.vendor != "postgresql":
        return counted.count()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            return counted.count()
        finally:
            cursor.execute("RESET enable_seqscan")


def split_ids_and_total(rows) -> tuple[list, int | None]:
    if not rows:
        return [], None
    return [pk for pk, _total in rows], rows[0][1]


def _by_id(queryset, ids, lookup="in"):
    by_id = queryset.model._base_manager.using(queryset.db).filter(**{f"pk__{lookup}": ids})
    by_id.query.select_related = queryset.query.select_related
    by_id.query.deferred_loading = queryset.query.deferred_loading
    for name, expression in queryset.query.annotations.items():
        if name != RANK and name in queryset.query.annotation_select:
            by_id.query.add_annotation(expression, name)
    return by_id


def _shape(value):
    """``select_related`` (a nested dict) or ``deferred_loading`` as a key."""
    if isinstance(value, dict):
        return tuple(sorted((name, _shape(nested)) for name, nested in value.items()))
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(value))
    if isinstance(value, tuple):
        return tuple(_shape(part) for part in value)
    return value


def _kept_by_id(queryset, ids):
    """The by-id read of :func:`rows_by_id` as a kept statement (``core.keptsql``): its SQL
    depends only on the model, the relations read with it and the deferred fields, never on
    who asks (the ids came through the list's scope), so it is written once per shape and
    run prepared with the ids as one array. Each list or search page wrote it anew: about a
    tenth of a fresh page's CPU. None where it cannot be kept (computed columns other than
    the rank, which may hold a scope; a database without arrays), and the caller builds it."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or any(name != RANK for name in queryset.query.annotations):
        return None
    key = (queryset.model._meta.label, queryset.db, _shape(queryset.query.select_related),
           _shape(queryset.query.deferred_loading))
    return keptsql.by_shape(f"rows-by-id:{key!r}", lambda stand_in: _by_id(queryset, stand_in, InArray.lookup_name),
                            list(ids))


def rows_by_id(queryset, ids) -> list:
    """The rows of ``queryset`` with ``ids``, in that order, with its relations, prefetches,
    deferred fields, computed columns and masking."""
    if not ids:
        return []
    by_id = _kept_by_id(queryset, ids)
    if by_id is None:
        by_id = _by_id(queryset, ids)
    found = {row.pk: row for row in by_id}
    rows = [found[pk] for pk in ids if pk in found]
    # Prefetched (without a queryset made per row, core.prefetch), then masked with what was
    # prefetched, as a masked queryset's rows are.
    prefetch(rows, *queryset._prefetch_related_lookups)
    if isinstance(queryset, masking.MaskedQuerySetMixin):
        for row in rows:
            masking.mask_instance(row)
    return rows


def hits_and_total(queryset, limit: int) -> tuple[list, int]:
    """The first ``limit`` rows of a ranked search and how many it has: ids first where it
    can be read so, else the rows and (when there may be more) a count."""
    if searched(queryset):
        ids, total = ids_and_total(queryset, 0, limit)
        return rows_by_id(queryset, ids), total or 0
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) if len(rows) <= limit else queryset.count()


def _queryset_of(object_list):
    """The queryset under a paginator's list: itself, or django-tables2's rows' data's."""
    if isinstance(object_list, BoundRows):
        return getattr(object_list.data, "data", None)
    return object_list


def _rows_like(object_list, rows):
    if isinstance(object_list, BoundRows):
        return BoundRows(data=rows, table=object_list.table, pinned_data=object_list.pinned_data)
    return rows


def _hashable(value):
    return tuple(_hashable(v) for v in value) if isinstance(value, (list, tuple)) else value


def kept_count(queryset) -> int:
    """``queryset.count()``, kept (``core.resultcache``) by the statement that selects its rows
    until a table it reads changes: a list's pages in every order share their filters' count,
    and on a varied list PostgreSQL counted a district's 16,000 enterprises again for each of
    them (2 ms). The statement holds the scope, so users of the same scope share it too."""
    try:
        sql, params = queryset.order_by().values_list("pk").query.sql_with_params()
    except EmptyResultSet:
        return 0
    key = (queryset.db, sql, _hashable(params))
    try:
        hash(key)
    except TypeError:  # a parameter no key can hold (a dict for a JSON lookup): counted each time
        return queryset.count()
    return resultcache.cached("count", key, queryset.count, using=queryset.db)


class SearchPaginator(Paginator):
    # Whether a search found more than it counts (``search_count_cap``): its count is then the cap.
    count_capped = False

    @cached_property
    def count(self):
        """A narrowed list's count is kept across its pages and orders (:func:`kept_count`); a
        search counts up to ``search_count_cap()``."""
        queryset = _queryset_of(self.object_list)
        if searched(queryset) and tiered(queryset):
            return self._capped(capped_count(queryset, search_count_cap()))
        if narrowed(queryset) and resultcache.enabled():
            total = kept_count(queryset)
        else:
            total = Paginator.count.func(self)
        return self._capped(total) if searched(queryset) else total

    def _capped(self, total: int) -> int:
        """A search's count (:func:`capped`), noting whether it found more."""
        count, self.count_capped = capped(total)
        return count

    def page(self, number):
        queryset = _queryset_of(self.object_list)
        with_total = searched(queryset)  # a search reads how many it found with the page's ids
        if self.orphans or not (with_total or narrowed(queryset)):
            return super().page(number)
        if with_total and tiered(queryset):
            if str(number) == "1" and "count" not in self.__dict__:
                ids, total = tiered_first(queryset, self.per_page)
                self.__dict__["count"] = self._capped(total)
                number = self.validate_number(number)
                ids = ids[:self.count]
            else:
                number = self.validate_number(number)  # counted up to the cap
                bottom = (number - 1) * self.per_page
                ids = tiered_ids(queryset, bottom, min(bottom + self.per_page, self.count))
            return self._get_page(_rows_like(self.object_list, rows_by_id(queryset, ids)), number, self)
        ids = None
        if with_total and "count" not in self.__dict__:
            try:
                wanted = int(number)
            except (TypeError, ValueError):
                wanted = 0  # validate_number below answers it as Django's paginator does
            if wanted >= 1:
                ids = self._ids(queryset, wanted, with_total)  # and the count, which validate_number reads
        number = self.validate_number(number)  # a narrowed list is counted here, as by Django's
        if ids is None:  # counted before, or no number to read ahead with
            ids = self._ids(queryset, number, with_total)
        if self.count_capped:  # a search's pages end at its cap
            ids = ids[: max(0, self.count - (number - 1) * self.per_page)]
        return self._get_page(_rows_like(self.object_list, rows_by_id(queryset, ids)), number, self)

    def _ids(self, queryset, number: int, with_total: bool) -> list:
        """The ids on page ``number``; with ``with_total`` the number of rows found with them is
        kept as the paginator's count (a cached property) when it was not known."""
        bottom = (number - 1) * self.per_page
        if not with_total:
            return list(queryset.values_list("pk", flat=True)[bottom:bottom + self.per_page])
        ids, total = ids_and_total(queryset, bottom, bottom + self.per_page)
        if total is not None and "count" not in self.__dict__:
            self.__dict__["count"] = self._capped(total)
        return ids
