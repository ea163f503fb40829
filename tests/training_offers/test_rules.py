"""Completeness of an offer and its result indicators, pinned exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from training_offers.completeness import check, weak_objectives
from training_offers.eligibility import cpf_eligibility
from training_offers.results import SessionFigures, rates

COMPLETE = {
    "category": "AF",
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
    # 11 of 15 checks pass. It used to be 12 of 16 (75 %): the disability referent was a check for
    # every offer, which no text asks of an AF offer (see test_the_disability_referent_...).
    assert result.score == 73
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
    """Guide de lecture V9, indicator 1, « obligations spécifiques » (quoted by the certifier
    Certifopac): « Pour les formations certifiantes : l'information mentionne le libellé exact de
    la certification, le code RNCP/RS, le nom du certificateur et la date d'enregistrement de la
    certification. » Blocks: Code du travail L6113-1 (RNCP certifications « sont constituées de
    blocs de compétences »), indicator 7 (contents match the certification)."""
    offer = {**COMPLETE, "is_certifying": True, "certification_code": "RNCP-12", "certifier": ""}
    result = check(offer, version_code="v10")
    # The code and the certifier used to be pinned on indicator 3 (results of certifications);
    # the guide puts the certification's identification under indicator 1.
    assert [(i.field, i.indicator) for i in result.issues] == [
        ("certification_title", 1),
        ("certification_code", 1),
        ("certifier", 1),
        ("certification_registered_on", 1),
        ("programme", 7),
    ]
    assert [i.message for i in result.issues] == [
        "L'intitulé exact de la certification n'est pas indiqué "
        "(guide de lecture V9, indicateur 1 : formations certifiantes).",
        "Le code RNCP ou RS de la certification manque ou est mal écrit "
        "(guide de lecture V9, indicateur 1 : formations certifiantes).",
        "Le certificateur de la certification n'est pas nommé "
        "(guide de lecture V9, indicateur 1 : formations certifiantes).",
        "La date d'enregistrement de la certification n'est pas indiquée "
        "(guide de lecture V9, indicateur 1 : formations certifiantes).",
        "Le programme ne cite pas les blocs de compétences préparés "
        "(une certification RNCP est constituée de blocs : Code du travail, art. L6113-1).",
    ]
    assert result.checks == 15 + 4 + 1
    fixed = {
        **offer,
        "certification_title": "Titre professionnel de l'exemple",
        "certification_code": "RNCP35185",
        "certifier": "Ministère du Travail",
        "certification_registered_on": date(2021, 1, 27),
        "programme": "Bloc 1 : accueillir ; Bloc 2 : accompagner",
    }
    assert check(fixed, version_code="v10").issues == ()


def test_rs_certifications_have_no_skills_blocks():
    """France compétences, FAQ « Qu'est-ce qu'un bloc de compétences ? »: the notion « exclut la
    déclinaison en blocs de compétences dans le cadre du Répertoire spécifique (RS) ». An RS
    offer is not asked to name blocks; the other indicator 1 elements still apply."""
    rs = {
        **COMPLETE,
        "is_certifying": True,
        "certification_title": "Habilitation de l'exemple",
        "certification_code": "RS 5490",
        "certifier": "Organisme certificateur",
        "certification_registered_on": date(2021, 3, 25),
        "programme": "Jour 1 : risques électriques",
    }
    result = check(rs, version_code="v9")
    assert result.issues == ()
    assert result.checks == 13 + 4  # V9: 10 + 3; the four certification elements; no blocks
    rncp = {**rs, "certification_code": "RNCP35185"}
    assert [(i.field, i.indicator) for i in check(rncp, version_code="v9").issues] == [
        ("programme", 7)
    ]


def test_a_bilan_de_competences_publishes_no_prerequisites():
    """Guide de lecture V9, indicator 1, « obligations spécifiques »: « Pour les Bilans de
    Compétences : les prérequis n'ont pas à être mentionnés. » Every other category still does."""
    bilan = {**COMPLETE, "category": "BC", "prerequisites": ""}
    result = check(bilan, version_code="v10")
    assert result.issues == ()
    assert result.checks == 14
    for category in ("AF", "VAE"):
        other = check({**bilan, "category": category}, version_code="v10")
        assert [(i.field, i.indicator, i.message) for i in other.issues] == [
            ("prerequisites", 1, "Les prérequis ne sont pas indiqués.")
        ]


