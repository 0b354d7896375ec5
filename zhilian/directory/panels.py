"""Related-record panels other apps add to the directory's pages.

The directory does not import the apps built on it; an app that relates records to
organizations, experts or commissioners (needs, chains) registers a panel in its
``AppConfig.ready``::

    panels.register(Panel("needs", _("NQI needs"), "needs/includes/organization_panel.html",
                          context=lambda request, org: {...}, kinds={"enterprise"}))
    panels.register(Panel("needs-commissioner", _("Needs handled"), "...", context=...,
                          model="directory.servicecommissioner"))

The panel's ``context`` must read through ``restrict`` like every other page; a panel
whose context returns ``None`` is not shown.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Panel:
    key: str
    title: str
    template: str
    context: Callable  # (request, organization) -> dict | None
    kinds: set = field(default_factory=set)  # organization kinds it applies to; empty: all
    order: int = 100
    model: str = "directory.organization"  # the page it appears on (the model's label_lower)


_panels: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    _panels[panel.key] = panel


def for_object(request, obj) -> list[dict]:
    """The panels that apply to ``obj``'s page, each with its computed context."""
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        if panel.model != obj._meta.label_lower:
            continue
        if panel.kinds and getattr(obj, "kind", None) not in panel.kinds:
            continue
        context = panel.context(request, obj)
        if context is not None:
            shown.append({"panel": panel, "context": context})
    return shown


def for_organization(request, organization) -> list[dict]:
    """The panels that apply to ``organization``, each with its computed context."""
    return for_object(request, organization)
