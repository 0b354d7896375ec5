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