def test_the_disability_referent_is_asked_of_a_cfa_only():
    """RNQ indicator 20 (apprenticeship): « Le prestataire dispose [...] d'un référent
    handicap »; Code du travail L6231-2, 1°: « le centre de formation d'apprentis désigne un
    référent chargé de l'intégration des personnes en situation de handicap ». Indicator 1 asks
    for the accessibility, indicator 26 for expertise, tools and networks: neither names a
    referent, so an AF, BC or VAE offer is not flagged without one."""
    nobody = {**COMPLETE, "disability_referent": ""}
    for category in ("AF", "BC", "VAE"):
        assert check({**nobody, "category": category}, version_code="v10").issues == ()
    cfa = check({**nobody, "category": "APP"}, version_code="v10")
    assert [(i.field, i.indicator, i.message) for i in cfa.issues] == [
        (
            "disability_referent",
            20,
            "Le référent handicap du CFA n'est pas nommé (indicateur 20 ; "
            "Code du travail, art. L6231-2, 1°).",
        )
    ]
    assert cfa.threatened() == {20}
    assert check({**COMPLETE, "category": "APP"}, version_code="v10").issues == ()


@pytest.mark.parametrize(
    ("offer", "basis", "problem"),
    [
        # L6323-6, I: certifications of the RNCP (and their blocks) and of the RS.
        ({"category": "AF", "is_certifying": True, "certification_code": "RNCP35185"}, "RNCP",
         None),
        ({"category": "AF", "is_certifying": True, "certification_code": "rs5490"}, "RS", None),
        ({"category": "APP", "is_certifying": True, "certification_code": "RNCP37859"}, "RNCP",
         None),
        # L6323-6, II, 1° and 2°: VAE and bilans de compétences, certifying or not.
        ({"category": "VAE"}, "VAE", None),
        ({"category": "BC"}, "BC", None),
        # L6323-6, II, 3° to 5°, declared on the offer.
        ({"category": "AF", "cpf_other_case": "driving_licence"}, "driving_licence", None),
        ({"category": "AF", "cpf_other_case": "business_creation"}, "business_creation", None),
        ({"category": "AF", "cpf_other_case": "volunteers"}, "volunteers", None),
        # Neither certifying nor any case of the article.
        ({"category": "AF"}, None, "not_eligible"),
        ({"category": "AF", "cpf_other_case": "leisure"}, None, "not_eligible"),
        # Said certifying, but no code to check against the registers.
        ({"category": "AF", "is_certifying": True, "certification_code": ""}, None,
         "certification_code"),
        ({"category": "AF", "is_certifying": True, "certification_code": "RNCP-12"}, None,
         "certification_code"),
        # A code on an offer not said certifying does not make it eligible.
        ({"category": "AF", "is_certifying": False, "certification_code": "RNCP35185"}, None,
         "not_eligible"),
    ],
)  # fmt: skip
def test_cpf_eligibility_follows_article_l6323_6(offer, basis, problem):
    """Code du travail L6323-6 (in force since 1 January 2024): I. certifications registered at
    the RNCP (with their skills blocks) or the RS; II. 1° VAE, 2° bilans de compétences, 3° code
    de la route and driving licence, 4° support to business creators, 5° volunteers."""
    result = cpf_eligibility(offer)
    assert (result.basis, result.problem, result.eligible) == (basis, problem, basis is not None)


def test_cpf_eligibility_says_why_in_french():
    """The refusal names article L6323-6 and what the offer lacks."""
    assert cpf_eligibility({"category": "AF"}).text == (
        "Le CPF ne finance que les actions de l'article L6323-6 du Code du travail : "
        "certifications enregistrées au RNCP ou au répertoire spécifique (et blocs de "
        "compétences du RNCP), VAE, bilans de compétences, permis de conduire, accompagnement "
        "des créateurs ou repreneurs d'entreprise, formation des bénévoles et volontaires. "
        "Cette offre n'est ni certifiante, ni une VAE, ni un bilan de compétences, et aucun autre "
        "cas de l'article n'est indiqué sur l'offre."
    )
    assert cpf_eligibility({"category": "BC"}).text == (
        "bilan de compétences (art. L6323-6, II, 2°)"
    )


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
