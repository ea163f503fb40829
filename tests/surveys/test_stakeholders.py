"""The stakeholder contacts page: who may see and change it, French validation with nothing
stored on error, archiving after a confirmation, the sessions' trainers added at once,
pagination, and the schedule it describes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from learners import services as learner_services
from qualiopi_portal.core.tenants import schema_context
from surveys import services
from surveys.models import Stakeholder
from tests.learners.test_learners import _session

pytestmark = pytest.mark.django_db

URL = "/o/alpha/enquetes/contacts/"


def _count() -> int:
    with schema_context("org_alpha"):
        return Stakeholder.objects.count()


def _post(client, **fields):
    data = {"audience": "employer", "organisation_name": "", "name": "", "email": ""}
    return client.post(URL, {**data, **fields})


def test_only_those_who_see_learners_see_the_contacts(client, world):
    for person, status in [
        (world.referent_a, 200),
        (world.consultant_a, 200),
        (world.director_a, 404),
        (world.contributor_a, 404),
    ]:
        client.force_login(person)
        assert client.get(URL).status_code == status, person
    client.force_login(world.director_a)
    assert _post(client, name="X", organisation_name="Y", email="x@y.example").status_code == 404
    assert client.post(URL + "formateurs/").status_code == 404
    assert _count() == 0


def test_a_contact_is_added_with_french_errors_and_no_duplicate(client, world):
    client.force_login(world.referent_a)
    page = client.get(URL).content.decode()
    assert "Aucun contact pour l'instant" in page
    assert "Ajouter les formateur·rices des sessions" in page
    response = _post(
        client, name="Claire Dumas", organisation_name="Roussel", email="pas-une-adresse"
    )
    assert response.status_code == 400
    assert "Saisissez une adresse e-mail valide." in response.content.decode()
    response = _post(client, name="Claire Dumas", email="claire@example.com")
    assert response.status_code == 400
    assert "Indiquez l&#x27;entreprise ou le financeur." in response.content.decode()
    response = _post(
        client, audience="inconnu", name="Claire", organisation_name="R", email="c@e.com"
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide." in response.content.decode()
    assert _count() == 0
    response = _post(
        client,
        name=" Claire Dumas ",
        organisation_name="Boulangerie Roussel",
        email="Claire.Dumas@example.com",
    )
    assert response.status_code == 302
    page = client.get(URL).content.decode()
    assert "Claire Dumas est ajouté·e aux contacts : Employeurs." in page
    assert "<h2>Employeurs</h2>" in page and "Boulangerie Roussel" in page
    # The same address for the same audience, whatever its case: refused.
    response = _post(
        client, name="Claire D.", organisation_name="Roussel", email="claire.dumas@EXAMPLE.com"
    )
    assert response.status_code == 400
    assert "Ce contact est déjà dans la liste pour ce public" in response.content.decode()
    # The teaching team needs no company; the same person may also be a financer's contact.
    assert (
        _post(client, audience="teaching_team", name="Alice Prof", email="a@p.example").status_code
        == 302
    )
    assert (
        _post(
            client,
            audience="financer",
            name="Claire Dumas",
            organisation_name="OPCO Atlas",
            email="claire.dumas@example.com",
        ).status_code
        == 302
    )
    with schema_context("org_alpha"):
        assert sorted(
            Stakeholder.objects.values_list("audience", "organisation_name", "name", "email")
        ) == [
            ("employer", "Boulangerie Roussel", "Claire Dumas", "Claire.Dumas@example.com"),
            ("financer", "OPCO Atlas", "Claire Dumas", "claire.dumas@example.com"),
            ("teaching_team", "", "Alice Prof", "a@p.example"),
        ]
        assert set(Stakeholder.objects.values_list("created_by", flat=True)) == {
            world.referent_a.pk
        }


def test_archiving_asks_first_and_keeps_the_contact(client, world):
    with schema_context("org_alpha"):
        contact = services.stakeholder_create(
            audience="financer",
            organisation_name="OPCO Atlas",
            name="Karim Benali",
            email="karim@opco.example",
            actor=world.referent_a,
        )
    client.force_login(world.referent_a)
    url = f"{URL}{contact.pk}/archiver/"
    assert f'href="{url}"' in client.get(URL).content.decode()
    page = client.get(url).content.decode()
    assert "ne recevra plus aucune enquête ni aucun rappel" in page
    with schema_context("org_alpha"):
        contact.refresh_from_db()
        assert contact.archived_at is None  # GET: nothing
    response = client.post(url, follow=True)
    body = response.content.decode()
    assert "Karim Benali est archivé·e" in body
    assert "karim@opco.example" not in body.split("Programmation des envois")[0].split("</h1>")[1]
    assert "Voir le contact archivé (1)" in body
    archives = client.get(URL + "?vue=archives").content.decode()
    assert "karim@opco.example" in archives
    assert client.post(url).status_code == 404  # already archived
    with schema_context("org_alpha"):
        contact.refresh_from_db()
        assert contact.archived_at is not None
        assert Stakeholder.objects.count() == 1
    # Archived, the address may be listed again.
    response = _post(
        client,
        audience="financer",
        name="Karim Benali",
        organisation_name="OPCO Atlas",
        email="karim@opco.example",
    )
    assert response.status_code == 302
    assert _count() == 2
    client.force_login(world.director_a)
    assert client.get(url).status_code == 404


def test_the_sessions_trainers_become_teaching_team_contacts_once(client, world):
    today = timezone.localdate()
    recent = _session(world, starts_on=today - timedelta(days=60), days=2)
    old = _session(world, starts_on=today - timedelta(days=400), days=2)
    upcoming = _session(world, starts_on=today + timedelta(days=30), days=2)
    with schema_context("org_alpha"):
        learner_services.session_trainers_set(
            organisation=world.org_a,
            session=recent,
            users=[world.contributor_a, world.member_a_and_c],
        )
        learner_services.session_trainers_set(
            organisation=world.org_a, session=old, users=[world.referent_a]
        )
        learner_services.session_trainers_set(
            organisation=world.org_a, session=upcoming, users=[world.consultant_a]
        )
        # Archived on purpose: not brought back.
        archived = services.stakeholder_create(
            audience="teaching_team",
            organisation_name="",
            name="Ancien",
            email=world.member_a_and_c.email.upper(),
            actor=world.referent_a,
        )
        services.stakeholder_archive(stakeholder=archived)
    client.force_login(world.referent_a)
    response = client.post(URL + "formateurs/", follow=True)
    assert "1 formateur·rice ajouté·e aux contacts de l&#x27;équipe pédagogique." in (
        response.content.decode()
    )
    with schema_context("org_alpha"):
        added = Stakeholder.objects.get(archived_at=None)
    assert (added.audience, added.name, added.email, added.organisation_name) == (
        "teaching_team",
        world.contributor_a.get_full_name(),
        world.contributor_a.email,
        "",
    )
    response = client.post(URL + "formateurs/", follow=True)
    assert "Aucun·e formateur·rice à ajouter" in response.content.decode()
    assert _count() == 2
    assert client.get(URL + "formateurs/").status_code == 405


def test_a_long_list_is_paginated(client, world):
    with schema_context("org_alpha"):
        Stakeholder.objects.bulk_create(
            Stakeholder(
                audience="employer",
                organisation_name=f"Entreprise {n:02d}",
                name=f"Contact {n:02d}",
                email=f"contact{n:02d}@example.com",
            )
            for n in range(51)
        )
    client.force_login(world.referent_a)
    first = client.get(URL).content.decode()
    assert first.count("/archiver/") == 50
    assert "Page 1 sur 2" in first and "contact49@example.com" in first
    second = client.get(URL + "?page=2").content.decode()
    assert second.count("/archiver/") == 1 and "contact50@example.com" in second


def test_the_pages_say_what_is_scheduled_when_and_why(client, world):
    client.force_login(world.referent_a)
    page = client.get(URL).content.decode()
    assert "Programmation des envois" in page
    # Nothing installed: every line says it is not scheduled.
    assert page.count("non programmé") == 6
    client.post("/o/alpha/enquetes/")
    for url in (URL, "/o/alpha/enquetes/"):
        page = client.get(url).content.decode()
        assert "Programmation des envois" in page, url
        assert "non programmé" not in page, url
        assert (
            "60 jours : valeur par défaut du portail, le référentiel ne fixe pas de délai." in page
        )
        assert "7 jours : valeur par défaut du portail, aucune règle." in page
        assert "Quand : chaque jour à 8 h 30, 60 jours après le dernier jour de la session" in page
        assert "Une fois tous les 12 mois : valeur par défaut du portail." in page
    assert 'href="/o/alpha/enquetes/contacts/"' in client.get("/o/alpha/enquetes/").content.decode()
