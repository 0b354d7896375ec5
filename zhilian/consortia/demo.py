"""Demo consortia (PLT-13): the silicon-rod problem (chain guide Table C.1) is taken up by the
集成电路产业链质量创新联合体, approved through the whole Appendix A chain; a second application
led by the display chain owner waits for the 翔安区 quality office."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from zhilian.accounts.demo import DEMO_PASSWORD, enrol_demo_device
from zhilian.accounts.models import User
from zhilian.accounts.roles import Role
from zhilian.chains.models import Chain
from zhilian.core import clock
from zhilian.directory.models import Organization

from .choices import ConsortiumStatus, ContributionKind, ReviewDecision
from . import services
from .models import Consortium

D = datetime.date

# Extra demo accounts for the semiconductor consortium (username, name, role, unit, mobile).
CONSORTIUM_USERS = [
    ("icowner", "海芯集成 质量副总 郑海峰", Role.CHAIN_OWNER, "厦门海芯集成电路制造有限公司", "13906060001"),
    ("icmember", "闽硅单晶 技术总监 林志远", Role.ENTERPRISE, "福建闽硅单晶材料有限公司", "13906060002"),
    ("icresearch", "半导体材料工程研究中心 李振华", Role.RESEARCH, "福建半导体材料工程研究中心", "13906060003"),
    ("icmetrology", "海西计量 电学所 王工", Role.TECH_INSTITUTION, "厦门海西计量测试研究院", "13906060004"),
    ("haicang", "海沧区局 质量科 黄科长", Role.DISTRICT_REGULATOR, "厦门市海沧区市场监督管理局", "13906060005"),
]

IC_CONSORTIUM = {
    "name": "集成电路产业链质量创新联合体",
    "chain": "集成电路产业链",
    "chain_domain": "集成电路（硅材料—晶圆制造—封装测试—终端应用）",
    "person_in_charge": "郑海峰",
    "person_phone": "13906060001",
    "goals": "围绕 12 英寸硅单晶棒电阻率均匀性等产业链共性质量问题，三年内实施 3 项以上质量攻关项目，"
             "建立硅材料关键参数测试评价标准，带动上游材料企业良率提升 10 个百分点。",
    "work_plan": "1. 建立联合体理事会和技术委员会；2. 每年梳理一次产业链质量问题库，遴选攻关项目；"
                 "3. 共建硅材料计量测试公共平台；4. 建立攻关成果共享库和许可机制；5. 跨区域联合深圳设计企业开展应用验证。",
    "members": [
        ("福建闽硅单晶材料有限公司", "林志远", "13906060002", "硅单晶棒拉制与工艺改进"),
        ("福建半导体材料工程研究中心", "李振华", "13859019012", "热场设计与晶体生长模拟"),
        ("厦门海西计量测试研究院", "王工", "0592-56015678", "电阻率计量测试与校准"),
        ("深圳南岭显示驱动有限公司", "陈南", "0755-86001234", "下游显示驱动芯片应用验证（跨区域）"),
    ],
}

DISPLAY_APPLICATION = {
    "name": "集成电路产业链显示驱动芯片应用质量创新联合体",
    "chain": "集成电路产业链",
    "chain_domain": "集成电路（显示驱动芯片应用）",
    "person_in_charge": "赵德明",
    "person_phone": "13906041111",
    "goals": "提升显示驱动芯片在面板模组中的应用可靠性，建立驱动芯片来料检验与失效分析协同机制。",
    "work_plan": "联合芯片设计、面板制造与检测机构，开展驱动芯片 ESD 失效分析与来料检验标准制定。",
    "members": [
        ("厦门芯程驱动芯片有限公司", "芯程质量部", "0592-55031234", "驱动芯片设计改进"),
        ("深圳南岭显示驱动有限公司", "陈南", "0755-86001234", "TCON 与驱动芯片配套"),
        ("厦门鹭检检测技术有限公司", "业务受理", "0592-56005678", "失效分析与可靠性试验"),
    ],
}


def ensure_user(username, full_name, role, org_name, mobile):
    """A demo account set up as the accounts demo sets up its personas (accounts/demo.py)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
        user.set_password(DEMO_PASSWORD)
    user.full_name = full_name
    user.organization = Organization.objects.get(name=org_name)
    user.mobile = mobile
    # The demo's published password must not expire under a running demo or a test run.
    user.password_changed_at = timezone.now()
    user.must_change_password = False
    user.save()
    user.groups.set(Group.objects.filter(name=role.value))
    user.refresh_roles()
    enrol_demo_device(user)  # haicang (a district bureau) signs in with the demo authenticator
    return user


def _rows(spec):
    rows = []
    for name, contact, phone, duty in spec["members"]:
        org = Organization.objects.get(name=name)
        rows.append({"name": name, "uscc": org.uscc, "contact_name": contact, "contact_phone": phone,
                     "responsibilities": duty})
    return rows


