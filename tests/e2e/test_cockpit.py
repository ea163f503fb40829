"""The consultant's journey: cockpit → client → review an item → back, through the real worker."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect


def _pending(page, client: str) -> int:
    row = page.locator("table.cockpit tbody tr", has_text=client)
    return int(row.locator("td").nth(5).inner_text())


def test_consultant_reviews_from_the_cockpit_and_comes_back(page, login, portal):
    login("consultant@demo.test")
    expect(page.get_by_role("heading", name="Portefeuille de clients")).to_be_visible()
    before = _pending(page, "Cap Compétences")
    assert before >= 1

    # Into the client, and back to the portfolio.
    page.locator("table.cockpit").get_by_role("link", name="Cap Compétences").click()
    expect(page.get_by_role("heading", name="Cap Compétences", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Préparation à l’audit")).to_be_visible()
    page.go_back()

    # The review queue across all clients links straight to the item.
    cockpit_tabs = page.get_by_role("navigation", name="Cockpit")
    cockpit_tabs.get_by_role("link", name="Preuves à valider").click()
    expect(page.get_by_role("heading", name="Preuves à valider chez vos clients")).to_be_visible()
    item = page.locator("tbody tr", has_text="Cap Compétences").first.locator("th a")
    title = item.inner_text()
    item.click()
    expect(page.locator("h1")).to_contain_text(title)
    page.get_by_role("button", name="Valider").click()

    # Back on the queue, with the confirmation; the item has left it.
    expect(page).to_have_url(re.compile(r"/portefeuille/a-valider/$"))
    expect(page.get_by_text("La preuve a été validée.")).to_be_visible()
    reviewed = page.locator("tbody tr").filter(has_text=title).filter(has_text="Cap Compétences")
    expect(reviewed).to_have_count(0)

    # The worker recomputes the client's readiness: the cockpit's count follows within seconds.
    cockpit_tabs.get_by_role("link", name="Clients", exact=True).click()
    deadline = time.monotonic() + 30
    while _pending(page, "Cap Compétences") != before - 1 and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
    assert _pending(page, "Cap Compétences") == before - 1


def test_the_grid_shows_common_weaknesses(page, login, portal):
    login("consultant@demo.test")
    page.goto("/portefeuille/grille/")
    expect(page.get_by_role("heading", name="Faiblesses communes")).to_be_visible()
    rows = page.locator("table.cockpit-grid tbody tr")
    expect(rows).to_have_count(3)
    # 33 indicator columns under V10, one cell each per client.
    expect(rows.first.locator("td")).to_have_count(33)


def test_a_self_rating_moves_the_dashboard_through_the_worker(page, login, portal):
    login("referent.cfa@demo.test")
    page.goto("/o/cfa-metiers-occitanie/")
    gaps = page.locator("ol.gaps")
    expect(gaps).not_to_contain_text("Analyse du besoin du bénéficiaire")

    page.get_by_role("link", name="Autoévaluation").click()
    page.get_by_role("link", name="Nouvelle campagne").click()
    page.get_by_label("Intitulé").fill("Autoévaluation avant l'audit")
    page.get_by_label("Nadia Benali").check()
    page.get_by_role("button", name="Ouvrir la campagne").click()
    expect(
        page.get_by_text("La campagne « Autoévaluation avant l'audit » est ouverte.")
    ).to_be_visible()

    page.get_by_role("link", name="Analyse du besoin du bénéficiaire").click()
    page.get_by_label("2. Votre processus, avec vos mots").fill("Entretien préalable, pas tracé.")
    page.get_by_label("NC majeure").check()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("Votre réponse pour l'indicateur 4 est enregistrée.")).to_be_visible()

    page.goto("/o/cfa-metiers-occitanie/")
    deadline = time.monotonic() + 30
    while "Analyse du besoin du bénéficiaire" not in gaps.inner_text():
        assert time.monotonic() < deadline, "the worker did not recompute readiness"
        time.sleep(1)
        page.reload()
    gap = gaps.locator("li", has_text="Analyse du besoin du bénéficiaire")
    expect(gap).to_contain_text("Manquant")
    expect(gap).to_contain_text("auto-évaluation : NC majeure")
