"""Exports of the project library: Appendix E (the library list, Excel) and Appendix F (the task
book, Word)."""

import io
from decimal import Decimal

import openpyxl
from django.utils import timezone

from zhilian.consortia.wordforms import Cell, WordForm, label, signature_block
from zhilian.core import spreadsheets as xl
from zhilian.core.masking import mobile_for

from . import selectors
from .choices import ParticipantRole, TargetKind


def _problems(project):
    return "；".join(f"{p.code} {p.name}" for p in project.problems.all())


def _units(project):
    units = sorted(project.participants.all(), key=lambda p: (p.role != ParticipantRole.LEAD, p.order))
    return "；".join(f"{p.organization.name}（{'牵头' if p.role == ParticipantRole.LEAD else '参与'}）" for p in units)


# chain guide Table E.1 columns first, in the form's order, then the library's own columns.
LIBRARY_COLUMNS = [
    xl.Column("序号", "index", width=6),
    xl.Column("攻关项目名称", "name", width=34),
    xl.Column("拟解决的产业链质量问题", "problems", width=40, value=_problems),
    xl.Column("项目牵头和参与机构", "units", width=44, value=_units),
    xl.Column("预期成效", "expected_outcomes", width=40),
    xl.Column("项目编号", "code", width=14),
    xl.Column("产业链", "chain__name", width=16),
    xl.Column("攻关方向", "direction", width=22, value=lambda p: p.get_direction_display()),
    xl.Column("项目周期", "period", width=24, value=lambda p: f"{p.start_date:%Y-%m-%d} 至 {p.end_date:%Y-%m-%d}"),
    xl.Column("状态", "status", width=12, value=lambda p: p.get_status_display()),
    xl.Column("预算（万元）", "budget", width=12, value=lambda p: p.budget_total),
]


class _Numbered:
    """Give each exported row its 序号 without loading the whole list."""

    def __init__(self, rows):
        self.rows = rows

    def __iter__(self):
        for index, row in enumerate(self.rows, start=1):
            row.index = index
            yield row


def library_workbook(queryset) -> bytes:
    rows = _Numbered(queryset.iterator(chunk_size=500))
    content = xl.build_workbook("产业链质量攻关库", LIBRARY_COLUMNS, rows, heading="表 E.1 产业链质量攻关库")
    return _money_format(content, [i for i, c in enumerate(LIBRARY_COLUMNS, start=1) if c.field in MONEY_FIELDS])


MONEY_FIELDS = {"budget"}
MONEY_FORMAT = "#,##0.00"  # amounts in 10k CNY with two decimals, as on the pages and in the task book


