"""A referent enrols a learner and plans the half-days; the learner signs on a phone from their
personal link, without an account; the trainer countersigns and closes; the attendance sheet
PDF is opened and read; a record changed behind the portal's back is shown as such."""

from __future__ import annotations

import re

import psycopg
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from ..stacks import database_url
from .a11y import axe_violations, sideways_overflow
from .pdf import pdf_get, pdf_text

ORG = "/o/cooperative-solstice"


def _pdf_text(page, url: str) -> str:
    return pdf_text(pdf_get(page, url))


def test_a_day_of_attendance_from_phones_to_the_sheet(page, login, browser, portal):
    today = timezone.localdate()
    login("referent.solstice@demo.test")
    page.goto(f"{ORG}/offres/")
    page.get_by_role("link", name="Conduire l'entretien professionnel").first.click()
    page.get_by_role("link", name="Ajouter une session").click()
    page.get_by_label("Début").fill(today.isoformat())
    page.get_by_label("Fin").fill(today.isoformat())
    page.get_by_label("Lieu").fill("Salle du Tarn")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("La session a été enregistrée.")).to_be_visible()
    page.get_by_role("row").filter(has_text="Salle du Tarn").get_by_role(
        "link", name="Apprenant·es"
    ).click()

    expect(page.get_by_text("Aucun·e apprenant·e inscrit·e à cette session.")).to_be_visible()
    page.get_by_label("Prénom").fill("Léa")
    page.get_by_label("Nom", exact=True).fill("Martin")
    page.get_by_label("Statut").select_option(label="Demandeur·se d'emploi")
    page.get_by_role("button", name="Inscrire").click()
    expect(page.get_by_text("L'apprenant·e est inscrit·e à la session.")).to_be_visible()

    page.get_by_role("navigation", name="Pages de la session").get_by_role(
        "link", name="Émargement"
    ).click()
    expect(
        page.get_by_text("Les demi-journées de la session ne sont pas encore planifiées.")
    ).to_be_visible()
    # A day that covers the moment the test runs, whatever the hour.
    page.get_by_label("Matin : début").fill("00:00")
    page.get_by_label("Matin : fin").fill("23:59")
    page.get_by_label("Après-midi : début").fill("")
    page.get_by_label("Après-midi : fin").fill("")
    for day in ("samedi", "dimanche"):
        page.get_by_label(day).check()
    page.get_by_role("button", name="Planifier").click()
    expect(page.get_by_text("1 demi-journée ajoutée.")).to_be_visible()
    page.get_by_role("navigation", name="Pages de la session").get_by_role(
        "link", name="Apprenant·es"
    ).click()
    page.get_by_role("link", name="Lien d’émargement").click()
    page.get_by_role("button", name="Créer le lien").click()
    link = page.get_by_label("Lien").input_value()
    assert re.fullmatch(rf"{re.escape(portal)}/emargement/cooperative-solstice/[\w-]+/", link)

    # The learner, on a phone, without an account.
    phone = browser.new_context(locale="fr-FR", viewport={"width": 320, "height": 640})
    learner = phone.new_page()
    learner.goto(link)
    expect(learner.get_by_role("heading", name="Bonjour Léa")).to_be_visible()
    learner.get_by_label("Votre nom, en guise de signature").fill("Léa Martin")
    learner.get_by_role("button", name="Signer ma présence").click()
    expect(
        learner.locator(".errorlist").get_by_text("Cochez la case de consentement pour signer.")
    ).to_be_visible()
    learner.get_by_label(re.compile("Je certifie être présent·e")).check()
    learner.get_by_role("button", name="Signer ma présence").click()
    expect(learner.get_by_text("Votre présence est enregistrée. Merci !")).to_be_visible()
    expect(learner.get_by_text("Aucune demi-journée à signer pour le moment.")).to_be_visible()
    assert axe_violations(learner) == []
    assert sideways_overflow(learner) == []
    phone.close()

    # The referent closes the half-day (a trainer would do the same from their space).
    page.get_by_role("navigation", name="Pages de la session").get_by_role(
        "link", name="Émargement"
    ).click()
    expect(page.get_by_role("cell", name="Présent·e")).to_be_visible()
    page.get_by_role("link", name="Clôturer").click()
    expect(page.get_by_text("A signé")).to_be_visible()
    page.get_by_role("button", name="Contresigner et clôturer").click()
    expect(page.get_by_text("La demi-journée est clôturée et contresignée.")).to_be_visible()
    expect(page.get_by_text("Chaîne vérifiée, intacte.", exact=False)).to_be_visible()

    sheet = page.get_by_role("link", name="Télécharger la feuille d’émargement (PDF)")
    text = _pdf_text(page, sheet.get_attribute("href"))
    assert "Feuille d’émargement" in text
    assert "Martin Léa" in text
    assert "Léa Martin" in text
    assert "la chaîne de cette session est intacte" in text

    # Someone changes the signature's row in the database, behind the portal's back.
    name = f"{settings.DATABASES['default']['NAME'].removeprefix('test_')}_e2e"
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        connection.execute(
            "UPDATE org_cooperative_solstice.learners_attendancerecord "
            "SET signed_name = 'Quelqu''un d''autre' WHERE kind = 'signature'"
        )
    page.reload()
    expect(
        page.get_by_text("Un émargement enregistré a été modifié en dehors du portail.")
    ).to_be_visible()
    text = _pdf_text(page, sheet.get_attribute("href"))
    assert "la chaîne d’empreintes des émargements de cette session est rompue" in text
