"""The trainer shows the half-day's QR code on the room's screen; a learner opens it on a phone,
without an account, gives the e-mail of their enrolment, types their name, draws a signature
and signs; the attendance sheet PDF carries the name and the drawing."""

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


def test_a_learner_signs_from_the_room_s_qr_code_on_a_phone(page, login, browser, portal):
    today = timezone.localdate()
    login("referent.solstice@demo.test")
    page.goto(f"{ORG}/offres/")
    page.get_by_role("link", name="Conduire l'entretien professionnel").first.click()
    page.get_by_role("link", name="Ajouter une session").click()
    page.get_by_label("Début").fill(today.isoformat())
    page.get_by_label("Fin").fill(today.isoformat())
    page.get_by_label("Lieu").fill("Salle de l'Aude")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("row").filter(has_text="Salle de l'Aude").get_by_role(
        "link", name="Apprenant·es"
    ).click()
    page.get_by_label("Prénom").fill("Léa")
    page.get_by_label("Nom", exact=True).fill("Martin")
    page.get_by_label("E-mail", exact=True).fill("lea.martin@exemple.test")
    page.get_by_role("button", name="Inscrire").click()
    expect(page.get_by_text("L'apprenant·e est inscrit·e à la session.")).to_be_visible()
    page.get_by_role("navigation", name="Pages de la session").get_by_role(
        "link", name="Émargement"
    ).click()
    # A half-day that covers the moment the test runs, whatever the hour.
    page.get_by_label("Matin : début").fill("00:00")
    page.get_by_label("Matin : fin").fill("23:59")
    page.get_by_label("Après-midi : début").fill("")
    page.get_by_label("Après-midi : fin").fill("")
    for day in ("samedi", "dimanche"):
        page.get_by_label(day).check()
    page.get_by_role("button", name="Planifier").click()
    expect(page.get_by_text("1 demi-journée ajoutée.")).to_be_visible()

    # The QR code for the room's screen: asked for, then shown with its address written out.
    page.get_by_role("link", name="Afficher le QR code").click()
    page.get_by_role("button", name="Afficher un nouveau QR code").click()
    qr = page.get_by_role("img", name=re.compile("QR code d'émargement de la demi-journée"))
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 400, box  # readable from the back of the room
    room_url = page.locator("[data-room-url]").inner_text()
    assert re.fullmatch(
        rf"{re.escape(portal)}/emargement/cooperative-solstice/salle/[a-z2-9]{{12}}/", room_url
    )
    expect(page.get_by_text("Valable jusqu’à 23:59, fin de la demi-journée.")).to_be_visible()
    page.screenshot(path="/tmp/wt1-qr.png", full_page=True)

    # The learner, on a phone, without an account.
    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    learner = phone.new_page()
    refused_by_csp: list[str] = []
    learner.on(
        "console",
        lambda message: (
            refused_by_csp.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    learner.goto(room_url)
    expect(learner.get_by_role("heading", name="Émargement")).to_be_visible()
    assert "Martin" not in learner.content()  # nobody's name is listed
    learner.get_by_label("Votre adresse e-mail (celle de votre inscription)").fill(
        "quelquun@exemple.test"
    )
    learner.get_by_label("Votre nom, en guise de signature").fill("Léa Martin")
    learner.get_by_label(re.compile("Je certifie être présent·e")).check()
    learner.get_by_role("button", name="Signer ma présence").click()
    expect(
        learner.get_by_text(
            "Cette adresse ne correspond à aucune inscription à cette demi-journée."
        )
    ).to_be_visible()
    learner.get_by_label("Votre adresse e-mail (celle de votre inscription)").fill(
        "lea.martin@exemple.test"
    )
    # A few strokes on the pad, with the mouse (pointer events, as a finger or a pen).
    pad = learner.get_by_role("img", name="Signature dessinée (facultative)")
    expect(pad).to_be_visible()
    area = pad.bounding_box()
    assert area is not None
    for start, end in (
        ((0.1, 0.7), (0.4, 0.3)),
        ((0.4, 0.3), (0.6, 0.7)),
        ((0.6, 0.5), (0.9, 0.4)),
    ):
        learner.mouse.move(
            area["x"] + area["width"] * start[0], area["y"] + area["height"] * start[1]
        )
        learner.mouse.down()
        learner.mouse.move(
            area["x"] + area["width"] * end[0], area["y"] + area["height"] * end[1], steps=8
        )
        learner.mouse.up()
    drawn = learner.locator("input[name='drawing']").input_value()
    assert drawn.startswith("data:image/png;base64,")
    consent = learner.get_by_label(re.compile("Je certifie être présent·e"))
    if not consent.is_checked():
        consent.check()
    learner.screenshot(path="/tmp/wt1-room.png", full_page=True)
    assert axe_violations(learner) == []
    learner.set_viewport_size({"width": 320, "height": 640})
    assert sideways_overflow(learner) == []
    learner.set_viewport_size({"width": 390, "height": 844})
    learner.get_by_role("button", name="Signer ma présence").click()
    expect(learner.get_by_text("Votre présence est enregistrée. Merci !")).to_be_visible()
    learner.screenshot(path="/tmp/wt1-room-signed.png", full_page=True)
    assert axe_violations(learner) == []
    learner.set_viewport_size({"width": 320, "height": 640})
    assert sideways_overflow(learner) == []
    phone.close()
    assert refused_by_csp == []

    name = f"{settings.DATABASES['default']['NAME'].removeprefix('test_')}_e2e"
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        (stored,) = connection.execute(
            "SELECT drawing FROM org_cooperative_solstice.learners_attendancerecord "
            "WHERE kind = 'signature' AND signed_name = 'Léa Martin' "
            "AND drawing LIKE 'data:image/png;base64,%'"
        ).fetchone()
    assert stored == drawn

    # The sheet: the typed name, and the drawing beside it.
    page.get_by_role("link", name="Retour à l’émargement").click()
    expect(page.get_by_role("cell", name="Présent·e")).to_be_visible()
    href = page.get_by_role("link", name="Télécharger la feuille d’émargement (PDF)").get_attribute(
        "href"
    )
    reader = pdf_get(page, href)
    text = pdf_text(reader)
    assert "Martin Léa" in text
    assert "Léa Martin" in text
    assert sum(len(p.images) for p in reader.pages) == 1
