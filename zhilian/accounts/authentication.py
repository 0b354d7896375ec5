"""How the API authenticates its callers (SEC-01, SEC-03).

The API applies the rules the pages apply: an account whose password has expired, or that
still holds the initial password an administrator gave it, can do nothing until the
password is changed on the web (``/accounts/password/``). An API token ends, like a
session, after an absolute lifetime (``ZHILIAN_API_TOKEN_MAX_AGE_DAYS``) and after a time
without use (``ZHILIAN_API_TOKEN_IDLE_HOURS``); the caller then asks
``POST /api/v1/auth/token/`` for a new one. Both classes are the
``DEFAULT_AUTHENTICATION_CLASSES`` of ``REST_FRAMEWORK`` in settings.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular import authentication as openapi_authentication
from rest_framework import authentication, exceptions, status


class PasswordChangeRequired(exceptions.APIException):
    """403 ``password_change_required``: the password must be changed on the web first."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "password_change_required"

    def __init__(self, user):
        message = (_("The password of this account has expired. Change it on the web (/accounts/password/) "
                     "before using the API.") if user.password_expired
                   else _("This account still has its initial password. Change it on the web "
                          "(/accounts/password/) before using the API."))
        super().__init__({"detail": message, "code": self.default_code})


def refuse_until_password_changed(user) -> None:
    """Raise :class:`PasswordChangeRequired` while ``user`` must change the password."""
    if user is not None and (user.must_change_password or user.password_expired):
        raise PasswordChangeRequired(user)


TOUCH_EVERY_SECONDS = 60  # record a token's use at most once a minute (the idle clock)


def token_expiry(token, last_used=None) -> tuple[datetime.datetime | None, str]:
    """When ``token`` ends and why ("age" or "idle"); (None, "") when neither limit is set."""
    ends = []
    if settings.ZHILIAN_API_TOKEN_MAX_AGE_DAYS:
        ends.append((token.created + datetime.timedelta(days=settings.ZHILIAN_API_TOKEN_MAX_AGE_DAYS), "age"))
    if settings.ZHILIAN_API_TOKEN_IDLE_HOURS:
        last = last_used or _last_used(token)
        ends.append((last + datetime.timedelta(hours=settings.ZHILIAN_API_TOKEN_IDLE_HOURS), "idle"))
    return min(ends, key=lambda end: end[0]) if ends else (None, "")


def _last_used(token):
    from .models import TokenUse

    try:
        return token.use.last_used
    except TokenUse.DoesNotExist:
        return token.created


def is_current(token) -> bool:
    ends, _reason = token_expiry(token)
    return ends is None or ends > timezone.now()


def record_use(token, now=None) -> None:
    """Restart the idle clock of ``token`` (at most one write a minute)."""
    from .models import TokenUse

    now = now or timezone.now()
    if (now - _last_used(token)).total_seconds() >= TOUCH_EVERY_SECONDS or not hasattr(token, "use"):
        TokenUse.objects.update_or_create(token=token, defaults={"last_used": now})


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's ``Authorization: Token …``; refused past the token's age or idle limit (401
    ``token_expired``) and while the password must be changed (403)."""

    def authenticate_credentials(self, key):
        from .selectors import api_token

        token = api_token(key)  # kept until a token, its use or the account changes
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        ends, reason = token_expiry(token)
        if ends is not None and ends <= now:
            token.delete()  # dead anyway; the next POST /api/v1/auth/token/ issues a fresh one
            message = (_("This API token has expired: tokens last %(n)d days. Ask POST /api/v1/auth/token/ for "
                         "a new one.") % {"n": settings.ZHILIAN_API_TOKEN_MAX_AGE_DAYS} if reason == "age" else
                       _("This API token has expired: it was not used for %(n)d hours. Ask POST "
                         "/api/v1/auth/token/ for a new one.") % {"n": settings.ZHILIAN_API_TOKEN_IDLE_HOURS})
            raise exceptions.AuthenticationFailed({"detail": message, "code": "token_expired"})
        refuse_until_password_changed(token.user)
        record_use(token, now)
        return token.user, token


class SessionAuthentication(authentication.SessionAuthentication):
    """The platform's own pages calling the API: the same rule as for tokens."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None:
            refuse_until_password_changed(found[0])
        return found


class SessionScheme(openapi_authentication.SessionScheme):
    """Document the session class in the schema as drf-spectacular documents DRF's own."""

    target_class = SessionAuthentication
