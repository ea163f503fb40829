"""Background jobs of the surveys app."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django_tenants.utils import get_public_schema_name, schema_context

from qualiopi_portal.tenancy.models import Organisation

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
    for organisation in Organisation.objects.exclude(schema_name=get_public_schema_name()).order_by(
        "pk"
    ):
        with schema_context(organisation.schema_name):
            for pk in services.reminders_due():
                try:
                    sent += services.reminder_send(invitation_pk=pk, organisation=organisation)
                except (smtplib.SMTPException, OSError):
                    logger.warning("reminder %s of %s not sent", pk, organisation.schema_name)
    return sent
