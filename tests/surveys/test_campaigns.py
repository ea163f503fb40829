"""A closed survey campaign leaves one dated summary in the evidence library, filed under the
indicators of the version in force, shared once with the trainers for the apprentices'
evaluation; a manager may close a campaign early without deleting anything."""

from __future__ import annotations

import io
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone
from django.utils.formats import date_format
from pypdf import PdfReader

from evidence.models import EvidenceItem
from indicators.referential.models import ReferentialVersion
from learners import services as learner_services
from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.core.tokens import new_token
from qualiopi_portal.tenancy.models import Organisation
from surveys import selectors, services
from surveys.models import CampaignSummary, CampaignSummaryNotice, Invitation, Response
from surveys.tasks import campaign_summaries_task, campaign_summary_task
from tests.learners.test_learners import _enrol, _session, _url
from tests.surveys.test_surveys import _link, _valid

pytestmark = pytest.mark.django_db

OFFER = "Accueillir le public en situation de handicap"


def _asked(world, kind: str = "satisfaction_hot", days_ago: int = 1):
    """An ended session whose two learners with an address were sent `kind`; their tokens."""
    session = _session(world, starts_on=timezone.localdate() - timedelta(days=days_ago), days=2)
    enrolments = [
        _enrol(world, session, "Léa", "Martin", "lea@example.fr"),
        _enrol(world, session, "Tom", "Petit", "tom@example.fr"),
    ]
    with schema_context("org_alpha"):
        services.questionnaires_install()
        for enrolment in enrolments:
            enrolment.status = "completed"
            enrolment.save(update_fields=["status"])
        questionnaire = services.current(kind)
        invitations = services.invitations_for_session(
            session=session, questionnaire=questionnaire, actor=world.referent_a
        )
        tokens = {}
        for invitation in invitations:
            mail.outbox.clear()
            services.invitation_send(invitation_pk=invitation.pk, organisation=world.org_a)
            tokens[invitation.email] = _link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    mail.outbox.clear()
    return session, questionnaire, tokens


def _answer(questionnaire, token: str, **given: str) -> None:
    with schema_context("org_alpha"):
        data = {k: [v] for k, v in _valid(list(questionnaire.questions.all())).items()}
        data.update({k: [v] for k, v in given.items()})
        services.answer_submit(token=token, raw=data)


def _expire(email: str, when=None) -> None:
    with schema_context("org_alpha"):
        Invitation.objects.filter(email=email).update(
            expires_at=when or timezone.now() - timedelta(minutes=1)
        )


def _pin(world, code: str) -> None:
    Organisation.objects.filter(pk=world.org_a.pk).update(
        referential_version=ReferentialVersion.objects.get(code=code)
    )


def _pdf_text(item: EvidenceItem) -> str:
    version = item.versions.order_by("-number").first()
    with version.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_a_campaign_is_closed_when_everyone_answered_or_expired_and_not_before(world):
    session, questionnaire, tokens = _asked(world)
    _answer(questionnaire, tokens["lea@example.fr"])
    empty = _session(world, starts_on=timezone.localdate() - timedelta(days=3))
    with schema_context("org_alpha"):
        answered_at = timezone.now() - timedelta(days=2)
        Invitation.objects.filter(email="lea@example.fr").update(answered_at=answered_at)
        (campaign,) = selectors.campaigns_of_session(session)
        assert (campaign.invited, campaign.answered, campaign.pending) == (2, 1, 1)
        assert (campaign.is_closed, campaign.closed_at) == (False, None)
        assert selectors.campaigns_closed_without_summary() == []
        # A session nobody was asked about has no campaign at all.
        assert selectors.campaigns_of_session(empty) == []
    expired_at = timezone.now() - timedelta(hours=1)
    _expire("tom@example.fr", expired_at)
    with schema_context("org_alpha"):
        campaign = selectors.campaign_get(session_id=session.pk, questionnaire_id=questionnaire.pk)
        assert (campaign.pending, campaign.is_closed, campaign.closed_at) == (0, True, expired_at)
        assert selectors.campaigns_closed_without_summary() == [(session.pk, questionnaire.pk)]
        # Seen from before Tom's link expired, it was still open.
        before = expired_at - timedelta(minutes=1)
        assert selectors.campaigns_closed_without_summary(now=before) == []
        # A second questionnaire of the same session is its own campaign, still open.
        other = services.current("apprentice_evaluation")
        services.invitations_for_session(
            session=session, questionnaire=other, actor=world.referent_a
        )
        assert selectors.campaigns_closed_without_summary() == [(session.pk, questionnaire.pk)]
        assert [c.questionnaire.kind for c in selectors.campaigns_of_session(session)] == [
            "apprentice_evaluation",
            "satisfaction_hot",
        ]


