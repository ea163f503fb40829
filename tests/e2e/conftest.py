"""Browser journeys against a real stack: gunicorn, a Celery worker, PostgreSQL, Redis, Chromium.

The stack runs in subprocesses on a fresh database `<name>_e2e` of the same PostgreSQL server as
the tests, seeded with the demo data, exactly as `make run` prepares it. Chromium is Debian's
package, driven by Playwright with `executable_path`; it is installed here when missing (never
`playwright install`). Failed journeys leave a screenshot in tests/e2e/artifacts/.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings

from ..stacks import database_url, drop_database, free_port, recreate_database

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "Qualiopi-demo-2026"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    """Mark the journeys and run them last (Playwright's event loop must not precede ORM tests)."""
    journeys = [item for item in items if "tests/e2e/" in str(item.fspath)]
    for item in journeys:
        item.add_marker(pytest.mark.e2e)
    items[:] = [item for item in items if item not in journeys] + journeys


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.journey_failed = report.failed
    return report


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env, timeout=900)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "chromium"], check=True, env=env, timeout=1800
        )
        path = shutil.which("chromium")
    if path is None:
        pytest.fail("Chromium is missing: install Debian's 'chromium' package (apt-get install)")
    return path


def _health(base_url: str) -> dict | None:
    try:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310
            return json.loads(response.read())
    except (OSError, ValueError):
        return None


@pytest.fixture(scope="session")
def portal(tmp_path_factory) -> Iterator[str]:
    """A running portal with the demo data; yields its base URL."""
    name = f"{settings.DATABASES['default']['NAME'].removeprefix('test_')}_e2e"
    recreate_database(name)
    run_dir = tmp_path_factory.mktemp("portal")
    redis_url = urlunsplit(urlsplit(settings.REDIS_URL)._replace(path="/8"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qualiopi_portal.settings.local",
        "DEBUG": "False",
        "DATABASE_URL": database_url(name),
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(run_dir / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONUNBUFFERED": "1",
    }
    # The stack's own Redis database: no rate-limit counters or heartbeats from an earlier run.
    redis.Redis.from_url(redis_url).flushdb()
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (
        ["migrate_portal", "--verbosity", "0"],
        ["referential", "load"],
        ["seed_demo", "--force"],
    ):
        subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, timeout=300)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    commands = {
        "web": [
            str(BIN / "gunicorn"),
            "qualiopi_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        "worker": [
            str(BIN / "celery"),
            "-A",
            "qualiopi_portal",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
        ],
    }
    processes = {}
    for label, command in commands.items():
        log = open(run_dir / f"{label}.log", "wb")  # noqa: SIM115 - owned by the child
        processes[label] = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline:
            health = _health(base_url)
            if health and health.get("worker") == "ok":
                break
            time.sleep(0.3)
        else:
            logs = {label: (run_dir / f"{label}.log").read_text()[-2000:] for label in commands}
            pytest.fail(f"the portal did not start: {health}\n{logs}")
        yield base_url
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        drop_database(name)


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    chromium = _chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, portal, request):
    context = browser.new_context(
        base_url=portal, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Every journey doubles as a check of the Content-Security-Policy: whatever the browser
    # refused to load or run on our pages fails the journey.
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    # And of accessibility: every page the journey loaded is checked with axe afterwards
    # (WCAG 2.1 A/AA, what RGAA 4.1 follows), in the state the journey left.
    loaded: list[str] = []
    page.on("load", lambda loaded_page: loaded.append(loaded_page.url))
    yield page
    failed = getattr(request.node, "journey_failed", False)
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    violations = [] if failed else _axe_every_page(page, loaded)
    context.close()
    assert refused == [], refused
    assert violations == [], "\n".join(violations)


def _axe_every_page(page, urls: list[str]) -> list[str]:
    from .a11y import axe_violations

    violations: list[str] = []
    seen: set[str] = set()
    for url in urls:
        path = urlsplit(url)
        key = path.path
        if key in seen or path.path.endswith(("/deconnexion/", "/logout/")):
            continue
        seen.add(key)
        response = page.goto(url)
        if response is not None and "text/html" in response.headers.get("content-type", ""):
            violations += axe_violations(page)
    return violations


@pytest.fixture
def login(page):
    def log_in(email: str, password: str = DEMO_PASSWORD):
        page.goto("/accounts/login/")
        page.get_by_label("Courriel").fill(email)
        page.get_by_label("Mot de passe").fill(password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        return page

    return log_in
