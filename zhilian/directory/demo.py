"""Demo directory for Xiamen (PLT-13): the optoelectronic display chain's organizations,
institutions with CMA/CNAS capabilities, experts, commissioners and the 1+3+N network.

Company and institution names are fictional; unified social credit codes are generated
with valid GB 32100 check characters and belong to no real entity.
"""

import datetime
import hashlib

from django.utils import timezone
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from .choices import (
    SERVICE_DOMAINS, ExpertQualificationKind, GovernmentLevel, OrganizationKind, QualificationKind, ServicePointLevel,
    SizeClass, TalentType, TitleLevel,
)
from .models import (
    EnterpriseTalent, Expert, ExpertQualification, InstitutionQualification, Organization, ServiceCommissioner,
    ServiceDomain, ServicePoint, TestingCapability,
)

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(seed: str, prefix: str = "91350200") -> str:
    """Return a syntactically valid USCC derived from ``seed`` (stable across runs)."""
    digest = hashlib.sha256(seed.encode()).digest()
    body = prefix + "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:9])
    return body + stdnum_uscc.calc_check_digit(body)


def demo_id_number(seed: str) -> str:
    """Return a resident identity number with a valid GB 11643 check digit, stable across runs.

    Region 350221 (the former 同安县, in use until 1996), born 1960-1984: it names no real person.
    """
    digest = hashlib.sha256(seed.encode()).digest()
    birth = datetime.date(1960 + digest[0] % 25, 1 + digest[1] % 12, 1 + digest[2] % 28)
    body = f"350221{birth:%Y%m%d}{digest[3] % 1000:03d}"
    return body + stdnum_ric.calc_check_digit(body + "0")  # the function skips the last character


# name, short, district, province, city, industry, size, address, description
ENTERPRISES = [
    ("厦门鹭岛显示科技有限公司", "鹭岛显示", "翔安区", "福建省", "厦门市", "计算机、通信和其他电子设备制造业", SizeClass.LARGE,
     "翔安区火炬东路 88 号", "TFT-LCD 与 AMOLED 面板制造，光电显示产业链链主企业。"),
    ("厦门翔光玻璃基板有限公司", "翔光玻璃", "翔安区", "福建省", "厦门市", "非金属矿物制品业", SizeClass.MEDIUM,
     "翔安区民安大道 1200 号", "G8.5 代 TFT-LCD 玻璃基板后段加工。"),
    ("厦门海沧偏光材料有限公司", "海沧偏光", "海沧区", "福建省", "厦门市", "化学原料和化学制品制造业", SizeClass.MEDIUM,
     "海沧区新阳工业区 36 号", "偏光片与光学补偿膜。"),
    ("厦门芯程驱动芯片有限公司", "芯程驱动", "湖里区", "福建省", "厦门市", "计算机、通信和其他电子设备制造业", SizeClass.SMALL,
     "湖里区火炬高新区创新大厦 9 楼", "显示驱动 IC 设计。"),
    ("厦门同安背光科技有限公司", "同安背光", "同安区", "福建省", "厦门市", "计算机、通信和其他电子设备制造业", SizeClass.MEDIUM,
     "同安区工业集中区 18 号", "LED 背光模组。"),
    ("厦门集美触控科技有限公司", "集美触控", "集美区", "福建省", "厦门市", "计算机、通信和其他电子设备制造业", SizeClass.MEDIUM,
     "集美区杏林湾路 66 号", "电容式触控模组与全贴合。"),
    ("厦门湖里智显电子有限公司", "智显电子", "湖里区", "福建省", "厦门市", "计算机、通信和其他电子设备制造业", SizeClass.LARGE,
     "湖里区安岭路 1001 号", "液晶显示模组（LCM）。"),
    ("厦门鹭江车载显示有限公司", "鹭江车载", "集美区", "福建省", "厦门市", "汽车制造业", SizeClass.MEDIUM,
     "集美区灌口镇机械工业集中区", "车载显示屏与中控显示总成。"),
    ("厦门思明视讯科技有限公司", "思明视讯", "思明区", "福建省", "厦门市", "计算机、通信和其他电子设备制造业", SizeClass.LARGE,
     "思明区软件园二期观日路 24 号", "显示器、商用显示终端整机。"),
    ("厦门翔安光学膜材有限公司", "翔安膜材", "翔安区", "福建省", "厦门市", "橡胶和塑料制品业", SizeClass.SMALL,
     "翔安区舫山南路 25 号", "增亮膜、扩散膜。"),
    ("厦门鹭微精密治具有限公司", "鹭微治具", "海沧区", "福建省", "厦门市", "专用设备制造业", SizeClass.MICRO,
     "海沧区翁角路 410 号", "面板检测治具与点灯设备。"),
    ("安徽皖晶玻璃科技有限公司", "皖晶玻璃", "蜀山区", "安徽省", "合肥市", "非金属矿物制品业", SizeClass.LARGE,
     "合肥市蜀山区经济开发区", "TFT-LCD 玻璃基板原片（省外配套）。"),
    ("深圳南岭显示驱动有限公司", "南岭驱动", "南山区", "广东省", "深圳市", "计算机、通信和其他电子设备制造业", SizeClass.MEDIUM,
     "深圳市南山区科技园", "显示驱动 IC 与 TCON（省外配套）。"),
    ("苏州吴中光电材料有限公司", "吴中光电", "吴中区", "江苏省", "苏州市", "化学原料和化学制品制造业", SizeClass.MEDIUM,
     "苏州市吴中经济开发区", "液晶材料与光刻胶（省外配套）。"),
    ("福建闽硅单晶材料有限公司", "闽硅单晶", "海沧区", "福建省", "厦门市", "计算机、通信和其他电子设备制造业", SizeClass.MEDIUM,
     "海沧区南海三路 99 号", "12 英寸半导体硅单晶棒与硅片。"),
    ("厦门海芯集成电路制造有限公司", "海芯集成", "海沧区", "福建省", "厦门市", "计算机、通信和其他电子设备制造业", SizeClass.LARGE,
     "海沧区芯港路 8 号", "12 英寸晶圆代工（28nm）。"),
]

