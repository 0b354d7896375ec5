"""The form renderer: Django's, with the commonest widgets written in Python.

Django renders every ``<select>`` option and every ``<input>`` through the template engine
(an include per option and per attribute list); a list page's filter form with its region
and category choices spent ~8 ms there. These functions write exactly the markup of
Django's ``django/forms/widgets/{select,select_option,input,attrs}.html`` (a test compares
them); every other widget template is rendered by Django as before.
"""

from collections import OrderedDict

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django_bootstrap5.renderers import FieldRenderer as _BootstrapFieldRenderer
from django_filters.fields import ChoiceIterator as FilterChoiceIterator

from . import keptsql

_INPUT_TEMPLATES = {
    f"django/forms/widgets/{name}.html"
    for name in ("text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "search",
                 "tel", "color", "checkbox", "input")
}
_SELECT = "django/forms/widgets/select.html"
_OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs) -> str:
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(out)


def _input(widget) -> str:
    value = widget["value"]
    value_html = f' value="{conditional_escape(value)}"' if value is not None else ""
    return (f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"{value_html}'
            f'{_attrs(widget["attrs"])}>')


def _select(widget) -> str | None:
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != _OPTION:
                return None
            out.append(f'\n  <option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
                       f'{conditional_escape(option["label"])}</option>\n')
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None:
            if template_name in _INPUT_TEMPLATES:
                return _input(widget)
            if template_name == _SELECT:
                html = _select(widget)
                if html is not None:
                    return html
        return super().render(template_name, context, request)


class BootstrapFieldRenderer(_BootstrapFieldRenderer):
    """django-bootstrap5's field renderer, marking only the fields in error.

    Bootstrap's ``is-valid`` ticks every other field of a form sent back with errors (a
    refused sign-in, a stale edit) green, though nothing about them was checked.
    """

    def get_server_side_validation_classes(self):
        return "is-invalid" if self.field_errors else ""


# ---------------------------------------------------------------- selects of fixed choices, kept
#
# A list page's filter form has nine or ten selects of fixed choices (kinds, provinces,
# categories, statuses, yes / no), built for every request: an option dict per choice
# (``ChoiceWidget.optgroups``), then the markup, about 1 ms of a list page (a tenth of a fresh
# one). Their markup depends only on what the key below holds: the widget's class and
# templates, the name, the selected values, the attributes, the choices (their labels as
# shown in the active language) and the renderer. Choices read from the database (a model
# choice iterator) are not a list, and are rendered every time.

_KEPT_SELECTS = 2048
_selects: OrderedDict = OrderedDict()  # a store of keptsql's least-recently-used kind
_django_select_render = forms.Select.render
_PLAIN = (str, int, float, bool, type(None))


def _frozen_attrs(attrs: dict):
    out = []
    for name, value in attrs.items():
        if isinstance(value, Promise):
            out.append((name, Promise, str(value)))
        elif type(value) in _PLAIN:
            out.append((name, type(value), value))
        else:
            return None
    return tuple(out)


def _fixed(choices):
    """The choices as a list when they are fixed: a list, or django-filter's iterator over a
    list (which adds the empty and null choices); None for choices read from the database."""
    if isinstance(choices, (list, tuple)):
        return choices
    if type(choices) is FilterChoiceIterator and isinstance(choices.choices, (list, tuple)):
        return list(choices)
    return None


def _frozen_choices(choices):
    choices = _fixed(choices)
    if choices is None:
        return None
    out = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            group = _frozen_choices(label)
            if group is None:
                return None
            out.append((type(value), str(value), group))
        elif type(value) in _PLAIN and (isinstance(label, Promise) or type(label) in _PLAIN):
            out.append((type(value), value, str(label)))
        else:  # a safe string, a model instance: rendered every time
            return None
    return tuple(out)


def _select_key(widget, name, value, attrs, renderer):
    cls = type(widget)
    if (cls.get_context is not forms.Select.get_context or cls.optgroups is not forms.Select.optgroups
            or cls.create_option is not forms.Select.create_option or cls._render is not forms.Select._render
            or cls.id_for_label is not forms.Select.id_for_label):
        return None
    choices = _frozen_choices(widget.choices)
    built = _frozen_attrs(widget.build_attrs(widget.attrs, attrs)) if choices is not None else None
    if built is None:
        return None
    return (cls, widget.template_name, widget.option_template_name, widget.is_required, widget.is_localized, name,
            tuple(widget.format_value(value)), built, choices, type(renderer))


def kept_select_render(self, name, value, attrs=None, renderer=None):
    """``Widget.render`` for selects, the markup kept per key (``_select_key``)."""
    try:
        key = _select_key(self, name, value, attrs, renderer)
    except TypeError:  # something unhashable in a value
        key = None
    if key is None:
        return _django_select_render(self, name, value, attrs, renderer)
    return keptsql.kept_statement(key, lambda: _django_select_render(self, name, value, attrs, renderer), _selects,
                                  limit=_KEPT_SELECTS)


def install():
    if forms.Select.render is _django_select_render:
        forms.Select.render = kept_select_render
