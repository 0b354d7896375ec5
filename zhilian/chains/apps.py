from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChainsConfig(AppConfig):
    name = "zhilian.chains"
    label = "chains"
    verbose_name = _("Industrial chains")

    def ready(self):
        from zhilian.accounts.roles import Role, crud, grant
        from zhilian.core import attachments, audit, registry, search

        from . import dashboard, demo, models, reminders

        audit.register(models.Chain)
        audit.register(models.ChainNode, parent="chain")
        audit.register(models.Placement, parent="chain")
        audit.register(models.ReviewComment, parent="chain")
        audit.register(models.MonitoredEvent, parent="chain")
        audit.register(models.ChainSnapshot, parent="chain", exclude=("data",))
        attachments.register(models.Chain)
        attachments.register(models.MonitoredEvent)

        search.register(models.Chain, label=_("Industrial chains"), weight=90, select_related=("owner_enterprise",))
        search.register(models.ChainNode, label=_("Chain nodes"), weight=85, select_related=("chain",))
        search.register(models.MonitoredEvent, title_field="title", label=_("Monitored events"), weight=30)

        # No grant on directory organizations: a map names its placed enterprises through
        # the placement itself, so seeing a chain never opens an enterprise's directory
        # record (contacts, codes) to a competitor on the same chain (PLT-02).

        everyone = [r for r in Role if r != Role.CONSUMER]
        viewing = [*crud("chains", "chain", "view"), *crud("chains", "chainnode", "view"),
                   *crud("chains", "placement", "view"), *crud("chains", "chainsnapshot", "view"),
                   *crud("chains", "reviewcomment", "view"), *crud("chains", "monitoredevent", "view")]
        grant(everyone, *viewing)
        building = [*crud("chains", "chainnode", "add", "change", "delete"),
                    *crud("chains", "placement", "add", "change", "delete"),
                    *crud("chains", "monitoredevent", "add", "change", "delete"),
                    *crud("chains", "chain", "change")]
        # SC guide 6.2–6.3: the market regulator selects chains and draws the map; the
        # management institution organizes the work; the chain owner builds its own chain.
        # Not the system administrator, who sees no working copy (等保 8.1.4.2 d).
        grant([Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION], *building,
              *crud("chains", "chain", "add", "delete"), "chains.publish_chain")
        grant(Role.CHAIN_OWNER, *building)
        grant([Role.EXPERT, Role.INDUSTRY_ORG, Role.RESEARCH, Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION],
              "chains.review_chain", *crud("chains", "reviewcomment", "add"))

        registry.menu(registry.MenuGroup(key="chains", label=_("Chain quality map"), icon="diagram-3", order=20, items=[
            registry.MenuItem(_("Industrial chains"), "chains:chain_list", "chains.view_chain", "diagram-3"),
            registry.MenuItem(_("Monitored events"), "chains:monitoredevent_list", "chains.view_monitoredevent",
                              "broadcast"),
        ]))
        dashboard.register()
        registry.reminder_provider("chain-update", reminders.update_reminders)
        registry.demo_loader("chains", demo.load, order=40)
        registry.demo_loader("chains-publish", demo.publish, order=55)
