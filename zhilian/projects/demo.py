"""Demo projects (PLT-13): the silicon-rod problem IC-001 (chain guide Table C.1) is tackled by a
project of the 集成电路产业链质量创新联合体 and accepted; a second, running project has an
overdue milestone, a missed quarterly update and a risk reported by its team.

Services do the work, each step recorded on the day it happened (``services.recorded_on``), so
the history reads as it would have happened and lies in the past.
"""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from zhilian.accounts.models import User
from zhilian.chains.models import Chain, ChainNode
from zhilian.consortia.models import Consortium
from zhilian.core import attachments
from zhilian.directory.models import Expert, Organization
from zhilian.problems.models import Problem, ProblemCategory, ProblemSource
from zhilian.problems.services import problem_assess

from . import services
from .choices import BudgetCategory, ChangeKind, FundingSource, ProjectStatus, RiskKind, RiskLevel, TargetKind
from .models import Project

D = datetime.date

SILICON_PROJECT = {
    "name": "12 英寸硅单晶棒电阻率均匀性提升攻关",
    "direction": "design",
    "leader_name": "林志远",
    "leader_phone": "13906060002",
    "start_date": D(2025, 9, 1),
    "end_date": D(2026, 8, 31),
    "content_and_route": "1. 建立 12 英寸单晶炉热场—流场—磁场耦合数值模型，优化热屏与加热器结构；\n"
                         "2. 开展勾形磁场（CUSP）强度与坩埚转速匹配工艺试验，抑制熔体对流引起的杂质分凝波动；\n"
                         "3. 优化硼掺杂补偿工艺与拉速曲线；\n"
                         "4. 由海西计量建立径向电阻率多点测量方法，联合海芯开展晶圆级应用验证，形成团体标准草案。",
    "expected_outcomes": "径向电阻率不均匀度由 ±12% 降至 ±5% 以内，满足 28nm 制程要求；形成 1 项团体标准草案、"
                         "2 项发明专利申请；下游晶圆良率提升约 8 个百分点。",
    "resource_needs": "单晶炉改造 1 台；四探针电阻率测试系统机时 200 小时；晶圆验证流片 2 批。",
    "participants": [
        ("福建闽硅单晶材料有限公司", "林志远", "13906060002", "热场改造、拉晶工艺试验与中试"),
        ("福建半导体材料工程研究中心", "李振华", "13859019012", "热场与磁场数值模拟、掺杂工艺设计"),
        ("厦门海西计量测试研究院", "王工", "0592-56015678", "径向电阻率测量方法研究与测量不确定度评定"),
        ("厦门海芯集成电路制造有限公司", "郑海峰", "13906060001", "晶圆级应用验证与良率评价"),
    ],
    "targets": [
        (TargetKind.TECHNICAL, "径向电阻率不均匀度", "%", "12", "5", "±，四探针多点测量（GB/T 11073）"),
        (TargetKind.TECHNICAL, "轴向电阻率波动", "%", "15", "8", "±，全棒长"),
        (TargetKind.QUALITY, "电阻率合格率", "%", "72", "92", "按 28nm 制程规格"),
        (TargetKind.QUALITY, "下游晶圆良率", "%", "81", "89", "海芯 28nm 逻辑产品"),
        (TargetKind.APPLICATION, "示范应用企业", "家", None, "2", "在 2 家晶圆制造企业示范应用"),
    ],
    "milestones": [
        ("热场—磁场耦合数值模型建立并完成仿真优化", D(2025, 11, 30), "仿真报告、热屏结构图纸"),
        ("磁场与坩埚转速匹配工艺试验", D(2026, 2, 28), "工艺试验报告，径向不均匀度 ≤ ±8%"),
        ("掺杂补偿与拉速曲线优化", D(2026, 5, 31), "工艺文件，径向不均匀度 ≤ ±5%"),
        ("中试验证、晶圆级应用验证与标准草案", D(2026, 7, 31), "中试报告、应用验证报告、团体标准草案"),
    ],
    "budget": [
        (BudgetCategory.EQUIPMENT, FundingSource.SELF, "单晶炉热场改造", "260"),
        (BudgetCategory.MATERIALS, FundingSource.SELF, "多晶硅料、石英坩埚", "120"),
        (BudgetCategory.TESTING, FundingSource.CONSORTIUM, "电阻率测试、晶圆验证流片", "90"),
        (BudgetCategory.PERSONNEL, FundingSource.FISCAL, "联合攻关人员", "60"),
    ],
}

