"""Background jobs of the surveys app."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django_tenants.utils import schema_context

from qualiopi_portal.tenancy.models import Organisation
from qualiopi_portal.tenancy.selectors import organisations_each

from . import services

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
def invitations_unsent_task() -> int:
    """Queue again the invitations whose message was lost (each is sent once, under a lock)."""
    count = 0
    for organisation in organisations_each():
        for pk in services.invitations_unsent():
            invitation_send.delay(organisation.schema_name, pk)
            count += 1
    return count
