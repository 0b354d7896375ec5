from django.core.management.base import BaseCommand, CommandError

from zhilian.accounts.demo import DEMO_DEVICE_NAME, DEMO_TOTP_SECRET
from zhilian.accounts.models import User
from zhilian.accounts.twofactor import next_code


class Command(BaseCommand):
    help = ("Print the current two-factor code of a demo persona (demo authenticators only; "
            f"the demo secret is {DEMO_TOTP_SECRET}).")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account {username!r}.")
        device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} has no demo authenticator: this command only serves demo personas.")
        code, remaining = next_code(device)
        self.stdout.write(code)
        self.stderr.write(f"(valid for about {remaining} s; the next code follows after that)")
