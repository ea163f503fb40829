"""The audit-duration calculator reproduces the seed's examples and the band table, computes each
audit type of the cycle with the text each line rests on, and answers from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from audits import duration


def _lines(computation):
    return [(line.code, line.days, line.detail) for line in computation.lines]


def test_seed_example_multi_site_three_categories():
    result = duration.compute(
        band="1_5m_3m", categories=["AF", "BC", "VAE"], sites=17, cnefop=False
    )
    assert _lines(result) == [
        ("base", Decimal("1.5"), ""),
        ("category", Decimal("0.5"), "AF"),
        ("category", Decimal("0.5"), "BC"),
        ("category", Decimal("0.5"), "VAE"),
        ("sites", Decimal("2.0"), "√17 ≈ 4"),
    ]
    assert result.total == Decimal("5")
    assert result.reduced is False


def test_seed_example_cnefop_holder_below_750k():
    result = duration.compute(band="150k_750k", categories=["AF", "VAE"], sites=1, cnefop=True)
    assert _lines(result) == [
        ("base_cnefop", Decimal("0.5"), ""),
        ("category", Decimal("0.0"), "AF"),
        ("category", Decimal("0.0"), "VAE"),
    ]
    assert result.total == Decimal("0.5")
    assert result.reduced is True


@pytest.mark.parametrize(
    ("band", "cnefop", "total"),
    [
        ("lt_150k", False, Decimal("1.0")),
        ("150k_750k", False, Decimal("1.5")),
        ("750k_1_5m", False, Decimal("2.0")),
        ("gt_7_5m", False, Decimal("2.0")),
        ("lt_150k", True, Decimal("0.5")),
        # At or above 750 k€ the reduced audit does not apply: the normal duration.
        ("3m_7_5m", True, Decimal("2.0")),
    ],
)
def test_one_site_training_only(band, cnefop, total):
    assert duration.compute(band=band, categories=["AF"], sites=1, cnefop=cnefop).total == total


@pytest.mark.parametrize(
    ("sites", "sampled"),
    [(1, 0), (2, 1), (3, 2), (6, 2), (7, 3), (12, 3), (13, 4), (17, 4), (100, 10)],
)
def test_sampled_sites(sites, sampled):
    assert duration.sampled_sites(sites) == sampled


def test_every_profile_band_has_a_row():
    from qualiopi_portal.tenancy.models import TurnoverBand

    assert set(duration.table().bands) == {band.value for band in TurnoverBand}


# --- Sources: every line says what it rests on -----------------------------------------------


def test_every_line_carries_its_source_from_the_fixture():
    sources = duration.table().sources
    result = duration.compute(
        band="1_5m_3m", categories=["AF", "BC", "VAE"], sites=17, cnefop=False
    )
    assert [line.source for line in result.lines] == [
        sources["base"],
        sources["category"],
        sources["category"],
        sources["category"],
        sources["sites"],
    ]
    assert sources["cnefop_base"].startswith("Arrêté du 6 juin 2019, art. 10")
    assert all(text for text in sources.values())


def test_the_surveillance_table_says_it_is_unsourced():
    """No text of article 4's surveillance row was found: the fixture says so, not a guess."""
    assert duration.table().sources["surveillance"].startswith("règle non sourcée — ")
    result = duration.compute(
        band="lt_150k", categories=["AF"], sites=1, cnefop=False, kind="surveillance"
    )
    assert {line.source for line in result.lines} == {duration.table().sources["surveillance"]}


def test_line_labels_are_french():
    result = duration.compute(
        band="1_5m_3m",
        categories=["AF"],
        sites=17,
        cnefop=False,
        kind="surveillance",
        new_entrant=True,
    )
    assert [line.label for line in result.lines] == [
        "Durée de base (tranche de chiffre d’affaires)",
        "Catégorie d’actions AF",
        "Sites échantillonnés (0,6 × √17 ≈ 2), 0,5 jour chacun",
        "Majoration de la surveillance (audité comme nouvel entrant à l’audit initial)",
    ]


# --- Surveillance ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sites", "sampled"),
    # round(0.6 × √sites), at least one when multi-site: √2 × 0.6 = 0.85 → 1, √6 × 0.6 = 1.47
    # → 1, √7 × 0.6 = 1.59 → 2, √17 × 0.6 = 2.47 → 2, √18 × 0.6 = 2.55 → 3, √100 × 0.6 = 6.
    [(1, 0), (2, 1), (4, 1), (6, 1), (7, 2), (17, 2), (18, 3), (100, 6)],
)
def test_surveillance_sampled_sites(sites, sampled):
    factor = duration.table().surveillance_site_factor
    assert factor == Decimal("0.6")
    assert duration.sampled_sites(sites, factor=factor) == sampled


