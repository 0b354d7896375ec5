"""A problem's history names a related problem only to those who may see it (PLT-02, PRB-05).

翔光玻璃 (persona "member") sees OD-001 (it reported it) but not a problem 鹭岛显示 ("owner")
reported that concerns no one else; the city bureau sees every problem.
"""

import datetime
import html
import re

import pytest
from django.conf import settings
from django.urls import reverse

from zhilian.core import audit, context
from zhilian.core.models import AuditAction, AuditEvent
from zhilian.problems import services
from zhilian.problems.models import Problem

HIDDEN = "您无权查看的质量问题"


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def _history(client, problem) -> str:
    return _page(client, reverse("core:history", args=["problems.problem", problem.pk]))


def _relation_records(problem):
    return AuditEvent.objects.filter(content_type__model="problem", object_id=str(problem.pk),
                                     changes__has_key="related").order_by("pk")


@pytest.fixture
def confidential(persona):
    """A problem only its reporter (鹭岛显示) and those who see every problem may see."""
    od1 = Problem.objects.get(code="OD-001")
    problem = services.problem_save(user=persona("owner"), problem=Problem(
        code="OD-090", name="背板供应商良率保密数据", chain=od1.chain, category="technology",
        description="良率 91.2%", reported_on=datetime.date(2026, 3, 1)))
    member = persona("member")
    assert Problem.objects.restrict(member).filter(pk=od1.pk).exists()
    assert not Problem.objects.restrict(member).filter(pk=problem.pk).exists()
    return problem


@pytest.mark.req("PLT-02")
@pytest.mark.req("PRB-05")
def test_the_history_names_a_related_problem_only_to_those_who_may_see_it(client_as, persona, confidential):
    city = persona("city")
    od1 = Problem.objects.get(code="OD-001")
    services.problem_save(user=city, problem=Problem.objects.get(pk=od1.pk),
                          related=[*od1.related.all(), confidential])
    services.problem_save(user=city, problem=Problem.objects.get(pk=od1.pk),
                          related=[p for p in od1.related.all() if p.pk != confidential.pk])
    records = [e.changes["related"] for e in _relation_records(od1)][-2:]

    # The problem page lists the related problems its reader may see (so it did before).
    services.problem_save(user=city, problem=Problem.objects.get(pk=od1.pk),
                          related=[*od1.related.all(), confidential])
    assert "OD-090" not in _page(client_as("member"), od1.get_absolute_url())
    assert "OD-090 背板供应商良率保密数据" in _page(client_as("city"), od1.get_absolute_url())

    page = _history(client_as("member"), od1)
    assert "OD-090" not in page and "背板供应商良率保密数据" not in page
    assert f"+ {HIDDEN}" in page and f"− {HIDDEN}" in page
    assert "OD-008 " in page  # related problems the member may see are still named
    city_page = _history(client_as("city"), od1)
    assert "+ OD-090 背板供应商良率保密数据" in city_page and "− OD-090 背板供应商良率保密数据" in city_page
    assert HIDDEN not in city_page

    english = client_as("member")
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "+ quality problems you may not see" in _history(english, od1)
    # The records keep the names, with the ids the history decides by.
    assert records == [{"added": ["OD-090 背板供应商良率保密数据"], "added_ids": [confidential.pk]},
                       {"removed": ["OD-090 背板供应商良率保密数据"], "removed_ids": [confidential.pk]}]


@pytest.mark.req("PLT-02")
@pytest.mark.req("PRB-05")
def test_a_deleted_related_problem_is_named_only_to_those_who_see_every_problem(client_as, persona, confidential):
    """Who could see the deleted problem while it existed cannot be told afterwards: its code and
    name are shown to those who may see every problem; a member who sees the surviving problem
    (even one that may change it) reads that a related problem was deleted, unnamed."""
    od1 = Problem.objects.get(code="OD-001")
    services.problem_save(user=persona("city"), problem=Problem.objects.get(pk=od1.pk),
                          related=[*od1.related.all(), confidential])
    response = client_as("city").post(reverse("problems:problem_delete", args=[confidential.pk]))
    assert response.status_code == 302 and not Problem.objects.filter(code="OD-090").exists()

    for who in ("member", "mgmt", "city"):
        page = _history(client_as(who), od1)
        assert "一个关联问题已被删除，关联随之结束。" in page
        if who == "member":  # reported OD-001, may change it, never saw OD-090
            assert "OD-090" not in page and "背板供应商良率保密数据" not in page and f"− {HIDDEN}" in page
        else:
            assert "− OD-090 背板供应商良率保密数据" in page and HIDDEN not in page


