"""Demo chains (PLT-13).

The Xiamen optoelectronic display chain follows SC guide Appendix A (玻璃基板 → 面板 → 模组 →
整机, with upstream 偏光片 / 驱动IC / 背光); the semiconductor chain carries the chain guide's
Table C.1 example (12-inch silicon rods). Both are published through the review workflow so
their kept versions exist; the display chain then gets a post-publication change in its
working copy, so the version comparison has something to show (see ``publish``).
"""

import datetime

from zhilian.core import clock
from zhilian.directory.models import Organization

from .models import (
    Chain, ChainNode, ChainStatus, EventDimension, LadderPosition, MonitoredEvent, Placement, PlacementRole, Segment,
)

SEMICONDUCTOR = {
    "name": "集成电路产业链",
    "industry": "半导体与集成电路",
    "owner": "厦门海芯集成电路制造有限公司",
    "description": "以 12 英寸晶圆制造为核心，上游硅材料、中游晶圆制造与封装测试、下游终端应用。",
    "selection_reason": "战略性新兴产业，《质量强国建设纲要》聚焦的关键核心领域；本地已形成硅材料—晶圆制造集聚。",
    "owner_selection_reason": "本地唯一 12 英寸晶圆代工企业，带动上游硅材料与下游封测配套。",
    "key_products": "12 英寸硅片、28nm 逻辑芯片、显示驱动芯片",
    "technology_routes": "直拉法（CZ）单晶生长 → 硅片加工 → 晶圆制造 → 封装测试",
    "nodes": [
        # (segment, name, parent, key products, keywords, supplies-to)
        (Segment.UPSTREAM, "硅材料", None, "12 英寸硅单晶棒、硅片", "单晶硅棒, 硅片", ["晶圆制造"]),
        (Segment.UPSTREAM, "硅单晶棒", "硅材料", "12 英寸硅单晶棒", "单晶硅棒", ["晶圆制造"]),
        (Segment.MIDSTREAM, "晶圆制造", None, "28nm 逻辑芯片", "晶圆", ["封装测试"]),
        (Segment.MIDSTREAM, "封装测试", None, "芯片封装与测试", "芯片", ["终端应用"]),
        (Segment.DOWNSTREAM, "终端应用", None, "显示驱动芯片、车规芯片", "芯片", []),
    ],
    "placements": [
        ("硅单晶棒", "福建闽硅单晶材料有限公司", PlacementRole.SUPPORTING, "12 英寸硅单晶棒", LadderPosition.FOLLOWER),
        ("晶圆制造", "厦门海芯集成电路制造有限公司", PlacementRole.CHAIN_OWNER, "28nm 晶圆代工", LadderPosition.LEADER),
        ("终端应用", "深圳南岭显示驱动有限公司", PlacementRole.LEADING, "显示驱动 IC", LadderPosition.FOLLOWER),
    ],
}

