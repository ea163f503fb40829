"""Mandatory two-factor authentication, end to end with a real TOTP code.

This file runs after test_journeys.py (same stack): it switches Cap Compétences to mandatory
TOTP and switches it back at the end.
"""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

PASSWORD = "Qualiopi-demo-2026"


def _totp(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_referent_makes_two_factor_mandatory_and_activates_it(page, login, portal):
    login("referent.cap@demo.test")
    page.goto("/o/cap-competences/securite/")
    page.get_by_label("Exiger la double authentification (TOTP) pour tous les membres").check()
    page.get_by_role("button", name="Enregistrer").click()
    assert "La politique de sécurité a été enregistrée." in page.locator(".messages").inner_text()

    # The organisation is now closed until this account has an authenticator app.
    page.goto("/o/cap-competences/")
    if "/accounts/reauthenticate/" in page.url:
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{portal}/accounts/2fa/totp/activate/")
    assert (
        page.get_by_role("alert")
        .inner_text()
        .startswith("Cap Compétences exige la double authentification")
    )

    secret = page.get_by_label("Secret d'authentification").input_value()
    page.get_by_label("Code de l'authentificateur").fill(_totp(secret))
    page.get_by_role("button", name="Activer").click()
    page.wait_for_load_state()
    assert "/accounts/2fa/totp/activate/" not in page.url

    page.goto("/o/cap-competences/")
    assert page.locator("h1").inner_text() == "Cap Compétences"

    # The next login asks for the code.
    page.context.clear_cookies()
    login("referent.cap@demo.test")
    page.wait_for_url(f"{portal}/accounts/2fa/authenticate/")
    if time.time() % 30 > 28:  # do not type a code that expires in flight
        time.sleep(3)
    page.get_by_label("Code").fill(_totp(secret))
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(f"{portal}/o/cap-competences/")

    # Another member without TOTP is sent to set it up; then the policy goes back to optional.
    director = page.context.browser.new_context(base_url=portal, locale="fr-FR").new_page()
    director.goto("/accounts/login/")
    director.get_by_label("Courriel").fill("direction.cap@demo.test")
    director.get_by_label("Mot de passe").fill(PASSWORD)
    director.locator("main form button[type=submit]").click()
    director.wait_for_load_state()
    assert "/accounts/" in director.url
    assert "/o/cap-competences/" not in director.url
    director.context.close()

    page.goto("/o/cap-competences/securite/")
    page.get_by_label("Exiger la double authentification (TOTP) pour tous les membres").uncheck()
    page.get_by_role("button", name="Enregistrer").click()
    assert "La politique de sécurité a été enregistrée." in page.locator(".messages").inner_text()
