"""Horizontal bar charts drawn on the server as SVG (templates/partials/bar_chart.html): the same
markup in the page and in the PDF, no script, readable by a screen reader (title + desc)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

# Each bar under its label and its value (left and right): narrow enough for a phone.
BAR_AREA = 330
ROW_HEIGHT = 40


@dataclass(frozen=True)
class ChartBar:
    label: str
    text: str  # the value as the page writes it, or why there is none
    width: float  # 0 when there is no value
    y: int
    established: bool


@dataclass(frozen=True)
class BarChart:
    slug: str  # unique in the page: ids of the title and description
    title: str
    bars: tuple[ChartBar, ...]
    height: int
    bar_area: int = BAR_AREA

    @property
    def width(self) -> int:
        return self.bar_area

    @property
    def description(self) -> str:
        return _(" ; ").join(
            _("%(label)s : %(value)s") % {"label": bar.label, "value": bar.text}
            for bar in self.bars
        )


def bar_chart(
    *,
    slug: str,
    title: str,
    items: Sequence[tuple[str, Decimal | float | None, str]],
    maximum: float,
) -> BarChart:
    """One bar per (label, value, text); a value of None draws no bar and shows its text."""
    bars = tuple(
        ChartBar(
            label=label,
            text=text,
            width=(
                round(BAR_AREA * min(float(value), maximum) / maximum, 1)
                if value is not None and maximum
                else 0
            ),
            y=4 + ROW_HEIGHT * index,
            established=value is not None,
        )
        for index, (label, value, text) in enumerate(items)
    )
    return BarChart(slug=slug, title=title, bars=bars, height=8 + ROW_HEIGHT * len(bars))
