"""Related-record panels other apps add to the directory's pages.

The directory does not import the apps built on it; an app that relates records to
organizations, experts or commissioners (needs, chains) registers a panel in its
``AppConfig.ready``::

    panels.register(Panel("needs", _("NQI needs"), "needs/includes/organization_panel.html",
                          context=lambda request, org: {...}, kinds={"enterprise"}))
    panels.register(Panel("needs-commissioner", _("Needs handled"), "...", context=...,
                          model="directory.servicecommissioner"))

The panel's ``context`` must read through ``restrict`` like every other page; a panel
whose context returns ``None`` is not shown. A panel that lists rows related by a simple
foreign key names them in ``rows`` (``(obj) -> (model, {field: value})``): the page asks
which panels have any such row in the one query it asks for its own sections
(``core.related``), and calls ``context(request, obj, empty=True)`` for a panel without any,
which must then not query them.
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
    rows: Callable | None = None  # (obj) -> (model, {field: value}) | None: the rows it lists


_panels: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    _panels[panel.key] = panel


def _applying(obj) -> list[Panel]:
    return [panel for panel in sorted(_panels.values(), key=lambda p: p.order)
            if panel.model == obj._meta.label_lower and (not panel.kinds or getattr(obj, "kind", None) in panel.kinds)]


def row_checks(obj) -> dict:
    """The ``core.related`` checks of the panels on ``obj``'s page that name their rows."""
    checks = {}
    for panel in _applying(obj):
        rows = panel.rows(obj) if panel.rows is not None else None
        if rows is not None:
            checks[f"panel:{panel.key}"] = rows
    return checks


def for_object(request, obj, absent=frozenset()) -> list[dict]:
    """The panels that apply to ``obj``'s page, each with its computed context; ``absent``:
    the names of ``row_checks(obj)`` found to have no rows, when the page asked."""
    shown = []
    for panel in _applying(obj):
        if f"panel:{panel.key}" in absent:
            context = panel.context(request, obj, empty=True)
        else:
            context = panel.context(request, obj)
        if context is not None:
            shown.append({"panel": panel, "context": context})
    return shown


def for_organization(request, organization, absent=frozenset()) -> list[dict]:
    """The panels that apply to ``organization``, each with its computed context."""
    return for_object(request, organization, absent)
