"""A page's relations of many rows prefetched without a queryset made per row (core.prefetch):
each row answers its related rows as Django's prefetch answers them, without a query, and
anything asked beyond them builds the row's own query as Django would."""

import datetime

import pytest
from django.db import connection
from django.db.models import prefetch_related_objects
from django.test.utils import CaptureQueriesContext

from zhilian.core import pagination
from zhilian.core.prefetch import prefetch
from zhilian.directory.models import InstitutionQualification, Organization, ServiceDomain


@pytest.fixture
def institutions(db):
    domains = list(ServiceDomain.objects.all()[:3])
    assert len(domains) == 3
    rows = []
    for i in range(3):
        org = Organization.objects.create(kind="institution", name=f"厦门预取测试检测院{i}", district="思明区")
        org.service_domains.set(domains[: i + 1])
        for n in range(i):
            InstitutionQualification.objects.create(organization=org, kind="CMA", certificate_no=f"ZL-PF-{i}-{n}",
                                                     valid_until=datetime.date(2030, 1, 1))
        rows.append(org)
    return rows


def _answers(rows):
    return [([d.pk for d in row.service_domains.all()], [q.certificate_no for q in row.qualifications.all()],
             row.service_domains.count(), row.qualifications.exists()) for row in rows]


@pytest.mark.req("DIR-01")
def test_rows_answer_their_related_rows_as_djangos_prefetch_does_without_a_query(institutions):
    ours = list(Organization.objects.filter(pk__in=[o.pk for o in institutions]).order_by("pk"))
    django = list(Organization.objects.filter(pk__in=[o.pk for o in institutions]).order_by("pk"))
    with CaptureQueriesContext(connection) as queries:
        prefetch(ours, "service_domains", "qualifications")
    assert len(queries) == 2  # one per relation, for every row at once
    prefetch_related_objects(django, "service_domains", "qualifications")
    with CaptureQueriesContext(connection) as queries:
        answered = _answers(ours)
    assert len(queries) == 0
    assert answered == _answers(django)
    assert [len(a[0]) for a in answered] == [1, 2, 3] and [len(a[1]) for a in answered] == [0, 1, 2]
    # Of the related model's own queryset class, with its methods (restrict …).
    assert isinstance(ours[0].service_domains.all(), type(django[0].service_domains.all()))
    assert hasattr(ours[0].service_domains.all(), "restrict")


@pytest.mark.req("DIR-01")
def test_asking_beyond_the_rows_builds_the_rows_own_query(institutions):
    rows = list(Organization.objects.filter(pk__in=[o.pk for o in institutions]).order_by("pk"))
    prefetch(rows, "service_domains", "qualifications")
    last = rows[-1]
    domains = list(last.service_domains.all())
    assert [d.pk for d in last.service_domains.order_by("-pk")] == sorted((d.pk for d in domains), reverse=True)
    assert list(last.service_domains.filter(pk=domains[0].pk)) == [domains[0]]
    assert list(rows[0].service_domains.exclude(pk=domains[0].pk)) == []  # the first row's, not the last's
    assert last.qualifications.filter(certificate_no="ZL-PF-2-1").count() == 1
    assert rows[0].qualifications.first() is None and last.qualifications.first() is not None


@pytest.mark.req("PLT-09")
def test_an_api_page_makes_no_queryset_per_row(api_as, institutions, monkeypatch):
    """Django's prefetch made the relation's manager and queryset for each row of the page (a
    fifth of an API organization list's Python)."""
    made = []
    for manager in (Organization.qualifications.related_manager_cls, Organization.service_domains.related_manager_cls):
        apply = manager._apply_rel_filters

        def recorded(self, queryset, apply=apply):
            made.append(type(self).__name__)
            return apply(self, queryset)

        monkeypatch.setattr(manager, "_apply_rel_filters", recorded)
    calls = []
    monkeypatch.setattr(pagination, "prefetch", lambda rows, *lookups: calls.append(lookups) or prefetch(rows, *lookups))
    response = api_as("mgmt").get("/api/v1/organizations/?kind=institution&district=思明区&page_size=50")
    assert response.status_code == 200, response.content
    assert made == []
    assert calls and "qualifications" in calls[0]
    names = {row["name"]: row for row in response.json()["results"]}
    for org in institutions:
        assert len(names[org.name]["service_domains"]) == org.service_domains.count()
