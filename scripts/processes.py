"""Start and stop the portal's own processes for `make run`: web (gunicorn), Celery worker, beat.

Each runs in its own session with its PID in .run/pids and its log in .run/logs, so `make stop`
ends exactly what `make run` started. `start` returns once the web answers /healthz, then prints
the URL and the demo logins.

Usage: python scripts/processes.py start|stop
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
PID_DIR = RUN_DIR / "pids"
LOG_DIR = RUN_DIR / "logs"
BIN = Path(sys.executable).parent
PORT = int(os.environ.get("PORT", "8000"))

PROCESSES = {
    "web": [
        str(BIN / "gunicorn"),
        "qualiopi_portal.wsgi",
        "--bind",
        f"127.0.0.1:{PORT}",
        "--workers",
        os.environ.get("WEB_CONCURRENCY", "2"),
        "--access-logfile",
        "-",
        "--timeout",
        "60",
    ],
    "worker": [
        str(BIN / "celery"),
        "-A",
        "qualiopi_portal",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        "2",
    ],
    "beat": [
        str(BIN / "celery"),
        "-A",
        "qualiopi_portal",
        "beat",
        "--loglevel",
        "INFO",
        "--schedule",
        str(RUN_DIR / "celerybeat-schedule"),
    ],
}

DEMO_LOGINS = [
    ("consultant@demo.test", "consultante (cabinet Trajectoires Qualité) → portefeuille"),
    ("referent.solstice@demo.test", "référente qualité, Coopérative Solstice"),
    ("direction.solstice@demo.test", "direction, Coopérative Solstice"),
    ("formateur.solstice@demo.test", "formatrice, Coopérative Solstice"),
    ("referent.cfa@demo.test", "référente qualité, CFA des Métiers d'Occitanie"),
    ("direction.cfa@demo.test", "direction, CFA des Métiers d'Occitanie"),
    ("formateur.cfa@demo.test", "formateur, CFA des Métiers d'Occitanie"),
    ("referent.cap@demo.test", "référente qualité, Cap Compétences"),
    ("direction.cap@demo.test", "direction, Cap Compétences"),
    ("formateur.cap@demo.test", "formatrice, Cap Compétences"),
    ("admin@demo.test", "administrateur de la plateforme (/admin/)"),
]
DEMO_PASSWORD = "Qualiopi-demo-2026"  # noqa: S105 - documented demo password


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_pid(name: str) -> int | None:
    try:
        pid = int((PID_DIR / f"{name}.pid").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) else None


def _health(timeout: float = 1.0) -> dict | None:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{PORT}/healthz", timeout=timeout
        ) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def start() -> int:
    PID_DIR.mkdir(parents=True, exist_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    if _read_pid("web") is None:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", PORT)) == 0:
                print(
                    f"ERROR: port {PORT} on 127.0.0.1 is already in use. Stop the program using "
                    f"it, or choose another port: make run PORT=8001",
                    file=sys.stderr,
                )
                return 1
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name, command in PROCESSES.items():
        if _read_pid(name) is not None:
            print(f"{name}: already running")
            continue
        log = open(LOG_DIR / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        (PID_DIR / f"{name}.pid").write_text(str(process.pid))
        print(f"{name}: started (pid {process.pid}, log .run/logs/{name}.log)")
    deadline = time.monotonic() + 60
    health = None
    while time.monotonic() < deadline:
        if _read_pid("web") is None:
            tail = (LOG_DIR / "web.log").read_text(errors="replace")[-1500:]
            print(f"ERROR: the web server stopped at start-up. End of its log:\n{tail}")
            return 1
        health = _health()
        if health is not None and health.get("worker") == "ok":
            break
        time.sleep(0.5)
    if health is None:
        print("ERROR: the web server did not answer within 60 s; see .run/logs/web.log")
        return 1
    print()
    print(f"  Portail Qualiopi : http://127.0.0.1:{PORT}/")
    states = ", ".join(f"{name} {value}" for name, value in health.items() if name != "status")
    print(f"  Services : {states} (beat signale sa première exécution sous 30 s)")
    print(f"  Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
    for email, role in DEMO_LOGINS:
        print(f"    {email:32} {role}")
    print("  E-mails envoyés (invitations, vérifications) : .run/emails/")
    print("  Pour tout arrêter : make stop")
    return 0


def stop() -> int:
    for name in PROCESSES:
        pid = _read_pid(name)
        if pid is None:
            print(f"{name}: not running")
            continue
        # Each child leads its own process group: end it together with its workers.
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)
        (PID_DIR / f"{name}.pid").unlink(missing_ok=True)
        print(f"{name}: stopped")
    return 0


if __name__ == "__main__":
    actions = {"start": start, "stop": stop}
    if len(sys.argv) != 2 or sys.argv[1] not in actions:
        print(f"usage: {sys.argv[0]} start|stop", file=sys.stderr)
        sys.exit(2)
    sys.exit(actions[sys.argv[1]]())
