"""A service commissioner's record names only a unit its editor may see (PLT-02, DIR-03).

Found by an audit of texts built from other records: the form offers a commissioner the units
it may see, but the API kept any organization id a commissioner sent for its own record, and
its page then named that unit, e.g. an enterprise of a district 刘佳 does not serve.
"""

import pytest

from zhilian.directory.models import Organization, ServiceCommissioner


@pytest.mark.req("PLT-02")
@pytest.mark.req("DIR-03")
def test_a_commissioner_cannot_attach_its_record_to_a_unit_it_may_not_see(persona, api_as, client_as):
    user = persona("liujia")
    record = ServiceCommissioner.objects.get(user=user)
    hidden = Organization.objects.enterprises().exclude(
        pk__in=Organization.objects.restrict(user, "view").values("pk")).order_by("pk").first()
    assert hidden is not None and ServiceCommissioner.objects.restrict(user, "change").filter(pk=record.pk).exists()
    api = api_as("liujia")
    url = f"/api/v1/commissioners/{record.pk}/"
    etag = api.get(url)["ETag"]
    response = api.patch(url, {"organization": hidden.pk}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 400 and "organization" in response.json()
    assert hidden.name not in response.content.decode()
    record.refresh_from_db()
    assert record.organization_id != hidden.pk
    assert hidden.name not in client_as("liujia").get(f"/directory/commissioners/{record.pk}/").content.decode()
    # A unit it may see is still accepted.
    visible = Organization.objects.restrict(user, "view").exclude(kind="enterprise").exclude(
        pk=record.organization_id).order_by("pk").first()
    response = api.patch(url, {"organization": visible.pk}, format="json", HTTP_IF_MATCH=api.get(url)["ETag"])
    assert response.status_code == 200 and response.json()["organization"] == visible.pk
