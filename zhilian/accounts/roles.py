"""Roles (PLT-01) and the model permissions each role holds.

A role is a Django group named by its code. Apps declare what each role may do in their
``AppConfig.ready`` with :func:`grant`; after every migration :func:`sync_roles` makes the
groups hold exactly the declared permissions, so the code is the single source of truth.
Object-level limits (which rows) come from each model's ``restrict``.
"""

from collections import defaultdict

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")
    CITY_REGULATOR = "city_regulator", _("City market regulation bureau")
    DISTRICT_REGULATOR = "district_regulator", _("District market regulation bureau")
    GRASSROOTS_REGULATOR = "grassroots_regulator", _("Grassroots market regulation office")
    MANAGEMENT_INSTITUTION = "management_institution", _("Collaborative-service management institution")
    TECH_INSTITUTION = "tech_institution", _("Technical service institution")
    CHAIN_OWNER = "chain_owner", _("Chain-owner enterprise")
    ENTERPRISE = "enterprise", _("Enterprise")
    INDUSTRY_ORG = "industry_org", _("Industry organization")
    RESEARCH = "research", _("University / research institute")
    EXPERT = "expert", _("Expert")
    COMMISSIONER = "commissioner", _("Service commissioner")
    CONSUMER = "consumer", _("Consumer")


REGULATORS = {Role.CITY_REGULATOR, Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR}
ADMINISTRATORS = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
ENTERPRISES = {Role.CHAIN_OWNER, Role.ENTERPRISE}
# Roles that see the whole region's records of a module (object scopes use these).
CITY_WIDE = {Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION}

_permissions: dict[str, set[str]] = defaultdict(set)


def grant(roles, *permissions: str) -> None:
    """Give each role in ``roles`` the model permissions ``app_label.codename``."""
    if isinstance(roles, str):
        roles = [roles]
    for role in roles:
        _permissions[str(role)].update(permissions)
    _held.clear()


def declared() -> dict[str, set[str]]:
    return {role: set(perms) for role, perms in _permissions.items()}


def permissions_of(role_codes) -> frozenset[str]:
    """The permissions the roles ``role_codes`` hold together (what their groups hold)."""
    key = frozenset(role_codes)
    found = _held.get(key)
    if found is None:
        found = _held[key] = frozenset().union(*(_permissions.get(code, ()) for code in key))
    return found


def all_permissions() -> frozenset[str]:
    """Every declared permission (a superuser's set)."""
    return permissions_of(_permissions.keys())


_held: dict[frozenset, frozenset] = {}


def crud(app_label: str, model_name: str, *actions: str) -> list[str]:
    """``crud("directory", "organization", "view", "add")`` -> permission strings."""
    return [f"{app_label}.{action}_{model_name}" for action in actions]


def sync_roles(sender=None, apps=None, using="default", **kwargs) -> None:
    """Create one group per role holding exactly its declared permissions."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    if sender is not None:
        # Our apps come before django.contrib.auth in INSTALLED_APPS, so this receiver runs before
        # auth's for each app's post_migrate: create that app's permissions first (idempotent),
        # else the last app's permissions would be missing from the groups on a fresh database.
        kwargs = {"apps": apps} if apps is not None else {}
        create_permissions(sender, verbosity=0, using=using, **kwargs)

    all_perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = [all_perms[name] for name in sorted(_permissions.get(role.value, ())) if name in all_perms]
        group.permissions.set(wanted)
