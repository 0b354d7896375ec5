"""Choices too many to list: a ``<select>`` of a directory-sized queryset renders only the rows
chosen, and the page finds the others by what the user types (``core/lookup.js``).

A new problem offered every unit and problem the user may see as ``<option>``s: at 100,000
enterprises the page was 14.6 MB and took 10.8 s to render (docs/benchmarks.md). Above
``ZHILIAN_LOOKUP_THRESHOLD`` rows the widget keeps the field's queryset in the user's session
under a random key and the lookup view answers from that queryset only, so a lookup offers
exactly what the form would have listed (the same ``restrict``-ed rows) and the form's own
validation is unchanged. Below the threshold nothing changes.

A checkbox list (experts on a mid-term check, a project's source problems) is treated the same:
its chosen rows stay ticked and the rows found are added as unticked boxes. A row is labelled by
its model's ``choice_label()`` where it has one (an expert with title and employer), both in the
form and in the lookup's answer, so a row found reads as a row listed.
"""

import importlib
import json
import secrets

from django import forms
from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from . import context

SESSION_KEY = "zl_lookups"
KEPT = 12  # the latest forms' fields; an older page's search box asks again after a reload
RESULTS = 20


def threshold() -> int:
    return settings.ZHILIAN_LOOKUP_THRESHOLD


def _labeller_path(field) -> str | None:
    """The field's own ``label_from_instance`` as ``module:qualname`` when it can be found again
    by name (a model's ``choice_label``, a module's function), so a row found reads as listed."""
    if _is_default(field):
        return None
    function = field.label_from_instance
    module, name = getattr(function, "__module__", ""), getattr(function, "__qualname__", "<")
    return f"{module}:{name}" if module.startswith("zhilian.") and "<" not in name else None


def _labeller(path):
    if not path or not path.startswith("zhilian."):
        return label
    module, name = path.split(":")
    target = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def _remember(queryset, field) -> str | None:
    """Keep the statement that selects the field's rows (as the ORM wrote it for this user) in
    the session; the page holds only a random key to it."""
    request = context.current().request
    session = getattr(request, "session", None)
    if session is None:
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    kept = dict(session.get(SESSION_KEY) or {})
    key = secrets.token_urlsafe(12)
    kept[key] = [queryset.model._meta.label_lower, sql, json.dumps(list(params), cls=DjangoJSONEncoder),
                 _labeller_path(field)]
    while len(kept) > KEPT:
        kept.pop(next(iter(kept)))
    session[SESSION_KEY] = kept
    return key


def remembered(request, key):
    """The rows a form's field offered this user under ``key``, as a queryset, and the function
    that labels them; (None, None) for a key the session does not hold."""
    entry = (request.session.get(SESSION_KEY) or {}).get(key)
    if not entry:
        return None, None
    model_label, sql, params, labeller = (entry + [None])[:4]
    model = apps.get_model(model_label)
    # The statement is the server's own, kept server side; the client only names it by key.
    rows = RawSQL(sql, json.loads(params))  # nosec B611
    return model._default_manager.filter(pk__in=rows), _labeller(labeller)


def label(row) -> str:
    choice_label = getattr(row, "choice_label", None)
    return choice_label() if callable(choice_label) else str(row)


def labelled(queryset):
    """``queryset`` with what its rows' ``choice_label`` reads joined in (``CHOICE_LABEL_RELATED``)."""
    related = getattr(queryset.model, "CHOICE_LABEL_RELATED", ())
    return queryset.select_related(*related) if related else queryset


def search(queryset, text: str):
    """Rows whose name or number (a model's ``LOOKUP_FIELDS``) contains ``text``, in the list's order (pinyin where kept)."""
    names = {f.name for f in queryset.model._meta.concrete_fields}
    condition = Q()
    for field in getattr(queryset.model, "LOOKUP_FIELDS", ("name", "code", "short_name")):
        if field in names:
            condition |= Q(**{f"{field}__icontains": text})
    if condition:
        queryset = queryset.filter(condition)
    if "name_sort" in names:
        queryset = queryset.order_by("name_sort", "pk")
    elif "code" in names:
        queryset = queryset.order_by("code", "pk")
    return labelled(queryset)[:RESULTS]


def _larger_than(queryset, limit: int) -> bool:
    """Whether ``queryset`` has more than ``limit`` rows, counting no further: a distinct union
    of units (the problem form's reporting units) took 0.66 s to count at 100,000 units."""
    return queryset.order_by().values("pk")[: limit + 1].count() > limit


def _is_default(field) -> bool:
    function = getattr(field.label_from_instance, "__func__", None)
    return function is forms.ModelChoiceField.label_from_instance


class _LookupMixin:
    """Renders only the chosen rows once the field's queryset is larger than the threshold."""

    lookup_in_attrs = True  # a <select> carries the lookup itself; a checkbox list's container does

    def get_context(self, name, value, attrs):
        iterator = self.choices
        queryset = getattr(iterator, "queryset", None)
        if queryset is not None and _larger_than(queryset, threshold()):
            field = iterator.field
            key = _remember(queryset, field)
            if key is not None:
                from django.urls import reverse

                values = value if isinstance(value, (list, tuple)) else [value]
                chosen = [str(v) for v in values if str(getattr(v, "value", v)).isdigit()]
                rows = list(labelled(queryset.filter(pk__in=chosen))) if chosen else []
                choices = [("", field.empty_label)] if getattr(field, "empty_label", None) is not None else []
                labeller = label if _is_default(field) else field.label_from_instance
                choices += [(str(row.pk), labeller(row)) for row in rows]
                lookup = {"url": reverse("core:lookup", args=[key]),
                          "placeholder": str(_("Type part of a name to find more…")),
                          "empty": str(_("Nothing matches that you may choose."))}
                if self.lookup_in_attrs:
                    attrs = {**(attrs or {}), "data-lookup": lookup["url"], "data-lookup-placeholder": lookup["placeholder"],
                             "data-lookup-empty": lookup["empty"]}
                self.choices = choices
                try:
                    context = super().get_context(name, value, attrs)
                finally:
                    self.choices = iterator
                context["widget"]["lookup"] = lookup
                return context
        return super().get_context(name, value, attrs)


class LookupSelect(_LookupMixin, forms.Select):
    pass


class LookupSelectMultiple(_LookupMixin, forms.SelectMultiple):
    pass


class LookupCheckboxSelectMultiple(_LookupMixin, forms.CheckboxSelectMultiple):
    """Ticked rows and a search box that adds the rows found as boxes to tick (``lookup.js``)."""

    lookup_in_attrs = False
    lookup_template_name = "core/widgets/lookup_checkboxes.html"

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)
        # django-bootstrap5 sets template_name for every checkbox list; the lookup keeps its own.
        template = self.lookup_template_name if "lookup" in context["widget"] else self.template_name
        return self._render(template, context, renderer)


def use_lookups(form):
    """Give every plain model-choice select of ``form`` the lookup behaviour."""
    for field in form.fields.values():
        if not isinstance(field, forms.ModelChoiceField):
            continue
        widget = field.widget
        if type(widget) is forms.Select:
            new = LookupSelect(attrs=widget.attrs)
        elif type(widget) is forms.SelectMultiple:
            new = LookupSelectMultiple(attrs=widget.attrs)
        elif type(widget) is forms.CheckboxSelectMultiple:
            new = LookupCheckboxSelectMultiple(attrs=widget.attrs)
        else:
            continue
        new.choices = widget.choices
        new.is_required = widget.is_required
        field.widget = new