def test_the_nightly_task_files_one_dated_summary_without_any_name(world, media):
    _pin(world, "v10")
    session, questionnaire, tokens = _asked(world)
    _answer(questionnaire, tokens["lea@example.fr"], improve="Plus d'exercices l'après-midi.")
    _expire("tom@example.fr")
    assert campaign_summaries_task.apply().get() == 1
    # Run again (the next night, or a redelivered message): nothing more.
    assert campaign_summaries_task.apply().get() == 0
    with schema_context("org_alpha"):
        assert (
            campaign_summary_task.apply(
                args=["org_alpha", session.pk, questionnaire.pk, world.referent_a.pk]
            ).get()
            is False
        )
        summary = CampaignSummary.objects.select_related("evidence").get()
        item = summary.evidence
        # Closed by the last of Léa's answer and the expiry of Tom's link.
        closed = max(
            Invitation.objects.get(email="lea@example.fr").answered_at,
            Invitation.objects.get(email="tom@example.fr").expires_at,
        )
        assert (summary.session_id, summary.questionnaire_id) == (session.pk, questionnaire.pk)
        assert (summary.invited, summary.answered, summary.closed_at) == (2, 1, closed)
        day = session.starts_on.strftime("%d/%m/%Y")
        end = session.ends_on.strftime("%d/%m/%Y")
        title = (
            "Synthèse de l'enquête « Satisfaction en fin de formation » — session "
            f"{OFFER} du {day} au {end}"
        )
        assert item.title == title
        assert EvidenceItem.objects.filter(title=title).count() == 1
        assert (item.kind, item.indicator_numbers, item.tags) == ("survey", [2, 30], ["généré"])
        assert item.valid_from == timezone.localdate(closed)
        assert (item.owner_id, item.version_count) == (world.referent_a.pk, 1)
        # No trainer message for a satisfaction survey.
        assert CampaignSummaryNotice.objects.count() == 0
        text = _pdf_text(item)
        improve_label = questionnaire.questions.get(code="improve").label
    assert mail.outbox == []
    assert title in text
    assert "« Satisfaction en fin de formation », version 1" in text
    start, end = (date_format(d, "j F Y") for d in (session.starts_on, session.ends_on))
    assert f"{OFFER} — du {start} au {end}, Salle Garonne" in text
    assert "nominatives, lues par l'équipe qualité ; cette synthèse ne nomme personne" in text
    assert "Personnes interrogées 2 Réponses reçues 1 Taux de réponse 50,0 %" in text
    assert "Indicateurs du référentiel 2, 30" in text
    assert "Moyenne : 5,0 sur 5 (1 réponse)" in text
    assert improve_label in text
    assert "« Plus d'exercices l'après-midi. »" in text
    assert "Taux de réponse : réponses reçues divisées par le nombre de personnes interrogées" in (
        text
    )
    # Named questionnaire, yet no respondent's name or address: it is a proof.
    for personal in ("Léa", "Martin", "Petit", "lea@example.fr", "tom@example.fr"):
        assert personal not in text


