from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AchievementsConfig(AppConfig):
    name = "zhilian.achievements"
    label = "achievements"
    verbose_name = _("Achievement sharing library")

    def ready(self):
        from zhilian.accounts.roles import Role, crud, grant
        from zhilian.core import attachments, audit, i18n, registry, search
        from zhilian.projects.selectors import register_priority_rule

        from . import dashboard, demo, models, services

        audit.register(models.Achievement)
        audit.register(models.RightStatusChange, parent="achievement")
        # A refusal the library writes keeps its note translatable: the history shows it in the reader's language.
        audit.register(models.License, parent="achievement",
                       formatters={"decision_note": lambda value, **_context: i18n.shown(value)})
        audit.register(models.PromotionEvent, parent="consortium")
        # Proof documents (acceptance report, patent certificate) follow the achievement's share
        # level: core.models.AttachmentQuerySet restricts them through Achievement.restrict.
        attachments.register(models.Achievement)
        attachments.register(models.License)  # the signed, sealed agreement
        attachments.register(models.PromotionEvent)
        search.register(models.Achievement, label=_("Breakthrough achievements"), weight=72,
                        select_related=("contributor",))

        units = [Role.CHAIN_OWNER, Role.ENTERPRISE, Role.TECH_INSTITUTION, Role.INDUSTRY_ORG, Role.RESEARCH]
        # Public achievements are open to society (5.6.2 a), consumers included.
        grant(list(Role), *crud("achievements", "achievement", "view"))
        everyone = [r for r in Role if r != Role.CONSUMER]
        grant(everyone, *crud("achievements", "rightstatuschange", "view"), *crud("achievements", "license", "view"),
              *crud("achievements", "promotionevent", "view"), *crud("achievements", "achievementusage", "view"))
        grant(units, *crud("achievements", "achievement", "add", "change", "delete"),
              *crud("achievements", "license", "add"), "achievements.approve_license",
              # the consortium's lead unit reviews and runs its library (5.6.4)
              "achievements.review_achievement", *crud("achievements", "promotionevent", "add", "change"))
        grant(Role.MANAGEMENT_INSTITUTION, "achievements.review_achievement")

        # ACH-06: a contributor of paid shares has priority for new projects (5.6.3).
        register_priority_rule(services.paid_share_priority_rule)
        # A problem an achievement names stays in the problem library (PRJ-01).
        from zhilian.problems.selectors import register_deletion_guard

        register_deletion_guard(lambda problem: models.Achievement.objects.filter(problems=problem))

        registry.menu(registry.MenuGroup(key="innovation", label=_("Quality breakthrough"), icon="rocket-takeoff",
                                         order=40, items=[
            registry.MenuItem(_("Achievement sharing library"), "achievements:achievement_list",
                              "achievements.view_achievement", "award"),
            registry.MenuItem(_("Licence agreements"), "achievements:license_list", "achievements.view_license",
                              "file-earmark-text"),
            registry.MenuItem(_("Usage statistics"), "achievements:statistics", "achievements.view_achievement",
                              "bar-chart"),
        ]))
        dashboard.register()
        registry.demo_loader("achievements", demo.load, order=80)
