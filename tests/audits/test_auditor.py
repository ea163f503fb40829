"""The auditor's read-only link: no account, expires, revocable, every use logged."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from audits import services
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import AuditorAccess, AuditorLink
from reports.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(world, media):
    with schema_context("org_alpha"):
        audit = services.audit_save(
            audit=None,
            created_by=world.referent_a,
            kind="initial",
            starts_on=date(2026, 12, 8),
            ends_on=date(2026, 12, 8),
            auditors="",
            sites="",
            report_date=None,
            notes="",
        )
        services.slot_save(
            audit=audit,
            slot=None,
            day=date(2026, 12, 8),
            starts_at=time(9, 0),
            ends_at=time(9, 30),
            subject="Réunion d'ouverture",
            indicator_numbers=[],
            auditor="",
            resource_persons="",
            location="",
        )
        pack = Report.objects.create(
            kind="evidence_pack",
            status="ready",
            requested_by=world.referent_a,
            finished_at=timezone.now(),
        )
        pack.file.save("org_alpha/reports/pack.zip", ContentFile(b"PK\x03\x04zip"))
    return audit


def _create(client, audit, **data) -> str:
    page = client.post(
        f"/o/alpha/audits/{audit.pk}/acces-auditeur/",
        {"action": "create", "label": "M. Delorme, AFNOR", "days": "30", **data},
    )
    match = re.search(r'value="http://testserver(/auditeur/[^"]+/)"', page.content.decode())
    return match.group(1) if match else page


def test_the_referent_creates_a_link_the_auditor_reads_and_the_referent_sees_it(
    client, world, audit
):
    client.force_login(world.referent_a)
    refused = _create(client, audit, label=" ")
    assert refused.status_code == 400
    assert "Indiquez à qui est destiné le lien" in refused.content.decode()
    refused = _create(client, audit, days="365")
    assert "La durée de validité va de 1 à 90 jours." in refused.content.decode()
    url = _create(client, audit)
    client.logout()
    home = client.get(url)
    assert home.status_code == 200
    text = home.content.decode()
    assert "Alpha Formation" in text
    assert "Réunion d&#x27;ouverture" in text
    assert home["Cache-Control"] == "private, no-store"
    pack = client.get(url + "dossier-de-preuves.zip")
    assert pack.status_code == 200
    assert pack["X-Content-Type-Options"] == "nosniff"
    assert b"".join(pack.streaming_content) == b"PK\x03\x04zip"
    assert list(AuditorAccess.objects.values_list("what", flat=True).order_by("at", "pk")) == [
        "plan",
        "pack",
    ]
    client.force_login(world.referent_a)
    page = client.get(f"/o/alpha/audits/{audit.pk}/acces-auditeur/").content.decode()
    assert "téléchargement du dossier de preuves" in page
    assert "127.0.0.1" in page
    link = AuditorLink.objects.get()
    client.post(
        f"/o/alpha/audits/{audit.pk}/acces-auditeur/", {"action": "revoke", "link": link.pk}
    )
    client.logout()
    accesses = AuditorAccess.objects.count()
    for closed in (client.get(url), client.get(url + "dossier-de-preuves.zip")):
        assert closed.status_code == 410
        text = closed.content.decode()
        assert "Ce lien a été révoqué" in text
        assert "Alpha Formation a fermé cet accès au dossier d’audit le" in text
        assert (
            f"contactez {world.referent_a.display_name} ({world.referent_a.email}), qui vous "
            "l’avait envoyé." in text
        )
        assert "Réunion d&#x27;ouverture" not in text
    assert AuditorAccess.objects.count() == accesses  # a closed link reads nothing
    assert client.get("/auditeur/jeton-inconnu/").status_code == 404


def test_an_expired_link_says_so_and_reads_nothing(client, world, audit):
    client.force_login(world.referent_a)
    url = _create(client, audit, days="1")
    AuditorLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.logout()
    response = client.get(url)
    assert response.status_code == 410
    assert "Ce lien a expiré" in response.content.decode()
    assert "Réunion d&#x27;ouverture" not in response.content.decode()
    assert AuditorAccess.objects.count() == 0


def test_other_organisations_cannot_revoke_or_list_links(client, world, audit):
    client.force_login(world.referent_a)
    _create(client, audit)
    link = AuditorLink.objects.get()
    with schema_context("org_gamma"):
        gamma_audit = services.audit_save(
            audit=None,
            created_by=world.member_a_and_c,
            kind="mock",
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 1),
            auditors="",
            sites="",
            report_date=None,
            notes="",
        )
    client.force_login(world.member_a_and_c)  # referent of C, contributor of A
    response = client.post(
        f"/o/gamma/audits/{gamma_audit.pk}/acces-auditeur/",
        {"action": "revoke", "link": link.pk},
    )
    assert response.status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None
