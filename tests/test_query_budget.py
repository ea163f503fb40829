"""The pages used every day cost at most QUERY_BUDGET queries, whatever the data size.

Each page is read once with one of everything, then again after the organisation has grown
(more proofs, actions, audits, offers, sessions, learners, funding lines, half-days): the count
must not move and must stay within the budget. Counted: the statements that read or write
data; django-tenants' `SET search_path` before each one is left aside (see bench/run.py).
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits import services as audit_services
from evidence import services as evidence_services
from evidence.models import Kind
from financing import services as funding_services
from improvement import services as improvement_services
from indicators.services import readiness_recompute
from learners import attendance as learner_attendance
from learners import services as learner_services
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Role
from qualiopi_portal.tenancy.selectors import OrganisationAccess
from training_offers import services as offer_services

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 12


def _grow(world, first: int, count: int) -> None:
    """Add `count` of everything to organisation A (numbered from `first`)."""
    organisation, referent = world.org_a, world.referent_a
    access = OrganisationAccess(organisation, Role.REFERENT)
    with schema_context(organisation.schema_name):
        for index in range(first, first + count):
            (item,) = evidence_services.evidence_create(
                access=access,
                actor=referent,
                data={
                    "title": f"Émargements {index}",
                    "kind": Kind.RECORD,
                    "indicator_numbers": [4, 11],
                    "valid_until": date(2026, 12, 20),
                },
                uploads=[SimpleUploadedFile(f"preuve-{index}.txt", b"Feuille\n")],
            )
            evidence_services.evidence_transition(
                access=access, actor=referent, item=item, transition="submit"
            )
            improvement_services.action_create(
                organisation=organisation,
                title=f"Action {index}",
                owner=referent,
                due_date=date(2026, 11, 1) + timedelta(days=index),
                created_by=referent,
                indicator_numbers=[4],
            )
            audit = audit_services.audit_save(
                audit=None,
                created_by=referent,
                kind="mock",
                starts_on=date(2026, 10, 1) + timedelta(days=index),
                ends_on=date(2026, 10, 1) + timedelta(days=index),
                auditors="Auditrice",
                sites="",
                report_date=None,
                notes="",
            )
            audit_services.finding_save(
                audit=audit,
                finding=None,
                indicator_number=1,
                kind="nc_minor",
                description=f"Constat {index}",
            )
            offer = offer_services.offer_save(
                offer=None, saved_by=referent, title=f"Offre {index}", category="AF"
            )
            session = offer_services.session_save(
                offer=offer,
                session=None,
                starts_on=date(2026, 11, 23),
                ends_on=date(2026, 11, 27),
                place=f"Salle {index}",
                enrolled=3,
                completed=0,
                dropouts=0,
            )
            funding_services.session_price_set(session=session, price=Decimal("3000"))
            funding_services.funding_line_save(
                session=session,
                line=None,
                created_by=referent,
                route_code="opco",
                financer=f"OPCO {index}",
                reference="",
                trainees=3,
                hours_planned=Decimal("35"),
                hours_present=None,
                amount=Decimal("2500"),
            )
            enrolments = [
                learner_services.enrolment_create(
                    session=session,
                    actor=referent,
                    first_name=f"Apprenant {learner}",
                    last_name=f"Session {index}",
                    status="employee",
                )
                for learner in range(3)
            ]
            slots = learner_services.slots_plan(
                session=session,
                schedule=learner_attendance.Schedule(
                    morning=(time(9, 0), time(12, 30)), afternoon=(time(13, 30), time(17, 0))
                ),
            )
            learner_services.slot_close(
                slot=slots[0],
                actor=referent,
                absences={enrolment.pk: "absent_justified" for enrolment in enrolments},
            )
    # The dashboard reads the latest snapshot, its trend and the sessions its gaps name.
    readiness_recompute(organisation=organisation)


def _pages(world) -> dict[str, tuple[object, str]]:
    from training_offers.models import Offer, Session

    with schema_context(world.org_a.schema_name):
        offer = Offer.objects.order_by("pk").first()
        session = Session.objects.order_by("pk").first()
    base = f"/o/{world.org_a.slug}"
    referent, contributor = world.referent_a, world.contributor_a
    return {
        "dashboard": (referent, f"{base}/"),
        "evidence": (referent, f"{base}/preuves/"),
        "coverage": (referent, f"{base}/preuves/couverture/"),
        "actions": (referent, f"{base}/plan-de-progres/"),
        "audits": (referent, f"{base}/audits/"),
        "offers": (referent, f"{base}/offres/"),
        "offer": (referent, f"{base}/offres/{offer.pk}/"),
        "results": (referent, f"{base}/offres/resultats/"),
        "funding": (referent, f"{base}/financements/"),
        "budget": (referent, f"{base}/financements/budget/"),
        "session_funding": (referent, f"{base}/financements/sessions/{session.pk}/"),
        "learners": (referent, f"{base}/sessions/{session.pk}/apprenants/"),
        "attendance": (referent, f"{base}/sessions/{session.pk}/emargement/"),
        "journeys": (referent, f"{base}/sessions/{session.pk}/parcours/"),
        "surveys": (referent, f"{base}/enquetes/"),
        "reports": (referent, f"{base}/rapports/"),
        "members": (referent, f"{base}/membres/"),
        "my_space": (contributor, f"{base}/mon-espace/"),
        "portfolio": (world.firm_consultant, "/portefeuille/"),
    }


def _count(client, user, url: str) -> int:
    client.force_login(user)
    assert client.get(url).status_code == 200, url  # warms the session and the content types
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return sum(1 for q in captured.captured_queries if not q["sql"].startswith("SET "))


def test_daily_pages_stay_within_the_budget_whatever_the_data_size(client, world, media):
    _grow(world, 0, 1)
    pages = _pages(world)
    small = {name: _count(client, user, url) for name, (user, url) in pages.items()}
    _grow(world, 1, 4)
    large = {name: _count(client, user, url) for name, (user, url) in pages.items()}
    assert large == small
    assert {name: n for name, n in large.items() if n > QUERY_BUDGET} == {}
