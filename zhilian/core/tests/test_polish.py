"""Small things people notice: words, form marks, the log."""

import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_filter_button_says_筛选(client_as):
    body = client_as("city").get(reverse("directory:organization_list")).content.decode()
    assert "筛选" in body and "过滤器" not in body
    audit = client_as("auditor").get(reverse("core:audit_list")).content.decode()
    assert "筛选" in audit and "过滤器" not in audit


def test_a_refused_sign_in_marks_no_field_valid(client):
    response = client.post(reverse("accounts:login"), {"username": "city", "password": "wrong-password"})
    body = response.content.decode()
    assert response.status_code == 200 and "is-valid" not in body


def test_a_stale_edit_marks_only_fields_in_error(client_as):
    from zhilian.directory.models import Organization

    org = Organization.objects.get(name="厦门翔光玻璃基板有限公司")
    client = client_as("city")
    url = reverse("directory:organization_edit", args=[org.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "service_domains"}
    data.update({"_version": org.version - 1, "established_on": org.established_on.isoformat(), "uscc": "123"})
    body = client.post(url, data).content.decode()
    assert "is-invalid" in body and "is-valid" not in body


def test_a_refusal_is_logged_on_one_line_without_a_traceback(client_as, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client_as("consumer").get(reverse("core:calendar")).status_code == 403
    refusals = [r for r in caplog.records if r.name == "django.request" and getattr(r, "status_code", None) == 403]
    assert refusals and all(r.levelno == logging.WARNING and not r.exc_info for r in refusals)
    assert "Traceback" not in caplog.text


@pytest.mark.req("PLT-10")
def test_an_empty_list_says_why_it_is_empty(client_as):
    """A table with a header and no row read as a page that had not loaded."""
    consumer = client_as("consumer")  # sees no problem at all
    nothing = consumer.get(reverse("problems:problem_list")).content.decode()
    assert 'id="list-empty"' in nothing and "暂无记录。" in nothing
    city = client_as("city")
    filtered = city.get(reverse("directory:organization_list"), {"q": "不存在的单位名称"}).content.decode()
    assert "没有符合筛选条件的记录。" in filtered
    # Sorting or paging is not filtering.
    sorted_empty = consumer.get(reverse("problems:problem_list"), {"sort": "name"}).content.decode()
    assert "暂无记录。" in sorted_empty
    rows = city.get(reverse("directory:organization_list")).content.decode()
    assert 'id="list-empty"' not in rows


def test_no_date_or_record_number_in_a_list_wraps():
    """'2026-12-' over '04', 'CG-2026-' over '0004' in a narrow column: every date and
    number column of every table keeps its values on one line."""
    import importlib

    import django_tables2 as tables
    from django.apps import apps

    checked = 0
    for config in apps.get_app_configs():
        if not config.name.startswith("zhilian."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tables")
        except ModuleNotFoundError:
            continue
        for table in vars(module).values():
            if not (isinstance(table, type) and issubclass(table, tables.Table)):
                continue
            for name, column in table.base_columns.items():
                if isinstance(column, tables.DateColumn | tables.DateTimeColumn) or name == "code":
                    checked += 1
                    assert "text-nowrap" in column.attrs.get("td", {}).get("class", ""), f"{table.__name__}.{name}"
    assert checked >= 15
