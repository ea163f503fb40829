"""Writes of surveys: the ready-made questionnaires and their new versions, the stakeholder
contacts, invitations made by a manager or by the daily schedule and sent by the worker (one
message per person, once) or opened from the room's QR code, answers taken from a personal link
(once, before it expires) or imported from a file (all lines or none), the summary of each
closed campaign in the evidence library, and free-text answers turned into actions of the plan
de progrès."""

from __future__ import annotations

import logging
import secrets
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, Max, Min, Q, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from evidence import services as evidence_services
from evidence.models import Kind as EvidenceKind
from improvement import services as improvement_services
from improvement.models import Action
from indicators.referential import selectors as referential
from learners.models import Enrolment, SessionTrainer
from learners.services import ROOM_CODE_ALPHABET, ROOM_CODE_LENGTH
from qualiopi_portal.core.dates import add_months
from qualiopi_portal.core.pdf import render_pdf
from qualiopi_portal.core.queue import queue_task_after_commit
from qualiopi_portal.core.services import audit_event_record
from qualiopi_portal.core.signals import readiness_changed
from qualiopi_portal.core.tenants import current_schema_name
from qualiopi_portal.core.text import fold
from qualiopi_portal.core.tokens import new_token, token_hash
from qualiopi_portal.tenancy.models import ActionCategory, Membership, Organisation, Role
from qualiopi_portal.tenancy.selectors import member_user_ids
from qualiopi_portal.tenancy.shortcuts import organisation_url
from training_offers.models import Session

from . import answers, editing, imports, selectors, summary
from .models import (
    Answer,
    CampaignSummary,
    CampaignSummaryNotice,
    Invitation,
    Question,
    Questionnaire,
    Response,
    RoomCode,
    Stakeholder,
)

logger = logging.getLogger("qualiopi.surveys")


FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "surveys" / "questionnaires.yaml"
# How long a personal link to answer stays valid (the portal's default, no rule).
LINK_DAYS = 30
# Who is asked at the end of a session, and for the cold appraisal.
ASKED_STATUSES = (Enrolment.Status.IN_TRAINING, Enrolment.Status.COMPLETED)
# Financers and the teaching team are asked once every this many months (the portal's
# default). One round per calendar year is then all the database allows (round_year).
YEARLY_MONTHS = 12
YEARLY = {
    Questionnaire.Kind.FINANCER: Questionnaire.Audience.FINANCER,
    Questionnaire.Kind.TEACHING_TEAM: Questionnaire.Audience.TEACHING_TEAM,
}
# First key of the PostgreSQL advisory lock serialising who writes an organisation's
# invitations (the schedule, a manager's button); the second is the schema's hash.
INVITATIONS_LOCK_NAMESPACE = 0x53555256  # "SURV"
# The messages of a batch of invitations are queued once it commits; the lost-message sweep
# leaves alone a row queued less than this long ago (invitations_lost).
QUEUE_GRACE = timedelta(seconds=30)
# Invitations still waiting to be sent (their address not refused), to a contact still listed.
SENDABLE = Q(sent_at__isnull=True, answered_at__isnull=True, send_error="") & (
    Q(stakeholder__isnull=True) | Q(stakeholder__archived_at__isnull=True)
)


def ready_made() -> list[dict[str, Any]]:
    """The ready-made questionnaires of fixtures/surveys/questionnaires.yaml."""
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    return list(data["questionnaires"])


@transaction.atomic
def questionnaires_install(*, actor: Any = None) -> list[Questionnaire]:
    """Give the organisation the ready-made questionnaires it does not have yet (by code)."""
    have = set(Questionnaire.objects.values_list("code", flat=True))
    made = []
    for spec in ready_made():
        if spec["code"] in have:
            continue
        questionnaire = Questionnaire.objects.create(
            code=spec["code"],
            kind=spec["kind"],
            title=spec["title"],
            audience=spec["audience"],
            anonymous=bool(spec.get("anonymous")),
            indicator_numbers=list(spec.get("indicators", [])),
            intro=spec.get("intro", ""),
            source=spec.get("source", ""),
            created_by=actor,
        )
        Question.objects.bulk_create(
            Question(
                questionnaire=questionnaire,
                position=position,
                code=question["code"],
                label=question["label"],
                type=question["type"],
                required=bool(question.get("required")),
                role=question.get("role", "") or "",
                choices=list(question.get("choices") or []),
            )
            for position, question in enumerate(spec["questions"])
        )
        made.append(questionnaire)
    return made


def current(kind: str) -> Questionnaire | None:
    return Questionnaire.objects.filter(kind=kind, is_current=True).order_by("pk").first()


def end_of_session_kinds(session: Session) -> list[str]:
    """What is asked at the end of a session: satisfaction, and for apprenticeship the
    apprentices' evaluation of contents and teaching (V10 indicator 33)."""
    kinds: list[str] = [Questionnaire.Kind.SATISFACTION_HOT]
    if session.offer.category == ActionCategory.APPRENTICESHIP:
        kinds.append(Questionnaire.Kind.APPRENTICE_EVALUATION)
    return kinds


