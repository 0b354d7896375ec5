from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "zhilian.projects"
    label = "projects"
    verbose_name = _("Breakthrough projects")

    def ready(self):
        from django.db.models import Exists, OuterRef, Q

        from zhilian.accounts.roles import Role, crud, grant
        from zhilian.core import attachments, audit, i18n, permissions, registry, search

        from . import dashboard, demo, models, reminders, selectors

        # Why the lead unit has priority is kept translatable: the history shows it in the reader's language.
        audit.register(models.Project, formatters={"priority_reason": lambda value, **_context: i18n.shown(value)})
        for child in (models.ProjectParticipant, models.ProjectTarget, models.Milestone, models.BudgetLine,
                      models.Signoff, models.ProgressReport, models.MidtermCheck, models.Acceptance):
            audit.register(child, parent="project")
        # A change request's values read as on its page (the task book's labels), not as JSON keys.
        audit.register(models.ChangeRequest, parent="project", formatters={
            "before": selectors.recorded_change_text, "after": selectors.recorded_change_text})
        # The system's warnings keep their title and description translatable: the history
        # shows them in the reader's language, as the project page does.
        audit.register(models.RiskWarning, parent="project", formatters={
            "title": lambda value, **_context: i18n.shown(value),
            "description": lambda value, **_context: i18n.shown(value),
            "resolution": lambda value, **_context: i18n.shown(value)})
        audit.register(models.MilestoneProgress, parent="report")
        # Records that name a project without its id ("GG-2025-001 12 英寸…", a problem's record of the
        # project that started it) find it by code: the history names it only to who may see it (PLT-02).
        audit.register_names(models.Project, selectors.projects_by_recorded_name)
        attachments.register(models.Project)  # the sealed task book, supporting documents
        attachments.register(models.Acceptance)  # the full set of acceptance materials (5.5.5)
        search.register(models.Project, label=_("Breakthrough projects"), weight=75, select_related=("lead_unit",))

        everyone = [r for r in Role if r != Role.CONSUMER]
        units = [Role.CHAIN_OWNER, Role.ENTERPRISE, Role.TECH_INSTITUTION, Role.INDUSTRY_ORG, Role.RESEARCH]
        records = ["project", "projectparticipant", "projecttarget", "milestone", "budgetline", "signoff",
                   "progressreport", "milestoneprogress", "midtermcheck", "changerequest", "riskwarning", "acceptance"]
        grant(everyone, *[f"projects.view_{m}" for m in records])
        grant(units, *crud("projects", "project", "add", "change", "delete"),
              *crud("projects", "progressreport", "add"), *crud("projects", "changerequest", "add"),
              *crud("projects", "riskwarning", "add"), *crud("projects", "acceptance", "add", "change"),
              # a consortium's lead unit approves its members' task books and changes (5.5.4 c)
              "projects.approve_project")
        grant([Role.MANAGEMENT_INSTITUTION, Role.CITY_REGULATOR], "projects.approve_project", "projects.accept_project")
        # Units pick their project's source problems from the library (PRJ-01).
        grant(units, "problems.view_problem")

        # Whoever may see a project may see the problems it tackles (PLT-02 grant).
        def problems_of_visible_projects(user, action):
            if action != "view":
                return None
            # Correlated (EXISTS per problem, per link), not "pk IN (every visible project's
            # problems)": checking a few problems then reads a few links instead of computing
            # the caller's whole project scope first (15 ms → 0.4 ms on 10,000 projects).
            visible_project = models.Project.objects.restrict(user, "view").filter(pk=OuterRef("project_id"))
            return Q(Exists(models.Project.problems.through.objects.filter(problem_id=OuterRef("pk"))
                            .filter(Exists(visible_project))))

        permissions.register_grant("problems.Problem", problems_of_visible_projects)
        # A problem a project was made from is its source: the problem library keeps it (PRJ-01).
        from zhilian.problems.selectors import register_deletion_guard

        register_deletion_guard(lambda problem: models.Project.objects.filter(problems=problem))

        registry.menu(registry.MenuGroup(key="innovation", label=_("Quality breakthrough"), icon="rocket-takeoff",
                                         order=40, items=[
            registry.MenuItem(_("Breakthrough project library"), "projects:project_list", "projects.view_project",
                              "kanban"),
            registry.MenuItem(_("Risk warnings"), "projects:risk_list", "projects.view_riskwarning",
                              "exclamation-triangle"),
        ]))
        dashboard.register()
        registry.reminder_provider("projects", reminders.project_reminders)
        registry.demo_loader("projects", demo.load, order=70)