def test_surveillance_of_the_seed_multi_site_example():
    # 1.5 base + 3 × 0.5 + round(0.6 × √17) = 2 sites × 0.5 = 4 days (the initial audit is 5).
    result = duration.compute(
        band="1_5m_3m", categories=["AF", "BC", "VAE"], sites=17, cnefop=False, kind="surveillance"
    )
    assert _lines(result) == [
        ("base", Decimal("1.5"), ""),
        ("category", Decimal("0.5"), "AF"),
        ("category", Decimal("0.5"), "BC"),
        ("category", Decimal("0.5"), "VAE"),
        ("sites", Decimal("1.0"), "0,6 × √17 ≈ 2"),
    ]
    assert result.total == Decimal("4")
    assert result.sampled_sites == 2
    assert result.kind == "surveillance"


def test_a_new_entrant_adds_half_a_day_at_surveillance_only():
    profile = {"band": "lt_150k", "categories": ["AF"], "sites": 1, "cnefop": False}
    surveillance = duration.compute(**profile, kind="surveillance", new_entrant=True)
    assert _lines(surveillance)[-1] == ("new_entrant", Decimal("0.5"), "")
    assert surveillance.lines[-1].source == duration.table().sources["new_entrant"]
    assert surveillance.total == Decimal("1.5")  # 0.5 + 0.5 + 0.5
    for kind in ("initial", "renewal"):
        assert duration.compute(**profile, kind=kind, new_entrant=True).total == Decimal("1.0")


def test_the_cnefop_reduced_audit_is_the_initial_audit_only():
    # The seed's CNEFOP holder (300 k€, AF + VAE, one site): 0.5 day at the initial audit only;
    # surveillance and renewal take the normal table, 1 + 0.5 + 0.5 = 2 days.
    profile = {"band": "150k_750k", "categories": ["AF", "VAE"], "sites": 1, "cnefop": True}
    assert duration.compute(**profile).total == Decimal("0.5")
    for kind in ("surveillance", "renewal"):
        result = duration.compute(**profile, kind=kind)
        assert result.reduced is False
        assert _lines(result) == [
            ("base", Decimal("1.0"), ""),
            ("category", Decimal("0.5"), "AF"),
            ("category", Decimal("0.5"), "VAE"),
        ]
        assert result.total == Decimal("2")


# --- The reduced audit and apprenticeship ------------------------------------------------------


@pytest.mark.parametrize(
    ("band", "categories", "total", "reduced"),
    [
        # Below 750 k€: 0.5 base, + 0 per category except apprenticeship + 0.5 (art. 10).
        ("150k_750k", ["AF", "APP"], Decimal("1.0"), True),
        ("lt_150k", ["APP"], Decimal("1.0"), True),
        ("lt_150k", ["AF", "BC", "VAE"], Decimal("0.5"), True),
        # At or above 750 k€ the normal table: 1.5 + 0.5 + 0.5.
        ("750k_1_5m", ["AF", "APP"], Decimal("2.5"), False),
    ],
)
def test_apprenticeship_adds_half_a_day_in_the_reduced_audit(band, categories, total, reduced):
    result = duration.compute(band=band, categories=categories, sites=1, cnefop=True)
    assert result.total == total
    assert result.reduced is reduced


def test_the_reduced_audit_lines():
    result = duration.compute(band="150k_750k", categories=["AF", "APP"], sites=4, cnefop=True)
    sources = duration.table().sources
    assert [(line.code, line.days, line.detail, line.source) for line in result.lines] == [
        ("base_cnefop", Decimal("0.5"), "", sources["cnefop_base"]),
        ("category", Decimal("0.0"), "AF", sources["cnefop_category"]),
        ("category", Decimal("0.5"), "APP", sources["cnefop_category"]),
        # Art. 10 keeps « +0,5 jr par site échantillonné »: √4 = 2 sites.
        ("sites", Decimal("1.0"), "√4 ≈ 2", sources["sites"]),
    ]
    assert result.total == Decimal("2.0")


# --- Renewal and extension ---------------------------------------------------------------------


def test_the_renewal_uses_the_initial_table():
    profile = {"band": "1_5m_3m", "categories": ["AF", "BC", "VAE"], "sites": 17, "cnefop": False}
    renewal = duration.compute(**profile, kind="renewal")
    assert _lines(renewal) == _lines(duration.compute(**profile))
    assert renewal.total == Decimal("5")
    assert renewal.lines[0].source == duration.table().sources["renewal"]


