"""`make bench-scale`: the growth curve of issue 24, at 1,000 organisations in one database.

Builds SCALE_ORGANISATIONS organisations (default 1,000) by the template clone in a fresh
`<name>_scale` database on the same server (dropped at the end), then measures: creation time
of the first and the last ones, a no-op `migrate_portal` and one new tenant migration over every
schema, the nightly jobs through a real Celery worker, a web worker's memory over requests
spread on every organisation, a consultant's portfolio of every client, the PostgreSQL catalogue
per schema and the cost of a new connection switching schema. Prints each figure and writes
them to bench/results-scale.json (metric name → number).

Not part of `make test`: about 35 minutes on a 2-core machine at 1,000 organisations.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The local settings plus the bench-only tenant app and Celery queue (bench/settings_scale.py).
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_scale"
os.environ.pop("SCALE_APP_MIGRATION", None)
os.environ["DEBUG"] = "False"
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

import psycopg  # noqa: E402

from bench.run import (  # noqa: E402
    _bench_database,
    _data_statements,
    _drop_database,
    _gunicorn,
    _rss_kb,
    _session_cookie,
    timed_organisation_create,
)

RESULTS = ROOT / "bench" / "results-scale.json"
ORGANISATIONS = int(os.environ.get("SCALE_ORGANISATIONS", "1000"))
QUEUE = "bench-scale"  # CELERY_TASK_DEFAULT_QUEUE of bench/settings_scale.py
PER_ORG_TASKS = {
    "indicators.readiness_recompute_task": "readiness",
    "audits.reminders_send_organisation_task": "reminders",
    "surveys.schedule_organisation": "surveys",
}
NIGHTLY_TIMEOUT_S = 45 * 60


def _say(results: dict[str, float], figures: dict[str, float]) -> None:
    """Print each figure as soon as it is measured (a long run shows its progress)."""
    results.update(figures)
    for name, value in figures.items():
        print(f"  {name} = {value}", flush=True)


def _percentile_ms(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000, 2)


def _manage(*args: str, **env: str) -> tuple[float, str]:
    """A manage.py command in its own process, as an operator runs it; seconds and output."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-3000:]
    return elapsed, done.stdout


def bench_creation(count: int) -> dict[str, float]:
    """The template clone, count times; the 10th–19th against the last ten (flat, or not).

    Each on a new connection, as a web request (CONN_MAX_AGE 60 s) or `create_organisation`
    would: one session cloning a thousand schemas keeps every new relation in its caches, and
    its server process grows by about 12 MB per schema.
    """
    from django.db import connection

    durations = []
    for index in range(count):
        connection.close()
        durations.append(timed_organisation_create(f"scale-{index:04d}", f"Organisme {index:04d}"))
        if (index + 1) % 100 == 0:
            window = statistics.median(durations[-10:])
            print(f"  … {index + 1} organisations, last ten {window:.3f} s each", flush=True)
    first = statistics.median(durations[9:19])
    last = statistics.median(durations[-10:])
    return {
        "scale_organisations": count,
        "scale_create_first_s": round(first, 4),
        "scale_create_last_s": round(last, 4),
        "scale_create_growth_ratio": round(last / first, 2),
        "scale_create_total_s": round(sum(durations), 1),
    }


CATALOGUE_SIZE = """
SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'pg_catalog' AND c.relkind = 'r'
"""


def _catalogue_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CATALOGUE_SIZE)
        return int(cursor.fetchone()[0])


def bench_catalogue(before: int, count: int) -> dict[str, float]:
    """What each organisation schema adds to pg_class, pg_attribute, pg_depend, pg_index…"""
    from django.db import connection

    after = _catalogue_bytes()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'template_organisation'"
        )
        relations = cursor.fetchone()[0]
    return {
        "scale_catalogue_mb": round(after / 1024 / 1024, 1),
        "scale_catalogue_bytes_per_schema": round((after - before) / count),
        "scale_relations_per_schema": relations,
    }


