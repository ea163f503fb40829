"""The consultant's journey: cockpit → client → review an item → back, through the real worker."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect


def _pending(page, client: str) -> int:
    row = page.locator("table.cockpit tbody tr", has_text=client)
    return int(row.locator("td").nth(4).inner_text())


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
    expect(page.locator("tbody tr", has_text=title)).to_have_count(0)

    # The worker recomputes the client's readiness: the cockpit's count follows within seconds.
    cockpit_tabs.get_by_role("link", name="Clients").click()
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
