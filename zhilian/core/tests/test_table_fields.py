"""List pages read their rows with only the fields their table shows (``ObjectListView.table_fields``):
the same table as read with every field, and no query per row (a field shown but not read
would be fetched row by row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhilian.core import resultcache

PAGES = [
    ("zhilian.problems.views.ProblemListView", "city", "/problems/", ["", "q=显示", "sort=-severity_total", "sort=chain"],
     "problem-table"),
    ("zhilian.achievements.views.AchievementListView", "mgmt", "/achievements/", ["", "sort=contributor", "q=硅"],
     "achievement-table"),
    ("zhilian.directory.views.OrganizationListView", "city", "/directory/organizations/",
     ["", "kind=enterprise&sort=-name", "q=厦门", "sort=district"], "organization-table"),
    ("zhilian.directory.views.TestingCapabilityListView", "city", "/directory/capabilities/",
     ["", "q=检测", "sort=institution", "sort=-product"], "capability-table"),
]


def _view(path):
    import importlib

    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


@pytest.mark.req("PRB-01")
@pytest.mark.req("ACH-01")
@pytest.mark.req("DIR-01")
@pytest.mark.parametrize("view_path, username, url, queries, table_id", PAGES)
def test_a_list_reads_its_rows_once_and_shows_what_every_field_shows(client_as, view_path, username, url, queries,
                                                                      table_id):
    view = _view(view_path)
    assert view.table_fields
    client = client_as(username)
    for query in queries:
        with CaptureQueriesContext(connection) as one:
            assert client.get(f"{url}?{query}&per_page=1").status_code == 200
        with CaptureQueriesContext(connection) as many:
            page = client.get(f"{url}?{query}&per_page=50").content.decode()
        assert page.count("<tr ") > 2, (url, query)  # the header and two rows at least
        # A searched page of a model whose title is indexed for it is read tier by tier
        # (core.pagination.tiered_ids): a larger page may read the next tiers, two at most.
        tiers = 2 if "q=" in query and connection.vendor == "postgresql" and getattr(
            view.model, "SEARCH_TITLE_INDEXED", False) else 0
        assert len(many.captured_queries) <= len(one.captured_queries) + tiers, (url, query)
        resultcache.clear()
        fields, view.table_fields = view.table_fields, ()
        try:
            full = client.get(f"{url}?{query}&per_page=50").content.decode()
        finally:
            view.table_fields = fields
        table = lambda html: html[html.index(f'id="{table_id}"'):html.index("</table>")]  # noqa: E731
        assert table(page) == table(full), (url, query)
