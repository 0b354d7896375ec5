"""Service network, commissioners and talents (DIR-03); the testing-capability directory (DIR-04)."""

import io

import openpyxl
import pytest
from django.urls import reverse

from zhilian.core.text import pinyin_key
from zhilian.directory import models
from zhilian.directory.models import EnterpriseTalent, Organization, ServiceCommissioner
from zhilian.directory.selectors import capabilities_matching, capability_roster, institutions_matching

pytestmark = pytest.mark.django_db


@pytest.mark.req("DIR-03")
def test_service_network_is_one_center_three_hubs_and_stations_with_commissioners(client_as):
    response = client_as("owner").get(reverse("directory:service_network"))
    tree = response.context["tree"]
    assert [n.item.level for n in tree] == ["center"]
    hubs = tree[0].children
    assert len(hubs) == 3 and all(h.item.level == "hub" for h in hubs)
    stations = [s for h in hubs for s in h.children]
    assert stations and all(s.item.level == "station" for s in stations)
    placed = {c.name: s.item.name for s in stations for c in s.members}
    assert placed["张明辉"] == "翔安光电产业园服务站"
    assert set(placed) == set(ServiceCommissioner.objects.filter(service_point__level="station")
                              .values_list("name", flat=True))


@pytest.mark.req("DIR-03")
def test_a_station_must_hang_under_a_hub(client_as):
    from zhilian.directory.models import ServicePoint

    center = ServicePoint.objects.get(level="center")
    response = client_as("mgmt").post(reverse("directory:servicepoint_add"), {
        "name": "测试服务站", "level": "station", "parent": center.pk, "district": "翔安区"})
    assert "parent" in response.context["form"].errors or response.context["form"].non_field_errors()
    assert not ServicePoint.objects.filter(name="测试服务站").exists()


@pytest.mark.req("DIR-03")
def test_commissioner_library_filters_by_district_served(client_as):
    response = client_as("city").get(reverse("directory:commissioner_list"), {"district": "同安区"})
    assert {r.record.name for r in response.context["table"].page.object_list} == {"张明辉", "方志强"}


@pytest.mark.req("DIR-03")
@pytest.mark.req("PLT-02")
def test_enterprise_talent_library_follows_enterprise_visibility(persona, api_as):
    owner_talents = set(EnterpriseTalent.objects.restrict(persona("owner")).values_list("name", flat=True))
    assert owner_talents == {"赵德明", "孙雨"}
    api = api_as("district").get("/api/v1/talents/").json()
    names = {t["enterprise_name"] for t in api["results"]}
    assert names and all(Organization.objects.get(name=n).district == "翔安区" for n in names)
    assert all("****" in t["mobile"] for t in api["results"])


@pytest.mark.req("DIR-04")
@pytest.mark.parametrize("params, expected", [
    ({"product": "玻璃基板"}, {("厦门海西计量测试研究院", "厚度"), ("厦门海西计量测试研究院", "翘曲度"),
                           ("厦门市光电产品质量检验中心", "表面粗糙度")}),
    ({"parameter": "电阻率"}, {("厦门海西计量测试研究院", "电阻率"), ("厦门海西计量测试研究院", "径向电阻率变化")}),
    ({"method": "分光光度"}, {("厦门市光电产品质量检验中心", "偏光度"), ("厦门市光电产品质量检验中心", "单体透过率")}),
    ({"standard": "GB/T 2423"}, {("厦门鹭检检测技术有限公司", "高低温贮存"), ("厦门鹭检检测技术有限公司", "振动"),
                                 ("厦门鹭检检测技术有限公司", "盐雾")}),
])
def test_capabilities_search_across_institutions_by_each_dimension(client_as, params, expected):
    response = client_as("member").get(reverse("directory:capability_list"), {**params, "per_page": 100})
    found = {(r.record.institution.name, r.record.parameter) for r in response.context["table"].page.object_list}
    assert found == expected


@pytest.mark.req("DIR-04")
@pytest.mark.req("PLT-08")
def test_capability_chinese_search_and_api(api_as):
    rows = api_as("owner").get("/api/v1/capabilities/", {"q": "单晶硅棒"}).json()
    assert rows["count"] == 3 and {r["institution_name"] for r in rows["results"]} == {"厦门海西计量测试研究院"}
    two_chars = api_as("owner").get("/api/v1/capabilities/", {"q": "盐雾"}).json()
    assert [r["parameter"] for r in two_chars["results"]] == ["盐雾"]


