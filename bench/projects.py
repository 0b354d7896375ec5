"""Benchmark of the project and achievement libraries (issue "projects and achievements").

Dataset (at --scale 1.0), on top of the demo data and the directory of bench/directory.py:

* 40 approved consortia: the demo 集成电路产业链质量创新联合体 grown to ~400 member units, the
  rest with 10–60 members each (9 chains, 20,000 problems for projects to originate from);
* 10,000 breakthrough projects (task-book units, budget lines, some open risk warnings,
  1–2 source problems each; ~30 % in the large consortium);
* 20,000 achievements of accepted projects, share levels public / consortium / paid /
  targeted, 75 % listed; targeted organizations and signed licences.

Measured as ``icmember`` (福建闽硅单晶材料有限公司, a member unit of the large consortium), whose
visibility of achievements depends on share level, membership, targeting and licences.

    .venv/bin/python bench/projects.py [--scale 1.0] [--clients 20] [--duration 20] [--keep-db]

Target: p95 < 150 ms at 20 concurrent clients.
"""

import datetime
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import Endpoint, api_count_at_least, contains, log  # noqa: E402

TARGET = 150.0
MEMBER_USER = "icmember"
LARGE = "集成电路产业链质量创新联合体"
OUTCOMES = ["提升工艺", "检测方法", "测量装置", "团体标准", "质量控制方案", "失效分析数据库", "在线监测系统",
            "可靠性评价规范", "典型案例", "校准规范"]


