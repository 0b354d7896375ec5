"""Demo needs (PLT-13): the optoelectronic display chain's enterprises asking for NQI
services, in every state of the intake, each driven through the real services by the
persona who would take that step (so the timelines and the audit trail are genuine).

The story is dated: every step happened at the time written beside it (November 2026),
and the loader records it at that time (``core.clock.recorded_at``), so filing times,
the deadlines the services compute with the working-day calendar (PLT-05), the
timeline and the notifications agree with each other. A need is taken by the service commissioner who
serves the enterprise's district (DIR-03).
"""

import contextlib
import datetime

from django.contrib.auth.models import Group
from django.utils import timezone

from zhilian.accounts.demo import DEMO_PASSWORD, enrol_demo_device
from zhilian.accounts.models import User
from zhilian.accounts.roles import Role
from zhilian.core import clock, context
from zhilian.directory.models import Expert, Organization, ServiceCommissioner

from . import services
from .choices import NeedCategory, Satisfaction
from .models import Need

# The commissioners of the other districts the story needs (张明辉, persona ``commissioner``,
# serves 翔安区 and 同安区): login, name (a ServiceCommissioner of the directory demo), mobile.
COMMISSIONER_USERS = [
    ("liujia", "刘佳", "13906032222"),       # 火炬高新区服务站: 湖里区, 思明区
    ("chensiyuan", "陈思远", "13906033333"),  # 集美机械工业区服务站: 集美区
]


def _t(text: str) -> datetime.datetime:
    """A moment of the story, Beijing time: "2026-11-27 16:00"."""
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


# (filer, enterprise, category, title, product, description, contact, phone, days until expected, steps)
# steps: (when, step); step: file, take, reject:<reason>, assign:<institutions>|<experts>,
#        accept:<persona>, deliver:<persona>:<summary>, confirm, cancel:<reason>.
# "file" at None: filed as the demo loads (a need nobody has had time to answer yet).
NEEDS = [
    ("owner", "厦门鹭岛显示科技有限公司", NeedCategory.TESTING, "液晶显示面板色域与响应时间第三方检测",
     "液晶显示面板",
     "新一代 27 英寸车规级面板量产前，需对色域覆盖率（目标 ≥ 95% DCI-P3）、响应时间（≤ 5 ms）和对比度开展第三方检测，"
     "出具 CMA / CNAS 报告用于客户审核。样品 20 片，分 2 批。", "质量部 刘工", "13906050006", 30,
     [("2026-11-02 09:30", "file"), ("2026-11-02 14:00", "take"),
      ("2026-11-03 10:00", "assign:厦门鹭检检测技术有限公司|陈立群"), ("2026-11-03 15:00", "accept:institution"),
      ("2026-11-04 09:00", "accept:expert"),
      ("2026-11-16 16:00", "deliver:institution:已完成亮度、对比度、色域覆盖率、响应时间检测，出具 CNAS 报告 LJ-2026-1187"
                           "（色域 96.2% DCI-P3）。"),
      ("2026-11-17 10:00", "deliver:expert:现场解读检测结果，提出响应时间测试条件与客户规范对齐的建议 3 条。"),
      ("2026-11-19 10:00", "confirm")]),
    ("owner", "厦门鹭岛显示科技有限公司", NeedCategory.TESTING, "显示模组高低温与振动可靠性验证", "显示模组",
     "车载显示模组需按客户规范完成 -40 ℃~85 ℃ 温度循环 500 次与正弦振动试验，评估贴合层脱胶风险。",
     "可靠性实验室 陈工", "13906050011", 45,
     [("2026-11-09 10:00", "file"), ("2026-11-09 15:00", "take"), ("2026-11-10 09:30", "assign:厦门鹭检检测技术有限公司|"),
      ("2026-11-10 14:00", "accept:institution"),
      ("2026-11-30 17:00", "deliver:institution:完成温度循环 500 次与正弦振动试验，2/12 样品出现边缘脱胶，已附失效分析建议。")]),
    ("member", "厦门翔光玻璃基板有限公司", NeedCategory.METROLOGY, "玻璃基板翘曲度测量方法与计量溯源", "玻璃基板",
     "G8.5 代玻璃基板翘曲度在线测量与离线测量差异达 0.05 mm，需确认测量方法并建立测量设备的计量溯源。",
     "品质部 钱程", "13906043333", 60,
     [("2026-11-30 09:00", "file"), ("2026-11-30 14:00", "take"),
      ("2026-12-01 10:00", "assign:厦门海西计量测试研究院|林晓燕")]),
    ("member", "厦门翔光玻璃基板有限公司", NeedCategory.QUALITY_MANAGEMENT, "导入 IATF 16949 质量管理体系辅导", "",
     "为进入车载显示供应链，计划一年内通过 IATF 16949 认证，需要体系差距诊断与内审员培训。", "品质部 钱程",
     "13906043333", 120, [("2026-11-23 10:00", "file"), ("2026-11-24 09:30", "take")]),
    ("mgmt", "厦门同安背光科技有限公司", NeedCategory.TESTING, "LED 背光模组亮度均匀性检测", "背光模组",
     "客户投诉背光亮度不均（九点均匀性 < 80%），需第三方检测并分析导光板与灯条原因。", "工程部 黄工",
     "0592-7123456", 20,
     [("2026-11-25 15:00", "file"), ("2026-11-26 09:00", "take"),
      ("2026-11-30 11:00", "assign:厦门市光电产品质量检验中心|")]),
    ("mgmt", "厦门海沧偏光材料有限公司", NeedCategory.STANDARDS, "偏光片耐候性试验标准咨询", "偏光片",
     "出口客户要求按其企业标准做耐候性试验，需比对 SJ/T 11476 等国内标准的差异并给出采标建议。", "技术部 林工",
     "0592-6123456", 40,
     # Filed on a Friday afternoon; the answer was due two working days later (Tuesday): overdue.
     [("2026-11-27 16:00", "file")]),
    ("mgmt", "厦门集美触控科技有限公司", NeedCategory.TRAINING, "首席质量官培训名额申请", "",
     "申请 2 名首席质量官培训名额。", "行政部 王工", "0592-6223456", 30,
     [("2026-11-12 10:00", "file"), ("2026-11-13 09:00", "cancel:企业已通过行业协会报名，不再需要。")]),
    ("mgmt", "厦门思明视讯科技有限公司", NeedCategory.SPECIAL, "企业融资贷款咨询", "",
     "希望了解质量贷款等金融产品。", "财务部 郑工", "0592-5123456", 15,
     [("2026-11-16 10:00", "file"),
      ("2026-11-16 15:00", "reject:不属于质量基础设施服务范围，已告知企业联系市金融服务窗口办理“质量贷”。")]),
    ("mgmt", "厦门鹭江车载显示有限公司", NeedCategory.TESTING, "车载显示屏中性盐雾试验", "车载显示屏",
     "主机厂新增盐雾 96 h 要求，需确认金属背板与连接器的耐腐蚀性能。", "实验室 罗斌", "13906045555", 25,
     [("2026-11-18 09:00", "file"), ("2026-11-18 14:00", "take"), ("2026-11-19 10:00", "assign:厦门鹭检检测技术有限公司|"),
      ("2026-11-19 16:00", "accept:institution")]),
    ("owner", "厦门鹭岛显示科技有限公司", NeedCategory.CERTIFICATION, "车载显示产品认证路径咨询", "车载显示屏",
     "计划出口欧洲，需梳理车载显示屏产品的认证项目与周期。", "质量部 刘工", "13906050006", 50, [(None, "file")]),
]


