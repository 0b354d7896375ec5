"""List tables rendered in Python instead of django-tables2's templates.

django-tables2 still defines the tables (columns, ``render_*`` methods, linkify, ordering,
pagination); only the HTML is written here. Its bootstrap5 template spent most of a list
page's time in the template engine (a 25-row page cost ~20 ms of rendering); this writes
the same markup in ~2 ms. The output follows ``django_tables2/bootstrap5-responsive.html``.
"""

import datetime
import functools
import inspect
import operator

import django_tables2 as tables
import django_tables2.utils as tables_utils
from django.conf import settings
from django.db import models
from django.template import Template
from django.template.defaultfilters import date as date_filter
from django.utils import dateformat
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape, escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django_tables2.columns import (
    BooleanColumn,
    Column,
    ManyToManyColumn,
    library,
    templatecolumn,
)
from django_tables2.columns.base import LinkTransform
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.rows import BoundRow
from django_tables2.utils import Accessor, AttributeDict


def _memoised_signature(original):
    """django-tables2 inspects a render function's signature for every cell; the answer
    depends only on the function, so it is kept per function object."""

    @functools.lru_cache(maxsize=2048)
    def by_function(fn):
        return original(fn)

    def signature(fn):
        if inspect.ismethod(fn):
            # A bound method: the signature without ``self`` is that of its function's.
            key = fn.__func__
            try:
                return _bound_cache[key]
            except KeyError:
                found = _bound_cache[key] = original(fn)
                return found
        try:
            return by_function(fn)
        except TypeError:  # unhashable callable
            return original(fn)

    _bound_cache: dict = {}
    return signature


if not getattr(tables_utils.signature, "_zl_memoised", False):
    tables_utils.signature = _memoised_signature(tables_utils.signature)
    tables_utils.signature._zl_memoised = True


# Attrs of date and code columns: a date or a record number never wraps ("2026-12-" over
# "04", "CG-2026-" over "0004" in a narrow column).
ONE_LINE = {"th": {"class": "text-nowrap"}, "td": {"class": "text-nowrap"}}


@functools.lru_cache(maxsize=512)
def _compiled(template_code: str) -> Template:
    return Template(template_code)


def _kept_template(template_code, *args, **kwargs) -> Template:
    """django-tables2's TemplateColumn (and DateColumn, DateTimeColumn, which are template
    columns) compiles its template code for every cell it renders: 75 compilations for a
    25-row page with three such columns. A compiled template holds no render state, so each
    code is compiled once per process."""
    return _compiled(template_code) if not args and not kwargs else Template(template_code, *args, **kwargs)


if templatecolumn.Template is Template:
    templatecolumn.Template = _kept_template


def _dated(value, date_format: str, default) -> str:
    """``{{ value|date:date_format|default:default }}`` as the template engine renders it: an
    aware time in the current time zone, an empty result replaced by the default, escaped."""
    moment = template_localtime(value)
    writer = _date_writer(get_format(date_format or "DATE_FORMAT"), isinstance(moment, datetime.datetime)) \
        if isinstance(moment, datetime.date) else None
    return conditional_escape((writer(moment) if writer else date_filter(moment, date_format)) or default)


# The format characters of dates and times written as numbers: (template, value); the rest
# (names of days and months, time zones …) are left to Django's formatter.
_DATE_PARTS = {
    "d": ("%02d", operator.attrgetter("day")), "j": ("%d", operator.attrgetter("day")),
    "m": ("%02d", operator.attrgetter("month")), "n": ("%d", operator.attrgetter("month")),
    "y": ("%02d", lambda moment: moment.year % 100), "Y": ("%04d", operator.attrgetter("year")),
}
_TIME_PARTS = {
    "H": ("%02d", operator.attrgetter("hour")), "G": ("%d", operator.attrgetter("hour")),
    "i": ("%02d", operator.attrgetter("minute")), "s": ("%02d", operator.attrgetter("second")),
}


@functools.lru_cache(maxsize=64)
def _date_writer(date_format: str, with_time: bool):
    """A function writing a date (or, ``with_time``, a date and time) in ``date_format`` as
    ``django.utils.dateformat.format`` writes it, for formats of numbers only (``Y-m-d H:i``);
    None for any other. Django's formatter parses the format and looks up a method per character
    for every cell: a tenth of a 25-row problem table with one date column."""
    parts = {**_DATE_PARTS, **_TIME_PARTS} if with_time else _DATE_PARTS
    template, values = [], []
    for i, piece in enumerate(dateformat.re_formatchars.split(str(date_format))):
        if i % 2:
            if piece not in parts:
                return None
            template.append(parts[piece][0])
            values.append(parts[piece][1])
        elif piece:
            template.append(dateformat.re_escaped.sub(r"\1", piece).replace("%", "%%"))
    template = "".join(template)
    return lambda moment: template % tuple(value(moment) for value in values)


