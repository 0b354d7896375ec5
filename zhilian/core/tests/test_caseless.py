"""``icontains`` / ``iexact`` compared without ``UPPER()`` for values without letter case
(core.caseless): the same rows as before, for Chinese and for words with case, and the site
search's kept statements keep a word with case apart from one without."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhilian.core import search
from zhilian.core.caseless import caseless
from zhilian.directory.models import Organization


def test_what_has_case():
    assert caseless("通用设备制造业") and caseless("厦门 100%_号") and caseless("")
    assert not caseless("LED灯具") and not caseless("iPhone") and not caseless("ß") and not caseless(None)


@pytest.fixture
def industries(db):
    rows = {"general": "通用设备制造业", "lighting": "LED照明器具制造", "lower": "led 显示屏"}
    return {key: Organization.objects.create(kind="enterprise", name=f"厦门{key}测试有限公司", industry=industry,
                                             district="思明区").pk for key, industry in rows.items()}


@pytest.mark.req("DIR-01")
@pytest.mark.parametrize("typed, expected", [
    ("设备制造", {"general"}), ("Led", {"lighting", "lower"}), ("LED照明", {"lighting"}), ("制造", {"general", "lighting"}),
])
def test_a_contains_filter_finds_the_same_rows_whatever_the_case(industries, typed, expected):
    found = set(Organization.objects.filter(pk__in=industries.values(), industry__icontains=typed)
                .values_list("pk", flat=True))
    assert found == {industries[key] for key in expected}


@pytest.mark.req("DIR-01")
def test_an_exact_filter_ignores_case_still(industries):
    assert list(Organization.objects.filter(industry__iexact="led 显示屏").values_list("pk", flat=True)) == [
        industries["lower"]]
    assert list(Organization.objects.filter(industry__iexact="LED 显示屏").values_list("pk", flat=True)) == [
        industries["lower"]]
    assert list(Organization.objects.filter(industry__iexact="通用设备制造业").values_list("pk", flat=True)) == [
        industries["general"]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's LIKE ignores case by itself")
def test_postgresql_upper_cases_only_values_with_case(db):
    def sql(**lookup):
        with CaptureQueriesContext(connection) as queries:
            list(Organization.objects.filter(**lookup)[:1])
        return queries.captured_queries[-1]["sql"]

    assert "UPPER" not in sql(industry__icontains="通用设备") and "UPPER" not in sql(name__iexact="厦门一号")
    assert "LIKE" in sql(industry__icontains="通用设备")
    assert "UPPER" in sql(industry__icontains="LED") and "UPPER" in sql(name__iexact="Ab")


@pytest.mark.req("PLT-08")
def test_a_kept_search_statement_keeps_words_with_case_apart(db, persona):
    """The rank puts titles holding the whole query first, ignoring case. A statement written
    for a word without case compares without ``UPPER``; reused for a word with case it would
    lose ``厦门显示AB公司``'s rank for "ab" (and list it after ``厦门甲乙…``, pinyin order)."""
    plain = Organization.objects.create(kind="industry_org", name="厦门甲乙显示公司", description="ab 类产品",
                                        district="思明区")
    titled = Organization.objects.create(kind="industry_org", name="厦门显示AB公司", district="思明区")
    search._statements.clear()
    user = persona("city")

    def organizations(query):
        for st, hits, _total, _capped in search.search(user, query, limit_per_type=8):
            if st.key == "directory.organization":
                return [hit.pk for hit in hits if hit.pk in (plain.pk, titled.pk)]
        return []

    organizations("玻璃")  # a two-character word without case: its statement is written first
    assert organizations("ab") == [titled.pk, plain.pk]
    assert organizations("Ab") == [titled.pk, plain.pk]
    assert organizations("显示") == [plain.pk, titled.pk]
