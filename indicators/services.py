"""Writes of the indicators app: readiness computation and its scheduling."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from evidence.models import EvidenceItem
from qualiopi_portal.tenancy.models import Organisation, OrganisationReadiness

from .models import ReadinessSnapshot
from .readiness import EvidenceFacts, IndicatorFacts, Readiness, compute
from .referential import selectors as referential

logger = logging.getLogger("qualiopi.readiness")

# Changes within this window are folded into one computation per organisation.
DEBOUNCE_SECONDS = 3


def readiness_compute(*, organisation: Organisation, today: date | None = None) -> Readiness:
    """Load the facts (current schema must be the organisation's) and apply the pure rules."""
    version = referential.version_for_organisation(organisation, today=today)
    target = referential.target_date_for_organisation(organisation, today=today)
    result = referential.applicability_for_organisation(organisation, version)
    applicable = {item.number for item in result.applicable}
    indicators = [
        IndicatorFacts(number, criterion, is_fundamental, number in applicable)
        for number, criterion, is_fundamental in version.indicators.values_list(
            "number", "criterion__number", "is_fundamental"
        )
    ]
    evidence = [
        EvidenceFacts(tuple(numbers), status, valid_until)
        for numbers, status, valid_until in EvidenceItem.objects.filter(
            is_archived=False
        ).values_list("indicator_numbers", "status", "valid_until")
    ]
    return compute(
        indicators=indicators,
        evidence=evidence,
        target_date=target,
        minor_threshold=settings.READINESS_MINOR_NC_THRESHOLD,
    )


@transaction.atomic
def readiness_recompute(*, organisation: Organisation) -> ReadinessSnapshot:
    """Compute, store a snapshot in the organisation's schema and the summary in public."""
    with schema_context(organisation.schema_name):
        started = timezone.now()
        readiness = readiness_compute(organisation=organisation)
        version = referential.version_for_organisation(organisation)
        snapshot = ReadinessSnapshot.objects.create(
            version_code=version.code,
            target_date=readiness.target_date,
            overall_percent=readiness.overall_percent,
            outcome=readiness.outcome,
            predicted_major=readiness.predicted_major,
            predicted_minor=readiness.predicted_minor,
            result=readiness.as_dict(),
        )
    summary, _created = OrganisationReadiness.objects.get_or_create(organisation=organisation)
    summary.computed_at = snapshot.computed_at
    summary.version_code = snapshot.version_code
    summary.target_date = snapshot.target_date
    summary.overall_percent = snapshot.overall_percent
    summary.outcome = snapshot.outcome
    summary.predicted_major = snapshot.predicted_major
    summary.predicted_minor = snapshot.predicted_minor
    if summary.requested_at and summary.requested_at <= started:
        summary.requested_at = None
    summary.save()
    return snapshot


def readiness_recompute_request(*, schema_name: str, reason: str) -> None:
    """Called after commit by every change that can move readiness (evidence, reviews…).

    Never computes inside the request: it queues one debounced Celery task per organisation.
    When the broker cannot be reached, the request is recorded on the public summary and the
    periodic job computes it later, so nothing is lost.
    """
    organisation = Organisation.objects.filter(schema_name=schema_name).first()
    if organisation is None:
        return
    logger.info("readiness recompute requested for %s: %s", schema_name, reason)
    OrganisationReadiness.objects.update_or_create(
        organisation=organisation, defaults={"requested_at": timezone.now()}
    )
    if not cache.add(f"readiness:debounce:{schema_name}", 1, timeout=DEBOUNCE_SECONDS):
        return  # a computation is already queued and will see this change
    from .tasks import readiness_recompute_task

    try:
        readiness_recompute_task.apply_async(args=[organisation.pk], countdown=DEBOUNCE_SECONDS)
    except Exception:  # broker down: the periodic job catches up
        logger.warning("could not queue readiness for %s; left for the periodic job", schema_name)