def _application(spec, user, *, on):
    existing = Consortium.objects.filter(name=spec["name"]).first()
    if existing is not None:
        return existing, False
    data = {k: spec[k] for k in ("name", "chain_domain", "person_in_charge", "person_phone", "goals", "work_plan")}
    data["chain"] = Chain.objects.get(name=spec["chain"])
    with clock.recorded_on(on):
        consortium = services.consortium_save_application(user=user, consortium=None, data=data, members=_rows(spec))
    return consortium, True


def _review(user, consortium, opinion, *, on):
    with clock.recorded_on(on):
        services.consortium_review(user=user, consortium=consortium, decision=ReviewDecision.APPROVE, opinion=opinion)


def load():
    users = {u[0]: ensure_user(*u) for u in CONSORTIUM_USERS}
    city = User.objects.get(username="city")
    # The story's dates, all before the projects it runs (projects/demo.py starts in 2025-08):
    # applied 2025-06-10, opinions 06-12 / 06-20, established by the city on 2025-07-01.
    consortium, created = _application(IC_CONSORTIUM, users["icowner"], on=D(2025, 6, 10))
    if created:
        with clock.recorded_on(D(2025, 6, 10)):
            services.consortium_submit(user=users["icowner"], consortium=consortium)
        _review(users["icowner"], consortium, "同意牵头组建，承诺提供资金、场地与人员保障。", on=D(2025, 6, 12))
        _review(users["haicang"], consortium, "材料齐全，符合组建条件，同意报市质量强市办审核。", on=D(2025, 6, 20))
        _review(city, consortium, "同意组建集成电路产业链质量创新联合体。", on=D(2025, 7, 1))
        consortium.refresh_from_db()
        assert consortium.approved_on == D(2025, 7, 1)
        with clock.recorded_on(D(2025, 7, 15)):
            services.charter_adopt(user=users["icowner"], consortium=consortium, data=CHARTER)
        with clock.recorded_on(D(2025, 8, 1)):
            _contributions(users["icowner"], consortium)

    owner = User.objects.get(username="owner")
    pending, created = _application(DISPLAY_APPLICATION, owner, on=D(2026, 11, 18))
    if created:
        with clock.recorded_on(D(2026, 11, 18)):
            services.consortium_submit(user=owner, consortium=pending)
        _review(owner, pending, "同意申报。", on=D(2026, 11, 20))
    assert Consortium.objects.get(name=IC_CONSORTIUM["name"]).status == ConsortiumStatus.APPROVED


CHARTER = {
    "adopted_on": D(2025, 7, 15),
    "organization_structure": "设理事会（成员单位各派 1 名代表）、技术委员会和秘书处（设在海芯集成质量部）。",
    "operating_mechanism": "理事会每半年召开一次；攻关项目由技术委员会评审立项，秘书处负责日常运行。",
    "rights_obligations": "成员单位享有参与攻关项目、共享联合体成果的权利，承担按约定提供资源、保守商业秘密的义务。",
    "ip_ownership": "攻关成果知识产权归完成单位所有；多方共同完成的按贡献约定共有。",
    "benefit_distribution": "有偿共享收益主要归贡献方所有，联合体提取 5% 用于公共平台运行。",
    "entry_exit_rules": "新成员经两名成员推荐、理事会同意后加入；成员可书面申请退出，未完成项目应先行交接。",
    "talent_development": "建立成员间专家兼职和派驻机制，每年联合举办不少于 2 次质量技术培训。",
}

CONTRIBUTIONS = [
    ("厦门海芯集成电路制造有限公司", ContributionKind.FUNDS, "联合体运行及攻关配套资金", "500.00", None, ""),
    ("厦门海芯集成电路制造有限公司", ContributionKind.SPACE, "晶圆应用验证实验室", None, "300", "㎡"),
    ("福建半导体材料工程研究中心", ContributionKind.TECHNOLOGY, "晶体生长热场数值模拟技术", "80.00", None, ""),
    ("厦门海西计量测试研究院", ContributionKind.EQUIPMENT, "四探针电阻率测试系统及标准样片", "120.00", "2", "台套"),
    ("福建闽硅单晶材料有限公司", ContributionKind.PEOPLE, "工艺工程师派驻联合攻关组", None, "6", "人"),
]


def _contributions(icowner, consortium):
    members = {m.organization.name: m for m in consortium.members.select_related("organization")}
    for name, kind, description, amount, quantity, unit in CONTRIBUTIONS:
        services.contribution_save(user=icowner, consortium=consortium, data={
            "member": members[name], "kind": kind, "description": description,
            "amount": Decimal(amount) if amount else None,
            "quantity": Decimal(quantity) if quantity else None, "unit": unit, "provided_on": D(2025, 8, 1)})