def _invitations_lock() -> None:
    """Wait for whoever else is making this organisation's invitations (released at commit):
    two runs at once would both see the same person not asked yet. A killed worker's session
    ends, and its lock with it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            [INVITATIONS_LOCK_NAMESPACE, current_schema_name()],
        )


@dataclass(frozen=True)
class _Recipient:
    email: str
    name: str
    enrolment: Enrolment | None = None
    stakeholder: Stakeholder | None = None


def _learners_not_asked(session: Session, questionnaire: Questionnaire) -> list[_Recipient]:
    """The session's learners who followed it, have an address, are not anonymised and were
    not asked this questionnaire (any version) for this session."""
    asked = set(
        Invitation.objects.filter(questionnaire__code=questionnaire.code, session=session)
        .exclude(enrolment=None)
        .values_list("enrolment_id", flat=True)
    )
    return [
        _Recipient(email=enrolment.learner.email, name=str(enrolment.learner), enrolment=enrolment)
        for enrolment in session.enrolments.filter(status__in=ASKED_STATUSES).select_related(
            "learner"
        )
        if enrolment.pk not in asked
        and enrolment.learner.email
        and enrolment.learner.anonymised_at is None
    ]


def _invite(
    questionnaire: Questionnaire,
    recipients: list[_Recipient],
    *,
    session: Session | None,
    actor: Any,
    now: datetime,
    round_year: int | None = None,
) -> list[Invitation]:
    """One invitation per recipient, e-mailed by the worker after commit (the one writer of
    invitations: the manager's button and the schedule)."""
    if not recipients:
        return []
    expires = now + timedelta(days=LINK_DAYS)
    created = Invitation.objects.bulk_create(
        Invitation(
            questionnaire=questionnaire,
            session=session,
            enrolment=recipient.enrolment,
            stakeholder=recipient.stakeholder,
            round_year=round_year,
            email=recipient.email,
            name=recipient.name,
            # A hash of nothing anyone holds: the worker makes the link it sends.
            token_hash=new_token()[1],
            created_by=actor,
            expires_at=expires,
        )
        for recipient in recipients
    )
    schema = current_schema_name()
    for invitation in created:
        queue_task_after_commit("surveys.invitation_send", args=[schema, invitation.pk])
    if session is not None:
        session_survey_figures_sync(session)  # who was asked: the response rate's base
    return created


@transaction.atomic
def invitations_for_session(
    *, session: Session, questionnaire: Questionnaire, actor: Any, now: datetime | None = None
) -> list[Invitation]:
    """Ask each learner of the session who has an address and has not been asked: one
    invitation each, e-mailed by the worker after commit."""
    now = now or timezone.now()
    if session.ends_on > timezone.localdate(now):
        raise ValidationError(
            _("L'enquête de fin de session part le dernier jour de la session, pas avant.")
        )
    _invitations_lock()
    recipients = _learners_not_asked(session, questionnaire)
    if not recipients:
        raise ValidationError(
            _(
                "Personne à interroger : chaque apprenant·e a déjà reçu ce questionnaire, "
                "n'a pas d'adresse e-mail, ou n'a pas suivi la session."
            )
        )
    return _invite(questionnaire, recipients, session=session, actor=actor, now=now)


# --- The schedule (beat, daily: surveys.schedule_all_task) ----------------------------------


def hot_window(today: date) -> tuple[date, date]:
    """The last days of the sessions whose end-of-session questionnaires the schedule sends
    today: from the day after the last day, for SURVEY_HOT_WINDOW_DAYS days."""
    return today - timedelta(days=settings.SURVEY_HOT_WINDOW_DAYS), today - timedelta(days=1)


def cold_window(today: date) -> tuple[date, date]:
    """The last days of the sessions whose cold appraisal is due today: SURVEY_COLD_DAYS after
    the last day, caught up during SURVEY_COLD_WINDOW_DAYS (a missed day is not lost, an old
    session is not surveyed)."""
    latest = today - timedelta(days=settings.SURVEY_COLD_DAYS)
    return latest - timedelta(days=settings.SURVEY_COLD_WINDOW_DAYS - 1), latest


def _employers_not_asked(
    session: Session, questionnaire: Questionnaire, employers: dict[str, list[Stakeholder]]
) -> list[_Recipient]:
    """The active employer contacts whose company is the employer of one of the session's
    learners (compared without case, accents or extra spaces), not asked yet for it."""
    names = {
        fold(employer)
        for employer in session.enrolments.filter(status__in=ASKED_STATUSES)
        .exclude(learner__employer="")
        .values_list("learner__employer", flat=True)
    }
    asked = set(
        Invitation.objects.filter(
            questionnaire__code=questionnaire.code, session=session, stakeholder__isnull=False
        ).values_list("stakeholder_id", flat=True)
    )
    return [
        _Recipient(email=contact.email, name=contact.name, stakeholder=contact)
        for name in sorted(names)
        for contact in employers.get(name, [])
        if contact.pk not in asked
    ]


def _yearly_not_asked(
    questionnaire: Questionnaire, audience: str, now: datetime
) -> list[_Recipient]:
    """The active contacts of the audience asked no questionnaire of this kind (any version)
    in the last YEARLY_MONTHS months."""
    since = add_months(now, -YEARLY_MONTHS)
    asked = set(
        Invitation.objects.filter(
            questionnaire__kind=questionnaire.kind,
            stakeholder__isnull=False,
            created_at__gt=since,
        ).values_list("stakeholder_id", flat=True)
    )
    return [
        _Recipient(email=contact.email, name=contact.name, stakeholder=contact)
        for contact in Stakeholder.objects.filter(audience=audience, archived_at__isnull=True)
        .exclude(pk__in=asked)
        .order_by("pk")
    ]


@transaction.atomic
def invitations_schedule(*, now: datetime | None = None) -> list[Invitation]:
    """Make today's owed invitations (current schema), each sent by the worker after commit:

    - the end-of-session questionnaires to the learners of the sessions ended in the last
      SURVEY_HOT_WINDOW_DAYS days who were not asked (the manager's button may have been first);
    - the cold appraisal SURVEY_COLD_DAYS after a session's end: to its learners, and to the
      employer contacts of their companies;
    - the financers' and the teaching team's appraisals to each contact not asked in the last
      12 months.

    A questionnaire the organisation has not installed is skipped. Idempotent: a second run
    finds everyone asked (the lock serialises two runs; the constraints hold the rest)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    _invitations_lock()
    currents: dict[str, Questionnaire | None] = {}

    def questionnaire_of(kind: str) -> Questionnaire | None:
        if kind not in currents:
            currents[kind] = current(kind)
        return currents[kind]

    created: list[Invitation] = []
    first, last = hot_window(today)
    for session in Session.objects.filter(ends_on__range=(first, last)).select_related("offer"):
        for kind in end_of_session_kinds(session):
            questionnaire = questionnaire_of(kind)
            if questionnaire is not None:
                created += _invite(
                    questionnaire,
                    _learners_not_asked(session, questionnaire),
                    session=session,
                    actor=None,
                    now=now,
                )
    learners_cold = questionnaire_of(Questionnaire.Kind.APPRAISAL_COLD)
    employers_cold = questionnaire_of(Questionnaire.Kind.APPRAISAL_COLD_EMPLOYER)
    employers: dict[str, list[Stakeholder]] = {}
    if employers_cold is not None:
        for contact in Stakeholder.objects.filter(
            audience=Questionnaire.Audience.EMPLOYER, archived_at__isnull=True
        ).order_by("pk"):
            employers.setdefault(fold(contact.organisation_name), []).append(contact)
    first, last = cold_window(today)
    for session in Session.objects.filter(ends_on__range=(first, last)):
        if learners_cold is not None:
            created += _invite(
                learners_cold,
                _learners_not_asked(session, learners_cold),
                session=session,
                actor=None,
                now=now,
            )
        if employers_cold is not None and employers:
            created += _invite(
                employers_cold,
                _employers_not_asked(session, employers_cold, employers),
                session=session,
                actor=None,
                now=now,
            )
    for kind, audience in YEARLY.items():
        questionnaire = questionnaire_of(kind)
        if questionnaire is not None:
            created += _invite(
                questionnaire,
                _yearly_not_asked(questionnaire, audience, now),
                session=None,
                actor=None,
                now=now,
                round_year=today.year,
            )
    return created


# --- Stakeholder contacts --------------------------------------------------------------------


def stakeholder_create(
    *, audience: str, organisation_name: str, name: str, email: str, actor: Any
) -> Stakeholder:
    """Add a contact; the same address twice in one audience (among active contacts) is
    refused, in French, and nothing is stored."""
    organisation_name, name, email = (
        organisation_name.strip(),
        name.strip(),
        email.strip(),
    )
    errors: dict[str, str] = {}
    if audience not in Stakeholder.AUDIENCES:
        errors["audience"] = _("Choisissez un public parmi ceux proposés.")
    if not name:
        errors["name"] = _("Indiquez le nom de la personne.")
    if audience in (Questionnaire.Audience.EMPLOYER, Questionnaire.Audience.FINANCER) and (
        not organisation_name
    ):
        errors["organisation_name"] = _("Indiquez l'entreprise ou le financeur.")
    try:
        Stakeholder._meta.get_field("email").run_validators(email)
    except ValidationError:
        errors["email"] = _("Saisissez une adresse e-mail valide.")
    if not email:
        errors["email"] = _("Indiquez l'adresse e-mail de la personne.")
    duplicate = _("Ce contact est déjà dans la liste pour ce public (même adresse e-mail).")
    if "email" not in errors and (
        Stakeholder.objects.filter(
            audience=audience, email__iexact=email, archived_at__isnull=True
        ).exists()
    ):
        errors["email"] = duplicate
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return Stakeholder.objects.create(
                audience=audience,
                organisation_name=organisation_name,
                name=name,
                email=email,
                created_by=actor,
            )
    except IntegrityError:  # added meanwhile by someone else
        raise ValidationError({"email": duplicate}) from None


def stakeholder_archive(*, stakeholder: Stakeholder, now: datetime | None = None) -> Stakeholder:
    """The contact is asked nothing more, reminded of nothing; their answers stay."""
    if stakeholder.archived_at is None:
        stakeholder.archived_at = now or timezone.now()
        stakeholder.save(update_fields=["archived_at"])
    return stakeholder


@transaction.atomic
def stakeholders_from_trainers(*, actor: Any, today: date | None = None) -> list[Stakeholder]:
    """The trainers of the sessions held in the last 12 months become teaching-team contacts,
    unless their address is already listed for the teaching team (archived contacts included:
    someone archived on purpose does not come back)."""
    today = today or timezone.localdate()
    since = add_months(today, -12)
    listed = {
        email.lower()
        for email in Stakeholder.objects.filter(
            audience=Questionnaire.Audience.TEACHING_TEAM
        ).values_list("email", flat=True)
    }
    made: list[Stakeholder] = []
    links = (
        SessionTrainer.objects.filter(session__ends_on__gte=since, session__starts_on__lte=today)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    )
    for link in links:
        email = link.user.email.strip()
        if email.lower() in listed:
            continue
        listed.add(email.lower())
        made.append(
            Stakeholder.objects.create(
                audience=Questionnaire.Audience.TEACHING_TEAM,
                name=link.user.get_full_name() or email,
                email=email,
                created_by=actor,
            )
        )
    return made


def _message(
    invitation: Invitation, organisation: Organisation, url: str, *, reminder: bool
) -> tuple[str, str]:
    """Subject and body of an invitation (or of its reminder), in the portal's language."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = (
            _("[%(organisation)s] Rappel — votre avis : %(title)s")
            if reminder
            else _("[%(organisation)s] Votre avis : %(title)s")
        ) % {"organisation": organisation.name, "title": invitation.questionnaire.title}
        about = (
            _(" sur la formation « %(offer)s »") % {"offer": invitation.session.offer.title}
            if invitation.session
            else ""
        )
        body = _(
            "Bonjour %(name)s,\n\nMerci de nous donner votre avis%(about)s : quelques "
            "minutes suffisent, sur votre téléphone. %(anonymity)s\n\n%(url)s\n\nCe lien "
            "personnel sert une fois et expire le %(day)s.\n\n%(organisation)s\n"
        ) % {
            "name": invitation.name,
            "about": about,
            "anonymity": _("Vos réponses sont anonymes.")
            if invitation.questionnaire.anonymous
            else _("Vos réponses sont lues par l'équipe qualité de l'organisme."),
            "url": url,
            "day": timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y"),
            "organisation": organisation.name,
        }
        if reminder:
            body += _("\nPour ne plus recevoir de rappel pour ce questionnaire : %(stop)s\n") % {
                "stop": url + "stop/"
            }
    return subject, body


