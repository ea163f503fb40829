"""Audits a certifier would not plan: days off, a timetable shorter than the duration, and the
decision worded for the kind of audit."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from audits import planning, rules, services
from audits.models import Audit
from qualiopi_portal.core.tenants import schema_context


def test_days_off_are_weekends_and_french_public_holidays():
    # Friday 25 December 2026 (Noël) to Monday 28 December.
    found = planning.days_off(date(2026, 12, 24), date(2026, 12, 28))
    assert [(off.day, off.reason, off.is_weekend) for off in found] == [
        (date(2026, 12, 25), "Noël", False),
        (date(2026, 12, 26), "", True),
        (date(2026, 12, 27), "", True),
    ]
    assert planning.days_off(date(2027, 5, 6), date(2027, 5, 6)) == [
        planning.DayOff(date(2027, 5, 6), "Ascension")
    ]
    assert planning.days_off(date(2026, 12, 2), date(2026, 12, 4)) == []


def test_timetable_hours_count_overlaps_once():
    day = date(2026, 12, 8)
    assert planning.timetable_hours(
        [
            (day, time(9, 0), time(12, 0)),
            (day, time(11, 0), time(12, 30)),  # overlaps the first: 30 more minutes
            (day, time(14, 0), time(17, 15)),
            (date(2026, 12, 9), time(9, 0), time(10, 0)),
        ]
    ) == Decimal("7.75")
    assert planning.timetable_hours([]) == Decimal("0.00")


@pytest.mark.parametrize(
    ("kind", "outcome", "label"),
    [
        ("initial", rules.Decision.ISSUED, "Le certificat peut être délivré"),
        ("surveillance", rules.Decision.ISSUED, "Le certificat est maintenu"),
        (
            "surveillance",
            rules.Decision.REFUSED,
            "Suspension du certificat, puis retrait : une NC majeure n'a pas été levée à temps",
        ),
        ("renewal", rules.Decision.AFTER_LIFTING, "Renouvellement après levée des non-conformités"),
        (
            "renewal",
            rules.Decision.REFUSED,
            "Non-renouvellement : une NC majeure n'a pas été levée à temps",
        ),
        ("mock", rules.Decision.ISSUED, "Certifiable en l'état (simulation)"),
    ],
)
def test_the_decision_speaks_for_the_kind_of_audit(kind, outcome, label):
    assert rules.decision_label(kind, outcome) == label


@pytest.mark.django_db
def test_the_audit_pages_warn_about_a_holiday_and_a_short_timetable(client, world):
    client.force_login(world.referent_a)
    created = client.post(
        "/o/alpha/audits/nouveau/",
        {
            "kind": "surveillance",
            "starts_on": "2026-12-24",
            "ends_on": "2026-12-25",
            "duration_days": "1.5",
        },
        follow=True,
    )
    text = created.content.decode()
    assert "L&#x27;audit tombe un week-end ou un jour férié" in text
    assert "Vendredi 25 décembre 2026 — Noël" in text
    assert "Le certificat est maintenu" in text
    assert "délivré" not in text
    with schema_context("org_alpha"):
        audit = Audit.objects.get()
        services.slot_save(
            audit=audit,
            slot=None,
            day=date(2026, 12, 24),
            starts_at=time(9, 0),
            ends_at=time(12, 0),
            subject="Ouverture",
            indicator_numbers=[1],
            auditor="",
            resource_persons="",
            location="",
        )
    plan = client.get(f"/o/alpha/audits/{audit.pk}/plan/").content.decode()
    assert (
        "Le plan d’audit couvre 3 h, moins que la durée retenue (1,5 j, soit 10 h 30) : ajoutez "
        "des créneaux." in plan
    )
    assert "règle non sourcée" in plan
    assert "Vendredi 25 décembre 2026 — Noël" in plan