def generate(args):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from zhilian.achievements.choices import (
        AchievementStatus, AchievementType, IpType, LicenseMode, LicenseStatus, RightStatus, ShareCondition,
        ShareLevel,
    )
    from zhilian.achievements.models import Achievement, License
    from zhilian.chains.models import Chain
    from zhilian.consortia.choices import ConsortiumStatus, MemberRole
    from zhilian.consortia.models import Consortium, ConsortiumMember
    from zhilian.problems.models import Problem, ProblemCategory, ProblemStatus
    from zhilian.problems.services import next_review_date
    from zhilian.projects.choices import BudgetCategory, Direction, ParticipantRole, ProjectStatus, RiskKind, RiskSource
    from zhilian.projects.models import BudgetLine, Project, ProjectParticipant, RiskWarning

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import chains as chain_bench

    rng = random.Random(args.seed)
    User = get_user_model()
    mgmt, member = User.objects.get(username="mgmt"), User.objects.get(username=MEMBER_USER)
    sizes = common.directory_sizes(args.scale)
    log(f"generating directory {sizes}")
    directory = common.generate_directory(rng, **sizes)
    enterprises = [common.lite(o) for o in directory.enterprises]
    institutions = [common.lite(o) for o in directory.institutions]
    now = timezone.now()

    # ---------------------------------------------------------------- chains and problems
    t0 = time.time()
    from zhilian.chains import services as chain_services

    chains = [Chain.objects.get(name="集成电路产业链")]
    nodes_of = {chains[0].pk: list(chains[0].nodes.all())}
    for name in chain_bench.OTHER_CHAINS:
        ch = chain_services.chain_create(user=mgmt, name=name, industry="制造业", description=f"{name}示范")
        nodes_of[ch.pk] = chain_bench.build_tree(rng, ch, 30, per_level=(None, 3, 2))[0]
        chains.append(ch)
    problems_of = {c.pk: [] for c in chains}
    rows = []
    n_problems = max(100, int(20_000 * args.scale))
    for i in range(n_problems):
        ch = chains[i % len(chains)]
        node = rng.choice(nodes_of[ch.pk])
        product = node.keywords.split("，")[0] if node.keywords else node.name
        reported = common.random_date(rng, datetime.date(2016, 1, 1), datetime.date(2026, 6, 1))
        rows.append(Problem(
            code=f"QP{reported.year}-{i:05d}", name=f"{product}{rng.choice(chain_bench.ISSUES)}", reported_on=reported,
            reporter_org=rng.choice(enterprises), chain=ch, node=node, segment=node.segment, product=product,
            description=f"{product}批次不良率 {rng.randint(2, 30) / 10}%，高于行业先进水平。", impact="影响下游交付。",
            category=rng.choice(ProblemCategory.values), status=rng.choice(ProblemStatus.values),
            next_review_due=next_review_date(reported)))
    common.copy_insert(Problem, rows)
    for p in rows:
        problems_of[p.chain_id].append(p.pk)
    log(f"  {len(chains) - 1} chains, {len(rows)} problems in {time.time() - t0:.1f}s")

    # ---------------------------------------------------------------- consortia
    t0 = time.time()
    large = Consortium.objects.get(name=LARGE)
    consortia = [large]
    members_of = {large.pk: list(ConsortiumMember.objects.filter(consortium=large).select_related("organization"))}
    members_of[large.pk] = [common.lite(m.organization) for m in members_of[large.pk]]
    rows = []
    for i in range(39):
        lead = rng.choice(enterprises)
        ch = chains[1 + i % (len(chains) - 1)]
        rows.append(Consortium(
            name=f"{ch.name[:-3]}{common.trade_name(rng)}质量创新联合体（{i + 1:02d}）", chain=ch,
            chain_domain=f"{ch.name[:-3]}（材料—制造—应用）", lead_unit=lead, person_in_charge=common.person_name(rng),
            person_phone=common.mobile(rng), goals="三年内实施 3 项以上质量攻关项目，带动链上企业良率提升。",
            work_plan="建立理事会和技术委员会；每年梳理问题库；共建公共检测平台；建立成果共享库。",
            district=lead.district, city="厦门市", status=ConsortiumStatus.APPROVED,
            submitted_at=now - datetime.timedelta(days=400), approved_on=datetime.date(2025, 3, 1), created_by=mgmt))
    common.copy_insert(Consortium, rows)
    consortia += rows
    member_rows = []
    pool = enterprises + institutions
    n_large = max(20, int(400 * args.scale))
    for c in consortia:
        current = {o.pk for o in members_of.get(c.pk, [])}
        if c is not large:
            current.add(c.lead_unit_id)
            member_rows.append(ConsortiumMember(
                consortium=c, organization=c.lead_unit, role=MemberRole.LEAD, uscc=_uscc(c.lead_unit_id),
                contact_name=c.person_in_charge, contact_phone=c.person_phone, order=0, joined_on=c.approved_on))
            members_of[c.pk] = [c.lead_unit]
        want = n_large if c is large else rng.randint(10, 60)
        while len(current) < want:
            org = rng.choice(pool)
            if org.pk in current:
                continue
            current.add(org.pk)
            members_of[c.pk].append(org)
            member_rows.append(ConsortiumMember(
                consortium=c, organization=org, role=MemberRole.MEMBER, uscc=_uscc(org.pk),
                contact_name=common.person_name(rng), contact_phone=common.mobile(rng),
                responsibilities="参与质量攻关与成果共享", order=len(current), joined_on=datetime.date(2025, 4, 1)))
    common.copy_insert(ConsortiumMember, member_rows)
    log(f"  {len(consortia)} approved consortia ({len(members_of[large.pk])} units in the large one), "
        f"{len(member_rows)} member rows in {time.time() - t0:.1f}s")

    # ---------------------------------------------------------------- projects
    t0 = time.time()
    n_projects = max(50, int(10_000 * args.scale))
    statuses = ([ProjectStatus.DRAFT] * 10 + [ProjectStatus.SUBMITTED] * 10 + [ProjectStatus.IN_PROGRESS] * 40
                + [ProjectStatus.ACCEPTANCE] * 10 + [ProjectStatus.ACCEPTED] * 25 + [ProjectStatus.ARCHIVED] * 5)
    years = list(range(2015, 2027))  # ≤ 999 a year: the app numbers GG-YYYY-NNN (see docs/benchmarks.md)
    per_year = _numbers_in_use(Project)
    projects, participants, budget, risks, links = [], [], [], [], []
    for i in range(n_projects):
        c = large if rng.random() < 0.3 else rng.choice(consortia[1:])
        units = members_of[c.pk]
        lead = rng.choice(units)
        year = years[i % len(years)]
        per_year[year] = per_year.get(year, 0) + 1
        start = datetime.date(year, rng.randint(1, 12), 1)
        status = rng.choice(statuses)
        chain_pk = c.chain_id
        product = rng.choice(list(common.PRODUCTS))
        p = Project(
            code=f"GG-{year}-{per_year[year]:03d}", name=f"{product}{rng.choice(common.PRODUCTS[product])}质量提升攻关",
            chain_id=chain_pk, consortium=c, direction=rng.choice(Direction.values), lead_unit=lead,
            leader_name=common.person_name(rng), leader_phone=common.mobile(rng), start_date=start,
            end_date=start + datetime.timedelta(days=rng.choice([365, 540, 730])),
            content_and_route=f"针对{product}关键质量特性开展机理分析、工艺优化与测量能力建设，形成标准与示范应用。",
            expected_outcomes=f"{product}一次合格率提升 5 个百分点以上；形成团体标准 1 项。",
            resource_needs="检测设备共享、专家支持", status=status,
            submitted_at=None if status == ProjectStatus.DRAFT else now - datetime.timedelta(days=rng.randint(30, 900)),
            approved_on=start if status not in (ProjectStatus.DRAFT, ProjectStatus.SUBMITTED) else None,
            accepted_on=start + datetime.timedelta(days=700) if status in (ProjectStatus.ACCEPTED,
                                                                            ProjectStatus.ARCHIVED) else None,
            created_by=member if lead.pk == member.organization_id else None)
        projects.append(p)
    common.validate_sample(projects, exclude=["code", "chain", "lead_unit"])
    common.copy_insert(Project, projects)
    for p in projects:
        units = members_of[p.consortium_id]
        chosen = {p.lead_unit_id}
        participants.append(ProjectParticipant(project=p, organization_id=p.lead_unit_id, role=ParticipantRole.LEAD,
                                               person_in_charge=p.leader_name, tasks="总体负责", order=0))
        for k in range(rng.randint(1, 3)):
            org = rng.choice(units)
            if org.pk not in chosen:
                chosen.add(org.pk)
                participants.append(ProjectParticipant(project=p, organization_id=org.pk,
                                                       person_in_charge=common.person_name(rng), tasks="联合攻关", order=k + 1))
        for cat in rng.sample(BudgetCategory.values, 3):
            budget.append(BudgetLine(project=p, category=cat, amount=Decimal(rng.randint(5, 300))))
        if p.status == ProjectStatus.IN_PROGRESS and rng.random() < 0.15:
            risks.append(RiskWarning(project=p, source=RiskSource.TEAM, kind=RiskKind.TECHNICAL, title="关键设备交付延期"))
        for pk in rng.sample(problems_of[p.chain_id], min(2, len(problems_of[p.chain_id]))) if problems_of[p.chain_id] else []:
            links.append((p.pk, pk))
    common.copy_insert(ProjectParticipant, participants)
    common.copy_insert(BudgetLine, budget)
    common.copy_insert(RiskWarning, risks)
    common.copy_m2m(Project.problems, links)
    log(f"  {len(projects)} projects, {len(participants)} task-book units, {len(budget)} budget lines, "
        f"{len(risks)} open risks in {time.time() - t0:.1f}s")

    # ---------------------------------------------------------------- achievements
    t0 = time.time()
    done = [p for p in projects if p.status in (ProjectStatus.ACCEPTED, ProjectStatus.ARCHIVED)]
    n_ach = max(100, int(20_000 * args.scale))
    levels = [ShareLevel.PUBLIC] * 35 + [ShareLevel.CONSORTIUM] * 30 + [ShareLevel.PAID] * 20 + [ShareLevel.TARGETED] * 15
    ach_statuses = ([AchievementStatus.LISTED] * 75 + [AchievementStatus.SUBMITTED] * 10
                    + [AchievementStatus.DRAFT] * 10 + [AchievementStatus.DELISTED] * 5)
    types = AchievementType.values
    per_year = _numbers_in_use(Achievement)
    achievements, targeted, ach_problems = [], [], []
    member_org = member.organization_id
    for i in range(n_ach):
        p = done[i % len(done)]
        year = 2018 + i % 9
        per_year[year] = per_year.get(year, 0) + 1
        level, status = rng.choice(levels), rng.choice(ach_statuses)
        product = p.name.split("质量")[0]
        ip = rng.choice(IpType.values)
        right = RightStatus.GRANTED if ip in (IpType.INVENTION, IpType.UTILITY) and rng.random() < 0.6 else \
            RightStatus.NOT_APPLICABLE
        a = Achievement(
            code=f"CG-{year}-{per_year[year]:04d}", name=f"{product}{rng.choice(OUTCOMES)}",
            contributor=p.lead_unit, achievement_type=rng.choice(types),
            summary=f"面向{product}的{rng.choice(OUTCOMES)}，解决关键参数测量不准、工艺窗口窄的问题。",
            problem_solved=f"{product}批次一致性差、良率偏低。", indicators="关键参数波动降低 50 %，一次合格率 ≥ 98 %。",
            application_scope=f"{product}生产企业、检测机构", ip_type=ip, right_status=right,
            certificate_no=f"ZL{year}1{rng.randrange(10**7):07d}.{rng.randint(0, 9)}" if right == RightStatus.GRANTED else "",
            right_holder=p.lead_unit.name if right == RightStatus.GRANTED else "", share_level=level,
            share_condition=ShareCondition.PAID if level == ShareLevel.PAID else ShareCondition.FREE,
            fee_terms="一次性许可费，按年度结算" if level == ShareLevel.PAID else "",
            contact_name=common.person_name(rng), contact_phone=common.mobile(rng), project=p, consortium=p.consortium,
            status=status, declared_at=None if status == AchievementStatus.DRAFT else now - datetime.timedelta(days=200),
            listed_on=datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
            if status in (AchievementStatus.LISTED, AchievementStatus.DELISTED) else None,
            delisted_on=datetime.date(2026, 6, 1) if status == AchievementStatus.DELISTED else None,
            delist_reason="专利失效" if status == AchievementStatus.DELISTED else "",
            created_by=None)
        achievements.append(a)
    common.validate_sample(achievements, exclude=["code", "contributor", "consortium", "project"])
    common.copy_insert(Achievement, achievements)
    pool_ids = [o.pk for o in pool]
    for a in achievements:
        if a.share_level == ShareLevel.TARGETED:
            ids = set(rng.sample(pool_ids, rng.randint(1, 5)))
            if rng.random() < 0.1:
                ids.add(member_org)
            targeted += [(a.pk, o) for o in ids]
        ach_problems += [(a.pk, pk) for pk in rng.sample(problems_of[a.project.chain_id],
                                                         min(1, len(problems_of[a.project.chain_id])))]
    common.copy_m2m(Achievement.targeted_organizations, targeted)
    common.copy_m2m(Achievement.problems, ach_problems)
    licences = []
    paid = [a for a in achievements if a.share_level == ShareLevel.PAID and a.status == AchievementStatus.LISTED]
    for i in range(min(len(paid), max(20, int(2_000 * args.scale)))):
        a = paid[i]
        licensee = member_org if i < 20 else rng.choice(pool_ids)
        if licensee == a.contributor_id:
            continue
        start = datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randrange(300))
        licences.append(License(
            code=f"XK-2024-{i + 1:04d}", achievement=a, licensor_id=a.contributor_id, licensee_id=licensee,
            mode=LicenseMode.ORDINARY, territories=["福建省"], field_of_use="", start_date=start,
            end_date=start + datetime.timedelta(days=3 * 365), fee_amount=Decimal(rng.randint(1, 50)),
            status=LicenseStatus.SIGNED, signed_on=start, licensor_signatory=common.person_name(rng),
            licensee_signatory=common.person_name(rng)))
    common.copy_insert(License, licences)
    log(f"  {len(achievements)} achievements, {len(targeted)} targeted organizations, {len(licences)} signed "
        f"licences in {time.time() - t0:.1f}s")


