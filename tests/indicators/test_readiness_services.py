"""Readiness computed from the database: snapshots, the public summary, scheduling, command."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from evidence import services as evidence_services
from evidence.models import EvidenceItem, Kind
from indicators import selectors, services
from indicators.models import ReadinessSnapshot
from indicators.referential import selectors as referential
from indicators.tasks import readiness_recompute_owed_task
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import OrganisationReadiness

from ..evidence.conftest import access_for

pytestmark = pytest.mark.django_db


def _applicable(world) -> dict[int, bool]:
    """Alpha (plain AF): number → is_fundamental for its 22 applicable indicators."""
    version = referential.version_for_organisation(world.org_a)
    numbers = {
        a.number
        for a in referential.applicability_for_organisation(world.org_a, version).applicable
    }
    return {
        number: fundamental
        for number, fundamental in version.indicators.values_list("number", "is_fundamental")
        if number in numbers
    }


def _validated(world, numbers, **data):
    with schema_context("org_alpha"):
        (item,) = evidence_services.evidence_create(
            access=access_for(world, "referent"),
            actor=world.referent_a,
            data={
                "title": "Preuve",
                "kind": Kind.RECORD,
                "indicator_numbers": numbers,
                "url": "https://www.example.org",
                **data,
            },
        )
        EvidenceItem.objects.filter(pk=item.pk).update(status="validated")
    return item


def test_nothing_filed_predicts_an_nc_per_indicator(world, media):
    applicable = _applicable(world)
    assert len(applicable) == 22
    snapshot = services.readiness_recompute(organisation=world.org_a)
    assert (snapshot.overall_percent, snapshot.outcome) == (0.0, "not_certifiable")
    # No proof at all: the expected level is not met at all, a major NC on every indicator,
    # gradable or not (guide de lecture V9, préambule, pondération des non-conformités).
    assert (snapshot.predicted_major, snapshot.predicted_minor) == (22, 0)
    summary = OrganisationReadiness.objects.get(organisation=world.org_a)
    assert (summary.overall_percent, summary.outcome, summary.version_code) == (
        0.0,
        "not_certifiable",
        "v10",
    )
    with schema_context("org_alpha"):
        assert ReadinessSnapshot.objects.count() == 1


def test_everything_validated_is_certifiable_and_an_expiring_proof_is_partial(world, media):
    applicable = _applicable(world)
    _validated(world, sorted(applicable))
    snapshot = services.readiness_recompute(organisation=world.org_a)
    assert (snapshot.overall_percent, snapshot.outcome) == (100.0, "certifiable")
    # Indicator 4 now rests on a proof that ends before the target date (today: no audit date).
    with schema_context("org_alpha"):
        EvidenceItem.objects.update(indicator_numbers=sorted(set(applicable) - {4}))
    _validated(
        world,
        [4],
        valid_from=timezone.localdate() - timedelta(days=30),
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    snapshot = services.readiness_recompute(organisation=world.org_a)
    weights = sum(2 if fundamental else 1 for fundamental in applicable.values())
    assert applicable[4] is True
    assert snapshot.overall_percent == round(100 * (weights - 1) / weights, 1)
    assert (snapshot.predicted_major, snapshot.outcome) == (1, "not_certifiable")
    indicator_4 = next(i for i in snapshot.result["indicators"] if i["number"] == 4)
    assert (indicator_4["status"], indicator_4["reasons"]) == ("partial", ["expires_before"])


def test_a_change_queues_one_computation_after_commit(
    world, media, django_capture_on_commit_callbacks
):
    cache.delete("readiness:debounce:org_alpha")
    with django_capture_on_commit_callbacks(execute=True):
        _validated(world, [1])
    # Celery runs eagerly in tests: the computation happened, and the request is settled.
    with schema_context("org_alpha"):
        assert ReadinessSnapshot.objects.count() == 1
    summary = OrganisationReadiness.objects.get(organisation=world.org_a)
    assert summary.computed_at is not None and summary.requested_at is None
    # A second change within the debounce window does not queue another computation.
    with django_capture_on_commit_callbacks(execute=True):
        _validated(world, [2])
    with schema_context("org_alpha"):
        assert ReadinessSnapshot.objects.count() == 1
    assert OrganisationReadiness.objects.get(organisation=world.org_a).requested_at is not None
    cache.delete("readiness:debounce:org_alpha")


def test_owed_computations_are_caught_up(world, media):
    OrganisationReadiness.objects.create(
        organisation=world.org_c, requested_at=timezone.now() - timedelta(minutes=5)
    )
    assert readiness_recompute_owed_task() == 1
    assert readiness_recompute_owed_task() == 0
    summary = OrganisationReadiness.objects.get(organisation=world.org_c)
    assert (summary.requested_at, summary.version_code) == (None, "v10")


def test_command_prints_the_result_as_json(world, media):
    out = StringIO()
    call_command("readiness", "alpha", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["version"], data["overall_percent"], data["outcome"]) == (
        "v10",
        0.0,
        "not_certifiable",
    )
    assert len([i for i in data["indicators"] if i["status"] != "not_applicable"]) == 22


def test_dashboard_shows_readiness_to_referents_not_contributors(client, world, media):
    _validated(world, [1, 2])
    services.readiness_recompute(organisation=world.org_a)
    client.force_login(world.referent_a)
    page = client.get("/o/alpha/").content.decode()
    assert "Préparation à l’audit" in page
    assert "Non certifiable en l&#x27;état" in page
    assert "Comment la prévision est établie" in page
    assert "(guide de lecture V9, préambule, « pondération des non-conformités »)" in page
    assert "À partir de 5 NC mineures non levées" in page
    assert "Critère 1 : 75.0 %" not in page  # the SVG description uses the French number
    client.force_login(world.contributor_a)
    assert "Préparation à l’audit" not in client.get("/o/alpha/").content.decode()


def test_a_v9_proof_for_a_reworded_indicator_counts_again_once_confirmed(client, world, media):
    # Alpha is audited under V10 (in force since 1 November 2026, décret 2026-728), which
    # rewords indicator 2; indicator 4 is unchanged.
    item = _validated(world, [2, 4])
    filed_under_v9 = timezone.make_aware(timezone.datetime(2026, 10, 2, 10, 0))
    with schema_context("org_alpha"):
        EvidenceItem.objects.filter(pk=item.pk).update(last_uploaded_at=filed_under_v9)
    statuses = {
        row["number"]: (row["status"], row["reasons"])
        for row in services.readiness_recompute(organisation=world.org_a).result["indicators"]
    }
    assert statuses[2] == ("partial", ["v9_to_review"])
    assert statuses[4] == ("ready", ["validated"])
    with schema_context("org_alpha"):
        (gap,) = [gap for gap in selectors.readiness_panel().gaps if gap.number == 2]
    assert gap.reason_text == (
        "preuve déposée sous la V9 : à revoir pour la nouvelle rédaction V10 (décret 2026-728, "
        "en vigueur le 1er novembre 2026), puis à confirmer"
    )
    # The compare page offers the confirmation to reviewers only.
    client.force_login(world.contributor_a)
    assert client.post(f"/o/alpha/preuves/{item.pk}/confirmer-v10/").status_code == 404
    client.force_login(world.referent_a)
    page = client.get("/o/alpha/referentiel/v9-v10/").content.decode()
    assert f"/o/alpha/preuves/{item.pk}/confirmer-v10/" in page
    response = client.post(f"/o/alpha/preuves/{item.pk}/confirmer-v10/")
    assert (response.status_code, response.url) == (302, "/o/alpha/referentiel/v9-v10/")
    with schema_context("org_alpha"):
        item.refresh_from_db()
        assert item.v10_confirmed_by_id == world.referent_a.pk
        assert list(item.events.values_list("action", flat=True).order_by("pk"))[-1] == (
            "v10_confirmed"
        )
    assert (
        f"/o/alpha/preuves/{item.pk}/confirmer-v10/"
        not in client.get("/o/alpha/referentiel/v9-v10/").content.decode()
    )
    statuses = {
        row["number"]: row["status"]
        for row in services.readiness_recompute(organisation=world.org_a).result["indicators"]
    }
    assert statuses[2] == "ready"
    # A second click changes nothing: the first confirmation stays.
    confirmed_at = item.v10_confirmed_at
    again = client.post(f"/o/alpha/preuves/{item.pk}/confirmer-v10/")
    assert again.url == "/o/alpha/referentiel/v9-v10/"
    with schema_context("org_alpha"):
        item.refresh_from_db()
        assert item.v10_confirmed_at == confirmed_at
        assert item.events.filter(action="v10_confirmed").count() == 1


def test_pinning_a_version_not_in_force_at_the_audit_date_is_warned(client, world, media):
    from datetime import date

    from indicators.referential.models import ReferentialVersion
    from qualiopi_portal.tenancy.models import Organisation

    warning = (
        "Vous avez choisi le Référentiel national qualité — version 9 (guide de lecture du 8 "
        "janvier 2024), mais le certificateur "
        "auditera avec le Référentiel national qualité — version 10, en vigueur à la date de "
        "votre prochain audit"
    )
    Organisation.objects.filter(pk=world.org_a.pk).update(
        next_audit_date=date(2027, 3, 1),
        referential_version=ReferentialVersion.objects.get(code="v9"),
    )
    client.force_login(world.referent_a)
    for path in ("/o/alpha/", "/o/alpha/perimetre/"):
        assert warning in " ".join(client.get(path).content.decode().split()), path
    Organisation.objects.filter(pk=world.org_a.pk).update(
        referential_version=ReferentialVersion.objects.get(code="v10")
    )
    for path in ("/o/alpha/", "/o/alpha/perimetre/"):
        assert "Vous avez choisi le" not in client.get(path).content.decode(), path
