"""The certification cycle and non-conformity rules, pinned with exact dates and outcomes."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from audits import rules
from audits.rules import CycleWarning, Decision, FindingFacts
from qualiopi_portal.core.dates import add_months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 15), 3, date(2026, 4, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),  # no 30 February: last day of the month
        (date(2028, 11, 30), 3, date(2029, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # leap year
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 12, 1), 36, date(2029, 12, 1)),
        (date(2026, 12, 4), -12, date(2025, 12, 4)),  # earlier: the published year of results
        (date(2024, 2, 29), -12, date(2023, 2, 28)),
        (datetime(2026, 3, 31, 8, 30), -1, datetime(2026, 2, 28, 8, 30)),  # keeps the time
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_the_cycle_of_a_certificate():
    c = rules.cycle(date(2025, 3, 10))
    assert c.expires_on == date(2028, 3, 9)  # three years of validity
    assert c.surveillance_from == date(2026, 5, 10)  # 14th month
    assert c.surveillance_until == date(2027, 1, 10)  # 22nd month
    # Reported by then, a major NC can be lifted (3 months) and checked (1 month) in time.
    assert c.renewal_audit_by == date(2027, 11, 9)
    assert rules.renewal_start(c.expires_on) == date(2028, 3, 10)
    printed = rules.cycle(date(2025, 3, 12), date(2028, 3, 11))
    assert (printed.expires_on, printed.renewal_audit_by) == (date(2028, 3, 11), date(2027, 11, 11))


@pytest.mark.parametrize(
    ("today", "done", "expected"),
    [
        (date(2025, 12, 1), False, []),
        (date(2026, 2, 10), False, [CycleWarning.SURVEILLANCE_SOON]),  # 89 days before
        (date(2026, 5, 10), False, [CycleWarning.SURVEILLANCE_OPEN]),
        (date(2026, 5, 10), True, []),
        (date(2027, 1, 11), False, [CycleWarning.SURVEILLANCE_MISSED]),
        # 90 days before the renewal audit must have reported (09/11/2027).
        (date(2027, 8, 11), True, [CycleWarning.RENEWAL_SOON]),
        (date(2027, 8, 10), True, []),
        (date(2028, 3, 11), True, [CycleWarning.EXPIRED]),
    ],
)
def test_cycle_warnings(today, done, expected):
    c = rules.cycle(date(2025, 3, 10))
    assert rules.cycle_warnings(c, today=today, surveillance_done=done) == expected


def test_deadlines_from_the_report_date():
    assert rules.nc_deadline("nc_minor", date(2026, 11, 23)) == date(2027, 5, 23)
    assert rules.nc_deadline("nc_major", date(2026, 11, 23)) == date(2027, 2, 23)


def test_a_minor_open_at_the_next_audit_escalates():
    assert rules.escalated("nc_minor", still_open_at_next_audit=True) == "nc_major"
    assert rules.escalated("nc_minor", still_open_at_next_audit=False) == "nc_minor"
    assert rules.escalated("nc_major", still_open_at_next_audit=True) == "nc_major"


TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([], (0, 0, False, Decision.ISSUED)),
        ([FindingFacts("nc_minor", False)] * 4, (0, 4, False, Decision.ISSUED)),
        ([FindingFacts("nc_minor", False)] * 5, (0, 5, True, Decision.AFTER_LIFTING)),
        (
            [FindingFacts("nc_minor", False)] * 4 + [FindingFacts("nc_minor", True)],
            (0, 4, False, Decision.ISSUED),
        ),
        (
            [FindingFacts("nc_major", False, date(2027, 2, 1))],
            (1, 0, False, Decision.AFTER_LIFTING),
        ),
        ([FindingFacts("nc_major", True, date(2026, 1, 1))], (0, 0, False, Decision.ISSUED)),
        ([FindingFacts("nc_major", False, date(2026, 11, 22))], (1, 0, False, Decision.REFUSED)),
        ([FindingFacts("nc_major", False, TODAY)], (1, 0, False, Decision.AFTER_LIFTING)),
    ],
)
def test_decision(findings, expected):
    result = rules.decision(findings, today=TODAY)
    assert (result.majors, result.minors, result.minors_count_as_major, result.decision) == expected


def test_accumulated_minors_wait_for_lifting_within_three_months_of_the_report():
    """Ministry FAQ: from 5 minor NCs not lifted at decision time the decision waits; the
    corrective actions within 3 months must bring the count below the threshold."""
    six_minors = [FindingFacts("nc_minor", False)] * 6
    waiting = rules.decision(six_minors, today=TODAY, report_date=date(2026, 10, 5))
    assert (
        waiting.decision,
        waiting.minors_count_as_major,
        waiting.minors_lift_by,
        waiting.minors_to_lift,
    ) == (Decision.AFTER_LIFTING, True, date(2027, 1, 5), 2)
    late = rules.decision(six_minors, today=TODAY, report_date=date(2026, 8, 1))
    assert (late.decision, late.minors_lift_by) == (Decision.REFUSED, date(2026, 11, 1))
    below = rules.decision(six_minors[:4], today=TODAY, report_date=date(2026, 8, 1))
    assert (below.decision, below.minors_lift_by, below.minors_to_lift) == (
        Decision.ISSUED,
        None,
        0,
    )
