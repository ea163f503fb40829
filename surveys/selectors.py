"""Reads of surveys: a session's campaigns and whether they are closed, and the free-text
answers a referent reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from training_offers.models import Session

from .models import Answer, CampaignSummary, Invitation, Question, Questionnaire


@dataclass
class Campaign:
    """The invitations of one questionnaire version for one session.

    Closed once every invitation has been answered or has expired (a campaign without any
    invitation does not exist); it closed at the last answer or expiry."""

    session_id: int
    questionnaire: Questionnaire
    invited: int
    answered: int
    pending: int  # neither answered nor expired yet
    last_event: datetime | None
    summary: CampaignSummary | None = None

    @property
    def is_closed(self) -> bool:
        return self.invited > 0 and self.pending == 0

    @property
    def closed_at(self) -> datetime | None:
        return self.last_event if self.is_closed else None


def _campaign_rows(now: datetime) -> QuerySet:
    return (
        Invitation.objects.filter(session__isnull=False)
        .values("session_id", "questionnaire_id")
        .annotate(
            invited=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            pending=Count("pk", filter=Q(answered_at__isnull=True, expires_at__gt=now)),
            last_event=Max(Coalesce("answered_at", "expires_at")),
        )
        .order_by("questionnaire_id")
    )


def _campaigns(queryset: QuerySet) -> list[Campaign]:
    rows = list(queryset)
    questionnaires = Questionnaire.objects.in_bulk({row["questionnaire_id"] for row in rows})
    summaries = {}
    if rows:
        summaries = {
            (summary.session_id, summary.questionnaire_id): summary
            for summary in CampaignSummary.objects.filter(
                session_id__in={row["session_id"] for row in rows}
            ).select_related("evidence")
        }
    return [
        Campaign(
            session_id=row["session_id"],
            questionnaire=questionnaires[row["questionnaire_id"]],
            invited=row["invited"],
            answered=row["answered"],
            pending=row["pending"],
            last_event=row["last_event"],
            summary=summaries.get((row["session_id"], row["questionnaire_id"])),
        )
        for row in rows
    ]


def campaigns_of_session(session: Session, *, now: datetime | None = None) -> list[Campaign]:
    """The session's campaigns, one per questionnaire version asked, with their summary."""
    rows = _campaign_rows(now or timezone.now()).filter(session=session)
    return sorted(_campaigns(rows), key=lambda c: (c.questionnaire.kind, c.questionnaire.version))


def campaign_get(
    *, session_id: int, questionnaire_id: int, now: datetime | None = None
) -> Campaign | None:
    rows = _campaign_rows(now or timezone.now()).filter(
        session_id=session_id, questionnaire_id=questionnaire_id
    )
    campaigns = _campaigns(rows)
    return campaigns[0] if campaigns else None


def campaigns_closed_without_summary(*, now: datetime | None = None) -> list[tuple[int, int]]:
    """(session id, questionnaire id) of the closed campaigns that have no summary yet
    (current schema): what the nightly task renders."""
    summarised = CampaignSummary.objects.filter(
        session_id=OuterRef("session_id"), questionnaire_id=OuterRef("questionnaire_id")
    )
    rows = (
        _campaign_rows(now or timezone.now())
        .filter(~Exists(summarised))
        .filter(pending=0)
        .order_by("session_id", "questionnaire_id")
    )
    return [(row["session_id"], row["questionnaire_id"]) for row in rows]


# --- Free-text answers ---------------------------------------------------------------------


def _free_text(code: str) -> QuerySet[Answer]:
    return Answer.objects.filter(
        question__questionnaire__code=code, question__type=Question.Type.TEXT
    ).exclude(text="")


def free_text_answers(*, code: str, session_id: int | None = None) -> QuerySet[Answer]:
    """The free-text answers to every version of a questionnaire, newest first."""
    answers = (
        _free_text(code)
        .select_related(
            "question__questionnaire",
            "response__session__offer",
            "response__invitation",
            "action",
        )
        .order_by("-response__submitted_at", "-pk")
    )
    if session_id is not None:
        answers = answers.filter(response__session_id=session_id)
    return answers


def free_text_sessions(*, code: str) -> QuerySet[Session]:
    """The sessions that have free-text answers to a questionnaire (the page's filter)."""
    return (
        Session.objects.filter(pk__in=_free_text(code).values("response__session_id"))
        .select_related("offer")
        .order_by("-starts_on", "-pk")
    )


def free_text_position(answers: QuerySet[Answer], answer: Answer) -> int:
    """How many answers of the list come before this one (newest first): the page to open."""
    at = answer.response.submitted_at
    return answers.filter(
        Q(response__submitted_at__gt=at) | Q(response__submitted_at=at, pk__gt=answer.pk)
    ).count()
