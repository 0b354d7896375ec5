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