def test_indicator_33_only_for_the_apprentices_evaluation_and_only_under_v10(world, media):
    _pin(world, "v10")
    session, apprentice, tokens = _asked(world, "apprentice_evaluation")
    _answer(apprentice, tokens["lea@example.fr"], keep="Les ateliers du jeudi.")
    _answer(apprentice, tokens["tom@example.fr"], keep="Le tutorat.")
    with schema_context("org_alpha"):
        hot = services.current("satisfaction_hot")
        alpha = Organisation.objects.get(pk=world.org_a.pk)
        assert services.summary_indicators(organisation=alpha, questionnaire=hot) == [2, 30]
        assert services.summary_indicators(organisation=alpha, questionnaire=apprentice) == [
            2,
            30,
            33,
        ]
    assert campaign_summaries_task.apply().get() == 1
    with schema_context("org_alpha"):
        item = CampaignSummary.objects.get(session=session).evidence
        assert item.indicator_numbers == [2, 30, 33]
        text = _pdf_text(item)
    # Anonymous: said so, free texts sorted (their order tells nothing), no name.
    assert "anonymes : elles ne sont rattachées à personne" in text
    assert "« Le tutorat. » « Les ateliers du jeudi. »" in text
    assert "Léa" not in text and "Martin" not in text
    assert "Indicateurs du référentiel 2, 30, 33" in text

    # Under V9 (no indicator 33 there) the same kind of summary is filed under 2 and 30 only.
    _pin(world, "v9")
    later, _apprentice, later_tokens = _asked(world, "apprentice_evaluation", days_ago=5)
    _answer(apprentice, later_tokens["lea@example.fr"])
    _expire("tom@example.fr")
    assert campaign_summaries_task.apply().get() == 1
    with schema_context("org_alpha"):
        assert CampaignSummary.objects.get(session=later).evidence.indicator_numbers == [2, 30]


def test_the_apprentices_evaluation_goes_once_to_each_trainer_of_the_session(
    world, media, monkeypatch
):
    _pin(world, "v10")
    session, apprentice, tokens = _asked(world, "apprentice_evaluation")
    with schema_context("org_alpha"):
        learner_services.session_trainers_set(
            organisation=world.org_a,
            session=session,
            users=[world.contributor_a, world.director_a],
        )
    _answer(apprentice, tokens["lea@example.fr"], contents_relevance="4", teaching_clarity="3")
    _expire("tom@example.fr")

    # The mail server is down that night: the summary is made, the messages wait.
    def down(self, messages):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    assert campaign_summaries_task.apply().get() == 1
    with schema_context("org_alpha"):
        assert CampaignSummaryNotice.objects.filter(sent_at__isnull=True).count() == 2
    monkeypatch.undo()
    assert mail.outbox == []

    # The next night: one message per trainer, then never again.
    assert campaign_summaries_task.apply().get() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.contributor_a.email, world.director_a.email]
    )
    assert campaign_summaries_task.apply().get() == 0
    assert len(mail.outbox) == 2
    with schema_context("org_alpha"):
        summary = CampaignSummary.objects.get()
        notices = list(CampaignSummaryNotice.objects.filter(summary=summary))
        assert sorted(n.user_id for n in notices) == sorted(
            [world.contributor_a.pk, world.director_a.pk]
        )
        assert all(n.sent_at is not None for n in notices)
        for notice in notices:
            assert services.notice_send(notice_pk=notice.pk, organisation=world.org_a) is False
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.subject == f"[Alpha Formation] Évaluation des enseignements : {OFFER}"
    body = message.body
    assert "- Personnes interrogées : 2\n- Réponses : 1 (taux de réponse : 50,0 %)" in body
    assert "- Les contenus enseignés au CFA sont-ils utiles pour votre métier ? : 4,0 sur 5" in body
    assert "- Les explications des formateur·rices sont-elles claires ? : 3,0 sur 5" in body
    assert f"http://127.0.0.1:8000/o/alpha/preuves/{summary.evidence_id}/" in body
    assert "indicateur 33" in body
    assert "Léa" not in body and "Martin" not in body
    ((name, content, mimetype),) = message.attachments
    assert (name.endswith(".pdf"), mimetype) == (True, "application/pdf")
    assert content.startswith(b"%PDF")


