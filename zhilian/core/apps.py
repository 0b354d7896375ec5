from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "zhilian.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self):
        from zhilian.accounts.roles import Role, crud, grant

        from . import appendonly, attachments, audit, models, registry, tasks  # noqa: F401 - registers jobs, checks

        audit.register(models.CalendarYear)
        audit.register(models.CalendarDay)
        grant(Role.AUDIT_ADMIN, "core.view_auditevent", "core.export_auditevent")
        # Every role may download the attachments of objects it can see (the object decides).
        grant(list(Role), "core.view_attachment", "core.download_attachment", "core.view_notification")
        # Configuration is the system administrator's (SEC-05), not the security administrator's.
        grant([Role.SYSTEM_ADMIN], *crud("core", "calendarday", "view", "add", "change", "delete"),
              *crud("core", "calendaryear", "view", "add", "change", "delete"))
        # Everyone who works to deadlines reads the calendar they are counted by (PLT-05): the
        # management institution and commissioners who set and meet response dates, regulators,
        # providers, enterprises. Entering a year's holidays stays the system administrator's.
        grant([r for r in Role if r != Role.CONSUMER], "core.view_calendarday", "core.view_calendaryear")
        registry.menu(registry.MenuGroup(key="platform", label=_("Platform"), icon="gear", order=900, items=[
            registry.MenuItem(_("Working-day calendar"), "core:calendar", "core.view_calendarday", "calendar3"),
            registry.MenuItem(_("Audit log"), "core:audit_list", "core.view_auditevent", "journal-text"),
            registry.MenuItem(_("API documentation"), "api-docs", None, "braces"),
        ]))
        from . import caseless, escaping, renderers, versions
        from .api import speedups, validation

        caseless.install()
        escaping.install()
        renderers.install()
        versions.connect()
        speedups.install()
        validation.install()  # every error of a request body at once (PLT-12)
        post_migrate.connect(_create_trigram_extension, sender=self)
        post_migrate.connect(_new_table_versions, sender=self)
        post_migrate.connect(_install_append_only, sender=self)
        from django.db.models.signals import pre_save

        from . import masking

        pre_save.connect(masking.refuse_masked_save, dispatch_uid="zhilian-refuse-masked-save")


def _create_trigram_extension(using="default", **kwargs):
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def _install_append_only(using="default", **kwargs):
    from . import appendonly

    appendonly.install(using)


def _new_table_versions(using="default", **kwargs):
    # A migration may have changed rows with SQL the version tracking did not see.
    from . import versions

    versions.bump_all(using)
