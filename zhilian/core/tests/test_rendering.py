"""The Python renderers of widgets and list tables write exactly what Django's and
django-tables2's templates write (they exist only to be faster)."""

import datetime
import re

import django_filters
import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import RequestFactory
from django.utils.safestring import mark_safe
from django_tables2 import RequestConfig

from zhilian.core.renderers import FormRenderer


class EveryWidget(forms.Form):
    text = forms.CharField(initial='He said "<b>hi</b>" & left', widget=forms.TextInput(attrs={"class": "a b"}))
    number = forms.IntegerField(initial=5, widget=forms.NumberInput(attrs={"min": 0, "required": True}))
    email = forms.EmailField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial="x&y")
    when = forms.DateField(initial=datetime.date(2026, 10, 13), widget=forms.DateInput(attrs={"type": "date"}))
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search", "placeholder": "名称 <关键词>"}))
    agree = forms.BooleanField(initial=True)
    disagree = forms.BooleanField(initial=False, required=False)
    kind = forms.ChoiceField(choices=[("", "---------"), ("enterprise", "企业"), ("a&b", mark_safe("<i>safe</i>"))],
                             initial="a&b")
    grouped = forms.ChoiceField(choices=[("东部", [("1", "一"), ("2", "二")]), ("3", "三")], initial="2")
    many = forms.MultipleChoiceField(choices=[(1, "one"), (2, "two"), (3, "three")], initial=[1, 3])
    notes = forms.CharField(widget=forms.Textarea, initial="line\n<two>")
    pick = forms.ChoiceField(widget=forms.RadioSelect, choices=[("x", "X"), ("y", "Y")], initial="y")


@pytest.mark.parametrize("bound", [False, True])
def test_the_python_widget_renderer_writes_what_the_templates_write(bound):
    data = {"text": "<script>", "number": "7", "kind": "enterprise", "grouped": "3", "many": ["2"], "agree": "on"}
    django_form = EveryWidget(data if bound else None, renderer=DjangoTemplates())
    fast_form = EveryWidget(data if bound else None, renderer=FormRenderer())
    for name in django_form.fields:
        assert str(fast_form[name]) == str(django_form[name]), name


def _normalise(html):
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).replace(" >", ">").strip()


def test_the_python_table_renderer_writes_what_django_tables2_writes(db):
    from zhilian.accounts.models import User
    from zhilian.core.tables import render_table
    from zhilian.directory.models import Expert, Organization
    from zhilian.directory.tables import ExpertTable, OrganizationTable

    request = RequestFactory().get("/x/?kind=enterprise&sort=-name&page=2&per_page=3")
    request.user = User.objects.get(username="mgmt")
    for table_class, rows in ((OrganizationTable, Organization.objects.all()), (ExpertTable, Expert.objects.all()),
                              (OrganizationTable, Organization.objects.none())):
        def table():
            t = table_class(rows, request=request)
            RequestConfig(request, paginate={"per_page": 3}).configure(t)
            return t

        assert _normalise(render_table(table(), request)) == _normalise(table().as_html(request))


@pytest.mark.req("DIR-01")
def test_links_with_fixed_attributes_are_written_as_django_tables2_writes_them(db):
    """Links written by the platform (fixed attributes before and after href, None left out,
    values escaped) and by django-tables2 (attributes worked out per cell): the same table."""
    import django_tables2 as tables

    from zhilian.accounts.models import User
    from zhilian.core import tables as core_tables
    from zhilian.core.tables import render_table
    from zhilian.directory.models import Organization

    class Linked(tables.Table):
        name = tables.Column(linkify=True, attrs={"a": {"class": "x <y>", "data-n": 1, "title": None}})
        short_name = tables.Column(linkify=True, attrs={"a": {"data-first": "1", "href": "#", "class": "z"}})
        kind = tables.Column(linkify=lambda record: f"/o/{record.pk}/?a=1&b=<2>")
        district = tables.Column(linkify=True, accessor="name", attrs={"a": {"title": lambda record: record.name}})

        class Meta:
            model = Organization
            fields = ("name", "short_name", "kind", "district")

    request = RequestFactory().get("/x/?page=1")
    request.user = User.objects.get(username="mgmt")
    Organization.objects.create(kind="enterprise", name="厦门 <链接> & 测试有限公司", district="思明区")

    def table():
        t = Linked(Organization.objects.order_by("-pk"), request=request)
        RequestConfig(request, paginate={"per_page": 5}).configure(t)
        return t

    ours = render_table(table(), request)
    assert _normalise(ours) == _normalise(table().as_html(request))
    assert 'class="x &lt;y&gt;" data-n="1" href="' in ours and 'data-first="1" href="/' in ours
    cells = {column.name: core_tables._Cells(table(), column) for column in table().columns}
    assert cells["name"].link_attrs == ('class="x &lt;y&gt;" data-n="1" ', "")
    assert cells["short_name"].link_attrs == ('data-first="1" ', ' class="z"')
    assert cells["district"].link_attrs is None  # a callable attribute: django-tables2's way


