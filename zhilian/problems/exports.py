"""Table C.1 of the chain guide (产业链质量问题库) as an Excel workbook, both ways (PRB-07).

The sheet has the form's title row, its two-row heading (产业链 | 产业链质量问题 over the
column names) and its twelve columns in its order. Import is all-or-nothing with row-level
errors and idempotent by 编号 (``core.spreadsheets.TabularImporter``).

What an import may do, row by row (the same services and rules as the pages and the API):

- create a problem, or update the Table C.1 fields of one the importer may change
  (fields the table does not carry, such as the name or the sources, stay as they are);
- 问题状态 is informative for a new row, which starts 已识别, or 分析中 when the row says
  so (the step its reporter may take on the page); on an existing row only that step is
  accepted. 攻关中 and 已解决 come from linked breakthrough projects (PRB-04): a row asking
  for them, or for any other change of status, is a row error;
- 质量问题分级 given without scores is kept as an unscored level, only from someone who may
  assess the problem (PRB-03); a level equal to the current one is no change.
"""

import re
from dataclasses import dataclass

import openpyxl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, When
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from zhilian.chains.models import Chain, ChainNode
from zhilian.core.spreadsheets import BORDER, HEADER_FILL, workbook_bytes, Column, RowError, TabularImporter, text
from zhilian.directory.models import Organization

from .models import STARS, SUB_AREAS, Problem, ProblemCategory
from .selectors import visible_related
from .services import problem_save

TITLE = "产业链供应链质量问题库"
ASCII_TITLE = "problems"  # the download's name for clients that read no UTF-8 file name


@dataclass(eq=False)
class C1Column(Column):
    """A Table C.1 column; compared by identity so the importer can key its header map by column."""

    __eq__ = object.__eq__
    __hash__ = object.__hash__

SEGMENT_LABELS = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}
CATEGORY_LABELS = {"technology": "质量技术问题", "management": "质量管理问题", "brand": "质量品牌问题",
                   "infrastructure": "质量基础设施问题", "other": "其他质量相关问题"}
STATUS_LABELS = {"identified": "已识别", "analyzing": "分析中", "tackling": "攻关中", "solved": "已解决"}
LEVEL_WORDS = {1: "关键问题", 2: "重要问题", 3: "一般问题"}


def _position(problem):
    segment = SEGMENT_LABELS.get(problem.segment or (problem.node.segment if problem.node_id else ""), "")
    if problem.node_id:
        return f"{segment}-{problem.node.name}" if segment else problem.node.name
    return segment


def _reporter(problem):
    """Table C.1 填报人及单位: ``填报人（填报单位）``, or either alone (see :func:`split_reporter`)."""
    org = problem.reporter_org.name if problem.reporter_org_id else ""
    if problem.reporter_name and org:
        return f"{problem.reporter_name}（{org}）"
    return problem.reporter_name or org


def _last_bracketed(cell: str) -> tuple[str, str] | None:
    """``(before, inside)`` of a cell ending in a bracketed group, its brackets balanced so that a
    name's own brackets stay in it (``张工（某某（厦门）有限公司）``); None otherwise."""
    if not cell or cell[-1] not in "）)":
        return None
    depth = 0
    for index in range(len(cell) - 1, -1, -1):
        if cell[index] in "）)":
            depth += 1
        elif cell[index] in "（(":
            depth -= 1
            if depth == 0:
                return cell[:index].strip(), cell[index + 1:-1].strip()
    return None


def split_reporter(cell: str, unit_named) -> tuple[str, object]:
    """Split a 填报人及单位 cell into (person, organization or None).

    The cell is read as the export writes it, and nothing is guessed:

    - a cell that is an organization's name is the unit, with no person;
    - ``填报人（填报单位）``: the unit is the last bracketed group, its brackets balanced so
      that a name's own brackets stay in it (``张工（某某（厦门）有限公司）``), and it must
      name an organization; the person is everything before it, brackets included
      (``联合体技术委员会（海西计量）（厦门海西计量测试研究院）``);
    - anything else is the person alone.

    ``unit_named(name)`` returns the organization of that name, or None.
    """
    cell = (cell or "").strip()
    if not cell:
        return "", None
    org = unit_named(cell)
    if org is not None:
        return "", org
    split = _last_bracketed(cell)
    if split is not None:
        person, unit = split
        org = unit_named(unit) if person and unit else None
        if org is not None:
            return person, org
    return cell, None