def _new_token(invitation: Invitation) -> str:
    """A fresh token for the invitation; the earlier links keep working (their hashes are
    kept), except the placeholder of an invitation never sent, which nobody holds."""
    token, hashed = new_token()
    if invitation.sent_at is not None:
        invitation.old_token_hashes = [*invitation.old_token_hashes, invitation.token_hash]
    invitation.token_hash = hashed
    return token


def _new_link(invitation: Invitation, organisation: Organisation) -> str:
    """A fresh link for this message; the earlier ones keep working (their hashes are kept)."""
    token = _new_token(invitation)
    return settings.PORTAL_URL.rstrip("/") + reverse(
        "survey_answer", kwargs={"slug": organisation.slug, "token": token}
    )


def invitation_send(*, invitation_pk: int, organisation: Organisation) -> bool:
    """E-mail one invitation once (current schema): its link is made here, only its hash kept;
    a redelivered task finds it sent and sends nothing.

    The row is locked, marked sent, then the message goes and the transaction commits: a
    second delivery waits for the lock and finds it sent; a mail server that fails rolls the
    mark back (the task retries). Only a worker killed after the server took the message and
    before the commit reached PostgreSQL leaves it unsent, to be sent again by the sweep."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("questionnaire", "session__offer")
            .filter(SENDABLE, pk=invitation_pk)
            .first()
        )
        if invitation is None:
            return False
        url = _new_link(invitation, organisation)
        subject, body = _message(invitation, organisation, url, reminder=False)
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["token_hash", "old_token_hashes", "sent_at"])
        try:
            send_mail(subject, body, None, [invitation.email], fail_silently=False)
        except smtplib.SMTPRecipientsRefused as refused:
            # The address itself is refused: trying again would give the same answer.
            invitation.sent_at = None
            invitation.send_error = str(refused)[:300]
            invitation.save(update_fields=["sent_at", "send_error"])
            return False
    return True


def invitations_lost(*, before: datetime, now: datetime | None = None) -> list[int]:
    """Unsent invitations whose last message was queued before `before` (the sweep's barrier:
    every message queued earlier has been taken by a worker) and that no worker is sending now:
    their message was lost (current schema). Each is marked queued again, so the barriers
    still waiting do not queue it once more.

    A batch's messages are queued after its transaction commits, which takes seconds for
    thousands: a row marked less than QUEUE_GRACE ago may still be waiting for its first
    message, and is left to it."""
    now = now or timezone.now()
    with transaction.atomic():
        pks = list(
            Invitation.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(SENDABLE, queued_at__lt=min(before, now - QUEUE_GRACE))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Invitation.objects.filter(pk__in=pks).update(queued_at=now)
    return pks


def _reminder_owed(now: datetime) -> Q:
    """Sent, unanswered, not expired, not stopped, fewer than SURVEY_REMINDERS sent, the last
    message SURVEY_REMINDER_DAYS old: the one condition listing and sending both read."""
    last = now - timedelta(days=settings.SURVEY_REMINDER_DAYS)
    return (
        Q(
            sent_at__isnull=False,
            answered_at__isnull=True,
            opted_out_at__isnull=True,
            expires_at__gt=now,
            reminders_sent__lt=settings.SURVEY_REMINDERS,
        )
        & (Q(last_reminded_at__lte=last) | Q(last_reminded_at__isnull=True, sent_at__lte=last))
        & (Q(stakeholder__isnull=True) | Q(stakeholder__archived_at__isnull=True))
    )


def reminders_due(*, now: datetime | None = None) -> list[int]:
    """The invitations owed a reminder now (current schema)."""
    return list(
        Invitation.objects.filter(_reminder_owed(now or timezone.now())).values_list(
            "pk", flat=True
        )
    )


def reminder_send(
    *, invitation_pk: int, organisation: Organisation, now: datetime | None = None
) -> bool:
    """One reminder, if still owed when the row is locked: never twice for one step, never
    after an answer, never to someone who asked to stop."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("questionnaire", "session__offer")
            .filter(_reminder_owed(now), pk=invitation_pk)
            .first()
        )
        if invitation is None:
            return False
        url = _new_link(invitation, organisation)
        subject, body = _message(invitation, organisation, url, reminder=True)
        invitation.reminders_sent += 1
        invitation.last_reminded_at = now
        invitation.save(
            update_fields=["token_hash", "old_token_hashes", "reminders_sent", "last_reminded_at"]
        )
        # Last, as for the invitation: after the message only the commit remains.
        send_mail(subject, body, None, [invitation.email], fail_silently=False)
    return True


