import datetime
import json
import subprocess

import pytest
from django.core.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer

from zhilian.chains import services
from zhilian.chains.exports import layout, map_pdf, map_png
from zhilian.chains.models import Chain, ChainNode, ChainSnapshot, ChainStatus, MonitoredEvent, Placement, Segment
from zhilian.chains.selectors import chain_map_data, chain_map_for, map_diff, node_reach
from zhilian.core import clock
from zhilian.directory.models import Organization
from zhilian.directory.models import TestingCapability as CapabilityLine

DISPLAY = "光电显示产业链"


@pytest.fixture
def display(db):
    return Chain.objects.get(name=DISPLAY)


def node(chain, name):
    return ChainNode.objects.get(chain=chain, name=name)


@pytest.mark.req("MAP-08")
def test_city_selects_a_chain_with_its_owner_and_reasons(client_as, persona):
    owner = Organization.objects.get(name="厦门鹭岛显示科技有限公司")
    response = client_as("city").post("/chains/add/", {
        "name": "新能源汽车产业链", "industry": "新能源汽车", "region": "厦门市", "owner_enterprise": owner.pk,
        "selection_reason": "战略性新兴产业", "owner_selection_reason": "整车龙头", "update_cycle_months": 12})
    assert response.status_code == 302, response.content.decode()[:2000]
    chain = Chain.objects.get(name="新能源汽车产业链")
    assert chain.selection_reason == "战略性新兴产业" and chain.owner_enterprise == owner
    assert chain.created_by == persona("city") and chain.status == ChainStatus.DRAFT
    page = client_as("city").get(chain.get_absolute_url()).content.decode()
    assert "战略性新兴产业" in page and "整车龙头" in page


@pytest.mark.req("MAP-07")
def test_a_chain_is_updated_at_least_every_month(client_as, api_as, display):
    """An update cycle of 0 months was saved and read 每 0 个月 while the next update was set
    twelve months on: the page and the API refuse it under the field, and keep the rest typed."""
    response = client_as("city").post(f"/chains/{display.pk}/edit/", {
        "name": display.name, "region": display.region, "selection_reason": "改过的理由",
        "update_cycle_months": 0, "_version": display.version})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["update_cycle_months"]
    assert 'name="update_cycle_months"' in response.content.decode() and "改过的理由" in response.content.decode()
    response = api_as("city").patch(f"/api/v1/chains/{display.pk}/", {"update_cycle_months": 0}, format="json")
    assert response.status_code == 400 and "update_cycle_months" in response.json()
    display.refresh_from_db()
    assert display.update_cycle_months == 12 and display.selection_reason != "改过的理由"


@pytest.mark.req("MAP-08")
def test_chain_owner_must_be_an_enterprise(api_as):
    institution = Organization.objects.get(name="厦门鹭检检测技术有限公司")
    response = api_as("city").post("/api/v1/chains/", {"name": "测试链", "owner_enterprise": institution.pk},
                                   format="json")
    assert response.status_code == 400
    assert not Chain.objects.filter(name="测试链").exists()


@pytest.mark.req("MAP-01")
def test_node_tree_per_segment_in_tree_order(display):
    data = chain_map_data(display)
    names = [n["name"] for n in data["nodes"] if n["segment"] == "midstream"]
    assert names.index("面板") < names.index("TFT-LCD 面板") < names.index("模组") < names.index("液晶显示模组")
    depths = {n["name"]: n["depth"] for n in data["nodes"]}
    assert depths["面板"] == 0 and depths["TFT-LCD 面板"] == 1
    assert [s["code"] for s in data["segments"]] == ["upstream", "midstream", "downstream"]
    panel = node(display, "面板")
    assert panel.key_products and next(n for n in data["nodes"] if n["name"] == "面板")["key_products"]


@pytest.mark.req("MAP-01")
def test_a_child_node_stays_in_its_parents_segment_and_chain(display, persona):
    panel = node(display, "面板")
    with pytest.raises(ValidationError) as exc:
        services.node_add(user=persona("city"), chain=display, name="错位节点", segment=Segment.DOWNSTREAM, parent=panel)
    assert "parent" in exc.value.message_dict
    other = Chain.objects.get(name="集成电路产业链")
    with pytest.raises(ValidationError):
        services.node_add(user=persona("city"), chain=other, name="跨链节点", segment=Segment.MIDSTREAM, parent=panel)


@pytest.mark.req("MAP-02", "PLT-02")
def test_a_link_of_a_chain_the_builder_may_not_edit_answers_as_an_unknown_id(display, api_as, persona):
    """The chain owner builds its own chain: naming another chain's link as parent or supplied
    link gets the answer a made-up id gets, so the API tells nothing of other chains' rows."""
    owner = persona("owner")
    assert Chain.objects.restrict(owner, "change").filter(pk=display.pk).exists()
    other = ChainNode.objects.filter(chain__name="集成电路产业链").exclude(
        chain__in=Chain.objects.restrict(owner, "change")).first()
    assert other is not None
    api = api_as("owner")
    missing = ChainNode.objects.order_by("-pk").first().pk + 1000
    before = ChainNode.objects.count()

    def errors(parent=None, supplies=()):
        body = {"chain": display.pk, "name": "探测环节", "segment": "midstream", "supplies": list(supplies)}
        if parent is not None:
            body["parent"] = parent
        response = api.post("/api/v1/chain-nodes/", body, format="json")
        assert response.status_code == 400, response.content
        return {key: [str(m).replace(str(parent or supplies[0]), "ID") for m in value]
                for key, value in response.json().items()}

    assert errors(parent=other.pk) == errors(parent=missing)
    assert errors(supplies=[other.pk]) == errors(supplies=[missing])
    assert ChainNode.objects.count() == before


