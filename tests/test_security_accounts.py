"""Accounts: passwords, lockout and rate limits, sessions, two-factor sign-in, separated
administrator duties (SEC-01 … SEC-05). Figures are the 等保 level 3 defaults in settings."""

import datetime
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhilian.accounts.demo import DEMO_PASSWORD
from zhilian.accounts.models import User
from zhilian.accounts.twofactor import next_code_for
from zhilian.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"


def sign_in(username, password=DEMO_PASSWORD, ip="10.1.1.1", client=None):
    client = client or Client(REMOTE_ADDR=ip)
    response = client.post(LOGIN, {"username": username, "password": password})
    return client, response


def sign_in_fully(username, password=DEMO_PASSWORD, ip="10.1.1.1"):
    client, response = sign_in(username, password, ip)
    if response.status_code == 302 and response["Location"] == reverse("accounts:login_verify"):
        response = client.post(reverse("accounts:login_verify"), {"code": next_code_for(username)})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def error_code(response) -> str:
    """The code of the sign-in form's error: invalid_login, locked or rate_limited."""
    return response.context["form"].non_field_errors().as_data()[0].code


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


# --------------------------------------------------------------------------- SEC-01 passwords


@pytest.mark.req("SEC-01")
@pytest.mark.parametrize("password, code", [
    ("Ab1!xyz", "password_too_short"),          # 7 characters
    ("abcdefgh12", "password_too_simple"),     # 2 classes
    ("Password1", "password_too_common"),      # on Django's breach list
    ("12345678901", "password_entirely_numeric"),
])
def test_weak_passwords_are_refused(password, code, persona):
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, persona("owner"))
    assert code in [e.code for e in excinfo.value.error_list]


@pytest.mark.req("SEC-01")
@pytest.mark.parametrize("username, password", [
    ("owner", "Admin@123"), ("owner", "P@ssw0rd123"), ("owner", "Huawei@123"), ("owner", "Passw0rd!"),
    ("owner", "Welcome@123"), ("owner", "Abc@1234"), ("owner", "@dmin2026!"), ("owner", "Woaini1314!"),
    ("owner", "Qwerty-2026"), ("owner", "Zhang.San@2026"),
    ("owner", "Owner@2026"),              # the user name
    ("expert", "Chenliqun@1"),            # the person's name (陈立群) in pinyin
    ("member", "XiangGuangBoLi#9"),       # the organization's short name (翔光玻璃)
    ("owner", "Zhilian@2026"),            # the site name (质链 Zhilian), also the demo's password
    ("owner", "AdminAdmin@1"),            # one word twice is still one word
])
def test_a_common_word_or_name_dressed_up_with_digits_and_symbols_is_refused(username, password, persona):
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, persona(username))
    assert "password_common_word" in [e.code for e in excinfo.value.error_list]


@pytest.mark.req("SEC-01")
def test_a_password_of_three_classes_and_eight_characters_is_accepted(persona):
    validate_password("Gl4ss-Substrate", persona("owner"))
    validate_password("lu-dao-2026-xm", persona("owner"))  # lower, digits, symbols
    validate_password("Admin-Glass-2026", persona("owner"))  # a common word among others
    validate_password("Huawei@Jimei#88", persona("owner"))


@pytest.mark.req("SEC-01")
def test_none_of_the_last_five_passwords_may_be_reused(persona):
    user = persona("member")
    passwords = [f"Xiang-Guang-{n}a" for n in range(6)]
    for password in passwords:
        validate_password(password, user)
        user.set_password(password)
        user.save()
    for reused in passwords[-5:]:
        with pytest.raises(ValidationError) as excinfo:
            validate_password(reused, user)
        assert "password_reused" in [e.code for e in excinfo.value.error_list]
    validate_password(passwords[0], user)  # six changes ago: allowed again


@pytest.mark.req("SEC-01")
def test_an_expired_password_must_be_changed_before_anything_else(settings):
    assert settings.ZHILIAN_PASSWORD_MAX_AGE_DAYS == 90
    User.objects.filter(username="member").update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    client = sign_in_fully("member")
    response = client.get("/directory/organizations/")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")
    response = client.post(reverse("accounts:password_change"), {
        "old_password": DEMO_PASSWORD, "new_password1": "Xiang-Guang-2027", "new_password2": "Xiang-Guang-2027"})
    assert response.status_code == 302
    assert client.get("/directory/organizations/").status_code == 200
    settings.ZHILIAN_PASSWORD_MAX_AGE_DAYS = 0
    User.objects.filter(username="member").update(password_changed_at=timezone.now() - datetime.timedelta(days=400))
    assert client.get("/directory/organizations/").status_code == 200  # expiry switched off


