"""Background readiness computations and report renderings, and the sweeps that recover lost work.

Delivery is at least once (acks late, a lost worker's message is delivered again), so every task
here is safe to run twice: the database says what is still owed, not the broker. The sweeps find
work whose message was lost (Redis restarted empty, a killed worker's message parked until the
visibility timeout) and queue it again. See docs/decisions/0011-lost-work.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qualiopi_portal.tenancy.models import Organisation

from .services import readiness_recompute_owed, readiness_recompute_request

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


@shared_task(
    name="indicators.report_render_task",
    ignore_result=True,
    acks_late=True,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT_S,
    time_limit=settings.REPORT_TIME_LIMIT_S,
)
def report_render_task(schema_name: str, report_pk: int) -> None:
    """Render one report; bounded in time, idempotent (only a claimable report is rendered)."""
    from django_tenants.utils import schema_context

    from .models import Report
    from .reports import report_render

    organisation = Organisation.objects.filter(schema_name=schema_name).first()
    if organisation is None:
        return
    with schema_context(schema_name):
        report = Report.objects.filter(pk=report_pk).select_related("audit").first()
        if report is not None:
            report_render(organisation=organisation, report=report)


@shared_task(name="indicators.report_queued_task", ignore_result=True)
def report_queued_task(before: str | None = None) -> int:
    """Queue again the reports whose message was lost.

    Beat calls this without `before`: it then only queues itself, stamped with the time, behind
    everything already waiting. The queue is first in, first out, so when that second run
    starts every message sent before the stamp has been taken by a worker. A report whose last
    message was sent before the stamp and that is still queued, or running for longer than any
    rendering may live, has lost that message: only those are queued again, each once (its
    `queued_at` moves past the stamps of the runs still waiting), so a long queue is not doubled.
    """
    from django_tenants.utils import schema_context

    from .models import Report

    if before is None:
        # Same (default) queue as report_render_task, so that the order above holds.
        report_queued_task.apply_async(kwargs={"before": timezone.now().isoformat()})
        return 0
    stamp = datetime.fromisoformat(before)
    now = timezone.now()
    dead_claims = now - timedelta(seconds=settings.REPORT_STALE_AFTER_S)
    lost = Q(queued_at__lt=stamp) & (
        Q(status=Report.Status.QUEUED) | Q(status=Report.Status.RUNNING, started_at__lt=dead_claims)
    )
    count = 0
    for organisation in Organisation.objects.order_by("pk"):
        with schema_context(organisation.schema_name), transaction.atomic():
            pks = list(
                Report.objects.select_for_update(skip_locked=True)
                .filter(lost)
                .values_list("pk", flat=True)
            )
            Report.objects.filter(pk__in=pks).update(queued_at=now)
        for pk in pks:
            report_render_task.delay(organisation.schema_name, pk)
            count += 1
    return count
