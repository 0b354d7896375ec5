"""Word (.docx) layouts of the chain guide's appendix forms (PLT-07), shared by the
consortium, project and achievement modules: a title, then one bordered grid whose rows
merge cells the way the paper form does."""

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from zhilian.core import audit, masking
from zhilian.core.models import AuditAction
from zhilian.core.spreadsheets import file_response

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BODY_FONT = "宋体"
TITLE_FONT = "黑体"


def _set_font(run, name=BODY_FONT, size=10.5, bold=False, color=None):
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    r_pr = run._element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)  # Chinese text uses the East Asian font slot


class Cell:
    """One cell of a form row: ``text`` spanning ``span`` grid columns."""

    def __init__(self, text="", span=1, bold=False, align="left", shade=False, min_height=None):
        self.text = "" if text is None else str(text)
        self.span = span
        self.bold = bold
        self.align = align
        self.shade = shade
        self.min_height = min_height


def label(text, span=1):
    return Cell(text, span, bold=True, align="center", shade=True)


class WordForm:
    """Build a form document: ``form.title(…)``, ``form.grid([widths])``, ``form.row([...])``."""

    def __init__(self, *, landscape=False):
        self.doc = Document()
        section = self.doc.sections[0]
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = section.page_height, section.page_width
        section.page_width, section.page_height = (Cm(29.7), Cm(21.0)) if landscape else (Cm(21.0), Cm(29.7))
        for side in ("left_margin", "right_margin"):
            setattr(section, side, Cm(2.0))
        section.top_margin = section.bottom_margin = Cm(2.0)
        style = self.doc.styles["Normal"]
        style.font.name = BODY_FONT
        style.font.size = Pt(10.5)
        style.element.rPr.rFonts.set(qn("w:eastAsia"), BODY_FONT)
        self.table = None
        self.widths = []

    def title(self, text, note=None):
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_font(p.add_run(text), TITLE_FONT, 16, bold=True)
        if note:
            q = self.doc.add_paragraph()
            q.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_font(q.add_run(note), BODY_FONT, 9, color="555555")

    def paragraph(self, text, *, bold=False, size=10.5, align="left"):
        p = self.doc.add_paragraph()
        p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                       "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
        _set_font(p.add_run(text), BODY_FONT, size, bold=bold)
        return p

    def grid(self, widths_cm):
        """Start a bordered table with columns of the given widths."""
        self.widths = widths_cm
        self.table = self.doc.add_table(rows=0, cols=len(widths_cm))
        self.table.style = "Table Grid"
        self.table.alignment = WD_TABLE_ALIGNMENT.CENTER
        self.table.autofit = False
        return self.table

    def row(self, cells):
        """Append a row; each :class:`Cell` (or plain text) spans its ``span`` columns."""
        cells = [c if isinstance(c, Cell) else Cell(c) for c in cells]
        total = sum(c.span for c in cells)
        if total < len(self.widths):
            cells[-1].span += len(self.widths) - total
        row = self.table.add_row()
        col = 0
        for cell in cells:
            target = row.cells[col]
            if cell.span > 1:
                target = target.merge(row.cells[col + cell.span - 1])
            target.width = Cm(sum(self.widths[col:col + cell.span]))
            target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            lines = cell.text.split("\n") if cell.text else [""]
            target.paragraphs[0].text = ""
            for i, line in enumerate(lines):
                p = target.paragraphs[0] if i == 0 else target.add_paragraph()
                p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                               "right": WD_ALIGN_PARAGRAPH.RIGHT}[cell.align]
                _set_font(p.add_run(line), BODY_FONT, 10.5, bold=cell.bold)
            if cell.shade:
                shading = OxmlElement("w:shd")
                shading.set(qn("w:val"), "clear")
                shading.set(qn("w:fill"), "EDEFF3")
                target._tc.get_or_add_tcPr().append(shading)
            col += cell.span
        for idx, width in enumerate(self.widths):
            row.cells[idx].width = Cm(width)
        return row

    def vmerge(self, column: int, first: int, last: int):
        """Merge ``column`` of rows ``first``…``last`` (indices) into one cell, keeping the first text."""
        if last <= first:
            return
        top = self.table.cell(first, column)
        for index in range(first + 1, last + 1):
            cell = self.table.cell(index, column)
            for paragraph in cell.paragraphs:
                paragraph._element.getparent().remove(paragraph._element)
            cell.add_paragraph()
        merged = top.merge(self.table.cell(last, column))
        # merge() appends the (now empty) paragraphs of the merged cells; drop them
        for paragraph in merged.paragraphs[1:]:
            if not paragraph.text:
                paragraph._element.getparent().remove(paragraph._element)

    @property
    def row_count(self):
        return len(self.table.rows)

    def min_height(self, row, cm):
        tr_pr = row._tr.get_or_add_trPr()
        height = OxmlElement("w:trHeight")
        height.set(qn("w:val"), str(int(cm * 567)))
        height.set(qn("w:hRule"), "atLeast")
        tr_pr.append(height)

    def content(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()

    def response(self, filename: str):
        return file_response(self.content(), filename, DOCX_MIME)


def signature_block(opinion_text: str, signer: str = "", date=None, seal: str = "（盖章）") -> str:
    """The opinion box text with the seal and date line at its foot, as on the paper forms."""
    when = f"{date:%Y 年 %m 月 %d 日}" if date else "年　　月　　日"
    lines = [opinion_text or "", "", f"{signer}　　{seal}".strip(), when]
    return "\n".join(lines)


def full_numbers(request, *, own: bool) -> bool:
    """Whether a Word form shows phone numbers in full (SEC-07).

    The rule of the list exports: a user holding the unmask permission asks for full numbers
    with ``?unmask=1``; and the unit that fills in a form (the applicant of Appendix A, the
    lead unit of the Appendix F task book, the contributor of Table G.1) gets its own form as
    it is to be sealed and submitted. Either way the export is audited as an unmask.
    """
    return own or (request.GET.get("unmask") == "1" and masking.may_unmask(request.user))


def offers_full_numbers(user, *, own: bool) -> bool:
    """Whether a detail page offers the ``?unmask=1`` Word export (its own form is full anyway)."""
    return not own and masking.may_unmask(user)


def form_response(request, obj, *, own: bool, build, what: str, filename: str):
    """Build a Word form with numbers masked or not (``full_numbers``), audit it, send it."""
    full = full_numbers(request, own=own)
    token = masking.REVEAL.set(full)  # mobile_for() reads it
    try:
        form = build()
    finally:
        masking.REVEAL.reset(token)
    audit.write(action=AuditAction.UNMASK if full else AuditAction.EXPORT, instance=obj,
                message=f"{what}（完整号码）" if full else what)
    return form.response(filename)
