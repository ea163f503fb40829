"""Background readiness computations, and the sweeps that recover lost work.

Delivery is at least once (acks late, a lost worker's message is delivered again), so every task
here is safe to run twice: the database says what is still owed, not the broker. The sweeps find
work whose message was lost (Redis restarted empty, a killed worker's message parked until the
visibility timeout) and queue it again. See docs/decisions/0011-lost-work.md.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation
from qualiopi_portal.tenancy.services import organisations_fan_out

from .services import readiness_recompute_owed, readiness_recompute_request, snapshots_thin

# A failed computation leaves the previous snapshot and is retried.
RETRY = {"autoretry_for": (Exception,), "retry_backoff": 5, "max_retries": 5}


@shared_task(name="indicators.readiness_recompute_task", ignore_result=True, **RETRY)
def readiness_recompute_task(organisation_id: int) -> None:
    """Compute a requested readiness; a duplicate or late delivery finds nothing owed."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is not None:
        readiness_recompute_owed(organisation=organisation)


@shared_task(name="indicators.readiness_recompute_owed_task", ignore_result=True)
def readiness_recompute_owed_task() -> int:
    """Requests not computed after a while (broker down when asked, message lost): compute them.

    Computed here rather than queued again, so a long queue never receives the same request
    twice; an organisation computed meanwhile by its own task is skipped.
    """
    settled = timezone.now() - timedelta(seconds=settings.READINESS_OWED_AFTER_S)
    owed = Organisation.objects.filter(
        readiness__requested_at__isnull=False, readiness__requested_at__lt=settled
    ).order_by("pk")
    count = 0
    for organisation in owed:
        if readiness_recompute_owed(organisation=organisation) is not None:
            count += 1
    return count


@shared_task(name="indicators.readiness_recompute_all_task", ignore_result=True)
def readiness_recompute_all_task() -> int:
    """Nightly: dates move (items expire before the audit) even when nobody changes anything.

    Recorded as requests, so that the owed sweep still computes an organisation whose message
    is lost.
    """
    count = 0
    for organisation in Organisation.objects.order_by("pk"):
        readiness_recompute_request(schema_name=organisation.schema_name, reason="nightly")
        count += 1
    return count


@shared_task(name="indicators.snapshots_thin_all_task", ignore_result=True)
def snapshots_thin_all_task() -> int:
    """Nightly: one retention task per organisation (a large history does not hold the others
    back); returns how many were queued."""
    return organisations_fan_out(snapshots_thin_task)


@shared_task(name="indicators.snapshots_thin_task", ignore_result=True, acks_late=True)
def snapshots_thin_task(schema_name: str) -> int:
    """Thin one organisation's snapshots; idempotent, so a redelivery costs nothing."""
    with schema_context(schema_name):
        return snapshots_thin()
