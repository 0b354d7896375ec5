from django_filters.rest_framework import DjangoFilterBackend

from zhilian.core.filters import FilterSet


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend; filtersets made from a view's ``filterset_fields`` refuse a
    yes / no value that is neither (``core.filters.FilterSet``), as declared filtersets do."""

    filterset_base = FilterSet
