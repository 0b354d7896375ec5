"""The Appendix I summary of a chain's quality-improvement work, computed from the records (EVA-01).

Every figure is counted over what the user may see (``restrict``), so the city bureau and
the management institution get the whole picture and nobody learns more than their pages
would show. What each column counts:

- coverage (覆盖范围): the districts / counties where the units taking part are (consortium
  units that joined, units of approved projects); industrial clusters: the cities they are
  in (chain guide 5.3.3 groups the chain's enterprises by region), unless entered;
- participation (参与情况): enterprises, of which SMEs (micro, small, medium), technical
  institutions and universities / research institutes, and the experts who sat on the
  projects' mid-term checks and acceptance panels;
- outcomes (取得成效): approved projects that tackle a common (共性) problem, problems
  solved, key quality indicators of accepted projects (baseline → achieved);
- inputs (投入情况): budgets of approved projects, spending reported, members' funds.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from zhilian.core import resultcache
from zhilian.consortia.choices import ContributionKind
from zhilian.consortia.models import Consortium, ConsortiumMember, MemberContribution
from zhilian.directory.choices import OrganizationKind, SizeClass
from zhilian.directory.models import Expert, Organization
from zhilian.problems.models import Problem, ProblemStatus
from zhilian.projects.choices import ProjectStatus, TargetKind
from zhilian.projects import selectors as project_selectors
from zhilian.projects.models import BudgetLine, Project, ProjectParticipant, ProjectTarget

from .models import ChainSummaryInput

APPROVED = [ProjectStatus.IN_PROGRESS, ProjectStatus.ACCEPTANCE, ProjectStatus.ACCEPTED, ProjectStatus.ARCHIVED]
FINISHED = [ProjectStatus.ACCEPTED, ProjectStatus.ARCHIVED]
SMES = [SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM]


@dataclass
class ChainSummary:
    chain: object
    districts: list = field(default_factory=list)
    cities: list = field(default_factory=list)
    clusters: int = 0
    enterprises: list = field(default_factory=list)
    smes: list = field(default_factory=list)
    institutions: list = field(default_factory=list)
    experts: list = field(default_factory=list)
    projects: int = 0
    common_projects: list = field(default_factory=list)
    solved_problems: list = field(default_factory=list)
    indicators: list = field(default_factory=list)
    budget: Decimal = Decimal("0")
    spent: Decimal = Decimal("0")
    member_funds: Decimal = Decimal("0")
    inputs: ChainSummaryInput | None = None

    @property
    def indicator_text(self) -> str:
        lines = list(self.indicators)
        if self.inputs and self.inputs.indicator_note:
            lines.append(self.inputs.indicator_note)
        return pgettext("separator of the items of a list", "; ").join(lines)

    @property
    def funds_text(self) -> str:
        """"项目经费预算 1,200.00 万元，已支出 …" in the reader's language (amounts in 万元)."""
        text = _("Project budgets %(budget)s, spent %(spent)s (10,000 yuan)") % {
            "budget": f"{self.budget:,.2f}", "spent": f"{self.spent:,.2f}"}
        if self.member_funds:
            text += _("; consortium members' funds %(funds)s (10,000 yuan)") % {"funds": f"{self.member_funds:,.2f}"}
        return text

    def manual(self, name) -> str:
        return getattr(self.inputs, name, "") if self.inputs else ""


def _fmt(value, unit):
    return "—" if value is None else f"{value.normalize():f}{unit}"


def chain_summary(user, chain) -> ChainSummary:
    """Table I.1's row for one chain from the records the user may see, kept until a table it
    read changes: the table, a chain's page, the API and the workbook ask for the same rows,
    0.1-0.2 s each for a chain of thousands of projects."""
    return resultcache.cached("chain-summary", (*resultcache.user_key(user), chain.pk),
                              lambda: _computed(user, chain), depends_on=resultcache.ACCOUNT_TABLES)


def _computed(user, chain) -> ChainSummary:
    summary = ChainSummary(chain=chain)
    projects = Project.objects.restrict(user, "view").filter(chain=chain, status__in=APPROVED)
    consortia = Consortium.objects.restrict(user, "view").filter(chain=chain)
    member_orgs = ConsortiumMember.objects.restrict(user, "view").filter(
        consortium__in=consortia, joined_on__isnull=False).values_list("organization", flat=True)
    project_orgs = ProjectParticipant.objects.restrict(user, "view").filter(project__in=projects).values_list(
        "organization", flat=True)
    # At bench scale (thousands of projects, 100,000 units) the table took 3 s: "in these members
    # or in those participants" scanned every unit, and whole rows (with their search text) were
    # read. The few hundred units are found first, then only what the table and page read.
    unit_ids = set(member_orgs) | set(project_orgs)
    units = list(Organization.objects.filter(pk__in=unit_ids)
                 .only("name", "kind", "size", "province", "city", "district").order_by("name_sort"))
    summary.districts = sorted({f"{o.province}{o.city}{o.district}" for o in units if o.district})
    summary.cities = sorted({f"{o.province}{o.city}" for o in units if o.city})
    summary.enterprises = [o for o in units if o.kind == OrganizationKind.ENTERPRISE]
    summary.smes = [o for o in summary.enterprises if o.size in SMES]
    summary.institutions = [o for o in units if o.kind in (OrganizationKind.INSTITUTION, OrganizationKind.RESEARCH)]
    summary.experts = list(Expert.objects.restrict(user, "view").filter(
        Q(midterm_checks__project__in=projects) | Q(acceptances__project__in=projects)).distinct()
        .only("name", "name_sort").order_by("name_sort"))
    summary.projects = projects.count()
    common = Problem.objects.filter(is_common=True).values("pk")
    summary.common_projects = list(projects.filter(problems__in=common).distinct().only("code", "name").order_by("code"))
    summary.solved_problems = list(Problem.objects.restrict(user, "view").filter(
        chain=chain, status=ProblemStatus.SOLVED).only("code", "name"))
    for target in (ProjectTarget.objects.restrict(user, "view")
                   .filter(project__in=projects.filter(status__in=FINISHED), kind=TargetKind.QUALITY,
                           achieved__isnull=False).select_related("project")):
        summary.indicators.append(f"{target.indicator} {_fmt(target.baseline, target.unit)}→"
                                  f"{_fmt(target.achieved, target.unit)}")
    summary.budget = BudgetLine.objects.restrict(user, "view").filter(project__in=projects).aggregate(
        s=Sum("amount"))["s"] or Decimal("0")
    summary.spent = project_selectors.with_spent_to_date(projects).aggregate(
        s=Sum("spent_to_date"))["s"] or Decimal("0")
    summary.member_funds = MemberContribution.objects.restrict(user, "view").filter(
        consortium__in=consortia, kind=ContributionKind.FUNDS).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    summary.inputs = ChainSummaryInput.objects.restrict(user, "view").filter(chain=chain).first()
    summary.clusters = (summary.inputs.clusters if summary.inputs and summary.inputs.clusters is not None
                        else len(summary.cities))
    return summary