INSTITUTIONS = [
    # name, short, district, domains, description
    ("厦门鹭检检测技术有限公司", "鹭检检测", "湖里区", ["testing", "certification"],
     "第三方检验检测机构，光电显示与电子电器产品检测。"),
    ("厦门海西计量测试研究院", "海西计量", "思明区", ["metrology", "testing"],
     "法定计量技术机构，光学、电学计量与校准。"),
    ("厦门鹭标标准化研究院", "鹭标标准", "思明区", ["standards", "ip", "brand"], "标准化研究与技术性贸易措施服务。"),
    ("福建闽南标准认证中心有限公司", "闽南认证", "思明区", ["certification", "quality_mgmt", "excellence"],
     "管理体系与产品认证机构。"),
    ("厦门市光电产品质量检验中心", "光电质检中心", "翔安区", ["testing"], "光电显示产品质量检验与风险监测。"),
]
MANAGEMENT_INSTITUTION = ("厦门市质量基础设施协同服务中心", "协同服务中心", "思明区",
                          ["quality_mgmt", "standards", "metrology", "testing", "certification"],
                          "质量基础设施协同服务管理机构，负责 e 鹭协同平台的组织与评价。")

QUALIFICATIONS = {
    "厦门鹭检检测技术有限公司": [(QualificationKind.CMA, "221320340123", "2022-03-15", "2028-03-14"),
                                (QualificationKind.CNAS, "CNAS L12345", "2023-06-01", "2029-05-31")],
    "厦门海西计量测试研究院": [(QualificationKind.CMA, "201320340456", "2020-09-01", "2026-08-31"),
                               (QualificationKind.CNAS, "CNAS L06789", "2021-01-10", "2027-01-09")],
    "厦门市光电产品质量检验中心": [(QualificationKind.CMA, "231320340789", "2023-11-20", "2029-11-19"),
                                   # renewal due: shown as expiring within 90 days (see load)
                                   (QualificationKind.CNAS, "CNAS L15520", "2020-03-01", "+60")],
    "福建闽南标准认证中心有限公司": [(QualificationKind.OTHER, "CNCA-R-2019-512", "2019-05-01", "2029-04-30")],
}

