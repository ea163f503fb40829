"""Demo documents for the demo organisations (used by `seed_demo`, after the learners).

The session that ended three weeks ago gets its financer (two learners paid by an OPCO or the
employer), then its programme, attendance sheet, attestations and certificate rendered through
the services, as a referent would; the running session gets its convocations rendered (not
e-mailed: demo addresses are not real).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from audits.models import Certificate
from financing import services as funding_services
from learners import services as learner_services
from learners.models import Enrolment
from qualiopi_portal.tenancy.models import Organisation, Role
from training_offers.models import Session

from . import services
from .models import GeneratedDocument, Kind


def seed_documents(*, organisation: Organisation, people: dict[str, Any]) -> bool:
    if GeneratedDocument.objects.exists():
        return False
    today = timezone.localdate()
    sessions = list(
        Session.objects.filter(enrolments__isnull=False).distinct().order_by("starts_on")
    )
    past = [s for s in sessions if s.ends_on < today]
    current = [s for s in sessions if s.starts_on <= today <= s.ends_on]
    if not past:
        return False
    referent = people[Role.REFERENT]
    session = past[-1]
    offer = session.offer
    funded = list(session.enrolments.filter(status=Enrolment.Status.COMPLETED)[:2])
    if not session.funding_lines.exists() and offer.price:
        funding_services.session_price_set(session=session, price=offer.price * len(funded))
        # An OPCO pays only a certified provider (Code du travail L6316-1).
        certified = Certificate.objects.exists()
        line = funding_services.funding_line_save(
            session=session,
            line=None,
            created_by=referent,
            route_code="opco" if certified else "employer_plan",
            financer="OPCO Atlas" if certified else "",
            reference="AT-2026-00977" if certified else "",
            trainees=len(funded),
            hours_planned=(offer.duration_hours or Decimal(14)) * len(funded),
            hours_present=None,
            amount=offer.price * len(funded),
        )
        for enrolment in funded:
            learner_services.enrolment_set_status(
                enrolment=enrolment, status=enrolment.status, funding_line=line
            )
    kinds = [Kind.PROGRAMME, Kind.ATTENDANCE_SHEET, Kind.ATTESTATION]
    if session.enrolments.filter(funding_line__isnull=False).exists():
        kinds.append(Kind.CERTIFICATE)
    for kind in kinds:
        services.document_generate(
            organisation=organisation, session=session, kind=kind, actor=referent
        )
    for running in current:
        services.document_generate(
            organisation=organisation, session=running, kind=Kind.CONVOCATION, actor=referent
        )
    return True
