"""The manager shows the end-of-session questionnaire's QR code in the room; a learner opens it
on a phone, gives the address of their enrolment and lands on their own questionnaire. Then
answers collected on paper are imported from a CSV file, column by column."""

from __future__ import annotations

import re

import psycopg
from django.conf import settings
from playwright.sync_api import expect

from ..stacks import database_url
from .a11y import axe_violations, sideways_overflow

ORG = "/o/cooperative-solstice"
SCHEMA = "org_cooperative_solstice"


def _demo_row(query: str) -> tuple:
    name = f"{settings.DATABASES['default']['NAME'].removeprefix('test_')}_e2e"
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        return connection.execute(query).fetchone()


def test_a_learner_answers_from_the_room_s_qr_code_and_paper_answers_are_imported(
    page, login, browser, portal
):
    # The demo's session that ended three weeks ago, and a learner of it not asked yet.
    session, questionnaire = _demo_row(
        f"SELECT i.session_id, i.questionnaire_id FROM {SCHEMA}.surveys_invitation i "  # noqa: S608
        "WHERE i.enrolment_id IS NOT NULL ORDER BY i.id LIMIT 1"
    )
    email = "zoe.salle@exemple.test"
    login("referent.solstice@demo.test")
    page.goto(f"{ORG}/sessions/{session}/apprenants/")
    page.get_by_label("Prénom").fill("Zoé")
    page.get_by_label("Nom", exact=True).fill("Salle")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_role("button", name="Inscrire").click()
    expect(page.get_by_text("L'apprenant·e est inscrit·e à la session.")).to_be_visible()
    _demo_row(
        f"UPDATE {SCHEMA}.learners_enrolment SET status = 'completed' WHERE learner_id = "  # noqa: S608
        f"(SELECT id FROM {SCHEMA}.learners_learner WHERE email = '{email}') RETURNING id"
    )
    page.goto(f"{ORG}/sessions/{session}/enquetes/")
    page.get_by_role("link", name="Afficher le QR code en salle").click()
    expect(page.get_by_text("Il vaut 4 heures à partir du moment", exact=False)).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Afficher le QR code : Satisfaction à chaud").click()
    qr = page.get_by_role("img", name=re.compile("QR code de l'enquête"))
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 400, box  # readable from the back of the room
    room_url = page.locator("[data-room-url]").inner_text()
    assert re.fullmatch(
        rf"{re.escape(portal)}/enquete/cooperative-solstice/salle/[a-z2-9]{{12}}/", room_url
    )
    assert axe_violations(page) == []

    phone = browser.new_context(locale="fr-FR", viewport={"width": 320, "height": 640})
    learner = phone.new_page()
    learner.goto(room_url)
    expect(learner.get_by_role("heading", name="Satisfaction en fin de formation")).to_be_visible()
    assert axe_violations(learner) == [] and sideways_overflow(learner) == []
    address = learner.get_by_label("Votre adresse e-mail (celle de votre inscription)")
    expect(address).to_have_attribute("autocomplete", "email")
    address.fill("personne@exemple.test")
    learner.get_by_role("button", name="Répondre au questionnaire").click()
    expect(learner.get_by_role("alert")).to_contain_text(
        "Cette adresse ne correspond à aucune inscription à cette session."
    )
    assert axe_violations(learner) == [] and sideways_overflow(learner) == []
    learner.get_by_label("Votre adresse e-mail (celle de votre inscription)").fill(email)
    learner.get_by_role("button", name="Répondre au questionnaire").click()
    expect(learner.get_by_role("button", name="Envoyer mes réponses")).to_be_visible()
    assert re.fullmatch(rf"{re.escape(portal)}/enquete/cooperative-solstice/[\w-]+/", learner.url)
    phone.close()

    # Paper answers: the columns named like the questions' codes are recognised.
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{ORG}/enquetes/{questionnaire}/importer/")
    assert axe_violations(page) == [] and sideways_overflow(page) == []
    csv = "overall;objectives;trainer;materials;organisation;recommend;Remarque\n"
    csv += "4;4;5;4;4;Oui;Salle trop petite\n"
    page.get_by_label("Fichier CSV").set_input_files(
        files=[{"name": "papier.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", name="Importer des réponses : les colonnes")).to_be_visible()
    expect(page.get_by_label("Remarque")).to_have_value("")
    assert axe_violations(page) == [] and sideways_overflow(page) == []
    page.get_by_role("button", name="Importer les réponses").click()
    expect(page.get_by_text("1 réponse importée.")).to_be_visible()
