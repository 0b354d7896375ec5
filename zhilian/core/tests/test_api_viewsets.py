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
