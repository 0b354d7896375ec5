from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsortiaConfig(AppConfig):
    name = "zhilian.consortia"
    label = "consortia"
    verbose_name = _("Quality innovation consortia")

    def ready(self):
        from zhilian.accounts.roles import Role, crud, grant
        from zhilian.core import attachments, audit, permissions, registry, search

        from . import demo, models, selectors

        audit.register(models.Consortium)
        audit.register(models.ConsortiumMember, parent="consortium")
        audit.register(models.ConsortiumReview, parent="consortium")
        audit.register(models.ConsortiumCharter, parent="consortium")
        audit.register(models.MemberContribution, parent="consortium")
        attachments.register(models.Consortium)  # the sealed application, supporting documents
        attachments.register(models.ConsortiumCharter)  # the signed charter
        search.register(models.Consortium, label=_("Quality innovation consortia"), weight=65,
                        select_related=("lead_unit",))

        everyone = [r for r in Role if r != Role.CONSUMER]
        # chain guide 5.2.1 a): enterprises, institutions, associations and universities lead
        # consortia and are their members.
        units = [Role.CHAIN_OWNER, Role.ENTERPRISE, Role.TECH_INSTITUTION, Role.INDUSTRY_ORG, Role.RESEARCH]
        grant(everyone, *crud("consortia", "consortium", "view"), *crud("consortia", "consortiummember", "view"),
              *crud("consortia", "consortiumreview", "view"), *crud("consortia", "consortiumcharter", "view"),
              *crud("consortia", "membercontribution", "view"))
        grant(units, *crud("consortia", "consortium", "add", "change", "delete"),
              *crud("consortia", "consortiummember", "add", "change"),
              *crud("consortia", "consortiumcharter", "add"),
              *crud("consortia", "membercontribution", "add", "change", "delete"))
        # 区质量强区工作领导小组办公室 and 市质量强市工作领导小组办公室 sit in the bureaus.
        grant([Role.DISTRICT_REGULATOR, Role.CITY_REGULATOR], "consortia.review_consortium")
        # Applicants choose the chain of their consortium (published maps, chains' own scope).
        grant(everyone, "chains.view_chain")

        # Units of one consortium see each other's directory records (PLT-02 grant).
        def fellow_units(user, action):
            if action != "view" or not user.organization_id:
                return None
            from django.db.models import Q

            return Q(pk__in=selectors.fellow_organization_ids(user))

        permissions.register_grant("directory.Organization", fellow_units)

        registry.menu(registry.MenuGroup(key="innovation", label=_("Quality breakthrough"), icon="rocket-takeoff",
                                         order=40, items=[
            registry.MenuItem(_("Quality innovation consortia"), "consortia:consortium_list",
                              "consortia.view_consortium", "people"),
        ]))
        registry.demo_loader("consortia", demo.load, order=60, usernames=tuple(u[0] for u in demo.CONSORTIUM_USERS))
