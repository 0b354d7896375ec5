"""Two edits of the same record from the same version: the first saves, the second is
refused with a clear message and nothing is lost (SEC-10)."""

import pytest
from django.urls import reverse

from zhilian.core.exceptions import StaleObjectError
from zhilian.directory.models import Organization

pytestmark = pytest.mark.django_db


def org():
    return Organization.objects.get(name="厦门翔光玻璃基板有限公司")


def form_data(client, obj):
    form = client.get(reverse("directory:organization_edit", args=[obj.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "service_domains"}
    data["established_on"] = obj.established_on.isoformat() if obj.established_on else ""
    data["_version"] = obj.version
    return data


@pytest.mark.req("SEC-10")
def test_the_second_of_two_page_edits_from_the_same_version_is_refused(client_as):
    record = org()
    first, second = client_as("city"), client_as("mgmt")
    url = reverse("directory:organization_edit", args=[record.pk])
    mine, theirs = form_data(first, record), form_data(second, record)
    mine["address"] = "翔安区第一位编辑 1 号"
    theirs["address"] = "翔安区第二位编辑 2 号"
    assert first.post(url, mine).status_code == 302
    response = second.post(url, theirs)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="stale-edit"' in body and "翔安区第一位编辑 1 号" in body  # what is saved now …
    assert response.context["form"].data["address"] == "翔安区第二位编辑 2 号"  # … and the refused entry, kept
    assert org().address == "翔安区第一位编辑 1 号"
    # Re-submitting the same stale form stays refused …
    assert second.post(url, theirs).status_code == 200 and org().address == "翔安区第一位编辑 1 号"
    # … until the user knowingly saves over the version they were shown.
    theirs["_overwrite_version"] = response.context["stale"]["current_version"]
    assert second.post(url, theirs).status_code == 302 and org().address == "翔安区第二位编辑 2 号"


@pytest.mark.req("SEC-10")
def test_api_if_match_with_an_old_etag_answers_412(api_as):
    record = org()
    api = api_as("city")
    etag = api.get(f"/api/v1/organizations/{record.pk}/")["ETag"]
    assert api.patch(f"/api/v1/organizations/{record.pk}/", {"address": "先到"}, format="json",
                     HTTP_IF_MATCH=etag).status_code == 200
    response = api.patch(f"/api/v1/organizations/{record.pk}/", {"address": "后到"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert org().address == "先到"
    assert api.delete(f"/api/v1/organizations/{record.pk}/", HTTP_IF_MATCH=etag).status_code == 412
    assert Organization.objects.filter(pk=record.pk).exists()


@pytest.mark.req("SEC-10")
@pytest.mark.req("PLT-10")
def test_the_412_answer_speaks_the_request_language(api_as):
    record = org()
    api = api_as("city")
    etag = api.get(f"/api/v1/organizations/{record.pk}/")["ETag"]
    api.patch(f"/api/v1/organizations/{record.pk}/", {"address": "先到"}, format="json", HTTP_IF_MATCH=etag)
    stale = api.patch(f"/api/v1/organizations/{record.pk}/", {"address": "后到"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["detail"] == "此记录在 If-Match 所给版本之后已被修改。"
    english = api.patch(f"/api/v1/organizations/{record.pk}/", {"address": "后到"}, format="json", HTTP_IF_MATCH=etag,
                        HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "The record changed since the version given in If-Match."
    bad = api.patch(f"/api/v1/organizations/{record.pk}/", {"address": "后到"}, format="json", HTTP_IF_MATCH='"x"')
    assert bad.status_code == 412 and bad.json()["detail"] == "If-Match 须为该记录的 ETag。"


@pytest.mark.req("SEC-10")
def test_api_version_in_the_body_that_is_stale_answers_409(api_as):
    record = org()
    api = api_as("city")
    version = api.get(f"/api/v1/organizations/{record.pk}/").json()["version"]
    assert api.patch(f"/api/v1/organizations/{record.pk}/", {"address": "先到", "version": version},
                     format="json").status_code == 200
    response = api.patch(f"/api/v1/organizations/{record.pk}/", {"address": "后到", "version": version}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "stale" and response.json()["current_version"] == version + 1
    assert org().address == "先到"


@pytest.mark.req("SEC-10")
def test_the_version_check_is_atomic_whatever_the_timing():
    """Both edits loaded version n; the conditional UPDATE lets exactly one through."""
    a, b = org(), org()
    a.address, b.address = "甲", "乙"
    a.save(expected_version=a.version)
    with pytest.raises(StaleObjectError):
        b.save(expected_version=b.version)
    assert org().address == "甲"
