"""Benchmark of the chain quality map and the problem library (issue "chain quality map").

Dataset (at --scale 1.0), on top of the demo data and the directory of bench/directory.py
(100,000 enterprises, 5,000 institutions, 200,000 testing capabilities, 20,000 experts):

* one chain, 新能源汽车与智能终端产业链, with 2,000 nodes (three segments, trees four levels deep,
  keywords matching the capability directory, ~3,000 "supplies to" links) and 20,000
  placements, published through the app's own services (expert review, snapshot);
* 100,000 problems in the library: --chain-problems (default 10,000) on that chain, the rest on
  eight further chains of 60 nodes; 60 % assessed with the current Appendix D model
  (an assessment row each), 1–2 concerned enterprises each.

Then, unless --no-worst-case, every problem is moved onto the big chain and the map JSON is
measured again (the map draws every problem of its chain).

    .venv/bin/python bench/chains.py [--scale 1.0] [--clients 20] [--duration 20] [--keep-db]

Targets at 20 concurrent clients: map JSON p95 < 300 ms; map page, problem list and
problem search (web and API) p95 < 150 ms.
"""

import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import Endpoint, api_count_at_least, contains, log  # noqa: E402

MAP_TARGET, PAGE_TARGET = 300.0, 150.0
BIG_CHAIN = "新能源汽车与智能终端产业链"
OTHER_CHAINS = ["智能家电产业链", "生物医药产业链", "新材料产业链", "高端装备产业链", "茶产业链", "水产品加工产业链",
                "运动鞋服产业链", "石材陶瓷产业链"]
SEGMENT_PRODUCTS = {
    "upstream": ["单晶硅棒", "硅片", "玻璃基板", "偏光片", "锂离子电池", "电线电缆", "紧固件", "塑料制品", "电子元器件",
                 "印制电路板", "驱动芯片", "包装材料"],
    "midstream": ["动力电池模组", "电机", "液晶显示模组", "OLED面板", "触控面板", "背光模组", "汽车零部件", "压力容器",
                  "LED灯具", "电子元器件"],
    "downstream": ["家用电器", "汽车零部件", "LED灯具", "医疗器械", "液晶显示模组", "动力电池模组", "电机", "触控面板"],
}
LEVEL2 = ["材料", "组件", "工艺", "设备", "检测", "模组", "封装", "系统"]
ISSUES = ["一致性差", "波动大", "指标不达标", "良率偏低", "可靠性不足", "检测能力不足", "依赖进口", "标准缺失", "失效率高",
          "批次稳定性差"]


def chain_problem_count(args) -> int:
    return int(args.chain_problems * args.scale)


def extra_args(parser):
    parser.add_argument("--chain-problems", type=int, default=10_000,
                        help="problems on the big chain at --scale 1.0 (of 100,000 in the library)")
    parser.add_argument("--no-worst-case", action="store_true",
                        help="skip the second map measurement with every problem on the big chain")


