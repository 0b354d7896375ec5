from django.core.management.base import BaseCommand, CommandError

from zhilian.core.demo import DemoRefused, load_all


class Command(BaseCommand):
    help = "Load (or refresh) the demo data of every app. Idempotent. Never on a production database."

    def add_arguments(self, parser):
        parser.add_argument("--alongside-other-accounts", action="store_true",
                            help="Load even though the database holds accounts the demo does not create.")

    def handle(self, *args, alongside_other_accounts, **options):
        try:
            load_all(self.stdout, alongside_other_accounts=alongside_other_accounts)
        except DemoRefused as refused:
            raise CommandError(str(refused)) from None
