"""A learner answers the end-of-session questionnaire on a phone from their personal link,
without an account; the results page then shows the satisfaction computed from the answers,
with its method and sample."""

from __future__ import annotations

import hashlib

import psycopg
from django.conf import settings
from playwright.sync_api import expect

from ..stacks import database_url
from .a11y import axe_violations, sideways_overflow

ORG = "/o/cooperative-solstice"
SCHEMA = "org_cooperative_solstice"


def _invite(token: str) -> int:
    """An invitation as the worker would have sent it (the e-mail itself stays in the
    portal's outbox): only the token's hash is stored. Returns its session's id."""
    name = f"{settings.DATABASES['default']['NAME'].removeprefix('test_')}_e2e"
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        # An ended session whose campaign is not closed yet (the demo's answered one is).
        questionnaire, session = connection.execute(
            f"SELECT q.id, s.id FROM {SCHEMA}.surveys_questionnaire q, "  # noqa: S608
            f"{SCHEMA}.training_offers_session s WHERE q.kind = 'satisfaction_hot' "
            "AND q.is_current AND s.ends_on < current_date AND NOT EXISTS (SELECT 1 FROM "
            f"{SCHEMA}.surveys_campaignsummary c WHERE c.session_id = s.id) "
            "ORDER BY s.ends_on DESC LIMIT 1"
        ).fetchone()
        connection.execute(
            f"INSERT INTO {SCHEMA}.surveys_invitation (questionnaire_id, session_id, email, "  # noqa: S608
            "name, token_hash, old_token_hashes, created_at, expires_at, sent_at, send_error, "
            "reminders_sent) VALUES (%s, %s, 'invite.e2e@exemple.test', 'Invité·e E2E', %s, "
            "'{}', now(), now() + interval '1 day', now(), '', 0)",
            [questionnaire, session, hashlib.sha256(token.encode()).hexdigest()],
        )
    return session


def _typed_hot_responses(session: int) -> int:
    name = f"{settings.DATABASES['default']['NAME'].removeprefix('test_')}_e2e"
    with psycopg.connect(database_url(name), autocommit=True) as connection:
        (count,) = connection.execute(
            f"SELECT hot_responses FROM {SCHEMA}.training_offers_session WHERE id = %s",  # noqa: S608
            [session],
        ).fetchone()
    return count


def test_a_learner_answers_on_a_phone_and_the_results_show_it(page, login, browser, portal):
    token = "e2e-jeton-de-reponse-0123456789abcdef"
    session = _invite(token)
    # While the campaign waits for that answer, the referent could close it early: the
    # confirmation says what happens, at 320 px and through axe; they cancel.
    login("referent.solstice@demo.test")
    page.goto(f"{ORG}/offres/resultats/")
    sample_before = int(
        page.get_by_role("row")
        .filter(has_text="Satisfaction à chaud")
        .first.locator('td[data-label="Effectif"]')
        .inner_text()
    )
    typed = _typed_hot_responses(session)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{ORG}/sessions/{session}/enquetes/")
    expect(page.get_by_text("Campagne en cours", exact=False)).to_be_visible()
    page.get_by_role("link", name="Clore la campagne maintenant").click()
    expect(page.get_by_text("Rien n'est supprimé", exact=False)).to_be_visible()
    assert axe_violations(page) == []
    assert sideways_overflow(page) == []
    page.get_by_role("link", name="Annuler").click()
    expect(page.get_by_text("Campagne en cours", exact=False)).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    phone = browser.new_context(
        base_url=portal, locale="fr-FR", viewport={"width": 390, "height": 844}
    )
    respondent = phone.new_page()
    respondent.goto(f"/enquete/cooperative-solstice/{token}/")
    expect(
        respondent.get_by_role("heading", name="Satisfaction en fin de formation")
    ).to_be_visible()
    expect(
        respondent.get_by_text("Ce questionnaire n'est pas anonyme", exact=False)
    ).to_be_visible()
    respondent.get_by_role("button", name="Envoyer mes réponses").click()
    expect(respondent.get_by_role("alert")).to_contain_text("à compléter ou à corriger")
    for fieldset in respondent.locator("fieldset.question").all():
        options = fieldset.locator("input")
        options.nth(options.count() - 1 if options.count() <= 5 else 0).check()
    for area in respondent.locator("textarea").all():
        area.fill("Très bien, merci.")
    assert axe_violations(respondent) == []
    respondent.set_viewport_size({"width": 320, "height": 640})
    assert sideways_overflow(respondent) == []
    respondent.get_by_role("button", name="Envoyer mes réponses").click()
    expect(respondent.get_by_role("heading", name="Merci pour vos réponses")).to_be_visible()
    assert axe_violations(respondent) == []
    respondent.reload()
    expect(respondent.get_by_text("Vous avez déjà répondu à ce questionnaire.")).to_be_visible()
    assert axe_violations(respondent) == []
    # The page that stops the reminders, also without an account, at 320 px.
    respondent.goto(f"/enquete/cooperative-solstice/{token}/stop/")
    respondent.get_by_role("button", name="Ne plus me le rappeler").click()
    expect(respondent.get_by_text("vous ne recevrez plus de rappel", exact=False)).to_be_visible()
    assert axe_violations(respondent) == []
    assert sideways_overflow(respondent) == []
    phone.close()

    # The results page and the public catalogue: the session's typed figures gave way to its
    # one answer, and the response rate counts it (the demo's three answers, and this one).
    page.goto(f"{ORG}/offres/resultats/")
    row = page.get_by_role("row").filter(has_text="Satisfaction à chaud").first
    expect(row).to_contain_text("une note sur 5 compte double")
    expect(row).to_contain_text("calculée des réponses aux questionnaires")
    expect(row).to_contain_text("100 % (4 sur 4)")
    expect(row.locator('td[data-label="Effectif"]')).to_have_text(str(sample_before - typed + 1))
    visitor = browser.new_context(base_url=portal, locale="fr-FR")
    public = visitor.new_page()
    public.goto("/catalogue/cooperative-solstice/")
    published = public.get_by_role("row").filter(has_text="Satisfaction à chaud").first
    expect(published).to_contain_text("100 % (4 sur 4)")
    expect(published).to_contain_text("calculée des réponses aux questionnaires")
    expect(published.locator('td[data-label="Effectif"]')).to_have_text(
        str(sample_before - typed + 1)
    )
    expect(public.get_by_text("Sessions terminées du", exact=False)).to_be_visible()
    visitor.close()

    # The referent reads the free-text answers and makes one of them an action, once.
    page.goto(f"{ORG}/enquetes/")
    page.get_by_role("row").filter(has_text="Satisfaction en fin de formation").get_by_role(
        "link", name="Réponses libres"
    ).click()
    answer = page.locator("li.card").filter(has_text="Très bien, merci.").first
    expect(answer).to_be_visible()
    page.set_viewport_size({"width": 320, "height": 640})
    assert axe_violations(page) == []
    assert sideways_overflow(page) == []
    answer.get_by_role("button", name="Créer une action du plan de progrès").click()
    expect(page.get_by_text("Origine : réponse à l’enquête", exact=False)).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="voir la réponse parmi les réponses libres").click()
    expect(page.locator("li.card:target")).to_contain_text("Très bien, merci.")
    expect(page.locator("li.card:target").get_by_role("link")).to_contain_text(
        "Réponse d'enquête : « Très bien, merci. »"
    )