@pytest.mark.req("DIR-04")
@pytest.mark.req("MAP-03")
def test_selectors_used_by_the_chains_app_keep_their_contract(persona):
    caps = capabilities_matching(["玻璃基板", "偏光片"], persona("owner"))
    assert {c.product for c in caps} == {"玻璃基板", "偏光片"}
    institutions = list(institutions_matching(["玻璃基板"]))
    assert [i.name for i in institutions] == ["厦门海西计量测试研究院", "厦门市光电产品质量检验中心"]
    assert institutions[0].matching_capabilities == 2 and institutions[1].matching_capabilities == 1
    assert list(capabilities_matching([])) == [] and list(institutions_matching(["", None])) == []


@pytest.mark.req("DIR-04")
def test_roster_groups_institutions_with_capabilities_and_certificates(persona):
    entries = capability_roster("玻璃基板、偏光片", persona("member"))
    by_name = {e.institution.name: e for e in entries}
    assert set(by_name) == {"厦门海西计量测试研究院", "厦门市光电产品质量检验中心"}
    centre = by_name["厦门市光电产品质量检验中心"]
    assert {c.product for c in centre.capabilities} == {"偏光片", "玻璃基板"}
    assert {q.kind for q in centre.qualifications} == {"CMA", "CNAS"}
    assert entries[0].institution.name == "厦门市光电产品质量检验中心"  # most matching lines first (3 vs 2)


@pytest.mark.req("DIR-04")
@pytest.mark.req("PLT-07")
def test_roster_page_and_excel_export(client_as):
    client = client_as("owner")
    page = client.get(reverse("directory:capability_roster"), {"keywords": "单晶硅棒"})
    assert [e.institution.name for e in page.context["entries"]] == ["厦门海西计量测试研究院"]
    export = client.get(reverse("directory:capability_roster"), {"keywords": "单晶硅棒", "export": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert ws.cell(1, 1).value == "主要检验检测服务机构名录"
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[5]]
    assert {r[6] for r in rows} == {"电阻率", "间隙氧含量", "径向电阻率变化"}
    assert rows[0][1] == "厦门海西计量测试研究院" and "CNAS" in rows[0][3]


@pytest.mark.req("DIR-04")
def test_capability_list_sorts_products_by_pinyin(client_as):
    response = client_as("city").get(reverse("directory:capability_list"), {"per_page": 200})
    products = [r.record.product for r in response.context["table"].page.object_list]
    assert products == sorted(products, key=pinyin_key)
    assert products[0] == "背光模组"  # bei < bo (玻璃) < dan (单晶) … not code-point order


@pytest.mark.req("DIR-04")
@pytest.mark.req("PLT-02")
def test_an_institution_records_capabilities_for_itself_only(api_as, persona):
    own = persona("institution").organization
    other = Organization.objects.get(name="厦门海西计量测试研究院")
    api = api_as("institution")
    data = {"product": "测试产品", "parameter": "测试参数", "method": "测试方法", "qualification": "CMA"}
    assert api.post("/api/v1/capabilities/", {**data, "institution": own.pk}, format="json").status_code == 201
    refused = api.post("/api/v1/capabilities/", {**data, "institution": other.pk}, format="json")
    assert refused.status_code == 400 and "institution" in refused.json()
    assert not models.TestingCapability.objects.filter(institution=other, product="测试产品").exists()


HAIXI = "厦门海西计量测试研究院"


@pytest.mark.req("DIR-04")
def test_lines_held_under_an_expired_certificate_are_flagged_in_the_roster(client_as, persona):
    """海西计量's CMA 201320340456 lapsed on 2026-08-31: its 玻璃基板 lines stay listed, flagged 过期."""
    haixi_cma = models.InstitutionQualification.objects.get(certificate_no="201320340456")
    assert haixi_cma.expiry_status == "expired"
    entries = {e.institution.name: e for e in capability_roster("玻璃基板", persona("member"))}
    assert {c.parameter: c.certificate_status for c in entries[HAIXI].capabilities} == {
        "厚度": "expired", "翘曲度": "expired"}
    assert [c.certificate_status for c in entries["厦门市光电产品质量检验中心"].capabilities] == ["valid"]
    client = client_as("owner")
    page = client.get(reverse("directory:capability_roster"), {"keywords": "玻璃基板"})
    assert [e.institution.name for e in page.context["entries"]][0] == "厦门市光电产品质量检验中心"  # covered lines first
    assert page.content.decode().count("zl-cert-expired") == 2
    export = client.get(reverse("directory:capability_roster"), {"keywords": "玻璃基板", "export": "xlsx"})
    rows = [r for r in openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=3, values_only=True)
            if r[5]]
    assert {r[6]: r[10] for r in rows} == {"厚度": "过期（不计入有效资质）", "翘曲度": "过期（不计入有效资质）",
                                           "表面粗糙度": "有效"}
    # Renewed, the same lines count again.
    models.InstitutionQualification.objects.filter(pk=haixi_cma.pk).update(valid_until="2032-08-31")
    entries = {e.institution.name: e for e in capability_roster("玻璃基板", persona("member"))}
    assert {c.certificate_status for c in entries[HAIXI].capabilities} == {"valid"}



