"""Shared fixtures: a committed world of three organisations, created once per session.

Each test then runs in a transaction rolled back at its end (pytest-django's `db`), so tests
may change anything. Organisation B carries a marker text that must never leak to outsiders.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from indicators.referential.selectors import referential_cache_clear
from qualiopi_portal.tenancy import services
from qualiopi_portal.tenancy.models import ConsultancyFirm, Organisation, Role

from .factories import UserFactory

B_MARKER = "MARQUEUR-ORGANISATION-B"


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    org_c: Organisation
    firm: ConsultancyFirm
    referent_a: object
    director_a: object
    contributor_a: object
    consultant_a: object  # consultant by direct membership in A only
    referent_b: object
    firm_consultant: object  # member of the firm following A and C (not B)
    member_a_and_c: object  # contributor in A and referent in C
    staff: object
    nobody: object  # an account with no access anywhere


def _organisation(slug: str, name: str, **extra) -> Organisation:
    return services.organisation_create(
        slug=slug,
        name=name,
        siret="73282932000074",
        nda="11755555575",
        categories=extra.pop("categories", ["AF"]),
        **extra,
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After pytest-django builds the test database: the template schema and the world."""
    with django_db_blocker.unblock():
        call_command("migrate_portal", verbosity=0)
        call_command("referential", "load", stdout=StringIO())
        connection.set_schema_to_public()


@pytest.fixture(scope="session")
def world(django_db_setup, django_db_blocker) -> World:
    with django_db_blocker.unblock():
        org_a = _organisation("alpha", "Alpha Formation")
        org_b = _organisation("beta", f"Bêta Formation {B_MARKER}", categories=["AF", "BC"])
        org_c = _organisation("gamma", "Gamma CFA", categories=["APP"])
        firm = ConsultancyFirm.objects.create(name="Cabinet Test", slug="cabinet-test")
        firm.clients.add(org_a, org_c)
        people = {
            "referent_a": (org_a, Role.REFERENT),
            "director_a": (org_a, Role.DIRECTOR),
            "contributor_a": (org_a, Role.CONTRIBUTOR),
            "consultant_a": (org_a, Role.CONSULTANT),
            "referent_b": (org_b, Role.REFERENT),
        }
        users = {}
        for key, (organisation, role) in people.items():
            users[key] = UserFactory(email=f"{key.replace('_', '.')}@exemple.test")
            services.membership_add(organisation=organisation, user=users[key], role=role)
        firm_consultant = UserFactory(email="cabinet.consultant@exemple.test")
        firm.members.add(firm_consultant)
        member_a_and_c = UserFactory(email="deux.organisations@exemple.test")
        services.membership_add(organisation=org_a, user=member_a_and_c, role=Role.CONTRIBUTOR)
        services.membership_add(organisation=org_c, user=member_a_and_c, role=Role.REFERENT)
        staff = UserFactory(email="staff@exemple.test", is_staff=True)
        nobody = UserFactory(email="personne@exemple.test")
        return World(
            org_a=org_a,
            org_b=org_b,
            org_c=org_c,
            firm=firm,
            firm_consultant=firm_consultant,
            member_a_and_c=member_a_and_c,
            staff=staff,
            nobody=nobody,
            **users,
        )


@pytest.fixture(autouse=True)
def _clean_state_around_each_test():
    cache.clear()
    # The referential is cached per process; a test's rolled-back writes must not outlive it.
    referential_cache_clear()
    # A request answered in English leaves English active in the thread (LocaleMiddleware
    # does not switch back): each test starts in the portal's language.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    connection.set_schema_to_public()
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def org_url():
    def build(organisation: Organisation, path: str = "") -> str:
        return f"/o/{organisation.slug}/{path}"

    return build


@pytest.fixture
def media(settings, tmp_path):
    """Stored files go to a fresh directory, so a test can see exactly what was written."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