# institution -> [(product, parameter, method, standard, qualification)]
CAPABILITIES = {
    "厦门鹭检检测技术有限公司": [
        ("液晶显示面板", "亮度", "亮度计法", "SJ/T 11348-2016", QualificationKind.CNAS),
        ("液晶显示面板", "对比度", "暗室对比度测量", "SJ/T 11348-2016", QualificationKind.CNAS),
        ("液晶显示面板", "色域覆盖率", "光谱辐射计法", "SJ/T 11348-2016", QualificationKind.CMA),
        ("液晶显示面板", "响应时间", "光电响应测试", "GB/T 18910.61-2012", QualificationKind.CMA),
        ("显示模组", "高低温贮存", "温度循环试验", "GB/T 2423.22-2012", QualificationKind.CNAS),
        ("显示模组", "振动", "正弦振动试验", "GB/T 2423.10-2019", QualificationKind.CNAS),
        ("显示器", "电磁兼容 辐射骚扰", "电波暗室法", "GB/T 9254.1-2021", QualificationKind.CNAS),
        ("显示器", "安全 电气强度", "耐压试验", "GB 4943.1-2022", QualificationKind.CMA),
        ("平板电视", "能效限定值", "能效测试", "GB 24850-2020", QualificationKind.CMA),
        ("车载显示屏", "盐雾", "中性盐雾试验", "GB/T 2423.17-2008", QualificationKind.CNAS),
        ("触控模组", "表面硬度", "铅笔硬度法", "GB/T 6739-2022", QualificationKind.CMA),
    ],
    "厦门海西计量测试研究院": [
        ("亮度计", "亮度示值误差", "标准光源比较法", "JJG 211-2021", QualificationKind.CNAS),
        ("色度计", "色品坐标示值误差", "标准色板比较法", "JJF 1345-2012", QualificationKind.CNAS),
        ("玻璃基板", "厚度", "非接触测厚", "GB/T 30755-2014", QualificationKind.CMA),
        ("玻璃基板", "翘曲度", "光学平面度测量", "GB/T 30755-2014", QualificationKind.CMA),
        ("单晶硅棒", "电阻率", "直排四探针法", "GB/T 1551-2021", QualificationKind.CNAS),
        ("单晶硅棒", "间隙氧含量", "红外吸收法", "GB/T 1557-2018", QualificationKind.CNAS),
        ("单晶硅棒", "径向电阻率变化", "四探针多点测量", "GB/T 11073-2007", QualificationKind.CMA),
    ],
    "厦门市光电产品质量检验中心": [
        ("偏光片", "偏光度", "分光光度法", "SJ/T 11476-2014", QualificationKind.CMA),
        ("偏光片", "单体透过率", "分光光度法", "SJ/T 11476-2014", QualificationKind.CMA),
        ("玻璃基板", "表面粗糙度", "原子力显微镜法", "GB/T 31227-2014", QualificationKind.CMA),
        ("背光模组", "亮度均匀性", "九点测量法", "SJ/T 11348-2016", QualificationKind.CMA),
        ("液晶显示面板", "坏点", "目视与图像检测", "SJ/T 11348-2016", QualificationKind.CMA),
    ],
}

GOVERNMENT = {
    "city": ("厦门市市场监督管理局", "思明区"),
    "districts": ["思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区"],
    "grassroots": [("思明区", "中华市场监督管理所"), ("思明区", "厦港市场监督管理所"), ("湖里区", "殿前市场监督管理所"),
                   ("集美区", "杏林市场监督管理所"), ("海沧区", "新阳市场监督管理所"), ("同安区", "祥平市场监督管理所"),
                   ("翔安区", "新店市场监督管理所"), ("翔安区", "马巷市场监督管理所")],
}

