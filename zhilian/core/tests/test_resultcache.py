"""Kept results (core.resultcache) are never served after the data under them changed."""

import pytest
from django.db import connection, transaction

from zhilian.core import resultcache, versions
from zhilian.directory.models import Organization


def _names(queryset):
    return sorted(queryset.values_list("name", flat=True))


def _count_kept(key, queryset):
    calls = []

    def compute():
        calls.append(1)
        return _names(queryset)

    return resultcache.cached("test", key, compute), len(calls)


def test_a_result_is_computed_once_and_again_after_any_write_to_a_table_it_read(db):
    queryset = Organization.objects.filter(kind="enterprise", district="翔安区")
    first, computed = _count_kept(("a",), queryset)
    assert computed == 1
    again, computed = _count_kept(("a",), queryset)
    assert (again, computed) == (first, 0)
    # An ORM save, a queryset update and raw SQL each change the table's version.
    org = Organization.objects.filter(kind="enterprise", district="翔安区").first()
    org.name = "厦门新名称显示有限公司"
    org.save()
    after_save, computed = _count_kept(("a",), queryset)
    assert computed == 1 and "厦门新名称显示有限公司" in after_save
    Organization.objects.filter(pk=org.pk).update(name="厦门再改名显示有限公司")
    after_update, computed = _count_kept(("a",), queryset)
    assert computed == 1 and "厦门再改名显示有限公司" in after_update
    with connection.cursor() as cursor:
        cursor.execute("UPDATE directory_organization SET name = %s WHERE id = %s", ["厦门原始SQL有限公司", org.pk])
    after_sql, computed = _count_kept(("a",), queryset)
    assert computed == 1 and "厦门原始SQL有限公司" in after_sql


def test_a_write_to_a_table_the_result_did_not_read_keeps_it(db):
    from zhilian.directory.models import Expert

    queryset = Organization.objects.filter(kind="institution")
    _count_kept(("b",), queryset)
    expert = Expert.objects.first()
    expert.title = "正高级工程师"
    expert.save()
    assert _count_kept(("b",), queryset)[1] == 0


def test_a_result_over_a_lazily_loaded_relation_depends_on_that_table_too(db):
    from zhilian.directory.models import TestingCapability

    def compute():
        # The institution's name comes from a second query, not from the capability query.
        return [c.institution.name for c in TestingCapability.objects.order_by("pk")[:3]]

    first = resultcache.cached("test", ("c",), compute)
    capability = TestingCapability.objects.order_by("pk").first()
    Organization.objects.filter(pk=capability.institution_id).update(name="厦门改名检测院")
    assert resultcache.cached("test", ("c",), compute)[0] == "厦门改名检测院" != first[0]


def test_an_outer_result_depends_on_the_tables_of_a_kept_inner_one(db):
    inner_qs = Organization.objects.filter(kind="industry_org")

    def inner():
        return _names(inner_qs)

    def outer():
        return ["outer"] + resultcache.cached("test", ("inner",), inner)

    resultcache.cached("test", ("inner",), inner)  # kept first: the outer call only reads it
    first = resultcache.cached("test", ("outer",), outer)
    Organization.objects.filter(kind="industry_org").update(name="厦门某行业协会")
    assert resultcache.cached("test", ("outer",), outer) != first


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_versions_move_when_the_transaction_commits_and_not_before():
    # Not on the demo data. Serialized rollback as every transactional test here: a flush that
    # ran the post-migrate handlers made the roles again under new ids, and the next test's
    # restore of the migrated database then failed (UNIQUE auth_group.name).
    org = Organization.objects.create(kind="enterprise", name="厦门事务测试有限公司", province="福建省", city="厦门市")
    before = versions.current(["directory_organization"])
    with transaction.atomic():
        Organization.objects.filter(pk=org.pk).update(name="厦门事务中公司")
        # Inside the transaction: no kept result is used or made for that table.
        assert versions.current(["directory_organization"]) is None
        assert resultcache.cached("test", ("d",), lambda: "computed") == "computed"
        assert resultcache.cached("test", ("d",), lambda: "again") == "again"
    after = versions.current(["directory_organization"])
    assert after is not None and after != before
    with pytest.raises(RuntimeError), transaction.atomic():
        Organization.objects.filter(pk=org.pk).update(name="厦门回滚公司")
        raise RuntimeError
    assert versions.current(["directory_organization"]) == after  # nothing committed, nothing moved


