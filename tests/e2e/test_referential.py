"""The referential and the scope page in the browser, with the live (htmx) applicable list."""

from playwright.sync_api import expect


def test_referent_sees_the_applicable_set_change_live(page, login, portal):
    login("referent.solstice@demo.test")
    page.get_by_role("navigation", name="Navigation de l’organisation").get_by_role(
        "link", name="Périmètre"
    ).click()
    page.wait_for_url(f"{portal}/o/cooperative-solstice/perimetre/")
    heading = page.locator("#applicable-title")
    assert heading.inner_text() == "26 indicateurs applicables"

    page.get_by_label("Sous-traitance ou portage salarial").uncheck()
    expect(heading).to_have_text("25 indicateurs applicables")
    assert "S'appliquerait si vous déclariez : sous-traitance ou portage salarial." in (
        page.locator("#scope-result").inner_text()
    )
    # Nothing was saved: leaving the page keeps the declared scope.
    page.reload()
    assert page.locator("#applicable-title").inner_text() == "26 indicateurs applicables"


def test_director_reads_an_indicator_guidance(page, login, portal):
    login("direction.cfa@demo.test")
    page.goto("/o/cfa-metiers-occitanie/referentiel/")
    card = page.locator("#indicateur-33")
    assert "Nouveau en V10" in card.inner_text()
    card.get_by_text("Exigence, niveau attendu et preuves").click()
    assert card.get_by_role("heading", name="Exemples de preuves").is_visible()
