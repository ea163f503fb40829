"""The default wording of each document and the fields a wording may name (pure).

An organisation adjusts its letterhead and wording; the certificat de réalisation keeps the
ministry's model (arrêté du 21 décembre 2018, pièce 3; seed 002, toolbox document 9) and only
its letterhead and signatory change. The attestation states what L6353-1 of the Code du
travail asks of it: objectives, nature and duration of the action, results of the evaluation.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

# What a wording may name, in braces: {apprenant}, {formation}…
FIELDS = {
    "apprenant": _("Prénom et nom de l'apprenant·e"),
    "employeur": _("Employeur de l'apprenant·e"),
    "formation": _("Intitulé de la formation"),
    "debut": _("Premier jour de la session"),
    "fin": _("Dernier jour de la session"),
    "lieu": _("Lieu de la session (ou « à distance »)"),
    "duree": _("Durée prévue de la formation, en heures"),
    "heures": _("Heures suivies d'après l'émargement"),
    "organisme": _("Raison sociale de l'organisme"),
}

DEFAULTS: dict[str, dict[str, Any]] = {
    "convocation": {
        "body": _(
            "Bonjour {apprenant},\n\nNous avons le plaisir de vous convoquer à la formation "
            "« {formation} », du {debut} au {fin}, lieu : {lieu}. Elle dure {duree} heures.\n\n"
            "Merci de vous présenter un quart d'heure avant le début. Pour toute question, "
            "y compris un besoin d'adaptation lié à une situation de handicap, répondez à ce "
            "message."
        ),
        "closing": _("L'équipe de {organisme}"),
    },
    "agreement": {
        "body": _(
            "Entre {organisme}, organisme de formation, et {employeur}, il est convenu de la "
            "formation « {formation} » au bénéfice de {apprenant}, du {debut} au {fin} "
            "({lieu}), pour une durée de {duree} heures, selon le programme joint. Les "
            "objectifs, les moyens pédagogiques, les modalités d'évaluation et le prix sont "
            "ceux du programme et de la proposition acceptée."
        ),
        "closing": _(
            "Fait en deux exemplaires. Signatures précédées de la mention « lu et approuvé »."
        ),
    },
    "programme": {"body": "", "closing": ""},
    "attestation": {
        "body": _(
            "{organisme} atteste que {apprenant} a suivi la formation « {formation} » du "
            "{debut} au {fin}, soit {heures} heures de présence sur {duree} heures prévues."
        ),
        "closing": _("Attestation remise à la personne, confidentielle."),
    },
    "certificate": {"body": "", "closing": ""},
    "attendance_sheet": {"body": "", "closing": ""},
}


class WordingError(ValueError):
    """A field named in braces that the portal does not know, or braces not closed."""


def check(text: str) -> None:
    """Refuse a wording that names an unknown field (the message lists the known ones)."""
    try:
        names = [name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name]
    except ValueError as error:
        raise WordingError(f"accolade mal fermée ({error})") from None
    unknown = sorted({name for name in names if name not in FIELDS})
    if unknown:
        raise WordingError(", ".join("{" + name + "}" for name in unknown))


def fill(text: str, values: Mapping[str, str]) -> str:
    """The wording with its fields replaced; an unknown field is left as typed (never raises)."""
    try:
        return string.Formatter().vformat(text, (), _Missing(values))
    except (ValueError, IndexError):
        return text


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
