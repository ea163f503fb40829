"""A referent collects the service-fait documents of a funded session; the director reads the
three-year certification budget and the revenue at risk."""

from __future__ import annotations

import re

from playwright.sync_api import expect

ORG = "/o/cooperative-solstice"


def test_referent_files_documents_and_director_reads_budget_and_risk(page, login, portal):
    login("referent.solstice@demo.test")
    page.get_by_role("navigation", name="Navigation de l’organisation").get_by_role(
        "link", name="Financements"
    ).click()
    risk = page.get_by_role("region", name="Chiffre d’affaires à risque")
    expect(risk.get_by_text("5\xa0880,00 €", exact=True)).to_be_visible()
    expect(
        risk.get_by_text(re.compile("le certificat aura expiré au début de la session"))
    ).to_be_visible()

    page.get_by_role("link", name="Pièces manquantes").click()
    # France Travail, no longer the CPF: the demo offer leads to no certification (L6323-6).
    page.get_by_role("row").filter(has_text="France Travail").get_by_role("link").click()
    expect(page.get_by_text("9 pièces manquantes sur 10.")).to_be_visible()
    expect(page.get_by_text("42 h / 35 h (83,3 %)")).to_be_visible()

    # A financer more than the session's price: a French error, nothing saved.
    page.get_by_role("link", name="Ajouter un financement").click()
    page.get_by_label("Voie de financement").select_option("region")
    page.get_by_label("Montant accordé (€ HT)").fill("100")
    page.get_by_role("button", name="Enregistrer").click()
    # Said in the error summary, which takes the focus, and beside the field.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(
        "Le total financé (7\xa0940,00 €) dépasserait le prix de la session (7\xa0840,00 €)."
    )
    expect(
        page.locator(".errorlist").get_by_text(
            "Le total financé (7\xa0940,00 €) dépasserait le prix de la session (7\xa0840,00 €)."
        )
    ).to_be_visible()
    page.get_by_role("link", name="Annuler").click()

    page.get_by_label("Preuve pour : Convention de formation signée").select_option(
        label="Feuilles d'émargement — session d'octobre"
    )
    page.get_by_role("row").filter(has_text="Convention de formation signée").get_by_role(
        "button", name="Rattacher"
    ).click()
    expect(
        page.get_by_text(
            "« Feuilles d'émargement — session d'octobre » est rattachée à la session."
        )
    ).to_be_visible()
    expect(page.get_by_text("8 pièces manquantes sur 10.")).to_be_visible()

    page.context.clear_cookies()
    login("direction.solstice@demo.test")
    page.goto(f"{portal}{ORG}/")
    expect(page.get_by_role("region", name="Chiffre d’affaires à risque")).to_contain_text(
        "5\xa0880,00 €"
    )
    page.get_by_role("link", name="Budget de certification").click()
    expect(page.get_by_role("heading", name="Financements")).to_be_visible()
    table = page.get_by_role("table", name="Budget sur le cycle de certification")
    # Each audit at the seed's flat 500 € HT (issue 19), not per audit day: 7 910 + 1 590 +
    # 2 490.
    expect(table.get_by_role("row").filter(has_text="Total du cycle")).to_contain_text(
        "11\xa0990,00 €"
    )
    page.get_by_label("Jours de mise en conformité (année 1)").fill("-2")
    page.get_by_role("button", name="Enregistrer les hypothèses").click()
    expect(page.locator(".errorlist").get_by_text("Indiquez un nombre positif.")).to_be_visible()
    page.get_by_label("Jours de mise en conformité (année 1)").fill("20")
    page.get_by_role("button", name="Enregistrer les hypothèses").click()
    expect(page.get_by_text("Les hypothèses du budget ont été enregistrées.")).to_be_visible()
    # 8 more internal days at 280 €.
    expect(table.get_by_role("row").filter(has_text="Total du cycle")).to_contain_text(
        "14\xa0230,00 €"
    )
