"""Reads of the financing app: a session's funding plan, the sessions awaiting invoicing, the
revenue at risk, and the budget with its audit days.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db import models
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from audits import duration
from audits.models import Certificate
from evidence.models import EvidenceItem
from training_offers.models import Session

from . import budget as budget_rules
from . import rules
from .catalogue import Route, catalogue
from .models import CertificationBudget, FundingLine, SessionDocument

ZERO = Decimal("0")


def certificate_spans() -> list[rules.CertificateSpan]:
    """Each certificate's validity, as printed on it when recorded (start and end)."""
    return [
        rules.CertificateSpan(valid_from or issued_on, tuple(categories), expires_on)
        for issued_on, valid_from, expires_on, categories in Certificate.objects.values_list(
            "issued_on", "valid_from", "expires_on", "categories"
        )
    ]


COVERAGE_TEXT = {
    rules.Coverage.NO_CERTIFICATE: _(
        "cette voie exige la certification Qualiopi et aucun certificat ne couvre encore la date "
        "de début de la session"
    ),
    rules.Coverage.EXPIRED: _(
        "cette voie exige la certification Qualiopi et le certificat aura expiré au début de la "
        "session"
    ),
    rules.Coverage.CATEGORY: _(
        "cette voie exige la certification Qualiopi et le certificat ne couvre pas la catégorie "
        "d'action de cette offre"
    ),
}


class PlanStatus(models.TextChoices):
    """Where a session stands before invoicing."""

    BLOCKED = "blocked", _("Financement bloqué")  # a financer will refuse to pay
    MISSING = "missing", _("Pièces manquantes")  # service-fait documents still to file
    READY = "ready", _("Prête à facturer")


@dataclass
class PlannedLine:
    line: FundingLine
    route: Route | None  # None: a code the current catalogue no longer has
    coverage: rules.Coverage
    paid: Decimal
    attendance_rate: Decimal | None

    @property
    def label(self) -> str:
        return _line_label(self.line, self.route)

    @property
    def coverage_text(self) -> str:
        return str(COVERAGE_TEXT.get(self.coverage, ""))

    @property
    def remainder(self) -> Decimal:
        """The part the financer will not pay, to invoice to the employer or the person."""
        return self.line.amount - self.paid


@dataclass
class ExpectedRow:
    expected: rules.ExpectedDocument
    link: SessionDocument | None
    financer: str


