from django.core.management.base import BaseCommand

from zhilian.core.demo import load_all


class Command(BaseCommand):
    help = "Load (or refresh) the demo data of every app. Idempotent."

    def handle(self, *args, **options):
        load_all(self.stdout)