class _Dated:
    """django-tables2's date columns render ``{{ value|date:format|default:default }}`` as a
    template per cell (about 0.1 ms each, a tenth of a fresh 25-row list's cell time); these
    call the same filters. Registered, so a date field listed in a table's ``Meta.fields`` gets
    them too."""

    short_formats = ("SHORT_DATE_FORMAT", "DATE_FORMAT")

    def __init__(self, format=None, short=True, *args, **kwargs):
        super().__init__(format, short, *args, **kwargs)
        self.date_format = format or self.short_formats[0 if short else 1]

    def render(self, value, bound_column):
        return mark_safe(_dated(value, self.date_format, bound_column.default))  # nosec B308 B703 - escaped


@library.register
class DateColumn(_Dated, tables.DateColumn):
    """django-tables2's date column, without a template per cell."""


@library.register  # after DateColumn: a DateTimeField is a DateField too, and the last registered is asked first
class DateTimeColumn(_Dated, tables.DateTimeColumn):
    """django-tables2's date-and-time column, without a template per cell."""

    short_formats = ("SHORT_DATETIME_FORMAT", "DATETIME_FORMAT")


def _query(request, **updates) -> str:
    params = dict(request.GET.lists()) if request is not None else {}
    for key, value in updates.items():
        params[key] = value
    return escape("?" + urlencode(params, doseq=True))


def _has_callables(attrs) -> bool:
    return any(callable(v) or isinstance(v, dict) and _has_callables(v) for v in dict(attrs).values())


def _cell_html(column, cell) -> str:
    if column.localize is None:
        return conditional_escape(cell)
    return conditional_escape(localize(cell, use_l10n=bool(column.localize)))


_CELL_ARGUMENTS = frozenset({"value", "record", "column", "bound_column", "bound_row", "table"})
_UNRESOLVED = object()


