"""The rules a session's figures must follow, shared by the form's service and the CSV import."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def check_session(fields: dict[str, Any]) -> None:
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
