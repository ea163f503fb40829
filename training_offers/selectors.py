"""Reads of the training offers app: completeness and results, ready for pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.utils import timezone

from .completeness import Completeness, check
from .eligibility import CpfEligibility, cpf_eligibility
from .models import Offer, Session
from .results import Rate, SessionFigures, rates


def completeness(offer: Offer, *, version_code: str) -> Completeness:
    return check(model_to_dict(offer), version_code=version_code)


def cpf(offer: Offer) -> CpfEligibility:
    return cpf_eligibility(model_to_dict(offer))


@dataclass(frozen=True)
class PeriodResults:
    """Result rates with what a reader needs to judge them: the period and the sample."""

    rates: list[Rate]
    start: date | None
    end: date  # sessions that ended on or before this day, never after today
    session_count: int


def sessions_ended(
    *, end: date, offer: Offer | None = None, start: date | None = None
) -> QuerySet[Session]:
    """Sessions that ended within [start, end]: planned or running sessions have no result."""
    sessions = Session.objects.filter(ends_on__lte=end)
    if offer is not None:
        sessions = sessions.filter(offer=offer)
    if start:
        sessions = sessions.filter(ends_on__gte=start)
    return sessions


def period_results(
    *,
    offer: Offer | None = None,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> PeriodResults:
    """Rates of the sessions ended in the period; a period reaching past today stops today.

    Indicator 2 audits what the provider publishes: counting a session planned next year would
    publish learners who have not trained yet.
    """
    today = today or timezone.localdate()
    end = min(end, today) if end else today
    sessions = list(sessions_ended(offer=offer, start=start, end=end))
    return PeriodResults(rates=_rates(sessions), start=start, end=end, session_count=len(sessions))


def _rates(sessions: list[Session]) -> list[Rate]:
    return rates(
        (
            SessionFigures(
                enrolled=s.enrolled,
                completed=s.completed,
                dropouts=s.dropouts,
                certification_candidates=s.certification_candidates,
                certification_passed=s.certification_passed,
                hot_average=s.hot_average,
                hot_responses=s.hot_responses,
                cold_average=s.cold_average,
                cold_responses=s.cold_responses,
                recommend_yes=s.recommend_yes,
                recommend_responses=s.recommend_responses,
            )
            for s in sessions
        ),
        min_sample=settings.RESULTS_MIN_SAMPLE,
    )


def offers_threatening(*, version_code: str) -> dict[int, int]:
    """Per indicator, how many published offers have a gap threatening it (feeds readiness)."""
    counts: dict[int, int] = {}
    for offer in Offer.objects.filter(status=Offer.Status.PUBLISHED):
        for number in completeness(offer, version_code=version_code).threatened():
            counts[number] = counts.get(number, 0) + 1
    return counts
