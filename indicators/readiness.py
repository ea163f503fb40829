"""How ready an organisation is for its audit: pure functions over plain data (no database).

The Celery task loads the facts, calls `compute` and stores the result; the rules live here only.

Indicator status, for the target audit date:
- *ready*: at least one validated item still valid on the target date, no open non-conformity,
  self-rating not NC;
- *partial*: only submitted or draft items, validated items that expire before the target date,
  an open minor NC, a self-rating "NC mineure", a published offer missing what the indicator
  asks it to say, or recent sessions whose learners miss the indicator's per-learner proof
  (positioning 4 and 8, convocation 9, evaluation and attestation 11: learners.journey), or
  surveys that leave a gap (surveys.selectors.appraisal_gaps: 2, 30, V10's 33);
- *missing*: no usable item, an open major NC, or a self-rating "NC majeure".
Scores: ready 1, partial 0.5, missing 0; weight 2 for fundamental indicators, 1 otherwise.

Predicted non-conformities (guide de lecture V9, préambule, « pondération des
non-conformités »: a major NC is an expected level not met at all, a minor one a partial
take-up): every applicable indicator that is not ready is a predicted NC. On the 17 fundamental
(always-major) indicators it is major; on the 15 gradable ones it is major when the indicator is
*missing* and minor when it is *partial*. A finding recorded as minor on a fundamental indicator
counts as major (the referential allows no minor there).

A "non applicable" self-rating counts only where the version in force allows it for that
indicator (`may_be_not_applicable`); otherwise it is ignored, with the reason
"rating_not_applicable_ignored". Under V10, a validated proof last filed before V10 came into
force for an indicator V10 rewords counts as pending until a person confirms it covers the new
wording (reason "v9_to_review").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

DEFAULT_MINOR_THRESHOLD = 5
# How `compute` shows `indicator_status` a validated V9 proof still awaiting V10 confirmation.
TO_REVIEW = "to_review"


class IndicatorStatus(StrEnum):
    READY = "ready"
    PARTIAL = "partial"
    MISSING = "missing"
    NOT_APPLICABLE = "not_applicable"


class Rating(StrEnum):
    """A self-assessment rating (the self-assessment issue records them)."""

    CONFORM = "conform"
    MINOR = "nc_minor"
    MAJOR = "nc_major"
    NOT_APPLICABLE = "not_applicable"


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"


class Outcome(StrEnum):
    CERTIFIABLE = "certifiable"
    CERTIFIABLE_WITH_MINORS = "certifiable_with_minors"
    NOT_CERTIFIABLE = "not_certifiable"


@dataclass(frozen=True)
class IndicatorFacts:
    """What the engine needs to know about one indicator."""

    number: int
    criterion: int
    is_fundamental: bool
    is_applicable: bool
    may_be_not_applicable: bool = False
    # False for an indicator this audit leaves out (a former CNEFOP-label holder's reduced
    # initial audit): it predicts nothing now and is checked at the surveillance audit.
    is_audited: bool = True


@dataclass(frozen=True)
class EvidenceFacts:
    """One evidence item, as the engine sees it."""

    indicator_numbers: tuple[int, ...]
    status: str  # draft, submitted, validated, rejected, expired
    valid_until: date | None = None
    # Indicators for which this (V9) proof awaits a person's confirmation under V10.
    to_review_for: tuple[int, ...] = ()


@dataclass(frozen=True)
class IndicatorResult:
    number: int
    criterion: int
    is_fundamental: bool
    status: IndicatorStatus
    # Why, in stable codes the pages translate: "validated", "only_pending", "expires_before",
    # "open_minor_nc", "rating_minor", "no_evidence", "open_major_nc", "rating_major".
    reasons: tuple[str, ...] = ()
    # Recent sessions whose learners miss this indicator's per-learner proof, as given to
    # `compute` ({"session": id, "enrolments": [ids]}, most recent first; names are read
    # when shown, so that a snapshot keeps no personal data).
    session_gaps: tuple[Mapping[str, Any], ...] = ()

    @property
    def score(self) -> float:
        return {IndicatorStatus.READY: 1.0, IndicatorStatus.PARTIAL: 0.5}.get(self.status, 0.0)

    @property
    def weight(self) -> int:
        return 2 if self.is_fundamental else 1

    @property
    def predicted_nc(self) -> Severity | None:
        if self.status in (IndicatorStatus.READY, IndicatorStatus.NOT_APPLICABLE):
            return None
        if self.is_fundamental or self.status == IndicatorStatus.MISSING:
            return Severity.MAJOR
        return Severity.MINOR


@dataclass(frozen=True)
class Readiness:
    target_date: date
    indicators: tuple[IndicatorResult, ...]
    criterion_percent: Mapping[int, float]
    overall_percent: float
    predicted_major: int
    predicted_minor: int
    outcome: Outcome
    counts: Mapping[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for snapshots and `manage.py readiness --json`."""
        return {
            "target_date": self.target_date.isoformat(),
            "overall_percent": self.overall_percent,
            "criterion_percent": {str(k): v for k, v in sorted(self.criterion_percent.items())},
            "predicted_major": self.predicted_major,
            "predicted_minor": self.predicted_minor,
            "outcome": str(self.outcome),
            "counts": dict(self.counts),
            "indicators": [
                {
                    "number": result.number,
                    "criterion": result.criterion,
                    "fundamental": result.is_fundamental,
                    "status": str(result.status),
                    "predicted_nc": str(result.predicted_nc) if result.predicted_nc else None,
                    "reasons": list(result.reasons),
                    "session_gaps": [dict(gap) for gap in result.session_gaps],
                }
                for result in self.indicators
            ],
        }


