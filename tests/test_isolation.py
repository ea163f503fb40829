"""Tenant isolation: nobody outside organisation B can see, guess or touch B's data.

Every URL pattern of the project is enumerated. Tenant URLs are requested (GET and POST) for
organisation B, filled with B's real object ids, by outsiders; public URLs are requested by the
same outsiders and must never show B's marker. A URL pattern that this file does not cover makes
the test fail, so every new view has to be added here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.tenancy import services
from qualiopi_portal.tenancy.models import Invitation, Membership, Organisation, Role

from .conftest import B_MARKER

pytestmark = pytest.mark.django_db

TENANT_PREFIX = "o/<slug:organisation_slug>/"


def _walk(resolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route, name or ""


def all_routes() -> list[tuple[str, str]]:
    return list(_walk(get_resolver()))


# Tenant URL name → the URL kwargs pointing at B's real objects.
B_OBJECTS: dict[str, Callable[[dict], dict]] = {
    "org:dashboard": lambda b: {},
    "org:profile": lambda b: {},
    "org:referential": lambda b: {},
    "org:referential_compare": lambda b: {},
    "org:scope": lambda b: {},
    "org:scope_preview": lambda b: {},
    "org:security": lambda b: {},
    "org:members": lambda b: {},
    "org:member_remove": lambda b: {"pk": b["membership"].pk},
    "org:invitation_revoke": lambda b: {"pk": b["invitation"].pk},
}

POST_ONLY = {"org:scope_preview"}
# Pages that do not print the organisation's name (an htmx fragment, a confirmation).
WITHOUT_NAME = {"org:scope_preview", "org:invitation_revoke"}

# Public URLs: those taking no argument are requested as they are; the others are listed here.
PUBLIC_WITH_ARGUMENTS = {
    # The token itself is the credential (sent to one address); an outsider cannot guess it.
    "invitation_accept": lambda b: {"token": "jeton-devine"},
}
# Prefixes not walked here, each with its reason.
PUBLIC_EXCLUDED_PREFIXES = {
    # Staff only: Django admin redirects everyone else to its login (see test below).
    "admin/": "Django admin",
    # allauth's keyed URLs (confirmation keys, reset keys, MFA) carry their own secret.
    "accounts/": "allauth",
}


@pytest.fixture
def b_objects(world, django_capture_on_commit_callbacks) -> dict:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            organisation=world.org_b,
            email=f"invite.{B_MARKER.lower()}@exemple.test",
            role=Role.DIRECTOR,
            invited_by=world.referent_b,
            base_url="http://testserver/",
        )
    membership = Membership.objects.get(organisation=world.org_b, user=world.referent_b)
    return {"membership": membership, "invitation": invitation}


def _b_state() -> tuple:
    b = Organisation.objects.get(slug="beta")
    return (
        b.name,
        b.categories,
        b.requires_two_factor,
        list(Membership.objects.filter(organisation=b).values_list("pk", "role")),
        list(Invitation.objects.filter(organisation=b).values_list("pk", "revoked_at")),
        AuditEvent.objects.filter(organisation=b).count(),
    )


def test_every_tenant_url_is_covered():
    tenant_names = {name for route, name in all_routes() if route.startswith(TENANT_PREFIX)}
    assert tenant_names == set(B_OBJECTS), (
        "tenant URL patterns and B_OBJECTS differ: add the new view to the isolation walk"
    )


def test_every_public_url_is_covered():
    for route, name in all_routes():
        if route.startswith(TENANT_PREFIX) or route.startswith(tuple(PUBLIC_EXCLUDED_PREFIXES)):
            continue
        if "<" in route:
            assert name in PUBLIC_WITH_ARGUMENTS, f"public URL {route} is not walked"


OUTSIDERS = ["anonymous", "referent_a", "firm_consultant", "member_a_and_c", "nobody"]


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_get_nothing_from_organisation_b(client, world, b_objects, outsider, method):
    if outsider != "anonymous":
        client.force_login(getattr(world, outsider))
    before = _b_state()
    for name, kwargs_for in B_OBJECTS.items():
        url = reverse(name, kwargs={"organisation_slug": "beta", **kwargs_for(b_objects)})
        payload = {
            "email": "intrus@exemple.test",
            "role": "referent",
            "name": "Piraté",
            "categories": ["APP"],
        }
        response = getattr(client, method)(url, payload if method == "post" else None)
        if outsider == "anonymous":
            assert response.status_code == 302, url
            assert response.url.startswith("/accounts/login/?next="), url
        else:
            assert response.status_code == 404, url
        assert B_MARKER not in response.content.decode(), url
    assert _b_state() == before


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_unknown_and_forbidden_organisations_look_the_same(client, world, outsider):
    if outsider != "anonymous":
        client.force_login(getattr(world, outsider))
    forbidden = client.get("/o/beta/membres/")
    missing = client.get("/o/nexiste-pas/membres/")
    assert forbidden.status_code == missing.status_code
    if outsider == "anonymous":
        assert forbidden.url.replace("beta", "X") == missing.url.replace("nexiste-pas", "X")
    else:
        # Only the echo of the requested path (the language form's "next") may differ.
        assert _without_csrf(forbidden.content).replace("/o/beta/", "/o/X/") == _without_csrf(
            missing.content
        ).replace("/o/nexiste-pas/", "/o/X/")


def _without_csrf(content: bytes) -> str:
    """Masked CSRF tokens differ on every response; nothing else may."""
    text = content.decode()
    text = re.sub(r'"X-CSRFToken": "[^"]+"', "", text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_public_pages_never_show_organisation_b(client, world, b_objects, outsider):
    if outsider != "anonymous":
        client.force_login(getattr(world, outsider))
    for route, name in all_routes():
        if route.startswith(TENANT_PREFIX) or route.startswith(tuple(PUBLIC_EXCLUDED_PREFIXES)):
            continue
        if "<" in route:
            url = reverse(name, kwargs=PUBLIC_WITH_ARGUMENTS[name](b_objects))
        else:
            url = "/" + route
        response = client.get(url)
        assert response.status_code < 500, url
        assert B_MARKER not in response.content.decode(), url


def test_organisation_b_is_reachable_by_its_own_referent(client, world, b_objects):
    """The walk above is meaningful: the same URLs do answer B's own referent."""
    client.force_login(world.referent_b)
    for name, kwargs_for in B_OBJECTS.items():
        url = reverse(name, kwargs={"organisation_slug": "beta", **kwargs_for(b_objects)})
        if name in POST_ONLY:
            response = client.post(url, {"categories": ["AF"]})
        else:
            response = client.get(url)
        assert response.status_code == 200, url
        assert B_MARKER in response.content.decode() or name in WITHOUT_NAME, url


def test_django_admin_is_closed_to_non_staff(client, world):
    client.force_login(world.referent_a)
    url = f"/admin/tenancy/organisation/{world.org_b.pk}/change/"
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_a_view_running_in_a_schema_sees_only_that_schema(client, world):
    """The middleware sets the organisation's schema and resets it after the response."""
    from django.db import connection

    client.force_login(world.referent_a)
    client.get("/o/alpha/")
    assert connection.schema_name == "public"
