"""Excel export and all-or-nothing import with row-level errors (PLT-07, SEC-11).

An importer declares its columns (the form's headers, in the form's order) and how a row
is saved. ``run`` reads every row, validates all of them, and writes nothing unless every
row is valid; the writes then happen in one transaction, so a failure half-way (a crash,
a constraint) leaves the database exactly as it was. Rows are matched on a natural key
(``key``) so importing the same file twice updates instead of duplicating.
"""

import datetime
import decimal
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

import openpyxl
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils.text import capfirst, slugify
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from . import audit
from .models import AuditAction

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


# --------------------------------------------------------------------------- cell parsers


def text(value, *, max_length=None):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    if max_length and len(result) > max_length:
        raise ValidationError(_("At most %(n)d characters.") % {"n": max_length})
    return result


def integer(value):
    if value in (None, ""):
        return None
    try:
        return int(decimal.Decimal(str(value).strip()))
    except (decimal.InvalidOperation, ValueError):
        raise ValidationError(_("“%(v)s” is not a whole number.") % {"v": value}) from None


def decimal_value(value):
    if value in (None, ""):
        return None
    try:
        return decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise ValidationError(_("“%(v)s” is not a number.") % {"v": value}) from None


def date_value(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = str(value).strip().replace("/", "-").replace(".", "-")
    raw = raw.replace("年", "-").replace("月", "-").replace("日", "")
    try:
        return datetime.date.fromisoformat("-".join(p.zfill(2) for p in raw.split("-")))
    except ValueError:
        raise ValidationError(_("“%(v)s” is not a date (use 2026-01-31).") % {"v": value}) from None


def choice(options: dict):
    """Parse a label or a code into a code; ``options`` maps code -> label."""
    by_label = {str(label): code for code, label in options.items()}

    def parse(value):
        raw = text(value)
        if raw == "":
            return ""
        if raw in options:
            return raw
        if raw in by_label:
            return by_label[raw]
        raise ValidationError(
            _("“%(v)s” is not one of: %(opts)s.") % {"v": raw, "opts": "、".join(str(v) for v in options.values())}
        )

    return parse


# --------------------------------------------------------------------------- columns and export


@dataclass(eq=False)  # hashable by identity: the importer maps columns to cell positions
class Column:
    header: str
    field: str
    parse: Callable = text
    required: bool = False
    width: int = 18
    value: Callable | None = None  # obj -> cell value for export; default getattr(field)

    def export_value(self, obj):
        if self.value is not None:
            return self.value(obj)
        result = obj
        for part in self.field.split("__"):
            result = getattr(result, part, None) if result is not None else None
        return result


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (int, float, decimal.Decimal, datetime.date, datetime.datetime)):
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            return value.astimezone().replace(tzinfo=None)
        return value
    return str(value)


def build_workbook(title: str, columns: list[Column], objects: Iterable, *, heading: str | None = None,
                   notes: Iterable[str] = ()) -> bytes:
    """Write ``objects`` as a sheet with the given columns; ``heading`` is the form's title row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title[:31]
    row = 1
    if heading:
        ws.cell(row=1, column=1, value=heading).font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, len(columns)))
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
        row = 2
    for idx, col in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=idx, value=col.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(idx)].width = col.width
    ws.freeze_panes = ws.cell(row=row + 1, column=1)
    for obj in objects:
        row += 1
        for idx, col in enumerate(columns, start=1):
            cell = ws.cell(row=row, column=idx, value=_cell(col.export_value(obj)))
            cell.border = BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    for note in notes:
        row += 2
        ws.cell(row=row, column=1, value=note).font = Font(italic=True, color="666666")
    return workbook_bytes(wb)


def workbook_bytes(wb) -> bytes:
    """Save ``wb``, every cell as data: text a user typed as ``=HYPERLINK(...)`` or ``=cmd|...``
    stays text in the downloaded file instead of becoming a live formula (CSV/formula injection).
    The platform writes no formulas of its own, and the text imports back unchanged."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ascii_filename(filename: str) -> str:
    """Return a plain-ASCII stand-in for ``filename``, for clients that do not read ``filename*``.

    Each run of other characters becomes one ``-``; when what is left names nothing (no letter,
    as in 问题库-2026-12-04.xlsx, or nothing at all) it follows ``export``:
    ``export-2026-12-04.xlsx``, ``export.xlsx``. A name of letters, digits, ``.``, ``_`` and ``-`` is kept.
    """
    stem, dot, extension = filename.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,8}", extension):
        stem, extension = filename, ""
    stem = re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9._-]+", "-", stem)).strip("-._")
    if not re.search(r"[A-Za-z]", stem):
        stem = f"export-{stem}" if stem else "export"
    return f"{stem}.{extension}" if extension else stem