def test_the_extension_covers_the_added_categories_on_the_base_duration():
    # FAQ: « la durée de base à laquelle s'ajoute la durée de la catégorie d'actions faisant
    # l'objet de l'extension et le cas échéant la durée d'audit prévue par site échantillonné ».
    result = duration.compute(
        band="1_5m_3m",
        categories=["AF", "BC"],
        sites=17,
        cnefop=False,
        kind="extension",
        added_categories=["VAE"],
    )
    assert _lines(result) == [
        ("base", Decimal("1.5"), ""),
        ("category", Decimal("0.5"), "VAE"),
        ("sites", Decimal("2.0"), "√17 ≈ 4"),
    ]
    assert result.total == Decimal("4")
    assert result.lines[0].source == duration.table().sources["extension"]


def test_the_extension_gets_no_reduced_audit():
    result = duration.compute(
        band="150k_750k",
        categories=["AF"],
        sites=1,
        cnefop=True,
        kind="extension",
        added_categories=["APP"],
    )
    assert result.reduced is False
    assert result.total == Decimal("1.5")  # 1 + 0.5


def test_an_extension_needs_added_categories_and_kinds_are_known():
    with pytest.raises(ValueError, match="added categories"):
        duration.compute(band="lt_150k", categories=["AF"], sites=1, cnefop=False, kind="extension")
    with pytest.raises(ValueError, match="unknown audit kind"):
        duration.compute(band="lt_150k", categories=["AF"], sites=1, cnefop=False, kind="mock")


def test_the_kinds_are_the_audit_model_s():
    from audits.models import Audit

    assert set(duration.KINDS) <= set(Audit.Kind.values)


def test_for_organisation_defaults_to_the_initial_audit():
    organisation = SimpleNamespace(
        turnover_band="1_5m_3m",
        categories=["AF", "BC", "VAE"],
        site_count=17,
        has_cnefop_label=False,
        is_new_entrant=True,
    )
    assert duration.for_organisation(organisation).total == Decimal("5")
    # Declared a new entrant: audited as one at the initial audit, so surveillance is longer.
    assert duration.for_organisation(organisation, "surveillance").total == Decimal("4.5")
    assert duration.for_organisation(organisation, "renewal").total == Decimal("5")


# --- Turnover in euros → band ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("euros", "band"),
    [
        (0, "lt_150k"),
        (Decimal("149999.99"), "lt_150k"),
        (150_000, "150k_750k"),
        (300_000, "150k_750k"),
        (Decimal("749999.99"), "150k_750k"),
        (750_000, "750k_1_5m"),  # « CA >= 750 000 € »
        (1_500_000, "1_5m_3m"),
        (2_500_000, "1_5m_3m"),
        (3_000_000, "3m_7_5m"),
        (7_500_000, "gt_7_5m"),
        (10**9, "gt_7_5m"),
    ],
)
def test_band_for_turnover(euros, band):
    assert duration.band_for_turnover(euros) == band


def test_band_for_turnover_refuses_a_negative_turnover():
    with pytest.raises(ValueError, match="negative"):
        duration.band_for_turnover(-1)


# --- The command -------------------------------------------------------------------------------