def _table_part(response):
    html = response.content.decode()
    return html[html.index('id="object-list"'):html.index("<footer")]


@pytest.mark.req("PLT-02")
def test_a_kept_list_page_is_not_shown_to_a_user_whose_scope_changed(client_as, persona):
    # The commissioner sees the enterprises of the districts served (翔安区, 同安区); the page
    # is kept. Serving 海沧区 too changes the scope, and with it the page.
    from zhilian.directory.models import ServiceCommissioner

    Organization.objects.create(kind="enterprise", name="厦门海沧测试精工有限公司", province="福建省", city="厦门市",
                                district="海沧区")
    client = client_as("commissioner")
    url = "/directory/organizations/?q=%E6%B5%B7%E6%B2%A7%E6%B5%8B%E8%AF%95%E7%B2%BE%E5%B7%A5"  # 海沧测试精工
    assert "厦门海沧测试精工有限公司" not in _table_part(client.get(url))
    commissioner = ServiceCommissioner.objects.get(user=persona("commissioner"))
    commissioner.districts = commissioner.districts + ",海沧区"
    commissioner.save()
    assert "厦门海沧测试精工有限公司" in _table_part(client.get(url))
    commissioner.districts = commissioner.districts.replace(",海沧区", "")
    commissioner.save()
    assert "厦门海沧测试精工有限公司" not in _table_part(client.get(url))


def test_a_kept_list_page_follows_a_new_row(client_as):
    client = client_as("mgmt")
    url = "/directory/organizations/?q=%E9%B9%AD%E5%B2%9B%E6%96%B0%E5%BB%BA"  # 鹭岛新建
    assert "厦门鹭岛新建科技有限公司" not in client.get(url).content.decode()
    Organization.objects.create(kind="enterprise", name="厦门鹭岛新建科技有限公司", province="福建省", city="厦门市",
                                district="思明区")
    assert "厦门鹭岛新建科技有限公司" in client.get(url).content.decode()


def test_a_kept_api_list_follows_changes_and_full_numbers_are_audited_every_time(api_as):
    from zhilian.core.models import AuditAction, AuditEvent

    api = api_as("city")
    url = "/api/v1/organizations/?q=%E9%B9%AD%E5%B2%9B%E6%96%B0%E5%BB%BA"  # 鹭岛新建
    assert api.get(url).json()["count"] == 0
    assert api.get(url).json()["count"] == 0
    Organization.objects.create(kind="enterprise", name="厦门鹭岛新建科技有限公司", province="福建省", city="厦门市",
                                district="思明区", contact_phone="13812345678")
    body = api.get(url).json()
    assert body["count"] == 1 and body["results"][0]["contact_phone"] == "138****5678"
    audited = AuditEvent.objects.filter(action=AuditAction.UNMASK).count()
    for _ in range(2):
        assert api.get(url + "&unmask=1").json()["results"][0]["contact_phone"] == "13812345678"
    assert AuditEvent.objects.filter(action=AuditAction.UNMASK).count() == audited + 2


@pytest.mark.req("PLT-08")
def test_kept_search_answers_follow_the_data_and_stay_per_user(client_as, api_as):
    site, api = client_as("mgmt"), api_as("mgmt")
    page_url, api_url = "/search/?q=%E9%B9%AD%E5%B2%9B%E6%96%B0%E5%BB%BA", "/api/v1/search/?q=%E9%B9%AD%E5%B2%9B%E6%96%B0%E5%BB%BA"
    assert "厦门鹭岛新建科技有限公司" not in site.get(page_url).content.decode()
    assert api.get(api_url).json()["results"] == []
    Organization.objects.create(kind="enterprise", name="厦门鹭岛新建科技有限公司", province="福建省", city="厦门市",
                                district="思明区")
    assert "厦门鹭岛新建科技有限公司" in site.get(page_url).content.decode()
    assert api.get(api_url).json()["results"][0]["hits"][0]["title"] == "厦门鹭岛新建科技有限公司"
    # A consumer may not see enterprises: the page kept for mgmt is not the consumer's.
    assert "厦门鹭岛新建科技有限公司" not in client_as("consumer").get(page_url).content.decode()