def test_a_manager_closes_a_campaign_early_and_its_summary_follows(
    client, world, media, django_capture_on_commit_callbacks
):
    session, questionnaire, tokens = _asked(world)
    _answer(questionnaire, tokens["lea@example.fr"])
    with schema_context("org_alpha"):
        before = {i.email: (i.answered_at, i.expires_at) for i in Invitation.objects.all()}
    client.force_login(world.referent_a)
    page = client.get(_url(session, "enquetes/")).content.decode()
    assert "Campagne en cours : 1 réponse sur 2" in page
    close = _url(session, f"enquetes/{questionnaire.pk}/clore/")
    assert close in page
    # The director and a contributor who does not run the session cannot close it.
    for outsider in (world.director_a, world.contributor_a):
        client.force_login(outsider)
        assert client.get(close).status_code == 404
        assert client.post(close).status_code == 404
    client.force_login(world.referent_a)
    confirm = client.get(close).content.decode()
    assert "Le lien de la personne qui n'a pas encore répondu expire maintenant" in confirm
    assert "Rien n'est supprimé" in confirm
    with schema_context("org_alpha"):
        assert Invitation.objects.filter(expires_at__lte=timezone.now()).count() == 0  # GET
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(close, follow=True)
    text = response.content.decode()
    assert "La campagne est close : 1 lien sans réponse a expiré." in text
    # The page came back before the worker made the summary.
    assert "synthèse en préparation" in text
    with schema_context("org_alpha"):
        summary = CampaignSummary.objects.select_related("evidence").get()
        after = {i.email: (i.answered_at, i.expires_at) for i in Invitation.objects.all()}
        assert Response.objects.count() == 1  # nothing deleted
        event = AuditEvent.objects.get(action="survey.campaign_closed")
        assert (event.actor_id, event.details["expired"]) == (world.referent_a.pk, 1)
    assert after["lea@example.fr"] == before["lea@example.fr"]
    assert after["tom@example.fr"][0] is None
    assert after["tom@example.fr"][1] < before["tom@example.fr"][1]
    assert summary.closed_at == after["tom@example.fr"][1]
    assert summary.evidence.owner_id == world.referent_a.pk
    day = timezone.localtime(summary.closed_at).strftime("%d/%m/%Y")
    text = client.get(_url(session, "enquetes/")).content.decode()
    assert f"Campagne close le {day} — " in text
    assert f'href="/o/alpha/preuves/{summary.evidence_id}/"' in text
    # Tom's link answers no more; closing again makes nothing more.
    assert client.get(f"/enquete/alpha/{tokens['tom@example.fr']}/").status_code == 410
    again = client.post(close, follow=True).content.decode()
    assert "Cette campagne est déjà close : sa synthèse est faite." in again
    assert "Cette campagne est déjà close : sa synthèse est faite." in (
        client.get(close, follow=True).content.decode()
    )
    assert campaign_summaries_task.apply().get() == 0
    with schema_context("org_alpha"):
        assert CampaignSummary.objects.count() == 1
        assert Invitation.objects.count() == 2


def test_a_campaign_closed_on_its_own_is_not_closed_again(client, world):
    session, questionnaire, tokens = _asked(world)
    _answer(questionnaire, tokens["lea@example.fr"])
    _expire("tom@example.fr")
    client.force_login(world.referent_a)
    page = client.get(_url(session, "enquetes/")).content.decode()
    assert "synthèse en préparation" in page
    close = _url(session, f"enquetes/{questionnaire.pk}/clore/")
    assert close not in page
    response = client.get(close, follow=True)
    assert response.redirect_chain == [(_url(session, "enquetes/"), 302)]
    assert "sa synthèse sera dans la bibliothèque de preuves au plus tard demain matin" in (
        response.content.decode()
    )
    # A campaign nobody was asked about cannot be closed.
    with schema_context("org_alpha"):
        other = services.current("apprentice_evaluation")
    assert client.get(_url(session, f"enquetes/{other.pk}/clore/")).status_code == 404
    with schema_context("org_alpha"):
        assert AuditEvent.objects.filter(action="survey.campaign_closed").count() == 0


def test_the_last_awaited_answer_closes_the_campaign_and_makes_its_summary(
    world, media, django_capture_on_commit_callbacks
):
    from tests.surveys.test_results import _answer, _required

    session = _session(world, starts_on=timezone.localdate() - timedelta(days=3), days=2)
    first = _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    second = _enrol(world, session, "Hugo", "Bernard", "hugo@example.fr")
    with schema_context("org_alpha"):
        services.questionnaires_install()
        hot = services.current("satisfaction_hot")
        raw = _required(hot, {})
        awaited = _answer(hot, session, second, None)
        with django_capture_on_commit_callbacks(execute=True):
            _answer(hot, session, first, raw)
        assert not CampaignSummary.objects.exists()  # one answer of two: still open
        token, hashed = new_token()
        Invitation.objects.filter(pk=awaited.pk).update(token_hash=hashed)
        with django_capture_on_commit_callbacks(execute=True):
            services.answer_submit(token=token, raw=raw)
        summary = CampaignSummary.objects.get()
        assert (summary.session_id, summary.questionnaire_id) == (session.pk, hot.pk)
        assert (summary.invited, summary.answered) == (2, 2)
