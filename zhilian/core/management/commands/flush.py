from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as FlushCommand
from django.db import DatabaseError

from zhilian.core import appendonly


class Command(FlushCommand):
    help = (FlushCommand.help + " The append-only audit log refuses to be emptied, except under the test "
            "settings, where live-server tests empty the database after each test (docs/security.md).")

    def handle(self, **options):
        database = options["database"]
        if settings.TESTING:
            with appendonly.maintenance("test flush", using=database):
                return super().handle(**options)
        try:
            return super().handle(**options)
        except (DatabaseError, CommandError) as exc:
            if "append-only" in str(exc) or "append-only" in str(getattr(exc, "__cause__", "")):
                raise CommandError("The audit log is append-only: the database refused to empty it. "
                                   "To replace the data, use `zhilian restore --replace <backup>`.") from exc
            raise
