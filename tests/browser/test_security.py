"""The security baseline as a new user meets it in the browser (SEC-02, SEC-04, SEC-07, SEC-10).

Each test runs against a live server whose database is flushed and reloaded with the demo
data around it (``demo_data_tx``), so a locked account or a new user does not outlive it;
the lockout test still unlocks through the security administrator's page, and resets the
account in a ``finally`` in case an assertion stops it half way.
"""

import re

import pytest

from tests.browser.conftest import totp_code_for_secret
from zhilian.accounts.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

WRONG_PASSWORD = "Zhilian@2025"


def fresh_page(browser):
    """A browser with no cookies, as someone arriving at the sign-in page for the first time."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    return pg


def submit_password(pg, site, username, password):
    pg.goto(f"{site}/accounts/login/")
    pg.fill("#id_username", username)
    pg.fill("#id_password", password)
    pg.click("#login-submit")
    pg.wait_for_load_state("networkidle")


def session_cookie(pg):
    return [c for c in pg.context.cookies() if c["name"] == "sessionid"]


@pytest.mark.req("SEC-02")
@pytest.mark.req("SEC-05")
def test_five_wrong_passwords_lock_the_account_until_the_security_administrator_unlocks_it(
        browser, login, site, shot):
    from zhilian.accounts.models import User
    from zhilian.accounts.twofactor import is_needed

    member = User.objects.get(username="member")
    assert not is_needed(member)  # an enterprise account: password only, so the lock is the password's
    stranger = fresh_page(browser)
    try:
        for attempt in range(1, 5):
            submit_password(stranger, site, "member", WRONG_PASSWORD)
            error = stranger.locator("#login-error")
            assert "用户名或密码错误" in error.inner_text(), attempt
            assert "5 次" in error.inner_text()  # the user is told how many tries there are
        submit_password(stranger, site, "member", WRONG_PASSWORD)
        assert "已被锁定" in stranger.locator("#login-error").inner_text()
        shot("security-01-locked", target=stranger)

        # While locked even the right password is refused, and no session is started.
        submit_password(stranger, site, "member", DEMO_PASSWORD)
        assert "/accounts/login/" in stranger.url
        assert "已被锁定" in stranger.locator("#login-error").inner_text()
        assert "请安全管理员解锁" in stranger.locator("#login-error").inner_text()
        assert not session_cookie(stranger)
        stranger.goto(f"{site}/")
        assert "/accounts/login/" in stranger.url
        member.refresh_from_db()
        assert member.is_locked

        # The security administrator sees the locked account and unlocks it.
        page = login("secadmin")
        page.goto(f"{site}/accounts/security/")
        locked = page.locator("#locked-list a", has_text="member")
        assert locked.count() == 1
        locked.click()
        page.wait_for_url(re.compile(r"/accounts/users/\d+/security/$"))
        assert "已锁定" in page.locator("#lock-status").inner_text()
        assert page.locator("#attempt-table tr", has_text="用户名或密码错误").count() == 5
        assert page.locator("#attempt-table tr", has_text="拒绝：账号已锁定").count() == 1
        page.click("#action-unlock")
        page.wait_for_load_state("networkidle")
        assert "账号已解锁" in page.locator(".zl-messages").inner_text()
        assert page.locator("#lock-status").inner_text().strip() == "正常"
        shot("security-02-unlocked")

        # Now the right password lets the user in.
        submit_password(stranger, site, "member", DEMO_PASSWORD)
        assert "/accounts/login/" not in stranger.url
        assert session_cookie(stranger)
        assert "翔光玻璃 品质经理" in stranger.locator("#user-menu").inner_text()
    finally:
        stranger.context.close()
        User.objects.filter(username="member").update(locked_until=None, failed_login_count=0)


NEW_USER = "xa_lixm"
NEW_USER_NAME = "翔安区局 李晓明"
INITIAL_PASSWORD = "Chushi#2026xa"
OWN_PASSWORD = "Xm-Guanlan#2026"  # not the name (李晓明 = lixiaoming) with digits added


@pytest.mark.req("SEC-04")
@pytest.mark.req("SEC-05")
@pytest.mark.req("SEC-01")
def test_a_new_regulator_sets_up_two_factor_sign_in_at_the_first_sign_in(browser, login, site, shot):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from zhilian.accounts.models import User

    # The system administrator opens the account; only the security administrator may give it a role.
    page = login("sysadmin")
    page.goto(f"{site}/accounts/users/add/")
    assert page.locator("input[name=roles]").count() == 0
    page.fill("#id_username", NEW_USER)
    page.fill("#id_full_name", NEW_USER_NAME)
    page.select_option("#id_organization", label="厦门市翔安区市场监督管理局")
    page.fill("#id_password", INITIAL_PASSWORD)
    page.click("#save")
    page.wait_for_url(re.compile(r"/accounts/users/$"))
    new_user = User.objects.get(username=NEW_USER)
    assert not TOTPDevice.objects.filter(user=new_user).exists()

    page.context.clear_cookies()
    page = login("secadmin")
    page.goto(f"{site}/accounts/users/{new_user.pk}/edit/")
    page.check("input[name=roles][value=district_regulator]")
    page.click("#save")
    page.wait_for_url(re.compile(r"/accounts/users/$"))
    page.goto(f"{site}/accounts/security/")
    assert page.locator("li", has_text=NEW_USER).count() == 1  # must still set up two-factor sign-in

    # The new user signs in with the initial password and is asked to set up an authenticator.
    newcomer = fresh_page(browser)
    try:
        submit_password(newcomer, site, NEW_USER, INITIAL_PASSWORD)
        assert "/accounts/login/two-factor/" in newcomer.url
        assert NEW_USER in newcomer.locator("#enrol-required").inner_text()
        assert newcomer.locator("#totp-qr svg").count() == 1
        secret = newcomer.get_attribute("#totp-secret", "data-secret")
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        shot("security-03-two-factor-enrolment", target=newcomer)

        # Nothing before the second factor: the home page still asks for a sign-in.
        newcomer.goto(f"{site}/")
        assert "/accounts/login/" in newcomer.url
        newcomer.goto(f"{site}/accounts/login/two-factor/")
        assert newcomer.get_attribute("#totp-secret", "data-secret") == secret  # same secret on the way back

        right = totp_code_for_secret(secret)
        newcomer.fill("#id_code", f"{(int(right) + 500000) % 1000000:06d}")
        newcomer.click("#enrol-submit")
        newcomer.wait_for_load_state("networkidle")
        assert "/accounts/login/two-factor/" in newcomer.url
        assert "验证码不匹配" in newcomer.locator("#id_code ~ .invalid-feedback, .invalid-feedback").first.inner_text()
        assert not TOTPDevice.objects.filter(user=new_user).exists()
        shot("security-04-two-factor-wrong-code", target=newcomer)

        newcomer.fill("#id_code", totp_code_for_secret(secret))
        newcomer.click("#enrol-submit")
        newcomer.wait_for_load_state("networkidle")
        # Signed in; with an initial password the first stop is choosing one's own.
        assert "/accounts/password/" in newcomer.url
        assert NEW_USER_NAME in newcomer.locator("#user-menu").inner_text()
        assert newcomer.locator("#password-forced").is_visible()
        assert TOTPDevice.objects.filter(user=new_user, confirmed=True).count() == 1

        newcomer.fill("#id_old_password", INITIAL_PASSWORD)
        newcomer.fill("#id_new_password1", OWN_PASSWORD)
        newcomer.fill("#id_new_password2", OWN_PASSWORD)
        newcomer.click("#password-submit")
        newcomer.wait_for_url(re.compile(r"/accounts/profile/$"))
        newcomer.goto(f"{site}/")
        assert newcomer.url.rstrip("/") == site.rstrip("/")
        assert NEW_USER_NAME in newcomer.locator("#user-menu").inner_text()
        shot("security-05-signed-in-after-enrolment", target=newcomer)
    finally:
        newcomer.context.close()


EXPERT = "林晓燕"
EXPERT_MOBILE = "13806022345"  # zhilian/directory/demo.py
EXPERT_MOBILE_MASKED = "138****2345"


@pytest.mark.req("SEC-07")
@pytest.mark.req("SEC-06")
def test_numbers_are_masked_and_a_reveal_is_recorded_in_the_audit_log(login, site, shot):
    from zhilian.core.models import AuditAction, AuditEvent
    from zhilian.directory.models import Expert

    expert = Expert.objects.get(name=EXPERT)
    assert expert.mobile == EXPERT_MOBILE and expert.id_number
    url = f"{site}/directory/experts/{expert.pk}/"

    # A district bureau may read the expert library but not unmask: numbers masked, no button.
    page = login("district")
    page.goto(url)
    body = page.locator("body").inner_text()
    assert EXPERT_MOBILE_MASKED in body
    assert EXPERT_MOBILE not in body and EXPERT_MOBILE not in page.content()
    assert expert.id_number not in page.content()
    assert page.locator(".zl-unmask").count() == 0
    shot("security-06-masked-district")

    # The city bureau sees the same masked number, with a button to reveal it.
    page.context.clear_cookies()
    page = login("city")
    page.goto(url)
    assert EXPERT_MOBILE not in page.content()
    button = page.locator(".zl-unmask[data-field=mobile]")
    assert button.count() == 1
    wrap = page.locator(".zl-personal-wrap", has=button)
    assert EXPERT_MOBILE_MASKED in wrap.inner_text()
    assert not AuditEvent.objects.filter(action=AuditAction.UNMASK).exists()
    shot("security-07-masked-city")
    button.click()
    revealed = page.locator(".zl-unmasked[data-field=mobile]")
    revealed.wait_for()
    assert revealed.inner_text().strip() == EXPERT_MOBILE
    assert page.locator(".zl-unmask[data-field=mobile]").count() == 0  # swapped in place, no reload
    assert expert.id_number not in page.content()  # one number at a time
    shot("security-08-unmasked-city")

    # The audit administrator finds the reveal: who, which record, which field.
    page.context.clear_cookies()
    page = login("auditor")
    page.goto(f"{site}/audit/?action=unmask&actor=city")
    rows = page.locator("#audit-table tbody tr")
    assert rows.count() == 1
    assert EXPERT in rows.first.inner_text()
    assert "city" in rows.first.inner_text()
    shot("security-09-unmask-audited")
    event = AuditEvent.objects.get(action=AuditAction.UNMASK)
    assert (event.actor_name, event.content_type.model, event.object_id) == ("city", "expert", str(expert.pk))


ORGANIZATION = "厦门翔光玻璃基板有限公司"


@pytest.mark.req("SEC-10")
def test_a_stale_edit_is_refused_and_keeps_both_entries(login, site, shot):
    from zhilian.directory.models import Organization

    org = Organization.objects.get(name=ORGANIZATION)
    original_address = org.address
    first_address = "厦门市翔安区舫山南路 100 号（第一位编辑）"
    second_address = "厦门市翔安区翔星路 200 号（第二位编辑）"
    edit_url = f"{site}/directory/organizations/{org.pk}/edit/"

    first = login("city")
    second = first.context.new_page()  # a second tab, opened before the first one saves
    first.goto(edit_url)
    second.goto(edit_url)
    assert first.input_value("#id_address") == original_address

    first.fill("#id_address", first_address)
    first.click("#save")
    first.wait_for_url(re.compile(rf"/directory/organizations/{org.pk}/$"))
    org.refresh_from_db()
    assert org.address == first_address
    assert org.contact_phone and "*" not in org.contact_phone  # the masked phone in the form was not written back

    second.fill("#id_address", second_address)
    second.click("#save")
    second.wait_for_load_state("networkidle")
    assert second.url.endswith(f"/directory/organizations/{org.pk}/edit/")
    refusal = second.locator("#stale-edit")
    assert refusal.is_visible()
    assert "未保存：此记录已被他人修改" in refusal.inner_text()
    differences = second.locator("#stale-differences tbody tr")
    assert differences.count() == 1
    assert first_address in differences.first.inner_text() and second_address in differences.first.inner_text()
    assert second.input_value("#id_address") == second_address  # the second entry is not lost
    shot("security-10-stale-edit-refused", target=second)
    org.refresh_from_db()
    assert org.address == first_address  # the first save stands

    # Saving again from the same stale form is still refused until the user chooses.
    second.click("#save")
    second.wait_for_load_state("networkidle")
    assert second.locator("#stale-edit").is_visible()
    org.refresh_from_db()
    assert org.address == first_address
