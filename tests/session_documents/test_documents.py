"""Documents made from a session: rendered from the organisation's wording, kept as versions of
one evidence item, filed where the funding plan expects them, dating the journeys, and sent to
each learner once with the state of each message."""

from __future__ import annotations

import io
import smtplib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone
from pypdf import PdfReader

from evidence.models import EvidenceItem
from financing import services as funding_services
from financing.models import SessionDocument
from learners import services as learner_services
from learners.models import Milestone
from qualiopi_portal.core.tenants import schema_context
from session_documents import services
from session_documents.models import Dispatch, DocumentJob, GeneratedDocument
from session_documents.tasks import document_jobs_sweep_task
from tests.learners.test_learners import ALL_DAY, _enrol, _session, _url

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def _version_text(item: EvidenceItem) -> str:
    version = item.versions.order_by("-number").first()
    with version.file.open("rb") as handle:
        return _text(handle.read())


@pytest.fixture
def generate(client, django_capture_on_commit_callbacks):
    """Ask for a document and let the worker (eager here) render it, as it does after commit."""

    def post(session, kind):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(_url(session, f"documents/{kind}/generer/"), follow=True)

    return post


def _ended(world):
    session = _session(world, starts_on=timezone.localdate() - timedelta(days=2), days=2)
    lea = _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    hugo = _enrol(world, session, "Hugo", "Bernard", "")
    with schema_context("org_alpha"):
        for enrolment in (lea, hugo):
            learner_services.enrolment_set_status(
                enrolment=enrolment, status="completed", funding_line=None
            )
    return session, lea, hugo


def test_an_attestation_is_one_evidence_item_whose_versions_follow_each_rendering(
    client, world, generate
):
    session, lea, hugo = _ended(world)
    client.force_login(world.referent_a)
    response = generate(session, "attestation")
    assert "La génération est lancée" in response.content.decode()
    generate(session, "attestation")
    with schema_context("org_alpha"):
        (item,) = EvidenceItem.objects.filter(title__startswith="Attestation de fin de formation")
        assert (item.version_count, item.indicator_numbers, item.tags) == (2, [11], ["généré"])
        assert list(GeneratedDocument.objects.values_list("version", flat=True)) == [2, 1]
        text = _version_text(item)
        steps = sorted(
            Milestone.objects.filter(kind="attestation").values_list("enrolment_id", "evidence_id")
        )
    assert "Attestation de fin de formation" in text
    assert (
        "Léa Martin a suivi la formation « Accueillir le public en situation de handicap »" in text
    )
    assert "soit 0,0 heures de présence sur 14 heures prévues" in text
    assert "Hugo Bernard" in text
    assert steps == sorted([(lea.pk, item.pk), (hugo.pk, item.pk)])


def test_the_certificate_is_made_per_financer_and_filed_as_its_service_fait_piece(
    client, world, generate
):
    session, lea, _hugo = _ended(world)
    client.force_login(world.referent_a)
    generate(session, "certificate")
    # The worker refused: the page says why.
    page = client.get(_url(session, "documents/")).content.decode()
    assert "le certificat de réalisation est établi pour le financeur" in page
    assert "échec</span>" in page
    with schema_context("org_alpha"):
        funding_services.session_price_set(session=session, price=Decimal("1400"))
        line = funding_services.funding_line_save(
            session=session,
            line=None,
            created_by=world.referent_a,
            route_code="opco",
            financer="OPCO Atlas",
            reference="AT-2026-118",
            trainees=1,
            hours_planned=Decimal("14"),
            hours_present=None,
            amount=Decimal("700"),
        )
        learner_services.enrolment_set_status(enrolment=lea, status="completed", funding_line=line)
    generate(session, "certificate")
    with schema_context("org_alpha"):
        document = GeneratedDocument.objects.get(kind="certificate")
        filed = SessionDocument.objects.get(
            session=session, key=f"completion_certificate:{line.pk}"
        )
        text = _version_text(document.evidence)
        certified = list(Milestone.objects.filter(kind="certificate").values_list("enrolment_id"))
    assert (document.funding_line_id, document.enrolment_ids) == (line.pk, [lea.pk])
    assert filed.evidence_id == document.evidence_id
    assert document.evidence.indicator_numbers == []
    assert "atteste que : Léa Martin" in text
    assert "Financeur : OPCO Atlas — n° de prise en charge : AT-2026-118" in text
    assert "Hugo Bernard" not in text
    assert certified == [(lea.pk,)]