def invitation_stop(*, token: str, now: datetime | None = None) -> Invitation:
    """The person asks for no more reminders (the link stays usable to answer)."""
    invitation = invitation_by_token(token)
    if invitation.opted_out_at is None:
        invitation.opted_out_at = now or timezone.now()
        invitation.save(update_fields=["opted_out_at"])
    return invitation


def invitation_by_token(token: str) -> Invitation:
    hashed = token_hash(token)
    invitation = (
        Invitation.objects.select_related("questionnaire", "session__offer")
        .filter(Q(token_hash=hashed) | Q(old_token_hashes__contains=[hashed]))
        .first()
    )
    if invitation is None:
        raise LookupError(token)
    return invitation


class SurveyRefused(Exception):
    """Why a link cannot take answers, in French for the respondent."""


def invitation_for(token: str, now: datetime | None = None) -> Invitation:
    """The invitation a link opens (current schema); LookupError if unknown."""
    now = now or timezone.now()
    invitation = invitation_by_token(token)
    if invitation.answered_at is not None:
        raise SurveyRefused(_("Vous avez déjà répondu à ce questionnaire. Merci !"))
    if now >= invitation.expires_at:
        raise SurveyRefused(_("Ce lien a expiré : le questionnaire n'attend plus de réponse."))
    return invitation


def specs(questions: list[Question]) -> list[answers.QuestionSpec]:
    return [
        answers.QuestionSpec(
            q.code,
            q.type,
            q.required,
            tuple(choice["code"] for choice in q.choices or []),
        )
        for q in questions
    ]


def _answer_of(response: Response, question: Question, value: answers.Value) -> Answer:
    """One checked answer, ready to store (from a link or a file alike)."""
    return Answer(
        response=response,
        question=question,
        number=value.number,
        text=value.text,
        choices=list(value.choices),
    )


@dataclass
class Refused(Exception):
    errors: dict[str, str]


@transaction.atomic
def answer_submit(
    *, token: str, raw: dict[str, list[str]], now: datetime | None = None
) -> Response:
    """Keep a respondent's answers, all of them or none; the link then answers no more.

    For an anonymous questionnaire the answers are not tied to the invitation: the portal knows
    who answered, not what they said."""
    invitation = invitation_for(token, now)
    invitation = Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
    if invitation.answered_at is not None:
        raise SurveyRefused(_("Vous avez déjà répondu à ce questionnaire. Merci !"))
    questionnaire = invitation.questionnaire
    listed = list(questionnaire.questions.all())
    questions = {q.code: q for q in listed}
    checked = answers.check(specs(listed), raw)
    if checked.errors:
        raise Refused(checked.errors)
    response = Response.objects.create(
        questionnaire=questionnaire,
        invitation=None if questionnaire.anonymous else invitation,
        session=invitation.session,
    )
    if questionnaire.anonymous:
        # The day only: the time of an anonymous answer next to the invitation's would say
        # who gave it.
        day = timezone.localtime(response.submitted_at).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        Response.objects.filter(pk=response.pk).update(submitted_at=day)
    Answer.objects.bulk_create(
        _answer_of(response, questions[code], value) for code, value in checked.values.items()
    )
    invitation.answered_at = now or timezone.now()
    invitation.save(update_fields=["answered_at"])
    if invitation.session is not None:
        session_survey_figures_sync(invitation.session)
        campaign = selectors.campaign_get(
            session_id=invitation.session.pk, questionnaire_id=questionnaire.pk, now=now
        )
        if campaign is not None and campaign.is_closed:
            # The last awaited answer closes the campaign: its summary now, not tonight.
            queue_task_after_commit(
                "surveys.campaign_summary_task",
                args=[current_schema_name(), invitation.session.pk, questionnaire.pk],
            )
    readiness_changed("survey answered")
    return response


COLD_KINDS = (Questionnaire.Kind.APPRAISAL_COLD,)
# The situation answer that counts as « en emploi » in the insertion rate.
EMPLOYED = "employed"


