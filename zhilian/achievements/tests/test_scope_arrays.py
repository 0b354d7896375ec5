"""In a kept statement a scope's long lists of ids go to PostgreSQL as one array, so one-record
reads keep their statement (core.permissions.InArray, core.keptsql): the rows stay exactly
those of the share levels (ACH-02)."""

import pytest
from django.db import connection

from zhilian.achievements.models import Achievement, achievement_view_q
from zhilian.core import keptsql, permissions

pytestmark = pytest.mark.django_db

API_VIEW = "api:zhilian.achievements.api.views.AchievementViewSet"


def _targeted_at(organization, achievements):
    through = Achievement.targeted_organizations.through
    through.objects.bulk_create([through(achievement=a, organization=organization) for a in achievements],
                                ignore_conflicts=True)


@pytest.fixture
def owner_with_targets(persona):
    """鹭岛显示 (``owner``) named on every achievement of the library: its scope lists them all."""
    owner = persona("owner")
    achievements = list(Achievement.objects.order_by("pk"))
    assert len(achievements) >= permissions._ARRAY_FROM
    _targeted_at(owner.organization, achievements)
    return owner


@pytest.mark.req("ACH-02")
def test_a_long_list_of_targeted_ids_selects_the_same_achievements_as_an_in_list(owner_with_targets):
    condition = achievement_view_q(owner_with_targets)
    as_arrays = permissions._ids_as_arrays(condition)
    assert as_arrays is not condition
    expected = set(Achievement.objects.filter(condition).values_list("pk", flat=True))
    assert set(Achievement.objects.filter(as_arrays).values_list("pk", flat=True)) == expected
    # Not everything: the consortium share of a consortium it is no member of stays hidden.
    assert expected and expected != set(Achievement.objects.values_list("pk", flat=True))
    assert set(Achievement.objects.restrict(owner_with_targets, arrays=True).values_list("pk", flat=True)) == expected
    sql, params = Achievement.objects.restrict(owner_with_targets, arrays=True).query.sql_with_params()
    if connection.vendor == "postgresql":
        assert '"achievements_achievement"."id" = ANY(%s)' in sql
        assert sorted(next(p for p in params if isinstance(p, list))) == sorted(
            Achievement.objects.values_list("pk", flat=True))
    else:
        assert "ANY(" not in sql
    # Lists keep IN, which PostgreSQL plans as before (restrict's docstring says why).
    assert "ANY(" not in str(Achievement.objects.restrict(owner_with_targets).query)


@pytest.mark.req("PLT-02")
def test_a_scope_without_long_lists_is_itself():
    condition = permissions.NOTHING
    assert permissions._ids_as_arrays(condition) is condition


@pytest.mark.req("ACH-02")
def test_an_api_read_of_one_achievement_is_a_kept_statement_and_refuses_what_the_share_level_hides(
        owner_with_targets, api_as):
    keptsql.clear()
    client = api_as("owner")
    visible = set(Achievement.objects.restrict(owner_with_targets).values_list("pk", flat=True))
    hidden = set(Achievement.objects.values_list("pk", flat=True)) - visible
    assert visible and hidden
    for pk in sorted(visible):
        response = client.get(f"/api/v1/achievements/{pk}/")
        assert response.status_code == 200 and response.json()["id"] == pk
    for pk in sorted(hidden):
        assert client.get(f"/api/v1/achievements/{pk}/").status_code == 404
    assert client.get("/api/v1/achievements/abc/").status_code == 404
    # One statement for ids, written once for the owner's scope and run for every one of them
    # (a key that is no number is looked up unkept, and answered as missing).
    kept = {key[-1]: statement for key, statement in keptsql._kept.items() if key[0] == API_VIEW}
    assert kept[(int,)] is not None and set(kept) == {(int,), (str,)}


@pytest.mark.req("ACH-02")
def test_a_long_list_of_targeted_ids_is_written_into_the_sql_once_and_selects_the_same_achievements(
        owner_with_targets):
    """Outside kept statements the scope's list stays ``IN (…)``, its ids written into the text
    once for the kept scope instead of prepared and bound one by one in every query."""
    condition = achievement_view_q(owner_with_targets)
    expected = set(Achievement.objects.filter(condition).values_list("pk", flat=True))
    restricted = Achievement.objects.restrict(owner_with_targets)
    assert set(restricted.values_list("pk", flat=True)) == expected
    ids = sorted(Achievement.objects.values_list("pk", flat=True))
    sql, params = restricted.query.sql_with_params()
    assert '"achievements_achievement"."id" IN (' + ", ".join(map(str, ids)) + ")" in sql
    _plain_sql, plain_params = Achievement.objects.filter(condition).query.sql_with_params()
    assert len(params) <= len(plain_params) - len(ids), "the ids are not parameters"
    assert "ANY(" not in sql
    # The same list object, its text written once, serves every query under the kept scope.
    first = _id_lists(Achievement.objects.all()._decided(owner_with_targets, "view"))
    again = _id_lists(Achievement.objects.all()._decided(owner_with_targets, "view"))
    assert first and all(a is b for a, b in zip(first, again))
    # One record's read narrows the list to it (core.permissions.for_rows), and refuses what the
    # share level hides.
    hidden = set(ids) - expected
    for pk in (min(expected), *sorted(hidden)[:1]):
        narrowed = Achievement.objects.restrict(owner_with_targets, rows=[pk])
        assert list(narrowed.values_list("pk", flat=True)) == ([pk] if pk in expected else [])
        assert ", ".join(map(str, ids)) not in str(narrowed.query)


def _id_lists(condition) -> list:
    found = []
    for child in getattr(condition, "children", ()):
        if isinstance(child, tuple) and isinstance(child[1], permissions.IdList):
            found.append(child[1])
        else:
            found += _id_lists(child)
    return found


@pytest.mark.req("PLT-02")
def test_an_empty_id_list_selects_nothing_and_a_short_one_stays_a_list():
    from zhilian.core.permissions import IdList, Q, _ids_as_literals

    assert not Achievement.objects.filter(pk__zl_in_ids=IdList([])).exists()
    assert _ids_as_literals(Q(pk__in=[1, 2])).children == [("pk__in", [1, 2])]
    rewritten = _ids_as_literals(Q(pk__in=[3, 1, 2, 2, 5]) | Q(name="x"))
    (lookup, value), _rest = rewritten.children
    assert lookup == "pk__zl_in_ids" and value.sql == "(1, 2, 3, 5)" and value == IdList([5, 3, 2, 1])
