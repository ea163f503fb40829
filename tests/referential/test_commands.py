"""`manage.py referential`: load, applicable (every flag combination), export."""

import json
import os
import subprocess
import sys
from io import StringIO
from itertools import product
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from .test_applicability import ALL_CATEGORY_SETS, oracle

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
CLI_FLAGS = ("certifying", "alternance", "afest", "subcontracting", "new-entrant", "cnefop")


def _run(*args: str) -> str:
    out = StringIO()
    call_command("referential", *args, stdout=out)
    return out.getvalue()


def test_load_is_idempotent(world):
    assert _run("load") == (
        "v10: 7 criteria, 33 indicators (already up to date)\n"
        "v9: 7 criteria, 32 indicators (already up to date)\n"
    )


@pytest.mark.parametrize("version", ["v9", "v10"])
def test_applicable_answers_every_combination(world, version):
    for categories in ALL_CATEGORY_SETS:
        for values in product([False, True], repeat=len(CLI_FLAGS)):
            flags = dict(zip(CLI_FLAGS, values, strict=True))
            arguments = [
                "applicable",
                "--version",
                version,
                "--categories",
                ",".join(sorted(categories)),
            ]
            arguments += [f"--{flag}" for flag, on in flags.items() if on]
            expected = oracle(
                version, categories, {k.replace("-", "_"): v for k, v in flags.items()}
            )
            assert _run(*arguments) == " ".join(map(str, expected)) + "\n", arguments


def test_applicable_for_a_plain_training_provider(world):
    assert _run("applicable", "--version", "v10", "--categories", "AF") == (
        "1 2 4 5 6 8 9 10 11 12 17 18 19 21 22 23 24 25 26 30 31 32\n"
    )
    assert _run("applicable", "--version", "v10", "--categories", "af,app").split()[-1] == "33"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--version", "v11", "--categories", "AF"],
            "unknown referential version 'v11' (loaded: v9, v10)",
        ),
        (
            ["--version", "v9", "--categories", "AF,XY"],
            "unknown category XY; expected AF,BC,VAE,APP",
        ),
        (
            ["--version", "v9", "--categories", ""],
            "unknown category (none); expected AF,BC,VAE,APP",
        ),
        (
            ["--version", "v10", "--categories", "AF", "--new-entrant-in", "APP"],
            "--new-entrant-in: every category must be in --categories",
        ),
    ],
)
def test_applicable_refuses_bad_input(world, arguments, message):
    with pytest.raises(CommandError) as error:
        _run("applicable", *arguments)
    assert str(error.value) == message


def test_export_lists_every_indicator(world):
    rows = json.loads(_run("export", "--version", "v9"))
    assert len(rows) == 32
    assert set(rows[0]) == {
        "number",
        "criterion",
        "title",
        "fundamental",
        "new_entrant_deferred",
        "reduced_audit",
    }
    assert [row["number"] for row in rows] == list(range(1, 33))
    by_number = {row["number"]: row for row in rows}
    assert (by_number[27]["criterion"], by_number[27]["fundamental"]) == (6, True)
    assert (by_number[2]["new_entrant_deferred"], by_number[2]["reduced_audit"]) == (True, True)
    assert (by_number[4]["new_entrant_deferred"], by_number[4]["reduced_audit"]) == (False, False)


def test_the_real_command_line_exits_non_zero_with_one_line(world, django_db_blocker):
    """Through a real process, against the test database (the referential is committed there)."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qualiopi_portal.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    ok = subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "referential",
            "applicable",
            "--version",
            "v9",
            "--categories",
            "APP",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (ok.returncode, ok.stderr) == (0, "")
    assert ok.stdout == " ".join(str(n) for n in range(1, 33) if n != 27) + "\n"
    bad = subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "referential",
            "applicable",
            "--version",
            "v99",
            "--categories",
            "AF",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert bad.stderr.count("\n") == 1
    assert "unknown referential version 'v99'" in bad.stderr
