"""Liveness marks in Redis.

The worker writes its own every 15 s; beat's scheduled task proves that the schedule runs.
"""

from __future__ import annotations

import time

import redis
from django.conf import settings

WORKER_KEY = "qualiopi:heartbeat:worker"
SCHEDULER_KEY = "qualiopi:heartbeat:scheduler"


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)


def heartbeat_write(key: str) -> None:
    _client().set(key, f"{time.time():.3f}", ex=3600)


def heartbeat_age_seconds(key: str) -> float | None:
    """Seconds since the last mark, None when there is none. Raises if Redis is unreachable."""
    value = _client().get(key)
    if value is None:
        return None
    return max(0.0, time.time() - float(value))


def redis_ping() -> bool:
    return bool(_client().ping())
