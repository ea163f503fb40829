"""Reads of the audits app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import get_language

from indicators.readiness import Severity, open_ncs_from

from . import planning, rules
from .models import Audit, Certificate, Finding

# Finding kinds → the readiness engine's severities.
SEVERITY: dict[str, str] = {Finding.Kind.MINOR: "minor", Finding.Kind.MAJOR: "major"}


def open_ncs() -> tuple[dict[int, Severity], int]:
    """Per indicator, the most severe open non-conformity of any audit, and how many are open
    (current schema; one query)."""
    findings = [
        (number, SEVERITY[kind], "open")
        for number, kind in Finding.objects.filter(kind__in=Finding.NC_KINDS)
        .exclude(status=Finding.Status.LIFTED)
        .values_list("indicator_number", "kind")
    ]
    return open_ncs_from(findings), len(findings)


def certificate_current() -> Certificate | None:
    return Certificate.objects.first()


def surveillance_done(certificate: Certificate) -> bool:
    """A surveillance audit held inside this certificate's cycle."""
    c = certificate.cycle
    return Audit.objects.filter(
        kind=Audit.Kind.SURVEILLANCE, starts_on__gte=c.starts_on, starts_on__lte=c.expires_on
    ).exists()


def certificate_warnings(certificate: Certificate, *, today: date) -> list[str]:
    return [
        str(w)
        for w in rules.cycle_warnings(
            certificate.cycle, today=today, surveillance_done=surveillance_done(certificate)
        )
    ]


def decision_for(audit: Audit, *, today: date, minor_threshold: int) -> rules.DecisionResult:
    return rules.decision(
        (
            rules.FindingFacts(f.kind, f.status == Finding.Status.LIFTED, f.deadline)
            for f in audit.findings.filter(kind__in=Finding.NC_KINDS)
        ),
        today=today,
        minor_threshold=minor_threshold,
        report_date=audit.report_date,
    )


def open_findings() -> QuerySet[Finding]:
    return (
        Finding.objects.filter(kind__in=Finding.NC_KINDS)
        .exclude(status=Finding.Status.LIFTED)
        .select_related("audit")
        .order_by("deadline", "pk")
    )


def uncovered_indicators(audit: Audit, applicable: set[int]) -> list[int]:
    """Applicable indicators that no slot of the plan covers (the plan must cover them all)."""
    covered: set[int] = set()
    for numbers in audit.slots.values_list("indicator_numbers", flat=True):
        covered.update(numbers)
    return sorted(applicable - covered)


@dataclass(frozen=True)
class AuditPlanning:
    """What would make a certifier re-plan: days off, a timetable shorter than the duration."""

    days_off: list[planning.DayOff]
    expected_days: Decimal
    expected_hours: Decimal
    timetable_hours: Decimal
    has_slots: bool

    @property
    def timetable_short(self) -> bool:
        return self.has_slots and self.timetable_hours < self.expected_hours


def audit_planning(audit: Audit, *, computed_days: Decimal) -> AuditPlanning:
    """The audit's retained duration (or the computed one) against its dates and timetable."""
    expected = audit.duration_days or computed_days
    slots = list(audit.slots.values_list("day", "starts_at", "ends_at"))
    return AuditPlanning(
        days_off=planning.days_off(
            audit.starts_on, audit.ends_on, language=(get_language() or "fr")[:2]
        ),
        expected_days=expected,
        expected_hours=planning.hours_for(expected),
        timetable_hours=planning.timetable_hours(slots),
        has_slots=bool(slots),
    )