# How the names of units end (companies, institutes, associations, universities, bureaus): a
# bracketed group ending so that names no organization the importer can see is a misspelt or
# unknown unit, not part of a person's description such as 张工（品质部）.
UNIT_ENDINGS = ("公司", "研究院", "研究所", "协会", "大学", "学院", "集团", "局", "厂")


def unknown_unit(cell: str, org) -> str | None:
    """The unit a 填报人及单位 cell names in brackets that :func:`split_reporter` found no
    organization for, when it reads as a unit's name; None if there is none."""
    if org is not None:
        return None
    split = _last_bracketed((cell or "").strip())
    if split is None or not split[0] or not split[1].endswith(UNIT_ENDINGS):
        return None
    return split[1]


def _related(problem):
    # The related problems its reader may see (``export_queryset`` prefetches them; PLT-02).
    related = getattr(problem, "visible_related", None)
    codes = [p.code for p in (problem.related.all() if related is None else related)]
    return "、".join(sorted(codes)) if codes else "无"


COLUMNS = [
    C1Column("编号", "code", required=True, width=12),
    C1Column("产业名称", "chain", required=True, width=16, value=lambda p: p.chain.name),
    C1Column("位置（上/中/下游）", "position", width=18, value=_position),
    C1Column("填报人及单位", "reporter", width=22, value=_reporter),
    C1Column("质量问题描述", "description", required=True, width=48),
    C1Column("影响范围与程度", "impact", width=40),
    C1Column("原因初步分析", "causes", width=40, value=lambda p: p.causes),
    C1Column("关联问题", "related", width=14, value=_related),
    C1Column("初步改进建议", "suggestion", width=36),
    C1Column("问题状态", "status", width=10, value=lambda p: STATUS_LABELS.get(p.status, p.status)),
    C1Column("质量问题分类", "category", required=True, width=16,
           value=lambda p: CATEGORY_LABELS.get(p.category, p.category)),
    C1Column("质量问题分级", "level", width=12, value=lambda p: "★" * STARS[p.severity_level] if p.severity_level else ""),
]
EXPORT_COLUMNS = {column.field: column for column in COLUMNS}
GROUPS = [("编号", 1, 1), ("产业链", 2, 4), ("产业链质量问题", 5, 12)]
NOTES = [
    "注：质量问题分类：质量技术问题、质量管理问题、质量品牌问题、质量基础设施问题、其他质量相关问题。",
    "质量问题分级：星级标注重要程度，“★★★”为关键问题，“★★”为重要问题，“★”为一般问题（附录D 严重度评估模型）。",
    "填报人及单位：写作“填报人（填报单位）”，或只写其一；单位须与平台机构名称一致，取最后一个完整括号内的名称为单位，"
    "其余为填报人，如“联合体技术委员会（海西计量）（厦门海西计量测试研究院）”。",
    "导入：与平台导出内容相同的单元格不改变记录；新问题的状态为“已识别”或“分析中”，已有问题只能由“已识别”改为“分析中”，"
    "“攻关中”“已解决”由关联的攻关项目设定；质量问题分级仅评估人员可填。",
]


