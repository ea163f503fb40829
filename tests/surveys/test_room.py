"""The end-of-session questionnaire from the QR code shown in the room: the learner names
themself by their address, answers once from their own invitation, and no e-mail goes for it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.core.tokens import token_hash
from surveys import services
from surveys.models import Invitation, Response, RoomCode
from tests.learners.test_learners import _enrol, _session, _url
from tests.surveys.test_surveys import _ended_with_learners, _link, _valid

pytestmark = pytest.mark.django_db

UNKNOWN = (
    "Cette adresse ne correspond à aucune inscription à cette session. Vérifiez-la, ou "
    "adressez-vous à votre formateur·rice."
)


def _show(client, world, session, kind="satisfaction_hot") -> str:
    """The manager shows the QR code; the room's path it encodes."""
    client.force_login(world.referent_a)
    response = client.post(_url(session, "enquetes/qr-code/"), {"kind": kind})
    assert response.status_code == 200
    body = response.content.decode()
    assert '<svg role="img" aria-label="QR code de l&#x27;enquête' in body
    url = re.search(
        r'href="(http://testserver(/enquete/alpha/salle/[a-z0-9]+/))" data-room-url', body
    )
    assert url is not None
    client.logout()
    return url.group(2)


def test_a_learner_answers_from_the_room_s_qr_code_once_and_gets_no_e_mail(client, world):
    session, _lea, _hugo = _ended_with_learners(world)
    client.force_login(world.referent_a)
    page = client.get(_url(session, "enquetes/")).content.decode()
    assert "Afficher le QR code en salle" in page
    page = client.get(_url(session, "enquetes/qr-code/")).content.decode()
    assert "Il vaut 4 heures à partir du moment où vous l’affichez" in page
    assert "Afficher le QR code : Satisfaction à chaud" in page
    # An AF session: no apprentices' evaluation offered.
    assert "Afficher le QR code : Évaluation des contenus" not in page
    mail.outbox.clear()
    before = timezone.now()
    path = _show(client, world, session)
    code = path.rstrip("/").rsplit("/", 1)[1]
    with schema_context("org_alpha"):
        room = RoomCode.objects.get()
        assert room.code_hash == token_hash(code)
        assert room.questionnaire.kind == "satisfaction_hot"
        assert timedelta(hours=4) <= room.expires_at - before <= timedelta(hours=4, minutes=1)
        questions = list(room.questionnaire.questions.all())

    page = client.get(path)
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    body = page.content.decode()
    assert 'autocomplete="email"' in body
    assert "Votre adresse e-mail (celle de votre inscription)" in body
    assert "Lea" not in body and "Martin" not in body  # nobody is listed
    response = client.post(path, {"email": " LEA@example.fr "})
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    answer_path = response.url
    assert re.fullmatch(r"/enquete/alpha/[\w-]{20,}/", answer_path)
    with schema_context("org_alpha"):
        invitation = Invitation.objects.get()
        assert (invitation.email, invitation.room_code_id) == ("lea@example.fr", room.pk)
        assert invitation.questionnaire_id == room.questionnaire_id
        assert invitation.session_id == session.pk and invitation.sent_at is not None
        assert invitation.token_hash == token_hash(answer_path.split("/")[3])
        # The worker's sweep and a stray send both leave it alone: no e-mail, ever.
        Invitation.objects.update(queued_at=timezone.now() - timedelta(minutes=5))
        assert services.invitations_lost(before=timezone.now()) == []
        assert not services.invitation_send(invitation_pk=invitation.pk, organisation=world.org_a)
    assert mail.outbox == []

    assert client.get(answer_path).status_code == 200
    assert client.post(answer_path, _valid(questions)).status_code == 200
    with schema_context("org_alpha"):
        assert Response.objects.get().invitation_id == invitation.pk
        session.refresh_from_db()
        assert session.hot_responses == 1
    # Scanning again after answering: said plainly, nothing made.
    again = client.post(path, {"email": "lea@example.fr"})
    assert again.status_code == 400
    assert "Vous avez déjà répondu à ce questionnaire. Merci !" in again.content.decode()
    with schema_context("org_alpha"):
        assert Invitation.objects.count() == 1
        assert Response.objects.count() == 1
    client.force_login(world.referent_a)
    page = client.get(_url(session, "enquetes/")).content.decode()
    assert "ouverte en salle (QR code)" in page
    assert "1 réponse sur 1 personne interrogée." in page


