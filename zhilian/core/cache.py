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
