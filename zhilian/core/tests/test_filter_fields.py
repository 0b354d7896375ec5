"""A list page's filter fields are written once and kept (core.filters.rendered_fields) for the
user, language, day and filter values, until a table their choices came from changes; a form
with errors is written afresh."""

import re

import pytest

from zhilian.chains.models import Chain
from zhilian.chains.services import chain_create

FIELDS_TEMPLATE = "core/includes/filter_fields.html"


@pytest.fixture
def written(monkeypatch):
    """The filter fields' templates rendered (the kept ones are not)."""
    from zhilian.core import filters

    calls = []
    original = filters.render_to_string

    def render(template_name, *args, **kwargs):
        if template_name == FIELDS_TEMPLATE:
            calls.append(template_name)
        return original(template_name, *args, **kwargs)

    monkeypatch.setattr(filters, "render_to_string", render)
    return calls


def _form(html: str) -> str:
    return html[html.index('class="row g-2 align-items-end zl-filters"'):html.index("</form>", html.index("zl-filters"))]


def _fields(html: str) -> str:
    """The filter fields: after the search box, before the buttons."""
    form = _form(html)
    return form[form.index(">", form.index('id="id_q"')) + 1:form.index('<div class="col-auto">')]


def _chain_options(html: str) -> set[str]:
    select = re.search(r'<select name="chain".*?</select>', _form(html), re.S).group(0)
    return set(re.findall(r'<option value="(\d+)"', select))


@pytest.mark.req("PLT-08")
@pytest.mark.req("PRB-06")
def test_searches_and_pages_of_a_list_show_the_kept_fields_with_the_values_chosen(client_as, written):
    client = client_as("mgmt")
    first = client.get("/problems/?q=单晶&category=technology").content.decode()
    assert written == [FIELDS_TEMPLATE]
    for url in ("/problems/?q=硅棒&category=technology", "/problems/?category=technology&page=2&sort=name"):
        assert _fields(client.get(url).content.decode()) == _fields(first)
    assert written == [FIELDS_TEMPLATE]  # the other search and page: the fields were kept
    assert '<option value="technology" selected>' in _form(first)
    # Another value is another form: its own option selected.
    other = client.get("/problems/?q=单晶&category=management").content.decode()
    assert len(written) == 2
    assert '<option value="management" selected>' in _form(other) and \
        '<option value="technology" selected>' not in _form(other)


@pytest.mark.req("PLT-02")
@pytest.mark.req("PLT-11")
def test_kept_fields_follow_their_choices_table_the_user_and_the_language(client_as, persona, written):
    city = client_as("city")
    before = city.get("/problems/?q=检测").content.decode()
    expected = {str(pk) for pk in Chain.objects.restrict(persona("city"), "view").values_list("pk", flat=True)}
    assert _chain_options(before) == expected
    draft = chain_create(user=persona("city"), name="测试草稿产业链（筛选字段）", industry="测试")
    after = city.get("/problems/?q=检验").content.decode()
    assert _chain_options(after) == expected | {str(draft.pk)}  # the chains' table changed
    # An enterprise member is offered the chains of its own scope, not the city's kept fields.
    member = client_as("member").get("/problems/?q=检验").content.decode()
    member_scope = {str(pk) for pk in Chain.objects.restrict(persona("member"), "view").values_list("pk", flat=True)}
    assert _chain_options(member) == member_scope and str(draft.pk) not in _chain_options(member)
    # In English, English labels.
    city.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = city.get("/problems/?q=检验").content.decode()
    assert ">Category</label>" in _form(english) and ">Category</label>" not in _form(after)


@pytest.mark.req("PLT-08")
def test_a_form_with_errors_is_written_each_time_with_its_errors(client_as, written):
    client = client_as("mgmt")
    for query in ("检测", "检验"):
        html = client.get(f"/problems/?q={query}&status=nonsense").content.decode()
        assert "text-danger small" in _form(html)
    assert written == [FIELDS_TEMPLATE, FIELDS_TEMPLATE]