def test_a_result_kept_in_the_shared_cache_serves_another_process_until_its_tables_change(db, settings):
    # The shared cache (Redis in production) stands in here as a local-memory cache.
    settings.CACHES = {**settings.CACHES, "results": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                      "LOCATION": "shared-results-test"}}
    resultcache._shared_state.clear()
    try:
        queryset = Organization.objects.filter(kind="research")
        first, computed = _count_kept(("shared",), queryset)
        assert computed == 1
        resultcache.clear()  # another process: nothing in its own memory
        assert _count_kept(("shared",), queryset) == (first, 0)
        Organization.objects.filter(kind="research").update(name="厦门某研究院")
        resultcache.clear()
        assert _count_kept(("shared",), queryset)[1] == 1
    finally:
        resultcache._shared_state.clear()


def test_a_request_reads_the_table_versions_once_however_many_kept_results_it_uses(client_as):
    # The account, the bell's count and the page itself are kept results: one reading of the
    # versions checks them all.
    from django.test.utils import CaptureQueriesContext

    client = client_as("mgmt")
    url = "/directory/organizations/?kind=enterprise"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert sum(versions.TABLE in q["sql"] for q in queries.captured_queries) == 1


def test_within_a_request_a_kept_result_follows_the_requests_own_writes(db):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    queryset = Organization.objects.filter(kind="enterprise", district="翔安区")
    # As Django's test client does: a simulated request must not close the test's connection
    # (with CONN_MAX_AGE 0 on PostgreSQL, close_old_connections would).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.send(sender=None)
    try:
        first, computed = _count_kept(("own",), queryset)
        assert _count_kept(("own",), queryset) == (first, 0)  # checked against the request's reading
        org = queryset.first()
        Organization.objects.filter(pk=org.pk).update(name="厦门请求内改名有限公司")
        after, computed = _count_kept(("own",), queryset)
        assert computed == 1 and "厦门请求内改名有限公司" in after
    finally:
        request_finished.send(sender=None)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _bell(response) -> str:
    html = response.content.decode()
    start = html.index('title="通知"') if 'title="通知"' in html else html.index("bi-bell")
    return html[start:html.index("</a>", start)]


@pytest.mark.req("PLT-06")
def test_the_kept_unread_count_follows_new_and_read_notifications(client_as, persona):
    from django.utils import timezone

    from zhilian.core.models import Notification

    client = client_as("district")
    user = persona("district")
    Notification.objects.filter(recipient=user).update(read_at=timezone.now())
    assert "badge" not in _bell(client.get("/"))
    assert "badge" not in _bell(client.get("/"))  # kept
    note = Notification.objects.create(recipient=user, title="新的提醒", key="kept-count-test")
    assert ">1</span>" in _bell(client.get("/"))
    # Another user's new message changes nothing for this one, and is counted for its recipient.
    city = persona("city")
    Notification.objects.filter(recipient=city).update(read_at=timezone.now())
    Notification.objects.create(recipient=city, title="别人的提醒", key="kept-count-test")
    Notification.objects.create(recipient=city, title="别人的提醒二", key="kept-count-test-2")
    assert ">1</span>" in _bell(client.get("/"))
    assert ">2</span>" in _bell(client_as("city").get("/"))
    Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
    assert "badge" not in _bell(client.get("/"))


def _redis_answers() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


_REDIS = pytest.param("redis", marks=pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379"))


@pytest.fixture(params=["locmem", _REDIS])
def shared_cache(request, settings):
    """The shared cache as every worker sees it: Redis (``core.cache.RedisCache``, which reads
    and claims, keeps and releases in one round trip each), and a local-memory cache, which
    every thread of this process sees (any other Django cache: one operation at a time)."""
    import uuid

    if request.param == "redis":
        prefix = f"zl-test-{uuid.uuid4().hex}"  # its own keys: other tests share the database
        results = {"BACKEND": "zhilian.core.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/9",
                   "KEY_PREFIX": prefix}
    else:
        results = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "single-flight-test"}
    settings.CACHES = {**settings.CACHES, "results": results}
    settings.ZHILIAN_RESULT_CACHE_WAIT = 5
    resultcache._shared_state.clear()
    resultcache.clear()
    try:
        yield resultcache._shared()
    finally:
        cache = resultcache._shared()
        if request.param == "redis":
            client = cache._cache.get_client(write=True)
            for key in client.scan_iter(f"{prefix}:*"):
                client.delete(key)
        else:
            cache._cache.clear()
        resultcache._shared_state.clear()
        resultcache.clear()


@pytest.fixture
def redis_round_trips(shared_cache, monkeypatch):
    """How many times the shared Redis cache was sent commands (a pipeline's are sent at once)."""
    from redis.connection import AbstractConnection

    if not hasattr(shared_cache, "get_or_add"):
        pytest.skip("round trips to Redis only")
    sent = []
    original = AbstractConnection.send_packed_command

    def send(self, command, *args, **kwargs):
        sent.append(command)
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", send)
    return sent


