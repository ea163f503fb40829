"""Reads of the indicators app: the latest readiness, ready for the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Outcome, ReadinessSnapshot
from .presentation import READINESS_REASON_LABELS, READINESS_STATUS_LABELS
from .readiness import IndicatorStatus
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
class Gap:
    number: int
    title: str
    is_fundamental: bool
    status: str
    reasons: tuple[str, ...]

    @property
    def status_label(self) -> str:
        return str(READINESS_STATUS_LABELS[self.status])

    @property
    def reason_text(self) -> str:
        return ", ".join(str(READINESS_REASON_LABELS.get(r, r)) for r in self.reasons)


@dataclass(frozen=True)
class ReadinessPanel:
    snapshot: ReadinessSnapshot
    outcome_label: str
    bars: list[CriterionBar]
    gaps: list[Gap]
    chart_height: int
    bar_width: int = BAR_WIDTH


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
