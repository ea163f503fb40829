"""Reads of surveys for pages: which questionnaire versions the results of a period read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from .models import Invitation, Questionnaire, Response


@dataclass(frozen=True)
class QuestionnaireUse:
    """One questionnaire version over a period: asked, answered, and answers received."""

    questionnaire_pk: int
    title: str
    version: int
    kind: str
    invited: int
    answered: int
    responses: int  # imported answers included

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.answered / self.invited, 1) if self.invited else None


def questionnaire_uses(*, start: date | None, end: date) -> list[QuestionnaireUse]:
    """Per questionnaire version, for the sessions ended in the period (and, for surveys
    without a session, those asked in it): said on the results page so that two versions are
    never mixed silently. Two queries whatever the number of answers."""
    in_period = Q(session__ends_on__lte=end)
    if start:
        in_period &= Q(session__ends_on__gte=start)
    loose = Q(session__isnull=True, created_at__date__lte=end)
    if start:
        loose &= Q(created_at__date__gte=start)
    asked = {
        pk: (invited, answered)
        for pk, invited, answered in Invitation.objects.filter(in_period | loose)
        .values_list("questionnaire")
        .annotate(invited=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)))
        .order_by()
    }
    loose_responses = Q(session__isnull=True, submitted_at__date__lte=end)
    if start:
        loose_responses &= Q(submitted_at__date__gte=start)
    received = dict(
        Response.objects.filter(in_period | loose_responses)
        .values_list("questionnaire")
        .annotate(count=Count("pk"))
        .order_by()
    )
    keys = set(asked) | set(received)
    if not keys:
        return []
    return [
        QuestionnaireUse(
            questionnaire_pk=pk,
            title=title,
            version=version,
            kind=kind,
            invited=asked.get(pk, (0, 0))[0],
            answered=asked.get(pk, (0, 0))[1],
            responses=received.get(pk, 0),
        )
        for pk, title, version, kind in Questionnaire.objects.filter(pk__in=keys)
        .order_by("kind", "code", "version")
        .values_list("pk", "title", "version", "kind")
    ]
