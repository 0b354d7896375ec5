"""Load every app's demo data in dependency order (PLT-13)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from . import context, registry


class DemoRefused(Exception):
    """The database holds accounts the demo did not create: it looks like a real deployment."""


def accounts_outside_the_demo(limit: int = 5) -> list[str]:
    """Usernames of accounts no demo loader creates (the first few, for the message)."""
    demo = {name for loader in registry.demo_loaders.values() for name in loader.usernames}
    return list(get_user_model().objects.exclude(username__in=demo).order_by("username")
                .values_list("username", flat=True)[:limit])


def load_all(stdout=None, *, alongside_other_accounts: bool = False) -> list[str]:
    """Load the demo data; refuse on a database with real accounts unless told otherwise.

    The demo accounts (administrators included) share a published password and TOTP key,
    so loading them into a production database would open it to anyone who read the
    README. A database with accounts the demo does not create is taken for a real one.
    """
    if not alongside_other_accounts:
        others = accounts_outside_the_demo()
        if others:
            raise DemoRefused(
                "This database holds accounts the demo does not create (" + ", ".join(others) + "), so it looks "
                "like a real deployment; the demo accounts share a published password and two-factor key. "
                "Nothing was loaded. Use a separate database for the demo, or pass --alongside-other-accounts "
                "if this is a test database.")
    loaded = []
    with context.acting_as(None, path="zhilian demo"):
        for loader in sorted(registry.demo_loaders.values(), key=lambda l: l.order):
            with transaction.atomic():
                loader.load()
            loaded.append(loader.name)
            if stdout is not None:
                stdout.write(f"  demo data: {loader.name}")
    return loaded