class _Cells:
    """One column's cells, as django-tables2's ``BoundRow.get_cell`` renders them
    (``django_tables2/rows.py``), with what is the same on every row worked out once.

    django-tables2 works out, for each cell, the column's accessor and its model field (to
    show a choice's label), the render function's signature and the column's properties: about
    80 µs a cell, two hundred cells on a 25-row page, a quarter of a fresh list's time. Here
    each column does that once per table; a row then only resolves its own values.
    """

    def __init__(self, table, bound_column):
        column = bound_column.column
        self.table, self.bound_column, self.column = table, bound_column, column
        self.accessor = Accessor(bound_column.accessor)
        path, _sep, self.remainder = self.accessor.rpartition(self.accessor.SEPARATOR)
        self.path = Accessor(path)
        # An accessor of one attribute (most columns) is read from a model row directly;
        # Accessor.resolve first tried the row as a dict, an exception caught for every cell.
        self.attribute = None if path or not self.remainder or self.accessor.callable_args \
            or self.accessor.callable_kwargs else self.remainder
        self.empty_values = column.empty_values
        self.many_to_many = isinstance(column, ManyToManyColumn)
        self.text_link = isinstance(column, BaseLinkColumn) and column.text is not None
        self.link = bound_column.link
        self.link_attrs = _fixed_link_attrs(self.link)
        self.render = bound_column.render
        # Column.render gives the value back: nothing to call.
        self.plain = getattr(self.render, "__func__", None) is Column.render
        arguments, catch_all = tables_utils.signature(self.render)
        self.arguments = None if catch_all else tuple(arguments)
        # call_with_appropriate calls nothing (None) when the function wants an argument it has not
        self.uncallable = self.arguments is not None and not set(self.arguments) <= _CELL_ARGUMENTS
        self._display_names: dict[type, str | None] = {}
        # A yes / no column's two cells, written once each (django-tables2 built the span's
        # attributes for every row); its value is turned into a truth value as django-tables2
        # does, looking a field's choices up once per class of row.
        self.truths = {} if type(column) is BooleanColumn and self.arguments is not None \
            and not _has_callables(column.attrs.get("span", {})) else None
        self._choice_fields: dict[type, bool] = {}

    def _display_name(self, record) -> str | None:
        """``get_<field>_display`` when the accessor ends on a field with choices; by the
        record's class, as ``Accessor.get_field`` reads it."""
        model = type(record)
        try:
            return self._display_names[model]
        except KeyError:
            field = self.accessor.get_field(record)
            name = self._display_names[model] = (f"get_{self.remainder}_display"
                                                 if getattr(field, "choices", ()) else None)
            return name

    def _truth(self, record, value) -> bool | None:
        """The value as ``BooleanColumn._get_bool_value`` sees it; None where it would look the
        value up among a field's choices (django-tables2's own way then)."""
        model = type(record)
        has_choices = self._choice_fields.get(model)
        if has_choices is None:
            field = self.bound_column.accessor.get_field(record) if hasattr(record, "_meta") else None
            has_choices = self._choice_fields[model] = bool(
                hasattr(field, "choices") and field.choices is not None and len(field.choices) > 0)
        return None if has_choices else bool(value)

    def _resolved(self, record):
        """(the row before the last attribute, value or _UNRESOLVED) as ``cell`` reads them."""
        if self.attribute is not None and isinstance(record, models.Model) and not hasattr(type(record), "__getitem__"):
            try:
                value = getattr(record, self.attribute)
            except Exception:  # noqa: BLE001 - Accessor.resolve's own handling below decides
                return record, _UNRESOLVED
            return record, _UNRESOLVED if callable(value) else value
        return self.path.resolve(record, quiet=True), _UNRESOLVED

    def cell(self, row):
        record = row.record
        value, remainder = None, self.remainder
        penultimate, resolved = self._resolved(record)
        if isinstance(penultimate, models.Model):
            name = self._display_name(record)
            display = getattr(penultimate, name, None) if name else None
            if display:
                value, remainder = display(), None
        if remainder:
            if resolved is not _UNRESOLVED:
                value = resolved
            else:
                try:
                    value = self.accessor.resolve(record)
                except Exception:
                    if self.text_link:
                        return self._rendered(row, None)
        if value in self.empty_values or (self.many_to_many and not value.exists()):
            return self.bound_column.default
        return self._rendered(row, value)

    def _called(self, arguments: dict):
        """The column's render function called with the arguments it takes."""
        if self.arguments is None:
            return self.render(**arguments)
        return self.render(**{name: arguments[name] for name in self.arguments})

    def _rendered(self, row, value):
        if self.plain and not self.link:
            return value
        arguments = {"value": value, "record": row.record, "column": self.column, "bound_column": self.bound_column,
                     "bound_row": row, "table": self.table}
        truth = None if self.truths is None else self._truth(row.record, value)
        if self.plain:
            content = value
        elif self.uncallable:
            content = None
        elif truth is None:
            content = self._called(arguments)
        else:
            content = self.truths.get(truth)
            if content is None:
                content = self.truths[truth] = self._called(arguments)
        if not self.link:
            return content
        if self.link_attrs is None:
            return self.link(content, **arguments)
        url = self.link.compose_url(**arguments)
        if url is None:
            return content
        before, after = self.link_attrs
        return mark_safe(  # nosec B308 B703 - every attribute and the content escaped here
            f'<a {before}href="{conditional_escape(url)}"{after}>{conditional_escape(content)}</a>')


