"""Pages of searched lists, read in two steps.

A search can match thousands of rows (a common phrase in a library of 100,000 problems).
PostgreSQL cannot estimate how many rows a ``LIKE '%…%'`` matches and plans for a handful:
it joins every matching row to its related tables (``select_related``) before sorting them
by rank and keeping 25, and, asked for 25 ids together with the search, it rechecks every
match again. So a page of a searched list reads its ids with the search on the table alone,
then those rows by id with their relations: the same rows in the same order (the ids come
out of the list's own ordering, which ends with the primary key; the ids came through the
list's ``restrict`` scope, so the second read needs only them).

Lists and the API use ``SearchPaginator``; a list that is not searched, or that carries
other computed columns, is read in one query as before.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet

from . import masking


def page_rows(rows, bottom: int, top: int):
    """``rows[bottom:top]``; for a searched queryset with related tables, ids first."""
    queryset = getattr(rows, "data", rows)  # django-tables2 wraps the queryset
    if not (isinstance(queryset, QuerySet) and set(queryset.query.annotations) == {"search_rank"}
            and (queryset.query.select_related or queryset._prefetch_related_lookups)
            and not queryset.query.extra and queryset._fields is None):
        return rows[bottom:top]
    ids = list(queryset.values_list("pk", flat=True)[bottom:top])
    if not ids:
        return []
    by_id = queryset.model._base_manager.using(queryset.db).filter(pk__in=ids)
    by_id.query.select_related = queryset.query.select_related
    by_id.query.deferred_loading = queryset.query.deferred_loading
    by_id = by_id.prefetch_related(*queryset._prefetch_related_lookups)
    if isinstance(queryset, masking.MaskedQuerySetMixin):
        by_id = masking.masked(by_id)
    found = {row.pk: row for row in by_id}
    return [found[pk] for pk in ids if pk in found]


class SearchPaginator(Paginator):
    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(page_rows(self.object_list, bottom, top), number, self)