@pytest.mark.req("DIR-04")
@pytest.mark.parametrize("case", ["as_seeded", "renewed", "not_yet_issued", "none_of_the_kind"])
def test_an_institutions_page_flags_each_line_as_the_database_would(client_as, case):
    """The page works a line's certificate status out from the certificates it lists; it must
    agree with ``with_certificate()`` (the matching's SQL) whatever the certificates are."""
    haixi = Organization.objects.get(name=HAIXI)
    certificates = models.InstitutionQualification.objects.filter(organization=haixi)
    if case == "renewed":  # a second, later CMA certificate beside the lapsed one
        lapsed = certificates.get(certificate_no="201320340456")
        models.InstitutionQualification.objects.create(organization=haixi, kind=lapsed.kind, certificate_no="X-RENEWED",
                                                       issued_on="2026-09-01", valid_until="2031-08-31")
    elif case == "not_yet_issued":  # the renewal is recorded but starts only next year
        lapsed = certificates.get(certificate_no="201320340456")
        models.InstitutionQualification.objects.create(organization=haixi, kind=lapsed.kind, certificate_no="X-LATER",
                                                       issued_on="2099-01-01", valid_until="2104-12-31")
    elif case == "none_of_the_kind":
        certificates.delete()
    lines = models.TestingCapability.objects.filter(institution=haixi).exclude(qualification="")
    expected = {c.pk: c.certificate_status for c in lines.with_certificate()}
    assert expected, "the seeded institution has accredited lines"
    page = client_as("mgmt").get(haixi.get_absolute_url())
    shown = {c.pk: c.certificate_status for c in page.context["capabilities"] if c.qualification}
    assert shown and shown == {pk: expected[pk] for pk in shown}
    html = page.content.decode()
    assert html.count("zl-cert-expired") == list(shown.values()).count("expired")
    assert html.count("zl-cert-missing") == list(shown.values()).count("missing")

def _panel_titles(response, key):
    panels = {p["panel"].key: p["context"] for p in response.context["panels"]}
    return {n.title for n in panels[key]["needs"]} if key in panels else None


@pytest.mark.req("DIR-03")
@pytest.mark.req("PLT-02")
def test_a_commissioners_page_shows_its_network_place_districts_and_needs_as_far_as_the_viewer_sees(client_as):
    from zhilian.needs.models import Need

    zhang = ServiceCommissioner.objects.get(name="张明辉")
    url = reverse("directory:commissioner_detail", args=[zhang.pk])
    handled = set(Need.objects.filter(commissioner=zhang).values_list("title", flat=True))
    assert len(handled) == 5
    own = client_as("commissioner").get(url)
    assert [p.name for p in own.context["network_path"]] == [
        "厦门市质量基础设施一站式服务中心", "岛外东部服务分中心", "翔安光电产业园服务站"]
    districts = {d.name: d for d in own.context["districts_served"]}
    assert set(districts) == {"翔安区", "同安区"}
    assert "厦门翔光玻璃基板有限公司" in {e.name for e in districts["翔安区"].enterprises}
    assert _panel_titles(own, "needs-commissioner") == handled
    assert _panel_titles(client_as("city").get(url), "needs-commissioner") == handled
    # An institution sees the needs assigned to it, an enterprise its own: nothing more leaks.
    institution = client_as("institution").get(url)
    assert _panel_titles(institution, "needs-commissioner") == set(
        Need.objects.filter(commissioner=zhang, assignments__institution__name="厦门鹭检检测技术有限公司")
        .values_list("title", flat=True))
    assert "厦门翔光玻璃基板有限公司" not in institution.content.decode()
    owner = client_as("owner").get(url)
    assert _panel_titles(owner, "needs-commissioner") == set(
        Need.objects.filter(commissioner=zhang, enterprise__name="厦门鹭岛显示科技有限公司").values_list("title", flat=True))
    assert {e.name for d in owner.context["districts_served"] for e in d.enterprises} == {"厦门鹭岛显示科技有限公司"}
    # Another commissioner's page does not show 张明辉 what it handles in its district.
    chen = ServiceCommissioner.objects.get(name="陈思远")
    other = client_as("commissioner").get(reverse("directory:commissioner_detail", args=[chen.pk]))
    assert _panel_titles(other, "needs-commissioner") == set()
    assert "车载显示屏中性盐雾试验" not in other.content.decode()


