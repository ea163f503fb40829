"""Background jobs of the audits app."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation
from qualiopi_portal.tenancy.services import organisations_fan_out

from .reminders import reminders_send

logger = logging.getLogger("qualiopi.reminders")


@shared_task(name="audits.reminders_send_all_task", ignore_result=True)
def reminders_send_all_task() -> int:
    """Beat, daily: one reminders task per organisation, so that a large or failing one does not
    hold the others back (nor, retried, send the others' reminders again: it has none to send,
    each reminder is recorded once)."""
    return organisations_fan_out(reminders_send_organisation_task)


@shared_task(
    name="audits.reminders_send_organisation_task",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=60,
    max_retries=5,
    acks_late=True,
)
def reminders_send_organisation_task(schema_name: str) -> int:
    """One organisation's reminders for today; safe to run again (nothing is sent twice)."""
    organisation = Organisation.objects.filter(schema_name=schema_name).first()
    if organisation is None:
        return 0
    with schema_context(schema_name):
        sent = reminders_send(
            organisation, today=timezone.localdate(), base_url=settings.PORTAL_URL
        )
    logger.info("reminders sent for %s: %s", schema_name, sent)
    return sent