IMPURITY_PROBLEM = {
    "code": "IC-002",
    "name": "12 英寸硅片表面金属杂质检测能力不足",
    "node": "硅材料",
    "product": "12 英寸硅片",
    "description": "本地缺少可溯源的硅片表面金属杂质（Fe、Cu、Ni 等）检测能力，检出限约 1×10¹⁰ atoms/cm²，"
                   "不能满足 28nm 制程 ≤ 5×10⁹ atoms/cm² 的要求，送外地检测周期 2～3 周。",
    "impact": "来料质量无法及时判定，晶圆厂只能抽检，批次性金属沾污风险难以前移控制。",
    "cause_technical": "缺少 VPD-ICP-MS 前处理与测量方法，无有证标准样片。",
    "cause_management": "检测方法标准缺失，实验室间比对未开展。",
    "suggestion": "由计量技术机构牵头建立 VPD-ICP-MS 方法并开展比对，研制团体标准。",
}

IMPURITY_PROJECT = {
    "name": "12 英寸硅片表面金属杂质 VPD-ICP-MS 检测方法研究",
    "direction": "nqi",
    "leader_name": "王工",
    "leader_phone": "0592-56015678",
    "start_date": D(2026, 3, 1),
    "end_date": D(2027, 2, 28),
    "content_and_route": "建立气相分解（VPD）前处理与 ICP-MS 测量方法，评定测量不确定度；组织 3 家实验室比对；"
                         "编制团体标准草案。",
    "expected_outcomes": "检出限达到 5×10⁹ atoms/cm²，检测周期缩短至 3 个工作日；形成团体标准草案 1 项。",
    "resource_needs": "ICP-MS 机时 300 小时；VPD 前处理装置 1 套。",
    "participants": [
        ("厦门海西计量测试研究院", "王工", "0592-56015678", "方法研究、不确定度评定、比对组织"),
        ("福建闽硅单晶材料有限公司", "林志远", "13906060002", "提供样片与生产过程数据"),
        ("厦门海芯集成电路制造有限公司", "郑海峰", "13906060001", "晶圆厂来料检验比对"),
    ],
    "targets": [
        (TargetKind.TECHNICAL, "金属杂质检出限", "×10⁹ atoms/cm²", "10", "5", "Fe、Cu、Ni"),
        (TargetKind.QUALITY, "检测周期", "工作日", "15", "3", ""),
        (TargetKind.APPLICATION, "开展比对的实验室", "家", None, "3", ""),
    ],
    "milestones": [
        ("VPD-ICP-MS 方法开发", D(2026, 6, 30), "方法作业指导书"),
        ("三家实验室比对试验", D(2026, 9, 30), "比对报告"),
        ("团体标准草案", D(2026, 12, 31), "标准草案及编制说明"),
        ("方法验证与推广", D(2027, 2, 15), "验证报告"),
    ],
    "budget": [
        (BudgetCategory.EQUIPMENT, FundingSource.CONSORTIUM, "VPD 前处理装置", "35"),
        (BudgetCategory.TESTING, FundingSource.SELF, "ICP-MS 机时、标准溶液", "30"),
        (BudgetCategory.COOPERATION, FundingSource.FISCAL, "实验室比对组织", "15"),
    ],
}


def _rows(spec):
    org = {name: Organization.objects.get(name=name) for name, *_rest in spec["participants"]}
    return {
        "participants": [{"organization": org[name], "person_in_charge": person, "phone": phone, "tasks": tasks}
                         for name, person, phone, tasks in spec["participants"]],
        "targets": [{"kind": k, "indicator": i, "unit": u, "baseline": b, "target": t, "description": d}
                    for k, i, u, b, t, d in spec["targets"]],
        "milestones": [{"name": n, "due_date": due, "deliverable": d} for n, due, d in spec["milestones"]],
        "budget": [{"category": c, "source": s, "description": d, "amount": Decimal(a)} for c, s, d, a in spec["budget"]],
    }


def _create(spec, author, consortium, problems, *, drafted, submitted):
    data = {k: spec[k] for k in ("name", "direction", "leader_name", "leader_phone", "start_date", "end_date",
                                 "content_and_route", "expected_outcomes", "resource_needs")}
    data["consortium"] = consortium
    with services.recorded_on(drafted):
        project = services.project_save_task_book(user=author, project=None, data=data, problems=problems,
                                                  **_rows(spec))
        for name, person, *_rest in spec["participants"]:
            signer = User.objects.filter(organization__name=name,
                                         groups__permissions__codename="view_project").first()
            services.project_sign(user=signer, project=project, signatory=person)
    with services.recorded_on(submitted):
        services.project_submit(user=author, project=project)
    return project


