"""Related-record panels other apps add to an organization's page.

The directory does not import the apps built on it; an app that relates records to
organizations (needs, chains) registers a panel in its ``AppConfig.ready``::

    panels.register(Panel("needs", _("NQI needs"), "needs/includes/organization_panel.html",
                          context=lambda request, org: {...}, kinds={"enterprise"}))

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


_panels: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    _panels[panel.key] = panel


def for_organization(request, organization) -> list[dict]:
    """The panels that apply to ``organization``, each with its computed context."""
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        if panel.kinds and organization.kind not in panel.kinds:
            continue
        context = panel.context(request, organization)
        if context is not None:
            shown.append({"panel": panel, "context": context})
    return shown