def _numbers_in_use(model) -> dict[int, int]:
    """Highest number per year of the codes the demo already uses (GG-2026-001, CG-2026-0004 …)."""
    numbers: dict[int, int] = {}
    for code in model.objects.values_list("code", flat=True):
        _prefix, year, number = code.split("-")
        numbers[int(year)] = max(numbers.get(int(year), 0), int(number))
    return numbers


_USCC_CACHE: dict = {}


def _uscc(org_id):
    from zhilian.directory.models import Organization

    if not _USCC_CACHE:
        _USCC_CACHE.update(Organization.objects.exclude(uscc=None).values_list("pk", "uscc"))
    return _USCC_CACHE.get(org_id) or ""


def verify():
    from zhilian.achievements.models import Achievement
    from zhilian.consortia.models import Consortium, ConsortiumMember
    from zhilian.projects.models import Project

    return [common.verify_save_path(Consortium, select_related=["lead_unit"]),
            common.verify_save_path(ConsortiumMember, select_related=["organization", "consortium"]),
            common.verify_save_path(Project, select_related=["lead_unit"]),
            common.verify_save_path(Achievement, select_related=["contributor"])]


def dataset_counts():
    from zhilian.accounts.models import User
    from zhilian.achievements.models import Achievement, License
    from zhilian.consortia.models import Consortium, ConsortiumMember
    from zhilian.directory.models import Organization
    from zhilian.problems.models import Problem
    from zhilian.projects.models import Project

    member = User.objects.get(username=MEMBER_USER)
    large = Consortium.objects.get(name=LARGE)
    return {
        "organizations": Organization.objects.count(), "problems": Problem.objects.count(),
        "consortia": Consortium.objects.count(), "consortium member rows": ConsortiumMember.objects.count(),
        "units in the large consortium": ConsortiumMember.objects.filter(consortium=large).count(),
        "projects": Project.objects.count(), "projects of the large consortium": Project.objects.filter(consortium=large).count(),
        "achievements": Achievement.objects.count(), "signed licences": License.objects.count(),
        f"achievements {MEMBER_USER} may see": Achievement.objects.restrict(member, "view").count(),
        f"projects {MEMBER_USER} may see": Project.objects.restrict(member, "view").count(),
    }