def session_survey_figures_sync(session: Session) -> None:
    """The session's survey figures from its invitations and answers, under the session's row
    lock: the results published (indicator 2) then come from what respondents said.

    Satisfaction: the average of the answers to the questionnaire's satisfaction question, on
    10 (a 1–5 scale counts double); recommendation: the « oui » among the answers to the
    recommendation question; insertion: « en emploi » among the answers to the cold
    appraisal's situation question. Hot: the end-of-session questionnaire; cold: the learners'
    cold appraisal. Typed figures stay as they are while the session has no answer."""
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        rows = list(
            Answer.objects.filter(
                response__session=session,
                question__role__in=("satisfaction", "recommend", "employment"),
                question__questionnaire__kind__in=(
                    Questionnaire.Kind.SATISFACTION_HOT,
                    *COLD_KINDS,
                ),
            ).values_list(
                "question__questionnaire__kind",
                "question__role",
                "question__type",
                "number",
                "choices",
            )
        )
        asked = {
            kind: (invited, answered)
            for kind, invited, answered in Invitation.objects.filter(
                session=session,
                questionnaire__kind__in=(Questionnaire.Kind.SATISFACTION_HOT, *COLD_KINDS),
            )
            .values_list("questionnaire__kind")
            .annotate(
                invited=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False))
            )
        }
        figures: dict[str, list[float]] = {"hot": [], "cold": []}
        recommend = [0, 0]
        employment = [0, 0]
        for kind, role, type_, number, choices in rows:
            key = "hot" if kind == Questionnaire.Kind.SATISFACTION_HOT else "cold"
            if role == "satisfaction" and number is not None:
                figures[key].append(number * 2 if type_ == "scale5" else number)
            elif role == "recommend" and choices:
                recommend[0] += 1 if choices[0] == "yes" else 0
                recommend[1] += 1
            elif role == "employment" and choices and key == "cold":
                employment[0] += 1 if choices[0] == EMPLOYED else 0
                employment[1] += 1
        hot_asked = asked.get(Questionnaire.Kind.SATISFACTION_HOT, (0, 0))
        cold_asked = asked.get(Questionnaire.Kind.APPRAISAL_COLD, (0, 0))
        session.hot_invited, session.hot_answered = hot_asked
        session.cold_invited, session.cold_answered = cold_asked
        session.employed, session.employment_responses = employment
        fields = [
            "hot_invited",
            "hot_answered",
            "cold_invited",
            "cold_answered",
            "employed",
            "employment_responses",
        ]
        for key in ("hot", "cold"):
            values = figures[key]
            if values:
                setattr(session, f"{key}_average", round(Decimal(sum(values)) / len(values), 1))
                setattr(session, f"{key}_responses", len(values))
                fields += [f"{key}_average", f"{key}_responses"]
        if recommend[1]:
            session.recommend_yes, session.recommend_responses = recommend
            fields += ["recommend_yes", "recommend_responses"]
        session.save(update_fields=fields)


# --- The room's QR code at the end of a session ----------------------------------------------

# How long the QR code shown in the room takes learners (the portal's default, no rule): the end
# of the last half-day, with the time to answer at the break or on the way home.
ROOM_CODE_HOURS = 4


@transaction.atomic
def room_code_create(
    *, session: Session, questionnaire: Questionnaire, actor: Any, now: datetime | None = None
) -> tuple[str, RoomCode]:
    """A fresh code for the QR shown in the room, valid ROOM_CODE_HOURS; only its hash is
    stored, so the code is shown now only, and showing a new one ends the previous one."""
    now = now or timezone.now()
    if session.ends_on > timezone.localdate(now):
        raise ValidationError(
            _("Le QR code de l'enquête de fin de session s'affiche le dernier jour, pas avant.")
        )
    code = "".join(secrets.choice(ROOM_CODE_ALPHABET) for _n in range(ROOM_CODE_LENGTH))
    RoomCode.objects.filter(
        session=session, questionnaire__code=questionnaire.code, expires_at__gt=now
    ).update(expires_at=now)
    room = RoomCode.objects.create(
        session=session,
        questionnaire=questionnaire,
        code_hash=token_hash(code),
        expires_at=now + timedelta(hours=ROOM_CODE_HOURS),
        created_by=actor,
    )
    return code, room


def room_code_open(code: str, now: datetime | None = None) -> RoomCode:
    """The room code a QR opens (current schema): LookupError when unknown, SurveyRefused when
    it has expired."""
    now = now or timezone.now()
    code = code.strip().lower()
    room = (
        RoomCode.objects.select_related("questionnaire", "session__offer")
        .filter(code_hash=token_hash(code))
        .first()
        if code
        else None
    )
    if room is None:
        raise LookupError(code)
    if now >= room.expires_at:
        raise SurveyRefused(
            _(
                "Ce QR code n'est plus valable : demandez à votre formateur·rice d'en afficher "
                "un nouveau, ou répondez depuis le lien reçu par e-mail."
            )
        )
    return room


class UnknownAddress(SurveyRefused):
    """An address that names no learner asked in this session (counted against guessing)."""


@transaction.atomic
def room_answer_token(*, code: str, email: str, now: datetime | None = None) -> str:
    """A learner in the room names themself by the address they were enrolled with and gets
    a fresh personal link to the questionnaire: their invitation (one per questionnaire and
    enrolment, made now if there is none, e-mailed never) with a new token.

    An address matching no asked enrolment of this session gets one neutral refusal, whether it
    is unknown, of another session or of a learner who left or was erased."""
    now = now or timezone.now()
    room = room_code_open(code, now)
    address = email.strip()
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("learner")
        .filter(
            session_id=room.session_id,
            status__in=ASKED_STATUSES,
            learner__email__iexact=address,
            learner__anonymised_at__isnull=True,
        )
        .order_by("pk")
        .first()
        if address
        else None
    )
    if enrolment is None:
        raise UnknownAddress(
            _(
                "Cette adresse ne correspond à aucune inscription à cette session. Vérifiez-la, "
                "ou adressez-vous à votre formateur·rice."
            )
        )
    # The enrolment's row is locked: two scans of one learner wait for each other.
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .filter(enrolment=enrolment, questionnaire__code=room.questionnaire.code)
        .order_by("pk")
        .first()
    )
    if invitation is None:
        token, hashed = new_token()
        try:
            with transaction.atomic():
                Invitation.objects.create(
                    questionnaire=room.questionnaire,
                    session=room.session,
                    enrolment=enrolment,
                    email=enrolment.learner.email,
                    name=str(enrolment.learner),
                    token_hash=hashed,
                    expires_at=now + timedelta(days=LINK_DAYS),
                    # Handed over in the room: the worker has no message to send for it.
                    sent_at=now,
                    room_code=room,
                )
        except IntegrityError:
            # Made meanwhile by the end-of-session mailing: that invitation serves.
            invitation = Invitation.objects.select_for_update(of=("self",)).get(
                enrolment=enrolment, questionnaire=room.questionnaire
            )
        else:
            return token
    if invitation.answered_at is not None:
        raise SurveyRefused(_("Vous avez déjà répondu à ce questionnaire. Merci !"))
    if now >= invitation.expires_at:
        raise SurveyRefused(_("Ce questionnaire n'attend plus de réponse de votre part."))
    token = _new_token(invitation)
    # An invitation still waiting for its message is handed over here: no e-mail goes later.
    invitation.sent_at = invitation.sent_at or now
    invitation.room_code = invitation.room_code or room
    invitation.save(update_fields=["token_hash", "old_token_hashes", "sent_at", "room_code"])
    return token


