"""The form renderer: Django's, with the commonest widgets written in Python.

Django renders every ``<select>`` option and every ``<input>`` through the template engine
(an include per option and per attribute list); a list page's filter form with its region
and category choices spent ~8 ms there. These functions write exactly the markup of
Django's ``django/forms/widgets/{select,select_option,input,attrs}.html`` (a test compares
them); every other widget template is rendered by Django as before.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django_bootstrap5.renderers import FieldRenderer as _BootstrapFieldRenderer

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
