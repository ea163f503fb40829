"""Reads of the self-assessment: the consolidated view and what readiness takes from it."""

from __future__ import annotations

from dataclasses import dataclass

from indicators.readiness import consolidate, effective_ratings
from indicators.referential.models import Indicator
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.selectors import OrganisationAccess

from .models import AgreedRating, Answer, Campaign


def self_ratings() -> dict[int, str]:
    """The self-assessment's say per indicator (current schema), in two queries."""
    created: dict[int, object] = {}
    agreed: dict[int, dict[int, str]] = {}
    for campaign_id, created_at, number, rating in AgreedRating.objects.values_list(
        "campaign_id", "campaign__created_at", "indicator_number", "rating"
    ):
        created[campaign_id] = created_at
        agreed.setdefault(campaign_id, {})[number] = rating
    answered: dict[int, dict[int, list[str]]] = {}
    for campaign_id, created_at, number, rating in Answer.objects.exclude(rating="").values_list(
        "campaign_id", "campaign__created_at", "indicator_number", "rating"
    ):
        created[campaign_id] = created_at
        answered.setdefault(campaign_id, {}).setdefault(number, []).append(rating)
    # Newest campaign first (by creation, then id), as `effective_ratings` expects.
    order = sorted(created, key=lambda pk: (created[pk], pk), reverse=True)
    return effective_ratings((agreed.get(pk, {}), answered.get(pk, {})) for pk in order)


@dataclass(frozen=True)
class CampaignRow:
    """One indicator of the consolidated view."""

    indicator: Indicator
    ratings: list[str]  # per respondent, "" when not answered, in respondent order
    consolidated: str | None
    agreed: AgreedRating | None
    has_actions: bool

    @property
    def answered(self) -> int:
        return sum(1 for rating in self.ratings if rating)

    @property
    def disagreement(self) -> bool:
        return len({rating for rating in self.ratings if rating}) > 1


def campaign_rows(*, campaign: Campaign, indicators: list[Indicator], respondents: list) -> list:
    """Every applicable indicator with each respondent's rating, agreement and agreed rating."""
    position = {user.pk: index for index, user in enumerate(respondents)}
    ratings: dict[int, list[str]] = {i.number: [""] * len(respondents) for i in indicators}
    with_actions: set[int] = set()
    for user_id, number, rating, corrective in campaign.answers.filter(
        respondent_id__in=list(position)
    ).values_list("respondent_id", "indicator_number", "rating", "corrective_actions"):
        if number in ratings and user_id in position:
            ratings[number][position[user_id]] = rating
        if corrective:
            with_actions.add(number)
    agreed = {a.indicator_number: a for a in campaign.agreed.all()}
    return [
        CampaignRow(
            indicator,
            ratings[indicator.number],
            consolidate(ratings[indicator.number]),
            agreed.get(indicator.number),
            indicator.number in with_actions,
        )
        for indicator in indicators
    ]


def campaign_respondents(*, campaign: Campaign) -> list:
    return [
        respondent.user for respondent in campaign.respondents.select_related("user").order_by("pk")
    ]


def campaign_answers_all_visible(*, campaign: Campaign, access: OrganisationAccess) -> bool:
    """Whether the viewer may read every respondent's answers.

    While answers are being collected each respondent answers alone, so that nobody aligns on
    a colleague's rating (the Cap method's independent self-assessment, seed 004); from the
    review on, everyone reads them all. Those running the review see them all along.
    """
    return campaign.status != Campaign.Status.OPEN or access.has(Permission.SELF_ASSESSMENT_REVIEW)


def campaign_visible_respondents(
    *, campaign: Campaign, respondents: list, user, access: OrganisationAccess
) -> list:
    """The respondents whose answers the viewer may read, in campaign order."""
    if campaign_answers_all_visible(campaign=campaign, access=access):
        return respondents
    return [respondent for respondent in respondents if respondent.pk == user.pk]
