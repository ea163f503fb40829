"""The pure rules of half-day attendance: slots from a schedule, the hash chain, lateness."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from learners import attendance
from learners.attendance import AFTERNOON, GENESIS, MORNING, HalfDay, Schedule, Stored

PARIS = ZoneInfo("Europe/Paris")


def test_a_week_with_a_weekend_gives_two_slots_per_working_day():
    # Thursday 3 to Tuesday 8 December 2026: Thu, Fri, Mon, Tue.
    slots = attendance.half_days(date(2026, 12, 3), date(2026, 12, 8), Schedule())
    assert [(s.day.day, s.half) for s in slots] == [
        (3, MORNING),
        (3, AFTERNOON),
        (4, MORNING),
        (4, AFTERNOON),
        (7, MORNING),
        (7, AFTERNOON),
        (8, MORNING),
        (8, AFTERNOON),
    ]
    assert slots[0] == HalfDay(date(2026, 12, 3), MORNING, time(9, 0), time(12, 30))


def test_a_schedule_without_afternoon_and_with_saturday():
    schedule = Schedule(afternoon=None, weekdays=frozenset({5}))
    slots = attendance.half_days(date(2026, 12, 1), date(2026, 12, 12), schedule)
    assert [(s.day, s.half) for s in slots] == [
        (date(2026, 12, 5), MORNING),
        (date(2026, 12, 12), MORNING),
    ]


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (Schedule(morning=(time(12, 0), time(9, 0))), "a half-day must end after it starts"),
        (
            Schedule(morning=(time(9, 0), time(14, 0))),
            "the afternoon cannot start before the morning ends",
        ),
    ],
)
def test_impossible_hours_are_refused(schedule, message):
    with pytest.raises(ValueError, match=message):
        attendance.half_days(date(2026, 12, 1), date(2026, 12, 1), schedule)


def _chain(contents: list[dict]) -> list[Stored]:
    stored, previous = [], GENESIS
    for content in contents:
        digest = attendance.record_hash(content, previous)
        stored.append(Stored(content, previous, digest))
        previous = digest
    return stored


def test_an_untouched_chain_holds_and_any_change_is_found_where_it_starts():
    records = _chain([{"learner": "Léa", "status": "present"} for _ in range(4)])
    assert attendance.first_broken(records) is None
    # A status changed afterwards in the database.
    tampered = list(records)
    tampered[2] = replace(records[2], content={"learner": "Léa", "status": "absent"})
    assert attendance.first_broken(tampered) == 2
    # A record removed: the next one no longer chains to its predecessor.
    assert attendance.first_broken([records[0], records[2], records[3]]) == 1
    # A record recomputed after the change, without its successors: found at the next one.
    forged = _chain([records[0].content, records[1].content, {"learner": "Léa", "status": "x"}])
    assert attendance.first_broken([*forged, records[3]]) == 3


def test_the_hash_does_not_depend_on_key_order_but_on_every_value():
    a = attendance.record_hash({"x": 1, "y": "é"}, GENESIS)
    assert a == attendance.record_hash({"y": "é", "x": 1}, GENESIS)
    assert a != attendance.record_hash({"x": 1, "y": "e"}, GENESIS)
    assert a != attendance.record_hash({"x": 1, "y": "é"}, "1" * 64)
    assert len(a) == 64


def test_lateness_counts_whole_minutes_after_the_start_only():
    day = date(2026, 12, 3)
    on_time = datetime(2026, 12, 3, 8, 50, tzinfo=PARIS)
    late = datetime(2026, 12, 3, 9, 17, 40, tzinfo=PARIS)
    assert attendance.minutes_late(day, time(9, 0), on_time) == 0
    assert attendance.minutes_late(day, time(9, 0), late) == 17


def test_attended_minutes_take_lateness_and_early_departures_off():
    slots = [(time(9, 0), time(12, 30), 17, 0), (time(13, 30), time(17, 0), 0, 30)]
    assert attendance.attended_minutes(slots) == (210 - 17) + (210 - 30)
    assert attendance.attended_minutes([(time(9, 0), time(9, 30), 45, 0)]) == 0
