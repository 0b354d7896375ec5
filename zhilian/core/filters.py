"""Filters shared by the apps' filtersets (web lists, API lists and exports use the same ones)."""

import copy
import functools

import django_filters
import django_filters.rest_framework
from django import forms
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import models
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters.fields import ModelChoiceField as _FilterModelChoiceField
from django_filters.fields import ModelChoiceIterator as _FilterModelChoiceIterator
from django_filters.filters import FilterMethod
from drf_spectacular.utils import extend_schema_field

from . import resultcache
from .permissions import scope_token

# The largest key both databases store (a signed 64-bit integer). A larger number sent as an id
# is a validation error, not a database overflow (SQLite raises OverflowError, PostgreSQL
# "bigint out of range").
MAX_ID = 2**63 - 1

# A filter left blank keeps every row: it reads 全部 / All, not a form's "---------" (the same
# label as settings.FILTERS_EMPTY_CHOICE_LABEL, which django-filter's choice filters take).
ALL = pgettext_lazy("filter choice", "All")

# A yes / no filter's choices: blank is "any" (``NullBooleanSelect`` labels it "unknown", which
# reads as a value of the field).
YES_NO = [("", ALL), ("true", _("Yes")), ("false", _("No"))]


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """``?institution=<id>``: the id of a record, as a query parameter.

    django-filter's ``NumberFilter`` reads a decimal up to 1e50, so ``?institution=1e30`` reached
    the database as a 31-digit key and ``?institution=1.5`` as a fraction. An id is a whole
    number from 1 to ``MAX_ID``; anything else answers 400 with the parameter's error, like
    every other invalid filter, and a valid id of a record the user may not see simply matches
    nothing.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)

    def get_max_validator(self):
        return None  # max_value above is the bound


class YesNoField(forms.NullBooleanField):
    """A yes / no filter's value: ``true`` / ``false`` (also ``1`` / ``0``, ``True`` / ``False``);
    blank is any. Anything else is an error: ``NullBooleanField`` read ``?is_active=maybe`` as
    blank, so an API list answered every row, as if unfiltered, to a value it did not understand."""

    widget = forms.Select(choices=YES_NO)

    def to_python(self, value):
        if value in (None, ""):
            return None
        result = super().to_python(value)
        if result is None:
            raise ValidationError(_("Enter true or false."), code="invalid")
        return result


class BooleanFilter(django_filters.BooleanFilter):
    """``?is_active=true``: a yes / no filter refusing what is neither (400 under its name)."""

    field_class = YesNoField


def _filter_for_request(base):
    """A filterset's own copy of one of its class's filters, made as django-filter's deepcopy
    would leave it for one request: what a request changes on a filter is its attributes
    (``parent``, ``model``, ``queryset``), its ``extra`` (a model filter puts the request's
    queryset there; a filterset swaps a widget) and the form field it builds from them, so
    those are its own; labels, choices and widgets stay shared (a field copies its widget)."""
    own = copy.copy(base)
    own.extra = dict(base.extra)
    own.__dict__.pop("_field", None)
    if isinstance(own.__dict__.get("filter"), FilterMethod):
        own.filter = FilterMethod(own)  # bound to this copy, as ``method=`` binds it to its filter
    return own


class CheapCopyFilterSet(django_filters.FilterSet):
    """A filterset set up for each request without ``copy.deepcopy``.

    django-filter deep-copies every filter of the class (their widgets, choices and querysets),
    then makes a form class holding a field per filter, whose forms deep-copy those fields
    again: about a millisecond of every list page and API list, for copies nothing changes.
    Here each filter is copied as :func:`_filter_for_request` says, the form class is made once
    per filterset class, and the form takes the fields this request's filters built (they are
    new for each request, so nothing is shared). Same filters, fields, values and errors."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        model = queryset.model
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: _filter_for_request(base) for name, base in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = model
            filter_.parent = self

    @classmethod
    def _empty_form_class(cls):
        # Per class, not inherited: a subclass may have its own Meta.form.
        form_class = cls.__dict__.get("_form_class_without_fields")
        if form_class is None:
            form_class = type(f"{cls.__name__}Form", (cls._meta.form,), {})
            cls._form_class_without_fields = form_class
        return form_class

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form_class = self._empty_form_class()
            form = form_class(self.data, prefix=self.form_prefix) if self.is_bound else \
                form_class(prefix=self.form_prefix)
            form.fields = {name: filter_.field for name, filter_ in self.filters.items()}
            self._form = form
        return self._form


class FilterSet(CheapCopyFilterSet, django_filters.rest_framework.FilterSet):
    """The API's base for filtersets made from ``filterset_fields``: yes / no fields are
    :class:`BooleanFilter` (DRF's ``BooleanWidget`` also read an unknown value as blank)."""

    FILTER_DEFAULTS = {**django_filters.rest_framework.FilterSet.FILTER_DEFAULTS,
                       models.BooleanField: {"filter_class": BooleanFilter}}