def endpoints() -> list[Endpoint]:
    from urllib.parse import quote

    from zhilian.accounts.models import User
    from zhilian.achievements.choices import AchievementType, ShareLevel
    from zhilian.achievements.models import Achievement
    from zhilian.projects.choices import Direction, ProjectStatus

    member = User.objects.get(username=MEMBER_USER)
    visible = Achievement.objects.restrict(member, "view")
    names = list(visible.order_by("?").values_list("name", flat=True)[:10])
    from zhilian.core.search import filter_queryset

    candidates = names[:5] + [n[:4] for n in names[5:]] + ["检测方法", "单晶硅棒 校准规范", "团体标准", "锂离子电池"]
    terms = [t for t in candidates if filter_queryset(visible, t).exists()]  # queries with hits only
    ids = list(visible.values_list("pk", flat=True)[:5000])
    pages = max(1, min(5, visible.count() // 25 - 1))

    def term(r):
        return quote(r.choice(terms))

    # --vary: searches for terms from the rows the member sees (a fragment of a name, a code, a
    # name's product with another outcome word), lists under other filters, sort orders and pages.
    rows = list(visible.order_by("?").values_list("name", "code")[:5000])
    products = sorted(common.PRODUCTS)

    def varied_term(r):
        name, code = r.choice(rows)
        form = r.randrange(3)
        if form == 0:
            start = r.randrange(max(1, len(name) - 3))
            return quote(name[start:start + r.randint(2, 5)])
        if form == 1:
            return quote(code)
        product = next((p for p in products if name.startswith(p)), name[:2])
        return quote(f"{product} {name[len(product):][:2]}")

    def varied_achievements(prefix, sort_param):
        types = [""] + [t for t, _ in AchievementType.choices]
        levels = [""] + [v for v, _ in ShareLevel.choices]

        def path(r):
            kind, level = r.choice(types), r.choice(levels)
            order = r.choice(["", "name", "-name", "listed_on", "-listed_on"])
            page = r.randint(1, pages * 8 if not (kind or level) else 3 if not (kind and level) else 1)
            return common.query_path(prefix, [("achievement_type", kind), ("share_level", level),
                                              (sort_param, order), ("page", str(page))])
        return path

    def varied_projects(prefix, sort_param):
        statuses = [""] + [v for v, _ in ProjectStatus.choices]
        directions = [""] + [v for v, _ in Direction.choices]

        def path(r):
            return common.query_path(prefix, [("status", r.choice(statuses)), ("direction", r.choice(directions)),
                                              (sort_param, r.choice(["", "name", "-name"]))])
        return path

    # --writes: the management institution records a change of an achievement's right status
    # (ACH-05), e.g. a patent granted after examination; each edit picks a status it does not have.
    keeper = User.objects.get(username="mgmt")
    rights = dict(Achievement.objects.restrict(keeper, "view").filter(status="listed")
                  .order_by("pk").values_list("pk", "right_status")[:3000])
    right_ids = list(rights)
    cycle = ["granted", "examination", "registered", "filed"]

    def edit_achievement(r):
        pk = r.choice(right_ids)
        rights[pk] = r.choice([status for status in cycle if status != rights[pk]])
        return "POST", f"/api/v1/achievements/{pk}/right-status/", {
            "right_status": rights[pk], "effective_on": "2026-12-01", "note": "年度权利状态复核"}

    return [
        Endpoint("web: achievement list", "web", MEMBER_USER, lambda r: f"/achievements/?page={r.randint(1, pages)}",
                 TARGET, contains("achievement-table"), write=edit_achievement,
                 varied=varied_achievements("/achievements/", "sort")),
        Endpoint("web: achievement search ?q=", "web", MEMBER_USER, lambda r: f"/achievements/?q={term(r)}", TARGET,
                 contains("achievement-table"), write=edit_achievement,
                 varied=lambda r: f"/achievements/?q={varied_term(r)}"),
        Endpoint("api: achievements", "api", MEMBER_USER, lambda r: f"/api/v1/achievements/?page={r.randint(1, pages)}",
                 TARGET, api_count_at_least(1), write=edit_achievement,
                 varied=varied_achievements("/api/v1/achievements/", "ordering")),
        Endpoint("api: achievements ?q=", "api", MEMBER_USER, lambda r: f"/api/v1/achievements/?q={term(r)}", TARGET,
                 api_count_at_least(1), write=edit_achievement,
                 varied=lambda r: f"/api/v1/achievements/?q={varied_term(r)}"),
        Endpoint("web: project list", "web", MEMBER_USER, lambda r: f"/projects/?page={r.randint(1, 3)}", TARGET,
                 contains("project-table"), varied=varied_projects("/projects/", "sort")),
        Endpoint("api: projects", "api", MEMBER_USER, lambda r: f"/api/v1/projects/?page={r.randint(1, 3)}", TARGET,
                 api_count_at_least(1), varied=varied_projects("/api/v1/projects/", "ordering")),
        Endpoint("api: achievement detail", "api", MEMBER_USER, lambda r: f"/api/v1/achievements/{r.choice(ids)}/",
                 TARGET, note="also records the day's usage (a write)", write=edit_achievement),
    ]


def main():
    args = common.parse_args("projects", __doc__)
    env = common.configure_environment(args)
    timings = {}
    t0 = time.time()
    fresh = common.prepare_database(args, env)
    timings["create_migrate_demo"] = round(time.time() - t0, 1)
    common.django_setup()
    if fresh:
        t0 = time.time()
        generate(args)
        timings["generate"] = round(time.time() - t0, 1)
        common.vacuum_analyze()
    verified = verify()
    log(f"save-path check: {verified}")
    dataset = dataset_counts()
    log(f"dataset: {dataset}")
    info = common.machine()
    log(info["uptime"])
    eps = endpoints()
    t0 = time.time()
    with common.Server(env, args.workers, args.threads, name=args.name) as server:
        auth = common.Auth(server.base)
        results = common.run_all(server.base, eps, auth, args, server)
    timings["load"] = round(time.time() - t0, 1)
    info["uptime_after"] = common.uptime()
    profiles = common.profile_all(eps, results, args)
    common.write_results(args, dataset={**dataset, "save_path_check": verified}, results=results,
                         profiles=profiles, info=info, timings=timings)
    common.finish(args, env)


if __name__ == "__main__":
    main()