def test_the_date_columns_write_what_django_tables2s_date_templates_write(settings):
    """Dates, aware times near midnight (shown in Beijing time), naive times, empty cells and
    a date field a table lists without declaring a column: the same cells as django-tables2's
    template columns, in both languages."""
    import django_tables2 as tables
    from django.utils import translation

    from zhilian.core.tables import DateColumn, DateTimeColumn

    settings.USE_TZ = True
    utc = datetime.timezone.utc
    rows = [
        {"day": datetime.date(2026, 10, 1), "moment": datetime.datetime(2026, 12, 31, 16, 30, tzinfo=utc)},
        {"day": None, "moment": None},
        {"day": datetime.date(2027, 1, 5), "moment": datetime.datetime(2027, 1, 5, 9, 5)},
        {"day": "", "moment": ""},
    ]

    def columns(date_column, datetime_column):
        attrs = {
            "day": date_column(format="Y-m-d"), "day_short": date_column(accessor="day"),
            "day_long": date_column(accessor="day", short=False),
            "moment": datetime_column(format="Y-m-d H:i"), "moment_day": datetime_column("Y-m-d", accessor="moment"),
            "moment_short": datetime_column(accessor="moment"),
            "moment_long": datetime_column(accessor="moment", short=False, default="<none>"),
        }
        return type("DateTable", (tables.Table,), attrs)

    ours, theirs = columns(DateColumn, DateTimeColumn), columns(tables.DateColumn, tables.DateTimeColumn)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            ours_cells = [list(row) for row in ours(rows).rows]
            assert ours_cells == [list(row) for row in theirs(rows).rows]
    assert ours_cells[0][0] == "2026-10-01" and ours_cells[0][3] == "2027-01-01 00:30"  # Beijing time
    assert ours_cells[1][6] == "&lt;none&gt;"


def test_a_date_field_listed_without_a_column_gets_the_platform_s_date_column():
    import django_tables2 as tables

    from zhilian.core.tables import DateColumn, DateTimeColumn
    from zhilian.problems.models import Problem

    class Listed(tables.Table):
        class Meta:
            model = Problem
            fields = ("reported_on", "created_at")

    table = Listed([])
    assert type(table.base_columns["reported_on"]) is DateColumn
    assert type(table.base_columns["created_at"]) is DateTimeColumn


def _list_views():
    """(path, view class) of every list page with a table (the permission walk's URL walk)."""
    from django.urls import get_resolver

    from tests.test_permission_walk import _walk
    from zhilian.core.generic import ObjectListView

    views = set()
    for path, pattern, _namespace in _walk(get_resolver()):
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class and issubclass(view_class, ObjectListView) and view_class.table_class \
                and not pattern.pattern.converters:
            views.add((path, view_class))
    return sorted(views, key=lambda item: item[0])


@pytest.mark.parametrize("username", ["mgmt", "sysadmin", "icowner"])
def test_every_list_table_renders_its_cells_as_django_tables2_does(db, username):
    """Each list page's table, with the rows its view reads for the user (annotations,
    masking, choice labels, links, badges, dates): the platform's cells are django-tables2's."""
    from zhilian.accounts.models import User
    from zhilian.core import masking
    from zhilian.core.tables import render_table

    user = User.objects.get(username=username)
    compared = 0
    for path, view_class in _list_views():
        request = RequestFactory().get("/" + path, {"per_page": 50})
        request.user = user
        view = view_class()
        view.setup(request)
        queryset, _filterset, _query = view.filtered(request)

        def table():
            t = view_class.table_class(masking.masked(queryset), request=request)
            RequestConfig(request, paginate={"per_page": 50}).configure(t)
            return t

        ours = table()
        if not len(ours.rows):
            continue
        assert _normalise(render_table(ours, request)) == _normalise(table().as_html(request)), path
        compared += 1
    assert compared >= 10


