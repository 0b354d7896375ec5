import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from zhilian.core.demo import DemoRefused, load_all

from .serve import default_workers


class Command(BaseCommand):
    help = "Migrate, load the demo data and serve the platform (or not, with --no-serve)."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Prepare everything, then exit.")
        parser.add_argument("--bind", default=os.environ.get("ZHILIAN_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("ZHILIAN_WORKERS") or default_workers()))
        parser.add_argument("--alongside-other-accounts", action="store_true",
                            help="Load the demo even though the database holds accounts the demo does not create.")

    def handle(self, *args, no_serve, bind, workers, alongside_other_accounts, **options):
        from zhilian.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

        self.stdout.write(f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} "
                          f"{settings.DATABASES['default']['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Migrated.")
        try:
            load_all(self.stdout, alongside_other_accounts=alongside_other_accounts)
        except DemoRefused as refused:
            raise CommandError(str(refused)) from None
        if not (settings.DEBUG or settings.TESTING):
            call_command("collectstatic", interactive=False, verbosity=0)
        host = bind if not bind.startswith("0.0.0.0") else bind.replace("0.0.0.0", "127.0.0.1")  # nosec B104 - a string test, not a bind
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Zhilian is ready at http://{host}/"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        from zhilian.accounts import twofactor
        from zhilian.accounts.models import User
        from zhilian.core import registry

        second_factor = []
        # Every account a demo loader creates (accounts: one per role; consortia: the
        # semiconductor consortium's units and the 海沧区 bureau), in loading order.
        usernames = [name for loader in sorted(registry.demo_loaders.values(), key=lambda l: l.order)
                     for name in loader.usernames]
        users = User.objects.select_related("organization").in_bulk(usernames, field_name="username")
        for username in usernames:
            user = users.get(username)
            if user is None:
                continue
            label = "、".join(user.roles_display)
            # Pad by display width: a Chinese character takes two columns in a terminal.
            pad = 24 - sum(2 if ord(ch) > 0x2E80 else 1 for ch in label)
            needs_code = twofactor.is_needed(user)
            if needs_code:
                second_factor.append(username)
            org = user.organization.name if user.organization else ""
            self.stdout.write(f"  {username:<13} {label}{' ' * max(pad, 1)} {org}{'  [2FA]' if needs_code else ''}")
        if second_factor:
            self.stdout.write(
                f"[2FA] logins confirm each sign-in with a one-time code: add the demo key {DEMO_TOTP_SECRET} "
                "to an authenticator app, or print the current code with `zhilian totp <login>`.")
        if no_serve:
            return
        from .serve import serve

        sys.exit(serve(self.stdout, bind, workers, threads=int(os.environ.get("ZHILIAN_THREADS", "1"))))