@pytest.mark.req("MAP-02")
def test_placement_keeps_role_ladder_and_province(display, persona):
    glass = node(display, "玻璃基板")
    data = chain_map_data(display)
    by_name = {e["name"]: e for e in next(n for n in data["nodes"] if n["id"] == glass.pk)["enterprises"]}
    assert by_name["安徽皖晶玻璃科技有限公司"]["in_province"] is False
    assert by_name["安徽皖晶玻璃科技有限公司"]["ladder"] == "leader"
    assert by_name["厦门翔光玻璃基板有限公司"]["in_province"] is True
    assert by_name["厦门翔光玻璃基板有限公司"]["role"] == "supporting"
    placement = services.enterprise_place(user=persona("city"), node=glass,
                                          enterprise=Organization.objects.get(name="苏州吴中光电材料有限公司"),
                                          role="leading", ladder="leader", key_products="原片")
    assert placement.in_province is False and placement.chain == display


@pytest.mark.req("MAP-02")
def test_only_enterprises_are_placed(display, api_as):
    glass = node(display, "玻璃基板")
    institution = Organization.objects.get(name="厦门鹭检检测技术有限公司")
    response = api_as("city").post("/api/v1/placements/", {"node": glass.pk, "enterprise": institution.pk,
                                                           "role": "supporting", "ladder": "leader"}, format="json")
    assert response.status_code == 400
    assert not Placement.objects.filter(node=glass, enterprise=institution).exists()


@pytest.mark.req("MAP-03")
def test_institutions_attach_to_nodes_by_capability_keywords(display):
    data = chain_map_data(display)
    institutions = {i["id"]: i["name"] for i in data["institutions"]}
    glass = next(n for n in data["nodes"] if n["name"] == "玻璃基板")
    names = {institutions[i] for i in glass["institutions"]}
    assert names == {"厦门海西计量测试研究院", "厦门市光电产品质量检验中心"}
    polariser = next(n for n in data["nodes"] if n["name"] == "偏光片")
    assert {institutions[i] for i in polariser["institutions"]} == {"厦门市光电产品质量检验中心"}


@pytest.mark.req("MAP-03")
def test_every_keyword_of_a_big_chain_finds_its_institutions(display):
    # A chain names far more keywords than the 20 a search box takes; each link still finds
    # the institutions testing its products, case-insensitively, and no inactive one.
    lab = Organization.objects.get(name="厦门市光电产品质量检验中心")
    closed = Organization.objects.get(name="厦门海西计量测试研究院")
    panel = node(display, "面板")
    words = [f"测试品类{i:02d}" for i in range(30)] + ["micro-led"]
    for word in words:
        ChainNode.objects.create(chain=display, parent=panel, segment="midstream", name=f"节点{word}", keywords=word)
        CapabilityLine.objects.create(institution=lab, product=f"{word.upper()}成品", parameter="外观", method="目测")
    CapabilityLine.objects.create(institution=closed, product="测试品类29成品", parameter="外观", method="目测")
    Organization.objects.filter(pk=closed.pk).update(is_active=False)
    data = chain_map_data(display)
    by_name = {n["name"]: n for n in data["nodes"]}
    for word in words:
        assert by_name[f"节点{word}"]["institutions"] == [lab.pk], word
    assert closed.pk not in {i["id"] for i in data["institutions"]}


@pytest.mark.req("MAP-05")
def test_map_json_is_what_the_standard_renderer_writes(display, api_as, persona):
    # The map's body is written by a faster encoder; a client reads the same document.
    body = api_as("city").get(f"/api/v1/chains/{display.pk}/map/").json()
    expected = json.loads(JSONRenderer().render(chain_map_for(persona("city"), display)))
    assert body.pop("generated_at") and expected.pop("generated_at")
    assert body == expected and body["problems"] and body["institutions"]


@pytest.mark.req("MAP-04")
def test_problems_are_stars_on_their_nodes(display, persona):
    data = chain_map_for(persona("city"), display)
    problems = {p["code"]: p for p in data["problems"]}
    assert problems["OD-007"]["stars"] == 3 and problems["OD-007"]["level"] == 1
    assert problems["OD-006"]["stars"] == 1
    car = next(n for n in data["nodes"] if n["name"] == "车载显示")
    assert problems["OD-007"]["id"] in car["problems"]


@pytest.mark.req("MAP-05")
def test_map_api_gives_segments_nodes_enterprises_institutions_problems(display, api_as, django_assert_max_num_queries):
    response = api_as("city").get(f"/api/v1/chains/{display.pk}/map/")
    assert response.status_code == 200
    body = response.json()
    assert {"segments", "nodes", "institutions", "problems", "labels", "chain"} <= set(body)
    assert body["chain"]["name"] == DISPLAY
    node0 = body["nodes"][0]
    assert {"id", "name", "segment", "parent", "depth", "enterprises", "institutions", "problems", "supplies"} <= set(node0)


