"""The access check and the top bar's switcher are hand-written SQL (hot paths); they must
say exactly what the ORM rules say, for every kind of account."""

from __future__ import annotations

import pytest
from django.http import Http404

from qualiopi_portal.tenancy import services
from qualiopi_portal.tenancy.models import Organisation, Role
from qualiopi_portal.tenancy.selectors import (
    _with_user_role,
    organisation_access_get,
    organisation_accesses_for_user,
    switcher_for_user,
    user_is_consultant,
)

pytestmark = pytest.mark.django_db

ACCOUNTS = (
    "referent_a",
    "director_a",
    "contributor_a",
    "consultant_a",
    "referent_b",
    "firm_consultant",
    "member_a_and_c",
    "staff",
    "nobody",
)


@pytest.mark.parametrize("account", ACCOUNTS)
def test_the_switcher_lists_what_the_orm_rules_allow_with_the_same_roles(world, account):
    user = getattr(world, account)
    expected = [
        (a.organisation.slug, a.organisation.name, a.role)
        for a in organisation_accesses_for_user(user=user)
    ]
    switcher = switcher_for_user(user=user, limit=16)
    assert [(e.slug, e.name, e.role) for e in switcher.entries] == expected
    # The flag comes with the entries; asked on a fresh object, the ORM rule says the same.
    fresh = type(user).objects.get(pk=user.pk)
    assert switcher.is_consultant == user_is_consultant(user=fresh)


@pytest.mark.parametrize("account", ACCOUNTS)
def test_the_access_check_grants_what_the_orm_rules_grant(world, account):
    user = getattr(world, account)
    for organisation in Organisation.objects.exclude(schema_name="public"):
        annotated = _with_user_role(Organisation.objects.filter(pk=organisation.pk), user).get()
        expected = (
            Role(annotated.member_role)
            if annotated.member_role
            else Role.CONSULTANT
            if annotated.followed_by_firm
            else None
        )
        try:
            got = organisation_access_get(user=user, slug=organisation.slug).role
        except Http404:
            got = None
        assert got == expected, organisation.slug


def test_the_expected_roles_in_the_world(world):
    """The comparisons above compare something: the world holds each case."""
    roles = {
        account: {
            e.slug: e.role
            for e in switcher_for_user(user=getattr(world, account), limit=16).entries
        }
        for account in ACCOUNTS
    }
    assert roles["member_a_and_c"] == {"alpha": Role.CONTRIBUTOR, "gamma": Role.REFERENT}
    assert roles["firm_consultant"] == {"alpha": Role.CONSULTANT, "gamma": Role.CONSULTANT}
    assert roles["consultant_a"] == {"alpha": Role.CONSULTANT}
    assert roles["nobody"] == {}
    assert switcher_for_user(user=world.firm_consultant, limit=16).is_consultant is True
    assert switcher_for_user(user=world.referent_b, limit=16).is_consultant is False


def test_a_firm_member_who_also_holds_a_role_appears_once_with_that_role(world):
    services.membership_add(
        organisation=world.org_a, user=world.firm_consultant, role=Role.DIRECTOR
    )
    entries = switcher_for_user(user=world.firm_consultant, limit=16).entries
    assert [(e.slug, e.role) for e in entries] == [
        ("alpha", Role.DIRECTOR),
        ("gamma", Role.CONSULTANT),
    ]
    assert organisation_access_get(user=world.firm_consultant, slug="alpha").role == Role.DIRECTOR


def test_the_switcher_stops_at_its_limit(world):
    assert [e.slug for e in switcher_for_user(user=world.firm_consultant, limit=1).entries] == [
        "alpha"
    ]
