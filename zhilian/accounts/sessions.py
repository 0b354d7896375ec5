"""Signed-in sessions: tracked so they can be listed and ended (SEC-03)."""

import time
from importlib import import_module

from django.conf import settings
from django.utils import timezone

from zhilian.core.context import client_ip

AUTH_AT = "zl_auth_at"
LAST_SEEN = "zl_last_seen"


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def track(request, user) -> None:
    """Remember the session just signed in (or re-keyed after a password change)."""
    from .models import UserSession

    session = request.session
    now = time.time()
    session.setdefault(AUTH_AT, now)
    session[LAST_SEEN] = now
    if session.session_key is None:
        session.save()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={"user": user, "last_seen": timezone.now(), "ip_address": client_ip(request),
                  "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255]},
    )


def end(user, *, keep_key: str | None = None) -> int:
    """End every session of ``user`` (but ``keep_key``) in whatever session store is configured."""
    from .models import UserSession

    store = _store()
    ended = 0
    for row in UserSession.objects.filter(user=user).exclude(session_key=keep_key or ""):
        store(session_key=row.session_key).delete()
        row.delete()
        ended += 1
    return ended


def end_one(user, session_key: str) -> bool:
    from .models import UserSession

    row = UserSession.objects.filter(user=user, session_key=session_key).first()
    if row is None:
        return False
    _store()(session_key=row.session_key).delete()
    row.delete()
    return True


def revoke_tokens(user) -> int:
    from rest_framework.authtoken.models import Token

    deleted, _detail = Token.objects.filter(user=user).delete()
    return deleted
