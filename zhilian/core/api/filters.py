from django_filters.filters import ModelChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import label_for_filter
from drf_spectacular.contrib.django_filters import DjangoFilterExtension

from zhilian.core.filters import FilterSet, IdFilter


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend; filtersets made from a view's ``filterset_fields`` refuse a
    yes / no value that is neither (``core.filters.FilterSet``), as declared filtersets do."""

    filterset_base = FilterSet


class FilterParameterDescriptions(DjangoFilterExtension):
    """Every filter parameter of the schema says what it filters: drf-spectacular takes a
    description from a filter's label or help text only, and leaves it out for filters made
    from ``filterset_fields`` (no label until bound) and for those whose type is declared
    (``IdFilter``): ``?project=``, ``?consortium=``, ``?enterprise=`` … read as bare names.
    Those take the model field's verbose name; a filter by a record's id says so."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        label = filter_field.extra.get("help_text") or filter_field._label
        if label is None and model is not None:
            label = label_for_filter(model, filter_field.field_name, filter_field.lookup_expr, filter_field.exclude)
            if "[" in str(label):  # no such model field (a method filter)
                label = None
        label = str(label) if label else field_name.replace("_", " ").capitalize()
        if isinstance(filter_field, (IdFilter, ModelChoiceFilter)):
            label = f"{label} (id)"
        for parameter in parameters:
            if not parameter.get("description"):
                parameter["description"] = label
        return parameters
