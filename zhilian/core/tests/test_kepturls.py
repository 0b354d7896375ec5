"""The {% url %} every template uses keeps what it reversed and gives what Django's tag gives."""

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

from zhilian.core.templatetags.kepturls import KeptURLNode, _kept


def render(source, **context):
    return engines["django"].from_string(source).render(context)


def test_the_builtin_url_tag_is_the_kept_one():
    template = engines["django"].from_string("{% url 'home' %}")
    assert any(isinstance(node, KeptURLNode) for node in template.template.nodelist)


@pytest.mark.django_db
def test_kept_urls_are_what_reverse_gives():
    _kept.cache_clear()
    for pk in (3, 3, 44):
        assert render("{% url 'directory:organization_detail' pk %}", pk=pk) == reverse(
            "directory:organization_detail", args=[pk])
        assert render("{% url 'directory:organization_detail' pk=pk %}", pk=pk) == reverse(
            "directory:organization_detail", kwargs={"pk": pk})
    assert _kept.cache_info().hits >= 2
    assert render("{% url 'directory:organization_list' as u %}[{{ u }}]") == f"[{reverse('directory:organization_list')}]"
    try:
        set_script_prefix("/zl/")
        assert render("{% url 'directory:organization_detail' 3 %}") == "/zl/directory/organizations/3/"
    finally:
        set_script_prefix("/")
    assert render("{% url 'directory:organization_detail' 3 %}") == "/directory/organizations/3/"
    assert render("{% url 'nothing:here' as u %}[{{ u }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'nothing:here' %}")
    assert render("{% url 'search' %}?q={{ q }}", q="<b>") == reverse("search") + "?q=&lt;b&gt;"
