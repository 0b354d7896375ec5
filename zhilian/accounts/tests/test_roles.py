import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission

from zhilian.accounts import roles
from zhilian.accounts.roles import Role


@pytest.mark.req("PLT-01")
def test_role_sync_creates_the_permissions_of_an_app_migrated_after_it(db):
    # Our apps come before django.contrib.auth in INSTALLED_APPS, so for each app's post_migrate
    # sync_roles runs before auth creates that app's permissions. The last app's would be missing
    # from the groups on a fresh database unless sync_roles creates them itself.
    last = list(apps.get_app_configs())[-1]
    model = next(iter(last.get_models()))
    name = f"{last.label}.view_{model._meta.model_name}"
    Permission.objects.filter(content_type__app_label=last.label).delete()
    roles.grant(Role.SECURITY_ADMIN, name)
    try:
        roles.sync_roles(sender=last, apps=apps, using="default")
        group = Group.objects.get(name=Role.SECURITY_ADMIN.value)
        assert group.permissions.filter(content_type__app_label=last.label,
                                        codename=f"view_{model._meta.model_name}").exists()
    finally:
        roles._permissions[Role.SECURITY_ADMIN.value].discard(name)
        roles._held.clear()
