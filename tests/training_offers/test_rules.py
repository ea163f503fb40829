"""Completeness of an offer and its result indicators, pinned exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from training_offers.completeness import check, weak_objectives
from training_offers.results import SessionFigures, rates

COMPLETE = {
    "prerequisites": "Aucun",
    "objectives": "Rédiger un compte rendu d'entretien sans erreur de structure\n"
    "Identifier 3 leviers de motivation selon la grille fournie",
    "duration_hours": Decimal("14"),
    "access_modalities": "Entretien préalable",
    "access_delay": "15 jours",
    "price": Decimal("900"),
    "contacts": "contact@exemple.fr",
    "methods": "Apports, mises en situation",
    "evaluation": "Étude de cas notée",
    "accessibility": "Locaux accessibles ; adaptations sur demande",
    "disability_referent": "Camille Roux",
    "recognition": "Attestation de fin de formation",
    "financing": "OPCO, CPF",
    "programme": "Jour 1 : … Jour 2 : …",
}


def test_a_complete_offer_scores_100():
    result = check(COMPLETE, version_code="v10")
    assert result.issues == ()
    assert result.score == 100


def test_missing_fields_name_the_indicator_they_threaten():
    offer = {**COMPLETE, "price": None, "access_delay": " ", "financing": "", "programme": ""}
    result = check(offer, version_code="v10")
    assert [(i.field, i.indicator) for i in result.issues] == [
        ("access_delay", 1),
        ("price", 1),
        ("financing", 1),
        ("programme", 6),
    ]
    assert result.threatened() == {1, 6}
    assert result.score == 75  # 12 of 16 checks pass
    # V9 did not ask for financing modalities.
    assert [i.field for i in check(offer, version_code="v9").issues] == [
        "access_delay",
        "price",
        "programme",
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Comprendre les enjeux de la qualité", [("Comprendre les enjeux de la qualité", "vague")]),
        ("Les bases de la comptabilité", [("Les bases de la comptabilité", "no_verb")]),
        ("Rédiger un compte rendu", [("Rédiger un compte rendu", "no_measure")]),
        ("Être capable d'identifier 3 risques", []),
        ("- Utiliser le tableur en autonomie", []),
        ("Maîtriser Excel", [("Maîtriser Excel", "vague")]),
    ],
)
def test_weak_objectives(line, expected):
    assert weak_objectives(line) == expected


def test_certifying_offers_need_the_code_the_certifier_and_the_blocks():
    offer = {**COMPLETE, "is_certifying": True, "certification_code": "RNCP-12", "certifier": ""}
    result = check(offer, version_code="v10")
    assert [(i.field, i.indicator) for i in result.issues] == [
        ("certification_code", 3),
        ("certifier", 3),
        ("programme", 7),
    ]
    fixed = {
        **offer,
        "certification_code": "RNCP35185",
        "certifier": "Ministère du Travail",
        "programme": "Bloc 1 : accueillir ; Bloc 2 : accompagner",
    }
    assert check(fixed, version_code="v10").issues == ()


def _by_code(result):
    return {rate.code: (rate.value, rate.sample) for rate in result}


def test_rates_with_their_sample_and_the_minimum_sample_rule():
    sessions = [
        SessionFigures(
            enrolled=8,
            completed=7,
            dropouts=1,
            hot_average=Decimal("8.5"),
            hot_responses=7,
            recommend_yes=6,
            recommend_responses=7,
            certification_candidates=6,
            certification_passed=5,
        ),
        SessionFigures(
            enrolled=4,
            completed=4,
            dropouts=0,
            hot_average=Decimal("9.0"),
            hot_responses=3,
            cold_average=Decimal("7.0"),
            cold_responses=2,
            recommend_yes=3,
            recommend_responses=3,
        ),
    ]
    assert _by_code(rates(sessions)) == {
        "satisfaction_hot": (Decimal("8.7"), 10),  # (8.5×7 + 9×3) / 10 = 8.65
        "satisfaction_cold": (None, 2),  # 2 answers: "en cours de constitution"
        "completion": (Decimal("91.7"), 12),
        "dropout": (Decimal("8.3"), 12),
        "recommendation": (Decimal("90.0"), 10),
        "certification": (Decimal("83.3"), 6),
    }


def test_nothing_is_invented_without_learners():
    result = _by_code(rates([]))
    assert result == {
        "satisfaction_hot": (None, 0),
        "satisfaction_cold": (None, 0),
        "completion": (None, 0),
        "dropout": (None, 0),
        "recommendation": (None, 0),
    }
    small = _by_code(rates([SessionFigures(enrolled=4, completed=4, dropouts=0)]))
    assert small["completion"] == (None, 4)
    assert _by_code(rates([SessionFigures(enrolled=4, completed=4, dropouts=0)], min_sample=3))[
        "completion"
    ] == (Decimal("100.0"), 4)