@pytest.mark.req("SEC-01")
def test_an_account_created_by_the_administrator_changes_its_initial_password_first(client_as):
    from zhilian.directory.models import Organization

    org = Organization.objects.get(name="厦门翔光玻璃基板有限公司")
    response = client_as("sysadmin").post(reverse("accounts:user_add"), {
        "username": "newstaff", "full_name": "新员工", "organization": org.pk, "is_active": "on",
        "password": "Initial-Pass-01"})
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get(username="newstaff")
    assert user.must_change_password and user.password_changed_at is not None
    client = sign_in_fully("newstaff", "Initial-Pass-01")
    assert client.get("/")["Location"] == reverse("accounts:password_change")


@pytest.mark.req("SEC-01")
@pytest.mark.parametrize("state", ["expired", "initial"])
def test_the_api_refuses_tokens_and_their_use_until_the_password_is_changed(state, api_as, client_as):
    from rest_framework.authtoken.models import Token

    api = api_as("member")
    assert api.get("/api/v1/me/").status_code == 200
    if state == "expired":
        User.objects.filter(username="member").update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    else:  # an account an administrator created, still with its initial password
        User.objects.filter(username="member").update(must_change_password=True)
    response = api.get("/api/v1/me/")
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"
    assert "/accounts/password/" in response.json()["detail"]
    page_session = client_as("member").get("/api/v1/me/")  # the pages' own API calls too
    assert page_session.status_code == 403 and page_session.json()["code"] == "password_change_required"
    tokens = set(Token.objects.values_list("key", flat=True))
    response = Client(REMOTE_ADDR="10.1.9.9").post(TOKEN, {"username": "member", "password": DEMO_PASSWORD},
                                                   content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"
    assert "token" not in response.json() and set(Token.objects.values_list("key", flat=True)) == tokens
    # Once the password is changed on the web, a new token is issued and works.
    client = sign_in_fully("member", ip="10.1.9.8")
    assert client.post(reverse("accounts:password_change"), {
        "old_password": DEMO_PASSWORD, "new_password1": "Xiang-Guang-2027", "new_password2": "Xiang-Guang-2027",
    }).status_code == 302
    response = Client(REMOTE_ADDR="10.1.9.9").post(TOKEN, {"username": "member", "password": "Xiang-Guang-2027"},
                                                   content_type="application/json")
    assert response.status_code == 200
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {response.json()['token']}").status_code == 200


@pytest.mark.req("SEC-01")
def test_an_initial_password_built_on_the_new_persons_name_is_refused(client_as):
    response = client_as("sysadmin").post(reverse("accounts:user_add"), {
        "username": "staff01", "full_name": "王磊", "is_active": "on", "password": "WangLei@2026"})
    assert response.status_code == 200
    assert "password_common_word" in [e.code for e in response.context["form"].errors.as_data()["password"]]
    assert not User.objects.filter(username="staff01").exists()


def _chinese(text) -> bool:
    import re

    return bool(re.search(r"[\u4e00-\u9fff]", str(text)))


@pytest.mark.req("PLT-10")
@pytest.mark.req("SEC-01")
def test_password_rules_speak_chinese(persona):
    from django.contrib.auth.password_validation import password_validators_help_texts
    from django.utils import translation

    with translation.override("zh-hans"):
        for weak in ("Ab1!x", "abcdefgh12", "12345678901", "Owner@2026"):
            with pytest.raises(ValidationError) as excinfo:
                validate_password(weak, persona("owner"))
            assert all(_chinese(m) for m in excinfo.value.messages), excinfo.value.messages
        assert all(_chinese(text) for text in password_validators_help_texts())


@pytest.mark.req("PLT-10")
def test_the_token_endpoint_answers_in_chinese_unless_asked_for_english():
    def errors(username, password, **headers):
        return Client(REMOTE_ADDR="10.1.8.8", **headers).post(
            TOKEN, {"username": username, "password": password}, content_type="application/json").json()

    body = errors("owner", "Wrong-pass-1")
    assert body["code"] == "invalid_credentials" and _chinese(body["detail"])
    body = errors("city", DEMO_PASSWORD)
    assert body["code"] == "otp_required" and _chinese(body["detail"])
    assert _chinese(Client().post(TOKEN, {}, content_type="application/json").json()["detail"])
    body = errors("owner", "Wrong-pass-1", HTTP_ACCEPT_LANGUAGE="en")
    assert body["detail"] == "Unable to sign in with the given credentials."


# --------------------------------------------------------------------------- SEC-02 sign-in protection


@pytest.mark.req("SEC-02")
def test_five_failures_lock_the_account_for_thirty_minutes_even_for_the_right_password():
    for _ in range(4):
        _client, response = sign_in("owner", "wrong-password")
        assert error_code(response) == "invalid_login"
    _client, response = sign_in("owner", "wrong-password")
    user = User.objects.get(username="owner")
    assert user.is_locked
    assert datetime.timedelta(minutes=29) < user.locked_until - timezone.now() <= datetime.timedelta(minutes=30)
    client, response = sign_in("owner")  # the right password
    assert response.status_code == 200 and not signed_in(client)
    assert error_code(response) == "locked"
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED, object_id=str(user.pk)).exists()
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, object_repr="owner").count() >= 5
    # The API token endpoint honours the same lock.
    api = Client(REMOTE_ADDR="10.9.9.9").post(TOKEN, {"username": "owner", "password": DEMO_PASSWORD},
                                             content_type="application/json")
    assert api.status_code == 403 and api.json()["code"] == "account_locked"
    # Thirty minutes later the right password works again.
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
    client, response = sign_in("owner", ip="10.1.1.2")
    assert response.status_code == 302 and signed_in(client)
    assert User.objects.get(pk=user.pk).failed_login_count == 0


