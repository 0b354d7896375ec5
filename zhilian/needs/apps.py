from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "zhilian.needs"
    label = "needs"
    verbose_name = _("NQI needs")

    def ready(self):
        from zhilian.accounts.roles import Role, crud, grant
        from zhilian.core import attachments, audit, i18n, masking, permissions, registry, search
        from zhilian.directory import panels

        from . import dashboard, demo, models, reminders, selectors

        audit.register(models.Need)
        # Why a provider matched is kept translatable: the history shows it in the reader's language.
        audit.register(models.NeedAssignment, parent="need",
                       formatters={"match_reasons": lambda value, **_context: i18n.shown(value)})
        # The files of a need (drawings, specifications, sample photos) reach whoever sees the
        # need, its assigned providers included; the enterprise's own files do not (PLT-02).
        attachments.register(models.Need)
        search.register(models.Need, title_field="title", label=_("NQI needs"), weight=65,
                        select_related=("enterprise",))

        # Role layer (PLT-01); which needs each role reaches is NeedQuerySet.scope.
        grant([Role.CHAIN_OWNER, Role.ENTERPRISE], *crud("needs", "need", "view", "add", "change"),
              "needs.view_needassignment")
        grant(Role.COMMISSIONER, *crud("needs", "need", "view", "add"), "needs.take_need", "needs.assign_need",
              "needs.view_needassignment")
        grant(Role.MANAGEMENT_INSTITUTION, *crud("needs", "need", "view", "add", "change"), "needs.assign_need",
              "needs.view_needassignment")
        grant([Role.TECH_INSTITUTION, Role.EXPERT], "needs.view_need", "needs.view_needassignment",
              "needs.respond_needassignment")
        grant([Role.CITY_REGULATOR, Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR], "needs.view_need",
              "needs.view_needassignment")

        # An institution or expert assigned to a need, and a commissioner handling one, see
        # the enterprise that filed it (PLT-02: "a technical institution sees only work it
        # is assigned to").
        permissions.register_grant("directory.Organization", _organization_grant)
        # Who may call the enterprise's contact: the enterprise, the commissioner who took the
        # need, the providers who accepted it; they reveal the number as the unmask permission
        # does (one at a time, audited); everyone else sees it masked (SEC-07).
        masking.register_reveal(models.Need, selectors.contact_revealable_fields)

        registry.menu(registry.MenuGroup(key="needs", label=_("Services"), icon="headset", order=20, items=[
            registry.MenuItem(_("NQI needs"), "needs:need_list", "needs.view_need", "inbox"),
            registry.MenuItem(_("File a need"), "needs:need_add", "needs.add_need", "plus-circle"),
        ]))
        dashboard.register()
        registry.reminder_provider("needs", reminders.need_reminders)
        registry.demo_loader("needs", demo.load, order=30, usernames=tuple(u[0] for u in demo.COMMISSIONER_USERS))
        panels.register(panels.Panel("needs", _("NQI needs"), "needs/includes/organization_panel.html",
                                     _organization_panel, kinds={"enterprise", "institution"}, order=10,
                                     rows=_organization_panel_rows))
        panels.register(panels.Panel("needs-commissioner", _("Needs taken and handled"),
                                     "needs/includes/organization_panel.html", _commissioner_panel, order=10,
                                     model="directory.servicecommissioner"))
        panels.register(panels.Panel("needs-expert", _("Needs assigned"), "needs/includes/organization_panel.html",
                                     _expert_panel, order=10, model="directory.expert"))


def _organization_grant(user, action):
    """The enterprises of the needs the user sees, for the roles that see no enterprise by themselves."""
    from django.db.models import Q

    from zhilian.accounts.roles import Role

    from .models import Need

    if action != "view" or not user.has_role(Role.TECH_INSTITUTION, Role.EXPERT, Role.COMMISSIONER):
        return None
    return Q(pk__in=Need.objects.restrict(user, "view").values("enterprise"))


def _organization_panel_rows(organization):
    """The needs the panel lists: an enterprise's own, those an institution is assigned to."""
    from .models import Need, NeedAssignment

    if organization.kind == "enterprise":
        return Need, {"enterprise": organization.pk}
    return NeedAssignment, {"institution": organization.pk}


def _organization_panel(request, organization, empty=False):
    from .models import Need

    user = request.user
    if not user.has_perm("needs.view_need"):
        return None
    if empty:  # no need is related at all (core.related): none to read
        needs = []
    elif organization.kind == "enterprise":
        needs = Need.objects.restrict(user, "view").filter(enterprise=organization)
    else:
        needs = Need.objects.restrict(user, "view").filter(assignments__institution=organization).distinct()
    key = "enterprise" if organization.kind == "enterprise" else "institution"
    context = _needs_listing(needs, f"{key}={organization.pk}", show_enterprise=key == "institution")
    if not context["total"] and organization.kind != "enterprise":
        return None
    can_file = user.has_perm("needs.add_need") and (
        user.organization_id == organization.pk or user.has_role("commissioner", "management_institution"))
    return {**context, "organization": organization, "can_file": can_file and organization.kind == "enterprise",
            "for_enterprise": user.organization_id != organization.pk}


def _needs_listing(needs, query: str, *, show_enterprise: bool = True) -> dict:
    """The first needs of a panel (newest first), their number and the link to all of them
    (``needs``: a queryset, or a list already read)."""
    from django.urls import reverse

    shown = needs[:9] if isinstance(needs, list) else list(needs.select_related("enterprise")[:9])
    total = len(shown) if len(shown) < 9 else needs.count()
    return {"needs": shown[:8], "total": total, "list_url": f"{reverse('needs:need_list')}?{query}",
            "show_enterprise": show_enterprise}


def _commissioner_panel(request, commissioner):
    """The needs a commissioner took (or declined), those the viewer may see (PLT-02)."""
    from .models import Need

    if not request.user.has_perm("needs.view_need"):
        return None
    needs = Need.objects.restrict(request.user, "view").filter(commissioner=commissioner)
    return _needs_listing(needs, f"commissioner={commissioner.pk}")


def _expert_panel(request, expert):
    """The needs an expert is assigned to, those the viewer may see (PLT-02)."""
    from .models import Need, NeedAssignment

    if not request.user.has_perm("needs.view_need"):
        return None
    needs = Need.objects.restrict(request.user, "view").filter(
        pk__in=NeedAssignment.objects.filter(expert=expert).values("need"))
    context = _needs_listing(needs, f"expert={expert.pk}")
    return context if context["total"] else None
