"""Every date and time goes through the active language's formats, never a French pattern."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings

from audits import services
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(world):
    with schema_context("org_alpha"):
        return services.audit_save(
            audit=None,
            created_by=world.referent_a,
            kind="initial",
            starts_on=date(2026, 12, 3),
            ends_on=date(2026, 12, 4),
            auditors="",
            sites="",
            report_date=date(2026, 12, 14),
            notes="",
        )


def test_audit_dates_follow_the_language(client, world, audit):
    client.force_login(world.referent_a)
    french = client.get(f"/o/alpha/audits/{audit.pk}/").content.decode()
    assert "03/12/2026 – 04/12/2026" in french
    assert "Rapport du 14/12/2026" in french

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(f"/o/alpha/audits/{audit.pk}/").content.decode()
    assert "12/03/2026 – 12/04/2026" in english
    assert "14/12/2026" not in english
    listing = client.get("/o/alpha/audits/").content.decode()
    assert "03/12/2026" not in listing


def test_the_readiness_computed_line_is_in_one_language(client, world, media):
    from indicators.services import readiness_recompute

    readiness_recompute(organisation=Organisation.objects.get(pk=world.org_a.pk))
    client.force_login(world.referent_a)
    french = client.get("/o/alpha/").content.decode()
    assert re.search(r"Calculé le \d\d/\d\d/\d{4} à \d\dh\d\d \(référentiel", french)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/o/alpha/").content.decode()
    assert " à " not in re.search(r"Computed on [^(]*\(", english).group(0)
    assert re.search(r"Computed on \d\d/\d\d/\d{4} at \d{1,2}(:\d\d)? [ap]\.m\. \(", english)


@pytest.mark.parametrize(
    ("hours", "shown"),
    [
        (Decimal("6.5"), "6 h 30"),
        (Decimal("7"), "7 h"),
        (Decimal("24.5"), "24 h 30"),
        (Decimal("0.25"), "0 h 15"),
        (None, ""),
    ],
)
def test_durations_read_as_hours_and_minutes(hours, shown):
    from qualiopi_portal.core.templatetags.portal import hours_minutes

    assert hours_minutes(hours) == shown
