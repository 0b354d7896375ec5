import pytest
from django.db.models import Q

from zhilian.core.permissions import EVERYTHING, NOTHING, register_grant, _grants
from zhilian.directory.models import Organization


@pytest.mark.req("PLT-02")
def test_everything_stays_everything_when_combined(db):
    # Q() | x would be x: EVERYTHING must widen, never narrow.
    assert Organization.objects.filter(EVERYTHING | Q(pk=-1)).count() == Organization.objects.count()
    assert Organization.objects.filter(NOTHING | Q(name="厦门翔光玻璃基板有限公司")).count() == 1


@pytest.mark.req("PLT-02")
def test_a_grant_widens_a_restricted_scope_and_never_narrows_a_full_one(persona):
    member = persona("member")
    target = Organization.objects.get(name="厦门思明视讯科技有限公司")
    assert not Organization.objects.restrict(member).filter(pk=target.pk).exists()
    register_grant("directory.Organization", lambda user, action: Q(pk=target.pk) if user == member else None)
    try:
        assert Organization.objects.restrict(member).filter(pk=target.pk).exists()
        city = persona("city")
        assert Organization.objects.restrict(city).count() == Organization.objects.count()
    finally:
        _grants["directory.Organization"].pop()


@pytest.mark.req("PLT-01")
def test_permissions_read_from_the_role_declarations_equal_what_the_groups_hold(persona):
    # The backend answers has_perm from accounts.roles instead of querying the groups; the
    # two agree only if every declared permission exists and sync_roles gave it to the group.
    from django.contrib.auth.backends import ModelBackend

    from conftest import ALL_PERSONAS

    for username in ALL_PERSONAS:
        user = persona(username)
        from_db = ModelBackend().get_all_permissions(user)
        assert user.get_all_permissions() == from_db, username
        assert from_db, f"{username} holds no permission at all"


# --------------------------------------------------------------------------- one row's scope


@pytest.mark.req("PLT-02")
def test_a_scope_reduced_to_some_rows_answers_for_them_as_the_whole_scope(db):
    from zhilian.core.permissions import for_rows

    rows = list(Organization.objects.order_by("pk").values_list("pk", "name")[:4])
    (a, name_a), (b, _), (c, _), (d, _) = rows
    # Literal key lists, negated and nested, beside conditions on other columns and a subquery.
    condition = ((Q(pk__in=[a, b]) & Q(name=name_a)) | ~Q(id__in=(b, c, 999_999_999))
                 | Q(pk__in=Organization.objects.filter(pk=d).values("pk")))
    for pk, _name in rows:
        reduced = for_rows(condition, Organization, frozenset({pk}))
        whole = Organization.objects.filter(condition, pk=pk).exists()
        assert Organization.objects.filter(reduced, pk=pk).exists() == whole, pk
    # The lists hold only the keys asked for; the subquery is left as it was.
    reduced = for_rows(condition, Organization, frozenset({b}))
    sql = str(Organization.objects.filter(reduced).query)
    assert str(c) not in sql and "999999999" not in sql
    assert condition.children[0].children[0] == ("pk__in", [a, b])  # the scope itself is not changed


@pytest.mark.req("PLT-02")
def test_one_row_looked_up_is_visible_exactly_when_the_whole_scope_lists_it(persona):
    """``restrict(rows=…)`` (detail pages, one record through the API, ``allowed``) against the
    full scope, for every persona and every restricted model of the demo, rows seen and not."""
    from django.apps import apps

    from conftest import ALL_PERSONAS
    from zhilian.accounts.models import User
    from zhilian.core.permissions import allowed

    usernames = ALL_PERSONAS + [u for u in ("icowner", "icmember", "icmetrology")
                                if User.objects.filter(username=u).exists()]
    models = [m for m in apps.get_models() if hasattr(m._default_manager, "restrict")
              and m._meta.app_label != "accounts" and m._default_manager.exists()]
    assert len(models) > 20
    checked = 0
    for username in usernames:
        user = persona(username)
        for model in models:
            for action in ("view", "change"):
                manager = model._default_manager
                every = list(manager.order_by("pk").values_list("pk", flat=True))
                seen = set(manager.restrict(user, action).values_list("pk", flat=True))
                assert set(manager.restrict(user, action, rows=every).values_list("pk", flat=True)) == seen
                sample = [pk for pk in every if pk in seen][:3] + [pk for pk in every if pk not in seen][:3]
                for pk in sample:
                    one = manager.restrict(user, action, rows=[str(pk)])
                    assert one.exists() == (pk in seen), (username, model._meta.label, action, pk)
                    assert allowed(user, action, manager.get(pk=pk)) == (pk in seen), (username, model, action, pk)
                    checked += 1
    assert checked > 1000


@pytest.mark.req("PLT-02")
def test_a_members_achievement_page_does_not_send_its_whole_scope(persona):
    """A unit's scope lists the achievements targeted at it; looking one of them up sends only
    that one's key, and a key that is not a number finds nothing, as before."""
    import re

    from django.db import connection
    from django.http import Http404
    from django.test.utils import CaptureQueriesContext

    from zhilian.achievements.choices import AchievementStatus, ShareLevel
    from zhilian.achievements.models import Achievement
    from zhilian.core.permissions import get_restricted_or_404

    member = persona("icmember")
    targeted = list(Achievement.objects.exclude(contributor=member.organization).order_by("pk")[:3])
    assert len(targeted) == 3
    for achievement in targeted:
        Achievement.objects.filter(pk=achievement.pk).update(status=AchievementStatus.LISTED,
                                                             share_level=ShareLevel.TARGETED)
        achievement.targeted_organizations.add(member.organization)
    first, *others = [a.pk for a in targeted]
    with CaptureQueriesContext(connection) as queries:
        assert get_restricted_or_404(Achievement.objects.all(), member, "view", pk=str(first)).pk == first
    listed = {int(n) for found in re.findall(r"IN \(([\d, ]+)\)", queries.captured_queries[-1]["sql"])
              for n in found.split(",")}
    assert first in listed and not listed & set(others)
    for pk in others:  # each is still found, and only through its own key
        assert get_restricted_or_404(Achievement.objects.all(), member, "view", pk=pk).pk == pk
    with pytest.raises(Http404):
        get_restricted_or_404(Achievement.objects.all(), member, "view", pk="x")
