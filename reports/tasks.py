"""Report renderings and the sweep that queues again a report whose message was lost.

Delivery is at least once: a report is claimed before any work (reports.services.report_claim),
so a message delivered twice renders once. The task names keep the `indicators.` prefix they
were registered under before the reports app existed, so messages already queued by an older
release are still understood (docs/decisions/0016).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation

from .models import Report
from .services import report_render


@shared_task(
    name="indicators.report_render_task",
    ignore_result=True,
    acks_late=True,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT_S,
    time_limit=settings.REPORT_TIME_LIMIT_S,
)
def report_render_task(schema_name: str, report_pk: int) -> None:
    """Render one report; bounded in time, idempotent (only a claimable report is rendered)."""
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
