"""Language, API contract, validation and demo data (PLT-09, PLT-10, PLT-12, PLT-13)."""

import pytest
from django.urls import reverse

from zhilian.directory.models import Organization

GOOD_USCC = "91110000600037341L"


@pytest.mark.req("PLT-10")
def test_chinese_by_default_and_english_on_switch(client_as):
    client = client_as("city")
    # An English browser still gets Chinese pages until the user switches.
    page = client.get(reverse("directory:organization_list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("directory:organization_list")).content.decode()
    assert 'lang="en"' in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = client.get(reverse("directory:organization_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="zh-hans"' in page


@pytest.mark.req("PLT-10")
def test_api_clients_choose_their_language(api_as):
    response = api_as("city").post("/api/v1/organizations/", {"kind": "enterprise", "name": "测试", "uscc": "123"},
                                   format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    english = " ".join(map(str, response.json()["uscc"]))
    response = api_as("city").post("/api/v1/organizations/", {"kind": "enterprise", "name": "测试", "uscc": "123"},
                                   format="json", HTTP_ACCEPT_LANGUAGE="zh-CN")
    chinese = " ".join(map(str, response.json()["uscc"]))
    assert english != chinese and any("\u4e00" <= ch <= "\u9fff" for ch in chinese)



@pytest.mark.req("PLT-10")
def test_the_map_a_page_loads_from_the_api_is_in_the_pages_language(client_as):
    from zhilian.chains.models import Chain

    client = client_as("city")
    chain = Chain.objects.get(name="光电显示产业链")
    data = client.get(f"/api/v1/chains/{chain.pk}/map/", HTTP_ACCEPT_LANGUAGE="en-US").json()
    assert data["labels"]["segments"]["upstream"] == "上游"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    data = client.get(f"/api/v1/chains/{chain.pk}/map/", HTTP_ACCEPT_LANGUAGE="zh-CN").json()
    assert data["labels"]["segments"]["upstream"] == "Upstream"


@pytest.mark.req("PLT-10")
def test_pages_reference_only_local_assets(client_as):
    import re

    page = client_as("city").get("/").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    external = [u for u in urls if u.startswith(("http://", "https://", "//"))]
    assert external == []


@pytest.mark.req("PLT-09")
def test_token_auth_and_openapi_schema(client, api_as):
    from zhilian.accounts.twofactor import next_code_for

    response = client.post("/api/v1/auth/token/", {"username": "city", "password": "Zhilian@2026",
                                                   "otp": next_code_for("city")},  # regulators: SEC-04
                           content_type="application/json")
    assert response.status_code == 200 and len(response.json()["token"]) >= 20
    token = response.json()["token"]
    listing = client.get("/api/v1/organizations/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listing.status_code == 200 and "count" in listing.json()
    assert client.get("/api/v1/organizations/").status_code == 401
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/organizations/" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200


@pytest.mark.req("PLT-09")
def test_api_lists_paginate_and_filter(api_as):
    api = api_as("city")
    data = api.get("/api/v1/organizations/", {"kind": "enterprise", "page_size": 5}).json()
    assert len(data["results"]) == 5 and data["count"] > 5 and data["next"]
    assert {row["kind"] for row in data["results"]} == {"enterprise"}
    district = api.get("/api/v1/organizations/", {"kind": "enterprise", "district": "翔安区"}).json()
    assert district["count"] >= 1 and {r["district"] for r in district["results"]} == {"翔安区"}


@pytest.mark.req("PLT-12")
@pytest.mark.req("DIR-01")
def test_invalid_uscc_answers_400_under_uscc_and_changes_nothing(api_as):
    api = api_as("city")
    before = Organization.objects.count()
    response = api.post("/api/v1/organizations/", {"kind": "enterprise", "name": "厦门测试科技有限公司",
                                                  "uscc": "91110000600037341A", "district": "翔安区"}, format="json")
    assert response.status_code == 400 and "uscc" in response.json()
    assert Organization.objects.count() == before
    ok = api.post("/api/v1/organizations/", {"kind": "enterprise", "name": "厦门测试科技有限公司",
                                            "uscc": GOOD_USCC, "district": "翔安区"}, format="json")
    assert ok.status_code == 201, ok.json()
    assert ok.json()["uscc"] == GOOD_USCC


@pytest.mark.req("PLT-12")
def test_phone_and_date_validation_on_the_form(client_as):
    response = client_as("city").post(reverse("directory:organization_add"), {
        "kind": "enterprise", "name": "厦门校验科技有限公司", "uscc": GOOD_USCC, "province": "福建省",
        "contact_phone": "0592-12", "established_on": "2026-02-30", "is_active": "on",
    })
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "contact_phone" in errors and "established_on" in errors
    assert not Organization.objects.filter(name="厦门校验科技有限公司").exists()


@pytest.mark.req("PLT-13")
def test_demo_data_is_drawn_from_the_seeds(persona):
    from zhilian.directory.models import Expert, TestingCapability
    from zhilian.problems.models import Problem

    assert Organization.objects.filter(kind="enterprise", district="翔安区").exists()
    assert Organization.objects.filter(kind="enterprise").exclude(province="福建省").exists()  # out-of-province
    assert TestingCapability.objects.filter(product="单晶硅棒", parameter="电阻率").exists()
    assert Expert.objects.count() >= 10
    rod = Problem.objects.get(code="IC-001")
    assert "12 英寸硅单晶棒" in rod.name and rod.stars == 3
    for username in ("city", "district", "grassroots", "mgmt", "institution", "owner", "member", "assoc", "expert",
                     "commissioner", "consumer", "sysadmin", "secadmin", "auditor"):
        assert persona(username).role_codes, username


@pytest.mark.req("PLT-13")
def test_demo_loading_is_idempotent(db):
    from zhilian.core.demo import load_all

    before = Organization.objects.count()
    load_all()
    assert Organization.objects.count() == before


@pytest.mark.req("PLT-13")
@pytest.mark.req("SEC-01")
def test_the_demo_is_not_loaded_into_a_database_with_real_accounts(db):
    """The demo accounts share a published password: a real deployment must not get them."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from zhilian.accounts.models import User

    User.objects.create_user(username="wang.real", password="An0ther-Secret!")
    User.objects.filter(username="city").delete()
    with pytest.raises(CommandError, match="wang.real"):
        call_command("loaddemo")
    assert not User.objects.filter(username="city").exists()  # nothing was loaded
    call_command("loaddemo", "--alongside-other-accounts")  # a test database, said so
    assert User.objects.filter(username="city").exists()


@pytest.mark.req("PLT-10")
def test_template_columns_are_compiled_once_and_render_in_each_language(client_as):
    # A table column written as template code (the chain list's map button) is compiled once
    # per process (core.tables); what it writes still follows the reader's language.
    from zhilian.core import tables

    tables._compiled.cache_clear()
    client = client_as("city")
    chinese = client.get("/chains/").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get("/chains/").content.decode()
    assert "</i> 图谱</a>" in chinese and "</i> Map</a>" in english and "</i> Map</a>" not in chinese
    assert "已发布</span>" in chinese and "Published</span>" in english
    info = tables._compiled.cache_info()
    assert 1 <= info.misses <= 2 and info.hits >= 2 * info.misses


@pytest.mark.django_db
def test_postgresql_plans_held_cursors_for_all_their_rows():
    """A form's choices are read through a server-side cursor held past its transaction; planned
    for its first rows, the units an enterprise may name took 250 ms at 100,000 units instead of 1 ms."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL planner setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        assert float(cursor.fetchone()[0]) == 1.0


@pytest.mark.django_db
def test_postgresql_runs_the_platforms_queries_without_parallel_workers():
    """Concurrent users' small queries on few cores: workers take the cores other requests wait
    for (ZHILIAN_PG_PARALLEL_WORKERS sets another number)."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL planner setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert int(cursor.fetchone()[0]) == settings.ZHILIAN_PG_PARALLEL_WORKERS == 0
