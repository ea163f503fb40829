"""Questionnaires from the ready-made set, end-of-session invitations sent once by the worker,
and answers taken once from a personal link, on a phone, without an account."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from qualiopi_portal.core.tenants import schema_context
from surveys import answers, services
from surveys.models import Answer, Invitation, Questionnaire, Response
from surveys.tasks import invitation_send
from tests.learners.test_learners import _enrol, _session, _url

pytestmark = pytest.mark.django_db


def test_answers_are_checked_per_question_in_french():
    specs = [
        answers.QuestionSpec("overall", "scale5", True),
        answers.QuestionSpec("nps", "scale10", False),
        answers.QuestionSpec("again", "single", True, ("yes", "no")),
        answers.QuestionSpec("liked", "multiple", False, ("content", "pace", "trainer")),
        answers.QuestionSpec("free", "text", False),
    ]
    checked = answers.check(
        specs,
        {"overall": ["6"], "nps": ["0"], "again": ["maybe"], "liked": ["pace", "pace"]},
    )
    assert checked.errors == {
        "overall": "Choisissez une note de 1 à 5.",
        "again": "Choisissez parmi les réponses proposées.",
    }
    checked = answers.check(specs, {"overall": ["4"], "again": ["yes"], "free": ["  "]})
    assert checked.errors == {}
    assert checked.values == {
        "overall": answers.Value(number=4),
        "again": answers.Value(choices=("yes",)),
    }
    assert answers.check(specs, {}).errors == {
        "overall": "Répondez à cette question.",
        "again": "Répondez à cette question.",
    }
    too_long = answers.check([answers.QuestionSpec("free", "text", True)], {"free": ["x" * 5001]})
    assert too_long.errors == {"free": "Votre réponse dépasse 5000 caractères."}


def test_the_ready_made_questionnaires_are_installed_once(client, world):
    client.force_login(world.referent_a)
    page = client.get("/o/alpha/enquetes/").content.decode()
    assert "Aucun questionnaire pour l'instant." in page
    response = client.post("/o/alpha/enquetes/", follow=True)
    assert "7 questionnaires prêts à l&#x27;emploi ont été ajoutés." in response.content.decode()
    client.post("/o/alpha/enquetes/")
    with schema_context("org_alpha"):
        assert Questionnaire.objects.count() == 7
        kinds = set(Questionnaire.objects.values_list("kind", flat=True))
        hot = Questionnaire.objects.get(kind="satisfaction_hot")
        assert hot.questions.filter(role="satisfaction").count() >= 1
        apprentice = Questionnaire.objects.get(kind="apprentice_evaluation")
        assert apprentice.indicator_numbers == [33] and apprentice.anonymous
        assert apprentice.get_audience_display() == "Apprenti·es"
        assert not apprentice.questions.filter(role="satisfaction").exists()
    assert kinds == set(Questionnaire.Kind.values)
    client.force_login(world.director_a)
    assert client.get("/o/alpha/enquetes/").status_code == 404


def _ended_with_learners(world):
    session = _session(world, starts_on=timezone.localdate() - timedelta(days=1), days=2)
    lea = _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    hugo = _enrol(world, session, "Hugo", "Bernard", "")
    with schema_context("org_alpha"):
        services.questionnaires_install()
        for enrolment in (lea, hugo):
            enrolment.status = "completed"
            enrolment.save(update_fields=["status"])
    return session, lea, hugo


def _valid(questions) -> dict[str, str]:
    """One acceptable answer to each question."""
    values = {"scale5": "5", "scale10": "9", "text": "Très clair, merci."}
    return {q.code: values.get(q.type) or q.choices[0]["code"] for q in questions}


def _link(message) -> str:
    # The answering link (a reminder also carries the stop link after it).
    url = re.findall(r"http://\S+/enquete/\S+/", message.body)[0]
    return url.split("8000", 1)[1] if "8000" in url else url


def test_a_learner_answers_the_end_of_session_survey_once(
    client, world, django_capture_on_commit_callbacks
):
    session, _lea, _hugo = _ended_with_learners(world)
    client.force_login(world.referent_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(session, "enquetes/"), {"kind": "satisfaction_hot"}, follow=True
        )
    assert "1 invitation part, une par apprenant·e." in response.content.decode()
    assert [m.to for m in mail.outbox] == [["lea@example.fr"]]
    link = _link(mail.outbox[0])
    with schema_context("org_alpha"):
        invitation = Invitation.objects.get()
        assert invitation.sent_at is not None
        # A redelivered task sends nothing again.
        assert invitation_send.apply(args=["org_alpha", invitation.pk]).get() is False
        questions = list(invitation.questionnaire.questions.all())
    assert len(mail.outbox) == 1
    # Asking again sends nothing to whoever was asked.
    response = client.post(_url(session, "enquetes/"), {"kind": "satisfaction_hot"}, follow=True)
    assert "Personne à interroger" in response.content.decode()

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    body = page.content.decode()
    assert "Satisfaction" in body or "satisfaction" in body
    response = client.post(link, {})
    assert response.status_code == 400
    required = [q for q in questions if q.required]
    assert response.content.decode().count("Répondez à cette question.") == len(required)
    data = _valid(questions)
    response = client.post(link, data)
    assert response.status_code == 200
    assert "Merci pour vos réponses" in response.content.decode()
    assert client.get(link).status_code == 410
    assert "Vous avez déjà répondu" in client.post(link, data).content.decode()
    with schema_context("org_alpha"):
        stored = Response.objects.get()
        assert stored.invitation_id == invitation.pk  # named questionnaire
        assert Answer.objects.filter(response=stored).count() == len(questions)
        assert Invitation.objects.get().answered_at is not None
    client.force_login(world.referent_a)
    page = client.get(_url(session, "enquetes/")).content.decode()
    assert "répondu</span>" in page
    assert "1 réponse sur 1 personne interrogée." in page


def test_unknown_expired_and_early_links_are_refused(client, world):
    session, _lea, _hugo = _ended_with_learners(world)
    assert client.get("/enquete/alpha/jeton-inconnu/").status_code == 404
    assert client.get("/enquete/inconnue/jeton/").status_code == 404
    with schema_context("org_alpha"):
        questionnaire = services.current("satisfaction_hot")
        (invitation,) = services.invitations_for_session(
            session=session, questionnaire=questionnaire, actor=world.referent_a
        )
        assert services.invitation_send(invitation_pk=invitation.pk, organisation=world.org_a)
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    link = _link(mail.outbox[-1])
    response = client.get(link)
    assert response.status_code == 410
    assert "Ce lien a expiré" in response.content.decode()
    upcoming = _session(world, starts_on=timezone.localdate() + timedelta(days=3))
    _enrol(world, upcoming, "Zoé", "Avenir", "zoe@example.fr")
    client.force_login(world.referent_a)
    response = client.post(_url(upcoming, "enquetes/"), {"kind": "satisfaction_hot"}, follow=True)
    assert "part le dernier jour de la session, pas avant" in response.content.decode()
    # Another organisation's slug never opens this organisation's invitation.
    other = link.replace("/enquete/alpha/", "/enquete/beta/")
    assert client.get(other).status_code == 404


def test_an_anonymous_questionnaire_keeps_who_answered_not_what(client, world):
    session, _lea, _hugo = _ended_with_learners(world)
    with schema_context("org_alpha"):
        questionnaire = services.current("apprentice_evaluation")
        (invitation,) = services.invitations_for_session(
            session=session, questionnaire=questionnaire, actor=world.referent_a
        )
        services.invitation_send(invitation_pk=invitation.pk, organisation=world.org_a)
        questions = list(questionnaire.questions.all())
    link = _link(mail.outbox[-1])
    page = client.get(link).content.decode()
    assert "Ce questionnaire est anonyme" in page
    assert client.post(link, _valid(questions)).status_code == 200
    with schema_context("org_alpha"):
        stored = Response.objects.get()
        assert (stored.invitation_id, stored.session_id) == (None, session.pk)
        assert Invitation.objects.get().answered_at is not None
        # Only the day is kept: the time next to the invitation's would say who answered.
        kept = timezone.localtime(stored.submitted_at)
        assert (kept.hour, kept.minute, kept.second, kept.microsecond) == (0, 0, 0, 0)
        assert kept.date() == timezone.localdate()


def test_the_session_s_published_satisfaction_comes_from_the_answers(client, world):
    from training_offers.selectors import period_results

    session, _lea, _hugo = _ended_with_learners(world)
    others = [_enrol(world, session, f"P{i}", f"N{i}", f"p{i}@example.fr") for i in range(5)]
    with schema_context("org_alpha"):
        for enrolment in others:
            enrolment.status = "completed"
            enrolment.save(update_fields=["status"])
        questionnaire = services.current("satisfaction_hot")
        invitations = services.invitations_for_session(
            session=session, questionnaire=questionnaire, actor=world.referent_a
        )
        questions = list(questionnaire.questions.all())
        satisfaction = next(q for q in questions if q.role == "satisfaction")
        recommend = next(q for q in questions if q.role == "recommend")
        grades = [5, 4, 3, 5, 2]
        for invitation, grade in zip(invitations, grades, strict=False):
            mail.outbox.clear()
            services.invitation_send(invitation_pk=invitation.pk, organisation=world.org_a)
            token = _link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
            data = {k: [v] for k, v in _valid(questions).items()}
            data[satisfaction.code] = [str(grade)]
            data[recommend.code] = ["yes" if grade >= 4 else "no"]
            services.answer_submit(token=token, raw=data)
        session.refresh_from_db()
        assert (session.hot_average, session.hot_responses) == (Decimal("7.6"), 5)
        assert (session.recommend_yes, session.recommend_responses) == (3, 5)
        results = period_results(start=session.starts_on, end=session.ends_on)
    by_code = {rate.code: rate for rate in results.rates}
    assert (by_code["satisfaction_hot"].value, by_code["satisfaction_hot"].sample) == (
        Decimal("7.6"),
        5,
    )
    assert by_code["recommendation"].value == Decimal("60.0")
    assert "une note sur 5 compte double" in by_code["satisfaction_hot"].method


def test_reminders_go_once_per_step_never_after_an_answer_or_a_stop(client, world):
    from surveys.tasks import reminders_send_all_task

    session, _lea, _hugo = _ended_with_learners(world)
    tom = _enrol(world, session, "Tom", "Petit", "tom@example.fr")
    zoe = _enrol(world, session, "Zoé", "Durand", "zoe@example.fr")
    with schema_context("org_alpha"):
        for enrolment in (tom, zoe):
            enrolment.status = "completed"
            enrolment.save(update_fields=["status"])
        questionnaire = services.current("satisfaction_hot")
        invitations = services.invitations_for_session(
            session=session, questionnaire=questionnaire, actor=world.referent_a
        )
        mail.outbox.clear()
        for invitation in invitations:
            services.invitation_send(invitation_pk=invitation.pk, organisation=world.org_a)
        first_links = {m.to[0]: _link(m) for m in mail.outbox}
        # Sent eight days ago.
        Invitation.objects.update(sent_at=timezone.now() - timedelta(days=8))
        questions = list(questionnaire.questions.all())
    # Léa answers, Tom asks to stop, Zoé does nothing.
    assert client.post(first_links["lea@example.fr"], _valid(questions)).status_code == 200
    stop = first_links["tom@example.fr"] + "stop/"
    page = client.get(stop)
    assert "Ne plus recevoir de rappel" in page.content.decode()
    with schema_context("org_alpha"):
        assert Invitation.objects.filter(opted_out_at__isnull=False).count() == 0  # GET: nothing
    response = client.post(stop)
    assert "vous ne recevrez plus de rappel" in response.content.decode()
    mail.outbox.clear()
    assert reminders_send_all_task.apply().get() == 1
    assert [m.to for m in mail.outbox] == [["zoe@example.fr"]]
    reminder = mail.outbox[0]
    assert reminder.subject.startswith("[Alpha Formation] Rappel — votre avis")
    assert "/stop/" in reminder.body
    # The same day, again: nothing (the next step is seven days after this one).
    assert reminders_send_all_task.apply().get() == 0
    # The first link still opens the form, as does the reminder's.
    assert client.get(first_links["zoe@example.fr"]).status_code == 200
    assert client.get(_link(reminder)).status_code == 200
    with schema_context("org_alpha"):
        zoe_invitation = Invitation.objects.get(email="zoe@example.fr")
        assert zoe_invitation.reminders_sent == 1
        Invitation.objects.filter(pk=zoe_invitation.pk).update(
            last_reminded_at=timezone.now() - timedelta(days=8)
        )
    assert reminders_send_all_task.apply().get() == 1
    with schema_context("org_alpha"):
        Invitation.objects.filter(pk=zoe_invitation.pk).update(
            last_reminded_at=timezone.now() - timedelta(days=8)
        )
    # Two reminders at most (SURVEY_REMINDERS).
    assert reminders_send_all_task.apply().get() == 0
    client.force_login(world.referent_a)
    page = client.get(_url(session, "enquetes/")).content.decode()
    assert "2 rappels" in page and "ne souhaite plus de rappel" in page


def test_lost_messages_are_sent_by_the_sweeps_and_a_broker_down_loses_nothing(
    client, world, monkeypatch, django_capture_on_commit_callbacks
):
    from learners import services as learner_services
    from learners.models import MilestoneChase
    from learners.tasks import chases_lost_task
    from qualiopi_portal.core import queue
    from surveys.tasks import invitations_unsent_task

    session, _lea, _hugo = _ended_with_learners(world)
    with schema_context("org_alpha"):
        learner_services.session_trainers_set(
            organisation=world.org_a, session=session, users=[world.contributor_a]
        )

    def broker_down(name, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(queue, "queue_task", broker_down)
    client.force_login(world.referent_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(session, "enquetes/"), {"kind": "satisfaction_hot"})
        chased = client.post(_url(session, "parcours/relancer/"))
    assert (response.status_code, chased.status_code) == (302, 302)
    monkeypatch.undo()
    mail.outbox.clear()
    with schema_context("org_alpha"):
        assert Invitation.objects.get().sent_at is None
        # A minute later the sweeps find them.
        Invitation.objects.update(queued_at=timezone.now() - timedelta(minutes=2))
        MilestoneChase.objects.update(sent_at=timezone.now() - timedelta(minutes=2))
    # Beat's run only queues the barrier; its second half (run at once here: eager) finds the
    # invitation whose message was queued before the barrier and is still unsent.
    assert invitations_unsent_task.apply().get() == 0
    assert chases_lost_task.apply().get() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["lea@example.fr", world.contributor_a.email]
    )
    # Nothing is left for a second sweep.
    barrier = {"before": timezone.now().isoformat()}
    assert invitations_unsent_task.apply(kwargs=barrier).get() == 0
    assert chases_lost_task.apply().get() == 0


def test_a_learner_s_export_and_erasure_reach_their_surveys_and_documents(client, world):
    from learners import services as learner_services
    from session_documents import services as document_services
    from session_documents.models import Dispatch

    session, lea, _hugo = _ended_with_learners(world)
    with schema_context("org_alpha"):
        questionnaire = services.current("satisfaction_hot")
        (invitation,) = services.invitations_for_session(
            session=session, questionnaire=questionnaire, actor=world.referent_a
        )
        services.invitation_send(invitation_pk=invitation.pk, organisation=world.org_a)
        questions = list(questionnaire.questions.all())
    link = _link(mail.outbox[-1])
    assert client.post(link, _valid(questions)).status_code == 200
    with schema_context("org_alpha"):
        document_services.document_generate(
            organisation=world.org_a, session=session, kind="attestation", actor=world.referent_a
        )
        (dispatch,) = document_services.dispatches_queue(
            session=session, kind="attestation", actor=world.referent_a
        )
        document_services.dispatch_send(dispatch_pk=dispatch.pk, organisation=world.org_a)
        learner = lea.learner
        exported = learner_services.learner_export(learner=learner)
        assert [s["questionnaire"] for s in exported["surveys"]] == [questionnaire.title]
        assert exported["surveys"][0]["email"] == "lea@example.fr"
        assert len(exported["surveys"][0]["answers"]) == len(questions)
        assert exported["documents_sent"] == [
            {
                "document": "attestation",
                "email": "lea@example.fr",
                "state": "sent",
                "sent_at": Dispatch.objects.get().sent_at.isoformat(),
            }
        ]
        assert [step["step"] for step in exported["journey"]] == ["attestation"]
        learner_services.learner_anonymise(
            learner=learner, actor=world.referent_a, organisation=world.org_a
        )
        assert list(Invitation.objects.values_list("email", "name")) == [("", "")]
        assert list(Dispatch.objects.values_list("email", flat=True)) == [""]
        # The answers stay (the results keep their sample), the person is gone from them.
        assert Response.objects.count() == 1
