"""Render a session's documents from the organisation's templates, keep each rendering as a
version of one evidence item, file it where the funding plan expects it, date the learners'
journeys, and send documents to learners by e-mail (one message each, once)."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from evidence import services as evidence_services
from financing import selectors as financing_selectors
from financing import services as financing_services
from learners import selectors as learner_selectors
from learners import services as learner_services
from learners.models import Enrolment
from qualiopi_portal.core.pdf import render_pdf
from qualiopi_portal.core.queue import queue_task_after_commit
from qualiopi_portal.core.tenants import current_schema_name
from qualiopi_portal.tenancy.models import Organisation
from training_offers.models import Session

from . import wording
from .models import Dispatch, DocumentJob, DocumentTemplate, GeneratedDocument, Kind

logger = logging.getLogger("qualiopi.documents")

# The indicators each document proves (none for the financers' pieces).
INDICATORS: dict[str, list[int]] = {
    Kind.CONVOCATION: [9],
    Kind.AGREEMENT: [],
    Kind.PROGRAMME: [6],
    Kind.ATTESTATION: [11],
    Kind.CERTIFICATE: [],
    Kind.ATTENDANCE_SHEET: [],
}
EVIDENCE_KIND: dict[str, str] = {
    Kind.CONVOCATION: "record",
    Kind.AGREEMENT: "contract",
    Kind.PROGRAMME: "published",
    Kind.ATTESTATION: "record",
    Kind.CERTIFICATE: "record",
    Kind.ATTENDANCE_SHEET: "record",
}
# Where the funding plan expects it (financing's catalogue keys), "{line}" for one financer.
FUNDING_KEYS: dict[str, str] = {
    Kind.AGREEMENT: "training_agreement",
    Kind.ATTENDANCE_SHEET: "attendance_sheets",
    Kind.CERTIFICATE: "completion_certificate:{line}",
}
# The journey step a document completes when it is rendered, or when it is sent.
STEP_WHEN_RENDERED: dict[str, str] = {
    Kind.ATTESTATION: "attestation",
    Kind.CERTIFICATE: "certificate",
}
STEP_WHEN_SENT: dict[str, str] = {Kind.CONVOCATION: "convocation"}
SENDABLE = (Kind.CONVOCATION, Kind.ATTESTATION)
# Who each per-learner document is for.
STATUSES: dict[str, tuple[str, ...]] = {
    Kind.CONVOCATION: (Enrolment.Status.ENROLLED, Enrolment.Status.IN_TRAINING),
    Kind.AGREEMENT: (
        Enrolment.Status.ENROLLED,
        Enrolment.Status.IN_TRAINING,
        Enrolment.Status.COMPLETED,
    ),
    Kind.ATTESTATION: (Enrolment.Status.COMPLETED, Enrolment.Status.DROPPED_OUT),
    Kind.CERTIFICATE: (
        Enrolment.Status.IN_TRAINING,
        Enrolment.Status.COMPLETED,
        Enrolment.Status.DROPPED_OUT,
    ),
}


def template_for(kind: str, organisation: Organisation) -> dict[str, str]:
    """The organisation's wording of a document, the portal's default where it kept none."""
    row = DocumentTemplate.objects.filter(kind=kind).first()
    default = wording.DEFAULTS[kind]
    letterhead = (
        f"{organisation.name}\nSIRET {organisation.siret} — "
        f"{_('déclaration d’activité n°')} {organisation.nda}"
    )
    return {
        "letterhead": (row.letterhead if row and row.letterhead else letterhead),
        "body": (row.body if row and row.body else str(default["body"])),
        "closing": (row.closing if row and row.closing else str(default["closing"])),
        "signatory": (row.signatory if row else ""),
    }


def template_save(*, kind: str, data: dict[str, str], actor: Any) -> DocumentTemplate:
    """Keep the organisation's wording; a field in braces the portal does not know is refused."""
    errors = {}
    for name in ("letterhead", "body", "closing"):
        try:
            wording.check(data.get(name, ""))
        except wording.WordingError as error:
            errors[name] = _(
                "Champ inconnu ou mal écrit : %(fields)s. Champs possibles : %(known)s."
            ) % {
                "fields": error,
                "known": ", ".join("{" + field + "}" for field in wording.FIELDS),
            }
    if errors:
        raise ValidationError(errors)
    row, _created = DocumentTemplate.objects.update_or_create(
        kind=kind,
        defaults={
            "letterhead": data.get("letterhead", "").strip(),
            "body": data.get("body", "").strip(),
            "closing": data.get("closing", "").strip(),
            "signatory": data.get("signatory", "").strip()[:200],
            "updated_by": actor,
        },
    )
    return row