def _fixed_link_attrs(link) -> tuple[str, str] | None:
    """The ``<a>`` attributes of a plain ``LinkTransform`` whose attributes are fixed, written
    before and after ``href`` as ``AttributeDict.as_html`` writes them (href where the
    attributes name it, else last); None for callable attributes or another link class.

    django-tables2 builds each link's attributes anew (a dict, an ``AttributeDict``, a
    ``format_html_join`` and a ``format_html``): a problem list page has 75 links."""
    if type(link) is not LinkTransform:
        return None
    attrs = dict(link.attrs or {})
    if any(callable(value) or not isinstance(value, (str, int, float, type(None))) for value in attrs.values()):
        return None
    attrs.setdefault("href", None)  # its place: where the attributes have it, else last
    before, after = [], []
    side = before
    for name, value in attrs.items():
        if name == "href":
            side = after
        elif name not in AttributeDict.blacklist and value is not None:  # as AttributeDict.as_html leaves them out
            side.append(f'{conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(f"{pair} " for pair in before), "".join(f" {pair}" for pair in after)


def render_table(table, request=None) -> str:
    """The table with its header, rows and pagination, as django-tables2 would render it."""
    request = request if request is not None else getattr(table, "request", None)
    attrs = AttributeDict({"class": "table"})
    attrs.update(table.attrs or {})
    out = ['<div class="table-container table-responsive">', f"<table {attrs.as_html()}>"]
    columns = list(table.columns)
    if table.show_header:
        out.append(f"<thead {AttributeDict(table.attrs.get('thead', {})).as_html()}><tr>")
        for column in columns:
            header = conditional_escape(column.header)
            if column.orderable:
                href = _query(request, **{table.prefixed_order_by_field: column.order_by_alias.next})
                header = f'<a href="{href}">{header}</a>'
            out.append(f'<th {column.attrs["th"].as_html()} scope="col">{header}</th>')
        out.append("</tr></thead>")
    out.append(f"<tbody {AttributeDict(table.attrs.get('tbody', {})).as_html()}>")
    # td attributes are the same for every row unless a column declares callables.
    static_td = {}
    for column in columns:
        if not _has_callables(column.column.attrs) and not _has_callables(table.attrs):
            static_td[column.name] = column.attrs["td"].as_html()
    cells = [(column, _Cells(table, column)) for column in columns]
    # A row's attributes are the table's and "even" or "odd" unless the table computes them
    # per record: written once for each of the two (django-tables2 built them for every row).
    row_html = {} if type(table.row_attrs) is AttributeDict and not _has_callables(table.row_attrs) else None
    rows = 0
    for row in table.paginated_rows:
        rows += 1
        if row_html is None or type(row) is not BoundRow:
            out.append(f"<tr {row.attrs.as_html()}>")
        else:
            parity = row.row_counter % 2
            html = row_html.get(parity)
            if html is None:
                html = row_html[parity] = f"<tr {row.attrs.as_html()}>"
            out.append(html)
        for column, cells_of_column in cells:
            cell = cells_of_column.cell(row)
            # As BoundRow.items(): callable td attrs read the cell's value and record.
            column.current_value, column.current_record = cell, row.record
            td = static_td.get(column.name)
            if td is None:
                td = column.attrs["td"].as_html()
            out.append(f"<td {td}>{_cell_html(column, cell)}</td>")
        out.append("</tr>")
    if not rows and table.empty_text:
        out.append(f'<tr><td colspan="{len(columns)}">{conditional_escape(table.empty_text)}</td></tr>')
    out.append("</tbody>")
    if table.has_footer():
        out.append(f"<tfoot {AttributeDict(table.attrs.get('tfoot', {})).as_html()}><tr>")
        for column in columns:
            out.append(f'<td {column.attrs["tf"].as_html()}>{conditional_escape(column.footer)}</td>')
        out.append("</tr></tfoot>")
    out.append("</table>")
    out.append(_pagination(table, request))
    out.append("</div>")
    return mark_safe("".join(out))  # nosec B308 B703 - every value above went through conditional_escape


def _page_range(page, paginator):
    """Ten page numbers around the current one, the first and the last (as django-tables2)."""
    page_range = getattr(settings, "DJANGO_TABLES2_PAGE_RANGE", 10)
    num_pages = paginator.num_pages
    if num_pages <= page_range:
        return list(range(1, num_pages + 1))
    start = max(1, page.number - int(page_range / 2))
    end = start + page_range
    if end > num_pages:
        start, end = num_pages - page_range + 1, num_pages + 1
    pages = list(range(start, end))
    if 1 not in pages:
        pages = [1, "..."] + pages[2:]
    if num_pages not in pages:
        pages = pages[:-2] + ["...", num_pages]
    return pages


def _pagination(table, request) -> str:
    page = getattr(table, "page", None)
    if not page or table.paginator.num_pages <= 1:
        return ""
    field = table.prefixed_page_field
    # The labels before the f-strings, where makemessages reads them.
    previous, following = escape(_("previous")), escape(_("next"))
    out = ['<nav aria-label="Table navigation"><ul class="pagination justify-content-center">']
    if page.has_previous():
        out.append(f'<li class="previous page-item"><a href="{_query(request, **{field: page.previous_page_number()})}" '
                   f'class="page-link"><span aria-hidden="true">&laquo;</span> {previous}</a></li>')
    if page.has_previous() or page.has_next():
        for number in _page_range(page, table.paginator):
            active = " active" if number == page.number else ""
            href = f' href="{_query(request, **{field: number})}"' if number != "..." else ""
            out.append(f'<li class="page-item{active}"><a class="page-link"{href}>{number}</a></li>')
    if page.has_next():
        out.append(f'<li class="next page-item"><a href="{_query(request, **{field: page.next_page_number()})}" '
                   f'class="page-link">{following} <span aria-hidden="true">&raquo;</span></a></li>')
    out.append("</ul></nav>")
    return "".join(out)