def bench_connect_switch(schemas: list[str], runs: int = 50) -> dict[str, float]:
    """A new connection, SET search_path to one organisation, its first query (median, ms);
    then the same with a first read of the users' table, as every signed-in request does.

    Every tenant foreign key to public.accounts_user adds two triggers to that table (38 keys
    per schema today): a new server process reads them all the first time it opens the table.
    """
    from django.conf import settings
    from django.db import connection as django_connection

    database = settings.DATABASES["default"]
    figures = {}
    for name, query in (
        ("scale_connect_switch_ms", "SELECT count(*) FROM evidence_evidenceitem"),
        ("scale_connect_user_ms", "SELECT email FROM accounts_user WHERE id = 0"),
    ):
        durations = []
        for schema in random.Random(24).choices(schemas, k=runs):
            started = time.perf_counter()
            with psycopg.connect(
                host=database["HOST"],
                port=database["PORT"],
                user=database["USER"],
                password=database["PASSWORD"] or None,
                dbname=database["NAME"],
            ) as connection:
                connection.execute(f'SET search_path = "{schema}", public')
                connection.execute(query).fetchall()
            durations.append(time.perf_counter() - started)
        figures[name] = round(statistics.median(durations) * 1000, 2)
    with django_connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'accounts_user'::regclass")
        figures["scale_user_table_triggers"] = cursor.fetchone()[0]
    return figures


def bench_migrations(count: int) -> dict[str, float]:
    """A no-op migrate_portal (and the same forced over every schema, as before the skip),
    then the bench app's one migration applied to every schema."""
    from django.db import connection

    noop_s, output = _manage("migrate_portal", "--verbosity", "1")
    assert f"0 of {count + 1} tenant schemas were behind" in output, output[-2000:]
    forced_s, _output = _manage("migrate_portal", "--all", "--verbosity", "0")
    new_s, output = _manage("migrate_portal", "--verbosity", "1", SCALE_APP_MIGRATION="1")
    assert f"{count + 1} of {count + 1} tenant schemas were behind" in output, output[-2000:]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables t"
            " JOIN public.tenancy_organisation o ON o.schema_name = t.table_schema"
            " WHERE t.table_name = 'scale_app_scaleprobe'"
        )
        migrated = cursor.fetchone()[0]
    assert migrated == count, f"the new table is in {migrated} of {count} schemas"
    return {
        "scale_noop_migrate_s": round(noop_s, 1),
        "scale_noop_migrate_every_schema_s": round(forced_s, 1),
        "scale_migration_all_s": round(new_s, 1),
    }


def _member_everywhere(email: str, organisations) -> object:
    """A referent of every organisation (bulk: membership_add would cost one audit event each)."""
    from django.contrib.auth import get_user_model

    from qualiopi_portal.tenancy.models import Membership, Role

    user = get_user_model().objects.create_user(email, "x", first_name="Banc", last_name="Scale")
    Membership.objects.bulk_create(
        Membership(organisation=organisation, user=user, role=Role.REFERENT)
        for organisation in organisations
    )
    return user


class _Events:
    """Celery task events of the bench's worker: which per-organisation task ran, how often."""

    def __init__(self, app, hostname: str) -> None:
        self.app = app
        self.hostname = hostname
        self.names: dict[str, tuple[str, str]] = {}  # uuid → (task name, args)
        self.succeeded: Counter[tuple[str, str]] = Counter()
        self.finished_at: dict[str, float] = {}  # task name → monotonic time of the last one
        self.failed = 0
        self.receiver = None
        self.ready = threading.Event()
        self.lock = threading.Lock()

    def _received(self, event: dict) -> None:
        if event.get("hostname") == self.hostname:
            with self.lock:
                self.names[event["uuid"]] = (event["name"], event.get("args", ""))

    def _succeeded(self, event: dict) -> None:
        if event.get("hostname") != self.hostname:
            return
        with self.lock:
            task = self.names.get(event["uuid"])
            if task is not None:
                self.succeeded[task] += 1
                self.finished_at[task[0]] = time.monotonic()

    def _failed(self, event: dict) -> None:
        if event.get("hostname") == self.hostname:
            with self.lock:
                self.failed += 1

    def run(self) -> None:
        with self.app.connection() as connection:
            self.receiver = self.app.events.Receiver(
                connection,
                handlers={
                    "task-received": self._received,
                    "task-succeeded": self._succeeded,
                    "task-failed": self._failed,
                },
            )
            self.ready.set()
            self.receiver.capture(limit=None, timeout=None, wakeup=False)

    def done(self, task: str) -> int:
        with self.lock:
            return sum(1 for (name, _args) in self.succeeded if name == task)

    def twice(self) -> set[tuple[str, str]]:
        with self.lock:
            return {task for task, times in self.succeeded.items() if times > 1}