@dataclass
class Page:
    enrolment: Enrolment | None
    body: str
    closing: str
    hours: Decimal


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


def _values(session: Session, organisation: Organisation, enrolment: Enrolment | None, hours):
    learner = enrolment.learner if enrolment else None
    return {
        "apprenant": str(learner) if learner else "",
        "employeur": (learner.employer if learner and learner.employer else _("l'employeur")),
        "formation": session.offer.title,
        "debut": date_format(session.starts_on, "j F Y"),
        "fin": date_format(session.ends_on, "j F Y"),
        "lieu": _("à distance") if session.is_remote else (session.place or "—"),
        "duree": f"{session.offer.duration_hours.normalize():f}".replace(".", ",")
        if session.offer.duration_hours
        else "—",
        "heures": f"{hours:f}".replace(".", ","),
        "organisme": organisation.name,
    }


def _groups(session: Session, kind: str) -> list[tuple[Any, list[Enrolment]]]:
    """(funding line or None, the enrolments a document is for), one group per document."""
    if kind in (Kind.PROGRAMME, Kind.ATTENDANCE_SHEET):
        return [(None, [])]
    enrolments = [e for e in learner_selectors.enrolments_of(session) if e.status in STATUSES[kind]]
    if kind != Kind.CERTIFICATE:
        return [(None, enrolments)] if enrolments else []
    by_line: dict[int, tuple[Any, list[Enrolment]]] = {}
    for enrolment in enrolments:
        line = enrolment.funding_line
        if line is not None:
            by_line.setdefault(line.pk, (line, []))[1].append(enrolment)
    return [by_line[pk] for pk in sorted(by_line)]


def render(
    *,
    organisation: Organisation,
    session: Session,
    kind: str,
    enrolments: list[Enrolment],
    funding_line: Any = None,
) -> bytes:
    """The PDF of one document for the given learners (one page each)."""
    if kind == Kind.ATTENDANCE_SHEET:
        return learner_services.attendance_sheet_pdf(organisation=organisation, session=session)
    template = template_for(kind, organisation)
    minutes = {}
    if kind in (Kind.ATTESTATION, Kind.CERTIFICATE, Kind.AGREEMENT):
        minutes = {
            row.enrolment.pk: row.attended_minutes
            for row in learner_selectors.attendance_grid(session).rows
        }
    pages = []
    everyone: list[Enrolment | None] = list(enrolments) or [None]
    for enrolment in everyone:
        hours = _hours(minutes.get(enrolment.pk, 0)) if enrolment else Decimal(0)
        values = _values(session, organisation, enrolment, hours)
        pages.append(
            Page(
                enrolment,
                wording.fill(template["body"], values),
                wording.fill(template["closing"], values),
                hours,
            )
        )
    pdf, _refused = render_pdf(
        f"session_documents/{kind}_pdf.html",
        {
            "organisation": organisation,
            "session": session,
            "offer": session.offer,
            "template": template,
            "letterhead": wording.fill(
                template["letterhead"], _values(session, organisation, None, 0)
            ),
            "pages": pages,
            "funding_line": funding_line,
            "today": timezone.localdate(),
        },
    )
    return pdf


