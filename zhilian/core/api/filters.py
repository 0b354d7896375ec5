from django.core.exceptions import FieldDoesNotExist
from django.db.models import F
from django.utils.translation import gettext as _
from django_filters.filters import ModelChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import label_for_filter
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from rest_framework import filters
from rest_framework.exceptions import ValidationError

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


def _orderable(model, path: str, annotations=()) -> bool:
    """Whether ``path`` (``name``, ``lead_unit__name``) sorts a list of ``model`` by one value
    a row: a column, or one through foreign keys. A to-many relation gives a row once per
    related row (the same project on a page once per participant); a method is no column."""
    parts = path.split("__")
    if parts[0] in annotations:
        return len(parts) == 1
    for index, part in enumerate(parts):
        if model is None:
            return False
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.many_to_many or field.one_to_many:
            return False
        model = field.related_model if field.is_relation else None
        if model is None and index < len(parts) - 1:
            return False
    return True


class OrderingFilter(filters.OrderingFilter):
    """``?ordering=name,-id``: DRF's, but a name it does not know answers 400 under
    ``ordering`` with the names it knows (DRF dropped it and answered the default order), and
    the schema lists them.

    The names are the view's ``ordering_fields``, else, as DRF, the serializer's readable
    fields by their source (``lead_unit__name``), leaving out what gives a row once per related
    row (a to-many relation) or is no column. ``ordering_sources`` maps a name to what it sorts
    by (``{"name": "name_sort"}``: pinyin). The rows without a value of a name in
    ``ordering_nulls_last`` (a problem not assessed yet) come last in either direction:
    PostgreSQL puts nulls first when descending, SQLite when ascending. Rows equal by the names
    asked for come by id, so pages neither repeat nor skip a row. One record (a detail URL) is
    not ordered."""

    def get_default_valid_fields(self, queryset, view, context=None):
        annotations = set(getattr(getattr(queryset, "query", None), "annotations", {}))
        return [(name, label) for name, label in super().get_default_valid_fields(queryset, view, context)
                if _orderable(queryset.model, name, annotations)]

    def allowed(self, queryset, view, request=None) -> list[str]:
        return [name for name, _label in self.get_valid_fields(queryset, view, {"request": request})]

    def get_ordering(self, request, queryset, view):
        terms = [term.strip() for term in (request.query_params.get(self.ordering_param) or "").split(",")]
        terms = [term for term in terms if term]
        if not terms:
            return self.get_default_ordering(view)
        allowed = self.allowed(queryset, view, request)
        unknown = [term for term in terms if term.removeprefix("-") not in allowed]
        if unknown:
            raise ValidationError({self.ordering_param: [
                _("Cannot order by %(unknown)s. Order by one of: %(allowed)s; “-” before a name sorts in "
                  "descending order, several names are separated by commas.")
                % {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)}]})
        sources = getattr(view, "ordering_sources", {})
        nulls_last = set(getattr(view, "ordering_nulls_last", ()))
        ordering = []
        for term in terms:
            name = term.removeprefix("-")
            source = sources.get(name, name)
            if name in nulls_last:
                ordering.append(F(source).desc(nulls_last=True) if term.startswith("-")
                                else F(source).asc(nulls_last=True))
            else:
                ordering.append(term[: len(term) - len(name)] + source)
        if not any(isinstance(term, str) and term.lstrip("-") in ("pk", "id") for term in ordering):
            ordering.append("pk")
        return ordering

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "detail", False):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_schema_operation_parameters(self, view):
        queryset = getattr(view, "queryset", None)
        if queryset is None:
            queryset = view.get_queryset()
        allowed = self.allowed(queryset, view)
        if not allowed:
            return []
        values = ", ".join(f"`{value}`" for name in allowed for value in (name, f"-{name}"))
        description = _("Order the results by one of: %(values)s (“-” before a name: descending). Several names "
                        "separated by commas sort by each in turn, e.g. `%(example)s`. Any other value answers "
                        "400.") % {"values": values, "example": ",".join([f"-{allowed[0]}", *allowed[1:2]])}
        return [{"name": self.ordering_param, "required": False, "in": "query", "description": description,
                 "schema": {"type": "string"}}]