def build_tree(rng, chain, n_nodes: int, *, per_level=(None, 8, 6)):
    """Nodes of ``chain``: per segment, product families → 8 sub-links → the rest spread below."""
    from zhilian.chains.models import ChainNode

    segments = list(SEGMENT_PRODUCTS)
    nodes = []
    quota = {s: n_nodes // 3 + (1 if i < n_nodes % 3 else 0) for i, s in enumerate(segments)}
    for seg in segments:
        budget = quota[seg]
        tops = []
        for i, product in enumerate(SEGMENT_PRODUCTS[seg]):
            if budget <= 0:
                break
            name = product if product not in [t.name for t in tops] else f"{product}（{seg[:2]}）"
            tops.append(ChainNode(chain=chain, segment=seg, name=name, order=i, keywords=product,
                                  key_products=f"{product}及其关键部件", technology_route=f"{product}国产化与高可靠性工艺路线",
                                  description=f"{name}环节"))
            budget -= 1
        common.copy_insert(ChainNode, tops)
        level2 = []
        for top in tops:
            for j, word in enumerate(LEVEL2[: per_level[1]]):
                if budget <= 0:
                    break
                level2.append(ChainNode(chain=chain, segment=seg, parent=top, name=f"{top.keywords}{word}", order=j,
                                        keywords=top.keywords, key_products=f"{top.keywords}{word}",
                                        technology_route=f"{word}升级"))
                budget -= 1
        common.copy_insert(ChainNode, level2)
        level3, k = [], 0
        while budget > 0 and level2:
            parent = level2[k % len(level2)]
            n = k // len(level2) + 1
            level3.append(ChainNode(chain=chain, segment=seg, parent=parent, name=f"{parent.name}{n:02d}型", order=n,
                                    keywords=parent.keywords if rng.random() < 0.8 else
                                    f"{parent.keywords}，{rng.choice(list(common.PRODUCTS))}",
                                    key_products=f"{parent.name}{n:02d}型产品", technology_route="精益制造"))
            budget -= 1
            k += 1
        common.copy_insert(ChainNode, level3)
        nodes += tops + level2 + level3
    # supplies: upstream → midstream → downstream, 1–2 links each
    by_seg = {s: [n for n in nodes if n.segment == s] for s in segments}
    pairs = set()
    for src, dst in (("upstream", "midstream"), ("midstream", "downstream")):
        for node in by_seg[src]:
            for target in rng.sample(by_seg[dst], min(len(by_seg[dst]), rng.randint(1, 2))):
                pairs.add((node.pk, target.pk))
    common.copy_m2m(ChainNode.supplies, sorted(pairs))
    return nodes, len(pairs)


def generate(args):
    from django.contrib.auth import get_user_model

    from zhilian.chains import services as chain_services
    from zhilian.chains.models import LadderPosition, Placement, PlacementRole
    from zhilian.directory.models import Organization
    from zhilian.problems.models import (
        SUB_AREAS, Problem, ProblemAssessment, ProblemCategory, ProblemSource, ProblemStatus, SeverityModel,
    )
    from zhilian.problems.services import next_review_date, severity_compute

    rng = random.Random(args.seed)
    User = get_user_model()
    mgmt, expert = User.objects.get(username="mgmt"), User.objects.get(username="expert")
    sizes = common.directory_sizes(args.scale)
    log(f"generating directory {sizes}")
    directory = common.generate_directory(rng, **sizes)
    enterprises = [common.lite(o) for o in directory.enterprises]

    t0 = time.time()
    n_nodes, n_placements = max(30, int(2000 * args.scale)), max(100, int(20_000 * args.scale))
    owner = enterprises[0]
    chain = chain_services.chain_create(
        user=mgmt, name=BIG_CHAIN, owner_enterprise=Organization.objects.get(pk=owner.pk), industry="汽车制造业",
        description="新能源汽车与智能终端：材料、电池、电机、显示与整车应用。", key_products="动力电池、驱动电机、车载显示",
        technology_routes="高镍三元与磷酸铁锂并行；Mini-LED 背光与 OLED 并行")
    nodes, links = build_tree(rng, chain, n_nodes)
    log(f"  chain {chain.pk}: {len(nodes)} nodes, {links} supply links in {time.time() - t0:.1f}s")

    t0 = time.time()
    placements, seen = [], set()
    placed_by_node = {n.pk: [] for n in nodes}
    placements.append(Placement(chain=chain, node=nodes[0], enterprise=owner, role=PlacementRole.CHAIN_OWNER,
                                ladder=LadderPosition.LEADER, key_products=nodes[0].key_products))
    seen.add((nodes[0].pk, owner.pk))
    while len(placements) < n_placements:
        node = nodes[len(placements) % len(nodes)]
        ent = rng.choice(enterprises)
        if (node.pk, ent.pk) in seen:
            continue
        seen.add((node.pk, ent.pk))
        placements.append(Placement(
            chain=chain, node=node, enterprise=ent,
            role=PlacementRole.LEADING if rng.random() < 0.1 else PlacementRole.SUPPORTING,
            ladder=LadderPosition.LEADER if rng.random() < 0.2 else LadderPosition.FOLLOWER,
            key_products=f"{node.keywords.split('，')[0]}", note=""))
    for p in placements:
        placed_by_node[p.node.pk].append(p.enterprise)
    common.validate_sample(placements)
    common.copy_insert(Placement, placements)
    log(f"  {len(placements)} placements in {time.time() - t0:.1f}s")

    t0 = time.time()
    other_nodes = []
    for name in OTHER_CHAINS:
        other = chain_services.chain_create(user=mgmt, name=name, industry="制造业", description=f"{name}示范",
                                            owner_enterprise=Organization.objects.get(pk=rng.choice(enterprises).pk))
        other_nodes.append((other, build_tree(rng, other, 60, per_level=(None, 3, 2))[0]))
    log(f"  {len(OTHER_CHAINS)} further chains in {time.time() - t0:.1f}s")

    t0 = time.time()
    model = SeverityModel.objects.prefetch_related("dimensions").get(pk=SeverityModel.objects.current().pk)
    dims = [d.code for d in model.dimensions.all()]
    categories = [c for c, _l in ProblemCategory.choices]
    statuses = ([ProblemStatus.IDENTIFIED] * 40 + [ProblemStatus.ANALYZING] * 25 + [ProblemStatus.TACKLING] * 20
                + [ProblemStatus.SOLVED] * 15)
    sources = [s for s, _l in ProblemSource.choices]
    total = max(200, int(100_000 * args.scale))
    on_big = min(total, chain_problem_count(args))
    counters: dict[int, int] = {}
    problems, assessments, concerned = [], [], []
    for i in range(total):
        if i < on_big:
            ch, node = chain, nodes[i % len(nodes)]
        else:
            ch, ns = other_nodes[i % len(other_nodes)]
            node = ns[i % len(ns)]
        product = node.keywords.split("，")[0]
        params = common.PRODUCTS.get(product, ["性能"])
        param, issue = rng.choice(params), rng.choice(ISSUES)
        reported = common.random_date(rng, datetime.date(2019, 1, 1), datetime.date(2026, 11, 1))
        counters[reported.year] = counters.get(reported.year, 0) + 1
        category = rng.choice(categories)
        sub = rng.choice(SUB_AREAS.get(category, [("", "")]))[0]
        locals_ = placed_by_node.get(node.pk) or enterprises
        reporter = rng.choice(locals_)
        rate, gap = rng.randint(2, 30) / 10, rng.randint(5, 50) / 10
        p = Problem(
            code=f"Q{reported.year}-{counters[reported.year]:04d}", name=f"{product}{param}{issue}",
            reported_on=reported, reporter_name=common.person_name(rng), reporter_org=reporter,
            source=rng.choice(sources), chain=ch, segment=node.segment, node=node, product=product,
            description=f"{node.name}环节{product}{param}{issue}：近 12 个月批次不良率 {rate}%，"
                        f"较行业先进水平高 {gap} 个百分点，客户投诉 {rng.randint(1, 40)} 起。",
            impact=f"影响下游 {rng.randint(2, 30)} 家企业的交付与良率，年损失约 {rng.randint(50, 3000)} 万元。",
            cause_technical=f"{param}控制工艺窗口窄，关键设备精度不足，{rng.choice(['原材料', '检测方法', '过程参数'])}波动。",
            cause_management="供应商质量管理体系不完善，过程数据未闭环，缺少统计过程控制。",
            suggestion=f"开展{param}测量比对与能力验证，制定团体标准，组织产学研联合攻关。",
            status=rng.choice(statuses), category=category, sub_area=sub, is_common=rng.random() < 0.1,
            next_review_due=next_review_date(reported),
        )
        if rng.random() < 0.6:
            scores = {d: rng.randint(1, 5) for d in dims}
            clean, total_score, level = severity_compute(model, scores)
            p.severity_total, p.severity_level = total_score, level
            assessments.append((p, clean, total_score, level))
        problems.append(p)
        for ent in rng.sample(locals_, min(len(locals_), rng.randint(1, 2))):
            concerned.append((p, ent.pk))
    common.validate_sample(problems, exclude=["code"])
    for start in range(0, len(problems), 50_000):
        common.copy_insert(Problem, problems[start:start + 50_000])
    common.copy_m2m(Problem.concerned_enterprises, sorted({(p.pk, e) for p, e in concerned}))
    common.copy_insert(ProblemAssessment, [
        ProblemAssessment(problem=p, model=model, scores=clean, total=t, level=lvl, assessed_by=expert,
                          comment="依据附录 D 评分")
        for p, clean, t, lvl in assessments])
    log(f"  {len(problems)} problems ({on_big} on the big chain), {len(assessments)} assessments, "
        f"{len(concerned)} concerned enterprises in {time.time() - t0:.1f}s")

    # publish through the app's services: expert review, then a numbered snapshot of the map
    t0 = time.time()
    for ch in [chain] + [c for c, _n in other_nodes[:5]]:
        ch.refresh_from_db()
        chain_services.chain_submit_for_review(user=mgmt, chain=ch, reviewers=[expert])
        chain_services.chain_publish(user=mgmt, chain=ch, note="基准测试发布")
    log(f"  published the big chain and 5 others (snapshots) in {time.time() - t0:.1f}s")


def verify():
    from zhilian.chains.models import Chain, ChainNode, Placement
    from zhilian.directory.models import Organization, TestingCapability
    from zhilian.problems.models import Problem

    return [common.verify_save_path(Organization), common.verify_save_path(TestingCapability, select_related=["institution"]),
            common.verify_save_path(Chain), common.verify_save_path(ChainNode), common.verify_save_path(Problem),
            common.verify_save_path(Placement, select_related=["enterprise"])]


def dataset_counts():
    from zhilian.chains.models import Chain, ChainNode, ChainSnapshot, Placement
    from zhilian.directory.models import Organization, TestingCapability
    from zhilian.problems.models import Problem, ProblemAssessment

    big = Chain.objects.get(name=BIG_CHAIN)
    snap = ChainSnapshot.objects.filter(chain=big).order_by("-number").first()
    return {
        "organizations": Organization.objects.count(), "testing capabilities": TestingCapability.objects.count(),
        "chains": Chain.objects.count(), "big chain id": big.pk,
        "big chain nodes": ChainNode.objects.filter(chain=big).count(),
        "big chain supply links": ChainNode.supplies.through.objects.filter(from_chainnode__chain=big).count(),
        "big chain placements": Placement.objects.filter(chain=big).count(),
        "problems": Problem.objects.count(), "problems on the big chain": Problem.objects.filter(chain=big).count(),
        "problem assessments": ProblemAssessment.objects.count(),
        "concerned-enterprise links": Problem.concerned_enterprises.through.objects.count(),
        "published snapshot size (bytes, JSON)": len(__import__("json").dumps(snap.data, ensure_ascii=False).encode())
        if snap else 0,
    }


def endpoints(big_id: int) -> list[Endpoint]:
    from urllib.parse import quote

    from zhilian.problems.models import Problem, ProblemCategory, ProblemStatus

    categories = [c for c, _l in ProblemCategory.choices]
    # pages that exist for every category at any --scale (25 rows a page)
    pages = max(1, min(5, Problem.objects.filter(chain_id=big_id).count() // len(categories) // 25 - 1))
    names = list(Problem.objects.filter(chain_id=big_id).order_by("?").values_list("product", "name")[:12])
    terms = [n for _p, n in names[:4]] + [f"{p} {n[len(p):len(p) + 2]}" for p, n in names[4:8]] + [
        "电阻率", "良率偏低", "锂离子电池 循环寿命", "液晶显示模组", "驱动芯片 静电", "标准缺失", "玻璃基板 翘曲度"]

    def term(r):
        return quote(r.choice(terms))

    # --vary: searches for terms from the chain's problems (a name, a fragment of one, a product
    # with a word of another's name, a code), lists under other filters, sort orders and pages.
    rows = list(Problem.objects.filter(chain_id=big_id).order_by("?").values_list("product", "name", "code")[:20000])
    statuses = [""] + [v for v, _l in ProblemStatus.choices]
    levels = ["", "1", "2", "3"]

    def varied_term(r):
        product, name, code = r.choice(rows)
        rest = name[len(product):] if name.startswith(product) else name
        start = r.randrange(max(1, len(rest) - 2))
        return quote(r.choice([name, rest[start:start + r.randint(2, 4)], f"{product} {rest[:2]}", code]))

    def varied_list(prefix, sort_param, chain=True):
        def path(r):
            category, status, level = r.choice([""] + categories), r.choice(statuses), r.choice(levels)
            narrowed = sum(bool(v) for v in (category, status, level))
            page = r.randint(1, (20, 5, 2, 1)[narrowed])
            query = [("chain", str(big_id) if chain else ""), ("category", category), ("status", status),
                     ("level", level), (sort_param, r.choice(["", "name", "-name"])), ("page", str(page))]
            return common.query_path(prefix, query)
        return path

    problems = list(Problem.objects.filter(chain_id=big_id).values_list("pk", flat=True))[::10]

    def edit_problem(r):  # --writes: a chain keeper updates a problem of the chain
        return "PATCH", f"/api/v1/problems/{r.choice(problems)}/", {
            "description": f"{r.choice(('复核现场数据', '补充抽检结果', '更新改进进展'))}（第 {r.randint(1, 9999)} 次）"}

    def map_json_check(resp):
        data = resp.json()
        return None if len(data.get("nodes", [])) > 10 else "map has no nodes"

    return [
        Endpoint("api: chain map JSON (working copy, mgmt)", "api", "mgmt", lambda r: f"/api/v1/chains/{big_id}/map/",
                 MAP_TARGET, map_json_check, note="computed live: builders and city-level roles see the working copy",
                 write=edit_problem),
        Endpoint("api: chain map JSON (published, member)", "api", "member", lambda r: f"/api/v1/chains/{big_id}/map/",
                 MAP_TARGET, map_json_check, note="everyone else reads the last published snapshot",
                 write=edit_problem),
        Endpoint("api: chain map JSON (working copy, reviewing expert)", "api", "expert",
                 lambda r: f"/api/v1/chains/{big_id}/map/", MAP_TARGET, map_json_check,
                 note="a reviewer sees the working copy", write=edit_problem),
        Endpoint("web: chain map page", "web", "mgmt", lambda r: f"/chains/{big_id}/map/", PAGE_TARGET,
                 contains("dataUrl"), write=edit_problem),
        Endpoint("web: problem list ?chain=&category=", "web", "mgmt",
                 lambda r: f"/problems/?chain={big_id}&category={r.choice(categories)}&page={r.randint(1, pages)}",
                 PAGE_TARGET, contains("problem-table"), write=edit_problem, varied=varied_list("/problems/", "sort")),
        Endpoint("web: problem list (expert's scope)", "web", "expert", lambda r: f"/problems/?page={r.randint(1, 5)}",
                 PAGE_TARGET, contains("problem-table"), write=edit_problem,
                 varied=varied_list("/problems/", "sort", chain=False)),
        Endpoint("web: problem search ?q=", "web", "mgmt", lambda r: f"/problems/?q={term(r)}", PAGE_TARGET,
                 contains("problem-table"), write=edit_problem, varied=lambda r: f"/problems/?q={varied_term(r)}"),
        Endpoint("api: problems ?chain=&category=", "api", "mgmt",
                 lambda r: f"/api/v1/problems/?chain={big_id}&category={r.choice(categories)}&page={r.randint(1, pages)}",
                 PAGE_TARGET, api_count_at_least(1), write=edit_problem,
                 varied=varied_list("/api/v1/problems/", "ordering")),
        Endpoint("api: problems ?q=", "api", "mgmt", lambda r: f"/api/v1/problems/?q={term(r)}", PAGE_TARGET,
                 api_count_at_least(1), write=edit_problem, varied=lambda r: f"/api/v1/problems/?q={varied_term(r)}"),
        Endpoint("api: problems ?q= (expert's scope)", "api", "expert", lambda r: f"/api/v1/problems/?q={term(r)}",
                 PAGE_TARGET, api_count_at_least(1), write=edit_problem,
                 varied=lambda r: f"/api/v1/problems/?q={varied_term(r)}"),
    ]


def browser_render(base: str, big_id: int, runs: int = 3) -> dict:
    """MAP-05 in a real browser: the big chain's map page opened by Debian's Chromium as ``mgmt``
    (load, fetch of the map JSON, layout and first paint), then each filter's response time."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]
    out = {"render_ms": [], "draw_ms": [], "filters_ms": {}}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "mgmt")
        page.fill("#id_password", common.DEMO_PASSWORD)
        page.click("#login-submit")
        page.wait_for_load_state("networkidle")
        for _ in range(runs):
            page.goto(f"{base}/chains/{big_id}/map/")
            page.wait_for_selector("#chain-map[data-state=ready]", timeout=120000)
            out["render_ms"].append(int(page.get_attribute("#chain-map", "data-render-ms")))
            # the part after the map JSON arrived: layout and first paint (the rest is the fetch)
            out["draw_ms"].append(int(page.get_attribute("#chain-map", "data-draw-ms") or 0))
        out["view"] = page.get_attribute("#chain-map", "data-view")
        out["nodes"] = int(page.get_attribute("#chain-map", "data-nodes"))
        out["enterprises"] = int(page.get_attribute("#chain-map", "data-enterprises"))
        out["problems"] = int(page.get_attribute("#chain-map", "data-problems"))
        # A filter change re-renders synchronously; time it up to the next painted frame.
        timing = """([id, value]) => new Promise(done => {
            const t0 = performance.now(); const el = document.getElementById(id);
            el.value = value; el.dispatchEvent(new Event('change', {bubbles: true}));
            requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
        })"""
        for fid, value in (("f-segment", "upstream"), ("f-segment", ""), ("f-province", "out"), ("f-province", ""),
                           ("f-ladder", "leader"), ("f-ladder", ""), ("f-level", "1"), ("f-level", "")):
            out["filters_ms"][f"{fid}={value or 'all'}"] = round(page.evaluate(timing, [fid, value]))
        page.screenshot(path=str(common.RESULTS / "chains-big-map.png"))
        browser.close()
    return out


def export_timings(base: str, auth, big_id: int) -> dict:
    """MAP-06 at the design size: the static PDF and PNG of the big chain, once each (seconds, size)."""
    import urllib.request

    out = {}
    for kind in ("pdf", "png"):
        request = urllib.request.Request(f"{base}/api/v1/chains/{big_id}/map/{kind}/",
                                         headers={"Authorization": f"Token {auth.token('member')}"})
        started = time.time()
        with urllib.request.urlopen(request, timeout=300) as response:
            body = response.read()
        out[kind] = {"seconds": round(time.time() - started, 2), "bytes": len(body)}
    return out


def move_all_problems(big_id: int):
    """Worst case: every problem of the library on the big chain (spread over its nodes)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_problem_placement")
        cur.execute("CREATE TABLE bench_problem_placement AS SELECT id, chain_id, node_id, segment FROM problems_problem")
        cur.execute("""
            WITH nodes AS (SELECT array_agg(id ORDER BY id) AS a FROM chains_chainnode WHERE chain_id = %s)
            UPDATE problems_problem p SET chain_id = %s,
                   node_id = (SELECT a[1 + (p.id %% array_length(a, 1))] FROM nodes)""", [big_id, big_id])
        cur.execute("""UPDATE problems_problem p SET segment = n.segment FROM chains_chainnode n
                       WHERE n.id = p.node_id AND p.chain_id = %s""", [big_id])
        cur.execute("VACUUM (ANALYZE) problems_problem")
    from zhilian.core import versions

    versions.bump_all()  # written with SQL the version tracking sees, but to be sure


def restore_problems():
    """Put every problem back where the dataset had it (a kept database stays reusable)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("""UPDATE problems_problem p SET chain_id = b.chain_id, node_id = b.node_id, segment = b.segment
                       FROM bench_problem_placement b WHERE b.id = p.id""")
        cur.execute("DROP TABLE bench_problem_placement")
        cur.execute("VACUUM (ANALYZE) problems_problem")
    from zhilian.core import versions

    versions.bump_all()


def main():
    args = common.parse_args("chains", __doc__, extra_args)
    env = common.configure_environment(args)
    timings = {}
    t0 = time.time()
    fresh = common.prepare_database(args, env)
    timings["create_migrate_demo"] = round(time.time() - t0, 1)
    common.django_setup()
    from zhilian.chains.models import Chain

    if fresh:
        t0 = time.time()
        generate(args)
        timings["generate"] = round(time.time() - t0, 1)
        common.vacuum_analyze()
    verified = verify()
    log(f"save-path check: {verified}")
    dataset = dataset_counts()
    log(f"dataset: {dataset}")
    big_id = Chain.objects.get(name=BIG_CHAIN).pk
    info = common.machine()
    log(info["uptime"])
    eps = endpoints(big_id)
    t0 = time.time()
    with common.Server(env, args.workers, args.threads, name=args.name) as server:
        auth = common.Auth(server.base)
        results = common.run_all(server.base, eps, auth, args, server)
        try:
            dataset["static exports (member, published v1)"] = export_timings(server.base, auth, big_id)
            log(f"exports: {dataset['static exports (member, published v1)']}")
        except Exception as exc:  # noqa: BLE001 - the load figures stand without it
            log(f"export measurement failed: {exc}")
        try:
            dataset["browser (Chromium)"] = browser_render(server.base, big_id)
            log(f"browser: {dataset['browser (Chromium)']}")
        except Exception as exc:  # noqa: BLE001 - the load figures stand without it
            log(f"browser measurement failed: {exc}")
    timings["load"] = round(time.time() - t0, 1)
    profiles = common.profile_all(eps, results, args)
    if not args.no_worst_case and not args.only:
        from zhilian.problems.models import Problem

        move_all_problems(big_id)
        n = Problem.objects.filter(chain_id=big_id).count()
        dataset["worst case: problems on the big chain"] = n
        log(f"worst case: {n} problems on the big chain")
        worst = [Endpoint(f"api: chain map JSON, all {n:,} problems on the chain (mgmt)", "api", "mgmt",
                          lambda r: f"/api/v1/chains/{big_id}/map/", MAP_TARGET, eps[0].check)]
        try:
            with common.Server(env, args.workers, args.threads, name=args.name) as server:
                auth = common.Auth(server.base)
                results += common.run_all(server.base, worst, auth, args, server)
            profiles.update(common.profile_all(worst, results, args))
        finally:
            restore_problems()
    info["uptime_after"] = common.uptime()
    common.write_results(args, dataset={**dataset, "save_path_check": verified}, results=results,
                         profiles=profiles, info=info, timings=timings)
    common.finish(args, env)


if __name__ == "__main__":
    main()
