"""The private calendar feed: the right events, valid ICS, revocable, nobody else's data."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import icalendar
import pytest

from audits import services
from audits.calendar import Event, render_ics
from qualiopi_portal.accounts.models import CalendarToken
from qualiopi_portal.core.tenants import schema_context

from ..conftest import B_MARKER

pytestmark = pytest.mark.django_db


def test_ics_is_escaped_and_folded():
    body = render_ics(
        [
            Event(
                "x@alpha",
                date(2026, 12, 1),
                date(2026, 12, 2),
                "NC majeure; indicateur 4, à lever\\vite " + "é" * 60,
            )
        ],
        now=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    )
    lines = body.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR"
    assert "DTSTART;VALUE=DATE:20261201" in lines
    assert "DTSTAMP:20261123T080000Z" in lines
    summary = next(i for i, line in enumerate(lines) if line.startswith("SUMMARY:"))
    assert lines[summary].startswith("SUMMARY:NC majeure\\; indicateur 4\\, à lever\\\\vite ")
    assert lines[summary + 1].startswith(" é")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert body.endswith("END:VCALENDAR\r\n")


def _token_url(client) -> str:
    page = client.post("/agenda/", {"action": "renew"}).content.decode()
    return re.search(r'value="http://testserver(/agenda/[^"]+\.ics)"', page).group(1)


def test_a_person_gets_their_organisations_events_and_can_revoke(client, world):
    with schema_context("org_alpha"):
        audit = services.audit_save(
            audit=None,
            created_by=world.referent_a,
            kind="initial",
            starts_on=date(2026, 12, 3),
            ends_on=date(2026, 12, 4),
            auditors="Claire Fontaine",
            sites="",
            report_date=None,
            notes="",
        )
        finding = services.finding_save(
            audit=audit,
            finding=None,
            indicator_number=4,
            kind="nc_major",
            description="Pas de trace",
            deadline=date(2027, 3, 1),
        )
    with schema_context("org_beta"):
        services.audit_save(
            audit=None,
            created_by=world.referent_b,
            kind="initial",
            starts_on=date(2026, 12, 10),
            ends_on=date(2026, 12, 10),
            auditors=f"Auditrice {B_MARKER}",
            sites="",
            report_date=None,
            notes="",
        )
    client.force_login(world.referent_a)
    url = _token_url(client)
    client.logout()
    feed = client.get(url)
    assert feed.status_code == 200
    assert feed["Content-Type"] == "text/calendar; charset=utf-8"
    body = feed.content.decode()
    assert f"UID:audit-{audit.pk}@alpha" in body
    assert "DTSTART;VALUE=DATE:20261203\r\nDTEND;VALUE=DATE:20261205" in body
    assert "SUMMARY:Alpha Formation — Audit initial" in body
    assert f"UID:finding-{finding.pk}@alpha" in body
    assert "DTSTART;VALUE=DATE:20270301" in body
    assert B_MARKER not in body
    assert "@beta" not in body
    client.force_login(world.referent_a)
    settings_page = client.get("/agenda/").content.decode()
    assert "Un lien est actif depuis le" in settings_page
    assert "Dernière lecture par un agenda" in settings_page
    client.post("/agenda/", {"action": "revoke"})
    client.logout()
    assert client.get(url).status_code == 404
    assert CalendarToken.objects.filter(user=world.referent_a, revoked_at__isnull=True).count() == 0


def test_renewing_replaces_the_previous_link(client, world):
    client.force_login(world.referent_a)
    first = _token_url(client)
    second = _token_url(client)
    client.logout()
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert client.get("/agenda/devine.ics").status_code == 404


def test_a_contributors_feed_shows_only_what_their_pages_show(client, world):
    # Given an audit with an open finding and a certificate, in an organisation where the
    # contributor gets 404 on the audits pages.
    with schema_context("org_alpha"):
        audit = services.audit_save(
            audit=None,
            created_by=world.referent_a,
            kind="initial",
            starts_on=date(2026, 12, 3),
            ends_on=date(2026, 12, 3),
            auditors="AUDITRICE-SECRETE",
            sites="",
            report_date=None,
            notes="",
        )
        services.finding_save(
            audit=audit,
            finding=None,
            indicator_number=4,
            kind="nc_major",
            description="CONSTAT-SECRET",
            deadline=date(2027, 3, 1),
        )
        services.certificate_save(
            certificate=None,
            certifier="AFNOR Certification",
            number="Q-1",
            categories=["AF"],
            issued_on=date(2025, 3, 10),
        )
    client.force_login(world.contributor_a)
    assert client.get("/o/alpha/audits/").status_code == 404
    url = _token_url(client)
    client.logout()

    # When the contributor's calendar reads the feed.
    body = client.get(url).content.decode()

    # Then it holds none of it, and is still a valid, empty calendar.
    calendar = icalendar.Calendar.from_ical(body)
    assert [component.name for component in calendar.walk("VEVENT")] == []
    for secret in ("AUDITRICE-SECRETE", "CONSTAT-SECRET", "surveillance", "Expiration"):
        assert secret not in body

    # While the referent's feed, from the same data, holds the four events.
    client.force_login(world.referent_a)
    referent = client.get(_token_url(client)).content.decode()
    summaries = sorted(
        str(event["SUMMARY"])
        for event in icalendar.Calendar.from_ical(referent).walk("VEVENT")
        if "@alpha" in str(event["UID"])
    )
    assert summaries == [
        "Alpha Formation — Audit initial",
        "Alpha Formation — Expiration du certificat Qualiopi",
        "Alpha Formation — Fenêtre de l'audit de surveillance",
        "Alpha Formation — Lever la NC majeure de l'indicateur 4",
    ]
