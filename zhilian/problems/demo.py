"""Demo problems (PLT-13): the chain guide's Table C.1 example, the 12-inch silicon rod."""

import datetime

from zhilian.chains.models import Chain, ChainNode
from zhilian.directory.models import Organization

from .models import Problem, ProblemCategory, ProblemSource, ProblemStatus
from .appendix_d import ensure_model
from .services import problem_assess

SILICON_ROD = {
    "code": "IC-001",
    "name": "12 英寸硅单晶棒电阻率均匀性不足",
    "chain": "集成电路产业链",
    "node": "硅单晶棒",
    "product": "12 英寸硅单晶棒",
    "reporter_org": "厦门市光电显示产业协会",
    "reporter_name": "协会技术部",
    "description": "国产 12 英寸硅单晶棒在轴向和径向上的电阻率均匀性（要求 <±5%）波动较大，普遍在 ±8%～±15%，"
                   "无法满足 28nm 以下制程高端芯片的制造要求。",
    "impact": "直接影响下游芯片制造环节的良率，导致国产高端芯片性能不稳定、良品率低约 10%，是制约产业链自主可控的"
              "“卡脖子”问题之一。",
    "cause_technical": "单晶拉制过程中的热场设计、磁场控制精度不足；掺杂技术不成熟。",
    "cause_management": "缺乏针对此指标的专项测试评价标准；底层工艺数据库积累不足。",
    "suggestion": "组织产学研联合攻关，突破精确热场设计与控制技术；建立专项标准与测试评价平台。",
    "category": ProblemCategory.TECHNOLOGY,
    "sub_area": "basic_materials",
    "source": ProblemSource.CHAIN_STUDY,
    "is_common": True,
    "scores": {"impact": 5, "spread": 4, "urgency": 4},
    "concerned": ["福建闽硅单晶材料有限公司", "厦门海芯集成电路制造有限公司"],
}


DISPLAY_PROBLEMS = [
    # code, name, node, reporter org, category, sub-area, source, scores, status, common, concerned, description,
    # impact, technical cause, management cause, suggestion
    ("OD-001", "G8.5 玻璃基板表面微粒与翘曲度超标", "玻璃基板", "厦门翔光玻璃基板有限公司", "technology", "basic_materials",
     "self_report", {"impact": 4, "spread": 4, "urgency": 4}, "identified", True,
     ["厦门翔光玻璃基板有限公司", "厦门鹭岛显示科技有限公司"],
     "后段加工玻璃基板表面 ≥1μm 微粒密度 0.35 个/cm²（先进水平 ≤0.1），翘曲度超差批次占 3.2%。",
     "直接导致面板阵列段点缺陷，面板良率损失约 1.8%，影响下游模组与整机交付。",
     "研磨与清洗工艺参数窗口窄；退火炉温场均匀性不足。", "来料检验标准与链主企业不一致，缺少在线翘曲检测。",
     "联合计量院建立翘曲度在线测量与校准；统一玻璃基板来料检验规范。"),
    ("OD-002", "偏光片高温高湿耐久性不足", "偏光片", "厦门鹭岛显示科技有限公司", "technology", "basic_materials",
     "chain_study", {"impact": 3, "spread": 3, "urgency": 3}, "analyzing", False, ["厦门海沧偏光材料有限公司"],
     "85℃/85%RH 500h 试验后偏光度衰减 2.5%，高于客户要求的 1%。",
     "车载与户外显示产品可靠性不达标，客户投诉 12 起/年。", "PVA 膜染色与保护膜粘接工艺稳定性不足。",
     "缺少加速老化试验能力与数据积累。", "开展高温高湿加速老化对比试验，优化胶层配方。"),
    ("OD-003", "驱动 IC 高速接口信号完整性缺少本地检测能力", "驱动IC", "厦门市光电显示产业协会", "infrastructure", "testing",
     "chain_study", {"impact": 4, "spread": 3, "urgency": 4}, "identified", True, ["厦门芯程驱动芯片有限公司"],
     "本地无 eDP/MIPI 高速接口一致性测试能力，送外地检测周期 3–4 周。",
     "新品导入周期延长约 1 个月，影响模组环节交付。", "", "检验检测服务能力与产业需求不匹配。",
     "推动检验中心建设高速接口一致性测试平台。"),
    ("OD-004", "面板来料检验标准不统一，来料上线不良率 1.2%", "TFT-LCD 面板", "厦门鹭岛显示科技有限公司", "management",
     "system_consistency", "self_report", {"impact": 3, "spread": 4, "urgency": 2}, "identified", True,
     ["厦门鹭岛显示科技有限公司", "厦门翔光玻璃基板有限公司", "厦门海沧偏光材料有限公司"],
     "各供应商来料检验方法与判定标准不一，来料上线不良率 1.2%（目标 0.5%）。",
     "质量问题在面板段集中暴露，返工成本每月约 60 万元。", "", "供应链质量管理体系一致性不足；检验标准未协同。",
     "由链主企业牵头制定供应链统一来料检验规范，开展供应商质量管理培训。"),
    ("OD-005", "模组质量追溯数据断点", "液晶显示模组", "厦门湖里智显电子有限公司", "management", "digital",
     "self_report", {"impact": 2, "spread": 3, "urgency": 2}, "identified", False, ["厦门湖里智显电子有限公司"],
     "模组段与面板段批次追溯依靠人工记录，追溯一次平均耗时 2 天。", "客诉响应慢，影响下游整机客户满意度。",
     "", "质量管理数字化程度低，MES 与供应商系统未打通。", "建设链上质量追溯数据接口。"),
    ("OD-006", "区域显示产品品牌知名度低", "整机", "厦门市光电显示产业协会", "brand", "regional_brand",
     "chain_study", {"impact": 2, "spread": 2, "urgency": 2}, "identified", False, [],
     "本地整机品牌在国内商用显示市场占有率不足 3%。", "产品附加值低，议价能力弱。", "",
     "缺少聚合性区域品牌培育与宣传。", "结合“质量月”开展区域品牌推广，培育“厦门显示”区域公共品牌。"),
    ("OD-007", "车载显示可靠性标准体系缺失", "车载显示", "厦门鹭江车载显示有限公司", "infrastructure", "standards",
     "supervision", {"impact": 5, "spread": 4, "urgency": 4}, "identified", True,
     ["厦门鹭江车载显示有限公司", "厦门鹭岛显示科技有限公司"],
     "车载显示屏高低温循环、振动、盐雾试验要求散见于各主机厂企业标准，缺少统一标准，认证重复试验占成本 8%。",
     "影响车载显示进入主机厂配套，涉及上游面板、偏光片与背光环节。", "", "行业标准缺失；全链条认证体系不完善。",
     "联合标准化研究院制定车载显示可靠性团体标准，建立试验互认。"),
    ("OD-008", "省外玻璃原片供货周期波动", "玻璃基板", "厦门翔光玻璃基板有限公司", "other", "collaboration",
     "self_report", {"impact": 3, "spread": 3, "urgency": 2}, "identified", False, ["厦门翔光玻璃基板有限公司"],
     "省外玻璃原片交付周期由 4 周波动至 7 周。", "后段加工排产不稳，紧急采购成本上升 5%。", "",
     "跨区域上下游协作机制不足。", "建立跨区域供应协同与安全库存机制。"),
    ("OD-009", "增亮膜辉度均一性不足", "光学膜材", "厦门翔安光学膜材有限公司", "technology", "process",
     "consortium", {"impact": 3, "spread": 2, "urgency": 3}, "analyzing", False, ["厦门翔安光学膜材有限公司"],
     "增亮膜辉度均一性 82%，低于客户要求 88%。", "背光模组亮度均匀性不良率 2%。", "棱镜结构涂布精度不足。",
     "", "联合研究院开展精密涂布工艺攻关。"),
]