def _persona(username):
    return User.objects.get(username=username)


def _commissioner_users():
    """Accounts for the story's other commissioners, linked to their directory records."""
    for username, name, mobile in COMMISSIONER_USERS:
        profile = ServiceCommissioner.objects.get(name=name)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username)
            user.set_password(DEMO_PASSWORD)
        user.full_name, user.mobile, user.organization = name, mobile, profile.organization
        user.password_changed_at, user.must_change_password = timezone.now(), False
        user.save()
        user.groups.set(Group.objects.filter(name=Role.COMMISSIONER.value))
        user.refresh_roles()
        enrol_demo_device(user)
        ServiceCommissioner.objects.filter(pk=profile.pk).update(user=user)


def commissioner_for(enterprise: Organization) -> User:
    """The account of the commissioner who serves the enterprise's district (the persona by default)."""
    for profile in ServiceCommissioner.objects.filter(is_active=True, user__isnull=False).select_related("user"):
        if enterprise.district in profile.district_list:
            return profile.user
    return _persona("commissioner")


def load():
    """Create the demo needs once (identified by enterprise and title), replaying every step in date order."""
    _commissioner_users()
    events = []
    for number, spec in enumerate(NEEDS):
        filer, enterprise_name, category, title, product, description, contact, phone, expected, steps = spec
        enterprise = Organization.objects.get(name=enterprise_name)
        if Need.objects.filter(enterprise=enterprise, title=title).exists():
            continue
        for when, step in steps:
            events.append((_t(when) if when else None, number, step))
    # Needs are numbered as they were filed: the story runs in date order, steps of all needs interleaved.
    events.sort(key=lambda e: (e[0] is None, e[0] or timezone.now(), e[1]))
    filed: dict[int, Need] = {}
    for moment, number, step in events:
        with clock.recorded_at(moment) if moment else contextlib.nullcontext():
            if step == "file":
                filed[number] = _file(NEEDS[number])
            else:
                name, _sep, arg = step.partition(":")
                _run(filed[number], name, arg)


def _file(spec) -> Need:
    filer, enterprise_name, category, title, product, description, contact, phone, expected, _steps = spec
    user = _persona(filer)
    with context.acting_as(user, path="demo"):
        return services.need_file(user=user, enterprise=Organization.objects.get(name=enterprise_name),
                                  category=category, title=title, description=description, product=product,
                                  contact_name=contact, contact_phone=phone,
                                  expected_date=clock.today() + datetime.timedelta(days=expected))


def _run(need, name, arg):
    need.refresh_from_db()
    if name in ("take", "reject", "assign"):
        user = commissioner_for(need.enterprise)
    elif name in ("accept", "deliver"):
        username, _sep, arg = arg.partition(":")
        user = _persona(username)
    elif name == "confirm":
        user = _persona("owner" if need.enterprise.name == "厦门鹭岛显示科技有限公司" else "member")
    else:  # cancel
        user = _persona("mgmt")
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
