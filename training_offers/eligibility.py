"""Whether an offer may be bought with the CPF (pure function).

Code du travail, art. L6323-6, in force since 1 January 2024:
- I. « Sont éligibles au compte personnel de formation les actions de formation sanctionnées par
  les certifications professionnelles enregistrées au répertoire national prévu à l'article
  L. 6113-1, celles sanctionnées par les attestations de validation de blocs de compétences [...]
  et celles sanctionnées par les certifications et habilitations enregistrées dans le répertoire
  spécifique mentionné à l'article L. 6113-6 ».
- II. « Sont également éligibles [...] : 1° Les actions permettant de faire valider les acquis de
  l'expérience [...] ; 2° Les bilans de compétences [...] ; 3° La préparation de l'épreuve
  théorique du code de la route et de l'épreuve pratique du permis de conduire [...] ; 4° Les
  actions de formation d'accompagnement et de conseil dispensées aux créateurs ou repreneurs
  d'entreprises [...] ; 5° Les actions de formation destinées à permettre aux bénévoles et aux
  volontaires en service civique d'acquérir les compétences nécessaires à l'exercice de leurs
  missions », with the sapeurs-pompiers volontaires (CEC rights only).
The 3° covers every category of driving licence since 1 January 2024 (loi n° 2023-479 du 21 juin
2023, art. 3). The portal reads I, II 1° and II 2° from the offer (certifying with its code, its
action category); the other cases are declared on the offer (`cpf_other_case`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .completeness import certification_register

BASIS_TEXT = {
    "RNCP": _("certification enregistrée au RNCP (art. L6323-6, I)"),
    "RS": _("certification enregistrée au répertoire spécifique (art. L6323-6, I)"),
    "VAE": _("validation des acquis de l'expérience (art. L6323-6, II, 1°)"),
    "BC": _("bilan de compétences (art. L6323-6, II, 2°)"),
    "driving_licence": _("code de la route et permis de conduire (art. L6323-6, II, 3°)"),
    "business_creation": _(
        "accompagnement des créateurs ou repreneurs d'entreprise (art. L6323-6, II, 4°)"
    ),
    "volunteers": _(
        "formation de bénévoles ou de volontaires (art. L6323-6, II ; droits du compte "
        "d'engagement citoyen seulement)"
    ),
}
PROBLEM_TEXT = {
    "not_eligible": _(
        "Le CPF ne finance que les actions de l'article L6323-6 du Code du travail : "
        "certifications enregistrées au RNCP ou au répertoire spécifique (et blocs de "
        "compétences du RNCP), VAE, bilans de compétences, permis de conduire, accompagnement "
        "des créateurs ou repreneurs d'entreprise, formation des bénévoles et volontaires. "
        "Cette offre n'est ni certifiante, ni une VAE, ni un bilan de compétences, et aucun autre "
        "cas de l'article n'est indiqué sur l'offre."
    ),
    "certification_code": _(
        "L'offre est déclarée certifiante, mais son code RNCP ou RS manque ou est mal écrit : "
        "son éligibilité au CPF (Code du travail, art. L6323-6, I) ne peut pas être vérifiée."
    ),
}


@dataclass(frozen=True)
class CpfEligibility:
    basis: str | None  # a key of BASIS_TEXT when eligible
    problem: str | None  # a key of PROBLEM_TEXT when not

    @property
    def eligible(self) -> bool:
        return self.basis is not None

    @property
    def text(self) -> str:
        if self.basis:
            return str(BASIS_TEXT[self.basis])
        return str(PROBLEM_TEXT[self.problem or "not_eligible"])


def cpf_eligibility(offer: Mapping[str, Any]) -> CpfEligibility:
    """On which ground of L6323-6 the offer may be bought with the CPF, or why it may not."""
    if offer.get("is_certifying"):
        register = certification_register(str(offer.get("certification_code") or ""))
        if register:
            return CpfEligibility(register, None)
    category = str(offer.get("category") or "")
    if category in ("VAE", "BC"):
        return CpfEligibility(category, None)
    other = str(offer.get("cpf_other_case") or "")
    if other in BASIS_TEXT:
        return CpfEligibility(other, None)
    if offer.get("is_certifying"):
        return CpfEligibility(None, "certification_code")
    return CpfEligibility(None, "not_eligible")