def _title(kind: str, session: Session, funding_line: Any) -> str:
    label = str(Kind(kind).label)
    title = f"{label} — {session.offer.title} ({session.starts_on:%d/%m/%Y})"
    if funding_line is not None:
        title += f" — {funding_line.financer or funding_line.route_code}"
    return title


@transaction.atomic
def document_generate(
    *, organisation: Organisation, session: Session, kind: str, actor: Any
) -> list[GeneratedDocument]:
    """Render a document of the session (per financer for certificates), as a new version of
    its evidence item; file it where the funding plan expects it and date the journeys."""
    if kind not in Kind.values:
        raise ValidationError(_("Document inconnu."))
    groups = _groups(session, kind)
    if kind == Kind.ATTENDANCE_SHEET and not session.attendance_slots.exists():
        raise ValidationError(
            _("Aucune demi-journée n'est planifiée : planifiez l'émargement de la session d'abord.")
        )
    if not groups:
        raise ValidationError(
            _("Aucun·e apprenant·e n'est concerné·e par ce document pour l'instant.")
            if kind != Kind.CERTIFICATE
            else _(
                "Aucun·e apprenant·e n'est rattaché·e à une ligne de financement : le "
                "certificat de réalisation est établi pour le financeur."
            )
        )
    expected = financing_selectors.expected_keys(session)
    made = []
    with translation.override(settings.LANGUAGE_CODE):
        for line, enrolments in groups:
            previous = (
                GeneratedDocument.objects.filter(session=session, kind=kind, funding_line=line)
                .select_related("evidence")
                .first()
            )
            pdf = render(
                organisation=organisation,
                session=session,
                kind=kind,
                enrolments=enrolments,
                funding_line=line,
            )
            item, version = evidence_services.evidence_generated_store(
                item=previous.evidence if previous and not previous.evidence.is_archived else None,
                actor=actor,
                title=_title(kind, session, line),
                kind=EVIDENCE_KIND[kind],
                indicator_numbers=INDICATORS[kind],
                description=_("Document établi par le portail à partir de la session."),
                content=pdf,
                file_name=f"{kind}-session-{session.pk}{f'-{line.pk}' if line else ''}.pdf",
            )
            document = GeneratedDocument.objects.create(
                session=session,
                kind=kind,
                funding_line=line,
                evidence=item,
                version=version.number,
                enrolment_ids=[e.pk for e in enrolments],
                generated_by=actor,
            )
            key = FUNDING_KEYS.get(kind, "").format(line=line.pk if line else "")
            if key in expected:
                financing_services.document_link(
                    session=session, key=key, evidence=item, linked_by=actor
                )
            if kind in STEP_WHEN_RENDERED and enrolments:
                learner_services.milestones_record(
                    enrolments=enrolments,
                    kind=STEP_WHEN_RENDERED[kind],
                    done_on=timezone.localdate(),
                    evidence=item,
                    actor=actor,
                    organisation=organisation,
                )
            made.append(document)
    return made


def latest_documents(session: Session) -> dict[tuple[str, int | None], GeneratedDocument]:
    latest: dict[tuple[str, int | None], GeneratedDocument] = {}
    for document in (
        GeneratedDocument.objects.filter(session=session)
        .select_related("evidence", "funding_line", "generated_by")
        .order_by("generated_at", "pk")
    ):
        latest[(document.kind, document.funding_line_id)] = document
    return latest


