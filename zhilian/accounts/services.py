"""What the security administrator does to an account (SEC-02 … SEC-05). Each is audited."""

from django.db import transaction

from zhilian.core import audit
from zhilian.core.i18n import gettext as _  # messages the audit trail shows in the reader's language
from zhilian.core.models import AuditAction

from . import sessions, twofactor
from .models import User


def _check(user, target):
    if not user.has_perm("accounts.security_user") or target.pk == user.pk:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied


@transaction.atomic
def user_unlock(*, user, target: User) -> None:
    _check(user, target)
    User._default_manager.filter(pk=target.pk).update(locked_until=None, failed_login_count=0)
    audit.write(action=AuditAction.SECURITY, instance=target, user=user, message=_("Account unlocked"))


@transaction.atomic
def user_reset_two_factor(*, user, target: User) -> None:
    _check(user, target)
    twofactor.remove(user=target, acting=user)


@transaction.atomic
def user_end_sessions(*, user, target: User) -> None:
    _check(user, target)
    ended = sessions.end(target)
    revoked = sessions.revoke_tokens(target)
    audit.write(action=AuditAction.SECURITY, instance=target, user=user,
                message=_("%(s)d sessions ended, %(t)d API tokens revoked") % {"s": ended, "t": revoked})


@transaction.atomic
def user_force_password_change(*, user, target: User) -> None:
    _check(user, target)
    User._default_manager.filter(pk=target.pk).update(must_change_password=True)
    audit.write(action=AuditAction.SECURITY, instance=target, user=user,
                message=_("Must change the password at the next sign-in"))
