"""The base API viewsets (core/api/viewsets.py): what every collection read and write shares."""

import io

import openpyxl
import pytest

pytestmark = pytest.mark.django_db


def exported_codes(response) -> set[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return {row[0] for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]}


@pytest.mark.req("PRB-07")
def test_an_api_export_narrows_by_the_search_like_the_list(api_as):
    client = api_as("city")
    listed = client.get("/api/v1/problems/", {"q": "偏光", "page_size": 200}).json()
    codes = {row["code"] for row in listed["results"]}
    everything = client.get("/api/v1/problems/export/")
    assert codes and len(exported_codes(everything)) > len(codes)
    export = client.get("/api/v1/problems/export/", {"q": "偏光"})
    assert export.status_code == 200 and exported_codes(export) == codes
    # Search and filters together, as on the list.
    category = listed["results"][0]["category"]
    both = {row["code"] for row in client.get("/api/v1/problems/", {"q": "偏光", "category": category}).json()["results"]}
    assert both and exported_codes(client.get("/api/v1/problems/export/", {"q": "偏光", "category": category})) == both


def test_search_never_hides_one_row_asked_for_by_id(api_as):
    client = api_as("city")
    row = client.get("/api/v1/problems/").json()["results"][0]
    assert client.get(f"/api/v1/problems/{row['id']}/", {"q": "没有这样的词语"}).status_code == 200


@pytest.mark.req("PLT-03")
@pytest.mark.req("SEC-06")
def test_changes_through_the_api_with_a_token_record_who_made_them(api_as, client_as, persona):
    from zhilian.core.models import AuditAction, AuditEvent
    from zhilian.problems.models import Problem

    problem = Problem.objects.restrict(persona("city"), "change").first()
    response = api_as("city").patch(f"/api/v1/problems/{problem.pk}/", {"impact": "令牌修改的影响范围"}, format="json")
    assert response.status_code == 200, response.content
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(problem.pk),
                                      changes__has_key="impact").latest("pk")
    assert event.actor_name == "city" and event.actor_id == persona("city").pk
    history = client_as("city").get(f"/history/problems.problem/{problem.pk}/").content.decode()
    row = next(r for r in history.split("<tr>") if "令牌修改的影响范围" in r)
    assert "<td>city</td>" in row


@pytest.mark.req("SEC-06")
def test_a_denial_through_the_api_with_a_token_records_who_was_refused(api_as):
    from zhilian.core.models import AuditAction, AuditEvent

    before = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED).count()
    assert api_as("consumer").get("/api/v1/audit-events/").status_code == 403
    denials = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED).order_by("pk")[before:]
    assert [e.actor_name for e in denials] == ["consumer"]


@pytest.mark.req("PLT-09")
def test_no_list_answers_a_server_error_to_an_out_of_range_number(client, api_as):
    """Every numeric query parameter of every list in the OpenAPI schema, sent a number no key
    can be, a fraction and an exponent: 400 with the parameter's error or a list, never a 500.
    (The fuzzer in CI found ``/api/v1/needs/?institution=-3.4e+283``: django-filter's
    ``NumberFilter`` passed a 284-digit key to the database.)"""
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    api = api_as("city")
    api.raise_request_exception = False
    checked, failures = 0, []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        for parameter in get.get("parameters", []):
            if parameter.get("in") != "query" or parameter["schema"].get("type") not in ("integer", "number"):
                continue
            for value in ("99999999999999999999", "-3.457906732795776e+283", "1.5", "0"):
                response = api.get(path, {parameter["name"]: value})
                checked += 1
                if response.status_code >= 500:
                    failures.append(f"{path}?{parameter['name']}={value}: {response.status_code}")
                elif response.status_code == 400:  # field-level, as every refusal (some need other parameters)
                    assert isinstance(response.json(), dict) and response.json(), (path, parameter["name"])
    assert checked > 100 and not failures, failures
    # An id parameter is a whole number from 1: a fraction is refused, not matched.
    refused = api.get("/api/v1/needs/", {"institution": "1.5"})
    assert refused.status_code == 400 and "institution" in refused.json()
    assert api.get("/api/v1/needs/", {"institution": "9223372036854775807"}).json()["count"] == 0


@pytest.mark.req("PLT-09")
def test_pages_read_an_id_that_is_no_id_as_none_given(client_as):
    """A web list shows such a filter as a form error; a page reading an id itself (a map's
    version, a working group's experts) ignores it. "²" passed ``str.isdigit()`` and then
    failed ``int()``; a 20-digit number passed both and overflowed SQLite."""
    from zhilian.chains.models import ChainSnapshot

    snapshot = ChainSnapshot.objects.order_by("pk").first()
    client = client_as("city")
    for bad in ("99999999999999999999", "²"):
        for url in (f"/needs/?institution={bad}", f"/directory/capabilities/?institution={bad}",
                    f"/problems/?node={bad}", f"/projects/?problem={bad}",
                    f"/chains/{snapshot.chain_id}/map/?version={bad}", f"/chains/versions/{snapshot.pk}/?with={bad}",
                    f"/directory/experts/working-group/?experts={bad}&experts=1"):
            assert client.get(url).status_code == 200, url