DISPLAY = {
    "name": "光电显示产业链",
    "industry": "新型显示",
    "owner": "厦门鹭岛显示科技有限公司",
    "description": "厦门光电显示产业链：上游玻璃基板、偏光片、液晶材料、驱动 IC、背光与光学膜材，"
                   "中游面板与模组，下游显示器、商用显示与车载显示整机（供应链指南附录A 框架结构）。",
    "selection_reason": "厦门千亿级重点产业链，战略性新兴产业；链上企业集聚翔安、湖里、集美，"
                        "质量技术服务需求集中（玻璃基板、偏光片、车载可靠性）。",
    "owner_selection_reason": "本地 TFT-LCD / AMOLED 面板龙头，带动上游材料与下游模组、整机配套，"
                              "已建立供应商质量管理体系并设首席质量官。",
    "key_products": "TFT-LCD 面板、AMOLED 面板、液晶显示模组、显示器、车载显示屏",
    "technology_routes": "玻璃基板 → 阵列 / 成盒 → 模组（背光、偏光片、驱动 IC 贴合） → 整机",
    "update_triggers": "面板世代线投产或关停；关键材料国产替代取得突破；主要客户或市场剧烈变动；相关标准发布。",
    "nodes": [
        (Segment.UPSTREAM, "玻璃基板", None, "G8.5 TFT-LCD 玻璃基板", "玻璃基板", ["面板"]),
        (Segment.UPSTREAM, "偏光片", None, "偏光片、光学补偿膜", "偏光片", ["面板"]),
        (Segment.UPSTREAM, "液晶材料与光刻胶", None, "混合液晶、光刻胶", "液晶材料", ["面板"]),
        (Segment.UPSTREAM, "驱动IC", None, "显示驱动 IC、TCON", "驱动", ["模组"]),
        (Segment.UPSTREAM, "背光模组", None, "LED 背光模组", "背光模组", ["模组"]),
        (Segment.UPSTREAM, "光学膜材", "背光模组", "增亮膜、扩散膜", "光学膜", ["背光模组"]),
        (Segment.UPSTREAM, "检测与生产设备", None, "面板检测治具、点灯设备", "治具", ["面板"]),
        (Segment.MIDSTREAM, "面板", None, "TFT-LCD、AMOLED 面板", "液晶显示面板", ["模组"]),
        (Segment.MIDSTREAM, "TFT-LCD 面板", "面板", "a-Si / IGZO TFT-LCD 面板", "液晶显示面板", ["模组"]),
        (Segment.MIDSTREAM, "AMOLED 面板", "面板", "柔性 AMOLED 面板", "显示面板", ["模组"]),
        (Segment.MIDSTREAM, "模组", None, "液晶显示模组（LCM）、触控模组", "显示模组", ["整机"]),
        (Segment.MIDSTREAM, "液晶显示模组", "模组", "LCM", "显示模组", ["整机"]),
        (Segment.MIDSTREAM, "触控模组", "模组", "电容式触控模组、全贴合", "触控模组", ["整机"]),
        (Segment.DOWNSTREAM, "整机", None, "显示器、商用显示、车载显示", "显示器, 平板电视", []),
        (Segment.DOWNSTREAM, "显示器与商用显示", "整机", "显示器、商用显示终端", "显示器", []),
        (Segment.DOWNSTREAM, "车载显示", "整机", "车载显示屏、中控显示总成", "车载显示屏", []),
    ],
    "placements": [
        ("玻璃基板", "厦门翔光玻璃基板有限公司", PlacementRole.SUPPORTING, "G8.5 玻璃基板后段加工", LadderPosition.FOLLOWER),
        ("玻璃基板", "安徽皖晶玻璃科技有限公司", PlacementRole.LEADING, "TFT-LCD 玻璃基板原片", LadderPosition.LEADER),
        ("偏光片", "厦门海沧偏光材料有限公司", PlacementRole.SUPPORTING, "偏光片", LadderPosition.FOLLOWER),
        ("液晶材料与光刻胶", "苏州吴中光电材料有限公司", PlacementRole.SUPPORTING, "混合液晶", LadderPosition.LEADER),
        ("驱动IC", "厦门芯程驱动芯片有限公司", PlacementRole.SUPPORTING, "显示驱动 IC 设计", LadderPosition.FOLLOWER),
        ("驱动IC", "深圳南岭显示驱动有限公司", PlacementRole.LEADING, "显示驱动 IC、TCON", LadderPosition.LEADER),
        ("背光模组", "厦门同安背光科技有限公司", PlacementRole.SUPPORTING, "LED 背光模组", LadderPosition.FOLLOWER),
        ("光学膜材", "厦门翔安光学膜材有限公司", PlacementRole.SUPPORTING, "增亮膜、扩散膜", LadderPosition.FOLLOWER),
        ("检测与生产设备", "厦门鹭微精密治具有限公司", PlacementRole.SUPPORTING, "面板点灯治具", LadderPosition.FOLLOWER),
        ("TFT-LCD 面板", "厦门鹭岛显示科技有限公司", PlacementRole.CHAIN_OWNER, "IGZO TFT-LCD 面板", LadderPosition.LEADER),
        ("AMOLED 面板", "厦门鹭岛显示科技有限公司", PlacementRole.CHAIN_OWNER, "柔性 AMOLED 面板", LadderPosition.FOLLOWER),
        ("液晶显示模组", "厦门湖里智显电子有限公司", PlacementRole.LEADING, "LCM", LadderPosition.LEADER),
        ("触控模组", "厦门集美触控科技有限公司", PlacementRole.SUPPORTING, "电容式触控模组", LadderPosition.FOLLOWER),
        ("显示器与商用显示", "厦门思明视讯科技有限公司", PlacementRole.LEADING, "商用显示终端", LadderPosition.LEADER),
        ("车载显示", "厦门鹭江车载显示有限公司", PlacementRole.SUPPORTING, "车载中控显示总成", LadderPosition.FOLLOWER),
    ],
    "events": [
        (EventDimension.TECHNOLOGY, datetime.date(2025, 9, 12), "鹭岛显示 IGZO 氧化物背板良率突破 92%",
         "阵列段工艺优化，氧化物 TFT 背板量产良率提升。", "面板", False),
        (EventDimension.PROCUREMENT, datetime.date(2025, 10, 20), "省外玻璃原片交付周期由 4 周延长至 7 周",
         "上游窑炉检修导致供应紧张，影响翔光玻璃后段加工排产。", "玻璃基板", False),
        (EventDimension.POLICY, datetime.date(2025, 11, 3), "《车载显示屏通用技术要求》行业标准征求意见",
         "涉及高低温、振动、盐雾等可靠性试验要求。", "车载显示", False),
        (EventDimension.CERTIFICATION, datetime.date(2025, 12, 1), "鹭江车载通过 IATF 16949 监督审核", "",
         "车载显示", False),
        (EventDimension.INVESTMENT, datetime.date(2026, 3, 18), "鹭岛显示 G8.6 AMOLED 产线签约落地翔安",
         "总投资约 300 亿元，预计 2027 年投产，需更新中游环节与配套企业。", "AMOLED 面板", True),
    ],
}


