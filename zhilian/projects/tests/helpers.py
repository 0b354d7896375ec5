"""Builders shared by the project tests: a fresh problem of the 集成电路 chain, an Appendix F
task book for 闽硅单晶 (a member of the approved 集成电路产业链质量创新联合体, whose lead unit
海芯集成 approves), and a project taken through the services to the running state."""

import datetime
import io
import itertools
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from zhilian.accounts.models import User
from zhilian.chains.models import Chain
from zhilian.consortia.models import Consortium
from zhilian.core import attachments
from zhilian.directory.models import Organization
from zhilian.problems import services as problem_services
from zhilian.problems.models import Problem, ProblemCategory
from zhilian.projects import services
from zhilian.projects.models import Project

D = datetime.date
IC_CHAIN = "集成电路产业链"
IC_CONSORTIUM = "集成电路产业链质量创新联合体"
MINGUI = "福建闽硅单晶材料有限公司"       # icmember: the lead unit of the test projects
HAIXI = "厦门海西计量测试研究院"          # icmetrology: a participating unit
LUJIAN = "厦门鹭检检测技术有限公司"       # not a member of the consortium
RUNNING_DEMO = "12 英寸硅片表面金属杂质 VPD-ICP-MS 检测方法研究"  # GG-2026-001, led by 海西计量

_codes = itertools.count(1)


def user(username):
    return User.objects.get(username=username)


def org(name):
    return Organization.objects.get(name=name)


def ic_consortium():
    return Consortium.objects.get(name=IC_CONSORTIUM)


def new_problem(name="12 英寸硅片翘曲度超差", chain=IC_CHAIN):
    """A problem just entered in the library (status 已识别), reported by 闽硅单晶."""
    number = next(_codes)
    problem = Problem(code=f"TST-{number:03d}", name=f"{name}（{number}）", chain=Chain.objects.get(name=chain),
                      reported_on=D(2026, 9, 1), reporter_org=org(MINGUI), category=ProblemCategory.TECHNOLOGY,
                      description="12 英寸抛光片翘曲度 ≤ 30 μm 的合格率仅 85%，下游光刻对准失败率偏高。")
    return problem_services.problem_save(user=None, problem=problem, concerned=[org(MINGUI), org(HAIXI)])


def task_book(problems, *, participants=None, targets=None, milestones=None, budget=None, **data):
    """Keyword arguments for ``services.project_save_task_book`` (Appendix F 一 to 六)."""
    fields = {"name": "12 英寸硅片翘曲度控制攻关", "consortium": ic_consortium(), "direction": "manufacturing",
              "leader_name": "林志远", "leader_phone": "13906060002", "start_date": D(2026, 10, 1),
              "end_date": D(2027, 9, 30), "content_and_route": "建立退火工艺窗口模型，优化双面抛光压力曲线。",
              "expected_outcomes": "翘曲度合格率由 85% 提升至 97%，形成企业标准 1 项。",
              "resource_needs": "退火炉机时 100 小时。"}
    fields.update(data)
    return {
        "data": fields,
        "problems": problems,
        "participants": participants if participants is not None else [
            {"organization": org(MINGUI), "person_in_charge": "林志远", "phone": "13906060002",
             "tasks": "退火与抛光工艺试验、中试"},
            {"organization": org(HAIXI), "person_in_charge": "王工", "phone": "0592-56015678",
             "tasks": "翘曲度测量方法与不确定度评定"}],
        "targets": targets if targets is not None else [
            {"kind": "technical", "indicator": "翘曲度", "unit": "μm", "baseline": "45", "target": "28",
             "description": ""},
            {"kind": "quality", "indicator": "翘曲度合格率", "unit": "%", "baseline": "85", "target": "97",
             "description": ""},
            {"kind": "application", "indicator": "示范应用企业", "unit": "家", "baseline": None, "target": None,
             "description": "在 2 家晶圆制造企业示范应用"}],
        "milestones": milestones if milestones is not None else [
            {"name": "退火工艺窗口模型", "due_date": D(2027, 3, 31), "deliverable": "工艺窗口报告"},
            {"name": "中试与示范应用", "due_date": D(2027, 9, 15), "deliverable": "中试报告、应用证明"}],
        "budget": budget if budget is not None else [
            {"category": "equipment", "source": "self", "description": "退火炉改造", "amount": Decimal("50")},
            {"category": "testing", "source": "consortium", "description": "翘曲度测试", "amount": Decimal("30")}],
    }