@pytest.mark.req("DIR-02")
@pytest.mark.req("DIR-03")
def test_expert_and_talent_pages_show_their_related_records(client_as):
    chen = models.Expert.objects.get(name="陈立群")
    url = reverse("directory:expert_detail", args=[chen.pk])
    page = client_as("commissioner").get(url)
    assert _panel_titles(page, "needs-expert") == {"液晶显示面板色域与响应时间第三方检测"}
    assert page.context["employer"].name == "厦门鹭检检测技术有限公司"
    assert _panel_titles(client_as("district").get(url), "needs-expert") == {"液晶显示面板色域与响应时间第三方检测"}
    assert _panel_titles(client_as("liujia").get(url), "needs-expert") is None  # serves 湖里区 / 思明区: none of it
    assert _panel_titles(client_as("assoc").get(url), "needs-expert") is None  # sees experts, not needs
    wu = models.Expert.objects.get(name="吴建国")  # works at an enterprise the institution may not see
    other = client_as("research").get(reverse("directory:expert_detail", args=[wu.pk]))
    enterprise = Organization.objects.get(name="厦门鹭岛显示科技有限公司")
    assert other.context["employer"] is None and enterprise.get_absolute_url() not in other.content.decode()
    talent = EnterpriseTalent.objects.get(name="赵德明")
    response = client_as("owner").get(reverse("directory:talent_detail", args=[talent.pk]))
    assert {t.name for t in response.context["other_talents"]} == {"孙雨"}
    assert 'id="attachments"' in response.content.decode()


