"""The Python renderers of widgets and list tables write exactly what Django's and
django-tables2's templates write (they exist only to be faster)."""

import datetime
import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import RequestFactory
from django.utils.safestring import mark_safe
from django_tables2 import RequestConfig

from zhilian.core.renderers import FormRenderer


class EveryWidget(forms.Form):
    text = forms.CharField(initial='He said "<b>hi</b>" & left', widget=forms.TextInput(attrs={"class": "a b"}))
    number = forms.IntegerField(initial=5, widget=forms.NumberInput(attrs={"min": 0, "required": True}))
    email = forms.EmailField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial="x&y")
    when = forms.DateField(initial=datetime.date(2026, 10, 13), widget=forms.DateInput(attrs={"type": "date"}))
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search", "placeholder": "名称 <关键词>"}))
    agree = forms.BooleanField(initial=True)
    disagree = forms.BooleanField(initial=False, required=False)
    kind = forms.ChoiceField(choices=[("", "---------"), ("enterprise", "企业"), ("a&b", mark_safe("<i>safe</i>"))],
                             initial="a&b")
    grouped = forms.ChoiceField(choices=[("东部", [("1", "一"), ("2", "二")]), ("3", "三")], initial="2")
    many = forms.MultipleChoiceField(choices=[(1, "one"), (2, "two"), (3, "three")], initial=[1, 3])
    notes = forms.CharField(widget=forms.Textarea, initial="line\n<two>")
    pick = forms.ChoiceField(widget=forms.RadioSelect, choices=[("x", "X"), ("y", "Y")], initial="y")


@pytest.mark.parametrize("bound", [False, True])
def test_the_python_widget_renderer_writes_what_the_templates_write(bound):
    data = {"text": "<script>", "number": "7", "kind": "enterprise", "grouped": "3", "many": ["2"], "agree": "on"}
    django_form = EveryWidget(data if bound else None, renderer=DjangoTemplates())
    fast_form = EveryWidget(data if bound else None, renderer=FormRenderer())
    for name in django_form.fields:
        assert str(fast_form[name]) == str(django_form[name]), name


def _normalise(html):
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).replace(" >", ">").strip()


def test_the_python_table_renderer_writes_what_django_tables2_writes(db):
    from zhilian.accounts.models import User
    from zhilian.core.tables import render_table
    from zhilian.directory.models import Expert, Organization
    from zhilian.directory.tables import ExpertTable, OrganizationTable

    request = RequestFactory().get("/x/?kind=enterprise&sort=-name&page=2&per_page=3")
    request.user = User.objects.get(username="mgmt")
    for table_class, rows in ((OrganizationTable, Organization.objects.all()), (ExpertTable, Expert.objects.all()),
                              (OrganizationTable, Organization.objects.none())):
        def table():
            t = table_class(rows, request=request)
            RequestConfig(request, paginate={"per_page": 3}).configure(t)
            return t

        assert _normalise(render_table(table(), request)) == _normalise(table().as_html(request))
