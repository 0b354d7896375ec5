import pytest

from zhilian.core import search
from zhilian.core.text import search_terms
from zhilian.directory.models import Organization


@pytest.mark.req("PLT-08")
def test_chinese_terms_without_spaces_are_segmented():
    assert search_terms("厦门面板公司") == ["厦门", "面板", "公司"]
    assert search_terms("显示") == ["显示"]
    assert search_terms("ＡＢＣ　Tft") == ["abc", "tft"]  # full-width folded, case folded


@pytest.mark.req("PLT-08")
def test_a_name_jieba_does_not_know_stays_a_term_of_its_own():
    # jieba cuts 辰鼎 and 鑫远 into single characters: they are joined again, not dropped.
    assert search_terms("厦门辰鼎") == ["厦门", "辰鼎"]
    assert search_terms("鑫远产品") == ["鑫远", "产品"]
    # Joining words (的, 与) are neither joined to a name nor searched for.
    assert search_terms("辰鼎的面板") == ["辰鼎", "面板"]
    assert search_terms("检测与认证机构") == ["检测", "认证", "机构"]
    assert search_terms("和宏电池") == ["和宏", "电池"]


@pytest.mark.req("PLT-08")
def test_a_city_and_a_name_find_that_organization_not_the_whole_city(client_as, api_as):
    from zhilian.directory.demo import make_uscc

    sought = Organization.objects.create(kind="enterprise", name="厦门辰鼎光电科技有限公司", uscc=make_uscc("辰鼎"),
                                         province="福建省", city="厦门市", district="翔安区", industry="光电显示")
    for i, brand in enumerate(["辰星", "鼎盛", "辰光", "金鼎"]):
        Organization.objects.create(kind="enterprise", name=f"厦门{brand}电子有限公司", uscc=make_uscc(f"辰鼎{i}"),
                                    province="福建省", city="厦门市", district="翔安区", industry="电子")
    assert Organization.objects.filter(search_text__contains="厦门").count() > 10
    data = api_as("city").get("/api/v1/organizations/", {"q": "厦门辰鼎"}).json()
    assert [row["id"] for row in data["results"]] == [sought.pk] and data["count"] == 1
    page = client_as("city").get("/directory/organizations/", {"q": "厦门辰鼎"}).content.decode()
    assert "厦门辰鼎光电科技有限公司" in page and "厦门辰星电子有限公司" not in page


@pytest.mark.req("PLT-08")
def test_search_finds_two_character_terms_and_ranks_title_hits_first(persona):
    results = dict((st.key, hits) for st, hits, _total, _capped in search.search(persona("city"), "检测"))
    names = [o.name for o in results["directory.organization"]]
    assert "厦门鹭检检测技术有限公司" in names
    # Organizations whose name contains the term come before those matching only elsewhere.
    first_non_title = next((i for i, n in enumerate(names) if "检测" not in n), len(names))
    assert all("检测" in n for n in names[:first_non_title])


@pytest.mark.req("PLT-08")
def test_search_is_permission_filtered(persona):
    # The district bureau of 翔安区 does not see 思明区 enterprises; the city bureau does.
    def names(user):
        for st, hits, _t, _capped in search.search(user, "思明视讯"):
            if st.key == "directory.organization":
                return [h.name for h in hits]
        return []

    assert "厦门思明视讯科技有限公司" in names(persona("city"))
    assert "厦门思明视讯科技有限公司" not in names(persona("district"))
    assert names(persona("member")) == []


@pytest.mark.req("PLT-08")
def test_search_page_and_api(client_as, api_as):
    page = client_as("city").get("/search/", {"q": "玻璃基板"})
    assert "厦门翔光玻璃基板有限公司" in page.content.decode()
    data = api_as("city").get("/api/v1/search/", {"q": "玻璃基板"}).json()
    titles = [h["title"] for group in data["results"] for h in group["hits"]]
    assert "厦门翔光玻璃基板有限公司" in titles


@pytest.mark.req("PLT-08")
def test_search_text_follows_edits(persona):
    org = Organization.objects.get(name="厦门翔光玻璃基板有限公司")
    org.description = "超薄柔性玻璃研发"
    org.save()
    hits = dict((st.key, h) for st, h, _t, _capped in search.search(persona("city"), "柔性玻璃"))
    assert org in hits["directory.organization"]


@pytest.mark.req("PLT-08")
@pytest.mark.django_db
def test_two_character_terms_match_exactly_what_a_substring_search_would():
    from django.db import connection

    from zhilian.core.text import doubled

    names = ["启清石材有限公司", "石清材料科技公司", "哈哈哈食品公司", "材石贸易公司", "石材"]
    for i, name in enumerate(names):
        Organization.objects.create(kind="industry_org", name=name, district="思明区")
    everything = Organization.objects.filter(name__in=names)
    for term in ["石材", "哈哈", "材石", "清石", "石清材"]:
        expected = {n for n in names if term in n}
        found = {o.name for o in search.filter_queryset(everything, term)}
        assert found == expected, term
    # Doubling keeps the substring relation both ways (the index's correctness rests on it).
    assert doubled("石材") in doubled("启清石材") and doubled("石材") not in doubled("石清材")
    if connection.vendor == "postgresql":
        sql = str(search.filter_queryset(everything, "石材").query)
        assert "search_doubled" in sql and "石石材材" in sql
    assert Organization.objects.get(name="启清石材有限公司").search_doubled.startswith("启启清清石石材材")


