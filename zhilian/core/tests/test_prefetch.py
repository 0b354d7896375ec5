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


@pytest.mark.req("PLT-09")
def test_on_postgresql_each_relation_is_read_by_a_statement_written_once(institutions, monkeypatch):
    """The relation's rows for a page are read by a statement kept per relation with the page's
    keys as one array: other pages write nothing more, answer what Django's prefetch answers,
    and a certificate knows its institution without a query."""
    if connection.vendor != "postgresql":
        pytest.skip("kept statements with arrays are PostgreSQL's")
    from zhilian.core import keptsql

    written = []
    real = keptsql.written
    monkeypatch.setattr(keptsql, "written", lambda build, stand_ins: written.append(1) or real(build, stand_ins))
    keptsql.clear()
    pages = [[institutions[0], institutions[2]], [institutions[1]], institutions]
    for number, page in enumerate(pages):
        ids = [o.pk for o in page]
        ours = list(Organization.objects.filter(pk__in=ids).order_by("pk"))
        django = list(Organization.objects.filter(pk__in=ids).order_by("pk"))
        with CaptureQueriesContext(connection) as queries:
            prefetch(ours, "service_domains", "qualifications")
        assert len(queries) == 2  # one per relation, for every row at once
        assert any("= ANY(" in q["sql"] for q in queries.captured_queries)
        prefetch_related_objects(django, "service_domains", "qualifications")
        assert _answers(ours) == _answers(django)
        with CaptureQueriesContext(connection) as queries:
            owners = [q.organization for row in ours for q in row.qualifications.all()]
        assert len(queries) == 0 and owners == [row for row in ours for _q in row.qualifications.all()]
    assert len(written) == 2  # one statement per relation, for every page


@pytest.mark.req("PLT-02")
@pytest.mark.req("PRB-01")
@pytest.mark.parametrize("username", ["mgmt", "owner"])
def test_kept_prefetches_answer_what_djangos_prefetch_answers_in_each_users_scope(persona, username, monkeypatch):
    """The problem API's prefetches (related problems and concerned enterprises the user may
    see, the assessments newest first) as ``KeptPrefetch``: each row gets the rows Django's
    ``Prefetch`` with the same queryset gives, in its order, within the user's scope; on
    PostgreSQL by one statement per prefetch and scope, written once for every page."""
    from django.db.models import Prefetch

    from zhilian.core import keptsql
    from zhilian.core.prefetch import KeptPrefetch
    from zhilian.problems.models import Problem, ProblemAssessment
    from zhilian.problems.selectors import visible_concerned, visible_related

    user = persona(username)
    problems = list(Problem.objects.order_by("code"))
    assert len(problems) >= 6
    problems[0].related.add(problems[3], problems[5])
    problems[3].concerned_enterprises.add(*Organization.objects.filter(kind="enterprise").order_by("pk")[:3])
    written = []
    real = keptsql.written
    monkeypatch.setattr(keptsql, "written", lambda build, stand_ins: written.append(1) or real(build, stand_ins))
    keptsql.clear()

    def kept():
        return (visible_related(user), visible_concerned(user),
                KeptPrefetch("assessments", kept_as="test.assessments", model=ProblemAssessment,
                             build=lambda rows: rows.select_related("model").order_by("-created_at"), to_attr="newest"))

    def djangos():
        return (Prefetch("related", Problem.objects.restrict(user).order_by("code"), to_attr="visible_related"),
                Prefetch("concerned_enterprises", Organization.objects.restrict(user), to_attr="visible_concerned"),
                Prefetch("assessments", ProblemAssessment.objects.select_related("model").order_by("-created_at"),
                         to_attr="newest"))

    def answers(rows):
        return [([p.pk for p in row.visible_related], [o.pk for o in row.visible_concerned],
                 [(a.pk, a.model_id) for a in row.newest]) for row in rows]

    pages = [problems[:4], problems[4:], problems]
    for page in pages:
        ids = [p.pk for p in page]
        ours = list(Problem.objects.filter(pk__in=ids).order_by("code"))
        theirs = list(Problem.objects.filter(pk__in=ids).order_by("code"))
        with CaptureQueriesContext(connection) as queries:
            prefetch(ours, *kept())
        assert len(queries) == 3 or page is pages[0]  # the first also reads the user's roles and unit
        prefetch_related_objects(theirs, *djangos())
        assert answers(ours) == answers(theirs)
        with CaptureQueriesContext(connection) as queries:
            owners = [a.problem for row in ours for a in row.newest]
        assert len(queries) == 0 and owners == [row for row in ours for _a in row.newest]
    everything = answers(ours)
    assert any(related for related, _c, _a in everything) and any(concerned for _r, concerned, _a in everything)
    assert any(assessed for _r, _c, assessed in everything)
    if connection.vendor == "postgresql":
        assert len(written) == 3  # one statement per prefetch in this scope, for every page
    else:
        assert written == []  # Django's prefetch: arrays are PostgreSQL's


@pytest.mark.req("PLT-02")
def test_a_kept_prefetch_builds_its_queryset_only_when_django_reads_it(persona):
    """Where its statement is kept the lookup's queryset is never built (restricting it for
    every page cost an expert's API problem search a tenth of its Python); Django, which
    reads it on other databases or when the statement cannot be kept, gets the plain one."""
    from zhilian.core.prefetch import KeptPrefetch
    from zhilian.problems.models import Problem
    from zhilian.problems.selectors import visible_related

    user = persona("expert")
    rows = list(Problem.objects.order_by("code")[:5])
    lookup = visible_related(user)
    prefetch(rows, lookup)
    built = lookup.__dict__.get("_zl_queryset") is not None
    assert built == (connection.vendor != "postgresql")
    plain = Problem.objects.restrict(user).order_by("code")
    assert str(lookup.queryset.query) == str(plain.query)
    # A build that slices is not one statement: Django's own prefetch answers it.
    from django.db.models import Prefetch

    rows[0].related.add(*rows[1:4])
    sliced = KeptPrefetch("related", kept_as="test.sliced", model=Problem, user=user,
                          build=lambda problems: problems.order_by("code")[:2], to_attr="first_related")
    ours, theirs = list(Problem.objects.order_by("code")[:5]), list(Problem.objects.order_by("code")[:5])
    prefetch(ours, sliced)
    prefetch_related_objects(theirs, Prefetch("related", plain[:2], to_attr="first_related"))
    assert [[p.pk for p in row.first_related] for row in ours] == [[p.pk for p in row.first_related] for row in theirs]
    assert len(ours[0].first_related) == 2