@functools.lru_cache(maxsize=None)
def id_field(minimum: int = 1) -> forms.IntegerField:
    return forms.IntegerField(min_value=minimum, max_value=MAX_ID)


def as_id(value, minimum: int = 1) -> int | None:
    """``value`` (a query parameter) as a record id, or None when it is not one.

    Not ``str.isdigit()``: it accepts "²" (which ``int()`` refuses) and numbers of any length
    (which SQLite refuses to compare with a key: OverflowError).
    """
    try:
        return id_field(minimum).clean(value)
    except ValidationError:
        return None


class _KeptChoiceIterator(_FilterModelChoiceIterator):
    """A model filter's choices, kept (``core.resultcache``) until a table they were read from
    changes: a list page drew its consortia or service domains from the database, through a
    server-side cursor (three round trips) and one model instance each, for every page with
    its filter form, though they change a few times a year. The key is the choices' query as
    PostgreSQL receives it (the user's scope included: two users with the same SQL see the
    same rows), the field's way of labelling and valuing them, and the language."""

    def _kept(self) -> tuple:
        field = self.field
        queryset = self.queryset
        if queryset._prefetch_related_lookups:
            return tuple(self.choice(obj) for obj in queryset)
        kept_as = getattr(field, "zl_kept_as", None)
        if kept_as is not None:
            shape = ("kept", kept_as)
        else:
            try:
                sql, params = queryset.query.sql_with_params()
            except EmptyResultSet:
                return ()
            shape = (sql, tuple(map(str, params)))

        def compute():
            return tuple((field.prepare_value(obj), str(field.label_from_instance(obj)))
                         for obj in queryset.iterator())

        key = (type(field).__module__, type(field).__qualname__, field.to_field_name, queryset.db, *shape,
               translation.get_language())
        return resultcache.cached("filter-choices", key, compute, using=queryset.db)

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        yield from self._kept()

    def __len__(self):
        return len(self._kept()) + (self.field.empty_label is not None) + (self.field.null_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or self.field.null_label is not None or bool(self._kept())


class KeptChoicesModelChoiceField(_FilterModelChoiceField):
    iterator = _KeptChoiceIterator
    # What names its queryset (``ModelChoiceFilter``'s ``kept_as``); forgotten when the
    # queryset is replaced.
    zl_kept_as = None

    def _set_queryset(self, queryset):
        self.zl_kept_as = None
        super()._set_queryset(queryset)

    queryset = property(_FilterModelChoiceField._get_queryset, _set_queryset)


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's ``ModelChoiceFilter`` whose offered choices are kept until their table
    changes (a value sent is still looked up in the filter's queryset).

    The choices are kept under their query's SQL, unless the queryset is named: ``kept_as`` for
    a queryset declared with the filter, or :meth:`offer` for the rows a user may see, named by
    the user's scope. Writing the SQL only to look the choices up was a twentieth of a list
    page's Python."""

    field_class = KeptChoicesModelChoiceField

    def __init__(self, *args, kept_as: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._kept = (self.queryset, ("declared", kept_as)) if kept_as else None

    def offer(self, model, user, action: str = "view", *, build=None, kept_as: str = ""):
        """Offer ``build(model.objects.restrict(user, action))`` (``build`` named by
        ``kept_as``), its choices kept under the user's scope."""
        queryset = model.objects.restrict(user, action)
        self.queryset = build(queryset) if build is not None else queryset
        token = scope_token(model, user, action)
        self._kept = None if token is None else (self.queryset, ("offered", model._meta.label, action, kept_as, token))

    @property
    def field(self):
        built = "_field" in self.__dict__
        field = super().field
        if not built and self._kept is not None and self._kept[0] is self.queryset:
            field.zl_kept_as = self._kept[1]
        return field


# Query parameters that page, sort or size a list without narrowing it.
PAGING_PARAMETERS = frozenset({"page", "per_page", "sort"})


def rendered_fields(filterset, request) -> str:
    """The filter form's fields as a list page shows them, kept (in this process) until a table
    their choices were read from changes, for the user, language and day, under the filters'
    values: a varied search or another page of a list shows the same fields with the same
    values, and writing them (a select of every district or industry, each field's label and
    attributes) was about a tenth of a list page's Python. A form with errors is written afresh."""
    form = filterset.form

    def write():
        return render_to_string("core/includes/filter_fields.html", {"form": form})

    if form.is_bound and form.errors:
        return mark_safe(write())  # nosec B703 B308 - Django's own rendering of the form's fields
    values = tuple((name, tuple(values)) for name, values in sorted(request.GET.lists())
                   if name != "q" and name not in PAGING_PARAMETERS)
    key = (type(filterset).__module__, type(filterset).__qualname__, values, resultcache.context_key(request))
    kept = resultcache.cached("filter-fields", key, write, using=filterset.queryset.db, shared=False,
                              depends_on=resultcache.ACCOUNT_TABLES)
    return mark_safe(kept)  # nosec B703 B308 - Django's own rendering of the form's fields
