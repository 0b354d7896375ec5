"""``icontains`` and ``iexact`` without ``UPPER()`` where the value has no letter case.

On PostgreSQL Django writes ``field__icontains=v`` as ``UPPER("field"::text) LIKE UPPER('%v%')``:
every row the condition tests is upper-cased first. Most of what is typed into this
platform's filters and searches is Chinese (an industry, a product, a search word), which has
no case, and upper-casing is then the larger part of the test: a district's enterprises of
one industry, 3,905 rows read from the index, 1.6 ms counted with ``UPPER`` and 0.8 ms
without; the search's rank (a title containing the whole query) upper-cased every match.

A value none of whose characters has an upper or lower form matches a text exactly where it
matches the upper-cased text: upper-casing changes only characters that have case, and
turns them into characters that have case too, so it neither makes nor breaks a match of
such a value. Those values are compared as ``contains`` / ``exact`` (plain ``LIKE``, ``=``);
any value with a letter that has case (``LED``, ``iPhone``) is compared as before. SQLite's
``LIKE`` is case-insensitive by itself and is left as Django writes it.

The SQL therefore depends on the value: a statement kept per shape with stand-in words
(``core.search``) keeps whether each word has case in its key (:func:`caseless`).
"""

from django.db import models
from django.db.models import lookups


def caseless(value) -> bool:
    """Whether ``value`` is a string none of whose characters has case (Chinese, digits, marks)."""
    return isinstance(value, str) and value.upper() == value.lower()


def stand_in_for(stand_in: str, word: str) -> str:
    """``stand_in`` (private-use characters, which have no case) made to stand for ``word`` in a
    statement written once per shape: ending in a letter instead where ``word`` has case, so
    that it is written as ``word`` would be."""
    return stand_in if caseless(word) else stand_in[:-1] + "a"


class _Caseless:
    """``as_postgresql`` of a case-insensitive lookup: its case-sensitive twin (``plain``) for a
    value without case, Django's own SQL for any other."""

    plain: type

    def as_postgresql(self, compiler, connection):
        if self.rhs_is_direct_value() and caseless(self.rhs):
            return self.plain(self.lhs, self.rhs).as_sql(compiler, connection)
        return self.as_sql(compiler, connection)


class CaselessIContains(_Caseless, lookups.IContains):
    plain = lookups.Contains


class CaselessIExact(_Caseless, lookups.IExact):
    plain = lookups.Exact


class DoubledContains(lookups.Lookup):
    """``field__zl_doubled_contains="检测"``: the field holds the word, found in its doubled text
    (``core.text.doubled``) by ``zl_doubled(field)``, the SQL function whose trigram index
    ``core.db.AddTitleSearchIndexes`` makes on PostgreSQL: a trigram index serves nothing
    shorter than three characters, and most Chinese words have two. Elsewhere it is
    ``contains``. Compare with the value's case as it is: meant for words without case."""

    lookup_name = "zl_doubled_contains"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        return lookups.Contains(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        from .text import doubled

        lhs, lhs_params = self.process_lhs(compiler, connection)
        pattern = f"%{connection.ops.prep_for_like_query(doubled(str(self.rhs)))}%"
        return f"zl_doubled({lhs}) LIKE %s", (*lhs_params, pattern)


def install():
    for field in (models.CharField, models.TextField):
        field.register_lookup(CaselessIContains)
        field.register_lookup(CaselessIExact)
        field.register_lookup(DoubledContains)
