"""The site search's kept statements (core.search): written once per type, scope and shape of
query, they answer exactly what the query built anew answers, for every user and every word,
and never outlive the scope they were written under."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhilian.core import keptsql, permissions, resultcache, search
from zhilian.directory.models import Organization

PERSONAS = ["city", "district", "member", "icmember", "institution", "expert", "commissioner", "consumer"]
# Two characters, three and more, several terms, a name jieba cuts, and LIKE's own characters.
QUERIES = ["检测", "玻璃基板", "厦门 显示", "单晶硅棒 校准规范", "厦门辰鼎", "100%_纯\\度", "Ab_c%", "翔安"]


def _answer(user, query):
    return [(st.key, [hit.pk for hit in hits], total)
            for st, hits, total, _capped in search.search(user, query, limit_per_type=8)]


@pytest.fixture
def odd_names(db):
    """Rows whose names hold LIKE's special characters, so that an escaping slip shows."""
    for name in ["厦门100%_纯\\度检测有限公司", "厦门100a纯度检测有限公司", "Ab_c% 显示材料公司", "Abxc 显示材料公司"]:
        Organization.objects.create(kind="industry_org", name=name, district="思明区")


def _site_search_statements() -> dict:
    return search._statements


def _unkept(monkeypatch):
    monkeypatch.setattr(search, "_kept_ids_and_total", lambda *args, **kwargs: None)


@pytest.mark.req("PLT-08")
@pytest.mark.req("PLT-02")
def test_kept_statements_answer_what_the_query_built_anew_answers(odd_names, persona, monkeypatch):
    search._statements.clear()
    kept = {(name, q): _answer(persona(name), q) for name in PERSONAS for q in QUERIES}
    if connection.vendor == "postgresql":
        assert any(statement is not None for statement in _site_search_statements().values())
    with monkeypatch.context() as m:
        _unkept(m)
        built = {(name, q): _answer(persona(name), q) for name in PERSONAS for q in QUERIES}
    assert kept == built
    # The escaping matters: % and _ are matched as themselves.
    orgs = dict((key, ids) for key, ids, _total in kept[("city", "100%_纯\\度")])["directory.organization"]
    assert [Organization.objects.get(pk=pk).name for pk in orgs] == ["厦门100%_纯\\度检测有限公司"]
    assert kept[("district", "检测")] != kept[("city", "检测")]


@pytest.mark.req("PLT-08")
def test_a_statement_is_written_once_per_shape_and_run_with_other_words(persona):
    search._statements.clear()
    user = persona("city")
    _answer(user, "玻璃")
    written = len(_site_search_statements())
    with CaptureQueriesContext(connection) as queries:
        other = _answer(user, "面板")
    assert len(_site_search_statements()) == written  # same shape (one two-character term): nothing written
    assert any("面板" in q["sql"] or "面面板板" in q["sql"] for q in queries.captured_queries)
    assert other and all(key for key, _ids, _total in other)
    _answer(user, "玻璃基板 面板")  # another shape: two terms
    assert len(_site_search_statements()) > written
    # In a store of their own: many users' searches do not push out the detail pages' statements.
    assert not [key for key in keptsql._kept if key and key[0] == "site-search"]


@pytest.mark.req("PLT-08")
def test_one_statement_serves_a_shape_in_any_order_of_its_words(persona, monkeypatch):
    """A long and a short term, in either order (and mixed with a cased one): the same
    statements, and the answers of the query built anew for each order."""
    search._statements.clear()
    user = persona("city")
    first = _answer(user, "玻璃基板 面板")
    written = len(_site_search_statements())
    swapped = _answer(user, "面板 玻璃基板")
    assert len(_site_search_statements()) == written
    mixed = {q: _answer(user, q) for q in ("显示 Ab 玻璃基板", "玻璃基板 Ab 显示", "Ab 玻璃基板 显示")}
    assert len(_site_search_statements()) in (written, written * 2)  # one more shape at most
    with monkeypatch.context() as m:
        _unkept(m)
        assert first == _answer(user, "玻璃基板 面板") and swapped == _answer(user, "面板 玻璃基板")
        assert all(answer == _answer(user, q) for q, answer in mixed.items())


@pytest.mark.req("PLT-08")
def test_the_case_of_a_searched_term_matters_only_where_the_sql_reads_it(persona, monkeypatch):
    """A type with a search text matches terms with a plain LIKE whatever their case: "Ab 面板
    cd" and "Ab 面板 12" (a cased term for a caseless one, the title's words cased in both)
    share its statement; a type matched on its title (``icontains``) gets one of its own."""
    search._statements.clear()
    user = persona("city")
    first = _answer(user, "Ab 面板 cd")
    written = len(_site_search_statements())
    second = _answer(user, "Ab 面板 12")
    unindexed = [st for st in search.types() if not search._indexed(st.model)]
    if connection.vendor == "postgresql":
        assert unindexed and 0 < len(_site_search_statements()) - written <= len(unindexed)
    with monkeypatch.context() as m:
        _unkept(m)
        assert first == _answer(user, "Ab 面板 cd") and second == _answer(user, "Ab 面板 12")