def _report(project, user, year, quarter, summary, spent, *, on, done=(), progress=None):
    milestones = list(project.milestones.order_by("due_date"))
    lines = []
    for index, milestone in enumerate(milestones):
        if index in done:
            lines.append({"milestone": milestone, "progress": 100, "completed_on": done[index]})
        elif progress and index in progress:
            lines.append({"milestone": milestone, "progress": progress[index], "completed_on": None})
    with services.recorded_on(on):
        return services.progress_report_submit(user=user, project=project, year=year, quarter=quarter,
                                               summary=summary, spent_to_date=Decimal(spent), milestones=lines)


def _impurity_problem():
    problem = Problem.objects.filter(code=IMPURITY_PROBLEM["code"]).first()
    if problem is not None:
        return problem
    chain = Chain.objects.get(name="集成电路产业链")
    spec = IMPURITY_PROBLEM
    problem = Problem(code=spec["code"], name=spec["name"], chain=chain, reported_on=D(2025, 12, 10),
                      reporter_name="联合体技术委员会（海西计量）", reporter_org=Organization.objects.get(name="厦门海西计量测试研究院"),
                      source=ProblemSource.CONSORTIUM, node=ChainNode.objects.filter(chain=chain, name=spec["node"]).first(),
                      product=spec["product"], description=spec["description"], impact=spec["impact"],
                      cause_technical=spec["cause_technical"], cause_management=spec["cause_management"],
                      suggestion=spec["suggestion"], category=ProblemCategory.INFRASTRUCTURE, sub_area="testing",
                      is_common=True, next_review_due=D(2026, 12, 31))
    problem.segment = problem.node.segment if problem.node else ""
    problem.full_clean()
    problem.save()
    problem.concerned_enterprises.set(Organization.objects.filter(name__in=["福建闽硅单晶材料有限公司",
                                                                             "厦门海芯集成电路制造有限公司"]))
    problem_assess(user=None, problem=problem, scores={"impact": 4, "spread": 3, "urgency": 4},
                   comment="演示数据：联合体技术委员会评分")
    return problem


