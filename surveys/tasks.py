"""Background jobs of the surveys app.

Delivery is at least once (acks late): each task reads the database before acting, so a second
delivery does nothing (docs/decisions/0011-lost-work.md)."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation
from qualiopi_portal.tenancy.selectors import organisations_each
from qualiopi_portal.tenancy.services import organisations_fan_out

from . import selectors, services

logger = logging.getLogger("qualiopi.surveys")


@shared_task(
    name="surveys.invitation_send",
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    max_retries=5,
    acks_late=True,
)
def invitation_send(schema_name: str, invitation_pk: int) -> bool:
    """One person's invitation, once: a redelivered task finds it sent."""
    organisation = Organisation.objects.filter(schema_name=schema_name).first()
    if organisation is None:
        return False
    with schema_context(schema_name):
        return services.invitation_send(invitation_pk=invitation_pk, organisation=organisation)


@shared_task(name="surveys.schedule_all_task", ignore_result=True)
def schedule_all_task() -> int:
    """Beat, daily: one scheduling task per organisation, so that a large or failing one
    does not hold the others back."""
    return organisations_fan_out(schedule_organisation)


@shared_task(name="surveys.schedule_organisation", ignore_result=True, acks_late=True)
def schedule_organisation(schema_name: str) -> int:
    """Make one organisation's owed invitations (their messages go after commit); running it
    twice creates nothing the second time."""
    with schema_context(schema_name):
        return len(services.invitations_schedule())


@shared_task(name="surveys.reminders_send_all_task", ignore_result=True)
def reminders_send_all_task() -> int:
    """Every organisation's reminders owed today (idempotent: each step is sent once)."""
    sent = 0
    for organisation in organisations_each():
        for pk in services.reminders_due():
            try:
                sent += services.reminder_send(invitation_pk=pk, organisation=organisation)
            except (smtplib.SMTPException, OSError):
                logger.warning("reminder %s of %s not sent", pk, organisation.schema_name)
    return sent


@shared_task(name="surveys.invitations_unsent_task", ignore_result=True)
def invitations_unsent_task(before: str | None = None) -> int:
    """Queue again the invitations whose message was lost (broker down, worker killed).

    Beat calls this without `before`: it only queues itself, stamped with the time, behind every
    message already waiting. The queue is first in, first out, so when that second run starts
    every message sent before the stamp has been taken by a worker: an invitation still unsent,
    last queued before the stamp and not being sent now, lost its message. Only those are
    queued again, each once, so a long queue of invitations is not doubled by the sweep (the
    same barrier as reports.tasks.report_queued_task)."""
    if before is None:
        invitations_unsent_task.apply_async(kwargs={"before": timezone.now().isoformat()})
        return 0
    stamp = datetime.fromisoformat(before)
    count = 0
    for organisation in organisations_each():
        for pk in services.invitations_lost(before=stamp):
            invitation_send.delay(organisation.schema_name, pk)
            count += 1
    return count


def _notices_send(organisation: Organisation, pks: list[int]) -> int:
    """The trainers' messages, each once; a mail server down leaves them for the next night."""
    sent = 0
    for pk in pks:
        try:
            sent += services.notice_send(notice_pk=pk, organisation=organisation)
        except (smtplib.SMTPException, OSError):
            logger.warning("summary notice %s of %s not sent", pk, organisation.schema_name)
    return sent


@shared_task(name="surveys.campaign_summary_task", ignore_result=True, acks_late=True)
def campaign_summary_task(
    schema_name: str, session_pk: int, questionnaire_pk: int, actor_pk: int | None = None
) -> bool:
    """One campaign just closed (its last awaited answer came, or a manager closed it early):
    its summary, once (a redelivered task finds it made; a lost one is made by the nightly
    task)."""
    organisation = Organisation.objects.filter(schema_name=schema_name).first()
    if organisation is None:
        return False
    actor = get_user_model().objects.filter(pk=actor_pk).first() if actor_pk else None
    with schema_context(schema_name):
        made = services.campaign_summary_make(
            session_id=session_pk,
            questionnaire_id=questionnaire_pk,
            organisation=organisation,
            actor=actor,
        )
        if made is not None:
            _notices_send(organisation, list(made.notices.values_list("pk", flat=True)))
    return made is not None


@shared_task(name="surveys.campaign_summaries_task", ignore_result=True)
def campaign_summaries_task() -> int:
    """Nightly, every organisation: a summary for each closed campaign that has none, then the
    trainers' messages still unsent. Idempotent: running it twice makes nothing more."""
    made = 0
    for organisation in organisations_each():
        for session_pk, questionnaire_pk in selectors.campaigns_closed_without_summary():
            try:
                summary = services.campaign_summary_make(
                    session_id=session_pk,
                    questionnaire_id=questionnaire_pk,
                    organisation=organisation,
                )
            except Exception:
                # One campaign that cannot be rendered does not hold back the others.
                logger.exception(
                    "summary of campaign %s/%s of %s failed",
                    session_pk,
                    questionnaire_pk,
                    organisation.schema_name,
                )
                continue
            made += summary is not None
        _notices_send(organisation, services.notices_unsent())
    return made