def build_chain(spec, status=ChainStatus.DRAFT):
    chain = Chain.objects.filter(name=spec["name"]).first() or Chain(name=spec["name"])
    for field in ("industry", "description", "selection_reason", "owner_selection_reason", "key_products",
                  "technology_routes", "update_triggers"):
        if field in spec:
            setattr(chain, field, spec[field])
    chain.owner_enterprise = Organization.objects.get(name=spec["owner"])
    if chain.pk is None:
        chain.status = status
    chain.save()
    nodes = {}
    for order, (segment, name, parent, products, keywords, _supplies) in enumerate(spec["nodes"]):
        node = ChainNode.objects.filter(chain=chain, name=name).first() or ChainNode(chain=chain, name=name)
        node.segment, node.parent, node.key_products, node.keywords, node.order = (
            segment, nodes.get(parent), products, keywords, order)
        node.save()
        nodes[name] = node
    for segment, name, parent, products, keywords, supplies in spec["nodes"]:
        nodes[name].supplies.set([nodes[s] for s in supplies])
    for node_name, enterprise, role, products, ladder in spec["placements"]:
        placement = Placement.objects.filter(node=nodes[node_name], enterprise__name=enterprise).first() or Placement(
            node=nodes[node_name], enterprise=Organization.objects.get(name=enterprise))
        placement.chain, placement.role, placement.key_products, placement.ladder = chain, role, products, ladder
        placement.save()
    return chain, nodes


def load():
    build_chain(SEMICONDUCTOR)
    build_chain(DISPLAY)


PUBLISHED_ON = datetime.date(2026, 1, 15)


def publish():
    """Tell the chains' story through the services, dated in the past (runs after problems).

    Both chains went through expert review and were published as v1 on 2026-01-15 by the
    city regulator (next update a year later). The display chain's monitoring log then
    records the 2026-03-18 AMOLED investment, which triggers an update: the update falls
    due that day, and the builders add the Micro LED link to the working copy. That change
    is not published yet: everyone outside the builders and reviewers still sees v1, the
    builders see "published v1 · unpublished changes" and can compare it with v1 (MAP-07).
    """
    from zhilian.accounts.models import User

    from . import services

    city = User.objects.filter(username="city").first()
    expert = User.objects.filter(username="expert").first()
    for spec in (SEMICONDUCTOR, DISPLAY):
        chain = Chain.objects.get(name=spec["name"])
        if chain.snapshots.exists():
            continue
        events = sorted(spec.get("events", []), key=lambda e: e[1])
        _record_events(services, city, chain, [e for e in events if e[1] <= PUBLISHED_ON])
        if chain.status != ChainStatus.REVIEW:
            services.chain_submit_for_review(user=city, chain=chain, reviewers=[expert] if expert else [])
        with clock.recorded_on(PUBLISHED_ON):
            services.chain_publish(user=city, chain=chain, note="演示数据：经专家审核后发布。")
        _record_events(services, city, chain, [e for e in events if e[1] > PUBLISHED_ON])
    display = Chain.objects.get(name=DISPLAY["name"])
    if not ChainNode.objects.filter(chain=display, name="Micro LED 显示").exists():
        # The working copy after the triggered update: a link not yet published (MAP-07 comparison).
        panel = ChainNode.objects.get(chain=display, name="面板")
        services.node_add(user=city, chain=display, name="Micro LED 显示", segment=Segment.MIDSTREAM, parent=panel,
                          key_products="Micro LED 直显模块", keywords="显示模组")


def _record_events(services, user, chain, events):
    for dimension, day, title, description, node_name, triggers in events:
        if MonitoredEvent.objects.filter(chain=chain, title=title).exists():
            continue
        services.event_record(user=user, chain=chain, dimension=dimension, occurred_on=day, title=title,
                              description=description, source="产业链动态监测", triggers_update=triggers,
                              node=ChainNode.objects.filter(chain=chain, name=node_name).first() if node_name else None)