def table_c1_workbook(problems, *, notes=True) -> bytes:
    """Write ``problems`` as Table C.1: title row, group row, column row, one row per problem."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表C.1 问题库"
    ws.cell(row=1, column=1, value=TITLE).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    for label, first, last in GROUPS:
        cell = ws.cell(row=2, column=first, value=label)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        for col in range(first, last + 1):
            ws.cell(row=2, column=col).border = BORDER
            ws.cell(row=2, column=col).fill = HEADER_FILL
        if first != last:
            ws.merge_cells(start_row=2, start_column=first, end_row=2, end_column=last)
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=3, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "B4"
    row = 3
    for problem in problems:
        row += 1
        for index, column in enumerate(COLUMNS, start=1):
            value = column.export_value(problem)
            cell = ws.cell(row=row, column=index, value="" if value is None else str(value))
            cell.border = BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    if notes:
        # The form's notes go on their own sheet so the table itself imports back unchanged.
        guide = wb.create_sheet("填写说明")
        for index, note in enumerate(NOTES, start=1):
            guide.cell(row=index, column=1, value=note)
        guide.column_dimensions["A"].width = 120
    return workbook_bytes(wb)


def export_queryset(queryset, user):
    """The rows of an export by ``user``: 关联问题 names only the related problems ``user`` may see."""
    return queryset.select_related("chain", "node", "reporter_org").prefetch_related(visible_related(user))


# --------------------------------------------------------------------------- import


def _choice_by_label(labels: dict, extra: dict | None = None):
    lookup = {v: k for k, v in labels.items()}
    lookup.update({k: k for k in labels})
    lookup.update(extra or {})

    def parse(value):
        raw = text(value)
        if raw == "":
            return ""
        if raw in lookup:
            return lookup[raw]
        raise ValidationError(_("“%(v)s” is not one of: %(opts)s.") % {"v": raw, "opts": "、".join(labels.values())})

    return parse


def parse_level(value):
    raw = text(value).replace(" ", "")
    if raw == "":
        return None
    stars = raw.count("★") or raw.count("*")
    if stars and set(raw) <= {"★", "*"} and stars <= 3:
        return {3: 1, 2: 2, 1: 3}[stars]
    for level, word in LEVEL_WORDS.items():
        if word in raw or raw in (f"{level}级", str(level)):
            return level
    raise ValidationError(_("Give the level as ★★★, ★★ or ★."))


CATEGORY_EXTRA = {"质量技术": "technology", "质量管理": "management", "质量品牌": "brand",
                  "质量基础设施": "infrastructure", "其他": "other", "其它": "other", "其他问题": "other"}


class TableC1Importer(TabularImporter):
    """Import Table C.1 rows into the problem library, matched on 编号."""

    title = "产业链质量问题库（表C.1）"
    heading = TITLE
    columns = [
        C1Column("编号", "code", required=True, parse=lambda v: text(v, max_length=30)),
        C1Column("产业名称", "chain", required=True),
        C1Column("位置（上/中/下游）", "position"),
        C1Column("填报人及单位", "reporter", parse=lambda v: text(v, max_length=250)),
        C1Column("质量问题描述", "description", required=True),
        C1Column("影响范围与程度", "impact"),
        C1Column("原因初步分析", "causes"),
        C1Column("关联问题", "related"),
        C1Column("初步改进建议", "suggestion"),
        C1Column("问题状态", "status", parse=_choice_by_label(STATUS_LABELS)),
        C1Column("质量问题分类", "category", required=True, parse=_choice_by_label(CATEGORY_LABELS, CATEGORY_EXTRA)),
        C1Column("质量问题分级", "level", parse=parse_level),
    ]

    def __init__(self, *, user):
        super().__init__(user=user)
        self._pending_relations: list[tuple[str, list[str]]] = []
        self._file_codes: set[str] = set()
        self._read_only: set[str] = set()  # rows equal to problems the importer may only read

    def template(self) -> bytes:
        return table_c1_workbook([], notes=True)

    def key(self, cleaned):
        return cleaned.get("code")

    def parse(self, fileobj):
        rows, result = super().parse(fileobj)
        self._file_codes = {cleaned.get("code") for _r, cleaned in rows if cleaned.get("code")}
        chains = {c.name: c for c in Chain.objects.restrict(self.user, "view")}
        for r_idx, cleaned in rows:
            if not cleaned.get("code"):
                continue
            existing = Problem.objects.filter(code=cleaned["code"]).first()
            if existing is not None and not Problem.objects.restrict(self.user, "change").filter(pk=existing.pk).exists():
                if (Problem.objects.restrict(self.user, "view").filter(pk=existing.pk).exists()
                        and len(self._same_columns(existing, cleaned)) == len(self.columns)):
                    # A row of one's own export that one may only read: kept as it is, not an error.
                    self._read_only.add(existing.code)
                    continue
                result.errors.append(RowError(r_idx, "编号", _("Problem %(c)s exists and you may not change it.")
                                              % {"c": cleaned["code"]}))
                continue
            visible = Problem.objects.restrict(self.user, "view")
            for code in self._related_codes(cleaned.get("related", "")):
                # A problem the importer may not see reads as one that does not exist (PLT-02).
                if code not in self._file_codes and not visible.filter(code=code).exists():
                    result.errors.append(RowError(r_idx, "关联问题", _("No problem numbered %(c)s.") % {"c": code}))
            chain = chains.get(cleaned.get("chain"))
            if chain is None:
                result.errors.append(RowError(r_idx, "产业名称", _("No chain named “%(n)s” that you can see.")
                                              % {"n": cleaned.get("chain")}))
        return rows, result

    @staticmethod
    def _related_codes(raw: str) -> list[str]:
        raw = (raw or "").strip()
        if raw in ("", "无", "-", "—"):
            return []
        return [c.strip() for c in re.split(r"[、,，;；\s]+", raw) if c.strip()]

    def validate_row(self, cleaned):
        position = cleaned.get("position", "")
        if position:
            segment_label, _sep, node_name = position.partition("-")
            segments = {v: k for k, v in SEGMENT_LABELS.items()}
            if segment_label.strip() not in segments:
                raise ValidationError({"position": _("Start with 上游, 中游 or 下游, e.g. 上游-玻璃基板.")})
            cleaned["segment"] = segments[segment_label.strip()]
            cleaned["node_name"] = node_name.strip()

    def _split_causes(self, raw: str) -> tuple[str, str]:
        raw = (raw or "").strip()
        match = re.search(r"(?:\d[.、]\s*)?管理(?:/基础)?根源[:：]", raw)
        if match:
            technical = raw[:match.start()]
            management = raw[match.end():]
        else:
            technical, management = raw, ""
        technical = re.sub(r"^(?:\d[.、]\s*)?技术根源[:：]\s*", "", technical.strip())
        return technical.strip(), management.strip()

    def _same_columns(self, problem, cleaned) -> set[str]:
        """The columns whose cell reads the same as what the export writes for ``problem``.

        Such a cell changes nothing: an exported workbook imports back without a change,
        whatever the cells contain (PRB-07).
        """
        same = set()
        if getattr(problem, "visible_related", None) is None:  # what the importer's own export names
            problem.visible_related = list(Problem.objects.restrict(self.user, "view").filter(
                pk__in=problem.related.values("pk")))
        for column in self.columns:
            try:
                exported = column.parse(EXPORT_COLUMNS[column.field].export_value(problem))
            except ValidationError:
                continue
            if (cleaned.get(column.field) or "") == (exported or ""):
                same.add(column.field)
        return same

    def _unit_named(self, problem):
        units = Organization.objects.restrict(self.user, "view")

        def unit_named(name):
            if problem.reporter_org_id and problem.reporter_org.name == name:
                return problem.reporter_org  # the record's own unit, even one the importer cannot look up
            return units.filter(name=name).first()

        return unit_named

    def save_row(self, cleaned) -> bool:
        if cleaned["code"] in self._read_only:
            return False
        chain = Chain.objects.restrict(self.user, "view").get(name=cleaned["chain"])
        problem = Problem.objects.filter(code=cleaned["code"]).first()
        created = problem is None
        if created:
            problem = Problem(code=cleaned["code"], chain=chain)
            first = re.split(r"[，。；,;]", cleaned["description"], maxsplit=1)[0]
            problem.name = first[:60] or cleaned["code"]
        same = set() if created else self._same_columns(problem, cleaned)
        if "chain" not in same:
            problem.chain = chain
        if "position" not in same or "chain" not in same:
            node = None
            if cleaned.get("node_name"):
                # Among the links the importer sees, as the form offers them: for those who see only
                # the chain's publication, a link added since reads as unknown (PLT-02, MAP-07).
                node = ChainNode.objects.restrict(self.user, "view").filter(
                    chain=chain, name=cleaned["node_name"]).order_by(
                    # a name used in two segments: the one the row names
                    Case(When(segment=cleaned.get("segment", ""), then=0), default=1), "pk").first()
                if node is None:
                    raise ValidationError({"position": _("The chain has no node “%(n)s”.") % {"n": cleaned["node_name"]}})
            problem.node = node
            problem.segment = cleaned.get("segment", "") or (node.segment if node else "")
        if "reporter" not in same:
            person, org = split_reporter(cleaned.get("reporter", ""), self._unit_named(problem))
            unit = unknown_unit(cleaned.get("reporter", ""), org)
            if unit is not None:
                raise ValidationError({"reporter": _("No organization named “%(n)s” that you can see: write the "
                                                     "unit as the directory names it.") % {"n": unit}})
            if len(person) > Problem._meta.get_field("reporter_name").max_length:
                raise ValidationError({"reporter": _("The person reporting takes at most %(n)d characters; "
                                                     "write the unit in brackets after it.")
                                       % {"n": Problem._meta.get_field("reporter_name").max_length}})
            problem.reporter_name, problem.reporter_org = person, org
        for field in ("description", "impact", "suggestion"):
            if field not in same:
                setattr(problem, field, cleaned.get(field, ""))
        if "causes" not in same:
            problem.cause_technical, problem.cause_management = self._split_causes(cleaned.get("causes", ""))
        # 问题状态: a new row starts 已识别 (or 分析中, the step its reporter may take); on an
        # existing row only that step is accepted. The service refuses anything else.
        if cleaned.get("status") and "status" not in same:
            problem.status = cleaned["status"]
        if "category" not in same:
            problem.category = cleaned["category"]
            if problem.sub_area and problem.sub_area not in dict(SUB_AREAS.get(problem.category, [])):
                problem.sub_area = ""  # the category changed in the table: its old sub-area no longer applies
        level = None if "level" in same else cleaned.get("level") or None
        try:
            problem_save(user=self.user, problem=problem, level=level)
        except PermissionDenied as exc:
            detail = exc.args[0] if exc.args else _("You may not do this.")
            raise ValidationError(detail) from None
        except ValidationError as exc:
            raise self._by_column(exc) from None
        self._pending_relations.append((problem.code, self._related_codes(cleaned.get("related", ""))))
        return created

    @staticmethod
    def _by_column(exc: ValidationError) -> ValidationError:
        """Name the Table C.1 column of a model field's error (reporter_org → 填报人及单位)."""
        if not hasattr(exc, "error_dict"):
            return exc
        column_of = {"reporter_org": "reporter", "reporter_name": "reporter", "node": "position",
                     "segment": "position", "cause_technical": "causes", "cause_management": "causes",
                     "sub_area": "category", "severity_level": "level"}
        errors: dict = {}
        for field, messages in exc.message_dict.items():
            errors.setdefault(column_of.get(field, field), []).extend(messages)
        return ValidationError(errors)

    def run(self, fileobj, *, dry_run=False):
        with transaction.atomic():
            result = super().run(fileobj, dry_run=dry_run)
            if result.committed:
                result.updated -= len(self._read_only)  # read, found unchanged, not written
                # Relations are symmetrical: a row naming another links both, whichever row comes last.
                wanted = {code: set(related) for code, related in self._pending_relations}
                for code, related in self._pending_relations:
                    for other in related:
                        wanted.setdefault(other, set()).add(code)
                # The importer names only problems it may see; relations to others stay as they are.
                visible = Problem.objects.restrict(self.user, "view")
                for code, related in wanted.items():
                    problem = Problem.objects.filter(code=code).first()
                    if problem is not None and code in dict(self._pending_relations):
                        hidden = list(problem.related.exclude(pk__in=visible.values("pk")))
                        problem.related.set([*visible.filter(code__in=related), *hidden])
                    elif problem is not None:
                        problem.related.add(*visible.filter(code__in=related))
        return result


def category_label(code):
    return CATEGORY_LABELS.get(code, dict(ProblemCategory.choices).get(code, code))