def ascii_model_name(model) -> str:
    """The model's plural name in English as a file name ("testing-capabilities"): the ASCII name
    of a download named by the model in the reader's language."""
    with override("en"):
        name = str(model._meta.verbose_name_plural)
    return slugify(name) or model._meta.model_name


def file_response(content: bytes, filename: str, content_type: str = XLSX_MIME, *,
                  ascii_name: str | None = None) -> HttpResponse:
    """Return a download with a UTF-8 file name (RFC 6266) that Chinese browsers show right.

    ``filename*`` carries ``filename`` as given; ``filename`` (for clients that read only that)
    carries ``ascii_name``, an ASCII name the caller gives for the export (``problems-2026-12-04.xlsx``),
    else ``ascii_filename(filename)``.
    """
    response = HttpResponse(content, content_type=content_type)
    fallback = ascii_filename(ascii_name or filename)
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return response


# --------------------------------------------------------------------------- import


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    rows: int = 0
    committed: bool = False

    @property
    def ok(self):
        return not self.errors

    def as_dict(self):
        return {
            "committed": self.committed,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
        }


class TabularImporter:
    """Base class: subclasses set ``columns``, ``title`` and implement ``save_row``."""

    columns: list[Column] = []
    title = "import"
    heading: str | None = None  # title row above the headers, as on the paper form
    model = None  # the model written: names an error of a field outside the columns by its label
    max_rows = 20000

    def __init__(self, *, user):
        self.user = user

    # hooks --------------------------------------------------------------
    def key(self, cleaned: dict):
        """Return a hashable natural key for duplicate detection within the file, or None."""
        return None

    def validate_row(self, cleaned: dict) -> None:
        """Raise ValidationError({field: message}) for cross-field rules."""

    def save_row(self, cleaned: dict) -> bool:
        """Write one valid row; return True if it created a record, False if it updated one."""
        raise NotImplementedError

    # machinery ----------------------------------------------------------
    def template(self) -> bytes:
        return build_workbook(self.title, self.columns, [], heading=self.heading)

    def _header_map(self, ws):
        wanted = {c.header: c for c in self.columns}
        for r_idx, row in enumerate(ws.iter_rows(min_row=1, max_row=6, values_only=True), start=1):
            labels = [str(v).strip() if v is not None else "" for v in row]
            found = {label: i for i, label in enumerate(labels) if label in wanted}
            if len(found) >= max(1, len([c for c in self.columns if c.required])) and len(found) >= len(self.columns) // 2:
                return r_idx, {wanted[label]: i for label, i in found.items()}
        return None, {}

    def parse(self, fileobj) -> tuple[list[tuple[int, dict]], ImportResult]:
        result = ImportResult()
        try:
            wb = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable upload is one user-facing error
            result.errors.append(RowError(0, "", _("The file is not an Excel workbook (.xlsx).")))
            return [], result
        ws = wb.worksheets[0]
        header_row, mapping = self._header_map(ws)
        if header_row is None:
            result.errors.append(RowError(0, "", _("No header row found. Expected the columns: %(cols)s.")
                                          % {"cols": "、".join(c.header for c in self.columns)}))
            return [], result
        missing = [c.header for c in self.columns if c.required and c not in mapping]
        if missing:
            result.errors.append(RowError(header_row, "", _("Missing required columns: %(cols)s.")
                                          % {"cols": "、".join(missing)}))
            return [], result
        rows, keys = [], {}
        for r_idx, values in enumerate(ws.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1):
            if values is None or all(v in (None, "") for v in values):
                continue
            result.rows += 1
            if result.rows > self.max_rows:
                result.errors.append(RowError(r_idx, "", _("Too many rows: at most %(n)d.") % {"n": self.max_rows}))
                break
            cleaned, row_errors = {}, []
            for col in self.columns:
                idx = mapping.get(col)
                raw = values[idx] if idx is not None and idx < len(values) else None
                try:
                    value = col.parse(raw)
                except ValidationError as exc:
                    row_errors.append(RowError(r_idx, col.header, " ".join(exc.messages)))
                    continue
                if col.required and value in (None, ""):
                    row_errors.append(RowError(r_idx, col.header, _("This field is required.")))
                    continue
                cleaned[col.field] = value
            try:
                # Also for a row with faulty cells (missing from ``cleaned``): what it finds in
                # the others is reported with them, not after the next upload.
                self.validate_row(cleaned)
            except ValidationError as exc:
                reported = {error.column for error in row_errors}
                row_errors.extend(e for e in self._errors_from(exc, r_idx) if not e.column or e.column not in reported)
            if not row_errors:
                key = self.key(cleaned)
                if key is not None:
                    if key in keys:
                        row_errors.append(RowError(r_idx, "", _("Duplicate of row %(row)d in this file.") % {"row": keys[key]}))
                    else:
                        keys[key] = r_idx
            result.errors.extend(row_errors)
            rows.append((r_idx, cleaned))
        wb.close()
        if result.rows == 0 and not result.errors:
            result.errors.append(RowError(0, "", _("The file has no data rows.")))
        return rows, result

    def _errors_from(self, exc: ValidationError, row: int) -> list[RowError]:
        header_for = {c.field: c.header for c in self.columns}
        if hasattr(exc, "error_dict"):
            errors = []
            for f, m in exc.error_dict.items():
                message = " ".join(ValidationError(m).messages)
                if f in header_for or f == "__all__":
                    errors.append(RowError(row, header_for.get(f, ""), message))
                else:  # a field the file has no column for: the row's error, named as the form names it
                    colon = "：" if (get_language() or "").startswith("zh") else ": "
                    errors.append(RowError(row, "", f"{self.field_label(f)}{colon}{message}"))
            return errors
        return [RowError(row, "", " ".join(exc.messages))]

    def field_label(self, name: str) -> str:
        """How the form names a field (its verbose name), for an error outside the columns."""
        if self.model is not None:
            try:
                return capfirst(str(self.model._meta.get_field(name).verbose_name))
            except FieldDoesNotExist:
                pass
        return name

    def run(self, fileobj, *, dry_run: bool = False, progress: Callable | None = None) -> ImportResult:
        """Validate every row, then write all of them in one transaction, or none.

        Every row the file's reading found no fault in is written, even when other rows have
        faults, and the transaction is then rolled back: the rules that only writing can check
        (a link that does not exist, a status step, a unit's uniqueness) are reported for the
        whole file in one go, and a check (``dry_run``) finds exactly what the import would.
        ``progress(saved, total)`` is called after each written row (inside the transaction).
        """
        rows, result = self.parse(fileobj)
        faulty = {error.row for error in result.errors}
        if 0 in faulty:  # the file itself (not a workbook, no header, no rows)
            return result
        commit = not result.errors and not dry_run
        try:
            with transaction.atomic():
                for r_idx, cleaned in rows:
                    if r_idx in faulty:
                        continue
                    try:
                        # A savepoint per row: a row refused halfway leaves nothing the next rows see.
                        with transaction.atomic():
                            created = self.save_row(cleaned)
                    except ValidationError as exc:
                        result.errors.extend(self._errors_from(exc, r_idx))
                        continue
                    except IntegrityError as exc:
                        result.errors.append(RowError(r_idx, "", _("Conflicts with existing data: %(e)s") % {"e": exc}))
                        continue
                    if created:
                        result.created += 1
                    else:
                        result.updated += 1
                    if progress is not None:
                        progress(result.created + result.updated, len(rows))
                if result.errors or not commit:
                    raise _Rollback
                audit.write(action=AuditAction.IMPORT, object_repr=self.title,
                            message=_("%(rows)d rows: %(c)d created, %(u)d updated")
                            % {"rows": result.rows, "c": result.created, "u": result.updated})
        except _Rollback:
            result.created = result.updated = 0
            # A row's errors in the order of its columns (errors of the whole row first).
            order = {column.header: index for index, column in enumerate(self.columns, start=1)}
            result.errors.sort(key=lambda error: (error.row, order.get(error.column, 0)))
            return result
        result.committed = True
        return result

    def error_workbook(self, result: ImportResult) -> bytes:
        cols = [Column(_("Row"), "row", width=8), Column(_("Column"), "column", width=20),
                Column(_("Error"), "message", width=60)]
        return build_workbook(_("Errors"), cols, result.errors)


class _Rollback(Exception):
    pass
