"""`manage.py readiness simulate`: the readiness rules on facts given as JSON, each case pinned
with the text it follows. The referential is the one `referential load` puts in the database."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db

# A plain AF provider without subcontracting: 22 applicable indicators (DOMAIN.md).
PLAIN_AF = {
    "categories": ["AF"],
    "certifying": False,
    "alternance": False,
    "afest": False,
    "subcontracting": False,
    "new_entrant": False,
    "cnefop": False,
}
ALWAYS_MAJOR = {4, 5, 6, 7, 10, 11, 14, 15, 16, 20, 21, 22, 26, 27, 29, 31, 32}


def _every_applicable_proved(numbers) -> list[dict]:
    return [{"indicators": sorted(numbers), "status": "validated", "valid_until": None}]


def _simulate(tmp_path: Path, facts: dict) -> dict:
    path = tmp_path / "cas.json"
    path.write_text(json.dumps(facts), encoding="utf-8")
    out = StringIO()
    call_command("readiness", "simulate", str(path), stdout=out)
    return json.loads(out.getvalue())


def _facts(**overrides) -> dict:
    facts = {
        "version": "v10",
        "audit_date": "2027-03-01",
        "audit_type": "initial",
        "scope": PLAIN_AF,
        "evidence": [],
        "ratings": {},
        "findings": [],
        "minor_threshold": 5,
    }
    return {**facts, **overrides}


def _applicable(result: dict) -> set[int]:
    return {row["number"] for row in result["indicators"] if row["status"] != "not_applicable"}


def test_nothing_proved_is_a_major_nc_on_every_applicable_indicator(tmp_path):
    result = _simulate(tmp_path, _facts())
    assert len(result["indicators"]) == 33  # one row per indicator of V10
    assert len(_applicable(result)) == 22
    assert (result["predicted_major"], result["predicted_minor"], result["outcome"]) == (
        22,
        0,
        "not_certifiable",
    )


def test_an_open_major_finding_on_indicator_2_is_a_predicted_major(tmp_path):
    """The defect the issue reports: a certifier's open major on 2 was predicted minor and the
    outcome read "certifiable avec NC mineures". Guide de lecture V9, préambule (pondération
    des non-conformités); seed 002, indicator 2: « absence de diffusion = NC majeure »."""
    applicable = _applicable(_simulate(tmp_path, _facts()))
    result = _simulate(
        tmp_path,
        _facts(
            evidence=_every_applicable_proved(applicable),
            findings=[{"indicator": 2, "severity": "major", "status": "open"}],
        ),
    )
    (row,) = [row for row in result["indicators"] if row["number"] == 2]
    assert row == {
        "number": 2,
        "status": "missing",
        "predicted_nc": "major",
        "reasons": ["open_major_nc"],
    }
    assert (result["predicted_major"], result["predicted_minor"], result["outcome"]) == (
        1,
        0,
        "not_certifiable",
    )
    lifted = _simulate(
        tmp_path,
        _facts(
            evidence=_every_applicable_proved(applicable),
            findings=[{"indicator": 2, "severity": "major", "status": "lifted"}],
        ),
    )
    assert lifted["outcome"] == "certifiable"


def test_partly_met_gradable_indicators_are_minors_until_the_threshold(tmp_path):
    """Ministry FAQ: from 5 minor NCs not lifted at decision time, the outcome waits."""
    applicable = _applicable(_simulate(tmp_path, _facts()))
    gradable = sorted(applicable - ALWAYS_MAJOR)
    proved = _every_applicable_proved(applicable - set(gradable[:4]))
    pending = [{"indicators": gradable[:4], "status": "submitted", "valid_until": None}]
    four = _simulate(tmp_path, _facts(evidence=proved + pending))
    assert (four["predicted_major"], four["predicted_minor"], four["outcome"]) == (
        0,
        4,
        "certifiable_with_minors",
    )
    five = _simulate(
        tmp_path,
        _facts(
            evidence=proved + pending,
            ratings={str(gradable[4]): "nc_minor"},
        ),
    )
    assert (five["predicted_minor"], five["outcome"]) == (5, "not_certifiable")
    # The threshold is a setting the input may change.
    six = _simulate(
        tmp_path,
        _facts(
            evidence=proved + pending, ratings={str(gradable[4]): "nc_minor"}, minor_threshold=6
        ),
    )
    assert six["outcome"] == "certifiable_with_minors"


def test_a_partial_always_major_indicator_is_major(tmp_path):
    applicable = _applicable(_simulate(tmp_path, _facts()))
    result = _simulate(
        tmp_path,
        _facts(
            evidence=_every_applicable_proved(applicable),
            findings=[{"indicator": 4, "severity": "minor", "status": "open"}],
        ),
    )
    (row,) = [row for row in result["indicators"] if row["number"] == 4]
    assert (row["status"], row["predicted_nc"]) == ("missing", "major")


def test_not_applicable_is_ignored_where_v10_forbids_it(tmp_path):
    # Indicator 12 could be declared not applicable in V9 (trainings of two days or less);
    # fixtures/rnq/v10.yaml does not allow it.
    applicable = _applicable(_simulate(tmp_path, _facts()))
    facts = {"evidence": _every_applicable_proved(applicable), "ratings": {"12": "not_applicable"}}
    v10 = _simulate(tmp_path, _facts(**facts))
    (row,) = [row for row in v10["indicators"] if row["number"] == 12]
    assert (row["status"], row["reasons"]) == (
        "ready",
        ["validated", "rating_not_applicable_ignored"],
    )
    v9 = _simulate(tmp_path, _facts(version="v9", audit_date="2026-10-01", **facts))
    (row,) = [row for row in v9["indicators"] if row["number"] == 12]
    assert (row["status"], row["reasons"]) == ("not_applicable", ["rating_not_applicable"])


def test_the_reduced_audit_leaves_indicators_out_at_the_initial_audit_only(tmp_path):
    """Former CNEFOP-label holders: reduced initial audit (1, 2, 11, 12, 22, 24, 25, 26, 32 plus
    the specific ones); the others are checked at surveillance (DOMAIN.md, arrêté du 6 juin
    2019)."""
    scope = {**PLAIN_AF, "cnefop": True}
    initial = _simulate(tmp_path, _facts(scope=scope))
    assert _applicable(initial) == {1, 2, 11, 12, 22, 24, 25, 26, 32}
    (row,) = [row for row in initial["indicators"] if row["number"] == 4]
    assert row["reasons"] == ["not_in_reduced_audit"]
    surveillance = _simulate(tmp_path, _facts(scope=scope, audit_type="surveillance"))
    assert len(_applicable(surveillance)) == 22


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"version": "v11"}, "version : référentiel inconnu : v11."),
        ({"audit_date": "01/03/2027"}, "audit_date : une date AAAA-MM-JJ est attendue."),
        (
            {"audit_type": "blanc"},
            "audit_type : valeur inconnue, attendu l'une de : initial, surveillance, renewal, "
            "extension.",
        ),
        (
            {"evidence": [{"indicators": [34], "status": "validated"}]},
            "evidence[0].indicators[0] : numéro d'indicateur inconnu dans ce référentiel : 34.",
        ),
        (
            {"findings": [{"indicator": 2, "severity": "grave"}]},
            "findings[0].severity : valeur inconnue, attendu l'une de : minor, major.",
        ),
        ({"scope": {"categories": []}}, "scope.categories : au moins une catégorie d'action."),
        ({"minor_threshold": 0}, "minor_threshold : un entier d'au moins 1 est attendu."),
        (
            {"scope": {**PLAIN_AF, "new_entrant_categories": ["APP"]}},
            "scope.new_entrant_categories[0] : catégorie absente de scope.categories.",
        ),
        (
            {"scope": {**PLAIN_AF, "new_entrant_categories": "AF"}},
            "scope.new_entrant_categories : une liste est attendue.",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_the_field_named(tmp_path, facts, message):
    path = tmp_path / "cas.json"
    path.write_text(json.dumps(_facts(**facts)), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("readiness", "simulate", str(path), stdout=StringIO())
    assert (str(refused.value), refused.value.returncode) == (message, 2)


def test_a_file_that_is_not_json_exits_with_code_2(tmp_path):
    path = tmp_path / "cas.json"
    path.write_text("{ version: v10 }", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("readiness", "simulate", str(path), stdout=StringIO())
    assert refused.value.returncode == 2
    assert str(refused.value).startswith("JSON invalide, ligne 1, colonne 3 : ")