@transaction.atomic
def dispatches_queue(*, session: Session, kind: str, actor: Any) -> list[Dispatch]:
    """E-mail the last rendering of a document to each of its learners who has not had it."""
    if kind not in SENDABLE:
        raise ValidationError(_("Ce document ne s'envoie pas aux apprenant·es."))
    document = GeneratedDocument.objects.filter(session=session, kind=kind).first()
    if document is None:
        raise ValidationError(_("Générez d'abord le document, puis envoyez-le."))
    already = set(
        Dispatch.objects.filter(enrolment__session=session, kind=kind).values_list(
            "enrolment_id", flat=True
        )
    )
    enrolments = Enrolment.objects.filter(pk__in=document.enrolment_ids).select_related("learner")
    queued = [
        Dispatch(
            enrolment=enrolment,
            kind=kind,
            document=document,
            email=enrolment.learner.email,
            queued_by=actor,
        )
        for enrolment in enrolments
        if enrolment.pk not in already
        and enrolment.learner.email
        and enrolment.learner.anonymised_at is None
    ]
    if not queued:
        raise ValidationError(
            _(
                "Personne à qui l'envoyer : chaque apprenant·e concerné·e l'a déjà reçu ou "
                "n'a pas d'adresse e-mail."
            )
        )
    created = Dispatch.objects.bulk_create(queued)
    schema = current_schema_name()
    for dispatch in created:
        queue_task_after_commit("session_documents.dispatch_send", args=[schema, dispatch.pk])
    return created


def dispatch_send(*, dispatch_pk: int, organisation: Organisation) -> str:
    """Send one queued message (current schema) and keep its state; a message already sent or
    refused is not sent again. A server that cannot be reached raises (the task retries)."""
    with transaction.atomic():
        dispatch = (
            Dispatch.objects.select_for_update(of=("self",))
            .select_related("enrolment__learner", "document__evidence", "document__session__offer")
            .filter(pk=dispatch_pk)
            .first()
        )
        if dispatch is None or dispatch.state != Dispatch.State.QUEUED:
            return dispatch.state if dispatch else "gone"
        session = dispatch.document.session
        with translation.override(settings.LANGUAGE_CODE):
            pdf = render(
                organisation=organisation,
                session=session,
                kind=dispatch.kind,
                enrolments=[dispatch.enrolment],
            )
            label = str(Kind(dispatch.kind).label)
            message = EmailMessage(
                subject=f"{label} — {session.offer.title}",
                body=_(
                    "Bonjour %(name)s,\n\nVous trouverez ci-joint votre document : %(label)s "
                    "pour la formation « %(offer)s » (du %(start)s au %(end)s).\n\n"
                    "%(organisation)s\n"
                )
                % {
                    "name": dispatch.enrolment.learner.first_name,
                    "label": label.lower(),
                    "offer": session.offer.title,
                    "start": date_format(session.starts_on, "SHORT_DATE_FORMAT"),
                    "end": date_format(session.ends_on, "SHORT_DATE_FORMAT"),
                    "organisation": organisation.name,
                },
                to=[dispatch.email],
            )
            message.attach(f"{dispatch.kind}.pdf", pdf, "application/pdf")
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as refused:
            dispatch.state = Dispatch.State.BOUNCED
            dispatch.error = str(refused)[:300]
            dispatch.save(update_fields=["state", "error"])
            return dispatch.state
        dispatch.state = Dispatch.State.SENT
        dispatch.sent_at = timezone.now()
        dispatch.save(update_fields=["state", "sent_at"])
        if dispatch.kind in STEP_WHEN_SENT:
            learner_services.milestones_record(
                enrolments=[dispatch.enrolment],
                kind=STEP_WHEN_SENT[dispatch.kind],
                done_on=timezone.localdate(),
                evidence=dispatch.document.evidence,
                actor=dispatch.queued_by,
                organisation=organisation,
            )
    return dispatch.state


# --- Jobs: rendering happens in a worker ---------------------------------------------------

# A job running for longer than this lost its worker (a rendering takes seconds).
JOB_STALE_AFTER = timedelta(minutes=10)
JOB_MAX_ATTEMPTS = 3


def document_request(*, session: Session, kind: str, actor: Any) -> DocumentJob:
    """Record the request and queue its rendering once committed; a second request for the
    same document while one is waiting is refused."""
    if kind not in Kind.values:
        raise ValidationError(_("Document inconnu."))
    try:
        with transaction.atomic():
            job = DocumentJob.objects.create(session=session, kind=kind, requested_by=actor)
    except IntegrityError:
        raise ValidationError(
            _("Ce document est déjà en cours de génération : il sera prêt dans un instant.")
        ) from None
    schema = current_schema_name()
    queue_task_after_commit("session_documents.document_job_run", args=[schema, job.pk])
    return job


