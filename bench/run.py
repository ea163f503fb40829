"""`make bench`: measures the figures the issues set as targets; prints them and writes them to
bench/results.json (one JSON object, metric name → number).

Runs against a dedicated database `<name>_bench` on the same server (embedded unless
DATABASE_URL is set), created afresh and dropped at the end.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualiopi_portal.settings.local")
os.environ["DEBUG"] = "False"

import environ  # noqa: E402
import psycopg  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"


def _bench_database(suffix: str = "bench") -> str:
    """Point DATABASE_URL at a fresh <name>_<suffix> database before Django starts."""
    # Not imported from the settings: importing them now would freeze DATABASES before the
    # bench database is set below.
    embedded = (
        f"postgres://postgres@127.0.0.1:{os.environ.get('EMBEDDED_PG_PORT', '54329')}/qualiopi"
    )
    config = environ.Env.db_url_config(os.environ.get("DATABASE_URL", embedded))
    name = f"{config['NAME']}_{suffix}"
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


def _drop_database(name: str) -> None:
    """Drop the database made by _bench_database (DATABASE_URL points at it)."""
    environ_url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(environ_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed_organisation_create(slug: str, name: str) -> float:
    """Seconds to create one AF organisation by the template clone (bench and bench-scale)."""
    from qualiopi_portal.tenancy import services

    started = time.perf_counter()
    services.organisation_create(
        slug=slug, name=name, siret="73282932000074", nda="11755555575", categories=["AF"]
    )
    return time.perf_counter() - started


def bench_organisation_creation(runs: int = 15) -> dict[str, float]:
    durations = [timed_organisation_create(f"bench-{i}", f"Organisme {i}") for i in range(runs)]
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
    from django.db import connection, reset_queries
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
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        client.get("/o/bench-0/")
    timings.sort()
    return {
        "dashboard_p50_ms": round(timings[len(timings) // 2] * 1000, 2),
        "dashboard_p95_ms": round(timings[int(len(timings) * 0.95)] * 1000, 2),
        "dashboard_queries": _data_statements(queries),
        "dashboard_statements": len(queries),
    }


def _bench_member(slug: str, email: str, role: str):
    from django.contrib.auth import get_user_model

    from qualiopi_portal.tenancy import services
    from qualiopi_portal.tenancy.models import Organisation

    user = get_user_model().objects.create_user(email, "x")
    organisation = Organisation.objects.get(slug=slug)
    services.membership_add(organisation=organisation, user=user, role=role)
    return organisation, user


def bench_evidence_list(items: int = 5000, requests: int = 100) -> dict[str, float]:
    """The evidence register of an organisation holding 5,000 items (test client, in process)."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from evidence.models import EvidenceItem
    from qualiopi_portal.core.tenants import schema_context
    from qualiopi_portal.tenancy.models import Role

    organisation, user = _bench_member("bench-2", "bench.evidence@exemple.test", Role.REFERENT)
    statuses = [s for s, _label in EvidenceItem.Status.choices]
    with schema_context(organisation.schema_name):
        EvidenceItem.objects.bulk_create(
            [
                EvidenceItem(
                    title=f"Preuve {index:05d} — feuille d'émargement",
                    kind="record",
                    indicator_numbers=[1 + index % 32, 1 + (index * 7) % 32],
                    status=statuses[index % len(statuses)],
                    owner=user,
                    created_by=user,
                    concerns=user if index % 3 else None,
                    url="https://www.example.org",
                )
                for index in range(items)
            ],
            batch_size=1000,
        )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = "/o/bench-2/preuves/"
    assert client.get(url).status_code == 200
    timings = []
    for index in range(requests):
        page = 1 + index % 20
        started = time.perf_counter()
        response = client.get(f"{url}?page={page}")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    small = f"{url}?q=Preuve+0000"  # items 00000 to 00009
    assert client.get(small).content.decode().count('<th scope="row">') == 10
    reset_queries()
    with CaptureQueriesContext(connection) as full_page:
        client.get(url)
    with CaptureQueriesContext(connection) as small_page:
        client.get(small)
    timings.sort()
    return {
        "evidence_list_p50_ms": round(timings[len(timings) // 2] * 1000, 2),
        "evidence_list_p95_ms": round(timings[int(len(timings) * 0.95)] * 1000, 2),
        "evidence_list_queries": _data_statements(full_page),
        "evidence_list_queries_10_rows": _data_statements(small_page),
        "evidence_list_statements": len(full_page),
    }


def _data_statements(captured) -> int:
    """Statements that read or write data: django-tenants sends a SET search_path before each
    query (TENANT_LIMIT_SET_CALLS stays off, see ARCHITECTURE.md); those are counted apart."""
    return sum(1 for q in captured.captured_queries if not q["sql"].startswith("SET "))


def bench_readiness(items: int = 5000, actions: int = 200, runs: int = 20) -> dict[str, float]:
    """Recompute one organisation holding 5,000 items, 15,000 indicator links, 200 actions."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from evidence.models import EvidenceItem
    from improvement.models import Action
    from indicators.services import readiness_recompute
    from qualiopi_portal.core.tenants import schema_context
    from qualiopi_portal.tenancy.models import Role

    organisation, user = _bench_member("bench-3", "bench.readiness@exemple.test", Role.REFERENT)
    statuses = [s for s, _label in EvidenceItem.Status.choices]
    today = timezone.localdate()
    with schema_context(organisation.schema_name):
        EvidenceItem.objects.bulk_create(
            [
                EvidenceItem(
                    title=f"Preuve {index:05d}",
                    kind="record",
                    # Three distinct indicators per item: 15,000 links in all.
                    indicator_numbers=[1 + index % 32, 1 + (index + 7) % 32, 1 + (index + 19) % 32],
                    status=statuses[index % len(statuses)],
                    valid_until=today + timedelta(days=(index % 400) - 100),
                    owner=user,
                    created_by=user,
                    url="https://www.example.org",
                )
                for index in range(items)
            ],
            batch_size=1000,
        )
        Action.objects.bulk_create(
            Action(
                title=f"Action {index}",
                indicator_numbers=[1 + index % 32],
                owner=user,
                created_by=user,
                due_date=today + timedelta(days=index - 100),
                status=["todo", "in_progress", "done"][index % 3],
            )
            for index in range(actions)
        )
        links = sum(
            len(n) for n in EvidenceItem.objects.values_list("indicator_numbers", flat=True)
        )
    assert links == 3 * items, links
    readiness_recompute(organisation=organisation)
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        readiness_recompute(organisation=organisation)
        durations.append(time.perf_counter() - started)
    reset_queries()  # a full queries log (DEBUG) would make the capture below come back empty
    with CaptureQueriesContext(connection) as queries:
        readiness_recompute(organisation=organisation)
    durations.sort()
    return {
        "readiness_recompute_ms": round(statistics.median(durations) * 1000, 2),
        "readiness_recompute_ms_max": round(durations[-1] * 1000, 2),
        "readiness_recompute_queries": _data_statements(queries),
        "readiness_recompute_statements": len(queries),
    }


def bench_cockpit(clients: int = 300, requests: int = 50) -> dict[str, float]:
    """The consultant's portfolio with 300 clients, each with a computed readiness (the first
    page of 50; the others cost the same).

    The cockpit reads only public tables (Organisation + OrganisationReadiness), so the extra
    clients are rows without schemas: cloning 300 schemas would only slow the benchmark down.
    """
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from qualiopi_portal.tenancy.models import ConsultancyFirm, Organisation, OrganisationReadiness

    consultant = get_user_model().objects.create_user("bench.cockpit@exemple.test", "x")
    firm = ConsultancyFirm.objects.create(name="Cabinet banc d'essai", slug="cabinet-banc")
    firm.members.add(consultant)
    today = timezone.localdate()
    existing = list(Organisation.objects.filter(slug__startswith="bench-"))
    extra = Organisation.objects.bulk_create(
        Organisation(
            schema_name=f"org_cockpit_{index}",
            slug=f"cockpit-{index}",
            name=f"Client {index:03d}",
            siret="73282932000074",
            nda="11755555575",
            categories=["AF"],
            # Some audits passed or not planned yet: every branch of a row is rendered.
            next_audit_date=today + timedelta(days=index - 20) if index % 10 else None,
        )
        for index in range(clients - len(existing))
    )
    organisations = existing + extra
    firm.clients.add(*organisations)
    statuses = ["ready", "partial", "missing", "not_applicable"]
    OrganisationReadiness.objects.filter(organisation__in=existing).delete()
    OrganisationReadiness.objects.bulk_create(
        OrganisationReadiness(
            organisation=organisation,
            computed_at=timezone.now(),
            overall_percent=float(index % 100),
            outcome=["certifiable", "certifiable_with_minors", "not_certifiable"][index % 3],
            predicted_major=index % 5,
            pending_review=index % 7,
            overdue_actions=index % 4,
            open_findings=index % 3,
            # Falling, rising and flat trends.
            trend=[
                [(today - timedelta(days=d)).isoformat(), float((d, -d, 5)[index % 3])]
                for d in range(30, 0, -1)
            ],
            indicator_statuses={str(n): statuses[(n + index) % 4] for n in range(1, 34)},
        )
        for index, organisation in enumerate(organisations)
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(consultant)
    url = "/portefeuille/?tri=preparation"
    first = client.get(url).content.decode()
    # 50 clients a page, sorted and counted by PostgreSQL.
    assert first.count('<th scope="row">') == 50, first.count('<th scope="row">')
    assert f"{clients} clients" in first
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    # Counted now: the next request's request_started signal empties the queries log.
    data_statements, statements = _data_statements(queries), len(queries)
    grid = []
    for _ in range(10):
        started = time.perf_counter()
        assert client.get("/portefeuille/grille/").status_code == 200
        grid.append(time.perf_counter() - started)
    timings.sort()
    grid.sort()
    return {
        "cockpit_300_ms": round(timings[int(len(timings) * 0.95)] * 1000, 2),
        "cockpit_300_p50_ms": round(timings[len(timings) // 2] * 1000, 2),
        "cockpit_300_queries": data_statements,
        "cockpit_300_statements": statements,
        "cockpit_grid_300_p50_ms": round(grid[len(grid) // 2] * 1000, 2),
    }


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


# What a worker process starts with, before the measured work.
CHILD_SETUP = """
import os, sys, time
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualiopi_portal.settings.local")
import django
django.setup()
"""

REPORT_CHILD = (
    CHILD_SETUP
    + """
from qualiopi_portal.core.tenants import schema_context
from reports.models import Report
from reports.services import report_render
from qualiopi_portal.tenancy.models import Organisation
organisation = Organisation.objects.get(schema_name=sys.argv[1])
with schema_context(organisation.schema_name):
    report = Report.objects.get(pk=int(sys.argv[2]))
    started = time.perf_counter()
    report = report_render(organisation=organisation, report=report)
    elapsed = time.perf_counter() - started
assert report.status == "ready", report.error
with open(sys.argv[3], "w") as out:
    out.write(str(elapsed))
"""
)


def _timed_child(script: str, *args: str) -> tuple[float, float]:
    """Run a worker-like child process; its measured seconds and its peak memory in MB (wait4)."""
    import tempfile

    with tempfile.NamedTemporaryFile("r", suffix=".txt") as out:
        child = subprocess.Popen(
            [sys.executable, "-c", script, *args, out.name], cwd=ROOT, env=os.environ.copy()
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status
        return float(out.read()), usage.ru_maxrss / 1024


def bench_report(items: int = 500) -> dict[str, float]:
    """The readiness PDF of an organisation with all 33 indicators and 500 evidence rows,
    rendered in a separate process like a worker's, whose peak memory is read by wait4."""

    from django.contrib.auth import get_user_model

    from evidence.models import EvidenceItem
    from qualiopi_portal.core.tenants import schema_context
    from qualiopi_portal.tenancy import services
    from reports.models import Report

    user = get_user_model().objects.create_user("bench.report@exemple.test", "x")
    organisation = services.organisation_create(
        slug="bench-report",
        name="Organisme du banc d'essai",
        siret="73282932000074",
        nda="11755555575",
        categories=["AF", "APP"],
        is_certifying=True,
        has_alternance=True,
        has_work_situation=True,
        has_subcontracting=True,
    )
    services.membership_add(organisation=organisation, user=user, role="referent")
    statuses = [s for s, _label in EvidenceItem.Status.choices]
    with schema_context(organisation.schema_name):
        EvidenceItem.objects.bulk_create(
            EvidenceItem(
                title=f"Preuve {index:03d} — compte rendu de l'entretien de positionnement",
                kind="record",
                indicator_numbers=[1 + index % 33],
                status=statuses[index % len(statuses)],
                owner=user,
                created_by=user,
                url="https://www.example.org",
            )
            for index in range(items)
        )
        report = Report.objects.create(kind="readiness", requested_by=user)
    elapsed, peak_mb = _timed_child(REPORT_CHILD, organisation.schema_name, str(report.pk))
    with schema_context(organisation.schema_name):
        report.refresh_from_db()
    return {
        "report_pdf_s": round(elapsed, 2),
        "report_pdf_peak_rss_mb": round(peak_mb, 1),
        "report_pdf_kb": round(report.size / 1024, 1),
    }


PACK_CHILD = (
    CHILD_SETUP
    + """
from qualiopi_portal.core.tenants import schema_context
from indicators.models import ReadinessSnapshot
from reports.pack import build_pack
from indicators.services import readiness_recompute
from qualiopi_portal.tenancy.models import Organisation

def status(field):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field):
                return int(line.split()[1])

organisation = Organisation.objects.get(schema_name=sys.argv[1])
snapshot = readiness_recompute(organisation=organisation)
with schema_context(organisation.schema_name):
    baseline = status("VmRSS:")
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # reset the peak (VmHWM) to the current size
    started = time.perf_counter()
    name, size = build_pack(organisation=organisation, snapshot=snapshot)
    elapsed = time.perf_counter() - started
    peak = status("VmHWM:")
with open(sys.argv[2], "w") as out:
    out.write(f"{elapsed} {(peak - baseline) / 1024} {size}")
"""
)


def bench_evidence_pack(files: int = 500, kb: int = 100) -> dict[str, float]:
    """A pack of 500 validated files (100 KB each): the ZIP is written file by file, so the
    worker's memory should stay flat (peak growth measured in a separate process)."""
    import tempfile

    from django.core.files.base import ContentFile

    from evidence.models import EvidenceItem, EvidenceVersion
    from evidence.storage import evidence_storage
    from qualiopi_portal.core.tenants import schema_context

    organisation, user = _bench_member("bench-5", "bench.pack@exemple.test", "referent")
    payload = os.urandom(kb * 1024)
    # The indicators a plain training provider must prove: every file lands in the pack.
    common = [1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 17, 18, 19, 21, 22, 23, 24, 25, 26, 30, 31, 32]
    with schema_context(organisation.schema_name):
        items = EvidenceItem.objects.bulk_create(
            EvidenceItem(
                title=f"Preuve {index:03d}",
                kind="record",
                indicator_numbers=[common[index % len(common)]],
                status="validated",
                owner=user,
                created_by=user,
                version_count=1,
            )
            for index in range(files)
        )
        versions = []
        for item in items:
            name = evidence_storage.save(
                f"{organisation.schema_name}/evidence/{item.pk}/v1.pdf", ContentFile(payload)
            )
            versions.append(
                EvidenceVersion(
                    item=item,
                    number=1,
                    file=name,
                    original_name=f"preuve-{item.pk}.pdf",
                    size=len(payload),
                    sha256="0" * 64,
                    content_type="application/pdf",
                    type_code="pdf",
                    uploaded_by=user,
                )
            )
        EvidenceVersion.objects.bulk_create(versions)
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as out:
        subprocess.run(
            [sys.executable, "-c", PACK_CHILD, organisation.schema_name, out.name],
            cwd=ROOT,
            env=os.environ.copy(),
            check=True,
        )
        elapsed, growth, size = (float(value) for value in out.read().split())
    return {
        "evidence_pack_s": round(elapsed, 2),
        "evidence_pack_rss_growth_mb": round(growth, 1),
        "evidence_pack_mb": round(size / 1024 / 1024, 1),
        "evidence_pack_files": files,
    }


SHEET_CHILD = (
    CHILD_SETUP
    + """
from qualiopi_portal.core.tenants import schema_context
from learners.services import attendance_sheet_pdf
from qualiopi_portal.tenancy.models import Organisation
from training_offers.models import Session
organisation = Organisation.objects.get(schema_name=sys.argv[1])
with schema_context(organisation.schema_name):
    session = Session.objects.get(pk=int(sys.argv[2]))
    started = time.perf_counter()
    pdf = attendance_sheet_pdf(organisation=organisation, session=session)
    elapsed = time.perf_counter() - started
assert pdf.startswith(b"%PDF"), pdf[:20]
with open(sys.argv[3], "w") as out:
    out.write(str(elapsed))
"""
)


def bench_attendance(learners: int = 20, days: int = 14) -> dict[str, float]:
    """The attendance sheet of a 20-learner, 10-working-day session (20 half-days), rendered
    in a separate process whose peak memory wait4 reads; and the learners × half-days grid's
    queries, which must not grow with the number of learners."""
    from datetime import datetime, timedelta
    from datetime import time as clock

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from learners import selectors as learner_selectors
    from learners import services as learner_services
    from learners.attendance import Schedule
    from qualiopi_portal.core.tenants import schema_context
    from qualiopi_portal.tenancy import services
    from training_offers import services as offer_services

    user = get_user_model().objects.create_user("bench.attendance@exemple.test", "x")
    organisation = services.organisation_create(
        slug="bench-attendance",
        name="Organisme de l'émargement",
        siret="73282932000074",
        nda="11755555575",
        categories=["AF"],
    )
    services.membership_add(organisation=organisation, user=user, role="referent")
    zone = timezone.get_current_timezone()
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 21)
    with schema_context(organisation.schema_name):
        offer = offer_services.offer_save(
            offer=None, saved_by=user, title="Prendre la parole en public", category="AF"
        )

        def session_with(count: int):
            session = offer_services.session_save(
                offer=offer,
                session=None,
                starts_on=monday,
                ends_on=monday + timedelta(days=days - 1),
                enrolled=count,
            )
            enrolments = [
                learner_services.enrolment_create(
                    session=session,
                    actor=user,
                    first_name=f"Prénom{index:03d}",
                    last_name=f"Nom{index:03d}",
                    status="employee",
                )
                for index in range(count)
            ]
            learner_services.slots_plan(session=session, schedule=Schedule())
            return session, enrolments

        session, enrolments = session_with(learners)
        tokens = {e.pk: learner_services.signing_link_create(enrolment=e) for e in enrolments}
        for slot in session.attendance_slots.order_by("day", "half"):
            start = datetime.combine(slot.day, slot.starts_at, tzinfo=zone)
            for index, enrolment in enumerate(enrolments[1:], start=1):
                learner_services.sign(
                    token=tokens[enrolment.pk],
                    slot_pk=slot.pk,
                    signed_name=str(enrolment.learner),
                    consent=True,
                    now=start + timedelta(minutes=index % 7),
                )
            learner_services.slot_close(
                slot=slot,
                actor=user,
                absences={enrolments[0].pk: "absent_justified"},
                now=datetime.combine(slot.day, clock(17, 0), tzinfo=zone),
            )
        slots = session.attendance_slots.count()
        queries = {}
        large = {}
        for count in (learners, 200):
            measured, large_enrolments = (
                (session, enrolments) if count == learners else session_with(count)
            )
            with CaptureQueriesContext(connection) as captured:
                learner_selectors.attendance_grid(measured)
            queries[count] = len(captured)
            large[count] = (measured, large_enrolments)
        # Steps dated for half of the large session's learners: the grid shows both states.
        _big, big_enrolments = large[200]
        learner_services.milestones_record(
            enrolments=big_enrolments[:100],
            kind="positioning",
            done_on=monday - timedelta(days=7),
            actor=user,
            organisation=organisation,
        )
    # The whole journeys page (session, middleware, template) as a referent opens it.
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    page_queries = {}
    for count, (measured, _enrolments) in large.items():
        url = f"/o/{organisation.slug}/sessions/{measured.pk}/parcours/"
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        page_queries[count] = (_data_statements(captured), len(captured))
    elapsed, peak_mb = _timed_child(SHEET_CHILD, organisation.schema_name, str(session.pk))
    return {
        "attendance_sheet_s": round(elapsed, 2),
        "attendance_sheet_peak_rss_mb": round(peak_mb, 1),
        "attendance_sheet_half_days": slots,
        "attendance_grid_queries": queries[learners],
        "attendance_grid_queries_200_learners": queries[200],
        "milestones_grid_queries": page_queries[200][0],
        "milestones_grid_statements": page_queries[200][1],
        "milestones_grid_queries_20_learners": page_queries[learners][0],
    }


