"""The rules of half-day e-attendance, on plain data (no database).

- `half_days`: a session's days cut into morning and afternoon slots from its schedule. The
  sheet is signed per half-day by the trainees and the trainer: Transitions Pro Occitanie's
  toolbox (seed 002, « Elle doit être signée par demi-journée par les stagiaires et le
  formateur », model from DREETS Hauts-de-France), and Solstice's pieces list (seed 001,
  « signature des stagiaires pour chaque séquence d'une demi-journée »). The hours of a
  half-day and the 15 minutes' early signing are the portal's defaults, no rule.
- `record_hash` / `first_broken`: every attendance record carries the SHA-256 of its content
  and of the previous record of the same session, so that changing, inserting or removing a
  stored record breaks the chain from that point on, where `first_broken` finds it.
- `minutes_late` / `minutes_early`, `attended_minutes`: what a signature and the slot's hours
  say about presence, for the sheet and for financers paying by attendance.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

MORNING = "am"
AFTERNOON = "pm"
# The first record of a session chains to this value.
GENESIS = "0" * 64


@dataclass(frozen=True)
class Schedule:
    """The hours of a training day; a half left empty (None) has no slot."""

    morning: tuple[time, time] | None = (time(9, 0), time(12, 30))
    afternoon: tuple[time, time] | None = (time(13, 30), time(17, 0))
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0


@dataclass(frozen=True)
class HalfDay:
    day: date
    half: str
    starts_at: time
    ends_at: time


def half_days(starts_on: date, ends_on: date, schedule: Schedule) -> list[HalfDay]:
    """Every half-day slot from the first to the last day of a session, in order."""
    if ends_on < starts_on:
        raise ValueError("a session cannot end before it starts")
    for hours in (schedule.morning, schedule.afternoon):
        if hours is not None and hours[1] <= hours[0]:
            raise ValueError("a half-day must end after it starts")
    if (
        schedule.morning is not None
        and schedule.afternoon is not None
        and schedule.afternoon[0] < schedule.morning[1]
    ):
        raise ValueError("the afternoon cannot start before the morning ends")
    slots = []
    day = starts_on
    while day <= ends_on:
        if day.weekday() in schedule.weekdays:
            for half, hours in ((MORNING, schedule.morning), (AFTERNOON, schedule.afternoon)):
                if hours is not None:
                    slots.append(HalfDay(day, half, hours[0], hours[1]))
        day += timedelta(days=1)
    return slots


def record_hash(content: dict[str, object], previous: str) -> str:
    """SHA-256 of the record's content (canonical JSON) and of the previous record's hash."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    """A record as read back: what it says, and the hashes it was stored with."""

    content: dict[str, object]
    previous_hash: str
    hash: str


def first_broken(records: Sequence[Stored]) -> int | None:
    """Index of the first record whose chain does not hold, or None when all of it holds."""
    previous = GENESIS
    for index, record in enumerate(records):
        if record.previous_hash != previous or record_hash(record.content, previous) != record.hash:
            return index
        previous = record.hash
    return None


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def minutes_late(day: date, starts_at: time, signed_at: datetime) -> int:
    """Minutes after the slot's start at which a learner signed in (0 when on time)."""
    start = datetime.combine(day, starts_at, tzinfo=signed_at.tzinfo)
    return _minutes(signed_at - start)


def slot_minutes(starts_at: time, ends_at: time) -> int:
    return _minutes(datetime.combine(date.min, ends_at) - datetime.combine(date.min, starts_at))


def attended_minutes(
    slots: Iterable[tuple[time, time, int, int]],
) -> int:
    """Minutes present over (start, end, minutes late, minutes left early) of attended slots."""
    total = 0
    for starts_at, ends_at, late, early in slots:
        total += max(0, slot_minutes(starts_at, ends_at) - late - early)
    return total
