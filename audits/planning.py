"""Checks on an audit's dates and timetable that a certifier would raise before planning it.

Pure functions: the days off come from the kept `holidays` package (French public holidays,
metropolitan calendar), never from a hand-made list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import holidays

# A certifier's audit day, to compare a timetable with a duration in days. The arrêté of
# 6 June 2019 counts durations in days without saying how many hours a day holds: this is
# the portal's assumption, shown as such on the page.
HOURS_PER_AUDIT_DAY = Decimal(7)


@dataclass(frozen=True)
class DayOff:
    day: date
    reason: str  # the holiday's name, or "" for a Saturday or a Sunday

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5


def days_off(start: date, end: date, *, language: str = "fr") -> list[DayOff]:
    """The weekend days and French public holidays between start and end, included."""
    calendar = holidays.France(
        years=range(start.year, end.year + 1), language="fr" if language == "fr" else "en_US"
    )
    found = []
    day = start
    while day <= end:
        if day in calendar:
            found.append(DayOff(day, calendar.get(day)))
        elif day.weekday() >= 5:
            found.append(DayOff(day, ""))
        day += timedelta(days=1)
    return found


def timetable_hours(slots: Iterable[tuple[date, time, time]]) -> Decimal:
    """Hours the timetable covers: each slot once, overlaps on the same day counted once."""
    by_day: dict[date, list[tuple[time, time]]] = {}
    for day, starts_at, ends_at in slots:
        by_day.setdefault(day, []).append((starts_at, ends_at))
    minutes = 0
    for day, spans in by_day.items():
        current_start = current_end = None
        for starts_at, ends_at in sorted(spans):
            start = datetime.combine(day, starts_at)
            end = datetime.combine(day, ends_at)
            if current_end is None or start > current_end:
                if current_end is not None:
                    minutes += int((current_end - current_start).total_seconds() // 60)
                current_start, current_end = start, end
            else:
                current_end = max(current_end, end)
        if current_end is not None:
            minutes += int((current_end - current_start).total_seconds() // 60)
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def hours_for(days: Decimal) -> Decimal:
    return days * HOURS_PER_AUDIT_DAY