class FilterLikeForm(forms.Form):
    """Selects of fixed choices as the list pages' filter forms have them, in both languages."""

    from django.utils.translation import gettext_lazy as _lazy

    status = forms.ChoiceField(required=False, choices=[("", "---------"), ("open", _lazy("Open")),
                                                        ("closed", _lazy("Closed")), (1, "一"), (True, "真")],
                               widget=forms.Select(attrs={"class": "form-select", "placeholder": _lazy("Search")}))
    grouped = forms.ChoiceField(required=False, choices=[("东部", [("1", "一"), ("2", "二")]), ("3", "三")])
    many = forms.MultipleChoiceField(required=False, choices=[(1, "one"), (2, "two"), (3, "three")])
    yes_no = forms.NullBooleanField(required=False)
    # django-filter's, as a ChoiceFilter makes it: its choices an iterator adding the empty one.
    kind = django_filters.fields.ChoiceField(required=False, choices=[("enterprise", "企业"), ("a&b", "A & B")])


@pytest.mark.req("DIR-01")
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_kept_selects_write_what_django_writes(language, monkeypatch):
    """Every select of fixed choices, selected values of each type, twice (the second kept):
    the markup Django writes without keeping any."""
    from django.utils import translation

    from zhilian.core import renderers

    cases = [None, {}, {"status": "open"}, {"status": "1"}, {"status": "True"}, {"grouped": "2"},
             {"many": ["1", "3"]}, {"yes_no": "true"}, {"yes_no": "false"}, {"status": "<x>"}, {"kind": "a&b"}]
    with translation.override(language):
        kept = [[str(FilterLikeForm(data, auto_id=auto)[name]) for name in FilterLikeForm.base_fields]
                for data in cases for auto in ("id_%s", False) for _twice in (1, 2)]
        assert renderers._selects
        monkeypatch.setattr(forms.Select, "render", renderers._django_select_render)
        plain = [[str(FilterLikeForm(data, auto_id=auto)[name]) for name in FilterLikeForm.base_fields]
                 for data in cases for auto in ("id_%s", False) for _twice in (1, 2)]
    assert kept == plain
    assert '<option value="open" selected>' in kept[4 * cases.index({"status": "open"})][0]


@pytest.mark.req("DIR-01")
def test_a_kept_select_is_not_built_again_and_model_choices_always_are(monkeypatch, db):
    from zhilian.core import renderers
    from zhilian.directory.models import ServiceDomain

    renderers._selects.clear()
    built = []
    original = forms.Select.optgroups
    monkeypatch.setattr(forms.Select, "optgroups", lambda self, *a, **k: built.append(1) or original(self, *a, **k))
    str(FilterLikeForm({"status": "open"})["status"])
    str(FilterLikeForm({"status": "open"})["status"])
    assert len(built) == 1  # the second one kept (fails when selects are not kept)
    str(FilterLikeForm({"status": "closed"})["status"])
    assert len(built) == 2  # another selected value: its own markup

    class ByModel(forms.Form):
        domain = forms.ModelChoiceField(queryset=ServiceDomain.objects.all(), required=False)

    built.clear()
    str(ByModel()["domain"]), str(ByModel()["domain"])
    assert len(built) == 2


