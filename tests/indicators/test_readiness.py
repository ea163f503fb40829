"""The readiness rules, pinned with exact statuses, scores and outcomes (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from indicators.readiness import (
    EvidenceFacts,
    IndicatorFacts,
    IndicatorStatus,
    Outcome,
    Rating,
    Severity,
    compute,
    indicator_status,
)

TARGET = date(2027, 3, 15)
READY, PARTIAL, MISSING = IndicatorStatus.READY, IndicatorStatus.PARTIAL, IndicatorStatus.MISSING


def item(status: str, until: date | None = None, numbers=(1,)) -> EvidenceFacts:
    return EvidenceFacts(indicator_numbers=tuple(numbers), status=status, valid_until=until)


@pytest.mark.parametrize(
    ("evidence", "rating", "open_nc", "expected"),
    [
        ([item("validated")], None, None, (READY, ("validated",))),
        ([item("validated", TARGET)], None, None, (READY, ("validated",))),
        ([item("validated", date(2027, 3, 14))], None, None, (PARTIAL, ("expires_before",))),
        ([item("submitted")], None, None, (PARTIAL, ("only_pending",))),
        ([item("draft")], None, None, (PARTIAL, ("only_pending",))),
        ([item("rejected"), item("expired")], None, None, (MISSING, ("no_evidence",))),
        ([], None, None, (MISSING, ("no_evidence",))),
        ([item("validated")], Rating.MINOR, None, (PARTIAL, ("rating_minor",))),
        ([item("validated")], Rating.CONFORM, None, (READY, ("validated",))),
        ([item("validated")], Rating.MAJOR, None, (MISSING, ("rating_major",))),
        ([item("validated")], None, Severity.MINOR, (PARTIAL, ("open_minor_nc",))),
        ([item("validated")], None, Severity.MAJOR, (MISSING, ("open_major_nc",))),
        (
            [item("submitted")],
            Rating.MINOR,
            Severity.MINOR,
            (PARTIAL, ("only_pending", "open_minor_nc", "rating_minor")),
        ),
        (
            [],
            Rating.MAJOR,
            Severity.MAJOR,
            (MISSING, ("open_major_nc", "rating_major", "no_evidence")),
        ),
        # A validated item still valid wins over an expiring one.
        (
            [item("validated", date(2026, 12, 1)), item("validated")],
            None,
            None,
            (READY, ("validated",)),
        ),
    ],
)
def test_indicator_status(evidence, rating, open_nc, expected):
    assert (
        indicator_status(evidence=evidence, target_date=TARGET, rating=rating, open_nc=open_nc)
        == expected
    )


def _indicators():
    # Criterion 1: 1 (fundamental? no), 2; criterion 2: 4 (fundamental), 5 (fundamental); 9 n/a.
    return [
        IndicatorFacts(1, 1, False, True),
        IndicatorFacts(2, 1, False, True),
        IndicatorFacts(4, 2, True, True),
        IndicatorFacts(5, 2, True, True),
        IndicatorFacts(9, 3, False, False),
    ]


def test_scores_weights_and_outcome():
    result = compute(
        indicators=_indicators(),
        evidence=[
            item("validated", numbers=(1, 4)),
            item("submitted", numbers=(2,)),
            item("validated", numbers=(9,)),
        ],
        target_date=TARGET,
    )
    assert [(r.number, r.status) for r in result.indicators] == [
        (1, READY),
        (2, PARTIAL),
        (4, READY),
        (5, MISSING),
        (9, IndicatorStatus.NOT_APPLICABLE),
    ]
    # Criterion 1: (1×1 + 1×0.5) / 2 = 75 %; criterion 2: (2×1 + 2×0) / 4 = 50 %.
    assert result.criterion_percent == {1: 75.0, 2: 50.0}
    # Overall: (1 + 0.5 + 2 + 0) / (1 + 1 + 2 + 2) = 58.3 %.
    assert result.overall_percent == 58.3
    assert (result.predicted_major, result.predicted_minor) == (1, 1)
    assert result.outcome == Outcome.NOT_CERTIFIABLE
    assert result.counts == {"ready": 2, "partial": 1, "missing": 1, "not_applicable": 1}


def test_minor_ncs_only_are_certifiable_below_the_threshold():
    indicators = [IndicatorFacts(n, 1, False, True) for n in range(1, 7)]
    evidence = [item("validated", numbers=(n,)) for n in range(1, 7)]
    all_ready = compute(indicators=indicators, evidence=evidence, target_date=TARGET)
    assert (all_ready.outcome, all_ready.overall_percent) == (Outcome.CERTIFIABLE, 100.0)
    four_minor = compute(
        indicators=indicators, evidence=evidence[:2], target_date=TARGET, minor_threshold=5
    )
    assert (four_minor.predicted_minor, four_minor.outcome) == (
        4,
        Outcome.CERTIFIABLE_WITH_MINORS,
    )
    five_minor = compute(indicators=indicators, evidence=evidence[:1], target_date=TARGET)
    assert (five_minor.predicted_minor, five_minor.outcome) == (5, Outcome.NOT_CERTIFIABLE)


def test_a_self_declared_not_applicable_indicator_leaves_the_score():
    indicators = [IndicatorFacts(1, 1, False, True), IndicatorFacts(2, 1, False, True)]
    result = compute(
        indicators=indicators,
        evidence=[item("validated", numbers=(1,))],
        target_date=TARGET,
        ratings={2: Rating.NOT_APPLICABLE},
    )
    assert [r.status for r in result.indicators] == [READY, IndicatorStatus.NOT_APPLICABLE]
    assert (result.overall_percent, result.outcome) == (100.0, Outcome.CERTIFIABLE)


def test_nothing_applicable_scores_zero():
    result = compute(
        indicators=[IndicatorFacts(1, 1, False, False)], evidence=[], target_date=TARGET
    )
    assert (result.overall_percent, result.criterion_percent, result.outcome) == (
        0.0,
        {},
        Outcome.CERTIFIABLE,
    )
