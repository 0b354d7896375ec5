"""Table I.1 产业链质量提升工作总结汇总表 as Excel, with the form's two header rows."""


import openpyxl
from django.utils import timezone
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from zhilian.core.spreadsheets import BORDER, HEADER_FILL, workbook_bytes

# (group, column header, width, value)
COLUMNS = [
    ("", "序号", 6, lambda i, s: i),
    ("", "产业链名称", 18, lambda i, s: s.chain.name),
    ("覆盖范围", "覆盖设区市或县（市、区）数量", 14, lambda i, s: len(s.districts)),
    ("覆盖范围", "产业集聚区数量", 10, lambda i, s: s.clusters),
    ("参与情况", "参与企业数量", 10, lambda i, s: len(s.enterprises)),
    ("参与情况", "参与中小微企业数量", 12, lambda i, s: len(s.smes)),
    ("参与情况", "参与技术机构数量", 10, lambda i, s: len(s.institutions)),
    ("参与情况", "参与技术专家数量", 10, lambda i, s: len(s.experts)),
    ("取得成效", "开展共性质量技术攻关项目", 14, lambda i, s: len(s.common_projects)),
    ("取得成效", "解决质量问题数量", 10, lambda i, s: len(s.solved_problems)),
    ("取得成效", "关键质量指标提升情况", 36, lambda i, s: s.indicator_text),
    ("取得成效", "中小微企业获得相关认证提升", 24, lambda i, s: s.manual("sme_certifications")),
    ("取得成效", "带动就业情况", 20, lambda i, s: s.manual("employment")),
    ("投入情况", "市场规模或市场占有率提升", 24, lambda i, s: s.manual("market")),
    ("投入情况", "成本节约情况", 20, lambda i, s: s.manual("cost_savings")),
    ("投入情况", "投入经费情况", 36, lambda i, s: s.funds_text),
]


def summary_workbook(summaries) -> bytes:
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
            ws.cell(row=2, column=col, value=group)
            if span > 1:
                ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + span - 1)
        else:
            ws.cell(row=2, column=col, value=COLUMNS[col - 1][1])
            ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
        col += span
    for index, (group, header, width, _value) in enumerate(COLUMNS, start=1):
        if group:
            ws.cell(row=3, column=index, value=header)
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
