"""Background jobs of the audits app."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation

from .reminders import reminders_send

logger = logging.getLogger("qualiopi.reminders")


@shared_task(
    name="audits.reminders_send_all_task",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=60,
    max_retries=5,
)
def reminders_send_all_task() -> int:
    """Every organisation's reminders for today; safe to run again (nothing is sent twice)."""
    today = timezone.localdate()
    sent = 0
    for organisation in Organisation.objects.order_by("pk"):
        with schema_context(organisation.schema_name):
            sent += reminders_send(organisation, today=today, base_url=settings.PORTAL_URL)
    logger.info("reminders sent: %s", sent)
    return sent