# --- Answers collected elsewhere, imported from a file ---------------------------------------


def import_questions(questionnaire: Questionnaire) -> list[imports.QuestionInfo]:
    return [
        imports.QuestionInfo(
            code=q.code,
            label=q.label,
            type=q.type,
            required=q.required,
            choices=tuple((c["code"], c["label"]) for c in q.choices or []),
        )
        for q in questionnaire.questions.all()
    ]


@transaction.atomic
def responses_import(
    *,
    questionnaire: Questionnaire,
    table: imports.Table,
    chosen: list[str],
    actor: Any,
    organisation: Organisation | None = None,
) -> list[Response]:
    """Every line of the file as one response to this version (no invitation: collected
    elsewhere, marked imported), all of them or none; the sessions' figures follow."""
    questions = import_questions(questionnaire)
    mapping, errors = imports.mapping_check(table, chosen, questions)
    if mapping is None:
        raise ValidationError(errors)
    known = set(
        Session.objects.filter(pk__in=imports.session_ids(table, mapping)).values_list(
            "pk", flat=True
        )
    )
    rows, errors = imports.rows_check(table, mapping, questions, known)
    if errors:
        raise ValidationError(errors)
    created = Response.objects.bulk_create(
        Response(
            questionnaire=questionnaire, session_id=row.session_id, origin=Response.Origin.IMPORT
        )
        for row in rows
    )
    by_code = {q.code: q for q in questionnaire.questions.all()}
    Answer.objects.bulk_create(
        (
            _answer_of(response, by_code[code], value)
            for response, row in zip(created, rows, strict=True)
            for code, value in row.values.items()
        ),
        batch_size=2000,
    )
    for session in Session.objects.filter(pk__in={row.session_id for row in rows}):
        session_survey_figures_sync(session)
    audit_event_record(
        action="survey.answers_imported",
        organisation=organisation,
        actor=actor,
        questionnaire=questionnaire.pk,
        responses=len(created),
    )
    readiness_changed("survey answers imported")
    return created


# --- A questionnaire edited into a new version -----------------------------------------------


@transaction.atomic
def questionnaire_version_create(
    *,
    questionnaire: Questionnaire,
    title: str,
    intro: str,
    anonymous: bool,
    drafts: list[editing.QuestionDraft],
    actor: Any,
    organisation: Organisation | None = None,
) -> Questionnaire:
    """The edited questionnaire as its next version (same code, version + 1, the current one);
    the version edited, its invitations and its answers stay as they were."""
    edited = (
        Questionnaire.objects.select_for_update()
        .filter(pk=questionnaire.pk, is_current=True)
        .first()
    )
    if edited is None:
        raise ValidationError(
            _("Ce questionnaire a déjà une version plus récente : modifiez la version en cours.")
        )
    previous = {q.code: q.role for q in edited.questions.all()}
    plans, errors = editing.plan(drafts, previous=previous)
    if errors:
        raise ValidationError(errors)
    latest = Questionnaire.objects.filter(code=edited.code).aggregate(latest=Max("version"))
    # One current version per code: the old one stops being current before the new one is.
    Questionnaire.objects.filter(pk=edited.pk).update(is_current=False)
    made = Questionnaire.objects.create(
        code=edited.code,
        version=latest["latest"] + 1,
        kind=edited.kind,
        title=title,
        audience=edited.audience,
        anonymous=anonymous,
        indicator_numbers=list(edited.indicator_numbers),
        intro=intro,
        source=edited.source,
        is_current=True,
        created_by=actor,
    )
    Question.objects.bulk_create(
        Question(
            questionnaire=made,
            position=position,
            code=plan.code,
            label=plan.label,
            type=plan.type,
            required=plan.required,
            role=plan.role,
            choices=plan.choices,
        )
        for position, plan in enumerate(plans)
    )
    audit_event_record(
        action="questionnaire.versioned",
        organisation=organisation,
        actor=actor,
        questionnaire=made.pk,
        code=made.code,
        version=made.version,
    )
    return made


# --- A learner's personal data (learners.signals) --------------------------------------------


def learner_sections(*, learner: Any, **_signal: Any) -> dict[str, Any]:
    """The invitations a learner received and, for named questionnaires, their answers."""
    invitations = Invitation.objects.filter(enrolment__learner=learner).select_related(
        "questionnaire"
    )
    answered = {
        response.invitation_id: response
        for response in Response.objects.filter(
            invitation__enrolment__learner=learner
        ).prefetch_related("answers__question")
    }
    return {
        "surveys": [
            {
                "questionnaire": invitation.questionnaire.title,
                "version": invitation.questionnaire.version,
                "email": invitation.email,
                "sent_at": invitation.sent_at.isoformat() if invitation.sent_at else None,
                "answered_at": (
                    invitation.answered_at.isoformat() if invitation.answered_at else None
                ),
                "answers": [
                    {
                        "question": answer.question.label,
                        "number": answer.number,
                        "text": answer.text,
                        "choices": answer.choices,
                    }
                    for answer in answered[invitation.pk].answers.all()
                ]
                if invitation.pk in answered
                else [],
            }
            for invitation in invitations
        ]
    }


def learner_erase(*, learner: Any, **_signal: Any) -> None:
    """No address or name left on the learner's invitations; their links stop working."""
    Invitation.objects.filter(enrolment__learner=learner).update(
        email="", name="", expires_at=timezone.now()
    )


# --- Campaigns: closing, and their summary in the evidence library ------------------------

# What every summary proves: published results and their method (2), the stakeholders'
# appraisals (30); the apprentices' evaluation of contents and teaching adds V10's 33.
SUMMARY_INDICATORS = (2, 30)
APPRENTICE_INDICATOR = 33


def summary_indicators(*, organisation: Organisation, questionnaire: Questionnaire) -> list[int]:
    """The indicators a campaign's summary is filed under: 33 only for the apprentices'
    evaluation, and only where the organisation's referential version has it (V10)."""
    numbers = list(SUMMARY_INDICATORS)
    if questionnaire.kind == Questionnaire.Kind.APPRENTICE_EVALUATION:
        try:
            version = referential.version_for_organisation(organisation)
        except referential.NoVersionInForce:
            logger.warning("no referential version for %s", organisation.schema_name)
        else:
            if any(i.number == APPRENTICE_INDICATOR for i in referential.indicators_of(version)):
                numbers.append(APPRENTICE_INDICATOR)
    return numbers


