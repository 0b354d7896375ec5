"""Security records and a consortium review's record read in the reader's language (SEC-02,
SEC-03, CON-01, PLT-03, PLT-10): they were stored as text rendered in the language of the
request that made them (Django's gettext, an f-string of labels), so the audit log and the
history showed them in that language to everyone. They are kept as core.i18n texts now; rows
written before read as written."""

import html

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from zhilian.accounts import services
from zhilian.accounts.models import User
from zhilian.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def _in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _latest(user, action=AuditAction.SECURITY) -> AuditEvent:
    return AuditEvent.objects.filter(action=action, content_type__model="user", object_id=str(user.pk)).latest("pk")


def _shown(event, language) -> str:
    with translation.override(language):
        return event.message_shown


@pytest.mark.req("SEC-02")
@pytest.mark.req("PLT-10")
def test_an_unlock_made_in_chinese_reads_in_english_in_the_audit_log(persona, client_as):
    target = persona("member")
    with translation.override("zh-hans"):
        services.user_unlock(user=persona("secadmin"), target=target)
    event = _latest(target)
    assert _shown(event, "en") == "Account unlocked"
    assert _shown(event, "zh-hans") == "账号已解锁"
    page = html.unescape(_in(client_as("auditor"), "en").get(reverse("core:audit_detail", args=[event.pk]))
                         .content.decode())
    assert "Account unlocked" in page and "账号已解锁" not in page


@pytest.mark.req("SEC-03")
@pytest.mark.req("PLT-10")
def test_a_password_change_and_a_disabled_account_read_in_the_readers_language(persona):
    target = persona("member")
    with translation.override("en"):
        target.set_password("Another@2026pass")
        target.save()
    changed = _latest(target)
    assert _shown(changed, "zh-hans").startswith("密码已修改；")
    assert _shown(changed, "en").startswith("Password changed; ")
    with translation.override("zh-hans"):
        user = User.objects.get(pk=target.pk)
        user.is_active = False
        user.save()
    disabled = _latest(target)
    assert _shown(disabled, "en").startswith("Account disabled; ")
    assert _shown(disabled, "zh-hans").startswith("账号已停用；")


@pytest.mark.req("SEC-02")
@pytest.mark.req("PLT-10")
def test_a_two_factor_reset_reads_in_the_readers_language(persona):
    target = persona("member")
    with translation.override("zh-hans"):
        services.user_reset_two_factor(user=persona("secadmin"), target=target)
    event = _latest(target)
    assert _shown(event, "en") == "Two-factor sign-in reset"
    assert _shown(event, "zh-hans") == "已重置双因素登录"


@pytest.mark.req("CON-01")
@pytest.mark.req("PLT-03")
@pytest.mark.req("PLT-10")
def test_a_consortium_review_made_in_chinese_reads_in_english_in_the_history(persona, client_as):
    from zhilian.consortia import services as consortia
    from zhilian.consortia.choices import ConsortiumStatus, ReviewDecision
    from zhilian.consortia.models import Consortium

    pending = Consortium.objects.get(status=ConsortiumStatus.DISTRICT_REVIEW)
    with translation.override("zh-hans"):
        consortia.consortium_review(user=persona("district"), consortium=pending, decision=ReviewDecision.RETURN,
                                    opinion="请补充成员分工。")
    event = AuditEvent.objects.filter(content_type__model="consortium", object_id=str(pending.pk),
                                      action="transition").latest("pk")
    english = "District quality office review: Return for revision — 请补充成员分工。"
    assert _shown(event, "en") == english
    with translation.override("zh-hans"):
        from zhilian.consortia.choices import ReviewStep

        chinese = f"{ReviewStep.DISTRICT.label}：{ReviewDecision.RETURN.label} — 请补充成员分工。"
    assert _shown(event, "zh-hans") == chinese
    history = html.unescape(_in(client_as("owner"), "en").get(
        reverse("core:history", args=["consortia.consortium", pending.pk])).content.decode())
    assert english in history


@pytest.mark.req("PLT-10")
def test_records_written_before_read_as_written(persona, client_as):
    from zhilian.core import audit

    target = persona("member")
    # a record as they were kept before: the text rendered in the language of the request
    audit.write(action=AuditAction.SECURITY, instance=target, user=persona("secadmin"), message="账号已解锁")
    event = _latest(target)
    assert event.message == "账号已解锁"
    assert _shown(event, "en") == "账号已解锁"
    page = html.unescape(_in(client_as("auditor"), "en").get(reverse("core:audit_detail", args=[event.pk]))
                         .content.decode())
    assert "账号已解锁" in page


@pytest.mark.req("SEC-02")
@pytest.mark.req("PLT-10")
def test_a_refused_and_a_wrong_code_sign_in_read_in_the_readers_language(persona):
    from zhilian.accounts import signin
    from zhilian.accounts.models import SignInAttempt

    with translation.override("zh-hans"):
        signin.register_refusal("nobody-h7", None, signin.Refusal("rate_limited"))
        signin.register_failure("member", None, outcome=SignInAttempt.Outcome.BAD_OTP)
    refused = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, object_repr="nobody-h7").latest("pk")
    assert _shown(refused, "en") == "Web page: Refused: too many attempts"
    wrong_code = _latest(persona("member"), AuditAction.LOGIN_FAILED)
    assert _shown(wrong_code, "en") == "Web page: Wrong verification code"
    with translation.override("zh-hans"):
        assert _shown(wrong_code, "zh-hans") == f"网页: {SignInAttempt.Outcome.BAD_OTP.label}"


@pytest.mark.req("SEC-03")
@pytest.mark.req("PLT-10")
def test_an_idle_sign_out_reads_in_the_readers_language(persona, client_as):
    import time

    client = _in(client_as("member"), "zh-hans")
    client.get("/directory/organizations/")  # the session's clocks start
    session = client.session
    session["zl_last_seen"] = time.time() - 31 * 60
    session.save()
    assert client.get("/directory/organizations/").status_code == 302
    event = _latest(persona("member"), AuditAction.LOGOUT)
    assert _shown(event, "en") == "You were signed out after 30 minutes without activity."
    assert "30" in _shown(event, "zh-hans") and "minutes" not in _shown(event, "zh-hans")
