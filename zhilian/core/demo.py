"""Load every app's demo data in dependency order (PLT-13)."""

from django.db import transaction

from . import context, registry


def load_all(stdout=None) -> list[str]:
    loaded = []
    with context.acting_as(None, path="zhilian demo"):
        for loader in sorted(registry.demo_loaders.values(), key=lambda l: l.order):
            with transaction.atomic():
                loader.load()
            loaded.append(loader.name)
            if stdout is not None:
                stdout.write(f"  demo data: {loader.name}")
    return loaded