# From most to least severe: an unreviewed disagreement counts as its most severe rating.
_SEVERITY_ORDER = (Rating.MAJOR, Rating.MINOR, Rating.CONFORM, Rating.NOT_APPLICABLE)


def consolidate(ratings: Iterable[str]) -> str | None:
    """One rating from several respondents' ratings, before the review agrees on one.

    The most severe wins (prudence before the audit); "non applicable" only when every
    respondent says so. None when nobody has rated.
    """
    given = {rating for rating in ratings if rating}
    for rating in _SEVERITY_ORDER:
        if rating in given:
            return str(rating)
    return None


def effective_ratings(
    campaigns: Iterable[tuple[Mapping[int, str], Mapping[int, Iterable[str]]]],
) -> dict[int, str]:
    """The self-rating of each indicator that readiness uses.

    `campaigns` are (agreed ratings, respondents' ratings) per campaign, newest first. For each
    indicator the newest campaign that says anything about it decides: its agreed rating when the
    review set one, else the consolidated respondents' rating.
    """
    ratings: dict[int, str] = {}
    for agreed, answered in campaigns:
        for number in set(agreed) | set(answered):
            if number in ratings:
                continue
            rating = agreed.get(number) or consolidate(answered.get(number, ()))
            if rating:
                ratings[number] = rating
    return ratings


def indicator_status(
    *,
    evidence: Iterable[EvidenceFacts],
    target_date: date,
    rating: str | None = None,
    open_nc: Severity | str | None = None,
    offers_incomplete: bool = False,
    sessions_incomplete: bool = False,
    survey_reasons: Sequence[str] = (),
) -> tuple[IndicatorStatus, tuple[str, ...]]:
    """The status of one applicable indicator and the reasons behind it (its evidence as
    `compute` sees it for this indicator: "to_review" for a V9 proof awaiting confirmation)."""
    usable_now = expiring = pending = to_review = False
    for item in evidence:
        if item.status == TO_REVIEW:
            to_review = True
        elif item.status == "validated":
            if item.valid_until is None or item.valid_until >= target_date:
                usable_now = True
            else:
                expiring = True
        elif item.status in ("submitted", "draft"):
            pending = True
    missing_reasons = []
    if open_nc == Severity.MAJOR:
        missing_reasons.append("open_major_nc")
    if rating == Rating.MAJOR:
        missing_reasons.append("rating_major")
    if not (usable_now or expiring or pending or to_review):
        missing_reasons.append("no_evidence")
    if missing_reasons:
        return IndicatorStatus.MISSING, tuple(missing_reasons)
    partial_reasons = []
    if not usable_now:
        if to_review:
            partial_reasons.append("v9_to_review")
        if expiring:
            partial_reasons.append("expires_before")
        elif pending or not to_review:
            partial_reasons.append("only_pending")
    if open_nc == Severity.MINOR:
        partial_reasons.append("open_minor_nc")
    if rating == Rating.MINOR:
        partial_reasons.append("rating_minor")
    if offers_incomplete:
        # A published offer lacks what this indicator asks the public information to say.
        partial_reasons.append("offers_incomplete")
    if sessions_incomplete:
        # Recent sessions' learners miss the per-learner proof this indicator asks for.
        partial_reasons.append("sessions_incomplete")
    # The surveys leave a gap: a stakeholder group never asked (30), no published rate read
    # from answers (2), apprentices without their own evaluation (V10's 33).
    partial_reasons.extend(survey_reasons)
    if partial_reasons:
        return IndicatorStatus.PARTIAL, tuple(partial_reasons)
    return IndicatorStatus.READY, ("validated",)