def test_a_wording_naming_an_unknown_field_is_refused_and_a_saved_one_is_used(
    client, world, generate
):
    session, _lea, _hugo = _ended(world)
    client.force_login(world.referent_a)
    response = client.post(
        "/o/alpha/modeles-de-documents/attestation/",
        {"body": "{apprenant} a suivi {formaton}", "letterhead": "", "closing": ""},
    )
    assert response.status_code == 400
    assert "Champ inconnu ou mal écrit : {formaton}." in response.content.decode()
    response = client.post(
        "/o/alpha/modeles-de-documents/attestation/",
        {"body": "Nous certifions que {apprenant} a suivi {formation}.", "signatory": "Anne Roy"},
    )
    assert response.status_code == 302
    generate(session, "attestation")
    with schema_context("org_alpha"):
        text = _version_text(GeneratedDocument.objects.get().evidence)
    assert "Nous certifions que Léa Martin a suivi Accueillir le public" in text
    assert "Anne Roy" in text


def test_convocations_go_once_to_each_learner_with_an_address_and_date_the_journey(
    client, world, django_capture_on_commit_callbacks, generate
):
    session = _session(world, starts_on=timezone.localdate() + timedelta(days=5))
    lea = _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    _enrol(world, session, "Hugo", "Bernard", "")
    tom = _enrol(world, session, "Tom", "Petit", "tom@refuse.example")
    client.force_login(world.referent_a)
    response = client.post(_url(session, "documents/convocation/envoyer/"), follow=True)
    assert "Générez d&#x27;abord le document, puis envoyez-le." in response.content.decode()
    generate(session, "convocation")
    real_send = EmailBackend.send_messages

    def refusing(self, messages):
        # The outside boundary: one recipient's server refuses the message.
        if any("tom@refuse.example" in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({"tom@refuse.example": (550, b"unknown")})
        return real_send(self, messages)

    mail.outbox.clear()
    EmailBackend.send_messages = refusing
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(_url(session, "documents/convocation/envoyer/"), follow=True)
    finally:
        EmailBackend.send_messages = real_send
    assert "2 messages partent, un par apprenant·e." in response.content.decode()
    assert [m.to for m in mail.outbox] == [["lea@example.fr"]]
    (attachment,) = mail.outbox[0].attachments
    assert attachment[0] == "convocation.pdf"
    assert "Bonjour Léa Martin" in _text(attachment[1])
    with schema_context("org_alpha"):
        states = dict(Dispatch.objects.values_list("enrolment_id", "state"))
        convoked = list(Milestone.objects.filter(kind="convocation").values_list("enrolment_id"))
    assert states == {lea.pk: "sent", tom.pk: "bounced"}
    assert convoked == [(lea.pk,)]
    page = client.get(_url(session, "documents/")).content.decode()
    assert "Envoyé</span>" in page and "Refusé</span>" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(session, "documents/convocation/envoyer/"), follow=True)
    assert "Personne à qui l&#x27;envoyer" in response.content.decode()
    assert len(mail.outbox) == 1
    with schema_context("org_alpha"):
        dispatch = Dispatch.objects.get(enrolment=lea)
        assert services.dispatch_send(dispatch_pk=dispatch.pk, organisation=world.org_a) == "sent"
    assert len(mail.outbox) == 1


