"""Chinese full-text search over registered models, ranked and permission-filtered (PLT-08).

Each searchable model keeps a normalised ``search_text`` (``SearchableMixin``). A query is
split into terms (``core.text.search_terms``); a hit must contain every term; hits whose
title contains the whole query rank first. Every query starts from
``Model.objects.restrict(user, "view")``, so search never shows what a list would not.
"""

from dataclasses import dataclass

from django.db import connections
from django.db.models import Case, IntegerField, Q, Value, When

from .pagination import RANK, hits_and_total
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
    condition = Q()
    has_index = any(f.name == "search_text" for f in queryset.model._meta.concrete_fields)
    # Two-character terms (most Chinese words) are too short for the trigram index on
    # PostgreSQL: they are matched on the doubled text too, which its own index serves.
    use_doubled = has_index and connections[queryset.db].vendor == "postgresql"
    for term in terms:
        if not has_index:
            condition &= Q(**{f"{title_field}__icontains": term})
        elif use_doubled and len(term) == 2:
            condition &= Q(search_text__contains=term) & Q(search_doubled__contains=doubled(term))
        else:
            condition &= Q(search_text__contains=term)
    whole = normalize(query)
    queryset = queryset.filter(condition).annotate(**{
        RANK: Case(
            When(**{f"{title_field}__iexact": query.strip()}, then=Value(100)),
            When(**{f"{title_field}__icontains": whole}, then=Value(50)),
            default=Value(0),
            output_field=IntegerField(),
        )
    })
    return queryset.order_by(f"-{RANK}", *queryset.model._meta.ordering)


def search(user, query: str, *, limit_per_type: int = 10, only: str | None = None):
    """Return [(SearchType, hits, total)] for the types with hits, each restricted to ``user``."""
    results = []
    if not search_terms(query):
        return results
    for st in types():
        if only and st.key != only:
            continue
        qs = st.model.objects.restrict(user, "view")
        # A model may narrow what text search reaches: a chain link edited since its chain was
        # published is seen by most users with its published values, so its current text
        # must not answer their searches (``searchable``).
        if hasattr(qs, "searchable"):
            qs = qs.searchable(user)
        if st.select_related:
            qs = qs.select_related(*st.select_related)
        qs = filter_queryset(qs, query, st.title_field)
        # The best hits' ids with the number of hits, then those rows (core.pagination): one
        # pass over the matches instead of one for the hits and another to count them.
        hits, total = hits_and_total(qs, limit_per_type)
        if hits:
            results.append((st, hits, total))
    return results
