"""A download's plain-ASCII file name says what it is (PLT-07).

Every Excel, Word, PDF and PNG download carries its Chinese name in ``filename*`` (RFC 6266)
and an ASCII stand-in in ``filename`` for clients that read only that (scripts, older mail
gateways). The stand-in was the Chinese name with its Chinese dropped: "-2026-12-04.xlsx" for
the problem library's Table C.1, ".xlsx" for the breakthrough project library.
"""

from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from zhilian.chains.models import Chain
from zhilian.core.spreadsheets import ascii_filename, file_response

pytestmark = pytest.mark.django_db


def _names(response):
    """(filename, filename*) of a download's Content-Disposition."""
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; "), disposition
    plain = disposition.split('filename="', 1)[1].split('"', 1)[0]
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    return plain, encoded


@pytest.mark.req("PLT-07")
@pytest.mark.parametrize("name, expected", [
    ("产业链供应链质量问题库-2026-12-04.xlsx", "export-2026-12-04.xlsx"),
    ("产业链质量攻关库.xlsx", "export.xlsx"),
    ("单位名录-错误报告.xlsx", "export.xlsx"),
    ("成果共享许可协议-ACH-2026-001.docx", "ACH-2026-001.docx"),
    ("附录F 任务书-GG-2027-001.docx", "F-GG-2027-001.docx"),
    ("audit-20261204.xlsx", "audit-20261204.xlsx"),
    ('a "quoted"\\name.xlsx', "a-quoted-name.xlsx"),  # nothing that would end the header's quotes
])
def test_the_ascii_name_keeps_what_says_something_else_export(name, expected):
    assert ascii_filename(name) == expected
    plain, encoded = _names(file_response(b"", name))
    assert plain == expected and encoded == quote(name)


@pytest.mark.req("PLT-07")
def test_the_caller_names_its_export_in_ascii():
    plain, encoded = _names(file_response(b"", "产业链质量攻关库.xlsx", ascii_name="breakthrough-project-library.xlsx"))
    assert plain == "breakthrough-project-library.xlsx" and encoded == quote("产业链质量攻关库.xlsx")


@pytest.mark.req("PLT-07")
def test_the_table_c1_workbook_is_named_problems_and_its_date(api_as, client_as):
    today = timezone.localdate()
    chinese = quote(f"产业链供应链质量问题库-{today}.xlsx")
    for response in (api_as("mgmt").get("/api/v1/problems/export/"),
                     client_as("mgmt").get(reverse("problems:problem_list"), {"export": "xlsx"})):
        assert response.status_code == 200
        assert _names(response) == (f"problems-{today}.xlsx", chinese)


@pytest.mark.req("PLT-07")
def test_list_exports_and_import_files_are_named_by_the_model_in_english(client_as):
    client = client_as("mgmt")
    plain, encoded = _names(client.get(reverse("directory:capability_list"), {"export": "xlsx"}))
    assert (plain, encoded) == ("testing-capabilities.xlsx", quote("检验检测能力.xlsx"))
    template = client.get(reverse("directory:organization_import"), {"template": "1"})
    assert _names(template)[0] == "organizations-template.xlsx"
    plain, _encoded = _names(client_as("mgmt").get(reverse("projects:project_list"), {"export": "xlsx"}))
    assert plain == "breakthrough-project-library.xlsx"


@pytest.mark.req("PLT-07")
@pytest.mark.req("MAP-06")
def test_the_map_exports_are_named_by_the_chain_id_and_version(api_as):
    chain = Chain.objects.get(name="光电显示产业链")
    response = api_as("member").get(f"/api/v1/chains/{chain.pk}/map/png/", {"segment": "upstream"})
    assert response.status_code == 200
    plain, encoded = _names(response)
    assert plain.startswith(f"chain-{chain.pk}-map-v") and plain.endswith("-filtered.png"), plain
    assert encoded.startswith(quote("光电显示产业链质量图谱-v"))