def test_the_attendance_sheet_and_programme_render_and_who_may_do_what(client, world, generate):
    session, _lea, _hugo = _ended(world)
    client.force_login(world.director_a)
    assert client.get(_url(session, "documents/")).status_code == 404
    client.force_login(world.contributor_a)
    with schema_context("org_alpha"):
        learner_services.session_trainers_set(
            organisation=world.org_a, session=session, users=[world.contributor_a]
        )
    assert client.get(_url(session, "documents/")).status_code == 200
    assert client.post(_url(session, "documents/programme/generer/")).status_code == 404
    assert client.get("/o/alpha/modeles-de-documents/convocation/").status_code == 404
    client.force_login(world.referent_a)
    assert client.post(_url(session, "documents/inconnu/generer/")).status_code == 404
    generate(session, "attendance_sheet")
    page = client.get(_url(session, "documents/")).content.decode()
    assert "Aucune demi-journée n&#x27;est planifiée" in page
    with schema_context("org_alpha"):
        learner_services.slots_plan(session=session, schedule=ALL_DAY)
    for kind in ("programme", "attendance_sheet"):
        generate(session, kind)
    with schema_context("org_alpha"):
        programme = GeneratedDocument.objects.get(kind="programme").evidence
        sheet = GeneratedDocument.objects.get(kind="attendance_sheet").evidence
        assert programme.indicator_numbers == [6]
        assert "Accueillir le public en situation de handicap" in _version_text(programme)
        assert "Feuille d’émargement" in _version_text(sheet)


def test_a_rendering_waits_in_its_job_and_a_lost_one_is_queued_again(client, world, generate):
    session, _lea, _hugo = _ended(world)
    client.force_login(world.referent_a)
    # The broker took the message but no worker ran it (on_commit not executed here).
    response = client.post(_url(session, "documents/programme/generer/"), follow=True)
    assert "La génération est lancée" in response.content.decode()
    page = client.get(_url(session, "documents/")).content.decode()
    assert "génération en cours…" in page
    assert 'hx-trigger="every 2s"' in page
    response = client.post(_url(session, "documents/programme/generer/"), follow=True)
    assert "Ce document est déjà en cours de génération" in response.content.decode()
    with schema_context("org_alpha"):
        job = DocumentJob.objects.get()
        assert services.document_jobs_lost() == []  # queued a moment ago: not lost yet
        DocumentJob.objects.filter(pk=job.pk).update(
            queued_at=timezone.now() - timedelta(minutes=2)
        )
    assert document_jobs_sweep_task.apply().get() == 1
    with schema_context("org_alpha"):
        job.refresh_from_db()
        assert (job.status, job.attempts, job.documents) == ("done", 1, 1)
        # A late duplicate of the message renders nothing more.
        assert services.document_job_run(job_pk=job.pk, organisation=world.org_a) == "not ours"
        assert GeneratedDocument.objects.filter(kind="programme").count() == 1
    page = client.get(_url(session, "documents/")).content.decode()
    assert 'hx-trigger="every 2s"' not in page


def test_a_lost_e_mail_is_sent_by_the_sweep_once(client, world, generate):
    from session_documents.tasks import document_jobs_sweep_task

    session = _session(world, starts_on=timezone.localdate() + timedelta(days=5))
    _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    client.force_login(world.referent_a)
    generate(session, "convocation")
    # The message to the worker is lost (on_commit not executed here).
    client.post(_url(session, "documents/convocation/envoyer/"))
    mail.outbox.clear()
    with schema_context("org_alpha"):
        Dispatch.objects.update(queued_at=timezone.now() - timedelta(minutes=2))
    assert document_jobs_sweep_task.apply().get() == 1
    assert [m.to for m in mail.outbox] == [["lea@example.fr"]]
    assert document_jobs_sweep_task.apply().get() == 0
    with schema_context("org_alpha"):
        assert Dispatch.objects.get().state == "sent"
