"""Platform-level views."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .heartbeat import SCHEDULER_KEY, WORKER_KEY, heartbeat_age_seconds, redis_ping


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, Redis, worker and scheduler; 503 only when the database is unreachable."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    try:
        redis_ping()
        checks["redis"] = "ok"
        for name, key in (("worker", WORKER_KEY), ("scheduler", SCHEDULER_KEY)):
            age = heartbeat_age_seconds(key)
            fresh = age is not None and age <= settings.WORKER_HEARTBEAT_MAX_AGE_S
            checks[name] = "ok" if fresh else "absent"
    except Exception:
        checks.update(redis="unavailable", worker="unknown", scheduler="unknown")
    healthy = all(value == "ok" for value in checks.values())
    status = 200 if checks["database"] == "ok" else 503
    return JsonResponse({"status": "ok" if healthy else "degraded", **checks}, status=status)


def ping(request: HttpRequest) -> HttpResponse:
    """Liveness without touching any service: for load balancers, and the load test's baseline."""
    return HttpResponse("ok", content_type="text/plain")