def bench_survey_results(sessions: int = 100, per_session: int = 12, requests: int = 40) -> dict:
    """The results page over 10,800 answers (100 ended sessions × 12 respondents × 9 questions
    of the end-of-session questionnaire), against the bare view (/ping) timed in the same run:
    medians, their ratio, and the page's data statements."""
    from datetime import datetime

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.template.defaultfilters import floatformat
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from learners.models import Enrolment, Learner
    from qualiopi_portal.core.tenants import schema_context
    from qualiopi_portal.tenancy import services
    from surveys import services as survey_services
    from surveys.models import Answer, Invitation, Response
    from training_offers import services as offer_services

    user = get_user_model().objects.create_user("bench.surveys@exemple.test", "x")
    organisation = services.organisation_create(
        slug="bench-surveys",
        name="Organisme des enquêtes",
        siret="73282932000074",
        nda="11755555576",
        categories=["AF"],
    )
    services.membership_add(organisation=organisation, user=user, role="referent")
    today = timezone.localdate()
    with schema_context(organisation.schema_name):
        (hot, *_rest) = [
            q for q in survey_services.questionnaires_install() if q.kind == "satisfaction_hot"
        ]
        questions = list(hot.questions.all())
        offer = offer_services.offer_save(
            offer=None, saved_by=user, title="Gérer son temps", category="AF"
        )
        answers = 0
        for index in range(sessions):
            ends = today - timedelta(days=3 + 3 * index)
            session = offer_services.session_save(
                offer=offer,
                session=None,
                starts_on=ends - timedelta(days=1),
                ends_on=ends,
                enrolled=per_session + 2,
                completed=per_session,
                dropouts=2,
            )
            learners = Learner.objects.bulk_create(
                Learner(first_name=f"P{index}-{n}", last_name="Bench", email=f"{index}-{n}@x.fr")
                for n in range(per_session + 2)
            )
            enrolments = Enrolment.objects.bulk_create(
                Enrolment(session=session, learner=learner, status="completed")
                for learner in learners
            )
            answered_at = timezone.make_aware(datetime.combine(ends, datetime.min.time()))
            invitations = Invitation.objects.bulk_create(
                Invitation(
                    questionnaire=hot,
                    session=session,
                    enrolment=enrolment,
                    email=enrolment.learner.email,
                    name="x",
                    token_hash=f"{index:04d}{n:04d}".ljust(64, "0"),
                    expires_at=answered_at + timedelta(days=30),
                    sent_at=answered_at,
                    answered_at=answered_at if n < per_session else None,
                )
                for n, enrolment in enumerate(enrolments)
            )
            responses = Response.objects.bulk_create(
                Response(questionnaire=hot, invitation=invitation, session=session)
                for invitation in invitations[:per_session]
            )
            rows = []
            for n, response in enumerate(responses):
                for question in questions:
                    if question.type in ("scale5", "scale10"):
                        rows.append(Answer(response=response, question=question, number=3 + n % 3))
                    elif question.type == "text":
                        rows.append(Answer(response=response, question=question, text="Bien."))
                    else:
                        code = question.choices[n % len(question.choices)]["code"]
                        rows.append(Answer(response=response, question=question, choices=[code]))
            answers += len(Answer.objects.bulk_create(rows))
            survey_services.session_survey_figures_sync(session)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = f"/o/{organisation.slug}/offres/resultats/"

    def median_ms(path: str) -> float:
        assert client.get(path).status_code == 200
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
        return statistics.median(timings) * 1000

    page_ms, ping_ms = median_ms(url), median_ms("/ping")
    # The floor every signed-in page pays (session, user, access, menus, base template),
    # measured on a page of the same app with nothing to read: an empty contacts list.
    floor_ms = median_ms(f"/o/{organisation.slug}/enquetes/contacts/")
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(lambda: [client.get(url) for _ in range(10)])
        stats = pstats.Stats(profile).sort_stats("cumulative")
        stats.print_callees("_setup")
        stats.sort_stats("tottime").print_stats(25)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    asked, answered = sessions * (per_session + 2), sessions * per_session
    expected = f"{floatformat(100 * answered / asked, 1)} % ({answered} sur {asked})"
    assert expected in page.content.decode(), "response rate not on the page"
    return {
        "survey_results_answers": answers,
        "survey_results_ms_median": round(page_ms, 2),
        "survey_results_ping_ms_median": round(ping_ms, 3),
        "survey_results_ratio": round(page_ms / ping_ms, 1),
        "survey_results_floor_ms_median": round(floor_ms, 2),
        "survey_results_floor_ratio": round(floor_ms / ping_ms, 1),
        "survey_results_queries": _data_statements(captured),
        "survey_results_statements": len(captured),
    }


