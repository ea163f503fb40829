"""Writes of the training offers app."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.services import readiness_changed
from qualiopi_portal.core.services import audit_event_record

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


def check_session(fields: dict) -> None:
    errors: dict[str, str] = {}
    if fields["ends_on"] < fields["starts_on"]:
        errors["ends_on"] = _("La fin de la session ne peut pas précéder son début.")
    enrolled = fields.get("enrolled") or 0
    if (fields.get("completed") or 0) + (fields.get("dropouts") or 0) > enrolled:
        errors["completed"] = _(
            "Parcours terminés et abandons dépassent le nombre d'inscrit·es (%(enrolled)s)."
        ) % {"enrolled": enrolled}
    if (fields.get("certification_passed") or 0) > (fields.get("certification_candidates") or 0):
        errors["certification_passed"] = _("Plus de certifié·es que de candidat·es.")
    if (fields.get("certification_candidates") or 0) > enrolled:
        errors["certification_candidates"] = _("Plus de candidat·es que d'inscrit·es.")
    for average, count in (("hot_average", "hot_responses"), ("cold_average", "cold_responses")):
        value = fields.get(average)
        if value is not None and not Decimal(0) <= value <= Decimal(10):
            errors[average] = _("Une moyenne de satisfaction est comprise entre 0 et 10.")
        if value is not None and not fields.get(count):
            errors[count] = _("Indiquez sur combien de réponses porte la moyenne.")
        if (fields.get(count) or 0) > enrolled:
            errors[count] = _("Plus de réponses que d'inscrit·es.")
    if (fields.get("recommend_yes") or 0) > (fields.get("recommend_responses") or 0):
        errors["recommend_yes"] = _("Plus de « oui » que de réponses.")
    # Whether the subcontractor is certified decides a CPF funding (Code du travail L6323-9-2):
    # a named subcontractor needs the answer, an answer needs the name.
    subcontractor = (fields.get("subcontractor") or "").strip()
    if subcontractor and not fields.get("subcontractor_status"):
        errors["subcontractor_status"] = _(
            "Indiquez si le sous-traitant est certifié Qualiopi (exigé pour le CPF depuis le "
            "1er avril 2024)."
        )
    if fields.get("subcontractor_status") and not subcontractor:
        errors["subcontractor"] = _("Nommez le sous-traitant, ou laissez sa certification vide.")
    if errors:
        raise ValidationError(errors)


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
    from . import imports

    rows, errors = imports.parse(data)
    if errors:
        raise ValidationError(errors)
    # Every line is already checked like the form checks it: one insert, one readiness request.
    created = Session.objects.bulk_create(Session(offer=offer, **row) for row in rows)
    readiness_changed("sessions imported")
    return created
