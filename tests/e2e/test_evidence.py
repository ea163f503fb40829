"""The evidence library in the browser: a referent's day and a trainer's checklist."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from evidence import samples

ORG = "/o/cooperative-solstice"


def test_referent_drops_files_reviews_and_versions_a_proof(page, login, portal, tmp_path):
    login("referent.solstice@demo.test")
    page.goto(f"{ORG}/preuves/")
    expect(page.get_by_role("heading", name="Bibliothèque de preuves")).to_be_visible()
    page.get_by_role("link", name="Ajouter des preuves").click()

    # Drag and drop two files onto the drop zone (the page's own script fills the input).
    pdf = samples.pdf_bytes("Reglement interieur", ["Version 1"]).decode("latin-1")
    page.evaluate(
        """([pdf, csv]) => {
            const transfer = new DataTransfer();
            const bytes = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0));
            transfer.items.add(new File([bytes(pdf)], "reglement-interieur.pdf"));
            transfer.items.add(new File([bytes(csv)], "presences.csv"));
            const zone = document.querySelector("[data-dropzone]");
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        }""",
        [pdf, samples.csv_bytes([["Nom", "Présent"], ["A", "oui"]]).decode("latin-1")],
    )
    expect(page.locator("[data-dropzone-list]").first).to_have_text(
        "reglement-interieur.pdf, presences.csv"
    )
    page.get_by_label("Titre").fill("Accueil des stagiaires")
    page.get_by_label("9 — Information des bénéficiaires sur les conditions de déroulement").check()
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_text("2 preuves ont été ajoutées.")).to_be_visible()

    page.get_by_label("Rechercher").fill("reglement-interieur")
    link = page.get_by_role("link", name="Accueil des stagiaires — reglement-interieur")
    link.click()
    page.get_by_role("button", name="Soumettre pour validation").click()
    expect(page.get_by_text("La preuve a été soumise pour validation.")).to_be_visible()
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("h1 .badge")).to_have_text("Validée")

    second = tmp_path / "reglement-interieur-v2.pdf"
    second.write_bytes(samples.pdf_bytes("Reglement interieur", ["Version 2"]))
    page.get_by_label("Nouvelle version").set_input_files(second)
    page.get_by_role("button", name="Déposer", exact=True).click()
    expect(page.get_by_text("La version 2 a été déposée.")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Brouillon")

    with page.expect_download() as download:
        page.get_by_role("link", name="reglement-interieur.pdf").click()
    assert download.value.suggested_filename == "reglement-interieur.pdf"
    assert Path(download.value.path()).read_bytes() == pdf.encode("latin-1")


def test_a_hostile_file_is_refused_in_french(page, login, portal, tmp_path):
    login("referent.solstice@demo.test")
    page.goto(f"{ORG}/preuves/nouvelle/")
    disguised = tmp_path / "piege.pdf"
    disguised.write_text("<html><script>alert('x')</script></html>")
    page.get_by_label("Fichiers").set_input_files(disguised)
    page.get_by_label("6 — Contenus et modalités de mise en œuvre adaptés").check()
    page.get_by_role("button", name="Ajouter").click()
    expect(page.locator(".errorlist")).to_contain_text(
        "Le fichier « piege.pdf » contient du HTML, du SVG ou un script : ce type de "
        "contenu n'est pas accepté."
    )
    page.goto(f"{ORG}/preuves/?q=piege")
    expect(page.get_by_text("Aucune preuve ne correspond à ces filtres.")).to_be_visible()


def test_trainer_follows_their_checklist(page, login, portal, tmp_path):
    login("formateur.solstice@demo.test")
    page.get_by_role("link", name="Mon espace").click()
    checklist = page.locator("table").first
    expect(checklist).to_contain_text("Programme de la formation")
    row = checklist.locator("tr", has_text="Convention ou contrat de formation signé")
    expect(row).to_contain_text("À fournir")
    row.get_by_role("link", name="Déposer").click()
    expect(page.get_by_label("Titre")).to_have_value("Convention ou contrat de formation signé")
    contract = tmp_path / "convention-client.pdf"
    contract.write_bytes(samples.pdf_bytes("Convention", ["Signee"]))
    page.get_by_label("Fichiers").set_input_files(contract)
    page.get_by_role("button", name="Ajouter").click()
    page.get_by_role("button", name="Soumettre pour validation").click()
    expect(page.locator("h1 .badge")).to_have_text("Soumise")

    page.get_by_role("link", name="Mon espace").click()
    row = page.locator("table").first.locator("tr", has_text="Convention ou contrat")
    expect(row).to_contain_text("En attente de validation")
    # Only their own pieces, never the organisation's library.
    page.goto(f"{ORG}/preuves/")
    expect(page.get_by_text("Catalogue des formations 2026")).to_have_count(0)
    expect(
        page.get_by_role("link", name="Convention ou contrat de formation signé")
    ).to_be_visible()


def _readiness(page) -> tuple[str, str]:
    page.goto(f"{ORG}/")
    snapshot = page.locator("section.readiness").get_attribute("data-snapshot")
    return page.locator(".readiness-percent").inner_text(), snapshot


def _settled_readiness(page) -> tuple[str, str]:
    """Wait until no computation queued by an earlier journey is still to come."""
    current = _readiness(page)
    for _attempt in range(10):
        page.wait_for_timeout(4500)  # longer than the debounce
        again = _readiness(page)
        if again == current:
            return current
        current = again
    raise AssertionError("readiness kept changing")


def test_validating_a_proof_moves_readiness_through_the_worker(page, login, portal):
    login("referent.solstice@demo.test")
    before, snapshot = _settled_readiness(page)

    page.goto(f"{ORG}/preuves/?q=Charte")
    page.get_by_role("link", name="Charte d'accueil des personnes en situation de handicap").click()
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("h1 .badge")).to_have_text("Validée")

    # The Celery worker recomputes a few seconds later; the dashboard shows the new figures.
    after = (before, snapshot)
    for _attempt in range(30):
        after = _readiness(page)
        if after[1] != snapshot:
            break
        page.wait_for_timeout(1000)
    # Indicator 26 (fundamental, weight 2) goes from partial to ready.
    assert after[1] != snapshot
    assert int(after[0].rstrip(" %")) > int(before.rstrip(" %"))
