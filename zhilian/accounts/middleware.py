"""Session limits and the forced password change (SEC-01, SEC-03)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.urls import reverse
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _

from zhilian.core import i18n

from . import sessions

TOUCH_EVERY_SECONDS = 60  # write the session at most once a minute for the idle clock

# Paths a user who must change the password may still reach.
_OPEN_PREFIXES = ("/static/", "/i18n/", "/jsi18n/", "/accounts/logout/", "/accounts/password/", "/api/")


def _unwrapped(user):
    """The account behind the lazy wrappers the authentication and OTP middleware put on the
    request: every request reads it here anyway, and each attribute read through a wrapper
    costs a few Python calls (a page reads the account hundreds of times: menus, scopes,
    templates)."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


class SessionSecurityMiddleware:
    """End sessions idle for ``ZHILIAN_SESSION_IDLE_MINUTES`` or older than
    ``ZHILIAN_SESSION_MAX_HOURS``; send users whose password expired (or who were given an
    initial password) to the password change page before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None:
            user = request.user = _unwrapped(user)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            ended = self._check_limits(request, user)
            if ended is not None:
                return ended
            if (user.must_change_password or user.password_expired) and not request.path.startswith(_OPEN_PREFIXES):
                if request.method == "GET":
                    messages.warning(request, _("Your password has expired. Choose a new one to continue.")
                                     if user.password_expired else _("Choose your own password to continue."))
                return self._redirect(request, reverse("accounts:password_change"))
        return self.get_response(request)

    def _check_limits(self, request, user):
        session = request.session
        now = time.time()
        auth_at = session.get(sessions.AUTH_AT)
        last_seen = session.get(sessions.LAST_SEEN)
        if auth_at is None or last_seen is None:
            # A session made without the sign-in page (tests' force_login): start its clocks.
            sessions.track(request, user)
            return None
        reason = None
        # kept translatable: the sign-out's audit record reads in the reader's language (PLT-10)
        if now - last_seen > settings.ZHILIAN_SESSION_IDLE_MINUTES * 60:
            reason = i18n.gettext("You were signed out after %(n)d minutes without activity.") % {
                "n": settings.ZHILIAN_SESSION_IDLE_MINUTES}
        elif now - auth_at > settings.ZHILIAN_SESSION_MAX_HOURS * 3600:
            reason = i18n.gettext("You were signed out: a session lasts at most %(n)d hours.") % {
                "n": settings.ZHILIAN_SESSION_MAX_HOURS}
        if reason is not None:
            from .models import UserSession

            key = session.session_key
            request.logout_reason = reason
            logout(request)
            UserSession.objects.filter(session_key=key).delete()
            if request.path.startswith("/api/"):
                return None  # the API answers 401/403 for the now anonymous request
            messages.warning(request, reason)
            return self._redirect(request, None)
        if now - last_seen > TOUCH_EVERY_SECONDS:
            session[sessions.LAST_SEEN] = now
            from django.utils import timezone

            from .models import UserSession

            UserSession.objects.filter(session_key=session.session_key).update(last_seen=timezone.now())
        return None

    @staticmethod
    def _redirect(request, url):
        if url is None:
            target = request.get_full_path() if request.method == "GET" else "/"
            response = redirect_to_login(target)
        else:
            from django.http import HttpResponseRedirect

            response = HttpResponseRedirect(url)
        if getattr(request, "htmx", False):
            # htmx would swap the sign-in page into a fragment: make the browser navigate.
            hx = HttpResponse(status=204)
            hx["HX-Redirect"] = response["Location"]
            return hx
        return response