@dataclass
class SessionPlan:
    session: Session
    lines: list[PlannedLine]
    documents: list[ExpectedRow] = field(default_factory=list)

    @property
    def funded(self) -> Decimal:
        return sum((p.line.amount for p in self.lines), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((p.paid for p in self.lines), ZERO)

    @property
    def blocked(self) -> list[PlannedLine]:
        return [p for p in self.lines if p.coverage.is_blocking]

    @property
    def missing(self) -> list[ExpectedRow]:
        return [row for row in self.documents if row.link is None]

    @property
    def status(self) -> PlanStatus:
        if self.blocked:
            return PlanStatus.BLOCKED
        if self.missing:
            return PlanStatus.MISSING
        return PlanStatus.READY


def _line_label(line: FundingLine, route: Route | None) -> str:
    name = route.name if route else line.route_code
    return f"{name} — {line.financer}" if line.financer else name


def _plan(
    session: Session,
    lines: list[FundingLine],
    links: list[SessionDocument],
    spans: list[rules.CertificateSpan],
) -> SessionPlan:
    cat = catalogue()
    planned = []
    for line in lines:
        route = cat.route(line.route_code)
        planned.append(
            PlannedLine(
                line=line,
                route=route,
                coverage=rules.coverage(
                    route,
                    starts_on=session.starts_on,
                    category=session.offer.category,
                    certificates=spans,
                    required_from=cat.qualiopi_required_from,
                )
                if route
                else rules.Coverage.NOT_REQUIRED,
                paid=rules.amount_paid(
                    line.amount,
                    route=route,
                    hours_planned=line.hours_planned,
                    hours_present=line.hours_present,
                )
                if route
                else line.amount,
                attendance_rate=rules.attendance_rate(line.hours_planned, line.hours_present),
            )
        )
    by_key = {link.key: link for link in links}
    labels = {p.line.pk: _line_label(p.line, p.route) for p in planned}
    expected = rules.expected_documents(
        starts_on=session.starts_on,
        ends_on=session.ends_on,
        lines=[(p.line.pk, p.route) for p in planned if p.route],
    )
    documents = [
        ExpectedRow(item, by_key.get(item.key), labels.get(item.line_id, "")) for item in expected
    ]
    return SessionPlan(session=session, lines=planned, documents=documents)


def session_plan(session: Session) -> SessionPlan:
    lines = list(session.funding_lines.all())
    links = list(session.funding_documents.select_related("evidence").order_by("key"))
    return _plan(session, lines, links, certificate_spans())


def expected_keys(session: Session) -> set[str]:
    """The keys of the documents the session's financers expect (its lines only: one query)."""
    cat = catalogue()
    routes = [
        (pk, cat.route(code)) for pk, code in session.funding_lines.values_list("pk", "route_code")
    ]
    expected = rules.expected_documents(
        starts_on=session.starts_on,
        ends_on=session.ends_on,
        lines=[(pk, route) for pk, route in routes if route],
    )
    return {item.key for item in expected}


def _funded_plans(sessions: QuerySet[Session], *, documents: bool = True) -> list[SessionPlan]:
    """Plans of many sessions in four queries, whatever their number."""
    prefetch = [Prefetch("funding_lines", queryset=FundingLine.objects.order_by("pk"))]
    if documents:
        prefetch.append(
            Prefetch(
                "funding_documents", queryset=SessionDocument.objects.select_related("evidence")
            )
        )
    sessions = (
        sessions.filter(funding_lines__isnull=False)
        .distinct()
        .select_related("offer")
        .prefetch_related(*prefetch)
    )
    spans = certificate_spans()
    return [
        _plan(
            s,
            list(s.funding_lines.all()),
            list(s.funding_documents.all()) if documents else [],
            spans,
        )
        for s in sessions
    ]


def funded_sessions() -> list[SessionPlan]:
    """Every session with a funding plan, the most recently ended first (next to invoice)."""
    return _funded_plans(Session.objects.order_by("-ends_on", "-pk"))


@dataclass
class RevenueAtRisk:
    sessions: list[SessionPlan]

    @property
    def total(self) -> Decimal:
        return sum((p.line.amount for plan in self.sessions for p in plan.blocked), ZERO)


def at_risk(plans: list[SessionPlan], *, today: datetime.date) -> RevenueAtRisk:
    """Sessions not started yet whose funding needs a certificate they will not have."""
    upcoming = [plan for plan in plans if plan.session.starts_on >= today and plan.blocked]
    return RevenueAtRisk(
        sorted(upcoming, key=lambda plan: (plan.session.starts_on, plan.session.pk))
    )


def revenue_at_risk(*, today: datetime.date) -> RevenueAtRisk:
    """The revenue at risk on its own (dashboard, budget): no documents read."""
    sessions = Session.objects.filter(starts_on__gte=today)
    return at_risk(_funded_plans(sessions, documents=False), today=today)


def linkable_evidence() -> QuerySet[EvidenceItem]:
    """Proofs that may be filed as a service-fait document: any not archived, latest first."""
    return EvidenceItem.objects.filter(is_archived=False).order_by("-updated_at", "-pk")


def evidence_choices(limit: int = 300) -> list[tuple[int, str]]:
    """The pickers of the missing documents list the most recently updated proofs."""
    return list(linkable_evidence().values_list("pk", "title")[:limit])


# The audits of one certification cycle, by the budget field holding their days: year 1 the
# initial audit, year 2 the surveillance audit, year 3 the renewal.
AUDIT_DAY_FIELDS = {
    "initial_audit_days": duration.INITIAL,
    "surveillance_audit_days": duration.SURVEILLANCE,
    "renewal_audit_days": duration.RENEWAL,
}


def cycle_audit_days(organisation) -> dict[str, Decimal]:
    """The calculator's duration of each audit of the cycle for the organisation's profile, by
    audit kind: they differ (the reduced audit is the initial one only, surveillance samples fewer
    sites and lengthens for a new entrant)."""
    return {
        kind: duration.for_organisation(organisation, kind).total
        for kind in AUDIT_DAY_FIELDS.values()
    }


def budget_assumptions(
    stored: CertificationBudget | None, *, audit_days: dict[str, Decimal]
) -> budget_rules.Assumptions:
    """The stored assumptions (the seeds' defaults when none are stored), with the calculator's
    days for each audit kind (`cycle_audit_days`) wherever none were typed."""
    stored = stored or CertificationBudget()
    values = {f.name: getattr(stored, f.name) for f in fields(budget_rules.Assumptions)}
    for name, kind in AUDIT_DAY_FIELDS.items():
        if values[name] is None:
            values[name] = audit_days[kind]
    return budget_rules.Assumptions(**values)


def budget_stored() -> CertificationBudget | None:
    return CertificationBudget.objects.first()
