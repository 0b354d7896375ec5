from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class ProblemsConfig(AppConfig):
    name = "zhilian.problems"
    label = "problems"
    verbose_name = _("Quality problems")

    def ready(self):
        from zhilian.accounts.roles import Role, crud, grant
        from zhilian.chains.selectors import register_map_layer
        from zhilian.core import attachments, audit, registry, search

        from django.db.models.signals import pre_delete

        from . import dashboard, demo, models, selectors, services

        # The history shows scores by the dimension names of the model used, totals as "3.7".
        audit.register(models.Problem, formatters={"severity_total": selectors.recorded_total_text})
        audit.register(models.ProblemAssessment, parent="problem", formatters={
            "scores": selectors.recorded_scores_text, "total": selectors.recorded_total_text})
        audit.register(models.ProblemReview, parent="problem")
        audit.register(models.SeverityModel)
        # Relation records written before they kept ids name problems by code and name (PLT-02).
        audit.register_names(models.Problem, selectors.problems_by_recorded_name)
        # A problem's record of the breakthrough project that started or accepted it names the
        # project only to who may see it (PLT-02; the projects app finds older records' by name).
        audit.register_mention("Breakthrough project %(p)s started", param="p", model="projects.Project",
                               hidden=gettext_noop("A breakthrough project you may not see started"))
        audit.register_mention("Breakthrough project %(p)s accepted", param="p", model="projects.Project",
                               hidden=gettext_noop("A breakthrough project you may not see was accepted"))
        # A problem other records name (projects made from it, achievements) is not deleted (PRJ-01).
        pre_delete.connect(services.refuse_deleting_a_named_problem, sender=models.Problem,
                           dispatch_uid="problems-named-elsewhere")
        # Its related problems' histories record that the relation ended with it (PRB-05).
        pre_delete.connect(services.record_relations_ended, sender=models.Problem,
                           dispatch_uid="problems-relations-ended")
        attachments.register(models.Problem)  # evidence: test reports, photos of defects
        search.register(models.Problem, label=_("Quality problems"), weight=95, select_related=("chain",))
        # A published map's summaries read their category and status in the reader's language (PLT-10).
        register_map_layer("problems", selectors.problems_map_layer, selectors.problems_visible_on_map,
                           labels=selectors.problems_map_labels)

        everyone = [r for r in Role if r != Role.CONSUMER]
        grant(everyone, *crud("problems", "problem", "view"), *crud("problems", "problemassessment", "view"),
              *crud("problems", "problemreview", "view"), *crud("problems", "severitymodel", "view"))
        # PRB-08 sources: chain study (regulators, management institution, associations,
        # research), enterprise self-report, supervision finding (district / grassroots).
        reporters = [Role.CITY_REGULATOR, Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR,
                     Role.MANAGEMENT_INSTITUTION, Role.CHAIN_OWNER, Role.ENTERPRISE, Role.INDUSTRY_ORG, Role.RESEARCH,
                     Role.EXPERT]
        # Not the system administrator: administrators keep the platform, not its business
        # records (等保 8.1.4.2 d); the problem scope shows them none.
        grant(reporters, *crud("problems", "problem", "add", "change"), "problems.review_problem")
        grant([Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION], *crud("problems", "problem", "delete"))
        grant([Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION, Role.EXPERT], "problems.assess_problem")
        grant([Role.CITY_REGULATOR, Role.SYSTEM_ADMIN], *crud("problems", "severitymodel", "add"))

        registry.menu(registry.MenuGroup(key="problems", label=_("Problem library"), icon="exclamation-diamond",
                                         order=25, items=[
            registry.MenuItem(_("Quality problems"), "problems:problem_list", "problems.view_problem", "list-stars"),
            registry.MenuItem(_("Import Table C.1"), "problems:problem_import", "problems.add_problem", "upload"),
            registry.MenuItem(_("Severity models"), "problems:severitymodel_list", "problems.view_severitymodel",
                              "sliders"),
        ]))
        dashboard.register()
        registry.reminder_provider("problem-review", selectors.review_reminders)
        registry.demo_loader("problems", demo.load, order=50)
