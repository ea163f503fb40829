"""Every main page at phone width (320 CSS px) and through axe: no sideways scrolling, no WCAG
2.1 A/AA violation, a collapsible menu, and focus on the error summary after a failed submit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .a11y import axe_violations, sideways_overflow

ORG = "/o/cooperative-solstice"

PAGES = {
    "referent.solstice@demo.test": [
        f"{ORG}/",
        f"{ORG}/preuves/",
        f"{ORG}/preuves/couverture/",
        f"{ORG}/pieces-attendues/",
        f"{ORG}/membres/",
        f"{ORG}/audits/",
        f"{ORG}/offres/",
        f"{ORG}/offres/resultats/",
        f"{ORG}/financements/",
        f"{ORG}/plan-de-progres/",
        f"{ORG}/autoevaluation/",
        f"{ORG}/referentiel/",
        f"{ORG}/referentiel/v9-v10/",
        f"{ORG}/rapports/",
        "/catalogue/cooperative-solstice/",
    ],
    "formateur.solstice@demo.test": [f"{ORG}/", f"{ORG}/mon-espace/", f"{ORG}/preuves/"],
    "consultant@demo.test": ["/portefeuille/", "/portefeuille/grille/", "/portefeuille/a-valider/"],
}


def _first_links(page, pattern: str, limit: int = 1) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "main a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    found = []
    for href in hrefs:
        if re.fullmatch(pattern, href) and href not in found:
            found.append(href)
    return found[:limit]


@pytest.mark.parametrize("email", list(PAGES))
def test_main_pages_reflow_at_320_px_and_pass_axe(page, login, email):
    page.set_viewport_size({"width": 320, "height": 640})
    login(email)
    urls = list(PAGES[email])
    if email.startswith("referent"):
        # Detail pages reached from the lists: a proof, an offer, an audit.
        for listing, pattern in (
            (f"{ORG}/preuves/", rf"{ORG}/preuves/\d+/"),
            (f"{ORG}/offres/", rf"{ORG}/offres/\d+/"),
            (f"{ORG}/audits/", rf"{ORG}/audits/\d+/"),
            ("/catalogue/cooperative-solstice/", r"/catalogue/cooperative-solstice/offres/\d+/"),
        ):
            page.goto(listing)
            urls += _first_links(page, pattern)
        # A session's learners and attendance (the demo's current session, with learners),
        # reached from its offer, and the pages of one learner.
        page.goto(f"{ORG}/offres/")
        sessions = []
        for offer in _first_links(page, rf"{ORG}/offres/\d+/", limit=10):
            page.goto(offer)
            sessions += _first_links(page, rf"{ORG}/sessions/\d+/apprenants/", limit=10)
        enrolment: list[str] = []
        for learners in sessions:
            page.goto(learners)
            enrolment = _first_links(page, rf"{ORG}/sessions/\d+/apprenants/\d+/")
            if enrolment:
                break
        assert enrolment, "no session with learners in the demo data"
        urls += [
            learners,
            learners.replace("/apprenants/", "/emargement/"),
            learners.replace("/apprenants/", "/parcours/"),
            learners.replace("/apprenants/", "/documents/"),
            learners.replace("/apprenants/", "/enquetes/"),
            learners.replace("/apprenants/", "/enquetes/qr-code/"),
            f"{ORG}/enquetes/",
            f"{ORG}/modeles-de-documents/convocation/",
            f"{ORG}/modeles-de-documents/certificate/",
        ]
        urls += _first_links(page, rf"{ORG}/sessions/\d+/apprenants/importer/") + enrolment
        urls += _first_links(page, rf"{ORG}/sessions/\d+/apprenants/\d+/lien/")
        page.goto(enrolment[0])
        urls += _first_links(page, rf"{ORG}/sessions/\d+/apprenants/\d+/anonymiser/")
        page.goto(f"{ORG}/enquetes/")
        questionnaire = _first_links(page, rf"{ORG}/enquetes/\d+/")
        urls += questionnaire
        # Its edit (into a new version) and the import of answers collected elsewhere.
        page.goto(questionnaire[0])
        edit = _first_links(page, rf"{ORG}/enquetes/\d+/modifier/")
        upload = _first_links(page, rf"{ORG}/enquetes/\d+/importer/")
        assert edit and upload, "no edit or import link on the questionnaire's page"
        urls += edit + upload
        # Every questionnaire's free-text answers (the end-of-session one has some).
        urls += _first_links(page, rf"{ORG}/enquetes/\d+/reponses-libres/", limit=10)
        # The stakeholder contacts (the demo has two) and the archiving confirmation.
        page.goto(f"{ORG}/enquetes/contacts/")
        urls += [f"{ORG}/enquetes/contacts/"]
        urls += _first_links(page, rf"{ORG}/enquetes/contacts/\d+/archiver/")
    problems = []
    for url in urls:
        page.goto(url)
        assert page.url.endswith(url), f"{url} answered {page.url}"
        wide = sideways_overflow(page)
        if wide:
            problems.append(f"{url}: scrolls sideways at 320 px ({', '.join(wide)})")
        problems += axe_violations(page)
    assert problems == [], "\n".join(problems)


def test_the_menu_collapses_on_a_phone(page, login):
    page.set_viewport_size({"width": 320, "height": 640})
    login("referent.solstice@demo.test")
    navigation = page.get_by_role("navigation", name="Navigation de l’organisation")
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(navigation.get_by_role("link", name="Preuves")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(navigation.get_by_role("link", name="Preuves")).to_be_visible()
    # On a desktop the menu is simply there.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(navigation.get_by_role("link", name="Preuves")).to_be_visible()


def test_a_failed_submit_moves_focus_to_the_error_summary(page, login):
    login("referent.solstice@demo.test")
    page.goto(f"{ORG}/plan-de-progres/nouvelle/")
    page.get_by_role("button", name="Enregistrer").click()
    summary = page.get_by_role("alert").filter(has_text="Le formulaire n’a pas été enregistré")
    expect(summary).to_be_focused()
    # Each error links to its field.
    first = summary.get_by_role("link").first
    first.click()
    expect(page.locator(":focus")).to_have_attribute("aria-invalid", "true")
