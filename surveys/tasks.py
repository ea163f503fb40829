"""Background jobs of the surveys app."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django_tenants.utils import schema_context

from qualiopi_portal.tenancy.models import Organisation

from . import services


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