def test_an_address_of_nobody_asked_gets_one_neutral_refusal(client, world):
    session, _lea, _hugo = _ended_with_learners(world)
    other = _session(world, starts_on=timezone.localdate() - timedelta(days=1), days=2)
    _enrol(world, other, "Paul", "Ailleurs", "paul@example.fr")
    left = _enrol(world, session, "Inès", "Partie", "ines@example.fr")
    with schema_context("org_alpha"):
        left.status = "dropped_out"
        left.save(update_fields=["status"])
    path = _show(client, world, session)
    for address in ("inconnu@example.fr", "paul@example.fr", "ines@example.fr"):
        response = client.post(path, {"email": address})
        assert response.status_code == 400, address
        assert UNKNOWN in response.content.decode(), address
    bad = client.post(path, {"email": "pas-une-adresse"})
    assert bad.status_code == 400
    assert "Indiquez une adresse e-mail valide, par exemple nom@exemple.fr." in bad.content.decode()
    with schema_context("org_alpha"):
        assert Invitation.objects.count() == 0


def test_unknown_expired_replaced_and_early_room_codes_are_refused(client, world):
    session, _lea, _hugo = _ended_with_learners(world)
    assert client.get("/enquete/alpha/salle/inconnu2345678/").status_code == 404
    first = _show(client, world, session)
    # Another organisation's slug never opens this organisation's code.
    assert client.get(first.replace("/enquete/alpha/", "/enquete/beta/")).status_code == 404
    second = _show(client, world, session)
    response = client.get(first)
    assert response.status_code == 410
    assert "Ce QR code n&#x27;est plus valable" in response.content.decode()
    assert client.post(first, {"email": "lea@example.fr"}).status_code == 410
    assert client.get(second).status_code == 200
    with schema_context("org_alpha"):
        RoomCode.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(second).status_code == 410
    with schema_context("org_alpha"):
        assert Invitation.objects.count() == 0

    upcoming = _session(world, starts_on=timezone.localdate() + timedelta(days=2))
    client.force_login(world.referent_a)
    response = client.post(_url(upcoming, "enquetes/qr-code/"), {"kind": "satisfaction_hot"})
    assert response.status_code == 400
    assert (
        "Le QR code de l&#x27;enquête de fin de session s&#x27;affiche le dernier jour, pas avant."
        in response.content.decode()
    )
    with schema_context("org_alpha"):
        assert RoomCode.objects.filter(session=upcoming).count() == 0
    # A contributor (no learner management) has no QR code page.
    client.force_login(world.contributor_a)
    assert client.get(_url(session, "enquetes/qr-code/")).status_code == 404


def test_the_room_hands_over_the_invitation_already_made_or_sent(client, world):
    session, _lea, _hugo = _ended_with_learners(world)
    tom = _enrol(world, session, "Tom", "Petit", "tom@example.fr")
    with schema_context("org_alpha"):
        tom.status = "completed"
        tom.save(update_fields=["status"])
        questionnaire = services.current("satisfaction_hot")
        lea_invitation, tom_invitation = sorted(
            services.invitations_for_session(
                session=session, questionnaire=questionnaire, actor=world.referent_a
            ),
            key=lambda invitation: invitation.email,
        )
        # Léa's message went; Tom's is still waiting for the worker.
        mail.outbox.clear()
        services.invitation_send(invitation_pk=lea_invitation.pk, organisation=world.org_a)
    e_mailed = _link(mail.outbox[0])
    path = _show(client, world, session)
    for address in ("lea@example.fr", "tom@example.fr"):
        assert client.post(path, {"email": address}).status_code == 302
    with schema_context("org_alpha"):
        assert Invitation.objects.count() == 2
        tom_invitation.refresh_from_db()
        assert tom_invitation.sent_at is not None and tom_invitation.room_code_id is not None
        # The placeholder nobody holds is not kept as a working link.
        assert tom_invitation.old_token_hashes == []
        lea_invitation.refresh_from_db()
        assert len(lea_invitation.old_token_hashes) == 1
        assert not services.invitation_send(
            invitation_pk=tom_invitation.pk, organisation=world.org_a
        )
    assert len(mail.outbox) == 1
    # Léa's e-mailed link still opens her form.
    assert client.get(e_mailed).status_code == 200


def test_trying_address_after_address_is_slowed_down(client, world):
    session, _lea, _hugo = _ended_with_learners(world)
    path = _show(client, world, session)
    for number in range(20):
        assert client.post(path, {"email": f"essai{number}@example.fr"}).status_code == 400
    response = client.post(path, {"email": "lea@example.fr"})
    assert response.status_code == 429
    assert "Trop d&#x27;adresses essayées depuis cet appareil" in response.content.decode()
    with schema_context("org_alpha"):
        assert Invitation.objects.count() == 0
