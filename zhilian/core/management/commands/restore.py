from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from zhilian.core import backup


class Command(BaseCommand):
    help = ("Restore a backup made by `zhilian backup` (SEC-12). Migrates an empty database first; "
            "refuses a database holding data unless --replace is given.")

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--replace", action="store_true",
                            help="Replace all data (including the audit log) with the backup's.")
        parser.add_argument("--check", action="store_true", help="Only verify the archive.")

    def handle(self, *args, archive, replace, check, **options):
        path = Path(archive)
        call_command("migrate", interactive=False, verbosity=0)
        try:
            if check:
                manifest = backup.verify(path)
                self.stdout.write(self.style.SUCCESS(
                    f"The backup of {manifest.created_at} is intact: {sum(manifest.counts.values())} rows, "
                    f"{len(manifest.files)} files."))
                return
            manifest = backup.restore(path, replace=replace, stdout=self.stdout)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Restored {sum(manifest.counts.values())} rows and {len(manifest.files)} files from {path}"))