OTHERS = [
    (OrganizationKind.INDUSTRY_ORG, "厦门市光电显示产业协会", "思明区", "光电显示企业行业组织，开展行业质量共治。", ["standards", "brand"]),
    (OrganizationKind.RESEARCH, "厦门理工光电技术研究院", "集美区", "光电显示材料与器件研究。", ["innovation"]),
    (OrganizationKind.RESEARCH, "福建半导体材料工程研究中心", "海沧区", "半导体硅材料晶体生长与热场设计。", ["innovation"]),
]

EXPERTS = [
    # name, employer, title, level, specialties, quality_experience, quals, mobile, domains
    ("陈立群", "厦门鹭检检测技术有限公司", "高级工程师", TitleLevel.ASSOCIATE_SENIOR, "光电显示, 电子电器检测", True,
     [ExpertQualificationKind.CERTIFICATION_AUDITOR], "13906011234", ["testing", "quality_mgmt"]),
    ("林晓燕", "厦门海西计量测试研究院", "正高级工程师", TitleLevel.SENIOR, "光学计量, 显示测量", True, [], "13806022345",
     ["metrology"]),
    ("黄志坚", "福建闽南标准认证中心有限公司", "工程师", TitleLevel.INTERMEDIATE, "质量管理体系, IATF 16949", True,
     [ExpertQualificationKind.CERTIFICATION_AUDITOR], "13759203456", ["certification", "quality_mgmt"]),
    ("王海涛", "厦门鹭标标准化研究院", "高级工程师", TitleLevel.ASSOCIATE_SENIOR, "标准化, 技术性贸易措施", True, [],
     "15980214567", ["standards"]),
    ("郑美玲", "厦门市光电产品质量检验中心", "助理工程师", TitleLevel.JUNIOR, "偏光片检测", False, [], "18650015678",
     ["testing"]),
    ("吴建国", "厦门鹭岛显示科技有限公司", "高级工程师", TitleLevel.ASSOCIATE_SENIOR, "面板制程, 良率提升", True, [],
     "13600026789", ["quality_mgmt"]),
    ("许文斌", "", "", TitleLevel.NONE, "工业品生产许可, 电线电缆", True, [ExpertQualificationKind.LICENCE_REVIEWER],
     "13950087890", ["quality_mgmt"]),
    ("蔡雅琴", "厦门理工光电技术研究院", "教授", TitleLevel.SENIOR, "OLED 材料, 可靠性工程", True, [], "13515928901",
     ["innovation", "testing"]),
    ("李振华", "福建半导体材料工程研究中心", "研究员", TitleLevel.SENIOR, "单晶硅生长, 热场设计", True, [], "13859019012",
     ["innovation", "metrology"]),
    ("周丽", "厦门市质量基础设施协同服务中心", "经济师", TitleLevel.INTERMEDIATE, "卓越绩效, 质量管理咨询", True,
     [ExpertQualificationKind.QUALITY_ENGINEER], "18959210123", ["excellence", "quality_mgmt"]),
    ("杨帆", "", "技术员", TitleLevel.NONE, "电子装配", False, [], "13400591234", ["quality_mgmt"]),
]

SERVICE_POINTS = [
    ("厦门市质量基础设施一站式服务中心", ServicePointLevel.CENTER, None, "思明区", "思明区湖滨北路 60 号", "0592-5101234"),
    ("岛内服务分中心", ServicePointLevel.HUB, "厦门市质量基础设施一站式服务中心", "湖里区", "湖里区火炬高新区", "0592-5201234"),
    ("岛外西部服务分中心", ServicePointLevel.HUB, "厦门市质量基础设施一站式服务中心", "集美区", "集美区软件园三期", "0592-6201234"),
    ("岛外东部服务分中心", ServicePointLevel.HUB, "厦门市质量基础设施一站式服务中心", "翔安区", "翔安区火炬产业区", "0592-7201234"),
    ("火炬高新区服务站", ServicePointLevel.STATION, "岛内服务分中心", "湖里区", "火炬高新区创新大厦 2 楼", "0592-5301234"),
    ("软件园服务站", ServicePointLevel.STATION, "岛内服务分中心", "思明区", "软件园二期观日路", "0592-5401234"),
    ("海沧生物医药港服务站", ServicePointLevel.STATION, "岛外西部服务分中心", "海沧区", "海沧区新阳街道", "0592-6301234"),
    ("集美机械工业区服务站", ServicePointLevel.STATION, "岛外西部服务分中心", "集美区", "集美区灌口镇", "0592-6401234"),
    ("翔安光电产业园服务站", ServicePointLevel.STATION, "岛外东部服务分中心", "翔安区", "翔安区火炬东路", "0592-7301234"),
    ("同安工业集中区服务站", ServicePointLevel.STATION, "岛外东部服务分中心", "同安区", "同安区工业集中区", "0592-7401234"),
]

