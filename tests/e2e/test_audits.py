"""A referent's audit: certificate, mock audit and timetable, a major followed to lifted."""

from __future__ import annotations

import time

from playwright.sync_api import expect

ORG = "/o/cap-competences"


def _percent(page) -> int:
    page.goto(f"{ORG}/")
    return int(page.locator(".readiness-percent").inner_text().rstrip(" %"))


def _wait_for_percent(page, predicate, what: str) -> int:
    deadline = time.monotonic() + 40
    while True:
        value = _percent(page)
        if predicate(value):
            return value
        assert time.monotonic() < deadline, f"readiness never {what} (last {value} %)"
        page.wait_for_timeout(1000)


def test_referent_follows_a_major_from_the_mock_audit_to_lifted(page, login, portal):
    login("referent.cap@demo.test")
    # Settle: no computation from the demo or an earlier journey still to come.
    page.wait_for_timeout(4500)
    before = _percent(page)

    page.get_by_role("navigation", name="Navigation de l’organisation").get_by_role(
        "link", name="Audits"
    ).click()
    page.get_by_role("link", name="Enregistrer le certificat").click()
    page.get_by_label("Organisme certificateur").fill("AFNOR Certification")
    page.get_by_label("Numéro de certificat").fill("QUALIOPI-2026-0099")
    page.get_by_label("Date d'émission").fill("2025-12-01")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le certificat a été enregistré.")).to_be_visible()
    expect(page.get_by_text("du 01/02/2027 au 01/10/2027 (14ᵉ au 22ᵉ mois)")).to_be_visible()

    page.get_by_role("link", name="Nouvel audit").click()
    expect(page.get_by_text("Calcul réglementaire de la durée d’audit")).to_be_visible()
    page.get_by_label("Type d'audit").select_option(label="Audit à blanc")
    page.get_by_label("Premier jour").fill("2026-11-20")
    page.get_by_label("Dernier jour").fill("2026-11-20")
    page.get_by_label("Date du rapport").fill("2026-11-21")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Audit à blanc", level=1)).to_be_visible()
    # The demo's own mock audit may share the date (it is dated from today): keep this one's page.
    audit_url = page.url

    page.get_by_role("link", name="Plan d’audit").click()
    page.get_by_role("link", name="Ajouter un créneau").click()
    page.get_by_label("Début").fill("09:00")
    page.get_by_label("Fin").fill("10:30")
    page.get_by_label("Objet").fill("Compétences des intervenants")
    page.get_by_label("22 — Développement des compétences des salariés").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le créneau a été enregistré.")).to_be_visible()
    expect(page.locator("table.plan")).to_contain_text("09h00 – 10h30")
    expect(
        page.get_by_text("indicateurs applicables ne sont couverts par aucun créneau")
    ).to_be_visible()

    page.goto(audit_url)
    page.get_by_label("Indicateur").select_option("22")
    page.get_by_label("Constat", exact=True).select_option(label="NC majeure")
    page.get_by_label("Description").fill("Plan de développement des compétences absent.")
    page.get_by_role("button", name="Ajouter le constat").click()
    # A mock audit decides nothing and sets no certifier deadline: it says what one would do.
    expect(
        page.get_by_text("Certifiable après levée des non-conformités (simulation)")
    ).to_be_visible()
    findings = page.get_by_role("table", name="Constats de l’audit")
    expect(findings).to_contain_text("Plan de développement des compétences absent.")
    expect(findings).not_to_contain_text("2027")

    # The worker recomputes: the fundamental indicator 22 (weight 2) drops to "missing".
    lowered = _wait_for_percent(page, lambda value: value < before, "dropped")

    page.goto(audit_url)
    page.locator("tr", has_text="Plan de développement").get_by_role("link", name="Suivre").click()
    finding_url = page.url
    page.get_by_role("button", name="Créer une action corrective").click()
    expect(page.get_by_text("L'action corrective a été créée ; précisez-la.")).to_be_visible()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("L'action a été enregistrée.")).to_be_visible()
    page.goto(finding_url)
    page.get_by_role("button", name="Passer à « actions planifiées »").click()
    expect(page.get_by_text("Actions planifiées", exact=True)).to_be_visible()
    page.get_by_label("CV à jour").check()
    page.get_by_role("button", name="Passer à « preuve transmise »").click()
    page.get_by_label("Date de la levée").fill("2026-11-30")
    page.get_by_role("button", name="Marquer comme levée").click()
    expect(page.locator("strong", has_text="Levée")).to_be_visible()
    expect(page.get_by_text("Levée le 30/11/2026.")).to_be_visible()
    # Its corrective action is still to do: the page says so.
    expect(
        page.get_by_text("La levée est enregistrée alors qu'une action corrective n'est pas")
    ).to_be_visible()

    restored = _wait_for_percent(page, lambda value: value > lowered, "restored")
    assert restored == before
