"""Searched pages are read ids first with their count in the same query (core.pagination)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhilian.core import search
from zhilian.core.search import filter_queryset
from zhilian.directory import models as directory

TERM = "棱镜折射"


@pytest.fixture
def lines(persona):
    """37 capability lines of one institution matching TERM, under certificates that differ
    (valid CMA, an expired other one, none on record for CAL), so the computed column differs by row."""
    institution = persona("institution").organization
    today = timezone.localdate()
    directory.InstitutionQualification.objects.create(
        organization=institution, kind="other", certificate_no="QT-PAGE-1",
        issued_on=today - datetime.timedelta(days=900), valid_until=today - datetime.timedelta(days=3))
    created = []
    for i in range(37):
        product = TERM if i % 10 == 0 else f"{TERM}仪{i:02d}" if i % 2 else f"光学{i:02d}"
        parameter = f"{TERM}率" if not product.startswith(TERM) else f"参数{i:02d}"
        created.append(directory.TestingCapability.objects.create(
            institution=institution, product=product, parameter=parameter, method="方法",
            qualification=("CMA", "other", "CAL")[i % 3]))
    return created


def _expected(user):
    rows = filter_queryset(directory.TestingCapability.objects.restrict(user).select_related("institution").with_certificate(),
                           TERM, "product")
    return [(row.pk, row.certificate_status) for row in rows]


def _counts(queries):
    return [q["sql"] for q in queries if 'COUNT(*) AS "__count"' in q["sql"] and "testingcapability" in q["sql"]]


@pytest.mark.req("PLT-08")
@pytest.mark.req("DIR-04")
def test_searched_api_pages_are_the_ranked_rows_with_their_computed_columns(lines, api_as, persona):
    expected = _expected(persona("owner"))
    assert len(expected) == 37 and len({status for _pk, status in expected}) >= 3
    client = api_as("owner")
    got = []
    with CaptureQueriesContext(connection) as queries:
        for page in (1, 2):
            body = client.get("/api/v1/capabilities/", {"q": TERM, "page": page, "page_size": 20}).json()
            assert body["count"] == 37
            got += [(row["id"], row["certificate_status"]) for row in body["results"]]
    assert got == expected
    # The number of matches came with the page's ids: the matches were not counted again.
    assert _counts(queries) == []
    assert sum("OVER ()" in q["sql"] for q in queries) == 2


@pytest.mark.req("PLT-08")
@pytest.mark.req("DIR-04")
def test_searched_web_pages_are_the_ranked_rows_counted_once(lines, client_as, persona):
    expected = [pk for pk, _status in _expected(persona("owner"))]
    client = client_as("owner")
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("directory:capability_list"), {"q": TERM, "page": 2}).content.decode()
    shown = sorted((html.index(f'/directory/capabilities/{pk}/"'), pk) for pk in expected
                   if f'/directory/capabilities/{pk}/"' in html)
    assert [pk for _at, pk in shown] == expected[25:]
    assert re.findall(r"\d+", html.split('id="result-count">', 1)[1].split("<", 1)[0]) == ["37"]
    assert _counts(queries) == []
    # The page's rows were read by id, not joined to their institution while searching.
    searched = [q["sql"] for q in queries if "LIKE" in q["sql"] and "testingcapability" in q["sql"]]
    assert len(searched) == 1 and "directory_organization" not in searched[0]


@pytest.mark.req("PLT-08")
def test_site_search_counts_every_hit_and_shows_the_best(lines, persona):
    user = persona("owner")
    expected = [pk for pk, _status in _expected(user)]
    with CaptureQueriesContext(connection) as queries:
        results = {st.key: (hits, total) for st, hits, total, _capped in search.search(user, TERM, limit_per_type=8)}
    hits, total = results["directory.testingcapability"]
    assert total == 37 and [h.pk for h in hits] == expected[:8]
    assert _counts(queries) == []


@pytest.fixture
def district_enterprises(persona):
    """41 enterprises of one district, every third small, in an industry of their own."""
    from zhilian.directory.demo import make_uscc

    made = []
    for i in range(41):
        made.append(directory.Organization.objects.create(
            kind="enterprise", name=f"页测企业{i:02d}有限公司", uscc=make_uscc(f"页测{i}"), province="福建省",
            city="厦门市", district="翔安区", industry="分页测试制造业", size="small" if i % 3 == 0 else "medium",
            contact_phone=f"1390000{i:04d}"))
    return made


def _ids_read(queries) -> list[str]:
    return [q["sql"] for q in queries
            if q["sql"].startswith('SELECT "directory_organization"."id" AS "pk" FROM "directory_organization"')]


@pytest.mark.req("PLT-08")
@pytest.mark.req("DIR-01")
@pytest.mark.parametrize("username", ["city", "commissioner"])
def test_narrowed_pages_are_read_ids_first_and_show_the_same_rows(district_enterprises, api_as, client_as, persona,
                                                                  monkeypatch, username):
    """A filtered page reads its ids (from the list's index) and then those rows: the answer is
    the one the single read gave, masked phone numbers and order included."""
    from zhilian.core import pagination, resultcache

    params = {"kind": "enterprise", "district": "翔安区", "industry": "分页测试", "size": "small"}
    api, web = api_as(username), client_as(username)

    def answers():
        resultcache.clear()
        with CaptureQueriesContext(connection) as queries:
            data = api.get("/api/v1/organizations/", {**params, "page": 2, "page_size": 5}).json()
            html = web.get(reverse("directory:organization_list"), {**params, "per_page": 5, "page": 2}).content.decode()
        return data, html.split('id="organization-table"', 1)[1].split("</table>", 1)[0], _ids_read(queries)

    data, table, ids_read = answers()
    assert data["count"] == 14 and len(data["results"]) == 5
    assert len(ids_read) == 2 and all('"size" =' in sql for sql in ids_read)
    monkeypatch.setattr(pagination, "narrowed", lambda queryset: False)
    single = answers()
    assert single[2] == []
    assert (data, table) == single[:2]
    assert "1390000" not in str(data) or persona(username).has_perm("accounts.unmask_personal_data")


def _by_id_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT "directory_organization"."id", ')
            and '"directory_organization"."id" IN' in q["sql"] or '"directory_organization"."id" = ANY(' in q["sql"]]


@pytest.mark.req("PLT-08")
@pytest.mark.req("PLT-02")
@pytest.mark.parametrize("username", ["city", "commissioner"])
def test_a_pages_rows_are_read_by_a_kept_statement_and_are_the_same_rows(district_enterprises, api_as, client_as,
                                                                          persona, monkeypatch, username):
    """The read of a page's rows by their ids is written once per shape (core.keptsql) and run
    with each page's ids as one array on PostgreSQL: the same rows, order and masking."""
    from zhilian.core import keptsql, pagination, resultcache

    params = {"kind": "enterprise", "district": "翔安区", "industry": "分页测试"}
    api, web = api_as(username), client_as(username)

    def answers():
        resultcache.clear()
        shown = []
        with CaptureQueriesContext(connection) as queries:
            for page in (1, 2, 3):
                data = api.get("/api/v1/organizations/", {**params, "page": page, "page_size": 10}).json()
                html = web.get(reverse("directory:organization_list"),
                               {**params, "per_page": 10, "page": page}).content.decode()
                shown.append((data, html.split('id="organization-table"', 1)[1].split("</table>", 1)[0]))
        return shown, _by_id_reads(queries)

    keptsql.clear()
    kept, reads = answers()
    assert len(reads) == 6 and kept[2][0]["count"] == 41
    if connection.vendor == "postgresql":
        assert all("= ANY(" in sql for sql in reads)
        # One statement for every page of each: the API reads every column, the web table only
        # those it shows (ObjectListView.table_fields).
        assert len([key for key in keptsql._kept if key[0] == "by-shape" and key[1].startswith("rows-by-id:")]) == 2
    monkeypatch.setattr(pagination, "_kept_by_id", lambda queryset, ids: None)
    built, reads = answers()
    assert all("= ANY(" not in sql for sql in reads)
    assert kept == built


def _organization_counts(queries) -> list[str]:
    return [q["sql"] for q in queries if 'COUNT(*) AS "__count"' in q["sql"] and "directory_organization" in q["sql"]]


@pytest.mark.req("PLT-08")
@pytest.mark.req("PLT-02")
@pytest.mark.req("DIR-01")
def test_a_narrowed_lists_count_is_kept_across_its_pages_and_orders_until_its_rows_change(
        district_enterprises, api_as, client_as, persona):
    from zhilian.directory.demo import make_uscc

    params = {"kind": "enterprise", "district": "翔安区", "industry": "分页测试"}
    api, web = api_as("city"), client_as("city")

    def read(page, order):
        with CaptureQueriesContext(connection) as queries:
            data = api.get("/api/v1/organizations/", {**params, "page": page, "page_size": 5, "ordering": order}).json()
            html = web.get(reverse("directory:organization_list"),
                           {**params, "per_page": 5, "page": page, "sort": order}).content.decode()
        shown = re.search(r'id="organization-table"', html) and len(re.findall(r"页测企业\d\d有限公司</a>", html))
        return data["count"], shown, len(_organization_counts(queries))

    # Counted once: the web table's filters select the rows by the API's statement, and share its count.
    assert read(1, "name") == (41, 5, 1)
    assert read(2, "name") == (41, 5, 0)  # another page: counted before
    assert read(3, "-name") == (41, 5, 0)  # another order too
    # Another scope counts for itself: the commissioner sees the districts it serves.
    commissioner = api_as("commissioner").get("/api/v1/organizations/", {**params, "page_size": 5}).json()["count"]
    assert commissioner == directory.Organization.objects.restrict(persona("commissioner")).filter(
        kind="enterprise", district="翔安区", industry__contains="分页测试").count()
    # A new enterprise of the district: counted again, with it.
    directory.Organization.objects.create(
        kind="enterprise", name="页测企业99有限公司", uscc=make_uscc("页测99"), province="福建省", city="厦门市",
        district="翔安区", industry="分页测试制造业", size="small")
    count, _shown, counted = read(4, "name")
    assert (count, counted) == (42, 1)


@pytest.mark.req("PLT-08")
def test_a_count_whose_statement_holds_an_unhashable_value_is_counted_each_time(persona, monkeypatch):
    from zhilian.core import pagination

    rows = directory.Organization.objects.restrict(persona("city")).filter(kind="enterprise")
    assert pagination.kept_count(rows) == rows.count()

    class Unhashable(list):
        __hash__ = None

    monkeypatch.setattr(pagination, "_hashable", lambda params: (Unhashable(params),))
    with CaptureQueriesContext(connection) as queries:
        assert pagination.kept_count(rows) == rows.count()
    assert len(queries) == 2  # its own count and the one compared with
