"""Demo achievements (PLT-13): results of the accepted silicon-rod project shared at each level of
chain guide 5.6.2 — public, consortium members, targeted, paid — with a signed licence, an open
licence request, a promotion event, and a new project application given priority (5.6.3)."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from zhilian.accounts.models import User
from zhilian.core import attachments, clock
from zhilian.directory.models import Organization
from zhilian.problems.models import Problem
from zhilian.projects import services as project_services
from zhilian.projects.demo import _pdf
from zhilian.projects.models import Project

from . import services
from .choices import (
    AchievementType, EventKind, IpType, LicenseMode, RightStatus, ShareCondition, ShareLevel, UsageKind,
)
from .models import Achievement, AchievementUsage

D = datetime.date
PROJECT = "12 英寸硅单晶棒电阻率均匀性提升攻关"

ACHIEVEMENTS = [
    {"author": "icmetrology", "share_level": ShareLevel.PUBLIC, "name": "12 英寸硅单晶棒径向电阻率四探针多点测试方法",
     "achievement_type": AchievementType.STANDARD, "ip_type": IpType.STANDARD,
     "right_status": RightStatus.NOT_APPLICABLE, "certificate_no": "", "right_holder": "厦门海西计量测试研究院",
     "share_condition": ShareCondition.FREE, "fee_terms": "",
     "summary": "规定了 12 英寸硅单晶棒径向电阻率 9 点/17 点四探针测量的取样、测量条件与不确定度评定方法，"
                "已形成团体标准草案。",
     "indicators": "测量重复性 ≤ 0.5%；径向不均匀度判定分辨力 0.1%。",
     "application_scope": "硅单晶棒、硅片生产企业出厂检验；晶圆制造企业来料检验。",
     "proof": "团体标准草案及编制说明.pdf"},
    {"author": "icresearch", "share_level": ShareLevel.CONSORTIUM, "name": "单晶炉热场—磁场耦合数值模拟模型",
     "achievement_type": AchievementType.SOFTWARE, "ip_type": IpType.SOFTWARE,
     "right_status": RightStatus.REGISTERED, "certificate_no": "2026SR0412378",
     "right_holder": "福建半导体材料工程研究中心", "share_condition": ShareCondition.AGREEMENT, "fee_terms": "",
     "summary": "耦合热场、熔体流场与勾形磁场的二维轴对称数值模型，可快速评估热屏与加热器结构对径向温度梯度的影响。",
     "indicators": "温度场预测误差 ≤ 3 K；单工况计算 ≤ 2 小时。",
     "application_scope": "12 英寸直拉单晶炉热场设计与工艺窗口优化。",
     "proof": "软件著作权登记证书.pdf"},
    {"author": "icowner", "share_level": ShareLevel.TARGETED, "name": "硅单晶电阻率均匀性与晶圆良率关联数据集",
     "achievement_type": AchievementType.DATABASE, "ip_type": IpType.TRADE_SECRET,
     "right_status": RightStatus.NOT_APPLICABLE, "certificate_no": "", "right_holder": "厦门海芯集成电路制造有限公司",
     "share_condition": ShareCondition.AGREEMENT, "fee_terms": "",
     "summary": "两批验证流片的硅棒电阻率分布、晶圆电性测试与良率的关联数据，经脱敏处理。",
     "indicators": "覆盖 40 根硅棒、1 200 片晶圆；字段 36 项。",
     "application_scope": "显示驱动芯片等下游应用企业的来料规格制定与良率分析。",
     "targets": ["厦门鹭岛显示科技有限公司", "厦门芯程驱动芯片有限公司"],
     "proof": "数据集说明与脱敏声明.pdf"},
    {"author": "icmember", "share_level": ShareLevel.PAID, "name": "12 英寸单晶炉低氧热屏结构及磁场匹配方法",
     "achievement_type": AchievementType.PATENT, "ip_type": IpType.INVENTION,
     "right_status": RightStatus.EXAMINATION, "certificate_no": "", "right_holder": "福建闽硅单晶材料有限公司",
     "share_condition": ShareCondition.PAID, "fee_terms": "入门费 20 万元，另按许可产品销售额 1% 提成，按年结算。",
     "summary": "一种带导流筒的低氧热屏结构，配合勾形磁场强度与坩埚转速匹配方法，降低熔体对流引起的杂质分凝波动。",
     "indicators": "径向电阻率不均匀度 ±4.3%（原 ±12%）；电阻率合格率 93.5%。",
     "application_scope": "8～12 英寸直拉单晶炉。",
     "proof": "发明专利申请受理通知书.pdf"},
]


def _achievement(spec, project, reviewer_for):
    """Entered and submitted on 2026-10-09, two weeks after the acceptance; listed on 10-12."""
    author = User.objects.get(username=spec["author"])
    data = {k: spec[k] for k in services.INTAKE_FIELDS if k in spec}
    data.update({"problem_solved": "IC-001 12 英寸硅单晶棒电阻率均匀性不足", "contact_name": author.full_name.split()[-1],
                 "contact_phone": author.mobile})
    targets = Organization.objects.filter(name__in=spec.get("targets", []))
    with clock.recorded_on(D(2026, 10, 9)):
        achievement = services.achievement_save(user=author, achievement=None, project=project, data=data,
                                                problems=list(project.problems.all()),
                                                targeted_units=[{"name": o.name, "uscc": o.uscc} for o in targets])
        attachments.attachment_add(user=author, owner=achievement, category="证明文件",
                                   uploaded=SimpleUploadedFile(spec["proof"], _pdf(spec["proof"]),
                                                               content_type="application/pdf"))
        services.achievement_submit(user=author, achievement=achievement, declaration=True)
    with clock.recorded_on(D(2026, 10, 12)):
        achievement = services.achievement_review(user=reviewer_for(achievement), achievement=achievement,
                                                  approve=True, opinion="权属清晰，证明材料齐全，同意入库。")
    return achievement


def load():
    if Achievement.objects.exists():
        return
    project = Project.objects.get(name=PROJECT)
    icowner = User.objects.get(username="icowner")
    mgmt = User.objects.get(username="mgmt")

    def reviewer_for(achievement):
        # The lead unit reviews its members' results; its own go to the management institution.
        return mgmt if achievement.contributor_id == achievement.consortium.lead_unit_id else icowner

    made = {spec["share_level"]: _achievement(spec, project, reviewer_for) for spec in ACHIEVEMENTS}
    paid = made[ShareLevel.PAID]
    icmember = User.objects.get(username="icmember")
    icresearch = User.objects.get(username="icresearch")
    with clock.recorded_on(D(2026, 10, 13)):
        licence = services.license_request(user=icresearch, achievement=paid, data={
            "mode": LicenseMode.ORDINARY, "territories": ["福建省"], "field_of_use": "科研、中试",
            "start_date": D(2026, 10, 15), "end_date": D(2029, 10, 14), "fee_amount": Decimal("5.00"),
            "fee_terms": "一次性支付", "purpose": "在中试线上开展 8 英寸单晶炉热屏改造试验。",
            "obligations": "甲方提供热屏结构图纸与工艺参数并给予技术支持；乙方保密，不得向第三方再许可，每半年反馈应用效果。",
            "breach": "乙方擅自再许可的，甲方有权解除协议并要求赔偿。", "dispute_resolution": "提交厦门仲裁委员会仲裁。"})
    with clock.recorded_on(D(2026, 10, 14)):
        services.license_decide(user=icmember, licence=licence, approve=True, note="同意以科研优惠价许可。")
    with clock.recorded_on(D(2026, 10, 15)):  # each party signs for itself
        services.license_sign(user=icmember, licence=licence, signed_on=D(2026, 10, 15), signatory="林志远")
        services.license_sign(user=icresearch, licence=licence, signed_on=D(2026, 10, 15), signatory="李振华")
    with clock.recorded_on(D(2026, 11, 18)):
        services.license_request(user=icowner, achievement=paid, data={
            "mode": LicenseMode.ORDINARY, "territories": ["福建省", "广东省"], "field_of_use": "供应商质量改进",
            "start_date": D(2026, 12, 1), "end_date": D(2028, 11, 30), "fee_amount": Decimal("20.00"),
            "fee_terms": "入门费 20 万元", "purpose": "在海芯硅片供应商体系中推广实施。"})
    for achievement in made.values():
        for username in ("icowner", "icresearch", "icmetrology", "owner", "city", "mgmt"):
            user = User.objects.get(username=username)
            if Achievement.objects.restrict(user).filter(pk=achievement.pk).exists():
                AchievementUsage.objects.get_or_create(achievement=achievement, user=user, kind=UsageKind.VIEW,
                                                       day=D(2026, 10, 20),
                                                       defaults={"organization_id": user.organization_id})
    with clock.recorded_on(D(2026, 10, 20)):
        services.promotion_event_save(user=icowner, event=None, consortium=project.consortium, data={
            "kind": EventKind.PROMOTION, "title": "集成电路产业链质量攻关成果推介会", "held_on": D(2026, 10, 20),
            "location": "厦门海沧 海芯集成 培训中心", "attendees": 86,
            "attending_units": "联合体成员单位、厦门鹭岛显示科技有限公司、厦门芯程驱动芯片有限公司等 23 家单位",
            "summary": "发布硅单晶棒电阻率均匀性攻关成果 4 项，现场达成许可意向 2 项。"},
            achievements=[made[ShareLevel.PUBLIC], made[ShareLevel.PAID]])
    with clock.recorded_on(D(2026, 11, 6)):
        services.promotion_event_save(user=icowner, event=None, consortium=project.consortium, data={
            "kind": EventKind.TRAINING, "title": "成果共享库使用与许可协议培训", "held_on": D(2026, 11, 6),
            "location": "线上", "attendees": 41, "summary": "讲解成果入库、共享级别与附录 H 许可协议的签订要点。"})

    # 5.6.3: the contributor of a paid share applies for a new project and gets priority.
    problem = Problem.objects.get(code="IC-002")
    with project_services.recorded_on(D(2026, 11, 10)):
        new = project_services.project_save_task_book(
            user=icmember, project=None, problems=[problem],
            data={"name": "硅片表面金属沾污来源追溯与清洗工艺改进", "consortium": project.consortium,
                  "direction": "supply_chain", "leader_name": "林志远", "leader_phone": "13906060002",
                  "start_date": D(2027, 1, 1), "end_date": D(2027, 12, 31),
                  "content_and_route": "建立从多晶硅料、石英坩埚到清洗工序的金属沾污来源追溯模型，改进 RCA 清洗工艺。",
                  "expected_outcomes": "硅片表面 Fe 沾污降至 5×10⁹ atoms/cm² 以下，客户投诉下降 50%。",
                  "resource_needs": "VPD-ICP-MS 检测机时（海西计量）。"},
            participants=[{"organization": icmember.organization, "person_in_charge": "林志远",
                           "phone": "13906060002", "tasks": "工艺改进与验证"}],
            targets=[{"kind": "quality", "indicator": "硅片表面 Fe 沾污", "unit": "×10⁹ atoms/cm²", "baseline": "12",
                      "target": "5", "description": ""}],
            milestones=[{"name": "沾污来源追溯模型", "due_date": D(2027, 6, 30), "deliverable": "追溯模型报告"},
                        {"name": "清洗工艺改进验证", "due_date": D(2027, 12, 15), "deliverable": "验证报告"}],
            budget=[{"category": "testing", "source": "self", "description": "检测与验证", "amount": Decimal("60")}])
        project_services.project_sign(user=icmember, project=new, signatory="林志远")
        project_services.project_submit(user=icmember, project=new)
