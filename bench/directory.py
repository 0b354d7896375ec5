"""Benchmark of the directory (issue "Platform foundation"): lists, details and Chinese search.

Dataset (at --scale 1.0): 100,000 enterprises with valid USCCs in Xiamen's districts and
eight other cities, 5,000 technical institutions with CMA/CNAS certificates and 200,000
testing capabilities (product × parameter × method), 20,000 experts; on top of the demo data.

    .venv/bin/python bench/directory.py [--scale 1.0] [--clients 20] [--duration 20] [--keep-db]

Target: p95 < 150 ms at 20 concurrent clients for every endpoint.
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import Endpoint, api_count_at_least, contains, log  # noqa: E402

TARGET = 150.0


def generate(args):
    sizes = common.directory_sizes(args.scale)
    log(f"generating directory {sizes}")
    common.generate_directory(random.Random(args.seed), **sizes)


def verify():
    from zhilian.directory.models import Expert, Organization, TestingCapability

    return [common.verify_save_path(Organization), common.verify_save_path(TestingCapability, select_related=["institution"]),
            common.verify_save_path(Expert)]


def search_terms(rng: random.Random) -> dict:
    """Queries users type: fragments of real names, products, institutions, people; some multi-word."""
    from zhilian.directory.choices import OrganizationKind
    from zhilian.directory.models import Expert, Organization

    names = list(Organization.objects.filter(kind=OrganizationKind.ENTERPRISE).order_by("?")
                 .values_list("short_name", flat=True)[:12])
    institutions = list(Organization.objects.filter(kind=OrganizationKind.INSTITUTION).order_by("?")
                        .values_list("name", flat=True)[:6])
    experts = list(Expert.objects.order_by("?").values_list("name", flat=True)[:6])
    org_terms = names + [n[2:4] + "检测" for n in institutions] + [
        "厦门光电科技", "翔安 显示", "海沧 材料", "精密机械", "锂离子电池", "食品有限公司", "计量测试研究院"]
    return {
        "org": org_terms,
        "site": org_terms[:10] + experts[:3] + ["玻璃基板", "单晶硅棒", "液晶显示模组 亮度"],
        "capability": ["玻璃基板", "锂离子电池 循环寿命", "单晶硅棒", "液晶显示模组", "盐雾试验", "LED灯具",
                       "电线电缆 导体电阻", "食品 重金属", "驱动芯片"],
    }


def varied_terms() -> dict:
    """For ``--vary``: (rng) -> a query, per search, drawn from spaces of many thousand terms built
    from rows: enterprises' short names, alone, split or after their city; institutions' trade
    names with their kind; people's names; a capability's product, parameter, method and institution, by two."""
    from zhilian.directory.choices import OrganizationKind
    from zhilian.directory.models import Expert, Organization, TestingCapability

    # Terms derived from rows, so that every search finds something (a search finding nothing is cheap).
    enterprises = list(Organization.objects.filter(kind=OrganizationKind.ENTERPRISE).order_by("?")
                       .values_list("short_name", "city")[:30000])
    institutions = list(Organization.objects.filter(kind=OrganizationKind.INSTITUTION)
                        .values_list("short_name", flat=True)[:5000])
    experts = list(Expert.objects.values_list("name", flat=True)[:20000])
    lines = list(TestingCapability.objects.order_by("?").values_list(
        "product", "parameter", "method", "institution__short_name")[:30000])

    def org(r):
        short, city = r.choice(enterprises)
        return r.choice([short, city[:-1] + short[:2], f"{short[:2]} {short[2:]}", r.choice(institutions)[:4]])

    def capability(r):
        product, parameter, method, institution = r.choice(lines)
        return r.choice([f"{product} {parameter}", f"{product} {method}", f"{parameter} {method}",
                         f"{institution[:2]} {product}"])

    def site(r):
        return r.choice([org, org, capability, lambda r: r.choice(experts)])(r)

    return {"org": org, "site": site, "capability": capability}


def endpoints(rng: random.Random) -> list[Endpoint]:
    from urllib.parse import quote

    from django.db.models import Exists, OuterRef, Q

    from zhilian.directory.choices import OrganizationKind
    from zhilian.directory.models import InstitutionQualification, Organization, TestingCapability

    enterprises = list(Organization.objects.filter(kind=OrganizationKind.ENTERPRISE).values_list("pk", flat=True))
    institutions = list(Organization.objects.filter(kind=OrganizationKind.INSTITUTION).values_list("pk", flat=True))
    terms = search_terms(rng)
    districts = common.XIAMEN_DISTRICTS
    served = ["翔安区", "同安区"]  # the demo commissioner's districts

    def q(group):
        return lambda r: quote(r.choice(terms[group]))

    # --vary: lists under other filters, sort orders and pages; searches for terms from the data.
    generated = varied_terms()
    sizes = ["", "micro", "small", "medium", "large"]
    industries = [""] + sorted({industry for _, industry in common.INDUSTRY_WORDS})

    def vq(group):
        return lambda r: quote(generated[group](r))

    def varied_list(prefix, sort_param, district_pool):
        def path(r):
            size, industry, order = r.choice(sizes), r.choice(industries), r.choice(["", "name", "-name"])
            # Narrowed by size or industry a district holds a few hundred enterprises or fewer.
            # Unnarrowed, a district holds some 16,000 (650 pages): a fast machine asked about 2,900
            # paths of 20 pages twice within one run, mostly kept answers, and later 3,400 of 100.
            page = r.randint(1, 200 if not (size or industry) else 4 if not (size and industry) else 1)
            query = [("kind", "enterprise"), ("district", r.choice(district_pool)), ("size", size),
                     ("industry", industry), (sort_param, order), ("page", str(page))]
            return common.query_path(prefix, query)
        return path

    # Lines the API accepts as they are: the generated data also holds lines claimed under a
    # certificate kind their institution has none of, which a save refuses (DIR-04).
    held = InstitutionQualification.objects.filter(organization=OuterRef("institution"), kind=OuterRef("qualification"))
    capabilities = list(TestingCapability.objects.filter(Q(qualification="") | Exists(held))
                        .values_list("pk", flat=True))[::20]

    # --writes: the edits a directory keeper makes, each to a table the endpoint reads.
    def edit_enterprise(r):
        return "PATCH", f"/api/v1/organizations/{r.choice(enterprises)}/", {
            "description": f"{r.choice(('年度质量信用复核', '地址核实', '联系人变更'))}（第 {r.randint(1, 9999)} 次）"}

    def edit_capability(r):
        return "PATCH", f"/api/v1/capabilities/{r.choice(capabilities)}/", {
            "limitation": f"量程 0–{r.randint(10, 999)} mm"}

    return [
        Endpoint("web: organizations kind=enterprise & district", "web", "mgmt",
                 lambda r: f"/directory/organizations/?kind=enterprise&district={quote(r.choice(districts))}"
                           f"&page={r.randint(1, 5)}", TARGET, contains("organization-table"), write=edit_enterprise,
                 varied=varied_list("/directory/organizations/", "sort", districts)),
        Endpoint("web: same list as a service commissioner", "web", "commissioner",
                 lambda r: f"/directory/organizations/?kind=enterprise&district={quote(r.choice(served))}"
                           f"&page={r.randint(1, 5)}", TARGET, contains("organization-table"),
                 note="restricted scope: enterprises of the districts served", write=edit_enterprise,
                 varied=varied_list("/directory/organizations/", "sort", served)),
        Endpoint("web: organization detail (enterprise)", "web", "mgmt",
                 lambda r: f"/directory/organizations/{r.choice(enterprises)}/", TARGET, write=edit_enterprise),
        Endpoint("web: organization detail (institution)", "web", "mgmt",
                 lambda r: f"/directory/organizations/{r.choice(institutions)}/", TARGET,
                 note="with its certificates and capability summary", write=edit_enterprise),
        Endpoint("web: site search /search/?q=", "web", "mgmt", lambda r: f"/search/?q={q('site')(r)}", TARGET,
                 contains("/directory/organizations/"), write=edit_enterprise,
                 varied=lambda r: f"/search/?q={vq('site')(r)}"),
        Endpoint("web: organization list ?q=", "web", "mgmt",
                 lambda r: f"/directory/organizations/?q={q('org')(r)}", TARGET, contains("organization-table"),
                 write=edit_enterprise, varied=lambda r: f"/directory/organizations/?q={vq('org')(r)}"),
        Endpoint("web: capability directory ?q=", "web", "mgmt",
                 lambda r: f"/directory/capabilities/?q={q('capability')(r)}", TARGET, write=edit_capability,
                 varied=lambda r: f"/directory/capabilities/?q={vq('capability')(r)}"),
        Endpoint("api: organizations ?kind=enterprise&district=", "api", "mgmt",
                 lambda r: f"/api/v1/organizations/?kind=enterprise&district={quote(r.choice(districts))}"
                           f"&page={r.randint(1, 5)}", TARGET, api_count_at_least(100), write=edit_enterprise,
                 varied=varied_list("/api/v1/organizations/", "ordering", districts)),
        Endpoint("api: organization detail", "api", "mgmt",
                 lambda r: f"/api/v1/organizations/{r.choice(enterprises)}/", TARGET, write=edit_enterprise),
        Endpoint("api: organizations ?q=", "api", "mgmt", lambda r: f"/api/v1/organizations/?q={q('org')(r)}",
                 TARGET, api_count_at_least(1), write=edit_enterprise,
                 varied=lambda r: f"/api/v1/organizations/?q={vq('org')(r)}"),
        Endpoint("api: search /api/v1/search/?q=", "api", "mgmt", lambda r: f"/api/v1/search/?q={q('site')(r)}",
                 TARGET, api_count_at_least(1), write=edit_enterprise,
                 varied=lambda r: f"/api/v1/search/?q={vq('site')(r)}"),
        Endpoint("api: capabilities ?q=", "api", "mgmt", lambda r: f"/api/v1/capabilities/?q={q('capability')(r)}",
                 TARGET, api_count_at_least(1), write=edit_capability,
                 varied=lambda r: f"/api/v1/capabilities/?q={vq('capability')(r)}"),
    ]


def dataset_counts():
    from zhilian.directory.choices import OrganizationKind
    from zhilian.directory.models import Expert, Organization, TestingCapability

    return {
        "enterprises": Organization.objects.filter(kind=OrganizationKind.ENTERPRISE).count(),
        "institutions": Organization.objects.filter(kind=OrganizationKind.INSTITUTION).count(),
        "organizations (all kinds)": Organization.objects.count(),
        "testing capabilities": TestingCapability.objects.count(),
        "experts": Expert.objects.count(),
        "enterprises in Xiamen": Organization.objects.filter(kind=OrganizationKind.ENTERPRISE, city="厦门市").count(),
    }


def main():
    args = common.parse_args("directory", __doc__)
    env = common.configure_environment(args)
    timings = {}
    t0 = time.time()
    fresh = common.prepare_database(args, env)
    timings["create_migrate_demo"] = round(time.time() - t0, 1)
    common.django_setup()
    verified = []
    if fresh:
        t0 = time.time()
        generate(args)
        timings["generate"] = round(time.time() - t0, 1)
        t0 = time.time()
        common.vacuum_analyze()
        timings["vacuum_analyze"] = round(time.time() - t0, 1)
    verified = verify()
    log(f"save-path check: {verified}")
    dataset = dataset_counts()
    log(f"dataset: {dataset}")
    info = common.machine()
    log(info["uptime"])
    eps = endpoints(random.Random(args.seed))
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
