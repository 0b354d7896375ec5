"""A problem search read tier by tier on PostgreSQL, and a search's count capped (core.pagination)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from zhilian.core.caseless import caseless
from zhilian.core.search import filter_queryset
from zhilian.core.text import doubled, search_terms
from zhilian.problems.models import Problem

ON_POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def problems(db):
    """Problems whose names equal, contain (in either case) or lack the words searched, with
    the words in their descriptions, over dates that interleave the tiers."""
    template = Problem.objects.get(code="OD-002")
    names = ["背光", "LED", "led", "背光漏光", "背光模组翘曲", "LED灯条失效", "驱动led闪烁", "偏光片划伤", "玻璃基板翘曲"]
    created = []
    for i in range(45):
        created.append(Problem.objects.create(
            code=f"TT-{i:03d}", name=names[i % len(names)] + ("" if i < len(names) else f"{i}" * (i % 2)),
            chain=template.chain, node=template.node, category=template.category,
            description=f"批次{i} 背光漏光 LED 不良率偏高" + (" 翘曲 led灯条" if i % 2 else ""),
            reported_on=datetime.date(2026, 3, 1) - datetime.timedelta(days=(i * 7) % 11)))
    return created


def _pages(client, word, size):
    got, page = [], 1
    while True:
        response = client.get("/api/v1/problems/", {"q": word, "page": page, "page_size": size})
        if response.status_code == 404:
            return got
        body = response.json()
        assert body["count_capped"] is False
        got += [row["code"] for row in body["results"]]
        page += 1


@pytest.mark.req("PLT-08")
@pytest.mark.req("PRB-01")
@pytest.mark.parametrize("word", ["背光", "背光漏光", "LED", "led灯条", "翘曲", "背光 翘曲"])
def test_a_searched_page_holds_the_ranked_rows_at_its_place(problems, api_as, client_as, persona, word):
    expected = [p.code for p in filter_queryset(Problem.objects.restrict(persona("city")), word)]
    assert len(expected) > 14
    assert _pages(api_as("city"), word, 7) == expected
    web = client_as("city")
    with CaptureQueriesContext(connection) as queries:  # one request: Django clears the log at each
        html = web.get("/problems/", {"q": word}).content.decode()
    shown = sorted((html.index(f">{code}<"), code) for code in expected if f">{code}<" in html)
    assert [code for _at, code in shown] == expected[:25]
    if ON_POSTGRESQL:
        searched = [q["sql"] for q in queries if '"problems_problem"' in q["sql"] and " LIKE " in q["sql"]]
        # Tier by tier: no statement ranks (or counts over) every match.
        assert searched and not any("OVER ()" in sql or "CASE WHEN" in sql for sql in searched)
        if len(word) == 2:
            assert any(f"zl_doubled(\"problems_problem\".\"name\") LIKE '%{doubled(word)}%'" in sql for sql in searched)
            # The rest leaves out the titles holding the word by a plain test of the title, not
            # by the doubled title (a regular expression on every row read).
            assert any(f"NOT (\"problems_problem\".\"name\"::text LIKE '%{word}%')" in sql for sql in searched)
            assert not any("NOT (zl_doubled(" in sql for sql in searched)
        # Titles holding a word without case are read by the title's indexes or in the list's
        # order, the text tested on the rows read; a word with case is found by the text's index.
        assert any("NOT (strpos(" in q["sql"] for q in queries) == caseless(word)
        # A search whose first page holds all it found is counted by that page; otherwise it
        # is counted up to the cap, several words or a two-character one (whose doubled text's
        # statistics PostgreSQL mostly leaves out) through the text's index.
        statements = [q["sql"] for q in queries]
        more_than_a_page = len(expected) > 25
        assert any(sql.startswith("SELECT COUNT(*)") and " LIKE " in sql for sql in statements) == more_than_a_page
        forced = "SET enable_seqscan = off" in statements and "RESET enable_seqscan" in statements
        terms = search_terms(word)
        assert forced == ((len(terms) > 1 or any(len(term) == 2 for term in terms)) and more_than_a_page)


@pytest.mark.req("PLT-08")
@pytest.mark.req("PLT-09")
def test_a_search_counts_up_to_its_cap_and_its_pages_end_there(problems, api_as, client_as, persona):
    matches = filter_queryset(Problem.objects.restrict(persona("city")), "背光").count()
    assert matches > 8
    api = api_as("city")
    with override_settings(ZHILIAN_SEARCH_COUNT_CAP=8):
        body = api.get("/api/v1/problems/", {"q": "背光"}).json()
        assert (body["count"], body["count_capped"], len(body["results"]), body["next"]) == (8, True, 8, None)
        expected = [p.code for p in filter_queryset(Problem.objects.restrict(persona("city")), "背光")][:8]
        assert [row["code"] for row in body["results"]] == expected
        last = api.get("/api/v1/problems/", {"q": "背光", "page": 3, "page_size": 3}).json()
        assert [row["code"] for row in last["results"]] == expected[6:8]
        assert api.get("/api/v1/problems/", {"q": "背光", "page": 4, "page_size": 3}).status_code == 404
        # A list without a search counts every row.
        listed = api.get("/api/v1/problems/").json()
        assert listed["count_capped"] is False and listed["count"] == Problem.objects.restrict(persona("city")).count()
        # So does a search that finds no more than the cap.
        few = api.get("/api/v1/problems/", {"q": "偏光片划伤"}).json()
        assert few["count_capped"] is False and few["count"] == len(few["results"]) == 5
        # A search of another model, read as one ranked statement, is capped as well.
        organizations = api.get("/api/v1/organizations/", {"q": "厦门"}).json()
        assert (organizations["count"], organizations["count_capped"]) == (8, True)
        html = client_as("city").get("/problems/", {"q": "背光"}).content.decode()
        assert "超过 8 条记录" in html
    html = client_as("city").get("/problems/", {"q": "背光"}).content.decode()
    assert f"共 {matches} 条记录" in html


@pytest.mark.req("PLT-08")
@pytest.mark.skipif(not ON_POSTGRESQL, reason="the title's search indexes are PostgreSQL's")
def test_the_problem_name_is_indexed_for_the_tiers(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'problems_problem'")
        names = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT zl_doubled(%s)", ["背光 LED-1"])
        assert cursor.fetchone()[0] == doubled("背光 LED-1")
    assert {f"problems_problem_name_{kind}" for kind in ("eq", "upper", "ttrgm", "dtrgm")} <= names
    with connection.cursor() as cursor:  # finer statistics of the title and its doubled text
        cursor.execute("SELECT c.relname, a.attstattarget FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                       "WHERE c.relname IN ('problems_problem', 'problems_problem_name_dtrgm') "
                       "AND (a.attname = 'name' OR c.relname LIKE '%%dtrgm')")
        assert dict(cursor.fetchall()) == {"problems_problem": 1000, "problems_problem_name_dtrgm": 1000}
    assert Problem.SEARCH_TITLE_INDEXED


@pytest.mark.req("PLT-08")
@pytest.mark.req("PLT-09")
def test_the_site_search_reads_problems_in_tiers_and_counts_them_up_to_the_cap(problems, api_as, client_as, persona):
    from zhilian.core import resultcache, search

    user = persona("city")
    expected = [p.pk for p in filter_queryset(Problem.objects.restrict(user), "背光")]
    assert len(expected) > 8
    group = {st.key: (hits, total, capped) for st, hits, total, capped in search.search(user, "背光", limit_per_type=5)}
    hits, total, capped = group["problems.problem"]
    assert ([hit.pk for hit in hits], total, capped) == (expected[:5], len(expected), False)
    with override_settings(ZHILIAN_SEARCH_COUNT_CAP=8):
        with CaptureQueriesContext(connection) as queries:
            body = api_as("city").get("/api/v1/search/", {"q": "背光", "type": "problems.problem"}).json()
        (answer,) = body["results"]
        assert (answer["total"], answer["total_capped"]) == (8, True)
        assert [hit["id"] for hit in answer["hits"]] == expected[:20]
        if ON_POSTGRESQL:  # no statement ranks or counts every match
            searched = [q["sql"] for q in queries if '"problems_problem"' in q["sql"] and " LIKE " in q["sql"]]
            assert searched and not any("OVER ()" in sql or "CASE WHEN" in sql for sql in searched)
        html = client_as("city").get("/search/", {"q": "背光"}).content.decode()
        assert "超过 8 条结果" in html
    with override_settings(ZHILIAN_SEARCH_COUNT_CAP=3):  # fewer than the page shows: still more to see
        html = client_as("city").get("/search/", {"q": "背光", "type": "problems.problem"}).content.decode()
        assert "超过 3 条结果" in html and 'class="card-footer small"' in html
    # A type read by one ranked statement is capped the same way.
    organizations = api_as("city").get("/api/v1/search/", {"q": "厦门", "type": "directory.organization"}).json()
    assert organizations["results"][0]["total_capped"] is False
    resultcache.clear()  # answers are kept; the cap is a server's setting, not a request's
    with override_settings(ZHILIAN_SEARCH_COUNT_CAP=3):
        organizations = api_as("city").get("/api/v1/search/", {"q": "厦门", "type": "directory.organization"}).json()
        assert (organizations["results"][0]["total"], organizations["results"][0]["total_capped"]) == (3, True)


@pytest.mark.req("PLT-02")
@pytest.mark.req("PLT-08")
@pytest.mark.parametrize("role", ["expert", "member", "district", "owner"])
def test_a_restricted_search_reads_in_tiers_what_the_role_may_see(problems, api_as, persona, role):
    from zhilian.core import pagination

    user = persona(role)
    # Some of the problems concern the role's unit, so that its scope selects part of them.
    if user.organization_id:
        for problem in problems[::4]:
            problem.concerned_enterprises.add(user.organization_id)
    for word in ("背光", "LED", "背光 翘曲"):
        ranked = filter_queryset(Problem.objects.restrict(user), word)
        expected = [p.code for p in ranked]
        assert _pages(api_as(role), word, 4) == expected, (role, word)
        if ON_POSTGRESQL:
            written = pagination._written(ranked)
            if role == "district":  # its scope joins the units' table: Django writes each statement
                assert written is None
            else:  # the scope written once for the page's statements
                assert written is not None and written.rest[0] and len(written.indexed) == len(search_terms(word))
    if role in ("member", "owner"):
        assert Problem.objects.restrict(user).count() < Problem.objects.count()
    if ON_POSTGRESQL:
        # Written conditions are kept per query object: another user's search of the same words,
        # a query equal in every other way, is written for itself (Django's queries compare by
        # identity; the keeping relies on it).
        mine = filter_queryset(Problem.objects.restrict(user), "背光")
        others = filter_queryset(Problem.objects.restrict(persona("city")), "背光")
        assert mine.query != others.query and pagination._written(mine) is not pagination._written(others)


@pytest.mark.req("PLT-08")
@pytest.mark.req("PRB-01")
@pytest.mark.skipif(not ON_POSTGRESQL, reason="searches are read in tiers on PostgreSQL")
@pytest.mark.parametrize("word, titled", [("背光", True), ("LED", True), ("led", True), ("背光漏光", True),
                                          ("翘曲", False), ("led灯条", False), ("背光 翘曲", False)])
def test_the_first_tier_is_read_only_when_a_title_equals_the_query(problems, api_as, persona, word, titled):
    """Whether any problem's title equals the query is asked of the title's index alone; the
    first tier (the user's scope and the search around that test) is read only then."""
    user = persona("expert")
    ranked = filter_queryset(Problem.objects.restrict(user), word)
    expected = [p.code for p in ranked]
    assert any(p.name.upper() == word.upper() for p in ranked) == titled
    with CaptureQueriesContext(connection) as queries:
        assert _pages(api_as("expert"), word, 50) == expected
    equal = "= UPPER(" if not caseless(word) else f"\"problems_problem\".\"name\" = '{word}'"
    scoped = [q["sql"] for q in queries if " LIKE " in q["sql"] and equal in q["sql"] and "NOT (" + equal not in q["sql"]
              and "NOT (UPPER" not in q["sql"]]
    tested = [q["sql"] for q in queries if " LIKE " not in q["sql"] and equal in q["sql"] and "LIMIT 1" in q["sql"]]
    assert tested, "the title's equality is tested on its own"
    assert bool(scoped) == titled