@pytest.mark.req("PLT-02")
def test_records_written_before_ids_were_kept_hide_the_names_too(client_as, persona, confidential):
    """Relation records written with names only (and the deletion message that named the
    problem) are read by the problem's code; a name no problem has any more is named only to
    those who see every problem."""
    from zhilian.core.i18n import gettext

    od1 = Problem.objects.get(code="OD-001")
    audit.write(action=AuditAction.UPDATE, instance=od1, user=persona("city"),
                changes={"related": {"added": ["OD-090 背板供应商良率保密数据", "OD-008 省外玻璃原片供货周期波动"]}})
    audit.write(action=AuditAction.UPDATE, instance=od1, user=persona("city"),
                changes={"related": {"removed": ["OD-099 早已删除的保密问题"]}},
                message=gettext("Related problem %(problem)s was deleted.") % {"problem": "OD-099 早已删除的保密问题"})

    page = _history(client_as("member"), od1)
    assert "OD-090" not in page and "OD-099" not in page and "早已删除" not in page
    assert f"+ OD-008 省外玻璃原片供货周期波动、{HIDDEN}" in page and f"关联问题 {HIDDEN} 已被删除。" in page
    city_page = _history(client_as("city"), od1)
    assert "OD-090 背板供应商良率保密数据、OD-008" in city_page
    assert "关联问题 OD-099 早已删除的保密问题 已被删除。" in city_page


@pytest.mark.req("PLT-03")
@pytest.mark.req("PRB-05")
def test_relating_two_problems_writes_one_record_on_each(persona, confidential):
    """The relation is symmetrical (one call stores both rows): one record on each problem
    says it was added, one on each that it was removed, whichever end it was changed from."""
    city = persona("city")
    od1 = Problem.objects.get(code="OD-001")
    before = {p.pk: _relation_records(p).count() for p in (od1, confidential)}
    services.problem_save(user=city, problem=Problem.objects.get(pk=od1.pk),
                          related=[*od1.related.all(), confidential])
    assert _relation_records(od1).count() == before[od1.pk] + 1
    assert _relation_records(confidential).count() == before[confidential.pk] + 1
    confidential.related.remove(od1)
    confidential.related.add(od1)
    assert _relation_records(confidential).count() == before[confidential.pk] + 3
    assert _relation_records(od1).count() == before[od1.pk] + 3
    # Removing what is not related records nothing (``remove`` reports the ids it was given).
    od8 = Problem.objects.get(code="OD-008")
    confidential.related.remove(od8)
    assert _relation_records(confidential).count() == before[confidential.pk] + 3
    assert not _relation_records(od8).filter(changes__related__removed_ids=[confidential.pk]).exists()


@pytest.mark.req("PRB-05")
@pytest.mark.req("PLT-03")
@pytest.mark.req("PLT-02")
def test_the_other_problem_records_the_relation_too(client_as, persona, confidential):
    """Relating A to B writes on B's history that A was added, by whom and when, and removing
    it from A that A was removed; B's history names A only to those who may see A."""
    owner, city = persona("owner"), persona("city")
    od1 = services.problem_save(user=persona("member"), problem=Problem(  # the owner may not see it
        code="OD-091", name="玻璃基板来料批次追溯缺失", chain=confidential.chain, category="management",
        description="3 批次无追溯", reported_on=datetime.date(2026, 3, 2)))
    assert not Problem.objects.restrict(owner).filter(pk=od1.pk).exists()
    started = AuditEvent.objects.latest("pk").timestamp
    with context.acting_as(city):  # as a request would
        services.problem_save(user=city, problem=Problem.objects.get(pk=od1.pk),
                              related=[*od1.related.all(), confidential])
        services.problem_save(user=city, problem=Problem.objects.get(pk=od1.pk),
                              related=[p for p in od1.related.all() if p.pk != confidential.pk])
    mirrored = list(_relation_records(confidential))
    assert [e.changes["related"] for e in mirrored] == [
        {"added": [str(od1)], "added_ids": [od1.pk]}, {"removed": [str(od1)], "removed_ids": [od1.pk]}]
    assert all(e.actor_id == city.pk and e.timestamp >= started and e.action == AuditAction.UPDATE for e in mirrored)

    city_page = _history(client_as("city"), confidential)
    assert f"+ {od1}" in city_page and f"− {od1}" in city_page
    # The owner reported the confidential problem and may not see OD-001: it is not named.
    page = _history(client_as("owner"), confidential)
    assert "OD-091" not in page and od1.name not in page
    assert f"+ {HIDDEN}" in page and f"− {HIDDEN}" in page
    # The member sees OD-091 but not the confidential problem, whose history it cannot open.
    assert client_as("member").get(
        reverse("core:history", args=["problems.problem", confidential.pk])).status_code == 404


@pytest.mark.req("PLT-02")
def test_the_audit_log_with_the_names_is_only_for_the_audit_administrator(api_as, client_as):
    """No other copy of a problem's history: the audit log (page, export, API) is the audit
    administrator's, who reads every record as written (SEC-06)."""
    assert api_as("member").get("/api/v1/audit-events/").status_code == 403
    assert client_as("member").get(reverse("core:audit_list")).status_code in (403, 404)
    assert api_as("auditor").get("/api/v1/audit-events/").status_code == 200
