"""Sign-in events go to the same append-only log as changes (SEC-02, SEC-06); disabling an
account or changing its password ends its sessions and revokes its API tokens (SEC-03)."""

import django.dispatch
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from zhilian.core import audit
from zhilian.core.i18n import gettext as _  # messages the audit trail shows in the reader's language
from zhilian.core.models import AuditAction

from . import sessions

# Sent by User.save() after a new password was stored.
password_changed = django.dispatch.Signal()


@receiver(user_logged_in, dispatch_uid="zhilian-audit-login")
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.track(request, user)
    audit.write(action=AuditAction.LOGIN, instance=user, user=user,
                message=getattr(request, "signin_method", "") if request is not None else "")


@receiver(user_logged_out, dispatch_uid="zhilian-audit-logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.write(action=AuditAction.LOGOUT, instance=user, user=user,
                    message=getattr(request, "logout_reason", "") if request is not None else "")


@receiver(user_login_failed, dispatch_uid="zhilian-audit-login-failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(request, "signin_refusal", None) is not None:
        return  # refusals are recorded by signin.register_refusal with their reason
    username = str(credentials.get("username", ""))[:150]
    audit.write(action=AuditAction.LOGIN_FAILED, object_repr=username, message=username)


@receiver(password_changed, dispatch_uid="zhilian-password-changed")
def _password_changed(sender, user, created=False, **kwargs):
    """A new password ends every session and API token made with the old one."""
    if created:
        return
    ended = sessions.end(user)
    revoked = sessions.revoke_tokens(user)
    audit.write(action=AuditAction.SECURITY, instance=user,
                message=_("Password changed; %(s)d sessions ended, %(t)d API tokens revoked") % {"s": ended, "t": revoked})


@receiver(pre_save, sender="accounts.User", dispatch_uid="zhilian-user-was-active")
def _remember_active(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._was_active = None
        return
    instance._was_active = sender._base_manager.filter(pk=instance.pk).values_list("is_active", flat=True).first()


@receiver(post_save, sender="accounts.User", dispatch_uid="zhilian-user-disabled")
def _disabled(sender, instance, created=False, raw=False, **kwargs):
    if raw or created or not getattr(instance, "_was_active", None) or instance.is_active:
        return
    ended = sessions.end(instance)
    revoked = sessions.revoke_tokens(instance)
    audit.write(action=AuditAction.SECURITY, instance=instance,
                message=_("Account disabled; %(s)d sessions ended, %(t)d API tokens revoked") % {"s": ended, "t": revoked})
