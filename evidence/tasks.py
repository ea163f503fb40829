"""Background jobs of the evidence library."""

from __future__ import annotations

from celery import shared_task
from django_tenants.utils import get_public_schema_name

from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation

from .services import evidence_expire_due


@shared_task(name="evidence.evidence_expire_all_task", ignore_result=True)
def evidence_expire_all_task() -> int:
    """Expire, in every organisation, the evidence whose validity has ended. Safe to rerun."""
    total = 0
    schemas = Organisation.objects.exclude(schema_name=get_public_schema_name()).values_list(
        "schema_name", flat=True
    )
    for schema_name in schemas:
        with schema_context(schema_name):
            total += evidence_expire_due()
    return total