@pytest.mark.req("SEC-02")
def test_an_unknown_user_name_is_answered_like_a_locked_account():
    for _ in range(5):
        sign_in("nobody-here", "whatever-1A")
    _client, known = sign_in("owner", "wrong-password", ip="10.1.1.3")
    _client, unknown = sign_in("nobody-here", "whatever-1A", ip="10.1.1.3")
    assert error_code(known) == "invalid_login" and error_code(unknown) == "locked"
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED, object_repr="nobody-here").exists()
    assert known.status_code == unknown.status_code == 200


@pytest.mark.req("SEC-02")
def test_attempts_are_rate_limited_per_account(settings):
    limit = settings.ZHILIAN_SIGNIN_MAX_PER_ACCOUNT
    for n in range(limit):
        client = Client(REMOTE_ADDR=f"10.2.0.{n}")
        assert client.post(TOKEN, {"username": "owner", "password": DEMO_PASSWORD},
                           content_type="application/json").status_code == 200
    response = Client(REMOTE_ADDR="10.2.1.1").post(TOKEN, {"username": "owner", "password": DEMO_PASSWORD},
                                                  content_type="application/json")
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    _client, page = sign_in("owner", ip="10.2.1.2")
    assert page.status_code == 200 and error_code(page) == "rate_limited"


@pytest.mark.req("SEC-02")
def test_a_two_factor_sign_in_is_one_attempt_and_refusals_do_not_prolong_the_limit(settings):
    from zhilian.accounts.models import SignInAttempt

    limit = settings.ZHILIAN_SIGNIN_MAX_PER_ACCOUNT
    # Password and code make one attempt: more than limit / 2 sign-ins in the window pass.
    for n in range(limit // 2 + 1):
        sign_in_fully("city", ip=f"10.2.2.{n}")
    outcomes = list(SignInAttempt.objects.filter(username="city").values_list("outcome", flat=True))
    assert outcomes == ["ok"] * (limit // 2 + 1)
    # Requests the limiter refuses are not attempts: once the real ones leave the window, the
    # account may sign in again however often it was refused meanwhile.
    for n in range(limit):
        Client(REMOTE_ADDR=f"10.2.3.{n}").post(TOKEN, {"username": "owner", "password": DEMO_PASSWORD},
                                               content_type="application/json")
    for n in range(limit + 2):
        response = Client(REMOTE_ADDR=f"10.2.4.{n}").post(TOKEN, {"username": "owner", "password": DEMO_PASSWORD},
                                                          content_type="application/json")
        assert response.status_code == 429
    SignInAttempt.objects.filter(username="owner", outcome="ok").update(
        at=timezone.now() - datetime.timedelta(seconds=settings.ZHILIAN_SIGNIN_WINDOW_SECONDS + 1))
    response = Client(REMOTE_ADDR="10.2.5.1").post(TOKEN, {"username": "owner", "password": DEMO_PASSWORD},
                                                   content_type="application/json")
    assert response.status_code == 200


@pytest.mark.req("SEC-02")
def test_failures_are_rate_limited_per_address(settings):
    limit = settings.ZHILIAN_SIGNIN_MAX_FAILURES_PER_ADDRESS
    for n in range(limit):
        sign_in(f"guess{n}", "Wrong-pass-1", ip="10.3.3.3")  # a different name each time: no lockout
    client, response = sign_in("owner", ip="10.3.3.3")
    assert response.status_code == 200 and not signed_in(client)
    client, response = sign_in("owner", ip="10.3.3.4")  # another address is not affected
    assert response.status_code == 302


@pytest.mark.req("SEC-02")
def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(settings):
    limit = settings.ZHILIAN_SIGNIN_MAX_FAILURES_PER_ADDRESS
    for n in range(limit):
        Client(REMOTE_ADDR="10.4.4.4", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            LOGIN, {"username": f"guess{n}", "password": "Wrong-pass-1"})
    client = Client(REMOTE_ADDR="10.4.4.4", HTTP_X_FORWARDED_FOR="198.51.100.7")
    client.post(LOGIN, {"username": "owner", "password": DEMO_PASSWORD})
    assert not signed_in(client)
    event = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).first()
    assert event.ip_address == "10.4.4.4"


@pytest.mark.req("SEC-02")
def test_wrong_verification_codes_count_towards_the_lockout(no_otp_backoff):
    for _ in range(5):
        client, response = sign_in("city", ip="10.5.5.5")
        assert response["Location"] == reverse("accounts:login_verify")
        client.post(reverse("accounts:login_verify"), {"code": "000000"})
    assert User.objects.get(username="city").is_locked


@pytest.mark.req("SEC-02")
def test_wrong_current_passwords_on_the_password_page_count_towards_the_lockout():
    user = User.objects.get(username="member")
    client = sign_in_fully("member", ip="10.5.6.1")

    def change(old):
        return client.post(reverse("accounts:password_change"), {
            "old_password": old, "new_password1": "Xiang-Guang-2027", "new_password2": "Xiang-Guang-2027"})

    for n in range(4):
        assert change(f"Guess-{n}-pass").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, object_id=str(user.pk),
                                     content_type__model="user").count() == 4
    response = change("Guess-5-pass")
    assert User.objects.get(pk=user.pk).is_locked
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert not signed_in(client)  # the guessing session is signed out
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED, object_id=str(user.pk)).exists()
    # Locked: the right password is refused, on the sign-in page and on the password page.
    _client, page = sign_in("member", ip="10.5.6.2")
    assert error_code(page) == "locked"
    other = Client(REMOTE_ADDR="10.5.6.3")
    other.force_login(user)
    response = other.post(reverse("accounts:password_change"), {
        "old_password": DEMO_PASSWORD, "new_password1": "Xiang-Guang-2027", "new_password2": "Xiang-Guang-2027"})
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["old_password"]] == ["locked"]
    assert User.objects.get(pk=user.pk).check_password(DEMO_PASSWORD)