COMMISSIONERS = [
    ("张明辉", "翔安光电产业园服务站", "翔安区, 同安区", "光电显示, 检验检测", "13906031111"),
    ("刘佳", "火炬高新区服务站", "湖里区, 思明区", "标准, 认证", "13906032222"),
    ("陈思远", "集美机械工业区服务站", "集美区", "计量, 汽车零部件", "13906033333"),
    ("郭晓敏", "海沧生物医药港服务站", "海沧区", "质量管理", "13906034444"),
    ("方志强", "同安工业集中区服务站", "同安区", "培训, 品牌", "13906035555"),
]

TALENTS = [
    ("赵德明", "厦门鹭岛显示科技有限公司", TalentType.CHIEF_QUALITY_OFFICER, "首席质量官", "注册质量工程师", "13906041111"),
    ("孙雨", "厦门鹭岛显示科技有限公司", TalentType.INTERNAL_AUDITOR, "体系工程师", "ISO 9001 内审员", "13906042222"),
    ("钱程", "厦门翔光玻璃基板有限公司", TalentType.QUALITY_MANAGER, "品质部经理", "六西格玛黑带", "13906043333"),
    ("何静", "厦门湖里智显电子有限公司", TalentType.METROLOGY, "计量主管", "二级注册计量师", "13906044444"),
    ("罗斌", "厦门鹭江车载显示有限公司", TalentType.TESTING, "实验室主任", "IATF 16949 内审员", "13906045555"),
    ("宋佳怡", "厦门思明视讯科技有限公司", TalentType.STANDARDIZATION, "标准化工程师", "标准化工程师", "13906046666"),
]


def _org(name, **fields):
    org = Organization.objects.filter(name=name).first() or Organization(name=name)
    domains = fields.pop("domains", None)
    for key, value in fields.items():
        setattr(org, key, value)
    org.full_clean()
    org.save()
    if domains is not None:
        org.service_domains.set(ServiceDomain.objects.filter(code__in=domains))
    return org