def _money_format(content: bytes, columns: list[int]) -> bytes:
    """Show the amount columns with two decimals (the cells stay numbers); the heading row and
    the column header are text and keep their format."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    for column in columns:
        for (cell,) in sheet.iter_rows(min_col=column, max_col=column):
            if isinstance(cell.value, (int, float, Decimal)) and not isinstance(cell.value, bool):
                cell.number_format = MONEY_FORMAT
    return xl.workbook_bytes(workbook)


def task_book_docx(project, user) -> WordForm:
    """Lay out the task book as chain guide Appendix F (产业链质量攻关项目任务书)."""
    form = WordForm()
    form.title("产业链质量攻关项目任务书", note=f"{project.code} · {project.get_status_display()} · 导出于 "
                                     f"{timezone.localtime():%Y-%m-%d %H:%M}")
    form.grid([3.2, 3.6, 3.2, 3.4, 3.6])
    form.row([Cell("一、项目基本信息", 5, bold=True)])
    form.row([label("项目名称"), Cell(project.name, 4)])
    form.row([label("来源问题编号"), Cell("\n".join(f"{p.code} {p.name}" for p in project.problems.all()), 4)])
    form.row([label("牵头单位"), Cell(project.lead_unit.name, 2), label("项目负责人"),
              Cell(f"{project.leader_name}\n{mobile_for(user, project.leader_phone)}")])
    others = [p.organization.name for p in project.participants.all() if p.role != ParticipantRole.LEAD]
    form.row([label("参与单位"), Cell("、".join(others) or "—", 4)])
    form.row([label("项目周期"), Cell(f"{project.start_date:%Y 年 %m 月 %d 日} 至 {project.end_date:%Y 年 %m 月 %d 日}", 2),
              label("攻关方向"), Cell(project.get_direction_display())])
    form.row([label("所属联合体"), Cell(project.consortium.name, 2), label("产业链"), Cell(project.chain.name)])

    form.row([Cell("二、项目目标与考核指标（需明确、量化、可衡量）", 5, bold=True)])
    form.row([label("类别"), label("指标"), label("现状值"), label("目标值"), label("说明 / 完成值")])
    headings = {TargetKind.TECHNICAL: "1. 技术指标", TargetKind.QUALITY: "2. 质量指标",
                TargetKind.APPLICATION: "3. 产业应用目标"}
    for kind, heading in headings.items():
        rows = [t for t in project.targets.all() if t.kind == kind]
        if not rows:
            form.row([Cell(heading), Cell("—", 4)])
        for t in rows:
            def fmt(value, t=t):
                return f"{selectors.number(value)}{t.unit}" if value is not None else "—"

            note = t.description
            if t.achieved is not None:
                note = f"{note}\n完成值：{fmt(t.achieved)} {t.achieved_note}".strip()
            form.row([Cell(heading), Cell(t.indicator), Cell(fmt(t.baseline), align="center"),
                      Cell(fmt(t.target), align="center"), Cell(note)])

    form.row([Cell("三、主要研究内容与技术路线", 5, bold=True)])
    form.min_height(form.row([Cell(project.content_and_route, 5)]), 3)
    form.row([Cell(f"预期成效：{project.expected_outcomes}", 5)])

    form.row([Cell("四、项目组织与职责分工", 5, bold=True)])
    form.row([label("序号"), label("单位", 2), label("负责人"), label("承担的主要任务")])
    for index, p in enumerate(sorted(project.participants.all(), key=lambda p: (p.role != ParticipantRole.LEAD, p.order)),
                              start=1):
        form.row([Cell(index, align="center"), Cell(f"{p.organization.name}（{p.get_role_display()}）", 2),
                  Cell(p.person_in_charge, align="center"), Cell(p.tasks)])

    form.row([Cell("五、计划进度与里程碑", 5, bold=True)])
    form.row([label("序号"), label("里程碑", 2), label("计划完成时间"), label("交付成果 / 考核标准")])
    for m in project.milestones.all():
        done = f"\n已完成 {m.completed_on:%Y-%m-%d}" if m.completed_on else (f"\n完成 {m.progress}%" if m.progress else "")
        form.row([Cell(m.order, align="center"), Cell(m.name, 2), Cell(f"{m.due_date:%Y-%m-%d}", align="center"),
                  Cell(m.deliverable + done)])

    form.row([Cell("六、资源需求与预算", 5, bold=True)])
    if project.resource_needs:
        form.row([Cell(f"资源需求：{project.resource_needs}", 5)])
    form.row([label("序号"), label("预算科目"), label("资金来源"), label("金额（万元）"), label("说明")])
    total = 0
    for index, line in enumerate(project.budget_lines.all(), start=1):
        total += line.amount
        form.row([Cell(index, align="center"), Cell(line.get_category_display()), Cell(line.get_source_display()),
                  Cell(selectors.money(line.amount), align="right"), Cell(line.description)])
    form.row([label("合计", 3), Cell(selectors.money(total), align="right"), Cell("")])

    form.row([Cell("七、签署页（项目各方负责人签字、单位盖章）", 5, bold=True)])
    signed = {s.organization_id: s for s in project.signoffs.all()}
    for p in sorted(project.participants.all(), key=lambda p: (p.role != ParticipantRole.LEAD, p.order)):
        signoff = signed.get(p.organization_id)
        text = signature_block("", f"{p.organization.name}　负责人（签字）：{signoff.signatory if signoff else ''}",
                               timezone.localtime(signoff.signed_at).date() if signoff else None)
        form.min_height(form.row([Cell(text.strip("\n"), 5)]), 1.6)
    return form
