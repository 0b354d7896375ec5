"""Extension points through which domain apps plug into the platform without core importing them.

Each domain app registers, in its ``AppConfig.ready``:
- menu groups (``menu``), shown to users holding the item's permission;
- dashboard widgets (``widget``), each computing its own restricted figures;
- demo-data loaders (``demo_loader``), run in ``order`` by ``zhilian demo``;
- reminder providers (``reminder_provider``), polled by the scheduler.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class MenuItem:
    label: str
    url_name: str
    permission: str | None = None  # e.g. "directory.view_organization"
    icon: str = ""


@dataclass
class MenuGroup:
    key: str
    label: str
    icon: str
    order: int
    items: list[MenuItem] = field(default_factory=list)


@dataclass
class Widget:
    key: str
    title: str
    template: str
    context: Callable  # (request) -> dict
    permission: str | None = None
    order: int = 100
    width: int = 6  # Bootstrap columns out of 12


@dataclass
class DemoLoader:
    name: str
    load: Callable  # () -> None; idempotent
    order: int = 100
    usernames: tuple[str, ...] = ()


@dataclass
class Reminder:
    recipient: object
    key: str
    title: str
    body: str = ""
    url: str = ""
    level: str = "due"


menus: dict[str, MenuGroup] = {}
widgets: dict[str, Widget] = {}
demo_loaders: dict[str, DemoLoader] = {}
reminder_providers: dict[str, Callable] = {}


def menu(group: MenuGroup) -> None:
    global menu_version
    menu_version += 1
    existing = menus.get(group.key)
    if existing:
        existing.items.extend(i for i in group.items if i not in existing.items)
    else:
        menus[group.key] = group


menu_version = 0  # changes whenever the menu does (menus built from it are cached)


def widget(w: Widget) -> None:
    widgets[w.key] = w


def demo_loader(name: str, load: Callable, order: int = 100, usernames: tuple[str, ...] = ()) -> None:
    """``usernames``: the accounts the loader creates (see ``core.demo.accounts_outside_the_demo``)."""
    demo_loaders[name] = DemoLoader(name, load, order, tuple(usernames))


def reminder_provider(name: str, provider: Callable) -> None:
    """``provider(today)`` yields :class:`Reminder` objects for work due or overdue."""
    reminder_providers[name] = provider
