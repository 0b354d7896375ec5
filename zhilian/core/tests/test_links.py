"""Links as the pages render them: export buttons and pagers are followed from the HTML,
not rebuilt by the test, so a malformed href (e.g. "??export=xlsx") fails here."""

import io
from html.parser import HTMLParser
from urllib.parse import urljoin

import openpyxl
import pytest
from django.urls import reverse

from zhilian.core import audit
from zhilian.core.models import AuditAction

pytestmark = pytest.mark.django_db


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.anchors, self._open = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open = {**dict(attrs), "text": ""}
            self.anchors.append(self._open)

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None


def anchors(response) -> list[dict]:
    parser = _Anchors()
    parser.feed(response.content.decode())
    return parser.anchors


def follow(client, page_url: str, response, **match):
    """Request the href of the one anchor whose attributes / text match, resolved as a browser does."""
    found = [a for a in anchors(response)
             if all((value in a.get(key, "")) if key == "text" else a.get(key) == value for key, value in match.items())]
    assert len(found) == 1, (match, found)
    url = urljoin(f"http://testserver{page_url}", found[0]["href"])
    return url, client.get(url)


def sheet_text(response) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return " ".join(str(v) for row in workbook.active.iter_rows(values_only=True) for v in row if v is not None)


def test_the_export_button_of_a_filtered_list_exports_what_the_list_shows(client_as):
    client = client_as("city")
    page_url = reverse("directory:organization_list") + "?q=翔光"
    page = client.get(page_url)
    assert "厦门翔光玻璃基板有限公司" in page.content.decode()
    url, export = follow(client, page_url, page, id="export-xlsx")
    assert "??" not in url
    assert export.status_code == 200 and "spreadsheetml" in export["Content-Type"]
    text = sheet_text(export)
    assert "厦门翔光玻璃基板有限公司" in text and "厦门思明视讯科技有限公司" not in text


def test_the_export_button_of_an_unfiltered_list_downloads_the_list(client_as):
    client = client_as("city")
    page_url = reverse("directory:organization_list")
    url, export = follow(client, page_url, client.get(page_url), id="export-xlsx")
    assert export.status_code == 200 and "spreadsheetml" in export["Content-Type"]
    assert "厦门思明视讯科技有限公司" in sheet_text(export)


def test_filtering_in_place_sends_the_export_button_again_with_the_new_filter(client_as):
    # htmx swaps only the table; the button outside it comes back out of band.
    client = client_as("city")
    page_url = reverse("directory:organization_list") + "?q=翔光"
    partial = client.get(page_url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-list")
    button = [a for a in anchors(partial) if a.get("id") == "export-xlsx"]
    assert button and button[0]["hx-swap-oob"] == "true"
    url, export = follow(client, page_url, partial, id="export-xlsx")
    assert "厦门思明视讯科技有限公司" not in sheet_text(export) and "厦门翔光玻璃基板有限公司" in sheet_text(export)


@pytest.mark.req("SEC-06")
def test_the_audit_log_exports_follow_the_filter_shown(client_as):
    audit.write(action=AuditAction.SECURITY, object_repr="link-probe-one", message="导出链接")
    audit.write(action=AuditAction.SECURITY, object_repr="other-event", message="不应导出")
    client = client_as("auditor")
    page_url = reverse("core:audit_list") + "?q=link-probe"
    page = client.get(page_url)
    _, xlsx = follow(client, page_url, page, id="audit-export-xlsx")
    assert "spreadsheetml" in xlsx["Content-Type"]
    text = sheet_text(xlsx)
    assert "link-probe-one" in text and "other-event" not in text
    _, csv_response = follow(client, page_url, page, id="audit-export-csv")
    csv_text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert "link-probe-one" in csv_text and "other-event" not in csv_text


@pytest.mark.req("SEC-06")
def test_the_audit_log_pager_moves_between_pages_and_keeps_the_filter(client_as):
    for i in range(60):
        audit.write(action=AuditAction.SECURITY, object_repr=f"pager-probe-{i}", message="")
    client = client_as("auditor")
    page_url = reverse("core:audit_list") + "?q=pager-probe"
    first = client.get(page_url)
    assert first.context["page"].number == 1
    next_url, second = follow(client, page_url, first, **{"class": "page-link", "text": "下一页"})
    assert second.context["page"].number == 2
    assert second.context["form"].cleaned_data["q"] == "pager-probe"
    assert set(first.context["page"].object_list).isdisjoint(second.context["page"].object_list)
    assert len(second.context["page"].object_list) == 10
    _, back = follow(client, next_url.removeprefix("http://testserver"), second,
                     **{"class": "page-link", "text": "上一页"})
    assert back.context["page"].number == 1


def test_clearing_the_institution_of_the_capability_list_keeps_the_other_filters(client_as):
    from zhilian.directory.models import TestingCapability

    capability = TestingCapability.objects.select_related("institution").first()
    client = client_as("city")
    page_url = (reverse("directory:capability_list")
                + f"?institution={capability.institution_id}&q={capability.product}")
    url, cleared = follow(client, page_url, client.get(page_url), **{"aria-label": "清除"})
    assert cleared.status_code == 200
    assert "institution" not in cleared.wsgi_request.GET and cleared.wsgi_request.GET["q"] == capability.product
