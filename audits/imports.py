"""Findings from the certifier's report as CSV: indicator, severity, text (one finding a line).

Every line is checked before anything is written; one bad line refuses the whole file, and each
error names its line, so the referent fixes the file and sends it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qualiopi_portal.core.csvfiles import csv_rows
from qualiopi_portal.core.text import fold

MAX_LINES = 500

# What people write in the severity column → the finding kind.
SEVERITIES = {
    "conforme": "conform",
    "c": "conform",
    "nc mineure": "nc_minor",
    "mineure": "nc_minor",
    "ncm": "nc_minor",
    "nc majeure": "nc_major",
    "majeure": "nc_major",
    "ncmaj": "nc_major",
    "point sensible": "sensitive",
    "observation": "sensitive",
    "point fort": "strength",
}
HEADER_WORDS = {"indicateur", "indicateurs", "n°", "numero", "numéro"}


@dataclass(frozen=True)
class Row:
    line: int
    indicator_number: int
    kind: str
    description: str


def parse(data: bytes, *, known_numbers: set[int]) -> tuple[list[Row], list[str]]:
    """The rows of a findings file and, if any, the errors (then nothing must be imported)."""
    try:
        reader = csv_rows(data)
    except ValidationError as error:
        return [], error.messages
    folded = {fold(key): value for key, value in SEVERITIES.items()}
    rows, errors = [], []
    for line, fields in enumerate(reader, start=1):
        if not any(field.strip() for field in fields):
            continue
        if line == 1 and fold(fields[0]) in HEADER_WORDS:
            continue
        if len(rows) + len(errors) >= MAX_LINES:
            errors.append(_("Plus de %(max)s lignes : découpez le fichier.") % {"max": MAX_LINES})
            break
        if len(fields) < 3:
            errors.append(
                _("Ligne %(line)s : trois colonnes attendues (indicateur, constat, texte).")
                % {"line": line}
            )
            continue
        number_text, severity_text, description = fields[0].strip(), fields[1], fields[2].strip()
        line_errors = []
        number = int(number_text) if number_text.isdigit() else None
        if number is None or number not in known_numbers:
            line_errors.append(
                _("Ligne %(line)s : indicateur « %(value)s » inconnu dans la version de l'audit.")
                % {"line": line, "value": number_text[:20]}
            )
        kind = folded.get(fold(severity_text))
        if kind is None:
            line_errors.append(
                _(
                    "Ligne %(line)s : constat « %(value)s » inconnu (conforme, NC mineure, "
                    "NC majeure, point sensible ou point fort)."
                )
                % {"line": line, "value": severity_text.strip()[:30]}
            )
        if not description:
            line_errors.append(_("Ligne %(line)s : le texte du constat manque.") % {"line": line})
        if line_errors:
            errors.extend(line_errors)
        else:
            rows.append(Row(line, number, kind, description[:5000]))
    if not rows and not errors:
        errors.append(_("Aucun constat dans le fichier."))
    return rows, errors
