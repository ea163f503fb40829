import pytest
from django.core.cache import cache
from django.test import override_settings

from qualiopi_portal.core import heartbeat
from qualiopi_portal.core.cache import ResilientRedisCache

pytestmark = pytest.mark.django_db

CLOSED_PORT_URL = "redis://127.0.0.1:9/0"  # discard port: nothing listens there


@pytest.fixture
def no_heartbeats():
    client = heartbeat._client()
    client.delete(heartbeat.WORKER_KEY, heartbeat.SCHEDULER_KEY)
    yield
    client.delete(heartbeat.WORKER_KEY, heartbeat.SCHEDULER_KEY)


def test_health_without_worker_is_degraded_but_up(client, no_heartbeats):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "redis": "ok",
        "worker": "absent",
        "scheduler": "absent",
    }
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_with_fresh_heartbeats_is_ok(client, no_heartbeats):
    heartbeat.heartbeat_write(heartbeat.WORKER_KEY)
    heartbeat.heartbeat_write(heartbeat.SCHEDULER_KEY)
    assert client.get("/healthz").json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "worker": "ok",
        "scheduler": "ok",
    }


@override_settings(WORKER_HEARTBEAT_MAX_AGE_S=0)
def test_stale_heartbeat_counts_as_absent(client, no_heartbeats):
    heartbeat.heartbeat_write(heartbeat.WORKER_KEY)
    assert client.get("/healthz").json()["worker"] == "absent"


def test_health_when_redis_is_down(client, settings):
    settings.REDIS_URL = CLOSED_PORT_URL
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "redis": "unavailable",
        "worker": "unknown",
        "scheduler": "unknown",
    }


def test_scheduled_heartbeat_task_marks_the_scheduler(no_heartbeats):
    from qualiopi_portal.core.tasks import worker_heartbeat_task

    worker_heartbeat_task.delay()
    assert heartbeat.heartbeat_age_seconds(heartbeat.SCHEDULER_KEY) < 5


def test_cache_degrades_to_misses_when_redis_is_down():
    down = ResilientRedisCache(
        CLOSED_PORT_URL, {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
    )
    assert down.get("clé", "défaut") == "défaut"
    assert down.set("clé", 1) is None
    assert down.add("clé", 1) is True  # fails open: a lock must not block logins
    assert down.get_many(["a", "b"]) == {}
    assert down.incr("compteur") == 0


def test_cache_works_when_redis_is_up():
    cache.set("clé", {"valeur": 1})
    assert cache.get("clé") == {"valeur": 1}


def test_login_page_still_answers_when_redis_is_down(client, world, settings):
    # Overriding CACHES rebuilds the cache handlers (Django's setting_changed signal).
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": CLOSED_PORT_URL}}
    response = client.post(
        "/accounts/login/", {"login": "referent.a@exemple.test", "password": "faux"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "L’adresse e-mail ou le mot de passe sont incorrects."
    ]
