"""A problem other records name is kept: a breakthrough project made from it, an achievement
citing it (PRJ-01); a link with problems on it is kept too (PRB-01)."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse

from zhilian.chains.models import ChainNode
from zhilian.evaluation.selectors import chain_summary
from zhilian.problems import services
from zhilian.problems.models import Problem, ProblemStatus
from zhilian.problems.selectors import problem_dependants
from zhilian.projects.models import Project


@pytest.fixture
def archived_source(db):
    """The QA walk's case: an archived project made from two solved problems; the second one is
    named by no achievement."""
    project = Project.objects.get(code="GG-2025-001")
    second = Problem.objects.create(
        code="IC-090", name="晶棒头尾电阻率偏差（测试）", chain=project.chain, category="technology",
        description="头尾偏差 12%", reported_on=datetime.date(2025, 3, 1), status=ProblemStatus.SOLVED)
    project.problems.add(second)
    Project.objects.filter(pk=project.pk).update(status="archived")
    return project, second


@pytest.mark.req("PRJ-01")
def test_the_source_problem_of_an_archived_project_is_not_deleted(archived_source, client_as, persona):
    project, problem = archived_source
    mgmt = persona("mgmt")
    solved_before = len(chain_summary(mgmt, project.chain).solved_problems)
    client = client_as("mgmt")
    page = client.get(reverse("problems:problem_delete", args=[problem.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="delete-refused"' in html and "不能删除" in html
    assert f'href="{project.get_absolute_url()}"' in html and project.code in html
    assert 'class="btn btn-danger"' not in html  # nothing to press

    response = client.post(reverse("problems:problem_delete", args=[problem.pk]))
    assert response.status_code == 302 and response["Location"] == problem.get_absolute_url()
    message = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "不能删除" in message and project.code in message
    assert Problem.objects.filter(pk=problem.pk).exists()
    assert set(project.problems.values_list("code", flat=True)) == {"IC-001", "IC-090"}
    assert len(chain_summary(mgmt, project.chain).solved_problems) == solved_before


@pytest.mark.req("PRJ-01")
def test_the_api_refuses_as_for_any_protected_record(archived_source, api_as):
    project, problem = archived_source
    response = api_as("mgmt").delete(f"/api/v1/problems/{problem.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "protected" and body["blocking"] == [str(project)]
    assert "不能删除" in body["detail"] and project.code in body["detail"]
    assert Problem.objects.filter(pk=problem.pk).exists()
    # a problem an achievement names (and projects too): every one of them is named
    named = Problem.objects.get(code="IC-001")
    response = api_as("city").delete(f"/api/v1/problems/{named.pk}/")
    assert response.status_code == 409
    assert any(name.startswith("CG-2026-0001") for name in response.json()["blocking"])


@pytest.mark.req("PRJ-01")
def test_the_reasons_name_only_what_the_user_may_see(persona):
    problem = Problem.objects.get(code="IC-001")  # GG-2025-001 and four achievements name it
    member = persona("member")  # sees the public achievements, not the semiconductor project
    assert not Project.objects.restrict(member).filter(problems=problem).exists()
    dependants = problem_dependants(problem, member)
    assert dependants and dependants.hidden
    names = [str(r) for r in dependants.records]
    assert names and all(name.startswith("CG-") for name in names)
    assert "GG-2025-001" not in dependants.text()
    everything = problem_dependants(problem, persona("mgmt"))
    assert not everything.hidden and "GG-2025-001" in everything.text()


@pytest.mark.req("PRJ-01")
def test_no_path_deletes_a_named_problem(archived_source):
    _project, problem = archived_source
    # the guard of the last resort refuses inside the deletion's transaction, which then rolls back
    with pytest.raises(ProtectedError), transaction.atomic():
        Problem.objects.filter(pk=problem.pk).delete()
    with pytest.raises(ProtectedError):
        services.problem_delete(user=None, problem=problem)
    assert Problem.objects.filter(pk=problem.pk).exists()


@pytest.mark.req("PRJ-01")
def test_a_problem_nothing_names_is_still_deleted(client_as, display_problem):
    client = client_as("mgmt")
    page = client.get(reverse("problems:problem_delete", args=[display_problem.pk])).content.decode()
    assert 'id="delete-refused"' not in page and 'class="btn btn-danger"' in page
    response = client.post(reverse("problems:problem_delete", args=[display_problem.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("problems:problem_list")
    assert not Problem.objects.filter(pk=display_problem.pk).exists()


@pytest.fixture
def display_problem(db):
    return Problem.objects.get(code="OD-001")


@pytest.mark.req("PRB-01")
def test_a_link_with_problems_on_it_is_not_deleted(client_as, display_problem):
    node = display_problem.node
    assert node is not None
    response = client_as("mgmt").post(reverse("chains:chainnode_delete", args=[node.pk]))
    assert response.status_code == 302
    assert ChainNode.objects.filter(pk=node.pk).exists()
    assert Problem.objects.get(pk=display_problem.pk).node_id == node.pk


@pytest.mark.req("PRB-05")
@pytest.mark.req("PLT-03")
def test_deleting_a_problem_records_the_ended_relation_on_each_related_problem(client_as, persona):
    """The relation rows go with the deleted problem, with no save of the problems it was related
    to: each of them records that its relation to the deleted problem (by code and name) was
    removed, by whom and when, in the reader's language."""
    import html
    import re

    from django.conf import settings
    from django.utils import timezone

    from zhilian.core.models import AuditAction, AuditEvent

    city = persona("city")
    od4, od8 = Problem.objects.get(code="OD-004"), Problem.objects.get(code="OD-008")
    chain = od4.chain
    doomed = services.problem_save(user=city, problem=Problem(
        code="OD-090", name="偏光片贴合气泡（待删）", chain=chain, category="technology", description="气泡率 1.2%",
        reported_on=datetime.date(2026, 3, 1)), related=[od4, od8])
    assert set(od8.related.values_list("code", flat=True)) >= {"OD-090"}
    started = timezone.now()

    response = client_as("city").post(reverse("problems:problem_delete", args=[doomed.pk]))
    assert response.status_code == 302 and not Problem.objects.filter(code="OD-090").exists()

    for other in (od4, od8):
        assert not other.related.filter(code="OD-090").exists()
        record = AuditEvent.objects.filter(content_type__model="problem", object_id=str(other.pk),
                                           action=AuditAction.UPDATE).latest("pk")
        assert record.changes == {"related": {"removed": ["OD-090 偏光片贴合气泡（待删）"], "removed_ids": [doomed.pk]}}
        assert record.actor_id == city.pk and record.timestamp >= started

        client = client_as("city")
        page = client.get(reverse("core:history", args=["problems.problem", other.pk])).content.decode()
        page = html.unescape(re.sub(r"\s+", " ", page))
        assert "− OD-090 偏光片贴合气泡（待删）" in page and "一个关联问题已被删除，关联随之结束。" in page
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        english = html.unescape(client.get(reverse("core:history", args=["problems.problem", other.pk])).content.decode())
        assert "A related problem was deleted, which ended the relation." in english


@pytest.mark.req("PRB-05")
def test_a_deletion_outside_a_request_names_the_user_the_service_was_given(persona):
    from zhilian.core.models import AuditEvent

    mgmt = persona("mgmt")
    od4 = Problem.objects.get(code="OD-004")
    doomed = services.problem_save(user=mgmt, problem=Problem(
        code="OD-091", name="背光漏光（待删）", chain=od4.chain, category="technology", description="漏光",
        reported_on=datetime.date(2026, 3, 1)), related=[od4])
    doomed_pk = doomed.pk
    services.problem_delete(user=mgmt, problem=doomed)
    record = AuditEvent.objects.filter(content_type__model="problem", object_id=str(od4.pk)).latest("pk")
    assert record.changes == {"related": {"removed": ["OD-091 背光漏光（待删）"], "removed_ids": [doomed_pk]}}
    assert record.actor_id == mgmt.pk
