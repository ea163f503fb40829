"""A Redis cache that turns an unreachable Redis into cache misses instead of errors."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)


class ResilientRedisCache(RedisCache):
    """The web keeps answering when Redis is down: reads miss, writes are skipped.

    `add` fails open (reports the key as added): allauth's rate limiter takes a lock with `add`
    and would otherwise refuse every login with 429 while Redis is away. Throttling then has
    no memory until Redis is back; each skipped call is logged.
    """

    def _guard(self, name: str, default: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(super(), name)(*args, **kwargs)
        except _REDIS_DOWN as error:
            logger.warning("cache %s skipped, Redis unreachable: %s", name, error)
            return default

    def get(self, *args: Any, **kwargs: Any) -> Any:
        default = kwargs.get("default", args[1] if len(args) > 1 else None)
        return self._guard("get", default, *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        self._guard("set", None, *args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._guard("add", True, *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._guard("delete", False, *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> dict:
        return self._guard("get_many", {}, *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> list:
        return self._guard("set_many", [], *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> int:
        try:
            return super().incr(*args, **kwargs)
        except _REDIS_DOWN as error:
            logger.warning("cache incr skipped, Redis unreachable: %s", error)
            return 0
