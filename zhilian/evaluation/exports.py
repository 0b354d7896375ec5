"""Table I.1 产业链质量提升工作总结汇总表 as Excel, with the form's two header rows."""


import openpyxl
from django.utils import timezone, translation
from django.utils.translation import pgettext_lazy
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from zhilian.core.spreadsheets import BORDER, HEADER_FILL, workbook_bytes

# A Table I.1 header reads as the Chinese form's words in zh-hans (the workbook is always that
# form) and in the reader's language on screen.
COVERAGE = pgettext_lazy("Table I.1", "Coverage")
PARTICIPATION = pgettext_lazy("Table I.1", "Participation")
OUTCOMES = pgettext_lazy("Table I.1", "Outcomes")
INPUTS = pgettext_lazy("Table I.1", "Inputs")
# (group, column header, width, value)
COLUMNS = [
    ("", pgettext_lazy("Table I.1", "No."), 6, lambda i, s: i),
    ("", pgettext_lazy("Table I.1", "Industrial chain"), 18, lambda i, s: s.chain.name),
    (COVERAGE, pgettext_lazy("Table I.1", "Cities or counties (districts) covered"), 14, lambda i, s: len(s.districts)),
    (COVERAGE, pgettext_lazy("Table I.1", "Industrial clusters"), 10, lambda i, s: s.clusters),
    (PARTICIPATION, pgettext_lazy("Table I.1", "Enterprises taking part"), 10, lambda i, s: len(s.enterprises)),
    (PARTICIPATION, pgettext_lazy("Table I.1", "SMEs taking part"), 12, lambda i, s: len(s.smes)),
    (PARTICIPATION, pgettext_lazy("Table I.1", "Technical institutions taking part"), 10,
     lambda i, s: len(s.institutions)),
    (PARTICIPATION, pgettext_lazy("Table I.1", "Technical experts taking part"), 10, lambda i, s: len(s.experts)),
    (OUTCOMES, pgettext_lazy("Table I.1", "Projects on common quality problems"), 14,
     lambda i, s: len(s.common_projects)),
    (OUTCOMES, pgettext_lazy("Table I.1", "Quality problems solved"), 10, lambda i, s: len(s.solved_problems)),
    (OUTCOMES, pgettext_lazy("Table I.1", "Key quality indicators improved"), 36, lambda i, s: s.indicator_text),
    (OUTCOMES, pgettext_lazy("Table I.1", "Certifications gained by SMEs"), 24,
     lambda i, s: s.manual("sme_certifications")),
    (OUTCOMES, pgettext_lazy("Table I.1", "Employment generated"), 20, lambda i, s: s.manual("employment")),
    (INPUTS, pgettext_lazy("Table I.1", "Market size or market share gained"), 24, lambda i, s: s.manual("market")),
    (INPUTS, pgettext_lazy("Table I.1", "Cost savings"), 20, lambda i, s: s.manual("cost_savings")),
    (INPUTS, pgettext_lazy("Table I.1", "Funds invested"), 36, lambda i, s: s.funds_text),
]


def header_groups() -> list[tuple]:
    """The first header row as (label, colspan, rowspan): a group over its columns, or a column
    without a group spanning both rows (序号, 产业链名称)."""
    cells = []
    for group, header, _width, _value in COLUMNS:
        if not group:
            cells.append((header, 1, 2))
        elif cells and cells[-1][2] == 1 and cells[-1][0] == group:
            cells[-1] = (group, cells[-1][1] + 1, 1)
        else:
            cells.append((group, 1, 1))
    return cells


def summary_workbook(summaries) -> bytes:
    """Table I.1 as the Chinese form it is, whatever the reader's language: its headers and the
    computed texts (投入经费情况 …) in Chinese."""
    with translation.override("zh-hans"):
        return _workbook(summaries)


def _workbook(summaries) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表I.1 汇总表"
    ws.cell(row=1, column=1, value="表 I.1 产业链质量提升工作总结汇总表").font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    # Row 2: the groups; row 3: the columns; 序号 and 产业链名称 span both rows.
    col = 1
    while col <= len(COLUMNS):
        group = COLUMNS[col - 1][0]
        span = 1
        while col + span <= len(COLUMNS) and group and COLUMNS[col + span - 1][0] == group:
            span += 1
        if group:
            ws.cell(row=2, column=col, value=str(group))
            if span > 1:
                ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + span - 1)
        else:
            ws.cell(row=2, column=col, value=str(COLUMNS[col - 1][1]))
            ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
        col += span
    for index, (group, header, width, _value) in enumerate(COLUMNS, start=1):
        if group:
            ws.cell(row=3, column=index, value=str(header))
        ws.column_dimensions[get_column_letter(index)].width = width
        for row in (2, 3):
            cell = ws.cell(row=row, column=index)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.border = BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[3].height = 48
    for number, summary in enumerate(summaries, start=1):
        row = 3 + number
        for index, (_g, _h, _w, value) in enumerate(COLUMNS, start=1):
            cell = ws.cell(row=row, column=index, value=value(number, summary))
            cell.border = BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    note_row = 5 + len(summaries)
    ws.cell(row=note_row, column=1, value=f"由质链平台根据记录计算，截至 {timezone.localdate():%Y-%m-%d}；"
                                           "认证、就业、市场、成本为填报数据。").font = Font(italic=True, color="666666")
    ws.freeze_panes = "C4"
    return workbook_bytes(wb)
