from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "zhilian.directory"
    label = "directory"
    verbose_name = _("Directory")

    def ready(self):
        from zhilian.accounts.roles import Role, crud, grant
        from zhilian.core import attachments, audit, masking, registry, search

        from . import dashboard, demo, models, selectors

        audit.register(models.Organization)
        audit.register(models.InstitutionQualification, parent="organization")
        audit.register(models.TestingCapability, parent="institution")
        audit.register(models.Expert)
        audit.register(models.ExpertQualification, parent="expert")
        audit.register(models.ServicePoint)
        # A service point's phone is the station's published office line, not a person's number.
        masking.register(models.ServicePoint, exclude=["phone"])
        audit.register(models.ServiceCommissioner)
        audit.register(models.EnterpriseTalent, parent="enterprise")
        attachments.register(models.Organization, owners=selectors.organization_attachment_owners)
        attachments.register(models.Expert)
        attachments.register(models.ServiceCommissioner, owners=selectors.commissioner_attachment_owners)
        attachments.register(models.EnterpriseTalent, owners=selectors.talent_attachment_owners)

        search.register(models.Organization, label=_("Organizations"), weight=100)
        search.register(models.TestingCapability, title_field="product", label=_("Testing capabilities"), weight=80,
                        select_related=("institution",))
        search.register(models.Expert, label=_("Experts"), weight=70)
        search.register(models.ServiceCommissioner, label=_("Service commissioners"), weight=60)
        search.register(models.EnterpriseTalent, label=_("Enterprise talents"), weight=50, select_related=("enterprise",))
        search.register(models.ServicePoint, label=_("Service points"), weight=40)

        everyone = [r for r in Role if r != Role.CONSUMER]
        view_all = [*crud("directory", "organization", "view"), *crud("directory", "testingcapability", "view"),
                    *crud("directory", "servicepoint", "view"), *crud("directory", "servicecommissioner", "view"),
                    *crud("directory", "institutionqualification", "view"), "directory.view_servicedomain"]
        grant(everyone, *view_all)
        experts_view = [*crud("directory", "expert", "view"), *crud("directory", "expertqualification", "view")]
        grant([Role.CITY_REGULATOR, Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR, Role.MANAGEMENT_INSTITUTION,
               Role.COMMISSIONER, Role.TECH_INSTITUTION, Role.INDUSTRY_ORG, Role.RESEARCH, Role.EXPERT,
               Role.SYSTEM_ADMIN], *experts_view)
        talents_view = crud("directory", "enterprisetalent", "view")
        grant([Role.CITY_REGULATOR, Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR, Role.MANAGEMENT_INSTITUTION,
               Role.COMMISSIONER, Role.CHAIN_OWNER, Role.ENTERPRISE], *talents_view)
        # Who maintains the directory: the city bureau and the management institution for
        # everything; district bureaus for their district's enterprises; organizations for
        # their own record; institutions for their qualifications and capabilities.
        editors = [Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION, Role.SYSTEM_ADMIN]
        grant(editors, *crud("directory", "organization", "add", "change", "delete"),
              *crud("directory", "institutionqualification", "add", "change", "delete"),
              *crud("directory", "testingcapability", "add", "change", "delete"),
              *crud("directory", "expert", "add", "change", "delete"),
              *crud("directory", "expertqualification", "add", "change", "delete"),
              *crud("directory", "servicepoint", "add", "change", "delete"),
              *crud("directory", "servicecommissioner", "add", "change", "delete"),
              *crud("directory", "enterprisetalent", "add", "change", "delete"))
        grant([Role.DISTRICT_REGULATOR, Role.GRASSROOTS_REGULATOR, Role.COMMISSIONER],
              *crud("directory", "organization", "add", "change"))
        grant([Role.CHAIN_OWNER, Role.ENTERPRISE, Role.TECH_INSTITUTION, Role.INDUSTRY_ORG, Role.RESEARCH],
              *crud("directory", "organization", "change"))
        grant([Role.CHAIN_OWNER, Role.ENTERPRISE], *crud("directory", "enterprisetalent", "add", "change", "delete"))
        grant(Role.TECH_INSTITUTION, *crud("directory", "institutionqualification", "add", "change", "delete"),
              *crud("directory", "testingcapability", "add", "change", "delete"))
        grant(Role.EXPERT, *crud("directory", "expert", "change"), *crud("directory", "expertqualification", "add", "change", "delete"))
        grant(Role.COMMISSIONER, *crud("directory", "servicecommissioner", "change"))

        registry.menu(registry.MenuGroup(key="directory", label=_("Directory"), icon="buildings", order=10, items=[
            registry.MenuItem(_("Organizations"), "directory:organization_list", "directory.view_organization", "building"),
            registry.MenuItem(_("Market regulation hierarchy"), "directory:government_tree", "directory.view_organization",
                              "bank2"),
            registry.MenuItem(_("Testing capabilities"), "directory:capability_list", "directory.view_testingcapability", "clipboard-data"),
            registry.MenuItem(_("Major testing institutions roster"), "directory:capability_roster",
                              "directory.view_testingcapability", "journal-text"),
            registry.MenuItem(_("CMA / CNAS certificates"), "directory:qualification_list",
                              "directory.view_institutionqualification", "patch-check"),
            registry.MenuItem(_("Experts"), "directory:expert_list", "directory.view_expert", "person-badge"),
            registry.MenuItem(_("Compose a working group"), "directory:working_group", "directory.view_expert", "people"),
            registry.MenuItem(_("Service commissioners"), "directory:commissioner_list", "directory.view_servicecommissioner", "person-workspace"),
            registry.MenuItem(_("Enterprise talents"), "directory:talent_list", "directory.view_enterprisetalent", "mortarboard"),
            registry.MenuItem(_("Service network (1+3+N)"), "directory:service_network", "directory.view_servicepoint", "diagram-3"),
        ]))
        dashboard.register()
        registry.demo_loader("directory", demo.load, order=10)
