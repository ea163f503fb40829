"""Error pages are the portal's own, in French, whatever went wrong."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_error_pages_are_the_portals_own_in_french(client, world):
    missing = client.get("/cette-page-n-existe-pas/")
    assert missing.status_code == 404
    text = missing.content.decode()
    assert "Page introuvable" in text
    assert "Using the URLconf" not in text  # Django's technical page lists the URL patterns
    assert 'lang="fr"' in text

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(world.referent_a)
    refused = csrf_client.post("/o/alpha/profil/", {"name": "x"})
    assert refused.status_code == 403
    text = refused.content.decode()
    assert "Formulaire expiré" in text
    assert "Rien n’a été enregistré." in text
    assert "CSRF verification failed" not in text
