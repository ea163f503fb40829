"""Accounts and headers: sessions after a password change or reset, the Content-Security-Policy,
frame protection, and `check --deploy` with the production settings.

Login throttling and enforced two-factor are proven in tests/tenancy/test_views.py
(test_repeated_failed_logins_are_throttled, test_mandatory_two_factor_sends_members_to_totp_setup)
and end to end in tests/e2e/test_two_factor.py; every browser journey fails on a CSP refusal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from .factories import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)
NEW_PASSWORD = "Nouveau-mot-de-passe-2026"


def _logged_in(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_changing_the_password_closes_the_other_sessions_and_keeps_this_one(world):
    here, elsewhere = _logged_in(world.referent_a), _logged_in(world.referent_a)
    assert elsewhere.get("/o/alpha/").status_code == 200
    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert here.get("/o/alpha/").status_code == 200
    stale = elsewhere.get("/o/alpha/")
    assert (stale.status_code, stale["Location"]) == (302, "/accounts/login/?next=/o/alpha/")


def test_a_password_reset_closes_every_open_session(client, world):
    elsewhere = _logged_in(world.referent_a)
    client.post(reverse("account_reset_password"), {"email": world.referent_a.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/" in line)
    form_page = client.get(link.replace("http://testserver", ""), follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    stale = elsewhere.get("/o/alpha/")
    assert (stale.status_code, stale["Location"]) == (302, "/accounts/login/?next=/o/alpha/")
    assert _client_login(world.referent_a.email, NEW_PASSWORD)


def _client_login(email: str, password: str) -> bool:
    return Client().login(email=email, password=password)


class _InlineCode(HTMLParser):
    """Collects what a strict CSP would refuse: inline scripts, style elements and attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append("<script> inline")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}" for name in names if name == "style" or name[:2] == "on"]


def _inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (None, "/accounts/login/"),
        (None, "/catalogue/alpha/"),
        ("referent_a", "/o/alpha/"),
        ("referent_a", "/o/alpha/preuves/"),
        ("referent_a", "/o/alpha/financements/"),
        ("firm_consultant", "/portefeuille/"),
    ],
)
def test_pages_load_only_our_own_assets_and_refuse_framing(client, world, who, path):
    if who:
        client.force_login(getattr(world, who))
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == f"{POLICY}; frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert _inline_code(response.text) == []


def test_only_the_catalogue_embed_may_be_framed(client, world):
    response = client.get("/catalogue/alpha/?integre=1")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == f"{POLICY}; frame-ancestors *"
    assert "X-Frame-Options" not in response


def test_the_staff_admin_alone_may_use_inline_styles_never_scripts(client, world):
    client.force_login(world.staff)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == (
        POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        + "; frame-ancestors 'none'"
    )
    assert "script-src 'self';" in response["Content-Security-Policy"]


def test_errors_carry_the_policy_too(client, world):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert response["Content-Security-Policy"] == f"{POLICY}; frame-ancestors 'none'"


def test_deploy_checks_pass_with_the_production_settings():
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qualiopi_portal.settings.production",
        "SECRET_KEY": "k7Q!" + "x9vR2mZ4pL8wT1nB6cJ3hF5dS0gY" * 3,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "ALLOWED_HOSTS": "qualiopi.example.fr",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "System check identified no issues (0 silenced).\n",
        "",
    )
