"""Demo funding plans and budget (used by `seed_demo`), through the services.

Each demo organisation gets sessions funded the way its users would fund them; one planned
session per organisation falls where its financer will refuse to pay (after the certificate's
expiry, or before a first certificate), so the revenue at risk is never an empty demo.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from audits.models import Certificate
from evidence.models import EvidenceItem
from qualiopi_portal.tenancy.models import ActionCategory, Organisation, Role
from training_offers.demo import demo_session
from training_offers.models import Offer, Session

from . import selectors, services
from .models import FundingLine


def _line(session: Session, by, route: str, amount: str, trainees: int, present=None, **extra):
    hours = session.offer.duration_hours * trainees
    return services.funding_line_save(
        session=session,
        line=None,
        created_by=by,
        route_code=route,
        amount=Decimal(amount),
        trainees=trainees,
        hours_planned=hours,
        hours_present=None if present is None else Decimal(present),
        financer=extra.get("financer", ""),
        reference=extra.get("reference", ""),
    )


def _planned_session(offer: Offer, starts_in_days: int, enrolled: int) -> Session:
    start = timezone.localdate() + timedelta(days=starts_in_days)
    return demo_session(offer=offer, start=start, enrolled=enrolled)


# A CFA lives on apprenticeship contracts: the employer's OPCO pays each contract at the
# yearly level (NPEC) its branch set for the diploma; the figure here is a demo amount.
DEMO_NPEC = Decimal("7400")


def _seed_apprenticeship_contracts(referent) -> None:
    for session in Session.objects.filter(offer__category=ActionCategory.APPRENTICESHIP):
        # The NPEC is yearly: the line covers the contracts' first year at the CFA.
        years = max(1, round((session.ends_on - session.starts_on).days / 365))
        price = DEMO_NPEC * session.enrolled
        services.session_price_set(session=session, price=price)
        services.funding_line_save(
            session=session,
            line=None,
            created_by=referent,
            route_code="apprenticeship_opco",
            amount=price,
            trainees=session.enrolled,
            hours_planned=session.offer.duration_hours / years * session.enrolled,
            hours_present=None,
            financer="OPCO EP (branche de la restauration)",
            reference="",
        )


def seed_funding(*, organisation: Organisation, people: dict[str, Any]) -> bool:
    """Fill an organisation's empty funding plans and budget (current schema)."""
    if FundingLine.objects.exists():
        return False
    referent = people[Role.REFERENT]
    _seed_apprenticeship_contracts(referent)
    offer = (
        Offer.objects.filter(status=Offer.Status.PUBLISHED)
        .exclude(category=ActionCategory.APPRENTICESHIP)
        .order_by("pk")
        .first()
    )
    if offer is None or not offer.duration_hours:
        return False
    past = list(offer.sessions.order_by("starts_on"))
    for session in past:
        services.session_price_set(session=session, price=offer.price * session.enrolled)
    certificate = Certificate.objects.order_by("-issued_on").first()
    if len(past) >= 2:
        first, second = past[0], past[1]
        if certificate is not None:
            _line(
                first,
                referent,
                "opco",
                "3920",
                4,
                present="56",
                financer="OPCO Atlas",
                reference="AT-2026-00418",
            )
            # Not the CPF: this offer leads to no certification (Code du travail L6323-6).
            _line(first, referent, "france_travail", "2940", 3, present="35")
            _line(first, referent, "personal", "980", 1, present="14")
            _line(second, referent, "opco", "5880", 6, present="78", financer="OPCO Akto")
        else:  # not certified yet: only the routes that do not require Qualiopi
            _line(first, referent, "employer_plan", "6860", 7, present="98")
            _line(second, referent, "employer_plan", "4900", 5, present="70")
            _line(second, referent, "personal", "980", 1, present="14")
        sheets = EvidenceItem.objects.filter(title__startswith="Feuilles d'émargement").first()
        if sheets is not None:
            for session in (first, second):
                services.document_link(
                    session=session, key="attendance_sheets", evidence=sheets, linked_by=referent
                )
    soon = _planned_session(offer, 60, 4)
    services.session_price_set(session=soon, price=offer.price * 4)
    _line(soon, referent, "transitions_pro", "1960", 2, financer="Transitions Pro Occitanie")
    if certificate is not None:
        # Planned after the certificate's expiry: at risk until the renewal is recorded.
        late_in = (certificate.cycle.expires_on - timezone.localdate()).days + 30
        late = _planned_session(offer, late_in, 6)
        services.session_price_set(session=late, price=offer.price * 6)
        _line(late, referent, "opco", "5880", 6, financer="OPCO Atlas")
    else:
        _line(soon, referent, "region", "1960", 2, financer="Région Occitanie")
    stored = selectors.budget_stored()
    if stored is None and certificate is not None:
        services.budget_save(
            budget=None,
            updated_by=referent,
            cycle_start_year=certificate.issued_on.year,
            internal_days=Decimal("12"),
            internal_days_per_following_year=Decimal("3"),
            internal_day_cost=Decimal("280"),
            quality_training_funding=Decimal("1500"),
        )
    return True
