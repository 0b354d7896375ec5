"""Lockout and rate limits for every way of signing in (SEC-02).

The authentication backend (``backends.LockoutBackend``) asks :func:`refusal` before it
checks a password, and reports failures with :func:`register_failure`; the sign-in page and
the token endpoint report the completed sign-in with :func:`register_success`. State lives
in the database (``User.locked_until``, ``SignInAttempt``) so that every web worker and the
API agree, on SQLite and PostgreSQL alike.

- 5 consecutive failures (wrong password or wrong verification code) lock the account for
  30 minutes; while locked even the right password is refused. A user name that has no
  account is "locked" the same way, so the answers do not reveal which accounts exist.
- At most 10 attempts per account name and 20 failures per address in 5 minutes. A
  two-factor sign-in counts once; requests refused unchecked (locked, rate-limited) do not count.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from zhilian.core import audit, i18n
from zhilian.core.models import AuditAction

from .models import SignInAttempt, User


@dataclass
class Refusal:
    """Why a sign-in was refused before the password was even checked."""

    code: str  # "locked" | "rate_limited"
    until: datetime.datetime | None = None

    @property
    def message(self) -> str:
        if self.code == "locked":
            until = time_format(timezone.localtime(self.until), "H:i") if self.until else ""
            return _("This account is locked after %(n)d failed sign-ins. Try again after %(time)s, "
                     "or ask the security administrator to unlock it.") % {
                "n": settings.ZHILIAN_LOGIN_MAX_FAILURES, "time": until}
        return _("Too many sign-in attempts. Wait a few minutes and try again.")


def _window_start():
    return timezone.now() - datetime.timedelta(seconds=settings.ZHILIAN_SIGNIN_WINDOW_SECONDS)


def _lockout():
    return datetime.timedelta(minutes=settings.ZHILIAN_LOCKOUT_MINUTES)


def find_user(username: str) -> User | None:
    return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first() if username else None


def refusal(username: str, ip: str | None) -> Refusal | None:
    """Return why an attempt for ``username`` from ``ip`` must be refused now, or None."""
    now = timezone.now()
    user = find_user(username)
    if user is not None:
        if user.locked_until and user.locked_until > now:
            return Refusal("locked", user.locked_until)
    else:
        recent = SignInAttempt.objects.filter(username=username, at__gte=now - _lockout(),
                                              outcome=SignInAttempt.Outcome.BAD_CREDENTIALS)
        if recent.count() >= settings.ZHILIAN_LOGIN_MAX_FAILURES:
            last = recent.order_by("-at").values_list("at", flat=True).first()
            return Refusal("locked", last + _lockout())
    window = _window_start()
    # Requests refused before the password was looked at are not attempts: counting them
    # would let the refusals themselves prolong the block.
    attempts = SignInAttempt.objects.filter(username=username, at__gte=window).exclude(
        outcome__in=[SignInAttempt.Outcome.LOCKED, SignInAttempt.Outcome.RATE_LIMITED])
    if attempts.count() >= settings.ZHILIAN_SIGNIN_MAX_PER_ACCOUNT:
        return Refusal("rate_limited")
    if ip and SignInAttempt.objects.filter(
        ip_address=ip, at__gte=window,
        outcome__in=[SignInAttempt.Outcome.BAD_CREDENTIALS, SignInAttempt.Outcome.BAD_OTP],
    ).count() >= settings.ZHILIAN_SIGNIN_MAX_FAILURES_PER_ADDRESS:
        return Refusal("rate_limited")
    return None


def record(username: str, ip: str | None, outcome: str, *, channel: str = "web", user=None) -> None:
    SignInAttempt.objects.create(username=username[:150], user=user, ip_address=ip, outcome=outcome, channel=channel)


def register_refusal(username: str, ip: str | None, refused: Refusal, *, channel: str = "web") -> None:
    outcome = SignInAttempt.Outcome.LOCKED if refused.code == "locked" else SignInAttempt.Outcome.RATE_LIMITED
    record(username, ip, outcome, channel=channel, user=find_user(username))
    audit.write(action=AuditAction.LOGIN_FAILED, object_repr=username[:150],
                message=SignInAttempt.channel_recorded(channel) + ": " + i18n.recorded(SignInAttempt.Outcome(outcome).label))


def register_failure(username: str, ip: str | None, *, channel: str = "web",
                     outcome: str = SignInAttempt.Outcome.BAD_CREDENTIALS) -> Refusal | None:
    """Count a failed attempt; lock the account at the limit. Return the lock, if it happened."""
    user = find_user(username)
    record(username, ip, outcome, channel=channel, user=user)
    limit = settings.ZHILIAN_LOGIN_MAX_FAILURES
    if user is None:
        recent = SignInAttempt.objects.filter(username=username, at__gte=timezone.now() - _lockout(),
                                              outcome=SignInAttempt.Outcome.BAD_CREDENTIALS).count()
        if recent == limit:
            audit.write(action=AuditAction.LOCKED, object_repr=username[:150],
                        message=i18n.gettext("%(n)d failed sign-ins") % {"n": limit})
            return Refusal("locked", timezone.now() + _lockout())
        return None
    User._default_manager.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
    count = User._default_manager.filter(pk=user.pk).values_list("failed_login_count", flat=True).get()
    if outcome == SignInAttempt.Outcome.BAD_OTP:
        audit.write(action=AuditAction.LOGIN_FAILED, instance=user, user=None,
                    message=SignInAttempt.channel_recorded(channel) + ": " + i18n.recorded(SignInAttempt.Outcome.BAD_OTP.label))
    if count >= limit:
        until = timezone.now() + _lockout()
        User._default_manager.filter(pk=user.pk).update(locked_until=until, failed_login_count=0)
        audit.write(action=AuditAction.LOCKED, instance=user, user=None,
                    message=i18n.gettext("%(n)d failed sign-ins; locked until %(until)s")
                    % {"n": count, "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")})
        return Refusal("locked", until)
    return None


def register_password_ok(user, ip: str | None, *, channel: str = "web") -> None:
    """The password was right but a second factor is still due: not a success yet."""
    record(user.get_username(), ip, SignInAttempt.Outcome.PASSWORD_OK, channel=channel, user=user)


def register_success(user, ip: str | None, *, channel: str = "web") -> None:
    """Every factor passed: reset the failure count.

    A two-factor sign-in is one attempt, not two: the password step's ``password_ok`` record
    becomes the ``ok`` one, so five sign-ins stay five attempts under the per-account limit.
    """
    pending = SignInAttempt.objects.filter(
        user=user, channel=channel, outcome=SignInAttempt.Outcome.PASSWORD_OK, at__gte=_window_start(),
    ).order_by("-at", "-id").values_list("pk", flat=True).first()
    if pending is not None:
        SignInAttempt.objects.filter(pk=pending).update(outcome=SignInAttempt.Outcome.OK)
    else:
        record(user.get_username(), ip, SignInAttempt.Outcome.OK, channel=channel, user=user)
    User._default_manager.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)


def prune(days: int = 1) -> int:
    """Drop attempts older than ``days`` (the audit log keeps the lasting record)."""
    deleted, _detail = SignInAttempt.objects.filter(at__lt=timezone.now() - datetime.timedelta(days=days)).delete()
    return deleted
