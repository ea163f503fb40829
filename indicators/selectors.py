"""Reads of the indicators app: the latest readiness, ready for the dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Case, QuerySet, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from evidence.models import EvidenceItem
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.selectors import OrganisationAccess

from .models import Action, AgreedRating, Campaign, Outcome, ReadinessSnapshot
from .presentation import ReadinessLabels
from .readiness import IndicatorStatus, consolidate
from .referential.models import Indicator, ReferentialVersion

BAR_WIDTH = 260


@dataclass(frozen=True)
class CriterionBar:
    number: int
    title: str
    percent: float
    y: int

    @property
    def width(self) -> float:
        return round(BAR_WIDTH * self.percent / 100, 1)


@dataclass(frozen=True)
class Gap(ReadinessLabels):
    number: int
    title: str
    is_fundamental: bool
    status: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ReadinessPanel:
    snapshot: ReadinessSnapshot
    outcome_label: str
    bars: list[CriterionBar]
    gaps: list[Gap]
    chart_height: int
    bar_width: int = BAR_WIDTH
    # The rule the outcome follows, stated next to it (partials/verdict_rules.html).
    minor_threshold: int = field(default_factory=lambda: settings.READINESS_MINOR_NC_THRESHOLD)


def readiness_panel() -> ReadinessPanel | None:
    """The latest snapshot (current schema) with its bars and gaps, most severe gaps first."""
    snapshot = ReadinessSnapshot.objects.first()
    if snapshot is None:
        return None
    version = ReferentialVersion.objects.filter(code=snapshot.version_code).first()
    titles, criteria = {}, {}
    if version is not None:
        titles = dict(version.indicators.values_list("number", "title"))
        criteria = dict(version.criteria.values_list("number", "title"))
    result = snapshot.result
    bars = [
        CriterionBar(int(number), criteria.get(int(number), ""), percent, 8 + 30 * index)
        for index, (number, percent) in enumerate(result["criterion_percent"].items())
    ]
    severity = {IndicatorStatus.MISSING: 0, IndicatorStatus.PARTIAL: 1}
    gaps = sorted(
        (
            Gap(
                item["number"],
                titles.get(item["number"], ""),
                item["fundamental"],
                item["status"],
                tuple(item["reasons"]),
            )
            for item in result["indicators"]
            if item["status"] in severity
        ),
        key=lambda gap: (severity[gap.status], not gap.is_fundamental, gap.number),
    )
    return ReadinessPanel(
        snapshot=snapshot,
        outcome_label=str(Outcome(snapshot.outcome).label),
        bars=bars,
        gaps=gaps,
        chart_height=16 + 30 * len(bars),
    )


# --- Trend, expiring items and overdue actions (dashboard) ---------------------------------

TREND_WIDTH, TREND_HEIGHT = 260, 60


@dataclass(frozen=True)
class TrendPoint:
    day: date
    percent: float
    x: float
    y: float


def readiness_trend(*, days: int = 90, today: date | None = None) -> list[TrendPoint]:
    """The last figure of each day over the period, placed for a small SVG line."""
    today = today or timezone.localdate()
    start = today - timedelta(days=days - 1)
    rows = (
        ReadinessSnapshot.objects.filter(computed_at__date__gte=start)
        .annotate(day=TruncDate("computed_at"))
        .order_by("day", "-computed_at", "-pk")
        .distinct("day")
        .values_list("day", "overall_percent")
    )
    points = list(rows)
    step = TREND_WIDTH / max(len(points) - 1, 1)
    return [
        TrendPoint(
            day,
            percent,
            round(index * step, 1),
            round(TREND_HEIGHT - TREND_HEIGHT * percent / 100, 1),
        )
        for index, (day, percent) in enumerate(points)
    ]


def evidence_expiring_before(*, target: date, limit: int = 20) -> list[EvidenceItem]:
    """Validated items that will no longer be valid on the audit date, soonest first."""
    return list(
        EvidenceItem.objects.filter(
            is_archived=False,
            status=EvidenceItem.Status.VALIDATED,
            valid_until__isnull=False,
            valid_until__lt=target,
        ).order_by("valid_until", "pk")[:limit]
    )


def actions_overdue(*, today: date | None = None) -> QuerySet[Action]:
    today = today or timezone.localdate()
    return Action.objects.filter(status__in=Action.OPEN_STATUSES, due_date__lt=today).order_by(
        "due_date", "pk"
    )


# --- Action plan ---------------------------------------------------------------------------


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


# --- Self-assessment -----------------------------------------------------------------------


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
