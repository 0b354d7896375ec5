"""The API answers bad requests with documented errors, never a server error (PLT-09, SEC-13).

Cases the schemathesis run in .ci/run found, kept here so they cannot come back.
"""

import pytest
from rest_framework.test import APIClient

from zhilian.chains.models import Chain
from zhilian.needs.models import Need, NeedAssignment

pytestmark = pytest.mark.django_db


@pytest.mark.req("PLT-09")
def test_deleting_a_record_others_refer_to_answers_409_and_keeps_it(api_as):
    chain = Chain.objects.get(name="光电显示产业链")
    response = api_as("city").delete(f"/api/v1/chains/{chain.pk}/")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "protected" and body["blocking"]
    assert Chain.objects.filter(pk=chain.pk).exists()


@pytest.mark.req("PLT-09")
def test_an_id_too_large_for_the_database_is_a_field_error(api_as):
    need = Need.objects.filter(status="accepted").first() or Need.objects.first()
    before = NeedAssignment.objects.count()
    response = api_as("commissioner").post(f"/api/v1/needs/{need.pk}/assign/",
                                           {"experts": [10**30], "institutions": []}, format="json")
    assert response.status_code in (400, 404, 409), response.content
    if response.status_code == 400:
        assert "experts" in response.json()
    assert NeedAssignment.objects.count() == before


@pytest.mark.req("PLT-09")
def test_the_token_endpoint_keeps_its_documented_error_shape():
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"] and "username" in body and "password" in body


@pytest.mark.req("PLT-09")
def test_the_chain_summary_of_one_chain(api_as):
    chain = Chain.objects.get(name="集成电路产业链")
    row = api_as("city").get(f"/api/v1/chain-summaries/{chain.pk}/").json()
    assert row["id"] == chain.pk and row["chain"] == chain.name
    # Regulators, the management institution and chain owners keep the table; a member does not.
    assert api_as("member").get(f"/api/v1/chain-summaries/{chain.pk}/").status_code in (403, 404)


@pytest.mark.req("PLT-09")
def test_the_working_group_check_is_documented_as_the_list_it_returns(api_as):
    from drf_spectacular.generators import SchemaGenerator

    from zhilian.directory.models import Expert

    expert = Expert.objects.first()
    response = api_as("commissioner").post("/api/v1/experts/working-group-check/?page=0&page_size=0",
                                           {"experts": [expert.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert isinstance(response.json(), list)
    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"][
        "/api/v1/experts/working-group-check/"]["post"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert not any(p["name"] in ("page", "page_size") for p in operation.get("parameters", []))


@pytest.mark.req("PLT-02")
@pytest.mark.req("PLT-09")
def test_a_refused_delete_names_only_the_blocking_records_the_caller_may_see(persona):
    from django.db.models import ProtectedError
    from rest_framework.test import APIRequestFactory

    from zhilian.core.api.exceptions import exception_handler
    from zhilian.directory.models import Organization

    member = persona("member")
    institution = Organization.objects.filter(kind="institution").first()
    confidential = (Organization.objects.filter(kind="enterprise").exclude(pk=member.organization_id)
                    .exclude(pk__in=Organization.objects.restrict(member).values("pk")).first())
    assert confidential is not None
    request = APIRequestFactory().delete("/api/v1/anything/")
    request.user = member
    response = exception_handler(ProtectedError("kept", {institution, confidential}), {"request": request})
    assert response.status_code == 409 and response.data["code"] == "protected"
    assert response.data["blocking"] == [str(institution)]
    assert confidential.name not in str(response.data)
    assert "无权查看" in str(response.data["detail"])
    response = exception_handler(ProtectedError("kept", {institution}), {"request": request})
    assert response.data["blocking"] == [str(institution)] and "无权查看" not in str(response.data["detail"])


@pytest.mark.req("PLT-09")
@pytest.mark.req("PLT-12")
def test_the_token_endpoint_names_an_unknown_key_without_asking_for_what_was_sent():
    """A body with username and password and one key more was told "Send username and password."."""
    client = APIClient(REMOTE_ADDR="10.8.7.8")
    body = {"username": "owner", "password": "Zhilian@2026", "remember": True}
    for language, unknown, detail in (
            ("en", "Unknown field.", "Send only username, password and, for accounts with two-factor sign-in, otp."),
            ("zh-hans", "未知字段。", "只需提供 username、password，以及两步验证账号的 otp。")):
        response = client.post("/api/v1/auth/token/", body, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400, response.content
        assert response.json() == {"remember": [unknown], "detail": detail, "code": "invalid"}
    response = client.post("/api/v1/auth/token/", {"username": "owner", "passwrod": "x"}, format="json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"password": ["This field is required."], "passwrod": ["Unknown field."],
                               "detail": "Send username and password.", "code": "invalid"}
    response = client.post("/api/v1/auth/token/", {"username": "x" * 151, "password": "x"}, format="json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response.json()["detail"] == "Correct the fields named: each says what is wrong."
    del body["remember"]
    response = client.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 200 and set(response.json()) == {"token", "expires_at"}
