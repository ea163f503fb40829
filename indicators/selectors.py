"""Reads of the indicators app: the latest readiness, ready for the dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import Outcome, ReadinessSnapshot
from .presentation import ReadinessLabels
from .readiness import IndicatorStatus
from .referential import selectors as referential_selectors
from .referential.models import ReferentialVersion

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
    # Recent sessions missing the per-learner proof ({"session": id, "enrolments": [ids]}).
    session_gaps: tuple = ()


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
    titles, criteria = {}, {}
    try:
        version = referential_selectors.version_get(code=snapshot.version_code)
    except ReferentialVersion.DoesNotExist:
        version = None
    if version is not None:
        for indicator in referential_selectors.indicators_of(version):
            titles[indicator.number] = indicator.title
            criteria[indicator.criterion.number] = indicator.criterion.title
    result = snapshot.result
    bars = [
        CriterionBar(int(number), criteria.get(int(number), ""), percent, 8 + 30 * index)
        for index, (number, percent) in enumerate(result["criterion_percent"].items())
    ]
    severity: dict[str, int] = {IndicatorStatus.MISSING: 0, IndicatorStatus.PARTIAL: 1}
    gaps = sorted(
        (
            Gap(
                item["number"],
                titles.get(item["number"], ""),
                item["fundamental"],
                item["status"],
                tuple(item["reasons"]),
                tuple(item.get("session_gaps", ())),
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


# --- Trend (dashboard) --------------------------------------------------------------------

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