@pytest.mark.req("PLT-04")
@pytest.mark.req("PLT-02")
def test_a_commissioners_files_reach_the_commissioner_and_the_librarys_managers_only(client_as, persona, settings,
                                                                                   tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhilian.core import attachments

    settings.MEDIA_ROOT = tmp_path
    zhang = ServiceCommissioner.objects.get(name="张明辉")
    letter = attachments.attachment_add(user=persona("mgmt"), owner=zhang,
                                        uploaded=SimpleUploadedFile("聘书.pdf", b"%PDF-1.4\n%%EOF\n"))
    url = reverse("core:attachment_download", args=[letter.pk])
    assert client_as("commissioner").get(url).status_code == 200
    assert client_as("mgmt").get(url).status_code == 200
    assert client_as("owner").get(url).status_code == 404
    page = client_as("owner").get(reverse("directory:commissioner_detail", args=[zhang.pk])).content.decode()
    assert "聘书.pdf" not in page


@pytest.mark.req("DIR-04")
def test_the_roster_counts_only_lines_whose_certificate_covers_them_today(client_as):
    """海西计量's two 玻璃基板 lines sit under a lapsed CMA: listed, marked 不计入, not counted,
    as need matching leaves them out."""
    page = client_as("owner").get(reverse("directory:capability_roster"), {"keywords": "玻璃基板、偏光片"})
    html = page.content.decode()
    assert page.context["totals"] == {"institutions": 1, "lines": 3, "lapsed": 2}
    assert "共 1 家机构、3 项能力可检测" in html and "共 2 家机构" not in html
    assert "另列 2 项能力，因证书已过期或未登记，不计入。" in html
    assert html.count("zl-not-counted") == 2 and HAIXI in html  # still listed
    lines = [c for e in page.context["entries"] for c in e.capabilities]
    assert sum(not c.certificate_lapsed for c in lines) == 3
    # Renewed, the same lines count again.
    models.InstitutionQualification.objects.filter(certificate_no="201320340456").update(valid_until="2032-08-31")
    page = client_as("owner").get(reverse("directory:capability_roster"), {"keywords": "玻璃基板、偏光片"})
    assert page.context["totals"] == {"institutions": 2, "lines": 5, "lapsed": 0}
    assert "zl-not-counted" not in page.content.decode()


@pytest.mark.req("DIR-04")
def test_an_institutions_page_says_when_it_shows_only_part_of_its_capabilities(client_as):
    from zhilian.directory.views import CAPABILITY_ROWS

    haixi = Organization.objects.get(name=HAIXI)
    total = models.TestingCapability.objects.filter(institution=haixi).count()
    client = client_as("mgmt")
    html = client.get(haixi.get_absolute_url()).content.decode()
    if total <= CAPABILITY_ROWS:
        assert 'id="capabilities-more"' not in html
        for n in range(CAPABILITY_ROWS + 1 - total):
            models.TestingCapability.objects.create(institution=haixi, product=f"补充产品{n}", parameter="p", method="m")
        total = CAPABILITY_ROWS + 1
        html = client.get(haixi.get_absolute_url()).content.decode()
    assert f"显示前 {CAPABILITY_ROWS} 项，共 {total} 项" in html
    assert f'{reverse("directory:capability_list")}?institution={haixi.pk}' in html.split('id="capabilities-more"')[1]
    assert '<div class="table-responsive"><table' in html.split('id="capabilities"')[1]


@pytest.mark.req("DIR-04")
@pytest.mark.req("DIR-01")
def test_the_capability_list_flags_a_line_whose_certificate_lapsed_or_is_missing(client_as, persona):
    """The searchable directory flags a line as the institution's page does: a line held under
    a certificate that expired or is not on record is listed but not counted as qualified. The
    list showed 'CAL 授权' like any valid line."""
    import datetime

    from django.utils import timezone

    institution = persona("institution").organization
    today = timezone.localdate()
    models.InstitutionQualification.objects.create(
        organization=institution, kind="other", certificate_no="QT-LAPSED-1",
        issued_on=today - datetime.timedelta(days=800), valid_until=today - datetime.timedelta(days=1))
    lines = {kind: models.TestingCapability.objects.create(
        institution=institution, product="走查样品", parameter=f"参数 {kind}", method="方法", qualification=kind)
        for kind in ("CAL", "other", "CMA")}
    page = client_as("owner").get(reverse("directory:capability_list"), {"q": "走查样品"}).content.decode()
    table = page.split('id="capability-table"', 1)[1]
    rows = {kind: table.split(f"参数 {kind}", 1)[1].split("</tr>", 1)[0] for kind in lines}
    assert "zl-cert-missing" in rows["CAL"] and "zl-cert-expired" not in rows["CAL"]
    assert "zl-cert-expired" in rows["other"]
    assert "zl-cert" not in rows["CMA"]
    assert all(line.certificate_status == status for line, status in
               zip(lines.values(), ("missing", "expired", "valid"), strict=True))


@pytest.mark.req("DIR-04")
def test_each_line_of_a_capability_page_is_flagged_as_its_certificates_in_sql_say(client_as, persona):
    """A page lists lines of several institutions: each line's badge is the one its dates read
    with ``with_certificate()`` give, whichever institution's certificates it is held under."""
    import datetime
    import re

    from django.utils import timezone

    from zhilian.directory.templatetags.directory import certificate_badge

    today = timezone.localdate()
    institutions = list(models.Organization.objects.filter(kind="institution").order_by("pk")[:3])
    assert len(institutions) == 3
    models.InstitutionQualification.objects.create(
        organization=institutions[0], kind="other", certificate_no="QT-LAPSED-2",
        issued_on=today - datetime.timedelta(days=800), valid_until=today - datetime.timedelta(days=1))
    models.InstitutionQualification.objects.create(
        organization=institutions[1], kind="other", certificate_no="QT-LATER-2",
        issued_on=today + datetime.timedelta(days=30), valid_until=today + datetime.timedelta(days=800))
    for institution in institutions:
        for kind in ("CAL", "other", "CMA", ""):
            models.TestingCapability.objects.create(institution=institution, product="分页走查样品",
                                                    parameter=f"参数 {kind or '无'}", method="方法", qualification=kind)
    page = client_as("city").get(reverse("directory:capability_list"), {"q": "分页走查样品"}).content.decode()
    table = page.split('id="capability-table"', 1)[1].split("</table>", 1)[0]
    shown = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        found = re.search(r'href="/directory/capabilities/(\d+)/"', row)
        if found:
            shown[int(found.group(1))] = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[4].strip()
    assert len(shown) == 12
    expected = {line.pk: str(certificate_badge(line)) if line.qualification else "—"
                for line in models.TestingCapability.objects.with_certificate().filter(pk__in=shown)}
    assert shown == expected
    assert {"zl-cert-expired", "zl-cert-not-yet-valid", "zl-cert-missing"} <= {
        flag for cell in shown.values() for flag in re.findall(r"zl-cert-[a-z-]+", cell)}
