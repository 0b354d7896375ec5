"""Demo needs (PLT-13): the optoelectronic display chain's enterprises asking for NQI
services, in every state of the intake, each driven through the real services by the
persona who would take that step (so the timelines and the audit trail are genuine)."""

import datetime

from django.utils import timezone

from zhilian.accounts.models import User
from zhilian.core import context
from zhilian.directory.models import Expert, Organization

from . import services
from .choices import NeedCategory, Satisfaction
from .models import Need

# (filer, enterprise, category, title, product, description, contact, phone, days until expected, steps)
# steps: take, reject:<reason>, assign:<institutions>|<experts>, accept:<persona>, deliver:<persona>:<summary>,
#        confirm, cancel:<reason>, backdate:<days> (filed that many days ago, for an overdue response)
NEEDS = [
    ("owner", "厦门鹭岛显示科技有限公司", NeedCategory.TESTING, "液晶显示面板色域与响应时间第三方检测",
     "液晶显示面板",
     "新一代 27 英寸车规级面板量产前，需对色域覆盖率（目标 ≥ 95% DCI-P3）、响应时间（≤ 5 ms）和对比度开展第三方检测，"
     "出具 CMA / CNAS 报告用于客户审核。样品 20 片，分 2 批。", "质量部 刘工", "13906050006", 30,
     ["take", "assign:厦门鹭检检测技术有限公司|陈立群", "accept:institution", "accept:expert",
      "deliver:institution:已完成亮度、对比度、色域覆盖率、响应时间检测，出具 CNAS 报告 LJ-2026-1187（色域 96.2% DCI-P3）。",
      "deliver:expert:现场解读检测结果，提出响应时间测试条件与客户规范对齐的建议 3 条。", "confirm"]),
    ("owner", "厦门鹭岛显示科技有限公司", NeedCategory.TESTING, "显示模组高低温与振动可靠性验证", "显示模组",
     "车载显示模组需按客户规范完成 -40 ℃~85 ℃ 温度循环 500 次与正弦振动试验，评估贴合层脱胶风险。",
     "可靠性实验室 陈工", "13906050011", 45,
     ["take", "assign:厦门鹭检检测技术有限公司|", "accept:institution",
      "deliver:institution:完成温度循环 500 次与正弦振动试验，2/12 样品出现边缘脱胶，已附失效分析建议。"]),
    ("member", "厦门翔光玻璃基板有限公司", NeedCategory.METROLOGY, "玻璃基板翘曲度测量方法与计量溯源", "玻璃基板",
     "G8.5 代玻璃基板翘曲度在线测量与离线测量差异达 0.05 mm，需确认测量方法并建立测量设备的计量溯源。",
     "品质部 钱程", "13906043333", 60,
     ["take", "assign:厦门海西计量测试研究院|林晓燕"]),
    ("member", "厦门翔光玻璃基板有限公司", NeedCategory.QUALITY_MANAGEMENT, "导入 IATF 16949 质量管理体系辅导", "",
     "为进入车载显示供应链，计划一年内通过 IATF 16949 认证，需要体系差距诊断与内审员培训。", "品质部 钱程",
     "13906043333", 120, ["take"]),
    ("mgmt", "厦门同安背光科技有限公司", NeedCategory.TESTING, "LED 背光模组亮度均匀性检测", "背光模组",
     "客户投诉背光亮度不均（九点均匀性 < 80%），需第三方检测并分析导光板与灯条原因。", "工程部 黄工",
     "0592-7123456", 20, ["take:commissioner", "assign:厦门市光电产品质量检验中心|"]),
    ("mgmt", "厦门海沧偏光材料有限公司", NeedCategory.STANDARDS, "偏光片耐候性试验标准咨询", "偏光片",
     "出口客户要求按其企业标准做耐候性试验，需比对 SJ/T 11476 等国内标准的差异并给出采标建议。", "技术部 林工",
     "0592-6123456", 40, ["backdate:5"]),
    ("mgmt", "厦门集美触控科技有限公司", NeedCategory.TRAINING, "首席质量官培训名额申请", "",
     "申请 2 名首席质量官培训名额。", "行政部 王工", "0592-6223456", 30,
     ["cancel:企业已通过行业协会报名，不再需要。"]),
    ("mgmt", "厦门思明视讯科技有限公司", NeedCategory.SPECIAL, "企业融资贷款咨询", "",
     "希望了解质量贷款等金融产品。", "财务部 郑工", "0592-5123456", 15,
     ["reject:不属于质量基础设施服务范围，已告知企业联系市金融服务窗口办理“质量贷”。"]),
    ("mgmt", "厦门鹭江车载显示有限公司", NeedCategory.TESTING, "车载显示屏中性盐雾试验", "车载显示屏",
     "主机厂新增盐雾 96 h 要求，需确认金属背板与连接器的耐腐蚀性能。", "实验室 罗斌", "13906045555", 25,
     ["take", "assign:厦门鹭检检测技术有限公司|", "accept:institution"]),
    ("owner", "厦门鹭岛显示科技有限公司", NeedCategory.CERTIFICATION, "车载显示产品认证路径咨询", "车载显示屏",
     "计划出口欧洲，需梳理车载显示屏产品的认证项目与周期。", "质量部 刘工", "13906050006", 50, []),
]


