from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "zhilian.evaluation"
    label = "evaluation"
    verbose_name = _("Performance evaluation")

    def ready(self):
        from zhilian.accounts.roles import Role, crud, grant
        from zhilian.core import audit, registry

        from . import demo, models

        audit.register(models.ChainSummaryInput, parent="chain")
        # The summary is kept by the regulators and the management institution; chain owners
        # (who usually lead the consortium) follow their chain's figures.
        grant([Role.CITY_REGULATOR, Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR, Role.MANAGEMENT_INSTITUTION,
               Role.CHAIN_OWNER], *crud("evaluation", "chainsummaryinput", "view"))
        grant([Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION], *crud("evaluation", "chainsummaryinput", "add",
                                                                          "change"))
        registry.menu(registry.MenuGroup(key="innovation", label=_("Quality breakthrough"), icon="rocket-takeoff",
                                         order=40, items=[
            registry.MenuItem(_("Summary table (Table I.1)"), "evaluation:summary_table",
                              "evaluation.view_chainsummaryinput", "table"),
        ]))
        registry.demo_loader("evaluation", demo.load, order=90)
