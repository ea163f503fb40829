"""The audit-duration calculator reproduces the seed's examples and the band table."""

from __future__ import annotations

from decimal import Decimal

import pytest

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