def _worker(run_dir: Path, hostname: str) -> subprocess.Popen:
    log = open(run_dir / "worker.log", "ab")  # noqa: SIM115 - owned by the child
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "qualiopi_portal",
            "worker",
            "--concurrency",
            "2",
            "--pool",
            "prefork",
            "--events",
            "--without-mingle",
            "--without-gossip",
            "--queues",
            QUEUE,
            "--hostname",
            hostname,
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _snapshots_since(schemas: list[str], since) -> Counter[str]:
    """Readiness snapshots stored since `since`, per schema (one UNION ALL per 250 schemas)."""
    from django.db import connection
    from psycopg import sql

    counts: Counter[str] = Counter()
    branch = sql.SQL("SELECT {label}, count(*) FROM {table} WHERE computed_at >= %(since)s")
    with connection.cursor() as cursor:
        for start in range(0, len(schemas), 250):
            statement = sql.SQL(" UNION ALL ").join(
                branch.format(
                    label=sql.Literal(schema),
                    table=sql.Identifier(schema, "indicators_readinesssnapshot"),
                )
                for schema in schemas[start : start + 250]
            )
            cursor.execute(statement.as_string(cursor.connection), {"since": since})
            counts.update(dict(cursor.fetchall()))
    return counts


def bench_nightly(organisations, user, run_dir: Path) -> dict[str, float]:
    """The three nightly fan-outs sent at once to one real worker of 2 processes; timed from
    the enqueue until every organisation's work is done (events and database state)."""
    import redis
    from django.conf import settings
    from django.utils import timezone

    from audits.models import Reminder
    from improvement.models import Action
    from qualiopi_portal.celery import app
    from qualiopi_portal.core.tenants import schema_context
    from qualiopi_portal.tenancy.models import OrganisationReadiness

    count = len(organisations)
    today = timezone.localdate()
    # One action due in 7 days per organisation: each reminders task has one reminder to send.
    for organisation in organisations:
        with schema_context(organisation.schema_name):
            Action.objects.create(
                title="Mettre à jour le livret d'accueil",
                indicator_numbers=[1],
                owner=user,
                created_by=user,
                due_date=today + timedelta(days=7),
            )
    assert 7 in settings.REMINDER_DAYS
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(QUEUE)  # leftovers of a killed run
    hostname = f"bench-scale-{os.getpid()}@localhost"
    events = _Events(app, hostname)
    listener = threading.Thread(target=events.run, daemon=True)
    listener.start()
    events.ready.wait(10)
    worker = _worker(run_dir, hostname)
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[hostname], timeout=1):
            assert time.monotonic() < deadline, "the Celery worker did not start within 60 s"
            assert worker.poll() is None, (run_dir / "worker.log").read_text()[-3000:]
        since = timezone.now()
        started = time.monotonic()
        for name in (
            "indicators.readiness_recompute_all_task",
            "audits.reminders_send_all_task",
            "surveys.schedule_all_task",
        ):
            app.send_task(name)
        schemas = [organisation.schema_name for organisation in organisations]
        while True:
            computed = OrganisationReadiness.objects.filter(
                organisation__in=organisations, computed_at__gte=since
            ).count()
            done = {task: events.done(task) for task in PER_ORG_TASKS}
            if computed == count and all(value >= count for value in done.values()):
                break
            if time.monotonic() > started + NIGHTLY_TIMEOUT_S or worker.poll() is not None:
                raise RuntimeError(f"nightly not done: {computed} computed, {done}")
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        per_job = {
            f"scale_nightly_{label}_s": round(events.finished_at[task] - started, 1)
            for task, label in PER_ORG_TASKS.items()
        }
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        if events.receiver is not None:
            events.receiver.should_stop = True
    snapshots = _snapshots_since(schemas, since)
    reminded = 0
    for schema in schemas:
        with schema_context(schema):
            reminded += Reminder.objects.filter(user=user).count()
    twice = {args for _name, args in events.twice()}
    twice |= {schema for schema, times in snapshots.items() if times > 1}
    assert reminded == count, f"{reminded} reminders for {count} organisations"
    assert events.failed == 0, f"{events.failed} tasks failed (see {run_dir}/worker.log)"
    return {
        "scale_nightly_s": round(elapsed, 1),
        **per_job,
        "scale_nightly_duplicates": len(twice),
    }