def _session_dates(session: Session) -> str:
    if session.starts_on == session.ends_on:
        return date_format(session.starts_on, "SHORT_DATE_FORMAT")
    return _("%(start)s au %(end)s") % {
        "start": date_format(session.starts_on, "SHORT_DATE_FORMAT"),
        "end": date_format(session.ends_on, "SHORT_DATE_FORMAT"),
    }


def summary_title(*, session: Session, questionnaire: Questionnaire) -> str:
    return _("Synthèse de l'enquête « %(title)s » — session %(offer)s du %(dates)s") % {
        "title": questionnaire.title,
        "offer": session.offer.title,
        "dates": _session_dates(session),
    }


@transaction.atomic
def campaign_close(
    *,
    session: Session,
    questionnaire: Questionnaire,
    actor: Any,
    organisation: Organisation,
    now: datetime | None = None,
) -> int:
    """A manager closes a campaign before its links expire: the links not yet answered expire
    now (nothing is deleted); the worker then makes the summary. Returns how many expired."""
    now = now or timezone.now()
    locked = list(
        Invitation.objects.select_for_update()
        .filter(session=session, questionnaire=questionnaire)
        .values_list("pk", flat=True)
    )
    if not locked:
        raise ValidationError(_("Personne n'a été interrogé·e avec ce questionnaire."))
    if CampaignSummary.objects.filter(session=session, questionnaire=questionnaire).exists():
        raise ValidationError(_("Cette campagne est déjà close : sa synthèse est faite."))
    expired = Invitation.objects.filter(
        pk__in=locked, answered_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    audit_event_record(
        action="survey.campaign_closed",
        actor=actor,
        organisation=organisation,
        session=session.pk,
        questionnaire=questionnaire.pk,
        expired=expired,
    )
    queue_task_after_commit(
        "surveys.campaign_summary_task",
        args=[current_schema_name(), session.pk, questionnaire.pk, getattr(actor, "pk", None)],
    )
    return expired


def _summary_owner(
    organisation: Organisation, session_id: int, questionnaire_id: int, actor: Any
) -> Any:
    """Who the proof belongs to: who closed the campaign, else who sent it, else the referent
    (members only: an evidence item always has a member as its owner)."""
    members = member_user_ids(organisation=organisation)
    if actor is not None and actor.pk in members:
        return actor
    senders = (
        Invitation.objects.filter(
            session_id=session_id, questionnaire_id=questionnaire_id, created_by__isnull=False
        )
        .select_related("created_by")
        .order_by("created_at", "pk")
    )
    for invitation in senders:
        if invitation.created_by_id in members:
            return invitation.created_by
    membership = (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by(Case(When(role=Role.REFERENT, then=0), default=1), "pk")
        .first()
    )
    return membership.user if membership else None


def _summary_context(
    *, organisation: Organisation, session: Session, campaign: selectors.Campaign
) -> dict[str, Any]:
    questionnaire = campaign.questionnaire
    questions = list(questionnaire.questions.all())
    given: dict[int, list[summary.AnswerInput]] = defaultdict(list)
    for question_id, number, text, choices in Answer.objects.filter(
        response__session=session, response__questionnaire=questionnaire
    ).values_list("question_id", "number", "text", "choices"):
        given[question_id].append(summary.AnswerInput(number, text, tuple(choices or ())))
    figures = [
        summary.question_figures(
            summary.QuestionInput(
                q.code,
                q.label,
                q.type,
                tuple((c["code"], c["label"]) for c in q.choices or []),
            ),
            given[q.pk],
        )
        for q in questions
    ]
    started = Invitation.objects.filter(session=session, questionnaire=questionnaire).aggregate(
        first=Min("created_at")
    )["first"]
    return {
        "organisation": organisation,
        "session": session,
        "offer": session.offer,
        "questionnaire": questionnaire,
        "title": summary_title(session=session, questionnaire=questionnaire),
        "invited": campaign.invited,
        "answered": campaign.answered,
        "rate": summary.percent(campaign.answered, campaign.invited),
        "started": started,
        "closed_at": campaign.closed_at,
        "figures": figures,
        "indicators": summary_indicators(organisation=organisation, questionnaire=questionnaire),
        "link_days": LINK_DAYS,
        "reminders": settings.SURVEY_REMINDERS,
        "reminder_days": settings.SURVEY_REMINDER_DAYS,
        "today": timezone.localdate(),
    }


def campaign_summary_make(
    *,
    session_id: int,
    questionnaire_id: int,
    organisation: Organisation,
    actor: Any = None,
    now: datetime | None = None,
) -> CampaignSummary | None:
    """The summary of a closed campaign, once (current schema): rendered as a PDF, kept as a
    dated proof in the evidence library, and for the apprentices' evaluation shared with the
    session's trainers. A campaign still open, or already summarised, makes nothing."""
    with transaction.atomic():
        # A second delivery of the same task waits here, then finds the summary made.
        list(
            Invitation.objects.select_for_update()
            .filter(session_id=session_id, questionnaire_id=questionnaire_id)
            .values_list("pk", flat=True)
        )
        if CampaignSummary.objects.filter(
            session_id=session_id, questionnaire_id=questionnaire_id
        ).exists():
            return None
        campaign = selectors.campaign_get(
            session_id=session_id, questionnaire_id=questionnaire_id, now=now
        )
        if campaign is None or campaign.closed_at is None:
            return None
        owner = _summary_owner(organisation, session_id, questionnaire_id, actor)
        if owner is None:
            logger.warning("no member to own the summary in %s", organisation.schema_name)
            return None
        session = Session.objects.select_related("offer").get(pk=session_id)
        questionnaire = campaign.questionnaire
        with translation.override(settings.LANGUAGE_CODE):
            context = _summary_context(
                organisation=organisation, session=session, campaign=campaign
            )
            pdf, _refused = render_pdf("surveys/summary_pdf.html", context)
            item, _version = evidence_services.evidence_generated_store(
                item=None,
                actor=owner,
                title=context["title"],
                kind=EvidenceKind.SURVEY,
                indicator_numbers=context["indicators"],
                description=_(
                    "Synthèse établie par le portail à partir des réponses reçues ; campagne "
                    "close le %(day)s."
                )
                % {"day": date_format(timezone.localtime(campaign.closed_at), "SHORT_DATE_FORMAT")},
                content=pdf,
                file_name=(
                    f"synthese-{questionnaire.code}-v{questionnaire.version}"
                    f"-session-{session.pk}.pdf"
                ),
                valid_from=timezone.localdate(campaign.closed_at),
            )
        made = CampaignSummary.objects.create(
            session=session,
            questionnaire=questionnaire,
            evidence=item,
            invited=campaign.invited,
            answered=campaign.answered,
            closed_at=campaign.closed_at,
        )
        if questionnaire.kind == Questionnaire.Kind.APPRENTICE_EVALUATION:
            CampaignSummaryNotice.objects.bulk_create(
                CampaignSummaryNotice(summary=made, user=link.user, email=link.user.email)
                for link in SessionTrainer.objects.filter(session=session)
                .exclude(user__email="")
                .select_related("user")
                .order_by("pk")
            )
    return made


def notices_unsent() -> list[int]:
    """Trainers' messages not sent yet (current schema): a mail server down at night."""
    return list(
        CampaignSummaryNotice.objects.filter(sent_at__isnull=True).values_list("pk", flat=True)
    )


def _notice_message(notice: CampaignSummaryNotice, organisation: Organisation) -> tuple[str, str]:
    summary_row = notice.summary
    session, questionnaire = summary_row.session, summary_row.questionnaire
    averages = []
    for question in questionnaire.questions.filter(type__in=summary.SCALES):
        figures = summary.question_figures(
            summary.QuestionInput(question.code, question.label, question.type),
            [
                summary.AnswerInput(number=number)
                for number in Answer.objects.filter(
                    question=question, response__session=session
                ).values_list("number", flat=True)
            ],
        )
        if figures.average is not None:
            averages.append(
                _("- %(question)s : %(average)s sur %(top)s (%(count)s réponses)")
                % {
                    "question": question.label,
                    "average": number_format(figures.average, 1),
                    "top": 5 if question.type == Question.Type.SCALE5 else 10,
                    "count": figures.respondents,
                }
            )
    rate = summary.percent(summary_row.answered, summary_row.invited)
    url = settings.PORTAL_URL.rstrip("/") + organisation_url(
        organisation, "org:evidence_detail", pk=summary_row.evidence_id
    )
    subject = _("[%(organisation)s] Évaluation des enseignements : %(offer)s") % {
        "organisation": organisation.name,
        "offer": session.offer.title,
    }
    body = _(
        "Bonjour %(name)s,\n\nLes apprenti·es de la session « %(offer)s » du %(dates)s ont "
        "évalué les contenus et les enseignements (questionnaire « %(title)s », version "
        "%(version)s). Voici ce qu'ils et elles en disent, sans aucun nom :\n\n"
        "- Personnes interrogées : %(invited)s\n- Réponses : %(answered)s (taux de réponse : "
        "%(rate)s %%)\n%(averages)s\n\nLa synthèse complète, avec les réponses libres, est "
        "jointe à ce message et rangée dans la bibliothèque de preuves : %(url)s\n\n"
        "Ce partage avec l'équipe pédagogique est attendu par l'indicateur 33 du référentiel "
        "national qualité.\n\n%(organisation)s\n"
    ) % {
        "name": notice.user.display_name,
        "offer": session.offer.title,
        "dates": _session_dates(session),
        "title": questionnaire.title,
        "version": questionnaire.version,
        "invited": summary_row.invited,
        "answered": summary_row.answered,
        "rate": number_format(rate, 1) if rate is not None else "—",
        "averages": "\n".join(averages),
        "url": url,
        "organisation": organisation.name,
    }
    return subject, body


def notice_send(*, notice_pk: int, organisation: Organisation) -> bool:
    """One trainer's message about an apprentices' evaluation, once (current schema): the row
    is locked and found unsent, or nothing goes. A server that cannot be reached raises."""
    with transaction.atomic():
        notice = (
            CampaignSummaryNotice.objects.select_for_update(of=("self",))
            .select_related(
                "user", "summary__session__offer", "summary__questionnaire", "summary__evidence"
            )
            .filter(pk=notice_pk, sent_at__isnull=True)
            .first()
        )
        if notice is None:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = _notice_message(notice, organisation)
        message = EmailMessage(subject=subject, body=body, to=[notice.email])
        version = notice.summary.evidence.versions.order_by("-number").first()
        if version is not None:
            with version.file.open("rb") as handle:
                name = PurePath(version.file.name or "synthese.pdf").name
                message.attach(name, handle.read(), "application/pdf")
        message.send(fail_silently=False)
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
    return True


# --- Free-text answers → the plan de progrès ----------------------------------------------
# What a referent does with one free-text answer. Today: an action of the plan de progrès.
# The complaints register (next issue) adds its own follow-up here, beside `answer_action_*`,
# and its button in templates/surveys/partials/answer_followups.html.

ACTION_INDICATORS = [30, 32]
TITLE_WORDS = 10


def _first_words(text: str, count: int = TITLE_WORDS) -> str:
    words = text.split()
    head = " ".join(words[:count])[:120]
    return head + ("…" if len(words) > count or len(head) == 120 else "")


@transaction.atomic
def answer_action_create(
    *, answer_id: int, organisation: Organisation, actor: Any
) -> tuple[Action, bool]:
    """Turn a free-text answer into an action of the plan de progrès, once: a second request
    finds the action already made (the answer row is locked meanwhile). Returns (action,
    made now). The action quotes the answer, never who gave it: the plan de progrès is read
    by people who do not see the learners."""
    answer = (
        Answer.objects.select_for_update(of=("self",))
        .select_related("question__questionnaire", "response__session__offer", "action")
        .filter(pk=answer_id, question__type=Question.Type.TEXT)
        .exclude(text="")
        .first()
    )
    if answer is None:
        raise LookupError(answer_id)
    if answer.action is not None:
        return answer.action, False
    questionnaire = answer.question.questionnaire
    session = answer.response.session
    details = {
        "question": answer.question.label,
        "title": questionnaire.title,
        "version": questionnaire.version,
        "day": date_format(timezone.localtime(answer.response.submitted_at), "SHORT_DATE_FORMAT"),
        "session": (
            _("session %(offer)s du %(dates)s")
            % {"offer": session.offer.title, "dates": _session_dates(session)}
            if session
            else _("sans session")
        ),
        "text": answer.text.strip(),
    }
    action = improvement_services.action_create(
        organisation=organisation,
        title=_("Réponse d'enquête : « %(words)s »") % {"words": _first_words(answer.text)},
        description=_(
            "Réponse libre à la question « %(question)s » (enquête « %(title)s », version "
            "%(version)s, reçue le %(day)s, %(session)s) :\n\n« %(text)s »"
        )
        % details,
        indicator_numbers=ACTION_INDICATORS,
        owner=improvement_services.default_owner(organisation, actor),
        due_date=improvement_services.default_due_date(organisation=organisation),
        created_by=actor,
        source=Action.Source.SURVEY,
    )
    answer.action = action
    answer.save(update_fields=["action"])
    return action, True
