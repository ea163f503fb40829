"""Writes of the training offers app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from qualiopi_portal.core.services import audit_event_record
from qualiopi_portal.core.signals import readiness_changed

from . import imports
from .checks import check_session
from .models import Offer, OfferVersion, Session

OFFER_FIELDS = [
    field.name
    for field in Offer._meta.get_fields()
    if field.concrete
    and field.name not in {"id", "status", "version", "published_at", "updated_at", "created_at"}
]


def _snapshot(offer: Offer) -> dict:
    import json

    return json.loads(json.dumps(model_to_dict(offer, fields=OFFER_FIELDS), cls=DjangoJSONEncoder))


@transaction.atomic
def offer_save(*, offer: Offer | None, saved_by, **fields: Any) -> Offer:
    """Create or edit; every save keeps the previous wording as a version."""
    creating = offer is None
    offer = offer or Offer()
    for name in OFFER_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(offer, name, value.strip() if isinstance(value, str) else value)
    if not creating:
        offer.version += 1
    offer.full_clean()
    offer.save()
    OfferVersion.objects.create(
        offer=offer, number=offer.version, data=_snapshot(offer), saved_by=saved_by
    )
    readiness_changed("offer saved")
    return offer


@transaction.atomic
def offer_set_status(
    *,
    offer: Offer,
    status: str,
    actor: Any = None,
    organisation: Any = None,
    gaps: Sequence[str] = (),
) -> Offer:
    """Change the offer's state and journal it; `gaps` are the completeness gaps the person
    saw and accepted when publishing anyway (indicator 1: publishing stays their choice)."""
    if status not in Offer.Status.values:
        raise ValidationError(_("Ce changement d'état n'est pas possible."))
    previous = offer.status
    offer.status = status
    if status == Offer.Status.PUBLISHED:
        offer.published_at = timezone.now()
    offer.save(update_fields=["status", "published_at", "updated_at"])
    audit_event_record(
        action="offer.status_changed",
        actor=actor,
        organisation=organisation,
        offer_id=offer.pk,
        title=offer.title,
        status=[previous, status],
        accepted_gaps=list(gaps),
    )
    readiness_changed("offer status")
    return offer


@transaction.atomic
def session_save(*, offer: Offer, session: Session | None, **fields: Any) -> Session:
    check_session(fields)
    session = session or Session(offer=offer)
    for name, value in fields.items():
        setattr(session, name, value)
    session.save()
    readiness_changed("session saved")
    return session


@transaction.atomic
def sessions_import(*, offer: Offer, data: bytes) -> list[Session]:
    """All the lines or none."""
    rows, errors = imports.parse(data)
    if errors:
        raise ValidationError(errors)
    # Every line is already checked like the form checks it: one insert, one readiness request.
    created = Session.objects.bulk_create(Session(offer=offer, **row) for row in rows)
    readiness_changed("sessions imported")
    return created
