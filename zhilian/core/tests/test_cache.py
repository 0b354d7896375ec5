"""The Redis cache backend (core.cache) makes one Redis client per pool and answers as Django's."""

import socket
import threading
import uuid

import pytest

from zhilian.core.cache import RedisCache

REDIS = ("127.0.0.1", 6379)


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="no Redis server on 127.0.0.1:6379")


@pytest.fixture
def cache():
    backend = RedisCache(f"redis://{REDIS[0]}:{REDIS[1]}/9", {"KEY_PREFIX": f"zl-test-{uuid.uuid4().hex}"})
    yield backend
    backend.clear()


def test_every_operation_goes_through_one_client_and_answers_as_djangos_backend(cache):
    assert cache.get("missing") is None
    assert cache.add("claim", 1, timeout=5) is True
    assert cache.add("claim", 1, timeout=5) is False  # the claim is taken: a shared cache's single flight
    cache.set("page", {"content": "成果列表", "size": 3}, timeout=60)
    assert cache.get("page") == {"content": "成果列表", "size": 3}
    cache.delete("claim")
    assert cache.get("claim") is None
    cache.set_many({"a": 1, "b": "二"})
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": "二"}
    assert cache.incr("a") == 2
    clients = {id(cache._cache.get_client(write=write)) for write in (True, False)}
    assert len(clients) == 1  # one server: one pool, one client for reads and writes

    # Threads share it (a redis.Redis takes a connection from the pool for each command).
    errors = []

    def work(n):
        try:
            for i in range(50):
                cache.set(f"t{n}-{i}", i)
                assert cache.get(f"t{n}-{i}") == i
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {id(cache._cache.get_client(write=True))} == clients


def test_a_read_claims_what_it_does_not_find_and_a_write_releases_a_claim_in_one_round_trip(cache):
    value, added = cache.get_or_add("page", "page:claim", 1, timeout=5)
    assert (value, added) == (None, True)
    assert cache.get("page:claim") == 1
    client = cache._cache.get_client(write=True)
    assert 0 < client.ttl(cache.make_key("page:claim")) <= 5  # a claim lapses should its holder die
    assert cache.get_or_add("page", "page:claim", 1, timeout=5) == (None, False)  # held by another
    cache.set_and_delete("page", {"content": "问题清单"}, 60, "page:claim")
    assert cache.get("page") == {"content": "问题清单"} and cache.get("page:claim") is None
    assert 50 < client.ttl(cache.make_key("page")) <= 60
    # Found: no claim taken.
    assert cache.get_or_add("page", "page:claim", 1, timeout=5) == ({"content": "问题清单"}, False)
    assert cache.get("page:claim") is None
    # What Django's own operations keep, it reads, and the other way round.
    cache.set("other", ["成果", 2])
    assert cache.get_or_add("other", "other:claim", 1, timeout=5) == (["成果", 2], False)
