"""A referent completes a learner's journey on the session of three weeks ago and renders its
certificate of completion again (a worker does, the page follows it); the PDF is opened from
the library and read."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from .a11y import axe_violations
from .pdf import pdf_get, pdf_text

ORG = "/o/cooperative-solstice"


def _links(page, pattern: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "main a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    return [href for href in dict.fromkeys(hrefs) if re.fullmatch(pattern, href)]


def test_a_journey_completed_and_a_certificate_rendered_again(page, login):
    login("referent.solstice@demo.test")
    page.goto(f"{ORG}/offres/")
    journeys = None
    for offer in _links(page, rf"{ORG}/offres/\d+/"):
        page.goto(offer)
        for learners in _links(page, rf"{ORG}/sessions/\d+/apprenants/"):
            page.goto(learners.replace("/apprenants/", "/parcours/"))
            if page.get_by_text("Roussel-Dupuy Clara").count():
                journeys = page.url
                break
        if journeys:
            break
    assert journeys, "no demo session of three weeks ago"
    row = page.get_by_role("row").filter(has_text="Roussel-Dupuy Clara")
    # Evaluation is the one step missing for her (the attestation was rendered).
    expect(row.get_by_text("manquante")).to_have_count(1)
    assert axe_violations(page) == []

    page.get_by_label("Roussel-Dupuy Clara").check()
    page.get_by_label("Étape").select_option(label="Évaluation des objectifs")
    page.get_by_label("Faite le").fill(timezone.localdate().isoformat())
    page.get_by_label("Précision").fill("QCM rattrapé")
    page.get_by_role("button", name="Noter l'étape").click()
    expect(page.get_by_text("L'étape est notée pour 1 apprenant·e.")).to_be_visible()
    expect(
        page.get_by_role("row").filter(has_text="Roussel-Dupuy Clara").get_by_text("manquante")
    ).to_have_count(0)

    page.get_by_role("navigation", name="Pages de la session").get_by_role(
        "link", name="Documents"
    ).click()
    page.get_by_role("button", name="Générer à nouveau : Certificat de réalisation").click()
    expect(page.get_by_text("La génération est lancée", exact=False)).to_be_visible()
    # The worker renders it; the page follows the job and shows the new version.
    version = (
        page.get_by_role("row")
        .filter(has_text="Certificat de réalisation")
        .get_by_role("link", name=re.compile("version 2 du"))
    )
    expect(version).to_be_visible(timeout=20000)
    expect(page.get_by_text("génération en cours…")).to_have_count(0)
    version.click()
    download = page.locator("a[href*='/versions/2/telecharger/']").first
    text = pdf_text(pdf_get(page, download.get_attribute("href")))
    assert "Certificat de réalisation" in text
    assert "atteste que : Lefebvre-Dupuy Yanis" not in text  # first name first, as the model
    assert "atteste que : Yanis Lefebvre-Dupuy" in text
    assert "Financeur : OPCO Atlas" in text
