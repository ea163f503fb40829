"""Background jobs of the session documents."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django_tenants.utils import schema_context

from qualiopi_portal.tenancy.models import Organisation

from . import services


@shared_task(
    name="session_documents.dispatch_send",
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    max_retries=5,
    acks_late=True,
)
def dispatch_send(schema_name: str, dispatch_pk: int) -> str:
    """One learner's message, once: a redelivered task finds it sent and sends nothing."""
    organisation = Organisation.objects.filter(schema_name=schema_name).first()
    if organisation is None:
        return "gone"
    with schema_context(schema_name):
        return services.dispatch_send(dispatch_pk=dispatch_pk, organisation=organisation)
