"""Reads of the indicators app: the latest readiness, ready for the dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models.expressions import RawSQL
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
    # The last figure of each day (_trend_points), when asked for with the panel.
    trend: list[TrendPoint] = field(default_factory=list)


def readiness_panel(
    *, trend_days: int | None = None, today: date | None = None
) -> ReadinessPanel | None:
    """The latest snapshot (current schema) with its bars and gaps, most severe gaps first.

    With `trend_days`, the same statement brings the trend over those days (the dashboard
    shows both: one query instead of two).
    """
    snapshots = ReadinessSnapshot.objects.all()
    if trend_days is not None:
        sql, params = _trend_rows(days=trend_days, today=today).query.sql_with_params()
        # The inner statement is Django's own, its values passed as parameters.
        snapshots = snapshots.annotate(
            trend_points=RawSQL(  # noqa: S611
                f"SELECT json_agg(json_build_array(t.day, t.overall_percent) ORDER BY t.day) FROM ({sql}) t",  # noqa: S608, E501
                params,
            )
        )
    snapshot = snapshots.first()
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
    points = getattr(snapshot, "trend_points", None) or []
    return ReadinessPanel(
        snapshot=snapshot,
        outcome_label=str(Outcome(snapshot.outcome).label),
        bars=bars,
        gaps=gaps,
        chart_height=16 + 30 * len(bars),
        trend=_trend_points([(date.fromisoformat(day), percent) for day, percent in points]),
    )


# --- Trend (dashboard) --------------------------------------------------------------------

TREND_WIDTH, TREND_HEIGHT = 260, 60


@dataclass(frozen=True)
class TrendPoint:
    day: date
    percent: float
    x: float
    y: float


TREND_DAYS = 90


def _trend_rows(*, days: int, today: date | None):
    today = today or timezone.localdate()
    start = today - timedelta(days=days - 1)
    return (
        ReadinessSnapshot.objects.filter(computed_at__date__gte=start)
        .annotate(day=TruncDate("computed_at"))
        .order_by("day", "-computed_at", "-pk")
        .distinct("day")
        .values_list("day", "overall_percent")
    )


def _trend_points(points: list[tuple[date, float]]) -> list[TrendPoint]:
    """The last figure of each day over the period, placed for a small SVG line."""
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
