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