def _stored_whole(model, pk) -> bool:
    """Whether the row's search columns are kept in it uncompressed: a value kept whole carries
    a header on top of its length, a compressed or moved-out one does not."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_column_size(search_text) > octet_length(search_text) AND "  # nosec B608
                       f"pg_column_size(search_doubled) > octet_length(search_doubled) "
                       f"FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _long_description() -> str:
    # Characters in no repeating pattern, so PostgreSQL's compression gains too little to keep it.
    return "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(450))


@pytest.mark.req("PLT-08")
@pytest.mark.django_db
def test_every_searchable_table_keeps_its_search_text_in_the_row():
    """A common term's search rechecks thousands of rows; each read through the TOAST relation
    cost twice the SQL (core.db.KeepSearchTextInline). A new searchable model needs the migration too."""
    from django.apps import apps
    from django.db import connection

    from zhilian.core.models import SearchableMixin

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage setting")
    tables = [m._meta.db_table for m in apps.get_models() if issubclass(m, SearchableMixin) and not m._meta.proxy]
    assert "problems_problem" in tables and "directory_organization" in tables
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
            assert "toast_tuple_target=8160" in (cursor.fetchone()[0] or []), table
            cursor.execute("SELECT attname, attstorage FROM pg_attribute WHERE attrelid = %s::regclass "
                           "AND attname IN ('search_text', 'search_doubled')", [table])
            assert dict(cursor.fetchall()) == {"search_text": "e", "search_doubled": "e"}, table
    org = Organization.objects.create(kind="industry_org", name="长描述检测协会", description=_long_description())
    assert _stored_whole(Organization, org.pk)


@pytest.mark.req("PLT-08")
@pytest.mark.django_db
def test_the_migration_moves_rows_already_written_back_into_the_row():
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from zhilian.core.db import KeepSearchTextInline

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage setting")
    table = Organization._meta.db_table
    with connection.cursor() as cursor:  # as before the migration: PostgreSQL's defaults
        cursor.execute(f"ALTER TABLE {table} RESET (toast_tuple_target), "  # nosec B608
                       "ALTER COLUMN search_text SET STORAGE EXTENDED, ALTER COLUMN search_doubled SET STORAGE EXTENDED")
    moved = Organization.objects.create(kind="industry_org", name="旧行检测协会", description=_long_description())
    short = Organization.objects.create(kind="industry_org", name="短行协会")
    assert not _stored_whole(Organization, moved.pk) and _stored_whole(Organization, short.pk)
    before = Organization.objects.filter(pk__in=[moved.pk, short.pk]).values_list("search_text", "search_doubled")
    before = sorted(before)
    with connection.cursor() as cursor:  # a migration's ALTER TABLE runs with no deferred check pending
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        KeepSearchTextInline("organization").database_forwards("directory", editor, None, SimpleNamespace(apps=apps))
    assert _stored_whole(Organization, moved.pk) and _stored_whole(Organization, short.pk)
    after = Organization.objects.filter(pk__in=[moved.pk, short.pk]).values_list("search_text", "search_doubled")
    assert sorted(after) == before


@pytest.mark.req("PLT-08")
def test_a_two_character_term_is_matched_on_the_doubled_text_alone(db):
    """On PostgreSQL a two-character term is looked up in the doubled text's index only: also
    required of the text, it made PostgreSQL read the text's index (where two characters select
    nothing) and test every row holding the query's longer words."""
    from django.db import connection

    queryset = search.filter_queryset(Organization.objects.all(), "鹭凯 塑料制品")
    sql = str(queryset.query)
    if connection.vendor != "postgresql":
        assert "%鹭凯%" in sql
        return
    assert "%鹭鹭凯凯%" in sql and "%塑料制品%" in sql
    assert "%鹭凯%" not in sql
    made = Organization.objects.create(kind="industry_org", name="厦门鹭凯塑料制品有限公司", district="思明区")
    other = Organization.objects.create(kind="industry_org", name="厦门鹭达塑料制品有限公司", district="思明区")
    found = {o.pk for o in search.filter_queryset(Organization.objects.all(), "鹭凯 塑料制品")}
    assert made.pk in found and other.pk not in found


@pytest.mark.req("PLT-08")
@pytest.mark.django_db
def test_every_searchable_table_has_one_trigram_index_over_its_text_and_doubled_text_which_a_search_reads_whole():
    from django.apps import apps
    from django.db import connection

    from zhilian.core.models import SearchableMixin

    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    tables = sorted(m._meta.db_table for m in apps.get_models() if issubclass(m, SearchableMixin))
    assert "problems_problem" in tables and "directory_testingcapability" in tables
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                       "AND indexdef LIKE '%%gin_trgm_ops%%' AND indexdef LIKE '%%search_%%'", [tables])
        found = {}
        for table, definition in cursor.fetchall():
            found.setdefault(table, []).append(definition[definition.index("USING"):])
    expected = ["USING gin (search_text gin_trgm_ops, search_doubled gin_trgm_ops)"]
    assert found == {table: expected for table in tables}
    # A search of a long word and a two-character one is one scan of that index with both
    # (not one word from an index and the other tested on every row it found).
    sql, params = search.filter_queryset(Organization.objects.all(), "单晶硅棒 良率").values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "directory_organization_search_trgm" in plan and "Filter" not in plan, plan
    assert "单晶硅" in plan and "良良率率" in plan