def upsert_problem(spec):
    chain = Chain.objects.get(name=spec["chain"])
    problem = Problem.objects.filter(code=spec["code"]).first() or Problem(code=spec["code"])
    problem.name = spec["name"]
    problem.chain = chain
    problem.node = ChainNode.objects.filter(chain=chain, name=spec["node"]).first()
    problem.segment = problem.node.segment if problem.node else ""
    for field in ("product", "reporter_name", "description", "impact", "cause_technical", "cause_management",
                  "suggestion", "category", "sub_area", "source", "is_common"):
        setattr(problem, field, spec[field])
    problem.reporter_org = Organization.objects.filter(name=spec["reporter_org"]).first()
    problem.reported_on = spec.get("reported_on", datetime.date(2025, 6, 18))
    problem.status = spec.get("status", ProblemStatus.IDENTIFIED) if problem.pk is None else problem.status
    problem.next_review_due = datetime.date(2026, 12, 31)
    problem.full_clean()
    problem.save()
    problem.concerned_enterprises.set(Organization.objects.filter(name__in=spec.get("concerned", [])))
    if not problem.assessments.exists():
        problem_assess(user=None, problem=problem, scores=spec["scores"], comment="演示数据：附录D 模型评分")
    return problem


def load():
    ensure_model()
    upsert_problem(SILICON_ROD)
    for (code, name, node, reporter, category, sub_area, source, scores, status, common, concerned, description,
         impact, cause_tech, cause_mgmt, suggestion) in DISPLAY_PROBLEMS:
        upsert_problem({
            "code": code, "name": name, "chain": "光电显示产业链", "node": node, "product": "", "reporter_org": reporter,
            "reporter_name": "质量部", "description": description, "impact": impact, "cause_technical": cause_tech,
            "cause_management": cause_mgmt, "suggestion": suggestion, "category": category, "sub_area": sub_area,
            "source": source, "is_common": common, "scores": scores, "status": status, "concerned": concerned,
            "reported_on": datetime.date(2025, 8, 1),
        })
    related = {"OD-001": ["OD-008", "OD-004"], "OD-007": ["OD-002"]}
    for code, others in related.items():
        Problem.objects.get(code=code).related.set(Problem.objects.filter(code__in=others))