@pytest.mark.req("MAP-05")
def test_map_query_count_does_not_grow_with_the_chain(display, persona):
    """Computed from nothing kept (the keyword → institutions result is recomputed each time:
    the chain's keywords change), the map costs the same queries with 30 more nodes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = persona("city")
    with CaptureQueriesContext(connection) as before:
        chain_map_for(user, display)
    # (outside a request each kept part, placements and links' institutions among them, reads
    # the table versions itself: five of these queries; a request reads them once)
    assert len(before) <= 16, "\n".join(q["sql"][:90] for q in before.captured_queries)
    panel = node(display, "面板")
    for i in range(30):
        child = ChainNode.objects.create(chain=display, parent=panel, segment="midstream", name=f"扩展{i}",
                                         keywords=f"显示面板{i}")
        Placement.objects.create(node=child, enterprise=Organization.objects.get(name="厦门思明视讯科技有限公司"))
    with CaptureQueriesContext(connection) as after:
        data = chain_map_for(user, display)
    assert len(after) <= len(before), [q["sql"][:120] for q in after.captured_queries]
    assert len(data["nodes"]) >= 46


@pytest.mark.req("MAP-05")
def test_map_page_loads_its_data_from_the_api(display, client_as):
    page = client_as("owner").get(f"/chains/{display.pk}/map/").content.decode()
    assert f"/api/v1/chains/{display.pk}/map/" in page
    assert "chains/map.js" in page and 'id="map-config"' in page
    assert "<script>" not in page.replace('<script type="application/json"', "")


@pytest.mark.req("MAP-06")
def test_static_export_pdf_and_png_carry_the_map_with_chinese_text(display, api_as, tmp_path):
    response = api_as("owner").get(f"/api/v1/chains/{display.pk}/map/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "map.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("光电显示产业链 质量图谱", "上游产业", "中游产业", "下游产业", "玻璃基板", "厦门鹭岛显示科技有限公司",
                     "质量问题清单", "车载显示可靠性标准体系缺失", "★★★"):
        assert expected in text, expected
    png = api_as("owner").get(f"/api/v1/chains/{display.pk}/map/png/")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png.content[16:20], "big")
    assert width >= 3000  # twice the 1,800-pixel layout: print quality


@pytest.mark.req("MAP-06")
def test_static_layout_marks_province_and_ladder(display, persona):
    page, = layout(chain_map_data(display))  # a chain of this size fits one A3 page
    markers = {(op[3], op[4]) for op in page.ops if op[0] == "marker"}
    # leader triangles and follower dots, red in province and blue out of province
    assert {(True, "#c0392b"), (False, "#c0392b"), (True, "#1f6fb2"), (False, "#1f6fb2")} <= markers
    bold = {op[3] for op in page.ops if op[0] == "text" and op[6]}
    assert "厦门翔光玻璃基板有限公司" in bold  # in-province names in bold (Appendix B)
    assert "安徽皖晶玻璃科技有限公司（龙头骨干）" not in bold
    assert map_pdf(chain_map_data(display))[:4] == b"%PDF"
    assert map_png(chain_map_data(display), scale=0.5)[:4] == b"\x89PNG"


@pytest.mark.req("MAP-07")
def test_draft_review_publish_with_kept_snapshots(display, persona):
    city, expert = persona("city"), persona("expert")
    assert display.status == ChainStatus.PUBLISHED and display.snapshots.count() == 1
    services.chain_submit_for_review(user=city, chain=display, reviewers=[expert])
    display.refresh_from_db()
    assert display.status == ChainStatus.REVIEW
    with pytest.raises(ValidationError):  # already under review
        services.chain_submit_for_review(user=city, chain=display, reviewers=[expert])
    comment = services.review_comment_add(user=expert, chain=display, comment="补充 Micro LED 配套企业",
                                          node=node(display, "Micro LED 显示"))
    with pytest.raises(ValidationError):
        services.chain_publish(user=city, chain=display)
    services.review_comment_resolve(user=city, comment=comment)
    with clock.recorded_on(datetime.date(2026, 5, 1)):
        snapshot = services.chain_publish(user=city, chain=display, note="2026 年度更新")
    display.refresh_from_db()
    assert snapshot.number == 2 and display.status == ChainStatus.PUBLISHED
    assert display.next_update_due == datetime.date(2027, 5, 1)
    first = display.snapshots.get(number=1)
    assert "Micro LED 显示" not in {n["name"] for n in first.data["nodes"]}
    assert "Micro LED 显示" in {n["name"] for n in snapshot.data["nodes"]}
    # Each kept version answers with its own map, however often it is read (snapshots are cached).
    from zhilian.chains.selectors import chain_map_for

    member = persona("member")
    for _ in range(2):
        names = {number: {n["name"] for n in chain_map_for(member, display, display.snapshots.get(number=number))[
            "nodes"]} for number in (1, 2)}
        assert "Micro LED 显示" not in names[1] and "Micro LED 显示" in names[2]
    assert chain_map_for(member, display)["version"] == 2


@pytest.mark.req("MAP-07")
def test_only_reviewers_comment_and_only_the_city_publishes(display, persona):
    services.chain_submit_for_review(user=persona("city"), chain=display, reviewers=[persona("expert")])
    with pytest.raises(Exception):
        services.review_comment_add(user=persona("owner"), chain=display, comment="x")
    with pytest.raises(Exception):
        services.chain_publish(user=persona("owner"), chain=display)


@pytest.mark.req("MAP-07")
def test_snapshot_compared_with_the_current_draft(display, client_as):
    first = display.snapshots.get(number=1)
    diff = map_diff(first.data, chain_map_data(display))
    assert "Micro LED 显示" in diff["nodes"]["added"]
    page = client_as("city").get(f"/chains/versions/{first.pk}/").content.decode()
    assert "Micro LED 显示" in page and 'id="comparison"' in page
    assert f"/api/v1/chains/{display.pk}/map/png/?version=1" in page  # both static exports of the version
    assert "市局 质量发展处 王科长" in page  # the demo's publisher, not "—"


@pytest.mark.req("MAP-07")
def test_everyone_else_sees_the_last_publication_not_the_draft(display, persona, api_as):
    member_view = chain_map_for(persona("member"), display)
    assert member_view["version"] == 1
    assert "Micro LED 显示" not in {n["name"] for n in member_view["nodes"]}
    builder_view = api_as("owner").get(f"/api/v1/chains/{display.pk}/map/").json()
    assert builder_view["version"] is None
    assert "Micro LED 显示" in {n["name"] for n in builder_view["nodes"]}


@pytest.mark.req("MAP-07")
def test_monitored_event_by_dimension_can_trigger_an_update(display, persona):
    display.next_update_due = datetime.date(2027, 1, 15)
    display.save()
    event = services.event_record(user=persona("city"), chain=display, dimension="technology",
                                  occurred_on=datetime.date(2026, 2, 1), title="Micro LED 巨量转移良率突破",
                                  triggers_update=True)
    display.refresh_from_db()
    assert display.next_update_due == datetime.date(2026, 2, 1)
    assert event.get_dimension_display()
    with pytest.raises(ValidationError):
        services.event_record(user=persona("city"), chain=display, dimension="weather",
                              occurred_on=datetime.date(2026, 2, 1), title="x")


@pytest.mark.req("MAP-07")
def test_update_reminders_go_to_the_builders(display):
    from zhilian.chains.reminders import update_reminders

    display.next_update_due = datetime.date(2026, 3, 1)
    display.save()
    reminders = list(update_reminders(datetime.date(2026, 3, 10)))
    assert any(r.recipient.username == "city" and r.level == "overdue" and display.name in str(r.title)
               for r in reminders)


@pytest.mark.req("PLT-02")
def test_draft_chains_only_for_builders_reviewers_and_city(persona):
    draft = services.chain_create(user=persona("city"), name="草稿链", selection_reason="测试")
    assert Chain.objects.restrict(persona("city")).filter(pk=draft.pk).exists()
    assert Chain.objects.restrict(persona("mgmt")).filter(pk=draft.pk).exists()
    for outsider in ("district", "grassroots", "member", "owner", "expert", "institution", "assoc"):
        assert not Chain.objects.restrict(persona(outsider)).filter(pk=draft.pk).exists(), outsider
    services.node_add(user=persona("city"), chain=draft, name="节点", segment="upstream")
    services.chain_submit_for_review(user=persona("city"), chain=draft, reviewers=[persona("expert")])
    assert Chain.objects.restrict(persona("expert")).filter(pk=draft.pk).exists()
    assert Chain.objects.restrict(persona("consumer")).count() == 0


@pytest.mark.req("PLT-02")
def test_published_chain_visible_to_the_district_but_not_editable(display, persona, client_as):
    district = persona("district")
    assert Chain.objects.restrict(district).filter(pk=display.pk).exists()
    assert not Chain.objects.restrict(district, "change").filter(pk=display.pk).exists()
    assert client_as("district").get(f"/chains/{display.pk}/edit/").status_code == 404
    assert Chain.objects.restrict(persona("owner"), "change").filter(pk=display.pk).exists()
    assert not Chain.objects.restrict(persona("member"), "change").filter(pk=display.pk).exists()


@pytest.mark.req("PLT-02")
def test_a_published_map_names_its_enterprises_without_opening_their_directory_records(display, persona, api_as):
    member = persona("member")
    out_of_province = Organization.objects.get(name="安徽皖晶玻璃科技有限公司")
    on_map = {e["name"] for n in api_as("member").get(f"/api/v1/chains/{display.pk}/map/").json()["nodes"]
              for e in n["enterprises"]}
    assert out_of_province.name in on_map
    # The map shows the name; contacts and codes stay behind the directory's own scope.
    assert not Organization.objects.restrict(member).filter(pk=out_of_province.pk).exists()
    assert api_as("member").get(f"/api/v1/organizations/{out_of_province.pk}/").status_code == 404


@pytest.mark.req("PRB-05")
def test_node_reach_follows_supply_links_and_sub_links(display):
    reach = node_reach(node(display, "玻璃基板"))
    names = {n["name"] for n in reach["nodes"]}
    assert {"面板", "TFT-LCD 面板", "AMOLED 面板", "模组", "液晶显示模组", "整机", "车载显示"} <= names
    assert "偏光片" not in names and "玻璃基板" not in names
    enterprises = {e["name"] for e in reach["enterprises"]}
    assert {"厦门鹭岛显示科技有限公司", "厦门湖里智显电子有限公司", "厦门鹭江车载显示有限公司"} <= enterprises
    assert "厦门海沧偏光材料有限公司" not in enterprises
    assert node_reach(node(display, "车载显示"))["nodes"] == []


@pytest.mark.req("PRB-05")
def test_node_reach_lists_links_in_the_chains_order_as_the_map_does(client_as, persona):
    """A QA walk read IC-001's reach on its page as 终端应用、晶圆制造、封装测试 (downstream first:
    the model orders segments by code) while the map's panel said 晶圆制造、封装测试、终端应用.
    Builders (working copy) and readers of the publication get the map's order."""
    from zhilian.problems.models import Problem

    problem = Problem.objects.get(code="IC-001")
    segment_rank = {"upstream": 0, "midstream": 1, "downstream": 2}
    for who in ("city", "member"):
        reach = node_reach(problem.node, persona(who))
        ranks = [segment_rank[n["segment"]] for n in reach["nodes"]]
        assert ranks == sorted(ranks) and len(ranks) >= 2, (who, reach["nodes"])
        drawn = [n["id"] for n in chain_map_for(persona(who), problem.chain)["nodes"]]
        assert [n["id"] for n in reach["nodes"]] == [i for i in drawn if i in {n["id"] for n in reach["nodes"]}]
    page = client_as("city").get(problem.get_absolute_url()).content.decode()
    links = page[page.index('id="reach"'):]
    assert links.index("晶圆制造") < links.index("封装测试") < links.index("终端应用")


