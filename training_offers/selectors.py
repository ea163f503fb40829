"""Reads of the training offers app: completeness and results, ready for pages."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.forms.models import model_to_dict

from .completeness import Completeness, check
from .models import Offer, Session
from .results import Rate, SessionFigures, rates


def completeness(offer: Offer, *, version_code: str) -> Completeness:
    return check(model_to_dict(offer), version_code=version_code)


def sessions_in(
    *, offer: Offer | None = None, start: date | None = None, end: date | None = None
) -> QuerySet[Session]:
    """Sessions that ended in the period (results count finished sessions)."""
    sessions = Session.objects.all()
    if offer is not None:
        sessions = sessions.filter(offer=offer)
    if start:
        sessions = sessions.filter(ends_on__gte=start)
    if end:
        sessions = sessions.filter(ends_on__lte=end)
    return sessions


def results(sessions) -> list[Rate]:
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