def load():
    """Create or refresh the demo directory (idempotent)."""
    for order, (code, name) in enumerate(SERVICE_DOMAINS):
        ServiceDomain.objects.update_or_create(code=code, defaults={"name": name, "order": order})

    city_name, city_district = GOVERNMENT["city"]
    city = _org(city_name, kind=OrganizationKind.GOVERNMENT, government_level=GovernmentLevel.CITY,
                district="", address="厦门市思明区湖滨北路 60 号", contact_phone="12315",
                description="负责联动工作总体部署与质量基础设施协同服务统筹。")
    districts = {}
    for district in GOVERNMENT["districts"]:
        districts[district] = _org(f"厦门市{district}市场监督管理局", kind=OrganizationKind.GOVERNMENT,
                                   government_level=GovernmentLevel.DISTRICT, parent=city, district=district)
    for district, name in GOVERNMENT["grassroots"]:
        _org(f"{district}{name}", kind=OrganizationKind.GOVERNMENT, government_level=GovernmentLevel.GRASSROOTS,
             parent=districts[district], district=district)

    for idx, (name, short, district, province, city_name, industry, size, address, description) in enumerate(ENTERPRISES):
        prefix = "91350200" if province == "福建省" else "91000000"
        _org(name, kind=OrganizationKind.ENTERPRISE, short_name=short, uscc=make_uscc(name, prefix),
             district=district, province=province, city=city_name, industry=industry, size=size, address=address,
             description=description, established_on=datetime.date(2006 + idx, 1 + idx % 12, 8),
             contact_name="质量部", contact_phone=f"0592-55{idx:02d}1234")

    for idx, (name, short, district, domains, description) in enumerate(INSTITUTIONS + [MANAGEMENT_INSTITUTION]):
        public = "有限公司" not in name  # public institutions' codes start with 12
        _org(name, kind=OrganizationKind.INSTITUTION, short_name=short, uscc=make_uscc(name, "12350200" if public else "91350200"),
             district=district, industry="专业技术服务业", address=f"厦门市{district}", description=description,
             domains=domains, contact_name="业务受理", contact_phone=f"0592-56{idx:02d}5678")
    for kind, name, district, description, domains in OTHERS:
        _org(name, kind=kind, uscc=make_uscc(name, "51350200" if kind == OrganizationKind.INDUSTRY_ORG else "12350200"),
             district=district, description=description, domains=domains, address=f"厦门市{district}")

    for org_name, quals in QUALIFICATIONS.items():
        org = Organization.objects.get(name=org_name)
        for kind, number, issued, valid in quals:
            valid_until = (timezone.localdate() + datetime.timedelta(days=int(valid[1:]))
                           if valid.startswith("+") else datetime.date.fromisoformat(valid))
            InstitutionQualification.objects.update_or_create(
                kind=kind, certificate_no=number,
                defaults={"organization": org, "issued_on": datetime.date.fromisoformat(issued),
                          "valid_until": valid_until})
    for org_name, rows in CAPABILITIES.items():
        org = Organization.objects.get(name=org_name)
        for product, parameter, method, standard, qualification in rows:
            cap = TestingCapability.objects.filter(institution=org, product=product, parameter=parameter).first()
            cap = cap or TestingCapability(institution=org, product=product, parameter=parameter)
            cap.method, cap.standard_code, cap.qualification = method, standard, qualification
            cap.save()

    for name, employer, title, level, specialties, experience, quals, mobile, domains in EXPERTS:
        expert = Expert.objects.filter(name=name).first() or Expert(name=name)
        expert.employer = employer
        expert.organization = Organization.objects.filter(name=employer).first() if employer else None
        expert.title, expert.title_level, expert.specialties = title, level, specialties
        expert.quality_experience, expert.mobile = experience, mobile
        expert.id_number = demo_id_number(name)
        expert.save()
        expert.domains.set(ServiceDomain.objects.filter(code__in=domains))
        for kind in quals:
            ExpertQualification.objects.get_or_create(expert=expert, kind=kind, defaults={
                "certificate_no": f"{kind[:4].upper()}-{expert.pk:05d}", "valid_until": datetime.date(2028, 12, 31)})

    points = {}
    for name, level, parent, district, address, phone in SERVICE_POINTS:
        point = ServicePoint.objects.filter(name=name).first() or ServicePoint(name=name)
        point.level, point.parent, point.district, point.address, point.phone = level, points.get(parent), district, address, phone
        point.operator = Organization.objects.get(name=MANAGEMENT_INSTITUTION[0])
        point.full_clean()
        point.save()
        points[name] = point

    for name, point, districts_served, specialties, mobile in COMMISSIONERS:
        c = ServiceCommissioner.objects.filter(name=name).first() or ServiceCommissioner(name=name)
        c.service_point, c.districts, c.specialties, c.mobile = points[point], districts_served, specialties, mobile
        c.organization = Organization.objects.get(name=MANAGEMENT_INSTITUTION[0])
        c.save()

    for name, enterprise, talent_type, position, quals, mobile in TALENTS:
        t = EnterpriseTalent.objects.filter(name=name).first() or EnterpriseTalent(name=name)
        t.enterprise = Organization.objects.get(name=enterprise)
        t.talent_type, t.position, t.qualifications, t.mobile = talent_type, position, quals, mobile
        t.save()
