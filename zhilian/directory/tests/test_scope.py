"""Who sees which organizations (PLT-02) — pages, API, search and exports agree."""

import io

import openpyxl
import pytest
from django.urls import reverse

from zhilian.directory.models import Organization

HAICANG = "厦门海沧偏光材料有限公司"   # 海沧区, no need assigned to 鹭检检测
XIANGAN = "厦门翔光玻璃基板有限公司"   # 翔安区
HULI = "厦门湖里智显电子有限公司"      # 湖里区, no need at all
OWNER = "厦门鹭岛显示科技有限公司"     # 翔安区, needs assigned to 鹭检检测

pytestmark = pytest.mark.django_db


def org(name):
    return Organization.objects.get(name=name)


def visible(persona, username):
    return set(Organization.objects.restrict(persona(username)).values_list("name", flat=True))


@pytest.mark.req("PLT-02")
@pytest.mark.req("DIR-01")
def test_district_bureau_sees_its_district_enterprises_only(persona, client_as, api_as):
    names = visible(persona, "district")
    assert XIANGAN in names and OWNER in names
    assert HAICANG not in names and HULI not in names
    assert "厦门鹭检检测技术有限公司" in names  # service providers are public
    client, api = client_as("district"), api_as("district")
    assert client.get(org(HAICANG).get_absolute_url()).status_code == 404
    assert api.get(f"/api/v1/organizations/{org(HAICANG).pk}/").status_code == 404
    listed = {row["name"] for row in api.get("/api/v1/organizations/", {"kind": "enterprise", "page_size": 500})
              .json()["results"]}
    assert XIANGAN in listed and HAICANG not in listed
    search = client.get(reverse("core:search"), {"q": "偏光"}).content.decode()
    assert HAICANG not in search
    export = client.get(reverse("directory:organization_list"), {"export": "xlsx", "kind": "enterprise"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    exported = {row[0] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert XIANGAN in exported and HAICANG not in exported


@pytest.mark.req("PLT-02")
def test_a_district_bureau_cannot_create_an_enterprise_in_another_district(client_as):
    from zhilian.directory.demo import make_uscc

    response = client_as("district").post(reverse("directory:organization_add"), {
        "kind": "enterprise", "name": "越权测试企业", "uscc": make_uscc("越权"), "province": "福建省", "city": "厦门市",
        "district": "海沧区", "industry": "制造", "size": "small", "is_active": "on"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not Organization.objects.filter(name="越权测试企业").exists()


@pytest.mark.req("PLT-02")
def test_enterprise_sees_itself_and_service_providers_not_other_enterprises(persona):
    names = visible(persona, "owner")
    assert OWNER in names
    assert "厦门鹭检检测技术有限公司" in names and "厦门市光电显示产业协会" in names
    assert not (names & {XIANGAN, HAICANG, HULI})


@pytest.mark.req("PLT-02")
def test_institution_sees_only_enterprises_of_needs_assigned_to_it(persona, api_as):
    names = visible(persona, "institution")
    assert OWNER in names and "厦门鹭江车载显示有限公司" in names   # needs assigned to 鹭检检测
    assert not (names & {XIANGAN, HAICANG, HULI})                   # 翔光玻璃's need went to 海西计量
    assert api_as("institution").get(f"/api/v1/organizations/{org(XIANGAN).pk}/").status_code == 404


@pytest.mark.req("PLT-02")
def test_commissioner_sees_served_districts_and_needs_it_handles(persona):
    names = visible(persona, "commissioner")
    assert XIANGAN in names and "厦门同安背光科技有限公司" in names  # serves 翔安区, 同安区
    assert HAICANG in names       # its need waits in the pool every commissioner sees
    assert HULI not in names


@pytest.mark.req("PLT-02")
def test_a_grant_never_narrows_an_unrestricted_scope(persona):
    # The needs app registers a grant on organizations; the city bureau must still see all.
    assert Organization.objects.restrict(persona("city")).count() == Organization.objects.count()


@pytest.mark.req("PLT-02")
def test_consumer_sees_no_directory(persona, client_as):
    assert not visible(persona, "consumer")
    assert client_as("consumer").get(org(OWNER).get_absolute_url()).status_code == 404




@pytest.mark.req("PLT-02")
@pytest.mark.req("DIR-01")
@pytest.mark.parametrize("username", ["commissioner", "district", "institution", "owner"])
def test_the_list_indexes_carry_every_column_a_restricted_scope_reads(persona, index_columns, username):
    """So PostgreSQL counts a restricted list from the index without reading the rows: a service
    commissioner's district of 10,000 enterprises in 2 ms instead of 18 (docs/benchmarks.md). A
    scope that starts reading another column needs it in these indexes too."""
    from conftest import columns_filtered_on

    read = columns_filtered_on(Organization.objects.restrict(persona(username)).filter(kind="enterprise"))
    assert {"kind", "id"} <= read
    for index in ("organization_kind_list", "organization_district_list", "organization_size_list"):
        assert read <= index_columns(index), (index, read)


@pytest.mark.req("DIR-01")
@pytest.mark.parametrize("username", ["city", "commissioner"])
def test_the_list_indexes_carry_every_column_the_list_filters_read(persona, index_columns, rf, username):
    """A list narrowed by the filter form (size, industry, province, active) is counted from the
    index too: a district's small enterprises in 2.5 ms instead of 19 (docs/benchmarks.md).
    The filters' own columns are taken from the filter set, so a new plain filter on another
    column fails here until the indexes carry it."""
    from conftest import columns_filtered_on

    from zhilian.directory.filtersets import OrganizationFilterSet

    user = persona(username)
    request = rf.get("/")
    request.user = user
    values = {"kind": "enterprise", "district": "思明区", "province": "福建省", "size": "small",
              "industry": "制造", "is_active": "true"}
    plain = {name for name, f in OrganizationFilterSet.base_filters.items()
             if not f.method and "__" not in f.field_name and name not in ("service_domain",)}
    assert set(values) >= plain - {"government_level"}, "a filter this test does not set yet"
    filterset = OrganizationFilterSet(values, queryset=Organization.objects.restrict(user), request=request)
    assert filterset.is_valid(), filterset.errors
    read = columns_filtered_on(filterset.qs)
    assert {"size", "industry", "province", "is_active", "district"} <= read
    for index in ("organization_kind_list", "organization_district_list", "organization_size_list"):
        assert read <= index_columns(index), (index, read - index_columns(index))


@pytest.mark.req("DIR-01")
def test_a_districts_list_of_one_size_is_read_from_that_sizes_index_entries(persona, index_columns, rf):
    """A district's enterprises narrowed by size class are counted and paged from an index that
    keys the size after the kind and the district (PostgreSQL then reads that size's entries
    only, a quarter of the district's on average), in the list's order, with the filters'
    other columns included."""
    import re

    from conftest import columns_filtered_on
    from django.db import connection

    from zhilian.directory.filtersets import OrganizationFilterSet

    included = index_columns("organization_size_list")  # skips on SQLite
    request = rf.get("/")
    request.user = persona("city")
    values = {"kind": "enterprise", "district": "思明区", "size": "small", "industry": "制造"}
    filterset = OrganizationFilterSet(values, queryset=Organization.objects.restrict(request.user), request=request)
    assert filterset.is_valid(), filterset.errors
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('organization_size_list'::regclass)")
        definition = cursor.fetchone()[0]
    keys = [k.strip() for k in re.search(r"btree \(([^)]*)\)", definition).group(1).split(",")]
    assert keys == ["kind", "district", "size", "name_sort"], definition
    assert columns_filtered_on(filterset.qs) <= included | {"kind", "district", "size"}
