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
    # Partial take-up (only pending proofs) on gradable indicators: minor NCs; from the
    # threshold of minors not lifted the outcome is "non certifiable en l'état" (ministry FAQ).
    indicators = [IndicatorFacts(n, 1, False, True) for n in range(1, 7)]
    evidence = [item("validated", numbers=(n,)) for n in range(1, 7)]
    pending = [item("submitted", numbers=(n,)) for n in range(1, 7)]
    all_ready = compute(indicators=indicators, evidence=evidence, target_date=TARGET)
    assert (all_ready.outcome, all_ready.overall_percent) == (Outcome.CERTIFIABLE, 100.0)
    four_minor = compute(
        indicators=indicators,
        evidence=evidence[:2] + pending[2:],
        target_date=TARGET,
        minor_threshold=5,
    )
    assert (four_minor.predicted_major, four_minor.predicted_minor, four_minor.outcome) == (
        0,
        4,
        Outcome.CERTIFIABLE_WITH_MINORS,
    )
    five_minor = compute(
        indicators=indicators, evidence=evidence[:1] + pending[1:], target_date=TARGET
    )
    assert (five_minor.predicted_minor, five_minor.outcome) == (5, Outcome.NOT_CERTIFIABLE)


def test_a_gradable_indicator_not_met_at_all_is_a_predicted_major():
    """Guide de lecture V9, préambule (pondération des non-conformités): major when the
    expected level is not met at all, minor when partly met; seed 002, indicator 2: « absence
    de diffusion = NC majeure »."""
    gradable = [IndicatorFacts(2, 1, False, True)]
    validated = [item("validated", numbers=(2,))]
    cases = {
        "no proof": {"evidence": []},
        "open major finding": {"evidence": validated, "open_ncs": {2: Severity.MAJOR}},
        "rated NC majeure": {"evidence": validated, "ratings": {2: Rating.MAJOR}},
    }
    for label, facts in cases.items():
        result = compute(indicators=gradable, target_date=TARGET, **facts)
        assert (result.predicted_major, result.predicted_minor, result.outcome) == (
            1,
            0,
            Outcome.NOT_CERTIFIABLE,
        ), label
        assert result.indicators[0].predicted_nc == Severity.MAJOR, label
    partly = {
        "only pending": {"evidence": [item("submitted", numbers=(2,))]},
        "expires before the audit": {"evidence": [item("validated", date(2027, 1, 1), (2,))]},
        "open minor finding": {"evidence": validated, "open_ncs": {2: Severity.MINOR}},
        "rated NC mineure": {"evidence": validated, "ratings": {2: Rating.MINOR}},
        "gaps in published offers": {"evidence": validated, "offer_gaps": {2: 3}},
    }
    for label, facts in partly.items():
        result = compute(indicators=gradable, target_date=TARGET, **facts)
        assert (result.predicted_major, result.predicted_minor, result.outcome) == (
            0,
            1,
            Outcome.CERTIFIABLE_WITH_MINORS,
        ), label


def test_a_minor_finding_on_an_always_major_indicator_counts_as_major():
    # DOMAIN.md / guide V9: on the 17 fundamental indicators any NC is major.
    fundamental = [IndicatorFacts(4, 1, True, True)]
    result = compute(
        indicators=fundamental,
        evidence=[item("validated", numbers=(4,))],
        target_date=TARGET,
        open_ncs={4: Severity.MINOR},
    )
    assert result.indicators[0].status == MISSING
    assert result.indicators[0].reasons == ("open_major_nc",)
    assert (result.predicted_major, result.predicted_minor) == (1, 0)


def test_a_self_declared_not_applicable_indicator_leaves_the_score():
    indicators = [IndicatorFacts(1, 1, False, True), IndicatorFacts(12, 1, False, True, True)]
    result = compute(
        indicators=indicators,
        evidence=[item("validated", numbers=(1,))],
        target_date=TARGET,
        ratings={12: Rating.NOT_APPLICABLE},
    )
    assert [r.status for r in result.indicators] == [READY, IndicatorStatus.NOT_APPLICABLE]
    assert (result.overall_percent, result.outcome) == (100.0, Outcome.CERTIFIABLE)


def test_not_applicable_counts_only_where_the_version_allows_it():
    # V9 allowed indicator 12 to be declared not applicable (trainings of two days or less);
    # V10 does not (fixtures/rnq/v10.yaml, may_be_not_applicable: false): the rating is ignored.
    indicators = [IndicatorFacts(12, 3, False, True, may_be_not_applicable=False)]
    result = compute(
        indicators=indicators,
        evidence=[item("validated", numbers=(12,))],
        target_date=TARGET,
        ratings={12: Rating.NOT_APPLICABLE},
    )
    assert result.indicators[0].status == READY
    assert result.indicators[0].reasons == ("validated", "rating_not_applicable_ignored")


def test_a_v9_proof_for_a_reworded_indicator_waits_for_review():
    indicators = [IndicatorFacts(2, 1, False, True), IndicatorFacts(5, 2, True, True)]
    v9 = EvidenceFacts((2, 5), "validated", None, to_review_for=(2,))
    result = compute(indicators=indicators, evidence=[v9], target_date=TARGET)
    assert [(r.number, r.status, r.reasons) for r in result.indicators] == [
        (2, PARTIAL, ("v9_to_review",)),
        (5, READY, ("validated",)),
    ]
    assert (result.predicted_major, result.predicted_minor) == (0, 1)
    confirmed = compute(
        indicators=indicators,
        evidence=[EvidenceFacts((2, 5), "validated", None)],
        target_date=TARGET,
    )
    assert confirmed.outcome == Outcome.CERTIFIABLE


def test_nothing_applicable_scores_zero():
    result = compute(
        indicators=[IndicatorFacts(1, 1, False, False)], evidence=[], target_date=TARGET
    )
    assert (result.overall_percent, result.criterion_percent, result.outcome) == (
        0.0,
        {},
        Outcome.CERTIFIABLE,
    )
