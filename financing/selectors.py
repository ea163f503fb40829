"""Reads of the financing app: a session's funding plan, the sessions awaiting invoicing, the
revenue at risk, and the budget with its audit days.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db import models
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audits import duration
from audits.models import Certificate
from evidence.models import EvidenceItem
from training_offers.eligibility import cpf_eligibility
from training_offers.models import Offer, Session

from . import budget as budget_rules
from . import rules
from .catalogue import Route, catalogue
from .models import CertificationBudget, FundingLine, SessionDocument

ZERO = Decimal("0")


def certificate_spans() -> list[rules.CertificateSpan]:
    """Each certificate's validity, as its own cycle reads it."""
    return [
        rules.CertificateSpan(c.cycle.starts_on, tuple(c.categories), c.cycle.expires_on)
        for c in Certificate.objects.all()
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


# What the portal cannot check for a subcontracted CPF session, for the referent to confirm; each
# with its text. The 80 % cap: arrêté du 3 janvier 2024 (JORF 12 janvier), « Le plafond mentionné
# à l'article R. 6333-6-2 du code du travail, vérifié au titre d'une année civile, est fixé à
# quatre-vingts pour cent du chiffre d'affaires réalisé » on the platform (Centre Inffo, « CPF :
# pas plus de 80 % du chiffre d'affaires réalisé par des sous-traitants », 12 janvier 2024). The
# contract and the ban on cascades: art. R6333-6-2 (décret n° 2023-1350), « Le contrat de
# sous-traitance [...] est conclu par écrit » and « Le sous-traitant ne peut lui-même sous-traiter
# l'exécution de l'action qui lui a été confiée ».
CPF_SUBCONTRACTING_CHECKS = (
    _(
        "Plafond : la sous-traitance ne peut pas dépasser 80 % du chiffre d'affaires réalisé sur "
        "Mon Compte Formation dans l'année civile (Code du travail, art. R6333-6-2 ; arrêté du "
        "3 janvier 2024). Le portail ne connaît pas ce chiffre d'affaires : à vérifier par le "
        "référent."
    ),
    _(
        "Contrat écrit avec le sous-traitant, précisant les missions, le contenu et la sanction "
        "de la formation, les moyens, les conditions de réalisation et de suivi, la durée, la "
        "période et le montant (Code du travail, art. R6333-6-2)."
    ),
    _(
        "Pas de sous-traitance en cascade : le sous-traitant ne sous-traite pas à son tour "
        "l'action qui lui est confiée (Code du travail, art. R6333-6-2)."
    ),
)


def _offer_facts(offer: Offer) -> dict:
    return {
        "category": offer.category,
        "is_certifying": offer.is_certifying,
        "certification_code": offer.certification_code,
        "cpf_other_case": offer.cpf_other_case,
    }


def cpf_refusals(route: Route, session: Session) -> list[str]:
    """Why the CPF will not pay for this session through `route`, each reason with its text."""
    if not route.cpf:
        return []
    reasons = []
    eligibility = cpf_eligibility(_offer_facts(session.offer))
    if not eligibility.eligible:
        refused = gettext("La voie « %(route)s » ne peut pas financer cette offre.")
        reasons.append(refused % {"route": route.name} + " " + eligibility.text)
    problems = rules.cpf_subcontracting_errors(
        route,
        starts_on=session.starts_on,
        subcontractor=session.subcontractor,
        subcontractor_status=session.subcontractor_status,
    )
    if "subcontractor_not_certified" in problems:
        reasons.append(
            gettext(
                "La session est sous-traitée à « %(name)s », non certifié Qualiopi : depuis le "
                "1er avril 2024, le sous-traitant d'une action vendue sur Mon Compte Formation "
                "doit être certifié, sauf micro-entrepreneur sous le plafond du régime "
                "micro-social (Code du travail, art. L6323-9-2 et R6333-6-3 ; décret n° 2023-1350 "
                "du 28 décembre 2023)."
            )
            % {"name": session.subcontractor}
        )
    if "subcontractor_unknown" in problems:
        reasons.append(
            gettext(
                "La session est sous-traitée à « %(name)s » : indiquez sur la session s'il est "
                "certifié Qualiopi, ce que le CPF exige depuis le 1er avril 2024 (Code du "
                "travail, art. L6323-9-2)."
            )
            % {"name": session.subcontractor}
        )
    return reasons


def cpf_checks(route: Route | None, session: Session) -> tuple:
    """The subcontracting checks the referent confirms for a subcontracted CPF session."""
    if (
        route is None
        or not route.cpf
        or not session.subcontractor.strip()
        or session.starts_on < rules.CPF_SUBCONTRACTING_FROM
    ):
        return ()
    return CPF_SUBCONTRACTING_CHECKS


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
    refusals: list[str] = field(default_factory=list)  # the CPF's rules the session breaks

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
    def refused(self) -> list[PlannedLine]:
        return [p for p in self.lines if p.refusals]

    @property
    def cpf_checks(self) -> tuple:
        """The referent's checks, once for the session whatever its CPF lines."""
        for p in self.lines:
            checks = cpf_checks(p.route, self.session)
            if checks:
                return checks
        return ()

    @property
    def missing(self) -> list[ExpectedRow]:
        return [row for row in self.documents if row.link is None]

    @property
    def status(self) -> PlanStatus:
        if self.blocked or self.refused:
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
                refusals=cpf_refusals(route, session) if route else [],
            )
        )
    by_key = {link.key: link for link in links}
    labels: dict[int | None, str] = {p.line.pk: _line_label(p.line, p.route) for p in planned}
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


def _funded_plans(sessions: QuerySet[Session]) -> list[SessionPlan]:
    """Plans of many sessions in four queries, whatever their number."""
    sessions = (
        sessions.filter(funding_lines__isnull=False)
        .distinct()
        .select_related("offer")
        .prefetch_related(
            Prefetch("funding_lines", queryset=FundingLine.objects.order_by("pk")),
            Prefetch(
                "funding_documents", queryset=SessionDocument.objects.select_related("evidence")
            ),
        )
    )
    spans = certificate_spans()
    return [
        _plan(s, list(s.funding_lines.all()), list(s.funding_documents.all()), spans)
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
    """The revenue at risk on its own (dashboard, budget): no documents read, the upcoming
    sessions' lines with their session in one query."""
    lines = (
        FundingLine.objects.filter(session__starts_on__gte=today)
        .select_related("session__offer")
        .order_by("session_id", "pk")
    )
    by_session: dict[int, tuple[Session, list[FundingLine]]] = {}
    for line in lines:
        by_session.setdefault(line.session_id, (line.session, []))[1].append(line)
    spans = certificate_spans()
    plans = [_plan(session, rows, [], spans) for session, rows in by_session.values()]
    return at_risk(plans, today=today)


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