def bench_portfolio(organisations, run_dir: Path, requests: int = 40) -> dict[str, float]:
    """A consultancy firm following every client: the cockpit's page 1, a middle page and a
    filtered list against the bare view (/ping) over gunicorn; data queries at 100 clients and
    at all of them (constant, or not)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from qualiopi_portal.tenancy.models import ConsultancyFirm, OrganisationReadiness

    assert OrganisationReadiness.objects.filter(computed_at__isnull=False).count() >= len(
        organisations
    )
    consultant = get_user_model().objects.create_user("scale.cockpit@exemple.test", "x")
    firm = ConsultancyFirm.objects.create(name="Cabinet de la montée en charge", slug="cabinet-mc")
    firm.members.add(consultant)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(consultant)

    def data_queries(url: str) -> int:
        client.get(url)
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return _data_statements(queries)

    firm.clients.add(*organisations[:100])
    at_100 = data_queries("/portefeuille/")
    firm.clients.add(*organisations[100:])
    at_all = data_queries("/portefeuille/")
    count = len(organisations)
    rows = client.get("/portefeuille/").content.decode().count('<th scope="row">')
    paginated = rows < count
    middle = max(1, -(-count // 50) // 2)
    query = f"Organisme {count // 2:04d}"[:-1]  # ten clients: 0500 to 0509 at 1,000
    pages = {
        "ping": ("/ping", ""),
        "page1": ("/portefeuille/", _session_cookie(consultant)),
        "middle": (f"/portefeuille/?page={middle}", _session_cookie(consultant)),
        "filtered": (f"/portefeuille/?q={query.replace(' ', '+')}", _session_cookie(consultant)),
    }
    port, server = _gunicorn(workers=1, timeout=120)
    timings: dict[str, list[float]] = {name: [] for name in pages}
    try:
        for index in range(requests * len(pages)):
            name = list(pages)[index % len(pages)]
            path, cookie = pages[name]
            started = time.perf_counter()
            status = _get(port, path, cookie)
            timings[name].append(time.perf_counter() - started)
            assert status == 200, (name, status)
    finally:
        server.terminate()
        server.wait(timeout=30)
    ping = _percentile_ms(timings["ping"], 0.95)
    results: dict[str, float] = {
        "scale_portfolio_paginated": int(paginated),
        "scale_portfolio_rows_page1": rows,
        "scale_portfolio_ping_p95_ms": ping,
        "scale_portfolio_queries_100": at_100,
        "scale_portfolio_queries_1000": at_all,
    }
    for name in ("page1", "middle", "filtered"):
        p95 = _percentile_ms(timings[name], 0.95)
        results[f"scale_portfolio_1000_{name}_p95_ms"] = p95
        results[f"scale_portfolio_1000_{name}_ratio"] = round(p95 / ping, 1)
    results["scale_portfolio_1000_ratio"] = max(
        results[f"scale_portfolio_1000_{name}_ratio"] for name in ("page1", "middle", "filtered")
    )
    results["scale_portfolio_1000_queries"] = at_all
    return results


def _get(port: int, path: str, cookie: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def bench_web_rss(organisations, user, per_organisation: int = 20) -> dict[str, float]:
    """One gunicorn worker's RSS after per_organisation requests on every organisation's
    dashboard, minus its RSS after one request on each (flat: no per-organisation cache)."""
    per_organisation = int(os.environ.get("SCALE_WEB_REQUESTS_PER_ORGANISATION", per_organisation))
    import psutil

    cookie = _session_cookie(user)
    slugs = [organisation.slug for organisation in organisations]
    port, server = _gunicorn(workers=1, timeout=120)
    timings: list[float] = []
    rss_mb: list[float] = []
    try:
        worker = psutil.Process(server.pid).children()[0].pid
        for slug in slugs:  # warm-up: one request each
            assert _get(port, f"/o/{slug}/", cookie) == 200
        warm = _rss_kb(worker, "VmRSS")
        print(f"  … warm-up done, worker RSS {warm / 1024:.1f} MB", flush=True)
        total = per_organisation * len(slugs)
        for index in range(total):
            slug = slugs[(index * 7919) % len(slugs)]  # a stride: organisations interleaved
            started = time.perf_counter()
            status = _get(port, f"/o/{slug}/", cookie)
            timings.append(time.perf_counter() - started)
            assert status == 200, (slug, status)
            if (index + 1) % (total // 4) == 0:
                rss_mb.append(round(_rss_kb(worker, "VmRSS") / 1024, 1))
                p50 = _percentile_ms(timings, 0.5)
                line = f"{index + 1} requests, worker RSS {rss_mb[-1]} MB, p50 {p50} ms"
                print(f"  … {line}", flush=True)
        end = _rss_kb(worker, "VmRSS")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "scale_web_requests": total,
        "scale_web_p50_ms": _percentile_ms(timings, 0.5),
        "scale_web_p95_ms": _percentile_ms(timings, 0.95),
        "scale_web_rss_warm_mb": round(warm / 1024, 1),
        "scale_web_rss_end_mb": round(end / 1024, 1),
        "scale_web_rss_growth_mb": round((end - warm) / 1024, 1),
    }


def main() -> int:
    wall = time.perf_counter()
    database = _bench_database("scale")
    run_dir = Path(tempfile.mkdtemp(prefix="qualiopi-bench-scale-"))
    os.environ["MEDIA_ROOT"] = str(run_dir / "media")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from qualiopi_portal.tenancy.models import Organisation

    results: dict[str, float] = {}
    try:
        print(f"database {database}, {ORGANISATIONS} organisations, logs in {run_dir}")
        call_command("migrate_portal", verbosity=0, stdout=io.StringIO())
        call_command("referential", "load", verbosity=0, stdout=io.StringIO())
        before = _catalogue_bytes()
        steps = time.perf_counter()
        print("creation (template clone)", flush=True)
        _say(results, bench_creation(ORGANISATIONS))
        organisations = list(Organisation.objects.filter(slug__startswith="scale-").order_by("pk"))
        schemas = [organisation.schema_name for organisation in organisations]
        print("catalogue and connections", flush=True)
        _say(results, bench_catalogue(before, ORGANISATIONS))
        _say(results, bench_connect_switch(schemas))
        print("migrations", flush=True)
        _say(results, bench_migrations(ORGANISATIONS))
        user = _member_everywhere("scale@exemple.test", organisations)
        print("nightly jobs (Celery worker, 2 processes)", flush=True)
        _say(results, bench_nightly(organisations, user, run_dir))
        print("portfolio (gunicorn, 1 worker)", flush=True)
        _say(results, bench_portfolio(organisations, run_dir))
        print("web worker memory (gunicorn, 1 worker)", flush=True)
        _say(results, bench_web_rss(organisations, user))
        results["scale_steps_s"] = round(time.perf_counter() - steps, 1)
        results["scale_total_s"] = round(time.perf_counter() - wall, 1)
    finally:
        # What was measured is kept even when a later step fails (a run takes half an hour).
        connection.close()
        kept = bool(os.environ.get("SCALE_KEEP_DATABASE"))
        if not kept:
            _drop_database(database)
        if results:
            previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
            previous.update(results)
            RESULTS.write_text(json.dumps(previous, indent=2, sort_keys=True) + "\n")
            width = max(len(name) for name in results)
            for name, value in results.items():
                print(f"{name:{width}}  {value}")
        state = "kept" if kept else "dropped"
        print(f"(database {database} {state}; written to {RESULTS.relative_to(ROOT)})")
        import shutil

        shutil.rmtree(run_dir / "media", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