@pytest.mark.req("SEC-02")
def test_sign_in_and_sign_out_are_audited():
    client = sign_in_fully("owner")
    client.post(reverse("accounts:logout"))
    user = User.objects.get(username="owner")
    actions = list(AuditEvent.objects.filter(object_id=str(user.pk), content_type__model="user")
                   .values_list("action", flat=True)[:2])
    assert actions == [AuditAction.LOGOUT, AuditAction.LOGIN]


# --------------------------------------------------------------------------- SEC-03 sessions


@pytest.mark.req("SEC-03")
def test_a_session_idle_for_thirty_minutes_ends(settings):
    assert settings.ZHILIAN_SESSION_IDLE_MINUTES == 30
    client = sign_in_fully("owner")
    session = client.session
    session["zl_last_seen"] = time.time() - 29 * 60
    session.save()
    assert signed_in(client)
    session = client.session
    session["zl_last_seen"] = time.time() - 31 * 60
    session.save()
    response = client.get("/directory/organizations/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not signed_in(client)
    event = AuditEvent.objects.filter(action=AuditAction.LOGOUT).first()
    assert "30" in event.message


@pytest.mark.req("SEC-03")
def test_a_session_ends_after_its_absolute_lifetime(settings):
    client = sign_in_fully("owner")
    session = client.session
    session["zl_auth_at"] = time.time() - settings.ZHILIAN_SESSION_MAX_HOURS * 3600 - 1
    session.save()
    assert not signed_in(client)


@pytest.mark.req("SEC-03")
def test_changing_the_password_ends_other_sessions_and_revokes_the_api_token(api_as):
    laptop, phone = sign_in_fully("owner", ip="10.6.0.1"), sign_in_fully("owner", ip="10.6.0.2")
    api = api_as("owner")
    assert api.get("/api/v1/me/").status_code == 200
    response = laptop.post(reverse("accounts:password_change"), {
        "old_password": DEMO_PASSWORD, "new_password1": "Lu-Dao-Display-9", "new_password2": "Lu-Dao-Display-9"})
    assert response.status_code == 302
    assert signed_in(laptop)  # the session that changed it goes on
    assert not signed_in(phone)
    assert api.get("/api/v1/me/").status_code == 401


@pytest.mark.req("SEC-03")
def test_disabling_an_account_ends_its_sessions_and_tokens(client_as, api_as):
    member = sign_in_fully("member")
    api = api_as("member")
    user = User.objects.get(username="member")
    response = client_as("sysadmin").post(reverse("accounts:user_edit", args=[user.pk]), {
        "username": "member", "full_name": user.full_name, "organization": user.organization_id, "mobile": user.mobile,
        "_version": ""})
    assert response.status_code == 302, response.context["form"].errors
    assert not User.objects.get(pk=user.pk).is_active
    assert not signed_in(member)
    assert api.get("/api/v1/me/").status_code == 401
    from django.contrib.sessions.models import Session

    assert not any(s.get_decoded().get("_auth_user_id") == str(user.pk) for s in Session.objects.all())


@pytest.mark.req("SEC-03")
def test_api_tokens_end_after_their_age_and_idle_limits_and_are_renewed_by_asking_again(settings):
    from rest_framework.authtoken.models import Token

    from zhilian.accounts.models import TokenUse

    assert (settings.ZHILIAN_API_TOKEN_MAX_AGE_DAYS, settings.ZHILIAN_API_TOKEN_IDLE_HOURS) == (30, 48)

    def obtain():
        response = Client(REMOTE_ADDR="10.6.5.5").post(TOKEN, {"username": "owner", "password": DEMO_PASSWORD},
                                                       content_type="application/json")
        assert response.status_code == 200, response.content
        return response.json()

    def me(key):
        return Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")

    first = obtain()
    assert first["expires_at"]
    assert me(first["token"]).status_code == 200
    assert obtain()["token"] == first["token"]  # a current token is handed out again
    # Unused for 49 hours: refused, with a clear message; asking again gives a new token.
    TokenUse.objects.filter(token_id=first["token"]).update(last_used=timezone.now() - datetime.timedelta(hours=49))
    response = me(first["token"])
    assert response.status_code == 401 and response.json()["code"] == "token_expired"
    assert "48" in response.json()["detail"] and "/api/v1/auth/token/" in response.json()["detail"]
    second = obtain()
    assert second["token"] != first["token"] and me(second["token"]).status_code == 200
    # Used all the time but 31 days old: refused too.
    Token.objects.filter(key=second["token"]).update(created=timezone.now() - datetime.timedelta(days=31))
    response = me(second["token"])
    assert response.status_code == 401 and response.json()["code"] == "token_expired"
    assert "30" in response.json()["detail"]
    third = obtain()
    assert third["token"] not in (first["token"], second["token"]) and me(third["token"]).status_code == 200
    # Each limit can be switched off.
    settings.ZHILIAN_API_TOKEN_MAX_AGE_DAYS = settings.ZHILIAN_API_TOKEN_IDLE_HOURS = 0
    Token.objects.filter(key=third["token"]).update(created=timezone.now() - datetime.timedelta(days=400))
    TokenUse.objects.filter(token_id=third["token"]).update(last_used=timezone.now() - datetime.timedelta(days=400))
    assert me(third["token"]).status_code == 200


@pytest.mark.req("SEC-03")
def test_a_user_sees_and_ends_their_other_sessions():
    laptop, phone = sign_in_fully("owner", ip="10.7.0.1"), sign_in_fully("owner", ip="10.7.0.2")
    page = laptop.get(reverse("accounts:profile"))
    sessions = list(page.context["sessions"])
    assert len(sessions) == 2
    other = next(s for s in sessions if s.session_key != laptop.session.session_key)
    laptop.post(reverse("accounts:session_end"), {"session": other.session_key})
    assert signed_in(laptop) and not signed_in(phone)


# --------------------------------------------------------------------------- SEC-04 two-factor


@pytest.mark.req("SEC-04")
def test_regulators_and_administrators_must_use_a_second_factor(settings):
    from zhilian.accounts import twofactor

    for username in ("sysadmin", "secadmin", "auditor", "city", "district", "grassroots"):
        assert twofactor.is_required(User.objects.get(username=username)), username
    for username in ("owner", "institution", "expert", "consumer"):
        assert not twofactor.is_required(User.objects.get(username=username)), username


@pytest.fixture
def no_otp_backoff(settings):
    """django-otp also slows a device down after a wrong code (1 s, 2 s, 4 s…); tests type fast."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.mark.req("SEC-04")
def test_the_password_alone_does_not_sign_a_regulator_in(no_otp_backoff):
    client, response = sign_in("city")
    assert response["Location"] == reverse("accounts:login_verify")
    assert not signed_in(client)
    response = client.post(reverse("accounts:login_verify"), {"code": "123456"})
    assert response.status_code == 200 and not signed_in(client)
    code = next_code_for("city")
    response = client.post(reverse("accounts:login_verify"), {"code": code})
    assert response.status_code == 302 and signed_in(client)
    city = AuditEvent.objects.filter(action=AuditAction.LOGIN, content_type__model="user",
                                     object_id=str(User.objects.get(username="city").pk)).latest("pk")
    assert city.message_shown == "密码 + 验证码"  # kept translatable (the reader's language)
    # The same code cannot be replayed by someone who watched it being typed.
    other, _response = sign_in("city", ip="10.8.0.2")
    other.post(reverse("accounts:login_verify"), {"code": code})
    assert not signed_in(other)


@pytest.mark.req("SEC-04")
def test_a_required_user_without_authenticator_enrols_during_sign_in():
    import base64

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user__username="district").delete()
    client, response = sign_in("district")
    assert response["Location"] == reverse("accounts:login_enrol")
    page = client.get(reverse("accounts:login_enrol"))
    body = page.content.decode()
    assert "<svg" in body and 'id="totp-secret"' in body and "otpauth" not in body.split("<svg")[0][-200:]
    account_line = body.split('id="totp-account"')[1].split("</div>")[0]
    assert "district" in account_line  # the entry the app will show is the user's, not just the site's
    secret = page.context["secret"].replace(" ", "")
    code = f"{TOTP(base64.b32decode(secret + '=' * (-len(secret) % 8))).token():06d}"
    response = client.post(reverse("accounts:login_enrol"), {"code": code})
    assert response.status_code == 302 and signed_in(client)
    assert TOTPDevice.objects.filter(user__username="district", confirmed=True).count() == 1


@pytest.mark.req("SEC-04")
def test_two_factor_can_be_required_of_everyone(settings):
    settings.ZHILIAN_2FA_REQUIRED_ROLES = ["all"]
    client, response = sign_in("owner")
    assert response["Location"] == reverse("accounts:login_enrol")
    settings.ZHILIAN_2FA_REQUIRED_ROLES = ["none"]
    client, response = sign_in("member", ip="10.8.1.1")
    assert response.status_code == 302 and signed_in(client)


@pytest.mark.req("SEC-04")
def test_any_user_may_turn_two_factor_on_and_is_then_asked_for_it():
    import base64

    from django_otp.oath import TOTP

    client = sign_in_fully("owner")
    page = client.get(reverse("accounts:two_factor_setup"))
    secret = page.context["secret"].replace(" ", "")
    code = f"{TOTP(base64.b32decode(secret + '=' * (-len(secret) % 8))).token():06d}"
    assert client.post(reverse("accounts:two_factor_setup"), {"code": code}).status_code == 200  # password missing
    assert client.post(reverse("accounts:two_factor_setup"),
                       {"code": code, "current_password": DEMO_PASSWORD}).status_code == 302
    _client, response = sign_in("owner", ip="10.8.2.2")
    assert response["Location"] == reverse("accounts:login_verify")
    assert client.post(reverse("accounts:two_factor_disable")).status_code == 302
    _client, response = sign_in("owner", ip="10.8.2.3")
    assert response.status_code == 302 and response["Location"] == "/"


def _new_authenticator_code(client):
    import base64

    from django_otp.oath import TOTP

    secret = client.get(reverse("accounts:two_factor_setup")).context["secret"].replace(" ", "")
    return f"{TOTP(base64.b32decode(secret + '=' * (-len(secret) % 8))).token():06d}"


@pytest.mark.req("SEC-04")
def test_replacing_the_authenticator_needs_the_password_and_a_code_of_the_current_one(no_otp_backoff):
    from zhilian.accounts import twofactor

    user = User.objects.get(username="city")
    old_key = twofactor.device_for(user).key
    client = sign_in_fully("city")
    page = client.get(reverse("accounts:two_factor_setup"))
    assert "current_password" in page.context["reauth"].fields and "current_code" in page.context["reauth"].fields
    new_code = _new_authenticator_code(client)
    url = reverse("accounts:two_factor_setup")
    attempts = [
        {"code": new_code},                                                          # the new phone alone
        {"code": new_code, "current_password": DEMO_PASSWORD},                       # no code of the old one
        {"code": new_code, "current_password": DEMO_PASSWORD, "current_code": "000000"},
        {"code": new_code, "current_password": "Wrong-Pass-1", "current_code": next_code_for("city")},
    ]
    for data in attempts:
        assert client.post(url, data).status_code == 200
        assert twofactor.device_for(user).key == old_key
    assert User.objects.get(pk=user.pk).failed_login_count == 2  # the wrong code and the wrong password
    response = client.post(url, {"code": new_code, "current_password": DEMO_PASSWORD,
                                 "current_code": next_code_for("city")})
    assert response.status_code == 302
    assert twofactor.device_for(user).key != old_key


@pytest.mark.req("SEC-03")
def test_issuing_an_api_token_on_the_page_needs_the_password_and_the_code(client_as):
    from rest_framework.authtoken.models import Token

    url = reverse("accounts:token_reset")
    owner = client_as("owner")
    for data in ({}, {"current_password": "Wrong-Pass-1"}):
        assert owner.post(url, data).status_code == 302
        assert not Token.objects.filter(user__username="owner").exists()
    assert User.objects.get(username="owner").failed_login_count == 1
    owner.post(url, {"current_password": DEMO_PASSWORD})
    assert Token.objects.filter(user__username="owner").exists()
    owner.post(url, {"revoke": "1"})  # revoking needs nothing
    assert not Token.objects.filter(user__username="owner").exists()
    city = client_as("city")  # two-factor: the current code too
    city.post(url, {"current_password": DEMO_PASSWORD})
    assert not Token.objects.filter(user__username="city").exists()
    city.post(url, {"current_password": DEMO_PASSWORD, "current_code": next_code_for("city")})
    assert Token.objects.filter(user__username="city").exists()


@pytest.mark.req("SEC-04")
def test_a_required_user_cannot_turn_two_factor_off():
    from zhilian.accounts import twofactor

    client = sign_in_fully("city")
    client.post(reverse("accounts:two_factor_disable"))
    assert twofactor.is_enrolled(User.objects.get(username="city"))


@pytest.mark.req("SEC-04")
def test_the_token_endpoint_asks_two_factor_accounts_for_the_code(no_otp_backoff):
    client = Client(REMOTE_ADDR="10.8.3.3")
    response = client.post(TOKEN, {"username": "city", "password": DEMO_PASSWORD}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "otp_required"
    response = client.post(TOKEN, {"username": "city", "password": DEMO_PASSWORD, "otp": "000000"},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "otp_invalid"
    response = client.post(TOKEN, {"username": "city", "password": DEMO_PASSWORD, "otp": next_code_for("city")},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["token"]


@pytest.mark.req("SEC-04")
def test_an_unfinished_second_step_expires():
    client, _response = sign_in("city")
    session = client.session
    session["zl_2fa_pending"]["at"] = time.time() - 301
    session.save()
    response = client.post(reverse("accounts:login_verify"), {"code": next_code_for("city")})
    assert response["Location"] == reverse("accounts:login") and not signed_in(client)


@pytest.mark.req("SEC-04")
def test_django_admin_sign_in_goes_through_the_platform_sign_in(settings):
    from django.contrib import admin

    response = admin.site.login(Client().get("/").wsgi_request)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert settings.ZHILIAN_ADMIN_ENABLED is False


# --------------------------------------------------------------------------- SEC-05 separated duties


@pytest.mark.req("SEC-05")
def test_no_role_both_acts_and_reads_or_erases_the_audit_log():
    from zhilian.accounts.roles import declared

    for role, perms in declared().items():
        assert not any(p.startswith(("core.change_auditevent", "core.delete_auditevent", "core.add_auditevent"))
                       for p in perms), role
        if "core.view_auditevent" in perms:
            acting = [p for p in perms if p.split(".")[1].startswith(("add_", "change_", "delete_"))
                      or p in ("accounts.assign_roles", "accounts.security_user")]
            assert not acting, f"{role} reads the audit log and also acts: {acting}"


@pytest.mark.req("SEC-05")
def test_the_system_administrator_keeps_accounts_but_neither_assigns_roles_nor_reads_the_audit(client_as, persona):
    client = client_as("sysadmin")
    form = client.get(reverse("accounts:user_add")).context["form"]
    assert "roles" not in form.fields and "username" in form.fields
    assert client.get(reverse("core:audit_list")).status_code == 403
    assert client.get(reverse("accounts:user_edit", args=[persona("sysadmin").pk])).status_code == 404  # not oneself
    assert client.get(reverse("accounts:user_security", args=[persona("owner").pk])).status_code == 403


@pytest.mark.req("SEC-05")
def test_the_security_administrator_assigns_roles_but_never_to_itself(client_as, persona):
    client = client_as("secadmin")
    owner = persona("member")
    form = client.get(reverse("accounts:user_edit", args=[owner.pk])).context["form"]
    assert "roles" in form.fields and "username" not in form.fields
    response = client.post(reverse("accounts:user_edit", args=[owner.pk]), {"roles": ["enterprise", "industry_org"]})
    assert response.status_code == 302
    assert User.objects.get(pk=owner.pk).role_codes == {"enterprise", "industry_org"}
    response = client.post(reverse("accounts:user_edit", args=[owner.pk]), {"roles": ["audit_admin", "system_admin"]})
    assert response.status_code == 200 and response.context["form"].errors["roles"]
    assert client.get(reverse("accounts:user_edit", args=[persona("secadmin").pk])).status_code == 404
    assert client.get(reverse("core:audit_list")).status_code == 403


@pytest.mark.req("SEC-05")
def test_the_security_administrator_unlocks_and_resets_second_factors(client_as, persona):
    from zhilian.accounts import twofactor

    target = persona("district")
    User.objects.filter(pk=target.pk).update(locked_until=timezone.now() + datetime.timedelta(minutes=20))
    client = client_as("secadmin")
    url = reverse("accounts:user_security", args=[target.pk])
    assert "locked" in client.get(url).content.decode().lower() or "锁定" in client.get(url).content.decode()
    client.post(url, {"action": "unlock"})
    assert not User.objects.get(pk=target.pk).is_locked
    client.post(url, {"action": "reset_two_factor"})
    assert not twofactor.is_enrolled(target)
    events = AuditEvent.objects.filter(object_id=str(target.pk), action=AuditAction.SECURITY, actor_name="secadmin")
    assert events.count() >= 2
    assert client.get(reverse("accounts:user_security", args=[persona("secadmin").pk])).status_code == 404


@pytest.mark.req("SEC-05")
def test_no_administrator_disables_demotes_or_re_roles_another_administrator(client_as, persona):
    secadmin, auditor, sysadmin = persona("secadmin"), persona("auditor"), persona("sysadmin")
    system = client_as("sysadmin")
    for target in (secadmin, auditor):
        url = reverse("accounts:user_edit", args=[target.pk])
        assert system.get(url).status_code == 404
        response = system.post(url, {"username": target.username, "full_name": target.full_name,
                                     "organization": target.organization_id, "_version": ""})  # is_active left off
        assert response.status_code == 404
        assert User.objects.get(pk=target.pk).is_active
    users_page = system.get(reverse("accounts:user_list")).content.decode()
    assert reverse("accounts:user_edit", args=[secadmin.pk]) not in users_page
    assert reverse("accounts:user_edit", args=[persona("member").pk]) in users_page
    security = client_as("secadmin")
    for target in (sysadmin, auditor):
        response = security.post(reverse("accounts:user_edit", args=[target.pk]), {"roles": ["enterprise"]})
        assert response.status_code == 404
        assert User.objects.get(pk=target.pk).role_codes == {next(iter(target.role_codes))}
    # The security administrator still unlocks another administrator; a superuser keeps their accounts.
    User.objects.filter(pk=sysadmin.pk).update(locked_until=timezone.now() + datetime.timedelta(minutes=20))
    security.post(reverse("accounts:user_security", args=[sysadmin.pk]), {"action": "unlock"})
    assert not User.objects.get(pk=sysadmin.pk).is_locked
    root = User.objects.create_superuser("root-admin", password="Bootstrap-Only-7q")
    assert set(User.objects.restrict(root, "change").filter(pk__in=[secadmin.pk, auditor.pk])) == {secadmin, auditor}


@pytest.mark.req("SEC-05")
def test_the_audit_administrator_only_reads(client_as, persona):
    auditor = persona("auditor")
    assert not any(p.split(".")[1].startswith(("add_", "change_", "delete_")) for p in auditor.get_all_permissions())
    client = client_as("auditor")
    assert client.get(reverse("core:audit_list")).status_code == 200
    assert client.post(reverse("core:audit_list")).status_code == 405
    assert client.get(reverse("accounts:user_add")).status_code == 403


@pytest.mark.req("SEC-02")
def test_the_scheduler_prunes_sign_in_attempts_older_than_a_day(db):
    import datetime

    from django.utils import timezone

    from zhilian.accounts.models import SignInAttempt
    from zhilian.accounts.tasks import prune_signin_attempts

    old = SignInAttempt.objects.create(username="old", outcome="bad_credentials",
                                       at=timezone.now() - datetime.timedelta(days=2))
    recent = SignInAttempt.objects.create(username="recent", outcome="bad_credentials")
    prune_signin_attempts.call_local()
    assert not SignInAttempt.objects.filter(pk=old.pk).exists()
    assert SignInAttempt.objects.filter(pk=recent.pk).exists()


@pytest.mark.req("SEC-04")
@pytest.mark.req("PLT-10")
def test_the_security_page_names_the_roles_that_must_use_two_factor_sign_in(client_as, settings):
    settings.ZHILIAN_2FA_REQUIRED_ROLES = ["security_admin", "city_regulator"]
    client = client_as("secadmin")
    row = client.get(reverse("accounts:security")).content.decode().split("ZHILIAN_2FA_REQUIRED_ROLES")[0]
    row = row.rsplit("<tr>", 1)[1]
    assert "安全管理员" in row and "市市场监管局" in row and "、" in row
    assert "security_admin" not in row and "city_regulator" not in row
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    row = client.get(reverse("accounts:security")).content.decode().split("ZHILIAN_2FA_REQUIRED_ROLES")[0]
    row = row.rsplit("<tr>", 1)[1]
    assert "、" not in row and ", " in row and "security_admin" not in row
