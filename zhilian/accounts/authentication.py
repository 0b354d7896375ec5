"""How the API authenticates its callers (SEC-01, SEC-03).

The API answers a caller the same rules the pages apply: an account whose password has
expired, or that still holds the initial password an administrator gave it, can do nothing
until the password is changed on the web (``/accounts/password/``). Both classes are the
``DEFAULT_AUTHENTICATION_CLASSES`` of ``REST_FRAMEWORK`` in settings.
"""

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


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's ``Authorization: Token …``, refused while the password must be changed."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        refuse_until_password_changed(user)
        return user, token


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
