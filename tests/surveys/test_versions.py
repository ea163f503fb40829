"""Editing a questionnaire makes its next version: the version edited, its invitations and its
answers stay as they were; the questions kept keep their code and role."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.core.tenants import schema_context
from surveys import editing, services
from surveys.models import Answer, Invitation, Questionnaire, Response
from tests.learners.test_learners import _enrol, _url
from tests.surveys.test_surveys import _ended_with_learners, _link, _valid

pytestmark = pytest.mark.django_db

EXTRA = 5


def _form(questionnaire, changes=None, added=(), deleted=()) -> dict:
    """The edit page's form as the browser posts it: each question as shown, with `changes`
    per code, `added` questions in the blank lines and `deleted` codes ticked."""
    changes = changes or {}
    with schema_context("org_alpha"):
        questions = list(questionnaire.questions.all())
    data = {
        "title": questionnaire.title,
        "intro": questionnaire.intro,
        "questions-TOTAL_FORMS": str(len(questions) + EXTRA),
        "questions-INITIAL_FORMS": str(len(questions)),
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "100",
    }
    if questionnaire.anonymous:
        data["anonymous"] = "on"
    rows = [
        {
            "code": q.code,
            "label": q.label,
            "type": q.type,
            "required": q.required,
            "choices": editing.choices_text(q.choices),
            "role": q.role,
            "position": str(index),
            **changes.get(q.code, {}),
            **({"DELETE": True} if q.code in deleted else {}),
        }
        for index, q in enumerate(questions, start=1)
    ]
    blank = {"code": "", "label": "", "type": "scale5", "required": True, "choices": ""}
    rows += [{**blank, **question} for question in added]
    rows += [blank] * (len(questions) + EXTRA - len(rows))
    for index, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                data[f"questions-{index}-{key}"] = "on"
            elif value is not False:
                data[f"questions-{index}-{key}"] = value
    return data


def test_editing_makes_version_two_and_version_one_keeps_its_answers(client, world):
    session, _lea, _hugo = _ended_with_learners(world)
    tom = _enrol(world, session, "Tom", "Petit", "tom@example.fr")
    with schema_context("org_alpha"):
        tom.status = "completed"
        tom.save(update_fields=["status"])
        first = services.current("satisfaction_hot")
        invitations = services.invitations_for_session(
            session=session, questionnaire=first, actor=world.referent_a
        )
        mail.outbox.clear()
        for invitation in invitations:
            services.invitation_send(invitation_pk=invitation.pk, organisation=world.org_a)
        links = {m.to[0]: _link(m) for m in mail.outbox}
        old_questions = list(first.questions.all())
    # Léa answers version 1 before the edit; Tom has his link and waits.
    assert client.post(links["lea@example.fr"], _valid(old_questions)).status_code == 200

    client.force_login(world.referent_a)
    page = client.get(f"/o/alpha/enquetes/{first.pk}/modifier/")
    assert page.status_code == 200
    assert (
        "Enregistrer crée la version 2 ; les réponses déjà reçues gardent la version 1"
        in page.content.decode()
    )
    data = _form(
        first,
        changes={
            "overall": {"label": "Globalement, la formation vous a-t-elle plu ?"},
            "recommend": {"position": "1"},
        },
        added=[
            {
                "label": "Qu'avez-vous pensé de la salle ?",
                "type": "single",
                "choices": "Très bien\nbien: Bien\nPas adaptée",
                "position": "",
            }
        ],
        deleted=["materials"],
    )
    data["title"] = "Satisfaction en fin de formation"
    response = client.post(f"/o/alpha/enquetes/{first.pk}/modifier/", data, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "La version 2 est enregistrée et sert désormais ; les réponses déjà reçues gardent la "
        "version 1." in body
    )
    with schema_context("org_alpha"):
        versions = list(Questionnaire.objects.filter(code="satisfaction_hot").order_by("version"))
        assert [(q.version, q.is_current) for q in versions] == [(1, False), (2, True)]
        first, second = versions
        assert response.redirect_chain[-1][0] == f"/o/alpha/enquetes/{second.pk}/"
        assert (second.title, second.kind, second.anonymous) == (
            "Satisfaction en fin de formation",
            "satisfaction_hot",
            False,
        )
        assert second.indicator_numbers == first.indicator_numbers
        assert [(q.code, q.role) for q in second.questions.all()] == [
            ("overall", "satisfaction"),
            ("recommend", "recommend"),
            ("objectives", "objectives"),
            ("trainer", ""),
            ("organisation", ""),
            ("pace", ""),
            ("liked", ""),
            ("improve", ""),
            ("quavez_vous_pense_de_la_salle", ""),
        ]
        assert second.questions.get(code="overall").label == (
            "Globalement, la formation vous a-t-elle plu ?"
        )
        assert second.questions.get(code="quavez_vous_pense_de_la_salle").choices == [
            {"code": "tres_bien", "label": "Très bien"},
            {"code": "bien", "label": "Bien"},
            {"code": "pas_adaptee", "label": "Pas adaptée"},
        ]
        # Version 1 is as it was: its questions, its answer, its invitations.
        assert [(q.code, q.label) for q in first.questions.all()] == [
            (q.code, q.label) for q in old_questions
        ]
        assert Answer.objects.filter(question__questionnaire=first).count() == len(old_questions)
        assert set(Invitation.objects.values_list("questionnaire_id", flat=True)) == {first.pk}
        assert services.current("satisfaction_hot") == second
        assert (
            AuditEvent.objects.filter(action="questionnaire.versioned", details__version=2).count()
            == 1
        )

    # Tom's link still opens version 1 (the question removed since is there) and answers it.
    client.logout()
    page = client.get(links["tom@example.fr"]).content.decode()
    assert old_questions[3].label.replace("'", "&#x27;") in page  # « materials »
    assert client.post(links["tom@example.fr"], _valid(old_questions)).status_code == 200
    with schema_context("org_alpha"):
        assert list(Response.objects.values_list("questionnaire_id", flat=True)) == [
            first.pk,
            first.pk,
        ]
        # Someone asked now gets version 2.
        zoe = _enrol(world, session, "Zoé", "Durand", "zoe@example.fr")
        zoe.status = "completed"
        zoe.save(update_fields=["status"])
        (new,) = services.invitations_for_session(
            session=session, questionnaire=services.current("satisfaction_hot"), actor=None
        )
        assert new.questionnaire_id == second.pk

    # The list counts every version: 3 asked (2 on version 1, 1 on version 2), 2 answered.
    client.force_login(world.referent_a)
    listed = re.sub(r"\s+", " ", client.get("/o/alpha/enquetes/").content.decode())
    row = listed[listed.index(f'href="/o/alpha/enquetes/{second.pk}/"') :]
    assert row[: row.index("</tr>")].endswith("<td>3</td> <td>2</td> ")
    # Each version has its page; the old one says it is no longer used.
    page = client.get(f"/o/alpha/enquetes/{second.pk}/").content.decode()
    assert f'href="/o/alpha/enquetes/{first.pk}/">Version 1</a>' in page
    old_page = client.get(f"/o/alpha/enquetes/{first.pk}/").content.decode()
    assert "ancienne version" in old_page
    assert "2 réponses reçues pour cette version (dont 0 importées)." in old_page
    assert "Modifier (nouvelle version)" not in old_page
    # Editing an old version leads to the current one.
    response = client.get(f"/o/alpha/enquetes/{first.pk}/modifier/")
    assert response.status_code == 302
    assert response.url == f"/o/alpha/enquetes/{second.pk}/modifier/"


def test_a_learner_invited_on_version_one_answers_it_from_the_room_too(client, world):
    session, _lea, _hugo = _ended_with_learners(world)
    with schema_context("org_alpha"):
        first = services.current("satisfaction_hot")
        (invitation,) = services.invitations_for_session(
            session=session, questionnaire=first, actor=world.referent_a
        )
    client.force_login(world.referent_a)
    response = client.post(f"/o/alpha/enquetes/{first.pk}/modifier/", _form(first))
    assert response.status_code == 302
    response = client.post(_url(session, "enquetes/qr-code/"), {"kind": "satisfaction_hot"})
    path = (
        "/enquete/alpha/salle/"
        + response.content.decode().split("/enquete/alpha/salle/")[1].split("/")[0]
        + "/"
    )
    client.logout()
    assert client.post(path, {"email": "lea@example.fr"}).status_code == 302
    with schema_context("org_alpha"):
        assert list(Invitation.objects.values_list("pk", "questionnaire_id")) == [
            (invitation.pk, first.pk)
        ]


def _refused(client, questionnaire, data) -> list[str]:
    response = client.post(f"/o/alpha/enquetes/{questionnaire.pk}/modifier/", data)
    assert response.status_code == 400
    with schema_context("org_alpha"):
        assert Questionnaire.objects.filter(code=questionnaire.code).count() == 1
        assert Questionnaire.objects.get(pk=questionnaire.pk).is_current
    return list(response.context["form"].non_field_errors())


def test_bad_edits_are_refused_in_french_and_make_no_version(client, world):
    with schema_context("org_alpha"):
        services.questionnaires_install()
        hot = services.current("satisfaction_hot")
        codes = list(hot.questions.values_list("code", flat=True))
    client.force_login(world.referent_a)
    assert _refused(client, hot, _form(hot, deleted=codes)) == ["Gardez au moins une question."]
    assert _refused(client, hot, _form(hot, changes={"pace": {"choices": "Adapté"}})) == [
        "Question 6 (« Le rythme de la formation était… ») : un choix demande au moins deux "
        "réponses proposées, une par ligne."
    ]
    assert _refused(client, hot, _form(hot, changes={"objectives": {"code": "overall"}})) == [
        "Question 2 (« Avez-vous atteint les objectifs annoncés de la formation ? ») : le code "
        "« overall » est donné deux fois."
    ]
    assert _refused(client, hot, _form(hot, changes={"trainer": {"code": "inventee"}})) == [
        "Question 3 (« Êtes-vous satisfait·e de l'animation par le formateur ou la formatrice"
        " ? ») : cette question n'existe pas dans la version modifiée ; rechargez la page."
    ]
    assert _refused(client, hot, _form(hot, changes={"overall": {"type": "text"}})) == [
        "Question 1 (« Dans l'ensemble, êtes-vous satisfait·e de la formation ? ») : le rôle "
        "« Satisfaction (taux publié) » se lit sur une note (de 1 à 5 ou de 0 à 10)."
    ]
    doubled = _form(
        hot, added=[{"label": "Note de la salle", "role": "satisfaction", "position": ""}]
    )
    assert _refused(client, hot, doubled) == [
        "Question 10 (« Note de la salle ») : le rôle « Satisfaction (taux publié) » est déjà "
        "donné à la question 1."
    ]
    no_yes = _form(hot, changes={"recommend": {"choices": "oui: Oui\nnon: Non"}})
    assert _refused(client, hot, no_yes) == [
        "Question 7 (« Recommanderiez-vous cette formation à une personne de votre entourage ? »)"
        " : le rôle « Recommandation (taux publié) » se lit sur un choix unique dont une réponse "
        "a le code « yes » (par exemple « yes: Oui »)."
    ]
    same_choice = _form(hot, changes={"pace": {"choices": "lent: Lent\nlent: Trop lent"}})
    assert _refused(client, hot, same_choice) == [
        "Question 6 (« Le rythme de la formation était… ») : deux réponses proposées ont le même "
        "code « lent »."
    ]
    # The form's own checks: a question without its wording, a title left empty.
    blank_label = client.post(
        f"/o/alpha/enquetes/{hot.pk}/modifier/", _form(hot, changes={"overall": {"label": ""}})
    )
    assert blank_label.status_code == 400
    assert blank_label.context["formset"].errors[0] == {"label": ["Ce champ est obligatoire."]}
    # Only a manager edits.
    client.force_login(world.director_a)
    assert client.get(f"/o/alpha/enquetes/{hot.pk}/modifier/").status_code == 404
    assert client.post(f"/o/alpha/enquetes/{hot.pk}/modifier/", _form(hot)).status_code == 404
    with schema_context("org_alpha"):
        assert Questionnaire.objects.filter(code="satisfaction_hot").count() == 1


def test_an_edit_from_a_version_replaced_meanwhile_is_refused(world):
    with schema_context("org_alpha"):
        services.questionnaires_install()
        hot = services.current("satisfaction_hot")
        drafts = [
            editing.QuestionDraft(
                row=1,
                code="overall",
                label="Note",
                type="scale5",
                required=True,
                role="satisfaction",
                choices_text="",
                position=1,
            )
        ]
        made = services.questionnaire_version_create(
            questionnaire=hot, title="A", intro="", anonymous=False, drafts=drafts, actor=None
        )
        assert made.version == 2
        with pytest.raises(ValidationError) as refused:
            services.questionnaire_version_create(
                questionnaire=hot, title="B", intro="", anonymous=False, drafts=drafts, actor=None
            )
        assert refused.value.messages == [
            "Ce questionnaire a déjà une version plus récente : modifiez la version en cours."
        ]
        assert list(
            Questionnaire.objects.filter(code="satisfaction_hot").values_list(
                "version", "is_current", "title"
            )
        ) == [(2, True, "A"), (1, False, hot.title)]
        assert made.created_at <= timezone.now()


def test_choices_are_written_one_a_line_with_or_without_their_code():
    assert editing.choices_parse("yes: Oui\nNon\n\n  Peut-être  ") == (
        [
            {"code": "yes", "label": "Oui"},
            {"code": "non", "label": "Non"},
            {"code": "peut_etre", "label": "Peut-être"},
        ],
        [],
    )
    # A colon inside a sentence is part of the label.
    assert editing.choices_parse("Oui : tout à fait\nNon")[0] == [
        {"code": "oui_tout_a_fait", "label": "Oui : tout à fait"},
        {"code": "non", "label": "Non"},
    ]
