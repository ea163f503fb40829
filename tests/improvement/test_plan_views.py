"""Self-assessment and action plan pages, as the people who use them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import AgreedRating, Answer, Campaign
from improvement import services as improvement_services
from improvement.models import Action
from indicators import services
from qualiopi_portal.core.tenants import schema_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(world):
    with schema_context("org_alpha"):
        return assessment_services.campaign_create(
            organisation=world.org_a,
            title="Autoévaluation de décembre",
            version_code="v10",
            respondents=[world.referent_a, world.director_a],
            created_by=world.referent_a,
        )


def test_referent_opens_a_campaign_with_respondents(client, world):
    client.force_login(world.referent_a)
    page = client.get("/o/alpha/autoevaluation/nouvelle/")
    assert page.status_code == 200
    assert "Autoévaluation du " in page.content.decode()
    refused = client.post("/o/alpha/autoevaluation/nouvelle/", {"title": "Sans répondant"})
    assert refused.status_code == 400
    assert "Choisissez au moins un·e répondant·e." in refused.content.decode()
    response = client.post(
        "/o/alpha/autoevaluation/nouvelle/",
        {"title": "Campagne 2026", "respondents": [world.referent_a.pk, world.director_a.pk]},
    )
    with schema_context("org_alpha"):
        created = Campaign.objects.get()
        assert created.title == "Campagne 2026"
        assert created.version_code == "v10"
        assert sorted(created.respondents.values_list("user_id", flat=True)) == sorted(
            [world.referent_a.pk, world.director_a.pk]
        )
    assert response.status_code == 302
    assert response.url == f"/o/alpha/autoevaluation/{created.pk}/"


def test_contributors_see_no_self_assessment_and_directors_cannot_open_one(client, world, campaign):
    client.force_login(world.contributor_a)
    assert client.get("/o/alpha/autoevaluation/").status_code == 404
    assert client.get("/o/alpha/plan-de-progres/").status_code == 404
    client.force_login(world.director_a)
    assert client.get("/o/alpha/autoevaluation/").status_code == 200
    assert client.get("/o/alpha/autoevaluation/nouvelle/").status_code == 404


def test_respondents_answer_and_the_consolidated_view_shows_disagreements(client, world, campaign):
    url = f"/o/alpha/autoevaluation/{campaign.pk}/indicateurs/5/"
    client.force_login(world.referent_a)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "1. Le niveau attendu" in text
    assert "2. Votre processus, avec vos mots" in text
    # V10 allows no "non applicable" on indicator 5: the choice is not offered.
    assert 'value="not_applicable"' not in text
    response = client.post(
        url,
        {
            "form": "answer",
            "process": "Objectifs rédigés avec le formateur",
            "rating": "conform",
            "next": "1",
        },
    )
    assert response.status_code == 302
    assert response.url == f"/o/alpha/autoevaluation/{campaign.pk}/indicateurs/6/"
    client.force_login(world.director_a)
    client.post(url, {"form": "answer", "rating": "nc_minor", "corrective_actions": "Revoir"})
    hostile = client.post(url, {"form": "answer", "rating": "not_applicable"})
    assert hostile.status_code == 400
    assert "Sélectionnez un choix valide" in hostile.content.decode()
    with schema_context("org_alpha"):
        assert sorted(Answer.objects.values_list("indicator_number", "rating")) == [
            (5, "conform"),
            (5, "nc_minor"),
        ]
    # The one running the review sees every answer, hence the disagreement.
    client.force_login(world.firm_consultant)
    overview = client.get(f"/o/alpha/autoevaluation/{campaign.pk}/?vue=desaccords")
    text = overview.content.decode()
    assert "Voir tous les indicateurs" in text
    assert text.count('class="row--disagreement"') == 1
    assert "désaccord</span>" in text


def test_while_answers_are_collected_respondents_see_only_their_own(client, world, campaign):
    url = f"/o/alpha/autoevaluation/{campaign.pk}/indicateurs/5/"
    client.force_login(world.referent_a)
    client.post(url, {"form": "answer", "rating": "conform", "process": "PROCESSUS-REFERENT"})
    client.force_login(world.director_a)
    client.post(url, {"form": "answer", "rating": "nc_major", "process": "PROCESSUS-DIRECTION"})

    # The director, a respondent, sees her own column and answer, not the referent's.
    overview = client.get(f"/o/alpha/autoevaluation/{campaign.pk}/").content.decode()
    assert f'<th scope="col">{world.referent_a.display_name}</th>' not in overview
    assert f'<th scope="col">{world.director_a.display_name}</th>' in overview
    assert "Les réponses des autres répondant·es apparaîtront ici au passage en revue." in overview
    assert 'class="row--disagreement"' not in overview
    client.get(url)  # her own answer form, prefilled
    client.force_login(world.referent_a)
    page = client.get(url).content.decode()
    assert "PROCESSUS-DIRECTION" not in page
    assert "PROCESSUS-REFERENT" in page

    # The consultant running the review sees both all along.
    client.force_login(world.firm_consultant)
    overview = client.get(f"/o/alpha/autoevaluation/{campaign.pk}/").content.decode()
    assert f'<th scope="col">{world.referent_a.display_name}</th>' in overview
    assert f'<th scope="col">{world.director_a.display_name}</th>' in overview
    assert overview.count('class="row--disagreement"') == 1
    page = client.get(url).content.decode()
    assert "PROCESSUS-DIRECTION" in page and "PROCESSUS-REFERENT" in page

    # From the review on, every respondent reads them all.
    client.force_login(world.referent_a)
    client.post(f"/o/alpha/autoevaluation/{campaign.pk}/etat/", {"status": "review"})
    client.force_login(world.director_a)
    page = client.get(url).content.decode()
    assert "PROCESSUS-DIRECTION" in page and "PROCESSUS-REFERENT" in page
    overview = client.get(f"/o/alpha/autoevaluation/{campaign.pk}/").content.decode()
    assert f'<th scope="col">{world.referent_a.display_name}</th>' in overview
    assert "apparaîtront ici au passage en revue" not in overview


def test_the_consultant_reviews_and_sets_the_agreed_rating(client, world, campaign):
    url = f"/o/alpha/autoevaluation/{campaign.pk}/indicateurs/4/"
    client.force_login(world.referent_a)
    client.post(url, {"form": "answer", "rating": "conform"})
    client.post(f"/o/alpha/autoevaluation/{campaign.pk}/etat/", {"status": "review"})
    client.force_login(world.firm_consultant)
    page = client.get(url)
    assert "Fixer l’appréciation retenue" in page.content.decode()
    refused = client.post(url, {"form": "review", "comment": "?"})
    assert refused.status_code == 400
    assert "Choisissez l&#x27;appréciation retenue." in refused.content.decode()
    client.post(url, {"form": "review", "rating": "nc_minor", "comment": "Traces incomplètes"})
    with schema_context("org_alpha"):
        agreed = AgreedRating.objects.get()
        assert (agreed.indicator_number, agreed.rating, agreed.comment) == (
            4,
            "nc_minor",
            "Traces incomplètes",
        )
        assert agreed.reviewed_by == world.firm_consultant
    # The referent reads the review but cannot set it.
    client.force_login(world.referent_a)
    page = client.get(url).content.decode()
    assert "Traces incomplètes" in page
    assert "Fixer l’appréciation retenue" not in page
    assert client.post(url, {"form": "review", "rating": "conform"}).status_code == 404


def test_closing_asks_for_confirmation(client, world, campaign):
    client.force_login(world.referent_a)
    status_url = f"/o/alpha/autoevaluation/{campaign.pk}/etat/"
    client.post(status_url, {"status": "review"})
    confirm = client.post(status_url, {"status": "closed"})
    assert confirm.status_code == 200
    assert "ne peut plus être modifiée" in confirm.content.decode()
    with schema_context("org_alpha"):
        assert Campaign.objects.get().status == "review"
    client.post(status_url, {"status": "closed", "confirm": "1"})
    with schema_context("org_alpha"):
        assert Campaign.objects.get().status == "closed"


def test_action_plan_create_edit_and_overdue(client, world):
    client.force_login(world.referent_a)
    refused = client.post(
        "/o/alpha/plan-de-progres/nouvelle/", {"title": "Publier", "status": "todo"}
    )
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Choisissez la personne responsable de l&#x27;action." in text
    assert "Fixez une échéance." in text
    today = timezone.localdate()
    client.post(
        "/o/alpha/plan-de-progres/nouvelle/",
        {
            "title": "Publier les résultats",
            "indicator_numbers": ["2"],
            "owner": world.director_a.pk,
            "due_date": (today + timedelta(days=10)).isoformat(),
            "status": "todo",
        },
    )
    with schema_context("org_alpha"):
        action = Action.objects.get()
        assert (action.title, action.indicator_numbers, action.owner) == (
            "Publier les résultats",
            [2],
            world.director_a,
        )
        Action.objects.filter(pk=action.pk).update(due_date=today - timedelta(days=2))
    listing = client.get("/o/alpha/plan-de-progres/?status=overdue").content.decode()
    assert "1 action est en retard." in listing
    assert 'class="row--overdue"' in listing
    assert "en retard</span>" in listing
    done_without_proof = client.post(
        f"/o/alpha/plan-de-progres/{action.pk}/",
        {
            "title": "Publier les résultats",
            "owner": world.director_a.pk,
            "due_date": (today - timedelta(days=2)).isoformat(),
            "status": "done",
        },
    )
    assert done_without_proof.status_code == 400
    assert "Une action réalisée a besoin de sa preuve" in done_without_proof.content.decode()
    client.post(
        f"/o/alpha/plan-de-progres/{action.pk}/",
        {
            "title": "Publier les résultats",
            "owner": world.director_a.pk,
            "due_date": (today - timedelta(days=2)).isoformat(),
            "status": "done",
            "completion_note": "En ligne",
        },
    )
    listing = client.get("/o/alpha/plan-de-progres/").content.decode()
    assert "en retard" not in listing
    assert "Réalisée" in listing


def test_one_click_action_from_a_dashboard_gap(client, world):
    client.force_login(world.referent_a)
    response = client.post("/o/alpha/plan-de-progres/depuis-ecart/26/")
    with schema_context("org_alpha"):
        action = Action.objects.get()
    assert response.status_code == 302
    assert response.url == f"/o/alpha/plan-de-progres/{action.pk}/"
    assert (action.source, action.indicator_numbers, action.owner) == (
        "gap",
        [26],
        world.referent_a,
    )
    client.force_login(world.director_a)
    services.readiness_recompute(organisation=world.org_a)
    dashboard = client.get("/o/alpha/").content.decode()
    assert "Créer une action" in dashboard
    assert "Aucune action en retard." in dashboard


def test_a_contributor_sees_their_own_actions_in_their_space(client, world):
    today = timezone.localdate()
    with schema_context("org_alpha"):
        mine = improvement_services.action_create(
            organisation=world.org_a,
            title="Envoyer le CV mis à jour",
            indicator_numbers=[21],
            owner=world.contributor_a,
            due_date=today + timedelta(days=5),
            created_by=world.referent_a,
        )
        Action.objects.filter(pk=mine.pk).update(due_date=today - timedelta(days=1))
        improvement_services.action_create(
            organisation=world.org_a,
            title="Action de la direction",
            owner=world.director_a,
            due_date=today + timedelta(days=5),
            created_by=world.referent_a,
        )
    client.force_login(world.contributor_a)
    page = client.get("/o/alpha/mon-espace/").content.decode()
    assert "Mes actions du plan de progrès" in page
    assert "Envoyer le CV mis à jour" in page
    day = (today - timedelta(days=1)).strftime("%d/%m/%Y")
    assert f"en retard : échéance {day}" in page
    assert "Action de la direction" not in page
