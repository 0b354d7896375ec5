"""The authentication backend: Django's ModelBackend behind the lockout (SEC-02)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from zhilian.core.context import client_ip

from . import roles, signin


class LockoutBackend(ModelBackend):
    """Refuse locked accounts and rate-limited callers before checking the password.

    A refusal raises PermissionDenied so Django tries no other backend; the reason is left
    on ``request.signin_refusal`` for the sign-in page or token endpoint to explain. The
    completed sign-in (after any second factor) is reported by the caller, which is why a
    right password alone does not reset the failure count.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        username = str(username)[:150]
        ip = client_ip(request) if request is not None else None
        channel = getattr(request, "signin_channel", "web") if request is not None else "internal"
        refused = signin.refusal(username, ip)
        if refused is not None:
            signin.register_refusal(username, ip, refused, channel=channel)
            if request is not None:
                request.signin_refusal = refused
            raise PermissionDenied(refused.message)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            locked = signin.register_failure(username, ip, channel=channel)
            if request is not None and locked is not None:
                request.signin_refusal = locked
            return None
        return user

    # Permissions come from roles only (PLT-01): a role's permissions are declared in code
    # and ``roles.sync_roles`` makes its group hold exactly those after every migration, so
    # they are read from the declaration instead of two permission queries per request.
    # Per-user permissions are not part of the platform's model and are ignored.

    def get_user(self, user_id):
        # Every signed-in page shows the user's organization and most scopes read it; the
        # account with its organization and roles is kept until one of them changes.
        from .selectors import signed_in_account

        user = signed_in_account(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return self.get_all_permissions(user_obj, obj)

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = (roles.all_permissions() if user_obj.is_superuser
                                    else roles.permissions_of(user_obj.role_codes))
        return user_obj._perm_cache
