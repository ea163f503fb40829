"""Background jobs of the learners app."""

from __future__ import annotations

from celery import shared_task
from django_tenants.utils import get_public_schema_name, schema_context

from qualiopi_portal.tenancy.models import Organisation

from . import services


@shared_task(
    name="learners.milestone_chase_send",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
)
def milestone_chase_send(schema_name: str, chase_pk: int) -> int:
    """One chase's messages, once: a redelivered task finds it delivered and sends nothing."""
    organisation = Organisation.objects.filter(schema_name=schema_name).first()
    if organisation is None:
        return 0
    with schema_context(schema_name):
        return services.milestone_chase_send(chase_pk=chase_pk, organisation=organisation)


@shared_task(name="learners.anonymise_expired_all_task", ignore_result=True)
def anonymise_expired_all_task() -> int:
    """Every organisation's learners past its retention period (idempotent: an anonymised
    learner is not counted again)."""
    erased = 0
    for organisation in Organisation.objects.exclude(schema_name=get_public_schema_name()).order_by(
        "pk"
    ):
        with schema_context(organisation.schema_name):
            erased += len(services.learners_anonymise_expired(organisation=organisation))
    return erased
