"""The foundation's user journeys, in Chromium against the running portal."""

import re

import pytest

# Trainers land on what is expected of them ("Mon espace"), the others on their organisation.
DEMO_LANDINGS = [
    ("consultant@demo.test", "/portefeuille/", "Portefeuille de clients"),
    ("referent.solstice@demo.test", "/o/cooperative-solstice/", "Coopérative Solstice"),
    ("direction.solstice@demo.test", "/o/cooperative-solstice/", "Coopérative Solstice"),
    (
        "formateur.solstice@demo.test",
        "/o/cooperative-solstice/",
        "Mon espace",
    ),  # what is expected of them
    ("referent.cfa@demo.test", "/o/cfa-metiers-occitanie/", "CFA des Métiers d'Occitanie"),
    ("direction.cfa@demo.test", "/o/cfa-metiers-occitanie/", "CFA des Métiers d'Occitanie"),
    (
        "formateur.cfa@demo.test",
        "/o/cfa-metiers-occitanie/",
        "Mon espace",
    ),  # what is expected of them
    ("referent.cap@demo.test", "/o/cap-competences/", "Cap Compétences"),
    ("direction.cap@demo.test", "/o/cap-competences/", "Cap Compétences"),
    ("formateur.cap@demo.test", "/o/cap-competences/", "Mon espace"),
    ("admin@demo.test", "/", "Mes organisations"),
]


def test_referent_logs_in_and_lands_on_the_dashboard(page, login, portal):
    login("referent.solstice@demo.test")
    assert page.url == f"{portal}/o/cooperative-solstice/"
    assert page.locator("h1").inner_text() == "Coopérative Solstice"
    nav = page.get_by_role("navigation", name="Navigation de l’organisation")
    assert nav.get_by_role("link").all_inner_texts() == [
        "Tableau de bord",
        "Référentiel",
        "Périmètre",
        "Preuves",
        "Couverture",
        "Intervenants",
        "Autoévaluation",
        "Offres",
        "Financements",
        "Audits",
        "Rapports",
        "Enquêtes",
        "Plan de progrès",
        "Équipe",
        "Profil",
        "Sécurité",
    ]
    assert "Votre rôle : Référent·e qualité" in nav.inner_text()


@pytest.mark.parametrize(("email", "path", "heading"), DEMO_LANDINGS)
def test_every_demo_user_lands_where_their_role_expects(page, login, portal, email, path, heading):
    login(email)
    assert page.url == portal + path
    assert page.locator("h1").first.inner_text() == heading


def test_consultant_moves_between_clients_without_logging_in_again(page, login, portal):
    login("consultant@demo.test")
    visited = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))

    page.get_by_role("link", name="Coopérative Solstice").click()
    page.wait_for_url(f"{portal}/o/cooperative-solstice/")
    assert page.locator("h1").inner_text() == "Coopérative Solstice"
    assert "Votre rôle : Consultant·e" in page.locator(".orgnav").inner_text()

    page.locator("details.switcher summary").click()
    page.locator("details.switcher").get_by_role(
        "link", name=re.compile("CFA des Métiers d'Occitanie")
    ).click()
    page.wait_for_url(f"{portal}/o/cfa-metiers-occitanie/")
    assert page.locator("h1").inner_text() == "CFA des Métiers d'Occitanie"

    page.locator("details.switcher summary").click()
    page.locator("details.switcher").get_by_role("link", name="Mon portefeuille de clients").click()
    page.wait_for_url(f"{portal}/portefeuille/")
    assert not [url for url in visited if "/accounts/login/" in url]


def test_member_of_one_organisation_gets_404_on_another(page, login, portal):
    login("referent.solstice@demo.test")
    for path in ("/o/cfa-metiers-occitanie/", "/o/cfa-metiers-occitanie/membres/"):
        response = page.goto(path)
        assert response.status == 404
        assert page.locator("h1").inner_text() == "Page introuvable"
        assert "CFA des Métiers" not in page.content()
        assert "Nadia" not in page.content()


def test_keyboard_user_can_log_in(page, portal):
    page.goto("/accounts/login/")
    page.get_by_label("Courriel").focus()
    page.keyboard.type("referent.cap@demo.test")
    page.keyboard.press("Tab")
    page.keyboard.type("Qualiopi-demo-2026")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{portal}/o/cap-competences/")


def test_health_reports_the_real_worker(page, portal):
    response = page.goto("/healthz")
    assert response.status == 200
    body = response.json()
    assert (body["database"], body["redis"], body["worker"]) == ("ok", "ok", "ok")