def test_chain_pages_render_for_builders(display, client_as):
    client = client_as("city")
    for url in (f"/chains/{display.pk}/", "/chains/", f"/chains/nodes/{node(display, '面板').pk}/",
                f"/chains/{display.pk}/nodes/add/", f"/chains/{display.pk}/submit/", "/chains/events/",
                f"/chains/{display.pk}/events/add/", f"/chains/nodes/{node(display, '面板').pk}/placements/add/"):
        assert client.get(url).status_code == 200, url


@pytest.mark.req("MAP-01")
def test_adding_a_node_through_the_form(display, client_as):
    panel = node(display, "面板")
    response = client_as("owner").post(f"/chains/{display.pk}/nodes/add/", {
        "segment": "midstream", "parent": panel.pk, "name": "LTPS 面板", "key_products": "LTPS", "keywords": "显示面板",
        "order": 3, "supplies": [node(display, "模组").pk]})
    assert response.status_code == 302, response.content.decode()[:3000]
    created = ChainNode.objects.get(chain=display, name="LTPS 面板")
    assert created.parent == panel and list(created.supplies.values_list("name", flat=True)) == ["模组"]
    assert client_as("member").post(f"/chains/{display.pk}/nodes/add/", {"segment": "upstream", "name": "x"}).status_code == 404


