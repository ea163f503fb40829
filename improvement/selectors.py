"""Reads of the plan de progrès."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Case, QuerySet, When
from django.utils import timezone

from .models import Action


def actions_overdue(*, today: date | None = None) -> QuerySet[Action]:
    today = today or timezone.localdate()
    return Action.objects.filter(status__in=Action.OPEN_STATUSES, due_date__lt=today).order_by(
        "due_date", "pk"
    )


def actions_filtered(
    *, status: str = "", indicator: int | None = None, owner=None, today: date | None = None
) -> QuerySet[Action]:
    today = today or timezone.localdate()
    actions = Action.objects.select_related("owner", "completion_evidence")
    if status == "open":
        actions = actions.filter(status__in=Action.OPEN_STATUSES)
    elif status == "overdue":
        actions = actions.filter(status__in=Action.OPEN_STATUSES, due_date__lt=today)
    elif status:
        actions = actions.filter(status=status)
    if indicator:
        actions = actions.filter(indicator_numbers__contains=[indicator])
    if owner is not None:
        actions = actions.filter(owner=owner)
    # Open ones first (overdue at the top by date), then done and cancelled.
    return actions.annotate(
        closed=Case(When(status__in=Action.OPEN_STATUSES, then=0), default=1)
    ).order_by("closed", "due_date", "pk")


def actions_owned_by(*, user) -> QuerySet[Action]:
    """The open actions someone is responsible for (shown in a contributor's own space)."""
    return Action.objects.filter(owner=user, status__in=Action.OPEN_STATUSES).order_by(
        "due_date", "pk"
    )


def action_survey_origin(action: Action) -> Any:
    """The survey answer an action was made from, or None. The surveys app holds the link
    (`Answer.action`, reverse name `survey_answers`): improvement reads it without importing
    surveys, which builds on this app."""
    if action.source != Action.Source.SURVEY:
        return None
    return (
        action.survey_answers.select_related("question__questionnaire", "response")
        .order_by("pk")
        .first()
    )
