"""Rules of the certification cycle and of non-conformities: pure functions over plain data.

DOMAIN.md: a certificate is valid 3 years; the surveillance audit falls between the 14th and the
22nd month; a minor non-conformity is corrected within 6 months of the report, a major within 3
months; a minor still open at the next audit becomes major; accumulated minors (at or above a
threshold, 5 by default) weigh as a major in the certifier's decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from qualiopi_portal.core.dates import add_months

CERTIFICATE_YEARS = 3
SURVEILLANCE_FROM_MONTH = 14
SURVEILLANCE_UNTIL_MONTH = 22
DEADLINE_MONTHS = {"nc_minor": 6, "nc_major": 3}
# After a major NC's 3 months, the certifier checks the proof within a month (DOMAIN.md).
CERTIFIER_CHECK_MONTHS = 1
DEFAULT_MINOR_THRESHOLD = 5


@dataclass(frozen=True)
class Cycle:
    """The dates of one certificate's three-year cycle.

    `renewal_audit_by`: the renewal audit must have reported by then, so that a major NC can
    still be lifted (3 months) and checked by the certifier (1 month) before `expires_on`.
    """

    starts_on: date  # the start of validity (as printed, else the issue date)
    expires_on: date
    surveillance_from: date
    surveillance_until: date
    renewal_audit_by: date


def default_expiry(starts_on: date) -> date:
    """Three years of validity: the day before the third anniversary of its start."""
    return add_months(starts_on, 12 * CERTIFICATE_YEARS) - timedelta(days=1)


def renewal_start(previous_expires_on: date) -> date:
    """A renewed certificate starts the day after the previous one expires (DOMAIN.md)."""
    return previous_expires_on + timedelta(days=1)


def cycle(starts_on: date, expires_on: date | None = None) -> Cycle:
    expires_on = expires_on or default_expiry(starts_on)
    return Cycle(
        starts_on=starts_on,
        expires_on=expires_on,
        surveillance_from=add_months(starts_on, SURVEILLANCE_FROM_MONTH),
        surveillance_until=add_months(starts_on, SURVEILLANCE_UNTIL_MONTH),
        renewal_audit_by=add_months(
            expires_on, -(DEADLINE_MONTHS["nc_major"] + CERTIFIER_CHECK_MONTHS)
        ),
    )


class CycleWarning(StrEnum):
    SURVEILLANCE_SOON = "surveillance_soon"
    SURVEILLANCE_OPEN = "surveillance_open"
    SURVEILLANCE_MISSED = "surveillance_missed"
    RENEWAL_SOON = "renewal_soon"
    EXPIRED = "expired"


def cycle_warnings(
    c: Cycle, *, today: date, surveillance_done: bool, notice_days: int = 90
) -> list[CycleWarning]:
    """What the referent must be told about the cycle today."""
    if today > c.expires_on:
        return [CycleWarning.EXPIRED]
    warnings = []
    if not surveillance_done:
        if today > c.surveillance_until:
            warnings.append(CycleWarning.SURVEILLANCE_MISSED)
        elif today >= c.surveillance_from:
            warnings.append(CycleWarning.SURVEILLANCE_OPEN)
        elif (c.surveillance_from - today).days <= notice_days:
            warnings.append(CycleWarning.SURVEILLANCE_SOON)
    if (c.renewal_audit_by - today).days <= notice_days:
        warnings.append(CycleWarning.RENEWAL_SOON)
    return warnings


def nc_deadline(severity: str, report_date: date) -> date:
    """Minor: 6 months from the report; major: 3 months."""
    return add_months(report_date, DEADLINE_MONTHS[severity])


def escalated(severity: str, *, still_open_at_next_audit: bool) -> str:
    """A minor left open until the next audit becomes major."""
    if severity == "nc_minor" and still_open_at_next_audit:
        return "nc_major"
    return severity


class Decision(StrEnum):
    ISSUED = "issued"
    AFTER_LIFTING = "after_lifting"
    REFUSED = "refused"


@dataclass(frozen=True)
class FindingFacts:
    severity: str  # nc_minor, nc_major (other finding kinds do not count)
    is_lifted: bool
    deadline: date | None = None


@dataclass(frozen=True)
class DecisionResult:
    majors: int
    minors: int
    minors_count_as_major: bool
    decision: Decision
    # Accumulated minors: by when corrective actions must bring them below the threshold, and
    # how many must be lifted for that (ministry FAQ).
    minors_lift_by: date | None = None
    minors_to_lift: int = 0


def decision(
    findings: Iterable[FindingFacts],
    *,
    today: date,
    minor_threshold: int = DEFAULT_MINOR_THRESHOLD,
    report_date: date | None = None,
) -> DecisionResult:
    """The certifier's decision as the rules predict it.

    Open majors mean the certificate waits for their lifting; a major still open after its
    deadline (3 months from the report, DOMAIN.md) means refusal. Minors not lifted at decision
    time at or above the threshold weigh as a major (ministry FAQ): the decision waits until
    corrective actions within 3 months of the report bring them below the threshold, and is a
    refusal once that date has passed. Open minors below the threshold do not block: their
    corrective plan is checked at the next audit.
    """
    open_findings = [f for f in findings if not f.is_lifted]
    majors = [f for f in open_findings if f.severity == "nc_major"]
    minors = [f for f in open_findings if f.severity == "nc_minor"]
    accumulate = len(minors) >= minor_threshold
    lift_by = (
        add_months(report_date, DEADLINE_MONTHS["nc_major"]) if accumulate and report_date else None
    )
    if any(f.deadline is not None and f.deadline < today for f in majors) or (
        lift_by is not None and lift_by < today
    ):
        outcome = Decision.REFUSED
    elif majors or accumulate:
        outcome = Decision.AFTER_LIFTING
    else:
        outcome = Decision.ISSUED
    return DecisionResult(
        len(majors),
        len(minors),
        accumulate,
        outcome,
        minors_lift_by=lift_by,
        minors_to_lift=len(minors) - minor_threshold + 1 if accumulate else 0,
    )


# What the decision means depends on the audit: an initial (or extension) audit issues or
# refuses the certificate, a surveillance audit maintains or suspends it (then withdraws it), a
# renewal renews it or not. Source: arrêté du 6 juin 2019 modifié relatif aux modalités d'audit
# (initial, surveillance and renewal audits); DOMAIN.md ("Non-conformities").
DECISION_LABELS = {
    "initial": {
        Decision.ISSUED: _("Le certificat peut être délivré"),
        Decision.AFTER_LIFTING: _("Délivrance après levée des non-conformités"),
        Decision.REFUSED: _("Refus : une NC majeure n'a pas été levée à temps"),
    },
    "extension": {
        Decision.ISSUED: _("L'extension du certificat peut être accordée"),
        Decision.AFTER_LIFTING: _("Extension après levée des non-conformités"),
        Decision.REFUSED: _("Extension refusée : une NC majeure n'a pas été levée à temps"),
    },
    "surveillance": {
        Decision.ISSUED: _("Le certificat est maintenu"),
        Decision.AFTER_LIFTING: _("Maintien du certificat après levée des non-conformités"),
        Decision.REFUSED: _(
            "Suspension du certificat, puis retrait : une NC majeure n'a pas été levée à temps"
        ),
    },
    "renewal": {
        Decision.ISSUED: _("Le certificat peut être renouvelé"),
        Decision.AFTER_LIFTING: _("Renouvellement après levée des non-conformités"),
        Decision.REFUSED: _("Non-renouvellement : une NC majeure n'a pas été levée à temps"),
    },
}
# A mock or internal audit decides nothing: it says what a certifier would conclude.
SIMULATED_LABELS = {
    Decision.ISSUED: _("Certifiable en l'état (simulation)"),
    Decision.AFTER_LIFTING: _("Certifiable après levée des non-conformités (simulation)"),
    Decision.REFUSED: _("Non certifiable : une NC majeure n'a pas été levée à temps (simulation)"),
}


def decision_label(audit_kind: str, outcome: Decision) -> str:
    return str(DECISION_LABELS.get(audit_kind, SIMULATED_LABELS)[outcome])
