"""Calendar arithmetic shared by the rules that count in months (certificate cycles, deadlines,
proof validity, survey rounds, the published year of results)."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import TypeVar

_Moment = TypeVar("_Moment", date, datetime)


def add_months(moment: _Moment, months: int) -> _Moment:
    """The same day (and time) `months` later, or earlier when negative; the month's last day
    when it has no such day (31 January + 1 month = 28 or 29 February)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )
