"""Django's Redis cache backend, with one Redis client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` around the pool for every
operation, and redis-py's constructor copies its table of some 150 response callbacks each
time: 0.05 ms of CPU, half of a ``get``. A signed-in page reads its session and, when it is
computed, reads, claims, keeps and releases its kept result (``core.resultcache``): five such
clients a page. A ``redis.Redis`` is safe to share between threads (it takes a connection
from the pool for each command), so one is made per pool and reused.
"""

from django.core.cache.backends.redis import RedisCache as _DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _SharedClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)  # Django's choice of server and its pool
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(_DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedClient

    # A kept result computed afresh (``core.resultcache``) read the shared cache, then claimed
    # the computation, kept the result and released the claim: four round trips to Redis, each
    # about 0.17 ms of a worker's CPU (a tenth of a searched list page). These do it in two.

    # GET the result; if there is none, SET the claim if nobody holds it: one round trip, and
    # no claim taken (nor to release) when the result is there.
    _GET_OR_ADD = """
local value = redis.call('GET', KEYS[1])
if value then return {1, value} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2]) then return {0, 1} end
return {0, 0}
"""

    def get_or_add(self, key, add_key, add_value, timeout: int, version=None):
        """``get(key)`` and, when it finds nothing, ``add(add_key, add_value, timeout)``, in one
        round trip: (the value or None, whether ``add_key`` was added; False when found)."""
        key = self.make_and_validate_key(key, version=version)
        add_key = self.make_and_validate_key(add_key, version=version)
        client = self._cache.get_client(key, write=True)
        script = self.__dict__.get("_get_or_add_script")
        if script is None:
            script = self._get_or_add_script = client.register_script(self._GET_OR_ADD)
        serializer = self._cache._serializer
        found, value = script(keys=[key, add_key], client=client,
                              args=[serializer.dumps(add_value), max(1, self.get_backend_timeout(timeout))])
        return (serializer.loads(value), False) if found else (None, bool(value))

    def set_and_delete(self, key, value, timeout, delete_key, version=None) -> None:
        """``set(key, value, timeout)`` then ``delete(delete_key)``, in one round trip, in that
        order (a peer waiting for ``delete_key`` to go finds ``key`` set)."""
        key = self.make_and_validate_key(key, version=version)
        delete_key = self.make_and_validate_key(delete_key, version=version)
        pipeline = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipeline.set(key, self._cache._serializer.dumps(value), ex=max(1, self.get_backend_timeout(timeout)))
        pipeline.delete(delete_key)
        pipeline.execute()
