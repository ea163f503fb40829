"""Learners' identities are erased after the organisation's retention period, counted from
the end of their last session; their attendance chain and proofs stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from learners import services
from learners.models import Learner
from learners.tasks import anonymise_expired_all_task
from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.core.tenants import schema_context
from tests.learners.test_learners import ALL_DAY, _enrol, _session

pytestmark = pytest.mark.django_db


def test_a_learner_is_anonymised_once_the_retention_period_after_their_last_session_is_over(
    client, world
):
    today = timezone.localdate()
    old = _session(world, starts_on=today - timedelta(days=49 * 31))
    recent = _session(world, starts_on=today - timedelta(days=30))
    gone = _enrol(world, old, "Léa", "Ancienne", "lea@example.fr")
    kept = _enrol(world, recent, "Tom", "Récent", "tom@example.fr")
    with schema_context("org_alpha"):
        services.slots_plan(session=old, schedule=ALL_DAY)
        services.slot_close(
            slot=old.attendance_slots.get(),
            actor=world.referent_a,
            absences={gone.pk: "absent_justified"},
        )
    assert anonymise_expired_all_task.apply().get() == 1
    assert anonymise_expired_all_task.apply().get() == 0  # nothing twice
    with schema_context("org_alpha"):
        erased = Learner.objects.get(pk=gone.learner_id)
        assert (erased.email, erased.anonymised_at is not None) == ("", True)
        assert erased.last_name == f"anonymisé·e n° {erased.pk}"
        assert Learner.objects.get(pk=kept.learner_id).email == "tom@example.fr"
        assert services.chain_check(old) is None
        assert AuditEvent.objects.filter(action="learner.anonymised").count() == 1


def test_the_retention_period_is_set_per_organisation_within_its_bounds(client, world):
    client.force_login(world.referent_a)
    page = client.get("/o/alpha/profil/")
    assert page.status_code == 200
    assert "Conservation des données des apprenant·es (mois)" in page.content.decode()
    data = {
        "name": world.org_a.name,
        "siret": world.org_a.siret,
        "nda": world.org_a.nda,
        "site_count": 1,
        "turnover_band": world.org_a.turnover_band,
        "next_audit_date": "",
        "learner_retention_months": 6,
    }
    response = client.post("/o/alpha/profil/", data)
    assert response.status_code == 200
    assert "supérieure ou égale à 12" in response.content.decode()
    response = client.post("/o/alpha/profil/", {**data, "learner_retention_months": 60})
    assert response.status_code == 302
    world.org_a.refresh_from_db()
    assert world.org_a.learner_retention_months == 60
    world.org_a.learner_retention_months = 48
    world.org_a.save(update_fields=["learner_retention_months"])
