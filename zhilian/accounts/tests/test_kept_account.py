"""The signed-in account and API tokens are read once and kept (accounts.selectors), and
every change to them, their organization or their roles is seen by the next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from zhilian.accounts.selectors import signed_in_account
from zhilian.directory.models import Organization

LIST = "/directory/organizations/"


def _sql(queries) -> str:
    return "\n".join(q["sql"] for q in queries.captured_queries)


def test_a_signed_in_request_does_not_read_the_account_or_its_roles_again(client_as):
    client = client_as("mgmt")
    client.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    assert 'FROM "accounts_user"' not in _sql(queries) and 'FROM "auth_group"' not in _sql(queries)


@pytest.mark.req("PLT-01")
def test_a_role_taken_away_or_given_is_seen_by_the_next_request(client_as, persona):
    from django.contrib.auth.models import Group

    client = client_as("mgmt")
    api = "/api/v1/organizations/"  # refused (403) without a role that may view organizations
    assert client.get(api).status_code == 200
    assert "协同服务管理机构" in client.get("/").content.decode()  # the role, in the user menu
    user = persona("mgmt")
    groups = list(user.groups.all())
    user.groups.clear()
    assert client.get(api).status_code == 403
    assert "协同服务管理机构" not in client.get("/").content.decode()
    user.groups.add(*groups)
    assert client.get(api).status_code == 200
    # A role's group renamed away (roles are groups named by their codes) counts too.
    Group.objects.filter(pk__in=[g.pk for g in groups]).update(name="no-such-role")
    assert client.get(api).status_code == 403


def test_a_change_of_the_account_or_its_organization_is_seen_by_the_next_request(client_as, persona):
    client = client_as("owner")
    user = persona("owner")
    assert user.organization.name in client.get("/").content.decode()
    Organization.objects.filter(pk=user.organization_id).update(name="厦门改名后的链主企业有限公司")
    assert "厦门改名后的链主企业有限公司" in client.get("/").content.decode()
    type(user).objects.filter(pk=user.pk).update(full_name="改名后的用户")
    assert "改名后的用户" in client.get("/").content.decode()
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_each_request_gets_its_own_copy_of_the_kept_account(persona):
    # A request hangs memos on its account (scopes, permission answers): they stay in it.
    pk = persona("mgmt").pk
    first = signed_in_account(pk)
    first._zl_scopes = {"memo": "of the first request"}
    second = signed_in_account(pk)
    assert second is not first and not hasattr(second, "_zl_scopes")
    assert second.role_codes == first.role_codes and second.organization == first.organization
    assert signed_in_account(10 ** 9) is None and signed_in_account("x") is None


@pytest.mark.req("SEC-03")
def test_a_kept_api_token_stops_working_once_deleted_and_is_read_once_while_it_lasts(api_as, persona):
    api = api_as("owner")
    for _ in range(2):  # the first use is recorded (the idle clock): the token is read again once
        assert api.get("/api/v1/organizations/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/organizations/").status_code == 200
    assert 'FROM "authtoken_token"' not in _sql(queries)
    Token.objects.filter(user=persona("owner")).delete()
    assert api.get("/api/v1/organizations/").status_code == 401


def test_views_get_the_account_itself_not_the_middlewares_lazy_wrappers(client_as):
    # Each attribute read through the authentication and OTP middleware's wrappers costs a few
    # Python calls, and a page reads the account hundreds of times.
    from django.utils.functional import LazyObject

    from zhilian.accounts.models import User

    response = client_as("mgmt").get(LIST)
    user = response.wsgi_request.user
    assert type(user) is User and not isinstance(user, LazyObject)
    assert user.username == "mgmt" and user.is_verified() is False  # django-otp's check still on it