def _persona(username):
    return User.objects.get(username=username)


def load():
    """Create the demo needs once (identified by enterprise and title)."""
    for filer, enterprise_name, category, title, product, description, contact, phone, expected, steps in NEEDS:
        enterprise = Organization.objects.get(name=enterprise_name)
        if Need.objects.filter(enterprise=enterprise, title=title).exists():
            continue
        user = _persona(filer)
        with context.acting_as(user, path="demo"):
            need = services.need_file(user=user, enterprise=enterprise, category=category, title=title,
                                      description=description, product=product, contact_name=contact,
                                      contact_phone=phone,
                                      expected_date=timezone.localdate() + datetime.timedelta(days=expected))
        for step in steps:
            name, _sep, arg = step.partition(":")
            _run(need, name, arg)


def _run(need, name, arg):
    need.refresh_from_db()
    if name == "backdate":
        # A need filed a week ago that nobody took: its response deadline has passed.
        days = int(arg)
        filed = timezone.now() - datetime.timedelta(days=days)
        Need.objects.filter(pk=need.pk).update(filed_at=filed, response_due=filed.date() + datetime.timedelta(days=2))
        return
    actor = {"take": "commissioner", "reject": "commissioner", "assign": "commissioner", "confirm": "owner",
             "cancel": "mgmt"}.get(name)
    if name in ("accept", "deliver"):
        actor, _sep, arg = arg.partition(":")
    if name == "take" and arg:
        actor = arg
    if name == "confirm" and need.enterprise.name != "厦门鹭岛显示科技有限公司":
        actor = "member"
    user = _persona(actor)
    with context.acting_as(user, path="demo"):
        if name == "take":
            services.need_take(user=user, need=need)
        elif name == "reject":
            services.need_reject(user=user, need=need, reason=arg)
        elif name == "assign":
            institution_names, _sep, expert_names = arg.partition("|")
            institutions = list(Organization.objects.filter(name__in=[n for n in institution_names.split(",") if n]))
            experts = list(Expert.objects.filter(name__in=[n for n in expert_names.split(",") if n]))
            services.need_assign(user=user, need=need, institutions=institutions, experts=experts,
                                 note="请于约定时间内与企业联系人对接，按需求出具报告。")
        elif name == "accept":
            services.assignment_accept(user=user, need=need)
        elif name == "deliver":
            services.assignment_deliver(user=user, need=need, summary=arg)
        elif name == "confirm":
            services.need_confirm(user=user, need=need, timeliness=Satisfaction.VERY_SATISFIED,
                                  professionalism=Satisfaction.VERY_SATISFIED, courtesy=Satisfaction.SATISFIED,
                                  overall=Satisfaction.VERY_SATISFIED, resolved=True,
                                  feedback="检测周期比预期短两天，报告解读清楚。")
        elif name == "cancel":
            services.need_cancel(user=user, need=need, reason=arg)
