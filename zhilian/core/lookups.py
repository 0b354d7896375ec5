"""Choices too many to list: a ``<select>`` of a directory-sized queryset renders only the rows
chosen, and the page finds the others by what the user types (``core/lookup.js``).

A new problem offered every unit and problem the user may see as ``<option>``s: at 100,000
enterprises the page was 14.6 MB and took 10.8 s to render (docs/benchmarks.md). Above
``ZHILIAN_LOOKUP_THRESHOLD`` rows the widget keeps the field's queryset in the user's session
under a random key and the lookup view answers from that queryset only, so a lookup offers
exactly what the form would have listed (the same ``restrict``-ed rows) and the form's own
validation is unchanged. Below the threshold nothing changes.
"""

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
    return getattr(settings, "ZHILIAN_LOOKUP_THRESHOLD", 1000)


def _remember(queryset) -> str | None:
    """Keep the statement that selects the field's rows (as the ORM wrote it for this user) in
    the session; the page holds only a random key to it."""
    request = context.current().request
    session = getattr(request, "session", None)
    if session is None:
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    kept = dict(session.get(SESSION_KEY) or {})
    key = secrets.token_urlsafe(12)
    kept[key] = [queryset.model._meta.label_lower, sql, json.dumps(list(params), cls=DjangoJSONEncoder)]
    while len(kept) > KEPT:
        kept.pop(next(iter(kept)))
    session[SESSION_KEY] = kept
    return key


def remembered(request, key):
    """The rows a form's field offered this user under ``key``, as a queryset, or None."""
    entry = (request.session.get(SESSION_KEY) or {}).get(key)
    if not entry:
        return None
    label, sql, params = entry
    model = apps.get_model(label)
    # The statement is the server's own, kept server side; the client only names it by key.
    rows = RawSQL(sql, json.loads(params))  # nosec B611
    return model._default_manager.filter(pk__in=rows)


def search(queryset, text: str):
    """Rows whose name (or number) contains ``text``, in the list's order (pinyin where kept)."""
    names = {f.name for f in queryset.model._meta.concrete_fields}
    condition = Q()
    for field in ("name", "code", "short_name"):
        if field in names:
            condition |= Q(**{f"{field}__icontains": text})
    if condition:
        queryset = queryset.filter(condition)
    if "name_sort" in names:
        queryset = queryset.order_by("name_sort", "pk")
    elif "code" in names:
        queryset = queryset.order_by("code", "pk")
    return queryset[:RESULTS]


class _LookupMixin:
    """Renders only the chosen rows once the field's queryset is larger than the threshold."""

    def get_context(self, name, value, attrs):
        iterator = self.choices
        queryset = getattr(iterator, "queryset", None)
        if queryset is not None and queryset.count() > threshold():
            key = _remember(queryset)
            if key is not None:
                from django.urls import reverse

                field = iterator.field
                values = value if isinstance(value, (list, tuple)) else [value]
                chosen = [str(v) for v in values if str(getattr(v, "value", v)).isdigit()]
                rows = list(queryset.filter(pk__in=chosen)) if chosen else []
                choices = [("", field.empty_label)] if getattr(field, "empty_label", None) is not None else []
                choices += [(str(row.pk), field.label_from_instance(row)) for row in rows]
                attrs = {**(attrs or {}), "data-lookup": reverse("core:lookup", args=[key]),
                         "data-lookup-placeholder": str(_("Type part of a name to find more…"))}
                self.choices = choices
                try:
                    return super().get_context(name, value, attrs)
                finally:
                    self.choices = iterator
        return super().get_context(name, value, attrs)


class LookupSelect(_LookupMixin, forms.Select):
    pass


class LookupSelectMultiple(_LookupMixin, forms.SelectMultiple):
    pass


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
        else:
            continue
        new.choices = widget.choices
        new.is_required = widget.is_required
        field.widget = new
