"""The referent reads the free-text answers of a questionnaire (all versions, by session, never
a name for an anonymous one) and turns one into an action of the plan de progrès, once,
linked both ways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from improvement import services as improvement_services
from improvement.models import Action
from learners import services as learner_services
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation
from surveys.models import Answer, Question, Questionnaire, Response
from tests.surveys.test_campaigns import OFFER, _answer, _asked

pytestmark = pytest.mark.django_db


def _page(questionnaire, query: str = "") -> str:
    return f"/o/alpha/enquetes/{questionnaire.pk}/reponses-libres/{query}"


def _text_answer(text: str) -> Answer:
    with schema_context("org_alpha"):
        return Answer.objects.select_related("response").get(text=text)


def test_the_free_text_answers_are_listed_newest_first_with_version_date_and_session(client, world):
    session, hot, tokens = _asked(world)
    _answer(hot, tokens["lea@example.fr"], liked="Les cas pratiques.", improve="Plus de pauses.")
    other, _hot, other_tokens = _asked(world, days_ago=10)
    _answer(hot, other_tokens["tom@example.fr"], liked="L'accueil.", improve="Rien.")
    with schema_context("org_alpha"):
        # The first session's answers were given a day before the other's.
        Response.objects.filter(session=session).update(
            submitted_at=timezone.now() - timedelta(days=1)
        )
        # A second version of the questionnaire, answered on the other session today.
        Questionnaire.objects.filter(pk=hot.pk).update(is_current=False)
        second = Questionnaire.objects.create(
            code=hot.code, version=2, kind=hot.kind, title=hot.title, audience=hot.audience
        )
        question = Question.objects.create(
            questionnaire=second, code="improve", label="Une idée ?", type="text", required=False
        )
        scale = Question.objects.create(
            questionnaire=second, code="overall", label="Note", type="scale5"
        )
        response = Response.objects.create(questionnaire=second, session=other)
        Answer.objects.create(response=response, question=question, text="Version deux.")
        Answer.objects.create(response=response, question=scale, number=4)
        names = {i.email: i.name for i in hot.invitations.all()}
    client.force_login(world.referent_a)
    for questionnaire in (hot, second):  # any version opens every version's answers
        page = client.get(_page(questionnaire)).content.decode()
        assert "5 réponses libres" in page
        # Newest first; within one response, the later question first.
        texts = [
            "Version deux.",
            "Rien.",
            "L&#x27;accueil.",
            "Plus de pauses.",
            "Les cas pratiques.",
        ]
        positions = [page.index(text) for text in texts]
        assert positions == sorted(positions)  # newest first
    assert page.count("version 2 · reçue le") == 1
    assert page.count("version 1 · reçue le") == 4
    yesterday = (timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y")
    assert page.count(f"reçue le {yesterday}") == 2
    assert page.count(f"session {OFFER} du {session.starts_on:%d/%m/%Y}") == 2
    assert page.count(f"session {OFFER} du {other.starts_on:%d/%m/%Y}") == 3
    # A named questionnaire: the viewer follows the learners, the name is shown.
    assert page.count(names["lea@example.fr"]) == 2
    assert page.count(names["tom@example.fr"]) == 2
    # The filter by session.
    filtered = client.get(_page(hot, f"?session={session.pk}")).content.decode()
    assert "2 réponses libres" in filtered
    assert "Les cas pratiques." in filtered and "Rien." not in filtered
    # An unknown session filter shows everything.
    assert "5 réponses libres" in client.get(_page(hot, "?session=999999")).content.decode()
    # Linked from the list and from the questionnaire's page.
    assert _page(second) in client.get("/o/alpha/enquetes/").content.decode()
    assert _page(hot) in client.get(f"/o/alpha/enquetes/{hot.pk}/").content.decode()


def test_twenty_five_answers_a_page_and_an_answer_opens_on_its_page(client, world):
    session, hot, tokens = _asked(world)
    _answer(hot, tokens["lea@example.fr"])
    with schema_context("org_alpha"):
        question = hot.questions.get(code="improve")
        base = timezone.now() - timedelta(days=30)
        for number in range(1, 27):
            response = Response.objects.create(questionnaire=hot, session=session)
            Response.objects.filter(pk=response.pk).update(
                submitted_at=base + timedelta(hours=number)
            )
            Answer.objects.create(response=response, question=question, text=f"Idée {number:02}.")
        oldest = Answer.objects.get(text="Idée 01.")
    client.force_login(world.referent_a)
    # Léa's two answers (today) then « Idée 26. » down to « Idée 01. »: 28 in all.
    first = client.get(_page(hot)).content.decode()
    assert "28 réponses libres" in first
    assert first.count('class="card" id="reponse-') == 25
    assert "Idée 04." in first and "Idée 03." not in first
    assert "Page 1 sur 2" in first
    second = client.get(_page(hot, "?page=2")).content.decode()
    assert second.count('class="card" id="reponse-') == 3
    assert "Idée 01." in second
    # From an action's page: the page holding that answer.
    assert (
        f'id="reponse-{oldest.pk}"'
        in client.get(_page(hot, f"?reponse={oldest.pk}")).content.decode()
    )


def test_an_anonymous_questionnaire_never_shows_who_answered(client, world):
    _session, apprentice, tokens = _asked(world, "apprentice_evaluation")
    _answer(apprentice, tokens["lea@example.fr"], keep="Les ateliers.", change="Moins de théorie.")
    client.force_login(world.referent_a)
    page = client.get(_page(apprentice)).content.decode()
    assert "2 réponses libres" in page
    assert "Les ateliers." in page and "Moins de théorie." in page
    assert "Questionnaire anonyme : les réponses ne sont rattachées à personne." in page
    for personal in ("Léa", "Martin", "lea@example.fr", "Tom", "Petit"):
        assert personal not in page


def test_a_named_answer_of_an_erased_learner_shows_no_name(client, world):
    _session, hot, tokens = _asked(world)
    _answer(hot, tokens["lea@example.fr"], improve="Plus de pauses.")
    with schema_context("org_alpha"):
        learner = hot.invitations.get(email="lea@example.fr").enrolment.learner
        learner_services.learner_anonymise(
            learner=learner, actor=world.referent_a, organisation=world.org_a
        )
    client.force_login(world.referent_a)
    page = client.get(_page(hot)).content.decode()
    assert "Plus de pauses." in page
    assert "Léa" not in page and "Martin" not in page
    assert page.count("personne anonymisée") == 2


def test_an_answer_becomes_one_action_linked_both_ways(client, world):
    session, hot, tokens = _asked(world)
    text = (
        "Le deuxième jour était trop dense : prévoir une pause de plus l'après-midi et "
        "envoyer les supports avant la formation."
    )
    _answer(hot, tokens["lea@example.fr"], improve=text)
    answer = _text_answer(text)
    day = timezone.localtime(answer.response.submitted_at).strftime("%d/%m/%Y")
    with schema_context("org_alpha"):
        name = hot.invitations.get(email="lea@example.fr").name
        due = improvement_services.default_due_date(
            organisation=Organisation.objects.get(pk=world.org_a.pk)
        )
    client.force_login(world.referent_a)
    page = client.get(_page(hot)).content.decode()
    make = f"/o/alpha/enquetes/{hot.pk}/reponses-libres/{answer.pk}/action/"
    assert page.count("Créer une action du plan de progrès") == 2  # Léa's two answers
    assert f'action="{make}"' in page
    response = client.post(make)
    with schema_context("org_alpha"):
        action = Action.objects.get()
        answer.refresh_from_db()
    assert response.status_code == 302
    assert response.url == f"/o/alpha/plan-de-progres/{action.pk}/"
    assert answer.action_id == action.pk
    assert action.title == (
        "Réponse d'enquête : « Le deuxième jour était trop dense : prévoir une pause… »"
    )
    assert action.description == (
        "Réponse libre à la question « Que faudrait-il améliorer ? » (enquête « Satisfaction "
        f"en fin de formation », version 1, reçue le {day}, session {OFFER} du "
        f"{session.starts_on:%d/%m/%Y} au {session.ends_on:%d/%m/%Y}) :\n\n« {text} »"
    )
    assert name not in action.title + action.description
    assert (action.indicator_numbers, action.source, action.status) == ([30, 32], "survey", "todo")
    assert (action.owner_id, action.created_by_id, action.due_date) == (
        world.referent_a.pk,
        world.referent_a.pk,
        due,
    )
    # A second click (another tab, a double click) opens the same action.
    again = client.post(make, follow=True)
    assert "Cette réponse a déjà son action dans le plan de progrès." in again.content.decode()
    assert again.redirect_chain == [(f"/o/alpha/plan-de-progres/{action.pk}/", 302)]
    with schema_context("org_alpha"):
        assert Action.objects.count() == 1
    # The action's page says where it came from and leads back to the answer.
    edit = client.get(f"/o/alpha/plan-de-progres/{action.pk}/").content.decode()
    assert f"Origine : réponse à l’enquête « Satisfaction en fin de formation » du {day}" in edit
    back = f"{_page(hot)}?reponse={answer.pk}#reponse-{answer.pk}"
    assert f'href="{back}"' in edit
    # The list page now shows the action instead of the button, for that answer only.
    page = client.get(_page(hot)).content.decode()
    assert page.count("Créer une action du plan de progrès") == 1
    assert f'href="/o/alpha/plan-de-progres/{action.pk}/"' in page
    listed = client.get("/o/alpha/plan-de-progres/").content.decode()
    assert "Issue de : Réponse d&#x27;enquête" in listed
    # The director manages actions but does not follow learners: the origin, no link to it.
    client.force_login(world.director_a)
    edit = client.get(f"/o/alpha/plan-de-progres/{action.pk}/").content.decode()
    assert "Origine : réponse à l’enquête" in edit
    assert "reponses-libres" not in edit


def test_who_does_not_follow_the_learners_reads_no_answer_and_makes_no_action(client, world):
    _session, hot, tokens = _asked(world)
    _answer(hot, tokens["lea@example.fr"], improve="Plus de pauses.")
    answer = _text_answer("Plus de pauses.")
    make = f"/o/alpha/enquetes/{hot.pk}/reponses-libres/{answer.pk}/action/"
    for outsider in (world.director_a, world.contributor_a, world.referent_b, world.nobody):
        client.force_login(outsider)
        assert client.get(_page(hot)).status_code == 404
        assert client.post(make).status_code == 404
    client.force_login(world.referent_a)
    assert client.get(make).status_code == 405
    # An answer that is not free text, or of another questionnaire, is not found.
    with schema_context("org_alpha"):
        scale = Answer.objects.filter(response=answer.response, question__type="scale5").first()
        other = Questionnaire.objects.get(code="positioning")
    for pk, answer_pk in ((hot.pk, scale.pk), (other.pk, answer.pk)):
        url = f"/o/alpha/enquetes/{pk}/reponses-libres/{answer_pk}/action/"
        assert client.post(url).status_code == 404
    with schema_context("org_alpha"):
        assert Action.objects.count() == 0
        assert Answer.objects.filter(action__isnull=False).count() == 0
    # A consultant member of the organisation follows the learners too: reads and acts.
    client.force_login(world.consultant_a)
    assert client.get(_page(hot)).status_code == 200
    assert client.post(make).status_code == 302
    with schema_context("org_alpha"):
        assert Action.objects.get().owner_id == world.consultant_a.pk
