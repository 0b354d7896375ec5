"""An organization's page asks once which related sections have rows (core.related) and
skips the queries of the others: the page is the same as when every section is read."""

import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhilian.core import attachments, related
from zhilian.directory.models import EnterpriseTalent, Expert, Organization, ServiceDomain

_TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _page(client, org) -> str:
    response = client.get(org.get_absolute_url())
    assert response.status_code == 200
    return _TOKEN.sub(r"\1…", response.content.decode())


def _read_everything(monkeypatch):
    """Every section read as before the probe: every name found to have rows."""
    monkeypatch.setattr(related, "with_rows", lambda checks, using="default": set(checks))


def test_with_rows_names_the_relations_that_hold_any_row(db):
    from django.contrib.contenttypes.models import ContentType

    from zhilian.core.models import Attachment

    owner = Organization.objects.get(name="厦门翔光玻璃基板有限公司")
    bare = Organization.objects.create(kind="enterprise", name="厦门空白测试有限公司", province="福建省", city="厦门市")
    checks = lambda org: {  # noqa: E731
        "talents": (EnterpriseTalent, {"enterprise": org.pk}),
        "experts": (Expert, {"organization": org}),
        "domains": (Organization.service_domains.through, {"organization": org.pk}),
        "files": (Attachment, {"content_type": ContentType.objects.get_for_model(Organization), "object_id": org.pk}),
    }
    assert related.with_rows(checks(bare)) == set()
    assert related.with_rows({}) == set()
    EnterpriseTalent.objects.create(enterprise=bare, name="测试人", talent_type="cqo")
    bare.service_domains.add(ServiceDomain.objects.first())
    assert related.with_rows(checks(bare)) == {"talents", "domains"}
    assert "talents" in related.with_rows(checks(owner)) or not owner.talents.exists()


@pytest.mark.req("DIR-01")
@pytest.mark.parametrize("username", ["mgmt", "district", "institution", "owner"])
def test_every_organization_page_is_the_same_as_with_every_section_read(client_as, monkeypatch, username):
    client = client_as(username)
    pages = {}
    for org in Organization.objects.order_by("pk"):
        if client.get(org.get_absolute_url()).status_code == 200:
            pages[org.pk] = _page(client, org)
    assert len(pages) > 5
    _read_everything(monkeypatch)
    for pk, page in pages.items():
        assert _page(client, Organization.objects.get(pk=pk)) == page, Organization.objects.get(pk=pk).name


@pytest.mark.req("DIR-01")
def test_a_bare_enterprise_reads_no_section_and_shows_each_as_soon_as_it_has_rows(client_as, persona, monkeypatch):
    client = client_as("mgmt")
    org = Organization.objects.create(kind="enterprise", name="厦门空白测试有限公司", province="福建省", city="厦门市",
                                      district="思明区")
    client.get(org.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        bare = _page(client, org)
    read = "\n".join(q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SELECT EXISTS"))
    for table in ("directory_expert", "directory_enterprisetalent", "directory_servicecommissioner",
                  "directory_servicepoint", "accounts_user", "needs_need", "core_attachment",
                  "directory_servicedomain"):
        assert f'"{table}"' not in read, table
    assert "测试人" not in bare and "附件测试.pdf" not in bare

    EnterpriseTalent.objects.create(enterprise=org, name="测试人", talent_type="cqo")
    domain = ServiceDomain.objects.first()
    org.service_domains.add(domain)
    attachments.attachment_add(user=persona("city"), owner=org, uploaded=ContentFile(
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", name="附件测试.pdf"))
    page = _page(client, org)
    assert "测试人" in page and "附件测试.pdf" in page and domain.name in page
    _read_everything(monkeypatch)
    assert _page(client, org) == page