def _session_cookie(user) -> str:
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def _gunicorn(*, workers: int, timeout: int) -> tuple[int, subprocess.Popen]:
    """gunicorn serving the portal on a free loopback port, returned once it answers /ping."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "qualiopi_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/ping")
            connection.getresponse().read()
            connection.close()
            return port, server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not answer on /ping within 30 s")


def _daily_pages() -> dict[str, tuple[object, str]]:
    """The pages used every day, each with the account that reads it (issue 24's list): the
    evidence-heavy organisation (bench-2, 5,000 proofs), the 20-learner session of
    bench-attendance, the 300-client portfolio."""
    from django.contrib.auth import get_user_model

    from qualiopi_portal.core.tenants import schema_context
    from training_offers.models import Session

    users = get_user_model().objects
    referent = users.get(email="bench.evidence@exemple.test")  # referent of bench-2
    trainer_org = users.get(email="bench.attendance@exemple.test")  # referent there
    consultant = users.get(email="bench.cockpit@exemple.test")  # 300 clients
    with schema_context("org_bench_attendance"):
        session = Session.objects.filter(enrolled=20).order_by("pk").first()
        assert session is not None, "bench_attendance builds a 20-learner session first"
    learners = f"/o/bench-attendance/sessions/{session.pk}"
    return {
        "dashboard": (referent, "/o/bench-2/"),
        "evidence": (referent, "/o/bench-2/preuves/"),
        "actions": (referent, "/o/bench-2/plan-de-progres/"),
        "audits": (referent, "/o/bench-2/audits/"),
        "offers": (referent, "/o/bench-2/offres/"),
        "funding": (referent, "/o/bench-2/financements/"),
        "budget": (referent, "/o/bench-2/financements/budget/"),
        "sessions": (trainer_org, f"/o/bench-attendance/offres/{session.offer_id}/"),
        "learners": (trainer_org, f"{learners}/apprenants/"),
        "attendance": (trainer_org, f"{learners}/emargement/"),
        "cockpit": (consultant, "/portefeuille/"),
    }


def bench_page_queries() -> dict[str, int]:
    """Data statements of every daily page (the SET search_path before each apart), in
    process: `<page>_queries` and the largest, `max_page_queries` (issue 24's budget: 12)."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # The names the issues use for the pages measured before this one (dashboard_queries…).
    metric = {"evidence": "evidence_list", "cockpit": "cockpit_300"}
    results: dict[str, int] = {}
    for name, (user, path) in _daily_pages().items():
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        assert client.get(path).status_code == 200, path
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200, path
        results[f"{metric.get(name, name)}_queries"] = _data_statements(captured)
    results["max_page_queries"] = max(results.values())
    return results


def bench_load(seconds: float = 30.0, clients: int = 8) -> dict[str, float]:
    """Concurrent clients over the daily pages, against gunicorn on loopback.

    As many sync workers as clients: the figures are the pages' own times under concurrency
    (here 8 processes sharing the machine's cores), not a queue's length (with more clients
    than workers, every page, even /ping, waits in line and the ratios mean nothing).

    Each page's p50 and p95 and its ratio to a bare view (/ping, no database) timed in the
    same run; every non-200 answer or failed connection counts as an error.
    """
    import threading

    pages = {"ping": ("/ping", "")}
    cookies: dict[object, str] = {}
    for name, (user, path) in _daily_pages().items():
        if user not in cookies:
            cookies[user] = _session_cookie(user)
        pages[name] = (path, cookies[user])
    port, server = _gunicorn(workers=clients, timeout=60)
    timings: dict[str, list[float]] = {name: [] for name in pages}
    errors = [0]
    lock = threading.Lock()

    def fetch(path: str, cookie: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie} if cookie else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status

    try:
        for path, cookie in pages.values():  # warm every worker's caches (referential…)
            for _ in range(clients):
                fetch(path, cookie)
        deadline = time.monotonic() + seconds
        names = list(pages)

        def client(offset: int) -> None:
            index = offset
            while time.monotonic() < deadline:
                name = names[index % len(names)]
                index += 1
                path, cookie = pages[name]
                started = time.perf_counter()
                try:
                    status = fetch(path, cookie)
                except OSError:
                    status = 0
                elapsed = time.perf_counter() - started
                with lock:
                    if status == 200:
                        timings[name].append(elapsed)
                    else:
                        errors[0] += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)

    def percentile(values: list[float], share: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000

    baseline = percentile(timings["ping"], 0.95)
    results: dict[str, float] = {"load_errors": errors[0], "load_clients": clients}
    for name, values in timings.items():
        if name == "ping":
            results["load_baseline_p95_ms"] = round(baseline, 2)
            continue
        p95 = percentile(values, 0.95)
        results[f"load_{name}_p50_ms"] = round(percentile(values, 0.5), 2)
        results[f"load_{name}_p95_ms"] = round(p95, 2)
        results[f"load_{name}_ratio"] = round(p95 / baseline, 1)
    results["load_max_ratio"] = max(v for k, v in results.items() if k.endswith("_ratio"))
    return results


def bench_signing(signers: int = 50) -> dict[str, float]:
    """50 learners sign the same half-day at once from their personal links (GET the page,
    then POST the signature with its CSRF token), against gunicorn with 2 workers; the bare
    view (/ping) is hit by as many concurrent clients in the same run. Every answer other than
    the redirect after signing counts as an error; the chain must hold afterwards."""
    import re
    import threading
    from datetime import time as clock

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from learners import services as learner_services
    from learners.attendance import Schedule
    from qualiopi_portal.core.tenants import schema_context
    from qualiopi_portal.tenancy.models import Organisation
    from training_offers import services as offer_services

    organisation = Organisation.objects.get(slug="bench-attendance")
    user = get_user_model().objects.get(email="bench.attendance@exemple.test")
    today = timezone.localdate()
    with schema_context(organisation.schema_name):
        offer = offer_services.offer_save(
            offer=None, saved_by=user, title="Accueil des nouveaux arrivants", category="AF"
        )
        session = offer_services.session_save(
            offer=offer, session=None, starts_on=today, ends_on=today, enrolled=signers
        )
        tokens = []
        for index in range(signers):
            enrolment = learner_services.enrolment_create(
                session=session,
                actor=user,
                first_name=f"Signataire{index:02d}",
                last_name="Banc",
                status="employee",
            )
            tokens.append(learner_services.signing_link_create(enrolment=enrolment))
        everyday = Schedule(
            morning=(clock(0, 0), clock(23, 59)), afternoon=None, weekdays=frozenset(range(7))
        )
        (slot,) = learner_services.slots_plan(session=session, schedule=everyday)
    port, server = _gunicorn(workers=2, timeout=60)
    csrf_field = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    def request(method: str, path: str, body: str = "", cookie: str = ""):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Cookie": cookie} if cookie else {}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        content = response.read().decode(errors="replace")
        cookies = [
            value.split(";", 1)[0]
            for header, value in response.getheaders()
            if header.lower() == "set-cookie"
        ]
        connection.close()
        return response.status, content, "; ".join(cookies)

    timings: dict[str, list[float]] = {"sign": [], "ping": []}
    errors = [0]
    lock = threading.Lock()
    try:
        forms = []
        for token in tokens:  # each learner opens their page first, as on a phone
            path = f"/emargement/bench-attendance/{token}/"
            status, content, cookie = request("GET", path)
            assert status == 200, status
            forms.append((path, csrf_field.search(content).group(1), cookie))
        start = threading.Barrier(signers * 2)

        def signer(path: str, csrf: str, cookie: str) -> None:
            body = f"csrfmiddlewaretoken={csrf}&slot={slot.pk}&signed_name=Signataire&consent=on"
            start.wait()
            began = time.perf_counter()
            try:
                status = request("POST", path, body, cookie)[0]
            except OSError:
                status = 0
            with lock:
                if status == 302:
                    timings["sign"].append(time.perf_counter() - began)
                else:
                    errors[0] += 1

        def pinger() -> None:
            start.wait()
            began = time.perf_counter()
            status = request("GET", "/ping")[0]
            with lock:
                timings["ping"].append(time.perf_counter() - began)
                errors[0] += status != 200

        threads = [threading.Thread(target=signer, args=form) for form in forms]
        threads += [threading.Thread(target=pinger) for _ in range(signers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    with schema_context(organisation.schema_name):
        assert learner_services.chain_check(session) is None
        signed = slot.records.count()

    def p95(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000

    return {
        "signing_signers": signers,
        "signing_errors": errors[0] + (signers - signed),
        "signing_p95_ms": round(p95(timings["sign"]), 1),
        "signing_baseline_p95_ms": round(p95(timings["ping"]), 1),
        "signing_p95_ratio": round(p95(timings["sign"]) / p95(timings["ping"]), 1),
    }


def bench_upload(size_mb: int = 50) -> dict[str, float]:
    """Peak memory growth of a real gunicorn worker while it receives a 50 MB upload.

    The upload is streamed over a socket in 1 MB chunks; the worker's peak RSS (VmHWM, reset
    just before) is compared with its RSS before the request.
    """
    import re
    import signal
    import uuid

    import psutil
    from django.conf import settings

    from evidence.models import EvidenceVersion
    from qualiopi_portal.core.tenants import schema_context
    from qualiopi_portal.tenancy.models import Role

    organisation, user = _bench_member("bench-3", "bench.upload@exemple.test", Role.REFERENT)
    port, server = _gunicorn(workers=1, timeout=300)
    try:
        cookies = _session_cookie(user)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/o/bench-3/preuves/nouvelle/", headers={"Cookie": cookies})
        response = connection.getresponse()
        page = response.read().decode()
        csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie"))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        cookies += f"; csrftoken={csrf_cookie.group(1)}"
        worker = psutil.Process(server.pid).children()[0].pid

        boundary = uuid.uuid4().hex
        fields = {
            "csrfmiddlewaretoken": token,
            "title": "Gros fichier",
            "kind": "record",
            "indicator_numbers": "4",
        }
        head = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        )
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="gros.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        )
        tail = f"\r\n--{boundary}--\r\n".encode()
        size = size_mb * 1024 * 1024 - 1024  # just under the limit
        chunk = b"%PDF-1.4\n" + b"%" + b"0" * (1024 * 1024 - 11) + b"\n"
        body_length = len(head.encode()) + size + len(tail)

        rss_before = _rss_kb(worker, "VmRSS")
        Path(f"/proc/{worker}/clear_refs").write_text("5")  # reset the peak (VmHWM)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        connection.putrequest("POST", "/o/bench-3/preuves/nouvelle/")
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(body_length))
        connection.putheader("Cookie", cookies)
        connection.putheader("Referer", f"http://127.0.0.1:{port}/o/bench-3/preuves/nouvelle/")
        connection.endheaders()
        started = time.perf_counter()
        connection.send(head.encode())
        sent = 0
        while sent < size:
            part = chunk[: min(len(chunk), size - sent)]
            connection.send(part)
            sent += len(part)
        connection.send(tail)
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        peak = _rss_kb(worker, "VmHWM")
        assert response.status == 302, response.status
        with schema_context(organisation.schema_name):
            version = EvidenceVersion.objects.get()
        assert version.size == size, version.size
        assert (Path(settings.MEDIA_ROOT) / version.file.name).stat().st_size == size
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return {
        "upload_50mb_rss_growth_mb": round((peak - rss_before) / 1024, 1),
        "upload_50mb_s": round(elapsed, 2),
    }


def main() -> int:
    database = _bench_database()
    import tempfile

    media = tempfile.mkdtemp(prefix="qualiopi-bench-media-")
    os.environ["MEDIA_ROOT"] = media
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate_portal", verbosity=0)
    call_command("referential", "load", verbosity=0, stdout=io.StringIO())
    results = {}
    results.update(bench_organisation_creation())
    results.update(bench_routing())
    results.update(bench_dashboard())
    results.update(bench_evidence_list())
    results.update(bench_readiness())
    results.update(bench_cockpit())
    results.update(bench_report())
    results.update(bench_evidence_pack())
    results.update(bench_attendance())
    results.update(bench_signing())
    results.update(bench_survey_results())
    results.update(bench_page_queries())
    results.update(bench_load())
    results.update(bench_upload())
    connection.close()

    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous.update(results)
    RESULTS.write_text(json.dumps(previous, indent=2, sort_keys=True) + "\n")
    width = max(len(name) for name in results)
    for name, value in results.items():
        print(f"{name:{width}}  {value}")
    print(f"(database {database}; written to {RESULTS.relative_to(ROOT)})")
    _drop_database(database)
    import shutil

    shutil.rmtree(media, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
