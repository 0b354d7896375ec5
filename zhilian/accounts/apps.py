from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "zhilian.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from zhilian.core import audit, registry

        from . import models, signals  # noqa: F401 - connects sign-in auditing
        from .roles import Role, crud, grant, sync_roles

        audit.register(models.User, exclude={"last_login", "password", "date_joined", "password_changed_at",
                                             "failed_login_count", "locked_until"},
                       formatters={"groups": _role_label})
        # SEC-05 separation of duties: the system administrator keeps accounts, the security
        # administrator authorises (roles) and handles locks, second factors and sessions, the
        # audit administrator only reads the log (core grants it). Nobody acts on their own account.
        grant(Role.SYSTEM_ADMIN, *crud("accounts", "user", "view", "add", "change"))
        grant(Role.SECURITY_ADMIN, *crud("accounts", "user", "view", "change"), "accounts.assign_roles",
              "accounts.security_user", "accounts.view_signinattempt", "accounts.view_usersession")
        # Unmasking (SEC-07) is for the roles that contact people; each unmasking is audited.
        grant([Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION], "accounts.unmask_personal_data")
        grant(list(Role), "accounts.view_user", "accounts.view_usersession")  # one's own sessions
        registry.menu(registry.MenuGroup(key="platform", label=_("Platform"), icon="gear", order=900, items=[
            registry.MenuItem(_("Users"), "accounts:user_list", "accounts.change_user", "people"),
            registry.MenuItem(_("Account security"), "accounts:security", "accounts.security_user", "shield-lock"),
        ]))
        post_migrate.connect(sync_roles, dispatch_uid="zhilian-sync-roles")
        _route_admin_sign_in()
        from . import demo

        registry.demo_loader("accounts", demo.load, order=20, usernames=tuple(u[0] for u in demo.DEMO_USERS))


def _role_label(name, **_context) -> str:
    """A role group in a user's audit records (groups are named by role codes) by its label."""
    from .roles import Role

    return str(Role(name).label) if name in Role.values else name


def _route_admin_sign_in():
    """Django's admin has its own sign-in form without the second factor: send it to ours."""
    from django.contrib import admin
    from django.contrib.auth.views import redirect_to_login

    def login(request, extra_context=None):
        return redirect_to_login(request.GET.get("next", "/django-admin/"))

    admin.site.login = login
