from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from zhilian.core import backup


class Command(BaseCommand):
    help = "Back up the database and the stored files into one .tar.gz (SEC-12; docs/security.md)."

    def add_arguments(self, parser):
        parser.add_argument("output", nargs="?", help="Archive to write (default: <data dir>/backups/zhilian-backup-<time>.tar.gz)")

    def handle(self, *args, output=None, **options):
        path = Path(output) if output else Path(settings.DATA_DIR) / "backups" / backup.default_name()
        try:
            manifest = backup.create(path, stdout=self.stdout)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Backed up {sum(manifest.counts.values())} rows and {len(manifest.files)} files to {path}"))
