"""Validators for the identifiers a French training provider declares."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# SIREN of La Poste: its establishments do not follow the Luhn rule (INSEE exception).
LA_POSTE_SIREN = "356000000"

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$")
# Path segments the portal uses itself, and schema names that PostgreSQL or we reserve.
RESERVED_SLUGS = frozenset(
    {"admin", "public", "static", "media", "template", "www", "api", "accounts", "healthz"}
)


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siret(value: str) -> None:
    if not re.fullmatch(r"\d{14}", value or ""):
        raise ValidationError(
            _("Le SIRET doit comporter exactement 14 chiffres, sans espace."), code="siret_format"
        )
    if value.startswith(LA_POSTE_SIREN):
        if sum(int(c) for c in value) % 5 != 0:
            raise ValidationError(
                _("Ce SIRET n'est pas valide (clé de contrôle)."), code="siret_key"
            )
        return
    if not luhn_is_valid(value):
        raise ValidationError(
            _("Ce SIRET n'est pas valide : la clé de contrôle ne correspond pas."), code="siret_key"
        )


def validate_nda(value: str) -> None:
    if not re.fullmatch(r"\d{11}", value or ""):
        raise ValidationError(
            _(
                "Le numéro de déclaration d'activité (NDA) doit comporter exactement 11 chiffres, "
                "sans espace."
            ),
            code="nda_format",
        )


def validate_organisation_slug(value: str) -> None:
    if not SLUG_PATTERN.fullmatch(value or ""):
        raise ValidationError(
            _(
                "L'identifiant doit comporter de 3 à 40 caractères : lettres minuscules sans "
                "accent, chiffres et tirets, sans tiret au début ni à la fin."
            ),
            code="slug_format",
        )
    if value in RESERVED_SLUGS or value.startswith("pg-"):
        raise ValidationError(
            _("L'identifiant « %(slug)s » est réservé, choisissez-en un autre."),
            code="slug_reserved",
            params={"slug": value},
        )