def _command(*args: str) -> str:
    out = StringIO()
    call_command("audit_duration", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_the_seed_example_as_json():
    payload = json.loads(
        _command(
            "--type",
            "initial",
            "--turnover",
            "2500000",
            "--categories",
            "AF,BC,VAE",
            "--sites",
            "17",
            "--json",
        )
    )
    sources = duration.table().sources
    assert payload == {
        "days": 5.0,
        "sampled_sites": 4,
        "lines": [
            {
                "label": "Durée de base (tranche de chiffre d’affaires)",
                "days": 1.5,
                "source": sources["base"],
            },
            {"label": "Catégorie d’actions AF", "days": 0.5, "source": sources["category"]},
            {"label": "Catégorie d’actions BC", "days": 0.5, "source": sources["category"]},
            {"label": "Catégorie d’actions VAE", "days": 0.5, "source": sources["category"]},
            {
                "label": "Sites échantillonnés (√17 ≈ 4), 0,5 jour chacun",
                "days": 2.0,
                "source": sources["sites"],
            },
        ],
    }


@pytest.mark.parametrize(
    ("args", "days", "sampled"),
    [
        # The seed's CNEFOP holder: 0.5 day.
        (["--turnover", "300000", "--categories", "AF,VAE", "--cnefop"], 0.5, 0),
        # Same profile at surveillance: the normal table, 1 + 0.5 + 0.5.
        (
            [
                "--type",
                "surveillance",
                "--turnover",
                "300000",
                "--categories",
                "AF,VAE",
                "--cnefop",
            ],
            2.0,
            0,
        ),
        # 17 sites at surveillance, audited as a new entrant: 1.5 + 1.5 + 2 × 0.5 + 0.5.
        (
            [
                "--type",
                "surveillance",
                "--turnover",
                "2500000",
                "--categories",
                "AF,BC,VAE",
                "--sites",
                "17",
                "--new-entrant",
            ],
            4.5,
            2,
        ),
        (
            [
                "--type",
                "extension",
                "--turnover",
                "2500000",
                "--categories",
                "AF,BC",
                "--added-categories",
                "VAE",
                "--sites",
                "17",
            ],
            4.0,
            4,
        ),
    ],
)
def test_the_command_computes_each_audit_type(args, days, sampled):
    payload = json.loads(_command(*args, "--json"))
    assert (payload["days"], payload["sampled_sites"]) == (days, sampled)


def test_the_command_prints_lines_sources_and_total():
    text = _command("--turnover", "300000", "--categories", "AF,VAE", "--cnefop")
    assert text.splitlines() == [
        "Audit initial — 0 site(s) échantillonné(s)",
        "  Durée de base de l’audit aménagé (ancien label CNEFOP, moins de 750 k€) : + 0,5 j",
        f"    Source : {duration.table().sources['cnefop_base']}",
        "  Catégorie d’actions AF : + 0 j",
        f"    Source : {duration.table().sources['cnefop_category']}",
        "  Catégorie d’actions VAE : + 0 j",
        f"    Source : {duration.table().sources['cnefop_category']}",
        "Total : 0,5 j",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--type", "mock", "--turnover", "1", "--categories", "AF"],
            "--type : type d’audit inconnu « mock » ; types possibles : initial, surveillance, "
            "renewal, extension.",
        ),
        (
            ["--turnover", "1", "--categories", "AF,XYZ"],
            "--categories : catégorie inconnue « XYZ » ; catégories possibles : AF, BC, VAE, APP.",
        ),
        (
            ["--turnover", "-5", "--categories", "AF"],
            "--turnover : indiquez un chiffre d’affaires en euros, positif ou nul (reçu : « -5 »).",
        ),
        (
            ["--turnover", "beaucoup", "--categories", "AF"],
            "--turnover : indiquez un chiffre d’affaires en euros, positif ou nul "
            "(reçu : « beaucoup »).",
        ),
        (
            ["--categories", "AF"],
            "--turnover : indiquez le chiffre d’affaires de formation en euros.",
        ),
        (
            ["--turnover", "1", "--categories", "AF", "--sites", "0"],
            "--sites : indiquez un nombre entier de sites, au moins 1 (reçu : « 0 »).",
        ),
        (
            ["--type", "extension", "--turnover", "1", "--categories", "AF"],
            "--added-categories : un audit d’extension porte sur les catégories ajoutées ; "
            "indiquez-les (par exemple --added-categories BC).",
        ),
        (
            [
                "--type",
                "extension",
                "--turnover",
                "1",
                "--categories",
                "AF",
                "--added-categories",
                "AF",
            ],
            "--added-categories : AF figure déjà dans --categories.",
        ),
        (["--turnover", "1"], "--categories : indiquez au moins une catégorie (AF,BC,VAE,APP)."),
    ],
)
def test_the_command_refuses_bad_input_in_french_with_exit_code_2(args, message):
    with pytest.raises(CommandError) as raised:
        _command(*args)
    assert str(raised.value) == message
    assert raised.value.returncode == 2


def test_the_command_needs_no_database():
    """Run as a user would, with a database URL nobody answers: it computes, and bad input exits
    with 2 and the French message."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qualiopi_portal.settings.test",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nothing",
        "REDIS_URL": "redis://127.0.0.1:9/0",
    }
    manage = [sys.executable, str(Path(__file__).resolve().parents[2] / "manage.py")]
    ok = subprocess.run(
        [
            *manage,
            "audit_duration",
            "--turnover",
            "300000",
            "--categories",
            "AF,VAE",
            "--cnefop",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["days"] == 0.5
    bad = subprocess.run(
        [*manage, "audit_duration", "--turnover", "1", "--categories", "AF", "--sites", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert "--sites : indiquez un nombre entier de sites, au moins 1 (reçu : « 0 »)." in bad.stderr