def test_a_result_computed_afresh_costs_two_round_trips_to_the_shared_cache_and_a_kept_one_one(
        db, shared_cache, redis_round_trips):
    queryset = Organization.objects.filter(kind="institution")
    _count_kept(("warm",), queryset)  # the first use loads the claiming script into Redis
    redis_round_trips.clear()
    first, computed = _count_kept(("trips",), queryset)
    # Read-or-claim, then keep-and-release: not read, claim, keep, release.
    assert computed == 1 and len(redis_round_trips) == 2
    full_key = ("test", ("trips",))
    assert shared_cache.get(resultcache._claim_key(full_key)) is None
    resultcache.clear()  # another process: nothing in its own memory
    redis_round_trips.clear()
    assert _count_kept(("trips",), queryset) == (first, 0)
    assert len(redis_round_trips) == 1  # read, nothing claimed
    assert shared_cache.get(resultcache._claim_key(full_key)) is None


def _another_process_computes(cache, full_key, raw_entry, after: float):
    """In the background, as another worker holding the claim: keeps ``raw_entry`` (the pickled
    result, or None for a computation that kept nothing) and releases the claim."""
    import threading

    def finish():
        if raw_entry is not None:
            cache.set(resultcache._shared_key(full_key), raw_entry)
        cache.delete(resultcache._claim_key(full_key))

    timer = threading.Timer(after, finish)
    timer.start()
    return timer


def test_a_request_waits_for_the_result_another_process_is_computing_instead_of_computing_it_again(db, shared_cache):
    import time

    queryset = Organization.objects.filter(kind="institution")
    first, computed = _count_kept(("flight",), queryset)
    assert computed == 1
    full_key = ("test", ("flight",))
    raw = shared_cache.get(resultcache._shared_key(full_key))
    assert raw is not None
    # Another worker claimed the key and is computing it; nothing is kept yet.
    shared_cache.delete(resultcache._shared_key(full_key))
    resultcache.clear()
    assert resultcache._claim(full_key) is True
    timer = _another_process_computes(shared_cache, full_key, raw, after=0.3)
    started = time.monotonic()
    value, computed = _count_kept(("flight",), queryset)
    timer.join()
    assert (value, computed) == (first, 0)
    assert time.monotonic() - started >= 0.25


def test_a_waiting_request_computes_the_result_itself_when_the_other_process_kept_none(db, shared_cache):
    queryset = Organization.objects.filter(kind="institution")
    full_key = ("test", ("lapsed",))
    assert resultcache._claim(full_key) is True
    timer = _another_process_computes(shared_cache, full_key, None, after=0.1)
    value, computed = _count_kept(("lapsed",), queryset)
    timer.join()
    assert (value, computed) == (_names(queryset), 1)


def test_a_result_computed_under_older_versions_is_not_taken_from_the_other_process(db, shared_cache):
    queryset = Organization.objects.filter(kind="institution")
    _count_kept(("older",), queryset)
    full_key = ("test", ("older",))
    raw = shared_cache.get(resultcache._shared_key(full_key))
    # The table changed after the other process read it: its result is not this request's.
    Organization.objects.filter(kind="institution").update(name="厦门改名检测研究院")
    resultcache.clear()
    shared_cache.delete(resultcache._shared_key(full_key))
    assert resultcache._claim(full_key) is True
    timer = _another_process_computes(shared_cache, full_key, raw, after=0.1)
    value, computed = _count_kept(("older",), queryset)
    timer.join()
    assert computed == 1 and value == _names(queryset) and "厦门改名检测研究院" in value


def test_the_computing_request_releases_its_claim_whatever_the_computation_did(db, shared_cache):
    queryset = Organization.objects.filter(kind="institution")
    _count_kept(("released",), queryset)
    assert shared_cache.get(resultcache._claim_key(("test", ("released",)))) is None

    def refused():
        raise resultcache.Uncacheable("not kept")

    assert resultcache.cached("test", ("uncacheable",), refused) == "not kept"
    assert shared_cache.get(resultcache._claim_key(("test", ("uncacheable",)))) is None

    def failing():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        resultcache.cached("test", ("failing",), failing)
    assert shared_cache.get(resultcache._claim_key(("test", ("failing",)))) is None