def document_job_run(*, job_pk: int, organisation: Organisation) -> str:
    """Claim the job (queued, or running past JOB_STALE_AFTER: its worker is gone) and render
    (current schema). Two deliveries of one message agree on one renderer (row lock)."""
    stale = timezone.now() - JOB_STALE_AFTER
    with transaction.atomic():
        job = (
            DocumentJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("session__offer", "requested_by")
            .filter(
                Q(status=DocumentJob.Status.QUEUED)
                | Q(status=DocumentJob.Status.RUNNING, started_at__lt=stale),
                pk=job_pk,
            )
            .first()
        )
        if job is None:
            return "not ours"
        job.attempts += 1
        if job.attempts > JOB_MAX_ATTEMPTS:
            job.status = DocumentJob.Status.FAILED
            job.error = _("La génération a été interrompue plusieurs fois ; demandez-la à nouveau.")
            job.finished_at = timezone.now()
            job.save(update_fields=["attempts", "status", "error", "finished_at"])
            return job.status
        job.status = DocumentJob.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["attempts", "status", "started_at"])
    try:
        made = document_generate(
            organisation=organisation, session=job.session, kind=job.kind, actor=job.requested_by
        )
    except ValidationError as refused:
        job.status, job.error = DocumentJob.Status.FAILED, " ".join(refused.messages)[:500]
    except Exception:
        logger.exception("document job %s failed", job.pk)
        job.status = DocumentJob.Status.FAILED
        job.error = _("La génération a échoué ; réessayez, ou signalez-le si cela se reproduit.")
    else:
        job.status, job.documents = DocumentJob.Status.DONE, len(made)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "documents", "finished_at"])
    return job.status


def document_jobs_lost() -> list[int]:
    """The jobs whose message was lost (queued for a minute, or running past the stale limit)
    of the current schema, to queue again; claiming keeps a duplicate from rendering twice."""
    now = timezone.now()
    return list(
        DocumentJob.objects.filter(
            Q(status=DocumentJob.Status.QUEUED, queued_at__lt=now - timedelta(minutes=1))
            | Q(status=DocumentJob.Status.RUNNING, started_at__lt=now - JOB_STALE_AFTER)
        ).values_list("pk", flat=True)
    )


def dispatches_lost() -> list[int]:
    """E-mails still queued a minute after they were asked (current schema)."""
    since = timezone.now() - timedelta(minutes=1)
    return list(
        Dispatch.objects.filter(state=Dispatch.State.QUEUED, queued_at__lt=since).values_list(
            "pk", flat=True
        )
    )


def latest_jobs(session: Session) -> dict[str, DocumentJob]:
    """Per kind, the session's last job (what the documents page says of each)."""
    latest: dict[str, DocumentJob] = {}
    for job in DocumentJob.objects.filter(session=session).order_by("queued_at", "pk"):
        latest[job.kind] = job
    return latest


# --- A learner's personal data (learners.signals) --------------------------------------------


def learner_sections(*, learner: Any, **_signal: Any) -> dict[str, Any]:
    """The documents e-mailed to a learner, with the address used and what became of them."""
    return {
        "documents_sent": [
            {
                "document": dispatch.kind,
                "email": dispatch.email,
                "state": dispatch.state,
                "sent_at": dispatch.sent_at.isoformat() if dispatch.sent_at else None,
            }
            for dispatch in Dispatch.objects.filter(enrolment__learner=learner).order_by("pk")
        ]
    }


def learner_erase(*, learner: Any, **_signal: Any) -> None:
    """No address left on the messages sent to the learner (their state and dates stay)."""
    Dispatch.objects.filter(enrolment__learner=learner).update(email="")