@pytest.mark.req("PLT-02")
def test_a_statement_is_not_used_once_the_scope_it_was_written_under_changed(persona):
    """A district bureau sees its district's enterprises: moved to another district, an
    enterprise leaves its search answers at once (the scope is built again, with a new token)."""
    search._statements.clear()
    district = persona("district")  # 翔安区
    org = Organization.objects.create(kind="enterprise", name="厦门迁移测试光电有限公司", district="翔安区",
                                      province="福建省", city="厦门市")

    def found():
        return [pk for key, ids, _t in _answer(district, "迁移测试") if key == "directory.organization" for pk in ids]

    assert found() == [org.pk]
    Organization.objects.filter(pk=org.pk).update(district="思明区")
    resultcache.clear()
    assert found() == []
    assert permissions.scope_token(Organization, district, "view") is not None


@pytest.mark.req("PLT-08")
@pytest.mark.req("PLT-02")
@pytest.mark.req("MAP-07")
def test_a_chain_link_renamed_in_the_working_copy_answers_only_its_builders_through_kept_statements(
        persona, monkeypatch):
    from zhilian.chains.models import Chain, ChainNode

    chain = Chain.objects.get(name="光电显示产业链")  # published; its owner enterprise builds it
    link = ChainNode.objects.get(chain=chain, name="偏光片")
    link.name = "偏光片（改名草稿）"
    link.save()
    search._statements.clear()
    found = {name: _answer(persona(name), "改名草稿") for name in ("owner", "city", "member", "consumer")}
    if connection.vendor == "postgresql":  # the links' statements kept, one per scope
        kept = [key for key, statement in _site_search_statements().items()
                if key[1] == "chains.chainnode" and statement is not None]
        assert len(kept) >= 3
    for builder in ("owner", "city"):
        assert ("chains.chainnode", [link.pk], 1) in found[builder], builder
    for outsider in ("member", "consumer"):
        assert "chains.chainnode" not in {key for key, _ids, _total in found[outsider]}, outsider
    with monkeypatch.context() as m:
        _unkept(m)
        assert found == {name: _answer(persona(name), "改名草稿") for name in found}


# What core/search.html wrote with template tags before ``search_groups`` wrote it in Python.
_SEARCH_GROUPS_TEMPLATE = """{% load i18n %}{% for st, hits, total, capped in results %}
  <div class="card mb-3 search-group" data-type="{{ st.key }}">
    <div class="card-header d-flex justify-content-between"><span>{{ st.label }}</span><span class="text-muted small">{% blocktranslate count counter=total %}{{ counter }} hit{% plural %}{{ counter }} hits{% endblocktranslate %}</span></div>
    <ul class="list-group list-group-flush">
      {% for hit in hits %}
      <li class="list-group-item"><a href="{{ hit.get_absolute_url }}" class="search-hit">{{ hit }}</a>
        {% if hit.kind %}<span class="badge text-bg-light">{{ hit.get_kind_display }}</span>{% endif %}
        {% if hit.district %}<span class="text-muted small">{{ hit.city }}{{ hit.district }}</span>{% endif %}
      </li>
      {% endfor %}
    </ul>
    {% if total > hits|length %}<div class="card-footer small"><a href="?q={{ query|urlencode }}&type={{ st.key }}">{% translate "Show all" %}</a></div>{% endif %}
  </div>
  {% endfor %}"""


@pytest.mark.req("PLT-08")
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_search_groups_are_written_as_the_template_wrote_them(persona, language):
    from django.template import Context, Template
    from django.utils import translation

    from zhilian.core.templatetags.zhilian import search_groups

    reference = Template(_SEARCH_GROUPS_TEMPLATE)
    seen = {"footer": 0, "kind": 0, "district": 0, "types": set()}
    with translation.override(language):
        for name in ("city", "member", "expert"):
            for query in ("检测", "厦门", "显示 面板", "100%_纯\\度 <b>", "单晶硅棒"):
                results = search.search(persona(name), query, limit_per_type=3)
                ours = search_groups(results, query)
                assert ours == reference.render(Context({"results": results, "query": query})), (name, query)
                seen["footer"] += ours.count('class="card-footer small"')
                seen["kind"] += ours.count('class="badge text-bg-light"')
                seen["district"] += ours.count('<span class="text-muted small">') - len(results)
                seen["types"] |= {st.key for st, _hits, _total, _capped in results}
    assert seen["footer"] and seen["kind"] and seen["district"] and len(seen["types"]) >= 5, seen
