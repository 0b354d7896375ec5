"""A problem's history names a former reporting unit only to those who may see it (PLT-02, PRB-01).

A foreign key's record keeps the row's name; before it kept the id too, the history named an
enterprise a reader may not see when the problem moved to another unit: 翔光玻璃 (persona
"member") reads a problem its unit reports now, not that 鹭岛显示 ("owner") reported it first.
The unit the problem holds now is on its page for whoever sees it (PRB-01), so it is named.
"""

import datetime
import html
import re

import pytest
from django.urls import reverse

from zhilian.core import audit, context
from zhilian.core.models import AuditAction, AuditEvent
from zhilian.directory.models import Organization
from zhilian.problems import services
from zhilian.problems.models import Problem

HIDDEN = "您无权查看的单位"


def _history(client, problem) -> str:
    response = client.get(reverse("core:history", args=["problems.problem", problem.pk]))
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode())))


@pytest.fixture
def moved(persona):
    """A problem the owner's unit reported, which the city bureau moved to the member's unit."""
    owner, member, city = persona("owner"), persona("member"), persona("city")
    od1 = Problem.objects.get(code="OD-001")
    problem = services.problem_save(user=owner, problem=Problem(
        code="OD-092", name="背板来料翘曲", chain=od1.chain, category="technology", description="翘曲 0.3 mm",
        reported_on=datetime.date(2026, 3, 3)))
    assert problem.reporter_org_id == owner.organization_id
    assert not Organization.objects.restrict(member).filter(pk=owner.organization_id).exists()
    with context.acting_as(city):
        problem = Problem.objects.get(pk=problem.pk)
        problem.reporter_org_id = member.organization_id
        services.problem_save(user=city, problem=problem)
    assert Problem.objects.restrict(member).filter(pk=problem.pk).exists()
    return problem


@pytest.mark.req("PLT-02")
@pytest.mark.req("PRB-01")
def test_a_former_reporting_unit_is_named_only_to_those_who_may_see_it(client_as, persona, moved):
    owner_org, member_org = persona("owner").organization, persona("member").organization
    record = AuditEvent.objects.filter(content_type__model="problem", object_id=str(moved.pk),
                                       changes__has_key="reporter_org").latest("pk")
    assert record.changes["reporter_org"] == {"before": owner_org.name, "before_id": owner_org.pk,
                                              "after": member_org.name, "after_id": member_org.pk}

    page = _history(client_as("member"), moved)
    assert owner_org.name not in page and f"{HIDDEN} → {member_org.name}" in page
    city_page = _history(client_as("city"), moved)
    assert f"{owner_org.name} → {member_org.name}" in city_page and HIDDEN not in city_page


@pytest.mark.req("PLT-02")
@pytest.mark.req("PRB-01")
def test_the_reporting_unit_the_problem_holds_now_is_named(client_as, persona):
    """An expert sees a published chain's problem and its reporting unit on its page, an
    enterprise it may not look up in the directory: the history names it as the page does."""
    expert = persona("expert")
    problem = Problem.objects.restrict(expert).exclude(
        reporter_org__in=Organization.objects.restrict(expert).values("pk")).exclude(reporter_org=None).first()
    assert problem is not None
    page = _history(client_as("expert"), problem)
    assert f"填报单位: {problem.reporter_org.name}" in page and f"填报单位: {HIDDEN}" not in page


@pytest.mark.req("PLT-02")
def test_records_that_kept_the_name_only_hide_a_former_unit_too(client_as, persona, moved):
    """Records written before ids were kept: the unit the problem holds now is found by its
    name; another name is shown only to those who see every organization."""
    owner_org, member_org = persona("owner").organization, persona("member").organization
    audit.write(action=AuditAction.UPDATE, instance=moved, user=persona("city"),
                changes={"reporter_org": {"before": member_org.name, "after": owner_org.name}})
    audit.write(action=AuditAction.UPDATE, instance=moved, user=persona("city"),
                changes={"reporter_org": {"before": owner_org.name, "after": member_org.name}})
    page = _history(client_as("member"), moved)
    assert owner_org.name not in page
    assert f"{member_org.name} → {HIDDEN}" in page and f"{HIDDEN} → {member_org.name}" in page
    assert f"{owner_org.name} → {member_org.name}" in _history(client_as("city"), moved)


@pytest.mark.req("PLT-02")
@pytest.mark.req("PRB-01")
def test_the_problem_page_links_the_reporting_unit_only_for_those_who_may_open_it(client_as, persona):
    """The page names the reporting unit to whoever sees the problem; it links the unit's page
    only for a reader who may open it (the expert's link led to a 404)."""
    expert = persona("expert")
    problem = Problem.objects.restrict(expert).exclude(
        reporter_org__in=Organization.objects.restrict(expert).values("pk")).exclude(reporter_org=None).first()
    assert problem is not None
    unit_url = problem.reporter_org.get_absolute_url()
    page = client_as("expert").get(problem.get_absolute_url()).content.decode()
    assert html.escape(problem.reporter_org.name) in page and f'href="{unit_url}"' not in page
    assert client_as("expert").get(unit_url).status_code == 404
    city_page = client_as("city").get(problem.get_absolute_url()).content.decode()
    assert f'href="{unit_url}"' in city_page
