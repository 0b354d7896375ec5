"""Kept statements (core.keptsql): written once per shape and scope, never outliving the scope."""

import pytest

from zhilian.core import keptsql
from zhilian.directory.models import Organization
from zhilian.directory.models import TestingCapability as Capability


def _counting(build):
    calls = []

    def counted(rows, *values):
        calls.append(values)
        return build(rows, *values)

    return counted, calls


def _enterprise(rows, pk):
    return rows.filter(pk=pk, kind="enterprise")


@pytest.mark.req("PLT-02")
def test_a_statement_is_written_once_and_answers_as_the_query_would_for_each_value(persona):
    city = persona("city")
    build, calls = _counting(lambda rows, pk: rows.filter(institution=pk).order_by("product_sort", "id")[:5])
    institutions = list(Organization.objects.filter(kind="institution", capabilities__isnull=False)
                        .distinct().values_list("pk", flat=True)[:4])
    assert len(institutions) >= 2
    for pk in institutions:
        kept = keptsql.rows("test-lines", Capability.objects, city, "view", build, pk)
        plain = list(Capability.objects.restrict(city).filter(institution=pk).order_by("product_sort", "id")[:5])
        assert [(c.pk, c.product, c.institution_id) for c in kept] == [(c.pk, c.product, c.institution_id) for c in plain]
        assert kept and all(c.institution_id == pk for c in kept)
    assert len(calls) == 1  # written once (with stand-ins), then only run


@pytest.mark.req("PLT-02")
def test_a_kept_statement_is_not_used_for_another_scope(persona):
    # The same name and shape, asked by an enterprise that sees only itself and by the city
    # bureau that sees every enterprise: each gets what its own scope allows.
    owner, city = persona("owner"), persona("city")
    other = Organization.objects.filter(kind="enterprise").exclude(pk=owner.organization_id).first()
    assert keptsql.rows("test-enterprise", Organization.objects, city, "view", _enterprise, other.pk) == [other]
    assert keptsql.rows("test-enterprise", Organization.objects, owner, "view", _enterprise, other.pk) == []
    own = keptsql.rows("test-enterprise", Organization.objects, owner, "view", _enterprise, owner.organization_id)
    assert [o.pk for o in own] == [owner.organization_id]


@pytest.mark.req("PLT-02")
def test_a_kept_statement_follows_the_scope_when_what_it_read_changes(persona):
    # A district bureau sees its district's enterprises. Its unit moves to another district:
    # the statement written under the old scope is not run again (the scope is built anew,
    # with a new token), so the enterprise it saw is no longer returned.
    regulator = persona("district")
    unit = Organization.objects.get(pk=regulator.organization_id)
    seen = Organization.objects.restrict(regulator).filter(kind="enterprise").exclude(district="").first()
    assert keptsql.rows("test-enterprise", Organization.objects, regulator, "view", _enterprise, seen.pk) == [seen]
    unit.district = next(d for d in ("翔安区", "同安区", "海沧区") if d != seen.district)
    unit.save()
    regulator = persona("district")
    assert seen not in Organization.objects.restrict(regulator)
    assert keptsql.rows("test-enterprise", Organization.objects, regulator, "view", _enterprise, seen.pk) == []


@pytest.mark.req("PLT-02")
def test_a_role_without_the_permission_gets_nothing(persona):
    auditor = persona("auditor")  # the audit administrator reads no directory data (等保 8.1.4.2 d)
    org = Organization.objects.filter(kind="enterprise").first()
    assert keptsql.rows("test-enterprise", Organization.objects, auditor, "view", _enterprise, org.pk) == []


def test_a_value_the_query_rewrites_runs_unkept_and_still_answers_right(persona):
    city = persona("city")
    build, calls = _counting(lambda rows, text: rows.filter(name__icontains=text))
    found = keptsql.rows("test-contains", Organization.objects, city, "view", build, "翔光")
    assert [o.name for o in found] == list(Organization.objects.filter(name__icontains="翔光").values_list("name", flat=True))
    # "%翔光%" is not the stand-in: the shape is remembered as not keepable and run plainly.
    again = keptsql.rows("test-contains", Organization.objects, city, "view", build, "视讯")
    assert {o.pk for o in again} == set(Organization.objects.filter(name__icontains="视讯").values_list("pk", flat=True))
    assert calls[0] != ("翔光",) and calls[1:] == [("翔光",), ("视讯",)]


@pytest.mark.req("PLT-02")
def test_a_refused_detail_page_answers_like_a_missing_one_through_the_kept_lookup(client_as, persona):
    # The detail pages look their record up through a kept statement: an enterprise still
    # gets 404 for another enterprise's page, the second time as the first.
    owner = persona("owner")
    other = Organization.objects.filter(kind="enterprise").exclude(pk=owner.organization_id).first()
    client = client_as("owner")
    assert client.get(f"/directory/organizations/{owner.organization_id}/").status_code == 200
    for _ in range(2):
        assert client.get(f"/directory/organizations/{other.pk}/").status_code == 404
    assert client.get(f"/directory/organizations/{owner.organization_id}/").status_code == 200


