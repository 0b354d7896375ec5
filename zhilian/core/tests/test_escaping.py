"""core.escaping: Django's escape and mark_safe without keep_lazy's per-call check, same answers."""

import pytest
from django.utils import html as django_html
from django.utils.functional import Promise, lazy
from django.utils.safestring import SafeData, SafeString
from django.utils.translation import gettext_lazy, override

from zhilian.core import escaping

VALUES = ["plain", "<b>&\"'</b>", "中文 <标签>", "", 42, 3.5, None, SafeString("<i>kept</i>"),
          gettext_lazy("Search"), lazy(lambda: "<lazy & text>", str)()]


@pytest.mark.req("DIR-01")
def test_installed_where_conditional_escape_and_format_html_look():
    # Undone (not installed), every page pays keep_lazy's check again: this fails.
    assert django_html.escape is escaping.escape
    assert django_html.mark_safe is escaping.mark_safe


@pytest.mark.req("DIR-01")
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_same_answers_as_django(value):
    for ours, django in ((escaping.escape, escaping._django_escape),
                         (escaping.mark_safe, escaping._django_mark_safe)):
        got, expected = ours(value), django(value)
        assert type(got) is type(expected) or (isinstance(got, Promise) and isinstance(expected, Promise))
        with override("en"):
            english = str(got), str(expected)
        with override("zh-hans"):
            chinese = str(got), str(expected)
        assert english[0] == english[1] and chinese[0] == chinese[1]
        assert isinstance(got, SafeData) == isinstance(expected, SafeData)


@pytest.mark.req("PLT-10")
def test_lazy_text_stays_lazy_and_translates_when_shown():
    escaped = escaping.escape(gettext_lazy("Search"))
    assert isinstance(escaped, Promise)
    with override("zh-hans"):
        assert str(escaped) == "搜索"
    with override("en"):
        assert str(escaped) == "Search"


@pytest.mark.req("DIR-01")
def test_conditional_escape_and_format_html_unchanged():
    assert django_html.conditional_escape("<a>") == "&lt;a&gt;"
    assert django_html.conditional_escape(SafeString("<a>")) == "<a>"
    link = django_html.format_html('<a href="{}">{}</a>', "/x?a=1&b=2", "名称 <1>")
    assert link == '<a href="/x?a=1&amp;b=2">名称 &lt;1&gt;</a>' and isinstance(link, SafeString)


@pytest.mark.req("DIR-01")
def test_mark_safe_still_decorates_functions():
    decorated = escaping.mark_safe(lambda: "<b>x</b>")
    assert decorated() == "<b>x</b>" and isinstance(decorated(), SafeData)
