"""`make bench`: measures the figures the issues set as targets; prints them and writes them to
bench/results.json (one JSON object, metric name → number).

Runs against a dedicated database `<name>_bench` on the same server (embedded unless
DATABASE_URL is set), created afresh and dropped at the end.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualiopi_portal.settings.local")
os.environ["DEBUG"] = "False"

import environ  # noqa: E402
import psycopg  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"


def _bench_database() -> str:
    """Point DATABASE_URL at a fresh <name>_bench database before Django starts."""
    # Not imported from the settings: importing them now would freeze DATABASES before the
    # bench database is set below.
    embedded = (
        f"postgres://postgres@127.0.0.1:{os.environ.get('EMBEDDED_PG_PORT', '54329')}/qualiopi"
    )
    config = environ.Env.db_url_config(os.environ.get("DATABASE_URL", embedded))
    name = f"{config['NAME']}_bench"
    with psycopg.connect(
        host=config["HOST"],
        port=config["PORT"],
        user=config["USER"],
        password=config.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    os.environ["DATABASE_URL"] = (
        f"postgres://{config['USER']}{password}@{config['HOST']}:{config['PORT']}/{name}"
    )
    return name


def bench_organisation_creation(runs: int = 15) -> dict[str, float]:
    from qualiopi_portal.tenancy import services

    durations = []
    for index in range(runs):
        started = time.perf_counter()
        services.organisation_create(
            slug=f"bench-{index}",
            name=f"Organisme {index}",
            siret="73282932000074",
            nda="11755555575",
            categories=["AF"],
        )
        durations.append(time.perf_counter() - started)
    return {
        "org_create_clone_s_median": round(statistics.median(durations), 4),
        "org_create_clone_s_max": round(max(durations), 4),
    }


def bench_routing(iterations: int = 2000) -> dict[str, float]:
    """What TenantSubfolderMiddleware's clear_url_caches() would cost on every request."""
    from django.urls import clear_url_caches, resolve

    path = "/o/bench-1/membres/"
    resolve(path)
    started = time.perf_counter()
    for _ in range(iterations):
        resolve(path)
    warm = (time.perf_counter() - started) / iterations
    started = time.perf_counter()
    for _ in range(iterations):
        clear_url_caches()
        resolve(path)
    cold = (time.perf_counter() - started) / iterations
    return {
        "routing_resolve_us": round(warm * 1e6, 1),
        "routing_resolve_after_cache_clear_us": round(cold * 1e6, 1),
    }


def bench_dashboard(requests: int = 200) -> dict[str, float]:
    """Server time of an organisation dashboard (test client, in process)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from qualiopi_portal.tenancy import services
    from qualiopi_portal.tenancy.models import Organisation, Role

    user = get_user_model().objects.create_user("bench@exemple.test", "x")
    organisation = Organisation.objects.get(slug="bench-0")
    services.membership_add(organisation=organisation, user=user, role=Role.REFERENT)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    client.get("/o/bench-0/")
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/o/bench-0/")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/o/bench-0/")
    timings.sort()
    return {
        "dashboard_p50_ms": round(timings[len(timings) // 2] * 1000, 2),
        "dashboard_p95_ms": round(timings[int(len(timings) * 0.95)] * 1000, 2),
        "dashboard_queries": len(queries),
    }


def main() -> int:
    database = _bench_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate_portal", verbosity=0)
    results = {}
    results.update(bench_organisation_creation())
    results.update(bench_routing())
    results.update(bench_dashboard())
    connection.close()

    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous.update(results)
    RESULTS.write_text(json.dumps(previous, indent=2, sort_keys=True) + "\n")
    width = max(len(name) for name in results)
    for name, value in results.items():
        print(f"{name:{width}}  {value}")
    print(f"(database {database}; written to {RESULTS.relative_to(ROOT)})")
    environ_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(environ_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