@pytest.mark.req("PLT-09")
def test_a_key_larger_than_its_column_answers_404_through_the_kept_lookups(client_as, api_as, persona):
    # URL converters and the API take any number; a kept statement sends it as it is, and
    # SQLite's driver refuses one larger than 64 bits (schemathesis found the 500 there;
    # PostgreSQL compared it as a numeric and found nothing).
    owner = persona("owner")
    client, api = client_as("owner"), api_as("owner")
    for _ in range(2):  # the statement written, then kept
        assert client.get(f"/directory/organizations/{owner.organization_id}/").status_code == 200
        assert api.get(f"/api/v1/achievements/{2**63}/").status_code == 404
        assert api.get("/api/v1/achievements/1055811186308189549232128/").status_code == 404
        assert api.get(f"/api/v1/achievements/{-2**63 - 1}/").status_code == 404
        assert client.get(f"/directory/organizations/{2**63}/").status_code == 404


def test_a_statement_written_in_one_thread_runs_on_the_connection_of_the_thread_using_it(persona):
    # Django's connections are per thread: a threaded worker or a test's live server reusing a
    # statement another thread wrote must not send it down that thread's connection.
    import threading

    from django.db import connections

    city = persona("city")
    org = Organization.objects.filter(kind="enterprise").first()
    assert keptsql.rows("test-enterprise", Organization.objects, city, "view", _enterprise, org.pk) == [org]
    statement = next(s for k, s in keptsql._kept.items() if k[0] == "test-enterprise" and s is not None)
    used = {}

    def run():
        compiler = statement.queryset([org.pk]).query.get_compiler()
        used["same"] = compiler.connection is connections["default"]
        used["main"] = compiler.connection is main

    main = connections["default"]
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert used == {"same": True, "main": False}


def test_on_postgresql_a_kept_statement_runs_prepared_and_answers_the_same(persona, settings):
    from django.db import connection
    from django.db.models import Value

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL")
    city = persona("city")
    orgs = list(Organization.objects.filter(kind="enterprise").order_by("pk")[:3])

    def probe(rows, pk):  # a column no other statement has, to find this one among the prepared
        return rows.filter(pk=pk).annotate(zl_prepared_probe=Value(1))

    def prepared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                           ['%zl_prepared_probe%'])
            return cursor.fetchone()[0]

    settings.ZHILIAN_PREPARED_STATEMENTS = False
    assert keptsql.rows("test-unprepared", Organization.objects, city, "view", probe, orgs[0].pk) == orgs[:1]
    assert prepared() == 0
    settings.ZHILIAN_PREPARED_STATEMENTS = True
    for org in orgs:
        assert keptsql.rows("test-prepared", Organization.objects, city, "view", probe, org.pk) == [org]
    assert prepared() == 1


def _lines_of(rows, ids):
    return rows.filter(institution__id__zl_in_array=ids).order_by("institution_id", "product_sort", "id")


@pytest.mark.req("PLT-02")
def test_a_list_of_ids_is_one_value_of_a_statement_written_once(persona):
    from django.db import connection

    city = persona("city")
    build, calls = _counting(_lines_of)
    institutions = list(Organization.objects.filter(kind="institution", capabilities__isnull=False)
                        .distinct().order_by("pk").values_list("pk", flat=True))
    assert len(institutions) >= 3
    for ids in (institutions[:2], institutions[1:3], {institutions[0]}, institutions[-1:], frozenset(institutions)):
        kept = keptsql.rows("test-lines-of", Capability.objects, city, "view", build, ids)
        plain = list(Capability.objects.restrict(city).filter(institution_id__in=ids)
                     .order_by("institution_id", "product_sort", "id"))
        assert [c.pk for c in kept] == [c.pk for c in plain] and kept
    # PostgreSQL gets the ids as one array: one statement for any number of them. SQLite gets
    # them as IN (…), one parameter each: the stand-ins' statement is refused once, and each
    # query is then Django's own.
    assert len(calls) == (1 if connection.vendor == "postgresql" else 1 + 5)
    assert keptsql.rows("test-lines-of", Capability.objects, city, "view", build, []) == []


@pytest.mark.req("PLT-02")
def test_a_list_of_ids_answers_within_each_scope(persona):
    owner, city = persona("owner"), persona("city")
    others = list(Organization.objects.filter(kind="enterprise").exclude(pk=owner.organization_id)
                  .order_by("pk").values_list("pk", flat=True)[:3])
    ids = [*others, owner.organization_id]
    by_ids = lambda rows, ids: rows.filter(pk__zl_in_array=ids).order_by("pk")  # noqa: E731
    seen = {}
    for user in (city, owner):
        seen[user.username] = [o.pk for o in keptsql.rows("test-units", Organization.objects, user, "view", by_ids, ids)]
        assert seen[user.username] == list(Organization.objects.restrict(user).filter(pk__in=ids)
                                           .order_by("pk").values_list("pk", flat=True))
    assert seen["city"] == sorted(ids) and owner.organization_id in seen["owner"]
    assert len(seen["owner"]) < len(seen["city"])


@pytest.mark.req("PLT-02")
def test_a_collection_that_is_not_of_ids_is_handed_to_build_as_it_came(persona):
    city = persona("city")
    seen = []

    def by_kinds(rows, kinds):
        seen.append(kinds)
        return rows.filter(kind__in=kinds).order_by("pk")[:5]

    kinds = ("institution", "enterprise")
    kept = keptsql.rows("test-kinds", Organization.objects, city, "view", by_kinds, kinds)
    assert seen == [kinds]  # not a statement of ids: Django's own query, with the tuple as given
    assert kept == list(Organization.objects.restrict(city).filter(kind__in=kinds).order_by("pk")[:5]) and kept