@pytest.mark.req("MAP-07")
def test_lifecycle_through_the_pages(display, client_as, persona):
    expert_profile = persona("expert").expert_profile
    response = client_as("city").post(f"/chains/{display.pk}/submit/", {"reviewers": [expert_profile.pk]})
    assert response.status_code == 302
    response = client_as("expert").post(f"/chains/{display.pk}/comment/", {"comment": "建议补充检测机构"})
    assert response.status_code == 302
    response = client_as("city").post(f"/chains/{display.pk}/publish/", {"note": "x"})
    assert response.status_code == 200 and 'id="form-errors"' in response.content.decode()
    page = response.content.decode()
    assert page.count("条审核意见未处理") == 1  # said once, not three times
    assert display.snapshots.count() == 1
    comment = display.review_comments.get()
    client_as("city").post(f"/chains/comments/{comment.pk}/resolve/")
    assert client_as("city").post(f"/chains/{display.pk}/publish/", {"note": "x"}).status_code == 302
    assert ChainSnapshot.objects.filter(chain=display).count() == 2
    assert MonitoredEvent.objects.filter(chain=display).exists()


@pytest.mark.req("MAP-05")
def test_the_kept_map_json_follows_every_change_under_it_and_is_offered_compressed(display, api_as):
    import gzip

    api = api_as("owner")
    url = f"/api/v1/chains/{display.pk}/map/"

    def names():
        return {e["name"] for n in api.get(url).json()["nodes"] for e in n["enterprises"]}

    before = names()
    placement = Placement.objects.filter(chain=display).select_related("enterprise").first()
    Organization.objects.filter(pk=placement.enterprise_id).update(name="厦门改名光电有限公司")
    after = names()
    assert "厦门改名光电有限公司" in after and placement.enterprise.name in before - after
    compressed = api.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert compressed["Content-Encoding"] == "gzip"
    assert b"\xe5\x8e\xa6\xe9\x97\xa8\xe6\x94\xb9\xe5\x90\x8d" in gzip.decompress(compressed.content)  # 厦门改名



@pytest.mark.req("MAP-05")
def test_after_an_edit_the_kept_map_compresses_only_what_changed_and_reads_the_same(display, api_as, monkeypatch):
    """The map's answer is gzipped in pieces (core.jsonpieces); written again after an edit, the
    pieces it did not change are copied from the answer kept before. Pieces made small here so
    that the demo chain is cut into many."""
    import gzip

    from zhilian.core import jsonpieces
    from zhilian.problems.models import Problem

    monkeypatch.setattr(jsonpieces, "SHORT_LIST", 2)
    monkeypatch.setattr(jsonpieces, "PIECE_BYTES", 400)
    # Both answers written in the same second: one written a second later changes its
    # generated_at, at the top of a document here smaller than the 32 KB each piece is compressed
    # with, so every piece would be compressed again (a CI run under load failed on it).
    from django.utils import timezone

    made, real_localtime = timezone.localtime(), timezone.localtime
    monkeypatch.setattr(timezone, "localtime", lambda *args, **kwargs: real_localtime(*args, **kwargs)
                        if args or kwargs else made)
    compressed = []
    real = jsonpieces.gzip_pieces
    monkeypatch.setattr(jsonpieces, "gzip_pieces", lambda *a, **k: compressed.append(real(*a, **k)) or compressed[-1])
    api = api_as("owner")
    url = f"/api/v1/chains/{display.pk}/map/"
    first = api.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip" and len(compressed) == 1
    pieces = len(compressed[0].pieces)
    assert pieces > 10 and compressed[0].compressed == pieces
    problem = Problem.objects.filter(chain=display).first()
    problem.name = "面板亮度均匀性不足（复核）"
    problem.save()
    again = api.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert len(compressed) == 2 and 1 <= compressed[1].compressed < pieces / 2
    body = json.loads(gzip.decompress(again.content))
    assert "面板亮度均匀性不足（复核）" in {p["name"] for p in body["problems"]}
    plain = api.get(url).json()  # a client that does not accept gzip: the same document
    assert plain == body


