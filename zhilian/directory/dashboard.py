"""Directory widgets on the home dashboard (PLT-11), counted over what the user may see."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from zhilian.core import registry
from zhilian.core.charts import linked, list_url, pie_option

from .choices import OrganizationKind
from .models import Expert, Organization, TestingCapability


def _by_kind(request):
    rows = Organization.objects.restrict(request.user).values("kind").annotate(n=Count("id")).order_by("-n")
    labels = dict(OrganizationKind.choices)
    data = [{"name": str(labels.get(r["kind"], r["kind"])),
             **linked(r["n"], "directory:organization_list", kind=r["kind"])} for r in rows]
    return {"chart_id": "chart-org-kind", "option": pie_option(data)}


def _by_district(request):
    rows = (Organization.objects.restrict(request.user).filter(kind=OrganizationKind.ENTERPRISE)
            .exclude(district="").values("district").annotate(n=Count("id")).order_by("-n")[:12])
    return {
        "chart_id": "chart-org-district",
        "option": {
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 40, "right": 10, "bottom": 30, "top": 20},
            "xAxis": {"type": "category", "data": [r["district"] for r in rows]},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [{"type": "bar", "itemStyle": {"color": "#0b4f8a"}, "data": [
                linked(r["n"], "directory:organization_list", kind=OrganizationKind.ENTERPRISE.value,
                       district=r["district"]) for r in rows]}],
        },
    }


def _stats(request):
    """Each figure links to the list that shows exactly the rows it counts (both restricted)."""
    user = request.user
    orgs = Organization.objects.restrict(user)
    experts = ((_("Experts"), Expert.objects.restrict(user).count(), list_url("directory:expert_list"))
               if user.has_perm("directory.view_expert") else (_("Experts"), "—", None))
    return {"stats": [
        (_("Enterprises"), orgs.filter(kind=OrganizationKind.ENTERPRISE).count(),
         list_url("directory:organization_list", kind=OrganizationKind.ENTERPRISE.value)),
        (_("Technical institutions"), orgs.filter(kind=OrganizationKind.INSTITUTION).count(),
         list_url("directory:organization_list", kind=OrganizationKind.INSTITUTION.value)),
        (_("Testing capabilities"), TestingCapability.objects.restrict(user).count(),
         list_url("directory:capability_list")),
        experts,
    ]}


def register():
    registry.widget(registry.Widget("directory-stats", _("Directory at a glance"), "core/includes/widget_stats.html",
                                    _stats, "directory.view_organization", order=5, width=12))
    registry.widget(registry.Widget("directory-by-kind", _("Organizations by kind"), "core/includes/widget_chart.html",
                                    _by_kind, "directory.view_organization", order=10))
    registry.widget(registry.Widget("directory-by-district", _("Enterprises by district"),
                                    "core/includes/widget_chart.html", _by_district, "directory.view_organization",
                                    order=11))
