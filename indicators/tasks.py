"""Background readiness computations: after changes (debounced), owed ones, and nightly."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db.models import F, Q
from django.utils import timezone

from qualiopi_portal.tenancy.models import Organisation

from .services import readiness_recompute

# A failed computation leaves the previous snapshot and is retried.
RETRY = {"autoretry_for": (Exception,), "retry_backoff": 5, "max_retries": 5}


@shared_task(name="indicators.readiness_recompute_task", ignore_result=True, **RETRY)
def readiness_recompute_task(organisation_id: int) -> None:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is not None:
        readiness_recompute(organisation=organisation)


@shared_task(name="indicators.readiness_recompute_owed_task", ignore_result=True)
def readiness_recompute_owed_task() -> int:
    """Organisations whose recomputation was requested but not done (e.g. broker was down)."""
    settled = timezone.now() - timedelta(seconds=30)
    owed = Organisation.objects.filter(readiness__requested_at__lt=settled).filter(
        Q(readiness__computed_at__isnull=True)
        | Q(readiness__computed_at__lt=F("readiness__requested_at"))
    )
    count = 0
    for organisation in owed:
        readiness_recompute(organisation=organisation)
        count += 1
    return count


@shared_task(name="indicators.readiness_recompute_all_task", ignore_result=True)
def readiness_recompute_all_task() -> int:
    """Nightly: dates move (items expire before the audit) even when nobody changes anything."""
    count = 0
    for organisation in Organisation.objects.order_by("pk"):
        readiness_recompute_task.delay(organisation.pk)
        count += 1
    return count


@shared_task(
    name="indicators.report_render_task",
    ignore_result=True,
    acks_late=True,
    soft_time_limit=120,
    time_limit=150,
)
def report_render_task(schema_name: str, report_pk: int) -> None:
    """Render one report; bounded in time, idempotent (a ready report is left as it is)."""
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
def report_queued_task() -> int:
    """Reports still queued after a minute (broker down when asked, worker lost): queue again."""
    from django_tenants.utils import schema_context

    from .models import Report

    stale = timezone.now() - timedelta(minutes=1)
    count = 0
    for organisation in Organisation.objects.order_by("pk"):
        with schema_context(organisation.schema_name):
            pks = list(
                Report.objects.filter(
                    status__in=(Report.Status.QUEUED, Report.Status.RUNNING),
                    created_at__lt=stale,
                    started_at__isnull=True,
                ).values_list("pk", flat=True)
            )
        for pk in pks:
            report_render_task.delay(organisation.schema_name, pk)
            count += 1
    return count