def load():
    if Project.objects.filter(name=SILICON_PROJECT["name"]).exists():
        return
    consortium = Consortium.objects.get(name="集成电路产业链质量创新联合体")
    icmember = User.objects.get(username="icmember")
    icowner = User.objects.get(username="icowner")
    icmetrology = User.objects.get(username="icmetrology")
    mgmt = User.objects.get(username="mgmt")
    experts = list(Expert.objects.filter(name__in=["陈立群", "黄志坚", "蔡雅琴"]))

    # --- the silicon-rod project, from IC-001 to acceptance -----------------------------------
    silicon = _create(SILICON_PROJECT, icmember, consortium, [Problem.objects.get(code="IC-001")],
                      drafted=D(2025, 8, 20), submitted=D(2025, 9, 5))
    with services.recorded_on(D(2025, 9, 10)):
        services.project_decide(user=icowner, project=silicon, approve=True,
                                opinion="任务书目标量化、分工明确，同意立项。")
    silicon.refresh_from_db()
    _report(silicon, icmember, 2025, 3, "完成热场现状测绘与建模边界条件采集，启动数值模型开发。", "35",
            on=D(2025, 10, 10), progress={0: 30})
    _report(silicon, icmember, 2025, 4, "热场—磁场耦合模型建立完成，新热屏结构仿真径向温度梯度降低 35%。", "180",
            on=D(2026, 1, 12), done={0: D(2025, 11, 28)}, progress={1: 20})
    _report(silicon, icmember, 2026, 1, "完成 CUSP 磁场强度与坩埚转速正交试验 12 炉，径向不均匀度降至 ±7.6%。", "290",
            on=D(2026, 4, 9), done={0: D(2025, 11, 28), 1: D(2026, 2, 26)}, progress={2: 30})
    with services.recorded_on(D(2026, 3, 18)):
        services.midterm_check_record(user=mgmt, project=silicon, checked_on=D(2026, 3, 18), experts=experts,
                                      result="pass", opinion="项目按计划推进，前两个里程碑已完成，阶段指标达到任务书要求，"
                                                             "同意通过中期检查；建议加强中试阶段的测量比对。")
    _report(silicon, icmember, 2026, 2, "掺杂补偿与拉速曲线优化完成，连续 5 炉径向不均匀度 ≤ ±5%。", "410",
            on=D(2026, 7, 8), done={0: D(2025, 11, 28), 1: D(2026, 2, 26), 2: D(2026, 5, 29)}, progress={3: 40})
    milestone4 = silicon.milestones.order_by("due_date").last()
    with services.recorded_on(D(2026, 7, 9)):
        change = services.change_request_submit(
            user=icmember, project=silicon, kind=ChangeKind.PERIOD,
            reason="海芯晶圆验证流片排期顺延 3 周，中试与应用验证里程碑相应顺延，项目结束日期不变。",
            after={"start_date": silicon.start_date, "end_date": silicon.end_date,
                   "milestones": {str(milestone4.pk): D(2026, 8, 20)}})
    with services.recorded_on(D(2026, 7, 10)):
        services.change_request_decide(user=icowner, change=change, approve=True,
                                       note="顺延不影响项目总体周期，同意变更。")
    _report(silicon, icmember, 2026, 3, "中试 20 炉，径向不均匀度 ±4.3%，电阻率合格率 93.5%；海芯两批流片良率 89.6%；"
                                        "完成团体标准草案。", "505",
            on=D(2026, 9, 2), done={0: D(2025, 11, 28), 1: D(2026, 2, 26), 2: D(2026, 5, 29), 3: D(2026, 8, 18)})
    achieved = {t.indicator: t.pk for t in silicon.targets.all()}
    with services.recorded_on(D(2026, 9, 5)):
        acceptance = services.acceptance_apply(
            user=icmember, project=silicon,
            summary="项目完成热场—磁场耦合优化、掺杂补偿与拉速曲线优化，经中试与晶圆级应用验证，各项考核指标全部完成。",
            results="发明专利申请 2 项（热屏结构、磁场匹配方法）；团体标准草案《12 英寸硅单晶棒径向电阻率测试方法》；"
                    "工艺文件 6 份。",
            achieved={achieved["径向电阻率不均匀度"]: ("4.3", "中试 20 炉均值"),
                      achieved["轴向电阻率波动"]: ("6.8", ""), achieved["电阻率合格率"]: ("93.5", ""),
                      achieved["下游晶圆良率"]: ("89.6", "两批流片"), achieved["示范应用企业"]: ("2", "海芯、南岭")})
        for name, category in [("验收申请表.pdf", "验收申请表"), ("项目总结报告.pdf", "项目总结报告"),
                               ("技术报告.pdf", "技术报告"), ("电阻率检测报告.pdf", "检测报告"),
                               ("经费决算表.pdf", "经费决算表"), ("专利申请受理通知书.pdf", "成果证明")]:
            attachments.attachment_add(user=icmember, owner=acceptance, category=category,
                                       uploaded=SimpleUploadedFile(name, _pdf(name), content_type="application/pdf"))
        services.acceptance_submit(user=icmember, acceptance=acceptance)
    with services.recorded_on(D(2026, 9, 25)):
        services.acceptance_decide(user=mgmt, acceptance=acceptance, passed=True, experts=experts,
                                   accepted_on=D(2026, 9, 25),
                                   conclusion="项目完成任务书规定的全部内容，考核指标全部达到或优于目标值，资料齐全，"
                                              "同意通过验收。")

    # --- a running project with risks ------------------------------------------------------------
    problem = _impurity_problem()
    impurity = _create(IMPURITY_PROJECT, icmetrology, consortium, [problem],
                       drafted=D(2026, 2, 20), submitted=D(2026, 3, 2))
    with services.recorded_on(D(2026, 3, 20)):
        services.project_decide(user=icowner, project=impurity, approve=True, opinion="同意立项，请按季度报送进展。")
    impurity.refresh_from_db()
    _report(impurity, icmetrology, 2026, 1, "完成方法调研与实验方案设计。", "8", on=D(2026, 4, 10))
    _report(impurity, icmetrology, 2026, 2, "VPD-ICP-MS 方法开发完成，Fe、Cu、Ni 检出限达到 6×10⁹ atoms/cm²。", "46",
            on=D(2026, 7, 9), done={0: D(2026, 6, 26)}, progress={1: 30})
    with services.recorded_on(D(2026, 9, 15)):
        services.risk_raise(user=icmetrology, project=impurity, kind=RiskKind.RESOURCE, level=RiskLevel.HIGH,
                            title="ICP-MS 设备故障维修，比对试验延期",
                            description="ICP-MS 进样系统故障，厂家维修周期约 6 周，三家实验室比对试验无法按期完成。")
    with services.recorded_on(D(2026, 11, 2)):  # a morning run of the scheduler: overdue milestone, missed Q3 update
        services.project_risk_scan()
    assert Project.objects.get(pk=silicon.pk).status == ProjectStatus.ACCEPTED


def _pdf(title: str) -> bytes:
    """A minimal one-page PDF standing in for a scanned document."""
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" \
           b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return body + f"% {title}\n".encode()
