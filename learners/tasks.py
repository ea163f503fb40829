"""Background jobs of the learners app."""

from __future__ import annotations

from celery import shared_task

from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation
from qualiopi_portal.tenancy.selectors import organisations_each

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
    return sum(
        len(services.learners_anonymise_expired(organisation=organisation))
        for organisation in organisations_each()
    )


@shared_task(name="learners.chases_lost_task", ignore_result=True)
def chases_lost_task() -> int:
    """Queue again the chases whose message was lost (the send is once, under a lock)."""
    count = 0
    for organisation in organisations_each():
        for pk in services.chases_lost():
            milestone_chase_send.delay(organisation.schema_name, pk)
            count += 1
    return count