@pytest.mark.req("DIR-01")
def test_yes_no_cells_row_attributes_and_plain_attributes_are_written_as_django_tables2_writes_them(db, monkeypatch):
    """Yes / no columns (plain, with their own words and span attributes, over a field with
    choices), rows with fixed and computed attributes, columns reading one attribute (a value,
    a method, a missing one): the same table as django-tables2's; a yes / no column's cell is
    built once for each of yes and no, and a row's fixed attributes once for each of even and
    odd."""
    import django_tables2 as tables
    from django.utils import translation
    from django_tables2.columns import BooleanColumn
    from django_tables2.rows import BoundRow

    from zhilian.accounts.models import User
    from zhilian.core.tables import render_table
    from zhilian.directory.models import Organization

    class Flags(tables.Table):
        is_active = tables.BooleanColumn()
        worded = tables.BooleanColumn(accessor="is_active", yesno="是,否", attrs={"span": {"class": "w", "data-x": "<"}})
        chosen = tables.BooleanColumn(accessor="kind")  # a field with choices: django-tables2 looks the value up
        name = tables.Column()
        shown = tables.Column(accessor="get_kind_display")  # a method: called
        missing = tables.Column(accessor="no_such_attribute", default="—")
        broken = tables.Column(accessor="zl_broken", default="…")  # a property raising: the default

        class Meta:
            model = Organization
            fields = ("is_active", "worded", "chosen", "name", "shown", "missing", "broken")
            row_attrs = {"class": "zl-row", "data-kind": "organization"}

    class Computed(Flags):
        class Meta(Flags.Meta):
            row_attrs = {"data-id": lambda record: record.pk}

    def broken(record):
        raise ValueError("not computable")

    monkeypatch.setattr(Organization, "zl_broken", property(broken), raising=False)
    request = RequestFactory().get("/x/?page=1")
    request.user = User.objects.get(username="mgmt")
    for i in range(6):
        Organization.objects.create(kind="enterprise", name=f"旗标 <{i}> 有限公司", is_active=bool(i % 3))
    rows = Organization.objects.filter(name__startswith="旗标").order_by("pk")

    calls = {"render": 0, "attrs": 0}
    render, attrs = BooleanColumn.render, BoundRow.attrs.fget

    def counted_render(self, value, record, bound_column):
        calls["render"] += 1
        return render(self, value, record, bound_column)

    def counted_attrs(self):
        calls["attrs"] += 1
        return attrs(self)

    for table_class in (Flags, Computed):
        def table():
            t = table_class(rows, request=request)
            RequestConfig(request, paginate={"per_page": 10}).configure(t)
            return t

        for language in ("zh-hans", "en"):
            with translation.override(language):
                BooleanColumn.render, BoundRow.attrs = counted_render, property(counted_attrs)
                try:
                    calls.update(render=0, attrs=0)
                    ours = render_table(table(), request)
                    counts = dict(calls)
                finally:
                    BooleanColumn.render, BoundRow.attrs = render, property(attrs)
                assert _normalise(ours) == _normalise(table().as_html(request))
        # is_active and worded: yes and no once each; chosen: django-tables2's own way in every row
        assert counts["render"] == 2 + 2 + 6
        assert counts["attrs"] == (2 if table_class is Flags else 6)
    assert 'class="zl-row even" data-kind="organization"' in ours or "data-id=" in ours
    assert 'class="w" data-x="&lt;"' in ours and "—" in ours and "…" in ours


def test_number_dates_are_written_as_django_writes_them_and_other_formats_by_django():
    """Formats of numbers (in any order, with literal and escaped characters) are written by
    the platform as Django's formatter writes them; names of months or days, and times in a
    format for dates, are left to Django."""
    from django.utils import dateformat

    from zhilian.core.tables import _date_writer

    day, moment = datetime.date(2026, 3, 4), datetime.datetime(2026, 12, 31, 7, 5, 9)
    written = 0
    for date_format in ("Y-m-d", "Y年n月j日", "m/d/Y", "d.m.y", r"\Y\m Y%m", "Y-m-d H:i", "G:i:s j/n", "N j, Y",
                        "D Y", "Y-m-d P", "SHORT"):
        for value in (day, moment, datetime.date(987, 11, 30)):
            with_time = isinstance(value, datetime.datetime)
            writer = _date_writer(date_format, with_time)
            if writer is None:
                continue
            assert writer(value) == dateformat.format(value, date_format), (date_format, value)
            written += 1
    assert written >= 15
    assert _date_writer("N j, Y", False) is None and _date_writer("D Y", True) is None
    assert _date_writer("Y-m-d H:i", False) is None  # Django refuses a time in a date's format
    assert _date_writer("Y-m-d H:i", True) is not None


@pytest.mark.req("PLT-08")
def test_a_choice_label_is_translated_once_per_language_and_again_when_the_catalogues_change(db, monkeypatch, settings):
    """get_FOO_display gives the label in the active language, keeps it (the catalogue is not
    looked up again), gives a value that is not a choice as it is, and forgets what it kept
    when the translation settings change."""
    from django.utils import translation

    from zhilian.core import models as core_models
    from zhilian.directory.models import Organization

    organization = Organization(kind="institution", name="检测院")
    translated = []
    force_str = core_models.force_str

    def counted(value, *args, **kwargs):
        translated.append(value)
        return force_str(value, *args, **kwargs)

    monkeypatch.setattr(core_models, "force_str", counted)
    shown = {}
    for language in ("zh-hans", "en", "zh-hans", "en"):
        with translation.override(language):
            shown.setdefault(language, set()).add(organization.get_kind_display())
    assert shown == {"zh-hans": {"技术机构"}, "en": {"Technical institution"}}, shown
    assert len(translated) <= 2  # once per language
    organization.kind = "no-such-kind"
    assert organization.get_kind_display() == "no-such-kind"
    organization.kind = "institution"
    translated.clear()
    settings.LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]  # the catalogues may have changed
    with translation.override("en"):
        assert organization.get_kind_display() == "Technical institution"
    assert translated, "a kept label outlived a change of the translation settings"
