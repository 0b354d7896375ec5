import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.urls import URLPattern, URLResolver, get_resolver

from zhilian.core import context


def importers() -> dict:
    """``{"directory.organization": OrganizationImporter, …}``: every import page's importer."""
    from zhilian.core.generic import ImportView

    found = {}

    def walk(resolver):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry)
            elif isinstance(entry, URLPattern):
                view = getattr(entry.callback, "view_class", None)
                if view is not None and issubclass(view, ImportView) and view.importer_class and view.model:
                    found[view.model._meta.label_lower] = view.importer_class

    walk(get_resolver())
    return found


class Command(BaseCommand):
    help = ("Import an Excel file as the import page would, all or nothing (SEC-11): "
            "zhilian import_xlsx directory.organization 单位名录.xlsx --user city")

    def add_arguments(self, parser):
        parser.add_argument("target", help="Model label, e.g. directory.organization")
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="The account the rows are imported as (its rights apply)")
        parser.add_argument("--dry-run", action="store_true", help="Validate only")
        parser.add_argument("--progress", type=int, default=0, metavar="N", help="Print a line every N rows written")

    def handle(self, *args, target, file, user, dry_run, progress, **options):
        from zhilian.accounts.models import User

        importer_class = importers().get(target.lower())
        if importer_class is None:
            raise CommandError(f"No importer for {target}. Known: {', '.join(sorted(importers()))}")
        account = User.objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"No active account {user!r}.")

        def report(saved, total):
            if progress and saved % progress == 0:
                self.stdout.write(f"saved {saved}/{total}")
                self.stdout.flush()
                sys.stdout.flush()

        with context.acting_as(account, path=f"zhilian import_xlsx {target}"), Path(file).open("rb") as fh:
            result = importer_class(user=account).run(fh, dry_run=dry_run, progress=report)
        for error in result.errors[:50]:
            self.stderr.write(f"row {error.row} {error.column}: {error.message}")
        if result.errors:
            raise CommandError(f"Nothing imported: {len(result.errors)} errors.")
        verb = "Valid" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(
            f"{verb}: {result.rows} rows ({result.created} created, {result.updated} updated)."))