def open_ncs_from(findings: Iterable[tuple[int, str, str]]) -> dict[int, Severity]:
    """Per indicator, the most severe open non-conformity among (indicator, severity, status)
    findings: several findings on one indicator are one NC (DOMAIN.md), a lifted one none."""
    severity: dict[int, Severity] = {}
    for number, kind, status in findings:
        if status == "lifted":
            continue
        if severity.get(number) != Severity.MAJOR:
            severity[number] = Severity(kind)
    return severity


def _percent(results: list[IndicatorResult]) -> float:
    weights = sum(result.weight for result in results)
    if not weights:
        return 0.0
    return round(100 * sum(result.weight * result.score for result in results) / weights, 1)


def compute(
    *,
    indicators: Iterable[IndicatorFacts],
    evidence: Iterable[EvidenceFacts],
    target_date: date,
    ratings: Mapping[int, str] | None = None,
    open_ncs: Mapping[int, Severity | str] | None = None,
    offer_gaps: Mapping[int, int] | None = None,
    session_gaps: Mapping[int, Sequence[Mapping[str, Any]]] | None = None,
    survey_gaps: Mapping[int, Sequence[str]] | None = None,
    minor_threshold: int = DEFAULT_MINOR_THRESHOLD,
) -> Readiness:
    ratings, open_ncs, offer_gaps = ratings or {}, open_ncs or {}, offer_gaps or {}
    session_gaps, survey_gaps = session_gaps or {}, survey_gaps or {}
    by_number: dict[int, list[EvidenceFacts]] = {}
    for item in evidence:
        for number in set(item.indicator_numbers):
            if item.status == "validated" and number in item.to_review_for:
                seen = replace(item, status=TO_REVIEW)  # for this indicator only
            else:
                seen = item
            by_number.setdefault(number, []).append(seen)
    results = []
    for indicator in sorted(indicators, key=lambda facts: facts.number):
        rating = ratings.get(indicator.number)
        notes: tuple[str, ...] = ()
        if rating == Rating.NOT_APPLICABLE and not indicator.may_be_not_applicable:
            # Rated under a version that allowed it (V9's indicator 12): this one does not.
            rating, notes = None, ("rating_not_applicable_ignored",)
        open_nc = open_ncs.get(indicator.number)
        if open_nc is not None and indicator.is_fundamental:
            open_nc = Severity.MAJOR  # no minor NC on an always-major indicator
        reasons: tuple[str, ...]
        if not indicator.is_applicable:
            status, reasons = IndicatorStatus.NOT_APPLICABLE, ()
        elif not indicator.is_audited:
            status, reasons = IndicatorStatus.NOT_APPLICABLE, ("not_in_reduced_audit",)
        elif rating == Rating.NOT_APPLICABLE:
            # Declared not applicable in the self-assessment, where the referential allows it.
            status, reasons = IndicatorStatus.NOT_APPLICABLE, ("rating_not_applicable",)
        else:
            status, reasons = indicator_status(
                evidence=by_number.get(indicator.number, ()),
                target_date=target_date,
                rating=rating,
                open_nc=open_nc,
                offers_incomplete=bool(offer_gaps.get(indicator.number)),
                sessions_incomplete=bool(session_gaps.get(indicator.number)),
                survey_reasons=tuple(survey_gaps.get(indicator.number, ())),
            )
            reasons += notes
        results.append(
            IndicatorResult(
                number=indicator.number,
                criterion=indicator.criterion,
                is_fundamental=indicator.is_fundamental,
                status=status,
                reasons=reasons,
                session_gaps=(
                    tuple(session_gaps.get(indicator.number, ()))
                    if status != IndicatorStatus.NOT_APPLICABLE
                    else ()
                ),
            )
        )
    applicable = [r for r in results if r.status != IndicatorStatus.NOT_APPLICABLE]
    criteria = sorted({r.criterion for r in applicable})
    criterion_percent = {
        criterion: _percent([r for r in applicable if r.criterion == criterion])
        for criterion in criteria
    }
    major = sum(1 for r in applicable if r.predicted_nc == Severity.MAJOR)
    minor = sum(1 for r in applicable if r.predicted_nc == Severity.MINOR)
    if major or minor >= minor_threshold:
        outcome = Outcome.NOT_CERTIFIABLE
    elif minor:
        outcome = Outcome.CERTIFIABLE_WITH_MINORS
    else:
        outcome = Outcome.CERTIFIABLE
    counts = {status.value: 0 for status in IndicatorStatus}
    for result in results:
        counts[result.status.value] += 1
    return Readiness(
        target_date=target_date,
        indicators=tuple(results),
        criterion_percent=criterion_percent,
        overall_percent=_percent(applicable),
        predicted_major=major,
        predicted_minor=minor,
        outcome=outcome,
        counts=counts,
    )
