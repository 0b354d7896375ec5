"""The import page (core.generic.ImportView) reports what it did once (PLT-07)."""

import pytest
from django.urls import reverse

from zhilian.directory.exports import organization_columns
from zhilian.directory.tests.test_spreadsheets import org_rows, workbook

pytestmark = pytest.mark.django_db


@pytest.mark.req("PLT-07")
def test_a_committed_import_states_its_summary_once(client_as):
    """The page answering the upload showed "Imported 2 rows: 2 created, 0 updated." twice:
    as a flash message above the page and in the result card below the form."""
    client = client_as("city")
    response = client.post(reverse("directory:organization_import"), {"file": workbook(organization_columns(), org_rows())})
    assert response.status_code == 200 and response.context["result"].committed
    body = response.content.decode()
    assert body.count("已导入 2 行：新增 2 条，更新 0 条。") == 1, body[body.find("<main"):][:3000]
    assert 'id="import-result"' in body
    # nothing left over for the next page either
    assert "已导入 2 行" not in client.get(reverse("directory:organization_list")).content.decode()
