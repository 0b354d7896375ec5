"""Chain widgets on the home dashboard (PLT-11), counted over what the user may see."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from zhilian.core import registry
from zhilian.core.charts import linked, list_url, pie_option

from zhilian.directory.models import Organization

from .models import Chain, ChainStatus
from .selectors import placed_enterprises


def _by_status(request):
    labels = dict(ChainStatus.choices)
    rows = Chain.objects.restrict(request.user).values("status").annotate(n=Count("id")).order_by("status")
    colours = {"draft": "#8c8c8c", "review": "#1677ff", "published": "#389e0d"}
    data = [{"name": str(labels.get(r["status"], r["status"])), **linked(r["n"], "chains:chain_list", status=r["status"]),
             "itemStyle": {"color": colours.get(r["status"], "#0b4f8a")}} for r in rows]
    return {"chart_id": "chart-chain-status", "option": pie_option(data)}


def _stats(request):
    """Each figure links to the list of the rows it counts: the placed enterprises open the
    directory filtered by ``?placed=true`` (``selectors.placed_enterprises``)."""
    chains = Chain.objects.restrict(request.user)
    placed = Organization.objects.restrict(request.user).filter(pk__in=placed_enterprises(request.user))
    return {"stats": [
        (_("Industrial chains"), chains.count(), list_url("chains:chain_list")),
        # the filter asks what the figure counts: a map published (a revision may be in review)
        (_("Published maps"), chains.filter(published_at__isnull=False).count(),
         list_url("chains:chain_list", published="true")),
        (_("Placed enterprises"), placed.count(), list_url("directory:organization_list", placed="true")),
    ]}


def register():
    registry.widget(registry.Widget("chains-stats", _("Chain quality maps"), "core/includes/widget_stats.html",
                                    _stats, "chains.view_chain", order=20, width=6))
    registry.widget(registry.Widget("chains-by-status", _("Chains by status"), "core/includes/widget_chart.html",
                                    _by_status, "chains.view_chain", order=21, width=6))