def create_project(problems=None, author="icmember", **kwargs):
    problems = problems if problems is not None else [new_problem()]
    return services.project_save_task_book(user=user(author), project=None, **task_book(problems, **kwargs))


def sign_all(project):
    for username, name in (("icmember", "林志远"), ("icmetrology", "王工")):
        if project.participants.filter(organization=user(username).organization).exists():
            services.project_sign(user=user(username), project=project, signatory=name)


def submitted_project(problems=None, on=D(2026, 9, 25), **kwargs):
    with services.recorded_on(on):
        project = create_project(problems, **kwargs)
        sign_all(project)
        services.project_submit(user=user("icmember"), project=project)
    project.refresh_from_db()
    return project


def running_project(problems=None, approved_on=D(2026, 10, 9), **kwargs):
    """A project whose task book the consortium's lead unit (海芯集成, icowner) approved."""
    project = submitted_project(problems, **kwargs)
    with services.recorded_on(approved_on):
        services.project_decide(user=user("icowner"), project=project, approve=True, opinion="目标量化，同意立项。")
    project.refresh_from_db()
    return project


def complete_milestones(project, *, year=2026, quarter=4, on=D(2026, 11, 20), spent="60"):
    lines = [{"milestone": m, "progress": 100, "completed_on": on - datetime.timedelta(days=2)}
             for m in project.milestones.all()]
    with services.recorded_on(on):
        return services.progress_report_submit(user=user("icmember"), project=project, year=year, quarter=quarter,
                                               summary="全部里程碑完成。", spent_to_date=Decimal(spent),
                                               milestones=lines)


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
       b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
# The six required acceptance materials, by the category an applicant gives each file.
MATERIALS = ["验收申请表", "项目总结报告", "技术报告", "检测报告", "经费决算表", "成果证明"]


def attach_file(acceptance, category, username="icmember", name=None):
    return attachments.attachment_add(user=user(username), owner=acceptance, category=category,
                                      uploaded=SimpleUploadedFile(name or f"{category}.pdf", PDF,
                                                                  content_type="application/pdf"))


def attach_material(acceptance, username="icmember", categories=MATERIALS):
    """File every required acceptance material (or those of ``categories``)."""
    return [attach_file(acceptance, category, username) for category in categories]


def counts(*models):
    return {m.__name__: m._base_manager.count() for m in models}


def file_bytes(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def docx_text(content: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    return "\n".join(parts)


def rows_of(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def formset(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = "" if value is None else str(value)
    return data


def page_data(problems, **overrides):
    """The POST of the 'new breakthrough project' page (task book with its four tables)."""
    data = {"name": "12 英寸硅片翘曲度控制攻关（页面）", "consortium": ic_consortium().pk,
            "problems": [p.pk for p in problems], "direction": "manufacturing", "leader_name": "林志远",
            "leader_phone": "13906060002", "start_date": "2026-10-01", "end_date": "2027-09-30",
            "content_and_route": "建立退火工艺窗口模型。", "expected_outcomes": "翘曲度合格率由 85% 提升至 97%。",
            "resource_needs": "",
            **formset("units", [{"organization": org(MINGUI).pk, "person_in_charge": "林志远",
                                 "phone": "13906060002", "tasks": "工艺试验"}]),
            **formset("targets", [{"kind": "quality", "indicator": "翘曲度合格率", "unit": "%", "baseline": "85",
                                   "target": "97", "description": ""}]),
            **formset("milestones", [{"name": "退火工艺窗口模型", "due_date": "2027-03-31", "deliverable": "报告"}]),
            **formset("budget", [{"category": "testing", "source": "self", "description": "测试", "amount": "50"}])}
    data.update(overrides)
    return data


__all__ = ["D", "Project"]
