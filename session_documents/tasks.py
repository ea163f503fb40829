"""Background jobs of the session documents."""

from __future__ import annotations

import smtplib

from celery import shared_task

from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation
from qualiopi_portal.tenancy.selectors import organisations_each

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


@shared_task(name="session_documents.document_job_run", ignore_result=True, acks_late=True)
def document_job_run(schema_name: str, job_pk: int) -> str:
    """One rendering job; a duplicate or late delivery finds it claimed or done."""
    organisation = Organisation.objects.filter(schema_name=schema_name).first()
    if organisation is None:
        return "gone"
    with schema_context(schema_name):
        return services.document_job_run(job_pk=job_pk, organisation=organisation)


@shared_task(name="session_documents.document_jobs_sweep_task", ignore_result=True)
def document_jobs_sweep_task() -> int:
    """Queue again the renderings and the e-mails whose message was lost (broker down, worker
    killed); each is claimed or sent once under a lock, so a duplicate does nothing."""
    count = 0
    for organisation in organisations_each():
        jobs, dispatches = services.document_jobs_lost(), services.dispatches_lost()
        for pk in jobs:
            document_job_run.delay(organisation.schema_name, pk)
        for pk in dispatches:
            dispatch_send.delay(organisation.schema_name, pk)
        count += len(jobs) + len(dispatches)
    return count