@pytest.mark.req("MAP-05")
def test_an_edited_problem_builds_the_map_again_without_reading_placements_and_capabilities_again(display, api_as,
                                                                                               persona):
    """A big chain's working copy is built again after every edit under it; its placements and
    its links' institutions are kept apart, so a problem edited reads neither again, and they
    still follow their own changes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhilian.problems.models import Problem

    api = api_as("owner")
    url = f"/api/v1/chains/{display.pk}/map/"
    api.get(url)
    problem = Problem.objects.filter(chain=display).first()
    problem.name = "面板亮度均匀性不足（复核）"
    problem.save()
    with CaptureQueriesContext(connection) as queries:
        data = api.get(url).json()
    assert "面板亮度均匀性不足（复核）" in {p["name"] for p in data["problems"]}
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "chains_placement" not in read and "directory_testingcapability" not in read
    glass = node(display, "玻璃基板")
    services.enterprise_place(user=persona("city"), node=glass, role="leading", ladder="leader", key_products="原片",
                              enterprise=Organization.objects.get(name="苏州吴中光电材料有限公司"))
    polariser = node(display, "偏光片")
    polariser.keywords = "偏光片,玻璃基板"
    polariser.save()
    data = api.get(url).json()
    on_glass = next(n for n in data["nodes"] if n["id"] == glass.pk)
    assert "苏州吴中光电材料有限公司" in {e["name"] for e in on_glass["enterprises"]}
    institutions = {i["id"]: i["name"] for i in data["institutions"]}
    on_polariser = {institutions[i] for i in next(n for n in data["nodes"] if n["id"] == polariser.pk)["institutions"]}
    assert "厦门海西计量测试研究院" in on_polariser  # it tests 玻璃基板, now a keyword of 偏光片 too


def _unpublished_link(display, persona):
    """A published chain revised by its builders: a new link with a placement, a renamed link."""
    owner = persona("owner")
    polariser = node(display, "偏光片")
    added = services.node_add(user=owner, chain=display, name="偏光片补偿膜", segment=Segment.UPSTREAM,
                              parent=polariser, key_products="光学补偿膜", supplies=[node(display, "面板")])
    placement = services.enterprise_place(user=owner, node=added,
                                          enterprise=Organization.objects.get(name="厦门海沧偏光材料有限公司"),
                                          key_products="补偿膜（试产）")
    polariser.name, polariser.key_products = "偏光片（改名草稿）", "草稿产品"
    polariser.save()
    return added, placement, polariser


@pytest.mark.req("PLT-02")
@pytest.mark.req("MAP-07")
def test_outsiders_never_see_the_working_copy_of_a_published_chain(display, persona, client_as, api_as):
    added, placement, polariser = _unpublished_link(display, persona)
    member, web, api = persona("member"), client_as("member"), api_as("member")
    draft_names = ("偏光片补偿膜", "偏光片（改名草稿）", "草稿产品", "补偿膜（试产）", "Micro LED 显示")
    # chain page: the tree of v1, no review comments
    services.chain_submit_for_review(user=persona("city"), chain=display, reviewers=[persona("expert")])
    services.review_comment_add(user=persona("expert"), chain=display, comment="专家意见：补偿膜良率待核实")
    page = web.get(display.get_absolute_url()).content.decode()
    for name in (*draft_names, "专家意见"):
        assert name not in page, name
    assert "偏光片" in page and 'id="history-link"' not in page
    # the link and placement added since are not there; the renamed one shows as published
    assert web.get(added.get_absolute_url()).status_code == 404
    assert web.get(f"/history/chains.chainnode/{added.pk}/").status_code == 404
    assert web.get(f"/history/chains.chain/{display.pk}/").status_code == 404
    assert web.get(f"/history/chains.chainnode/{polariser.pk}/").status_code == 404
    published = web.get(polariser.get_absolute_url()).content.decode()
    assert "偏光片" in published and "草稿" not in published and "偏光片补偿膜" not in published
    nodes = api.get(f"/api/v1/chain-nodes/?chain={display.pk}&page_size=200").json()["results"]
    assert {n["name"] for n in nodes}.isdisjoint(draft_names)
    assert next(n for n in nodes if n["id"] == polariser.pk)["key_products"] == "偏光片、光学补偿膜"
    assert api.get(f"/api/v1/chain-nodes/{added.pk}/").status_code == 404
    placements = api.get(f"/api/v1/placements/?chain={display.pk}&page_size=200").json()["results"]
    assert placement.pk not in {p["id"] for p in placements} and placements
    # search never matches the unpublished name
    assert "偏光片（改名草稿）" not in web.get("/search/?q=改名草稿").content.decode()
    assert api.get("/api/v1/chain-nodes/?q=改名草稿").json()["count"] == 0
    assert api_as("owner").get("/api/v1/chain-nodes/?q=改名草稿").json()["count"] == 1
    # the problem form and the impact reach
    form = web.get("/problems/add/").content.decode()
    assert "偏光片补偿膜" not in form and "Micro LED 显示" not in form
    glass = node(display, "玻璃基板")
    assert "Micro LED 显示" not in {n["name"] for n in node_reach(glass, member)["nodes"]}
    assert "Micro LED 显示" in {n["name"] for n in node_reach(glass, persona("owner"))["nodes"]}
    # the builders and reviewers see it all
    for insider in ("owner", "expert", "city"):
        assert client_as(insider).get(added.get_absolute_url()).status_code == 200, insider
        assert "专家意见" in client_as(insider).get(display.get_absolute_url()).content.decode()
    assert "偏光片补偿膜" in {n["name"] for n in api_as("owner").get(
        f"/api/v1/chain-nodes/?chain={display.pk}&page_size=200").json()["results"]}


@pytest.mark.req("PLT-02")
@pytest.mark.req("MAP-07")
def test_api_filters_match_what_the_caller_reads(display, api_as):
    """A link moved (parent, segment) and a placement moved to another link in the working
    copy: those who see only the publication find them where they were published."""
    from django.db.models import F

    moved = ChainNode.objects.filter(chain=display, parent__isnull=False, published_version=F("version")).first()
    old_parent, old_segment = moved.parent_id, moved.segment
    new_segment = next(s for s in Segment.values if s != old_segment)
    moved.parent, moved.segment = None, new_segment
    moved.save()
    placement = Placement.objects.filter(chain=display, published_version=F("version")).first()
    old_node = placement.node_id
    placed_on = set(Placement.objects.filter(enterprise=placement.enterprise).values_list("node", flat=True))
    new_node = ChainNode.objects.filter(chain=display).exclude(pk__in=placed_on).first().pk
    placement.node_id = new_node
    placement.save()

    def ids(api, path, **params):
        query = "&".join(f"{k}={v}" for k, v in {"chain": display.pk, "page_size": 500, **params}.items())
        response = api.get(f"/api/v1/{path}/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    outsider, builder = api_as("member"), api_as("owner")
    assert moved.pk in ids(outsider, "chain-nodes", parent=old_parent)
    assert moved.pk in ids(outsider, "chain-nodes", segment=old_segment)
    assert moved.pk not in ids(outsider, "chain-nodes", segment=new_segment)
    assert moved.pk not in ids(builder, "chain-nodes", parent=old_parent)
    assert moved.pk in ids(builder, "chain-nodes", segment=new_segment)
    assert placement.pk in ids(outsider, "placements", node=old_node)
    assert placement.pk not in ids(outsider, "placements", node=new_node)
    assert placement.pk in ids(builder, "placements", node=new_node)
    assert placement.pk not in ids(builder, "placements", node=old_node)
    assert placement.pk in ids(outsider, "placements", enterprise=placement.enterprise_id)
    assert outsider.get("/api/v1/chain-nodes/?segment=sideways").status_code == 400


@pytest.mark.req("MAP-07")
def test_publishing_makes_the_revision_what_everyone_sees(display, persona, client_as):
    added, placement, polariser = _unpublished_link(display, persona)
    owner_page = client_as("owner").get(display.get_absolute_url()).content.decode()
    assert 'id="unpublished-changes"' in owner_page
    city = persona("city")
    services.chain_submit_for_review(user=city, chain=display, reviewers=[persona("expert")])
    services.chain_publish(user=city, chain=display)
    display.refresh_from_db()
    assert 'id="unpublished-changes"' not in client_as("owner").get(display.get_absolute_url()).content.decode()
    member = client_as("member")
    assert member.get(added.get_absolute_url()).status_code == 200
    assert "偏光片（改名草稿）" in member.get(polariser.get_absolute_url()).content.decode()
    # a removal is an unpublished change too
    Placement.objects.filter(pk=placement.pk).delete()
    from zhilian.chains.selectors import chain_unpublished_changes

    assert chain_unpublished_changes(display)


@pytest.mark.req("MAP-07")
def test_the_demo_tells_one_dated_story(display, persona, client_as):
    from zhilian.chains.selectors import chain_unpublished_changes

    first = display.snapshots.get(number=1)
    assert display.status == ChainStatus.PUBLISHED and display.published_at.date() == datetime.date(2026, 1, 15)
    assert first.created_at.date() == datetime.date(2026, 1, 15) and first.published_by == persona("city")
    # the 2026-03-18 investment event triggered an update: it fell due that day
    assert display.events.filter(triggers_update=True, occurred_on=datetime.date(2026, 3, 18)).exists()
    assert display.next_update_due == datetime.date(2026, 3, 18)
    assert chain_unpublished_changes(display)  # Micro LED 显示 was added after v1
    page = client_as("owner").get(display.get_absolute_url()).content.decode()
    assert 'id="unpublished-changes"' in page and "2026-01-15" in page and "2026-03-18" in page
    semiconductor = Chain.objects.get(name="集成电路产业链")
    assert semiconductor.next_update_due == datetime.date(2027, 1, 15)
    assert not chain_unpublished_changes(semiconductor)


@pytest.mark.req("MAP-06")
def test_star_badges_count_each_level_apart(display):
    from zhilian.chains.exports import star_badges
    from zhilian.problems.models import Problem

    glass = node(display, "玻璃基板")
    levels = sorted(Problem.objects.filter(node=glass).values_list("severity_level", flat=True))
    assert levels == [1, 2]  # the demo: one ★★★ and one ★★ on 玻璃基板
    page, = layout(chain_map_data(display))
    texts = [op for op in page.ops if op[0] == "text"]
    title = next(op for op in texts if op[3] == "玻璃基板")
    badges = {op[3] for op in texts if op[2] == title[2] and title[1] < op[1] < title[1] + 380 and "★" in op[3]}
    assert badges == {"★★★×1", "★★×1"}
    assert [label for label, _c in star_badges([{"level": 1}, {"level": None}, {"level": 3}, {"level": 1}])] == [
        "★★★×2", "★×1", "☆×1"]


def design_size_map(nodes=2040, per_node=10, problems=10_000):
    """Map data of the design-size chain (2,000 links, 20,000 placements), made without a database."""
    import random

    rng = random.Random(7)
    data = {"chain": {"id": 1, "name": "大型测试产业链", "owner": {"id": 1, "name": "链主企业"}}, "version": 1,
            "published_at": "2026-01-15T10:00:00+08:00", "nodes": [], "institutions": [], "problems": []}
    for i in range(nodes):
        segment = ("upstream", "midstream", "downstream")[i % 3]
        depth = 0 if i < 60 else 1 if i < 600 else 2
        parent = None if depth == 0 else (i % 60 if depth == 1 else 60 + i % 540)
        data["nodes"].append({
            "id": i, "name": f"{segment}环节{i:04d}", "segment": segment, "parent": parent, "depth": depth,
            "key_products": "关键产品", "supplies": [], "institutions": [], "problems": [],
            "enterprises": [{"id": i * 100 + k, "placement": i * 100 + k, "name": f"厦门测试企业{i}-{k}有限公司",
                             "province": "福建省", "in_province": rng.random() < 0.7, "role": "supporting",
                             "ladder": "leader" if rng.random() < 0.2 else "follower"} for k in range(per_node)]})
    by_id = {n["id"]: n for n in data["nodes"]}
    for p in range(problems):
        node = rng.randrange(nodes)
        data["problems"].append({"id": p, "code": f"Q-{p:05d}", "name": f"问题{p}", "node": node, "category": "technology",
                                 "level": rng.choice([1, 2, 3, None]), "status": "identified", "is_common": False})
        by_id[node]["problems"].append(p)
    return data


@pytest.mark.req("MAP-06")
def test_the_design_size_chain_exports_as_printable_pages_and_one_bounded_image(tmp_path):
    import time

    data = design_size_map()
    started = time.monotonic()
    pdf = map_pdf(data)
    pdf_seconds = time.monotonic() - started
    path = tmp_path / "big.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "1190.55 x 841.89 pts (A3)" in info  # A3 landscape pages, not one 36-metre sheet
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 3 <= pages <= 40
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "上游合计" in first and "大型测试产业链 质量图谱" in first and f"第 1 / {pages} 页" in first
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "upstream环节0000" in text and "downstream环节2039" in text and "质量问题清单" in text
    started = time.monotonic()
    png = map_png(data)
    png_seconds = time.monotonic() - started
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert max(width, height) <= 32767 and width * height <= 60_000_000 and width >= 2000
    assert pdf_seconds < 10 and png_seconds < 15, (pdf_seconds, png_seconds)


@pytest.mark.req("MAP-07")
def test_a_stale_event_edit_is_refused_with_the_clear_message(display, client_as, persona):
    event = display.events.order_by("occurred_on").first()
    client = client_as("city")
    form = {"dimension": event.dimension, "occurred_on": event.occurred_on.isoformat(), "title": "我的修改",
            "description": event.description, "source": event.source, "_version": str(event.version)}
    event.title = "别人先改了"
    event.save()  # someone else saved meanwhile
    response = client.post(f"/chains/events/{event.pk}/edit/", form)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="stale-warning"' in page or "stale" in page.lower()
    event.refresh_from_db()
    assert event.title == "别人先改了"
    # an edit that makes the event trigger an update brings the update forward
    display.next_update_due = datetime.date(2027, 1, 15)
    display.save()
    event.refresh_from_db()
    response = client.post(f"/chains/events/{event.pk}/edit/", {**form, "_version": str(event.version),
                                                                  "triggers_update": "on"})
    assert response.status_code == 302
    display.refresh_from_db()
    assert display.next_update_due == min(event.occurred_on, datetime.date.today())
    # recording through the form: the recorder is kept
    response = client.post(f"/chains/{display.pk}/events/add/", {
        "dimension": "policy", "occurred_on": "2026-06-01", "title": "新标准发布", "source": "工信部"})
    assert response.status_code == 302
    assert MonitoredEvent.objects.get(title="新标准发布").recorded_by == persona("city")
    # the field is 标题 (not an expert's 职称)
    assert "标题" in client.get(f"/chains/events/{event.pk}/edit/").content.decode()
    assert "职称" not in client.get(f"/chains/{display.pk}/").content.decode()


@pytest.mark.req("MAP-02")
def test_placing_an_enterprise_twice_on_a_link_says_so_plainly(display, client_as, api_as):
    glass = node(display, "TFT-LCD 面板")
    placed = Placement.objects.get(node=glass, enterprise__name="厦门鹭岛显示科技有限公司")  # the owner's own
    before = Placement.objects.count()
    response = client_as("owner").post(f"/chains/nodes/{glass.pk}/placements/add/", {
        "enterprise": placed.enterprise_id, "role": "supporting", "ladder": "follower"})
    page = response.content.decode()
    assert response.status_code == 200 and "该企业已在此环节上图" in page
    assert "已经存在" not in page
    response = api_as("owner").post("/api/v1/placements/", {"node": glass.pk, "enterprise": placed.enterprise_id},
                                    format="json")
    assert response.status_code == 400 and "该企业已在此环节上图" in response.content.decode()
    assert Placement.objects.count() == before
    # editing the placement itself is no duplicate
    response = api_as("owner").patch(f"/api/v1/placements/{placed.pk}/", {"enterprise": placed.enterprise_id,
                                                                         "role": "leading"}, format="json")
    assert response.status_code == 200, response.content.decode()


@pytest.mark.req("MAP-01")
@pytest.mark.req("PRB-05")
def test_the_link_form_offers_other_links_in_flow_order_named_with_their_segment(display, client_as):
    from django.urls import reverse

    panel = node(display, "面板")
    form = client_as("city").get(reverse("chains:chainnode_edit", args=[panel.pk])).context["form"]
    for name in ("parent", "supplies"):
        labels = [label for _value, label in form.fields[name].choices if _value != ""]
        segments = [label.split(" · ")[0] for label in labels]
        assert set(segments) == {"上游", "中游", "下游"}, labels
        # Upstream first, downstream last: the order supply runs in.
        order = {"上游": 0, "中游": 1, "下游": 2}
        assert [order[s] for s in segments] == sorted(order[s] for s in segments)
        assert "上游 · 玻璃基板" in labels and "面板" not in [label.split(" · ")[-1] for label in labels]
