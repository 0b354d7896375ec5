"""Chinese names sort by pinyin in every list, not by code point (厦 U+53A6 before 安 U+5B89):
problems, projects, achievements and licences, on the page and through the API (PLT-10)."""

import pytest
from django.urls import reverse

from zhilian.core.text import pinyin_key

# list URL name, API path, column sorted on the page, the same column in the API: (ordering, field)
LISTS = [
    ("problems:problem_list", "/api/v1/problems/", "name", ("name", "name")),
    ("projects:project_list", "/api/v1/projects/", "name", ("name", "name")),
    ("projects:project_list", "/api/v1/projects/", "lead_unit", ("lead_unit__name", "lead_unit_name")),
    ("achievements:achievement_list", "/api/v1/achievements/", "name", ("name", "name")),
    ("achievements:achievement_list", "/api/v1/achievements/", "contributor", ("contributor__name", "contributor_name")),
    ("achievements:license_list", "/api/v1/licenses/", "licensee", ("licensee__name", "licensee_name")),
]


def _page_column(client, url_name, column, descending):
    response = client.get(reverse(url_name), {"sort": ("-" if descending else "") + column, "per_page": 100})
    assert response.status_code == 200
    table = response.context["table"]
    return [str(row.get_cell_value(column)) for row in table.page.object_list]


@pytest.mark.req("PLT-10")
@pytest.mark.parametrize("url_name,api_path,column,api", LISTS)
def test_lists_sort_chinese_names_by_pinyin(client_as, api_as, url_name, api_path, column, api):
    for descending in (False, True):
        names = _page_column(client_as("city"), url_name, column, descending)
        assert len(set(names)) >= 2, names
        assert names == sorted(names, key=pinyin_key, reverse=descending), (column, descending, names)
        ordering, field = api
        rows = api_as("city").get(api_path, {"ordering": ("-" if descending else "") + ordering,
                                             "page_size": 100}).json()["results"]
        values = [row[field] for row in rows]
        assert values == sorted(values, key=pinyin_key, reverse=descending), (ordering, values)


def test_the_demo_names_tell_pinyin_from_code_point_order(client_as):
    """The test above proves something only if code-point order differs from pinyin somewhere."""
    differs = []
    for url_name, _api_path, column, _api in LISTS:
        names = _page_column(client_as("city"), url_name, column, False)
        differs.append(sorted(names) != sorted(names, key=pinyin_key))
    assert sum(differs) >= 4, differs
