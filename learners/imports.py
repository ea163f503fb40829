"""Learners of a session from a CSV file: the portal's own columns, or the files that
Digiforma, Dendreo and Edusign users already export (their column names are accepted as they
are; see ALIASES). All lines or none; each error names its line.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from qualiopi_portal.core.csvfiles import csv_rows
from qualiopi_portal.core.text import fold

from .models import Learner

# The file's columns → the learner's fields.
COLUMNS = {
    "prenom": "first_name",
    "nom": "last_name",
    "email": "email",
    "telephone": "phone",
    "statut": "status",
    "employeur": "employer",
}
REQUIRED = ("prenom", "nom")
# Column names of other tools' exports, folded (lower case, no accents), → ours.
ALIASES = {
    # Digiforma (export des stagiaires d'une session)
    "prenom du stagiaire": "prenom",
    "nom du stagiaire": "nom",
    "email du stagiaire": "email",
    "entreprise": "employeur",
    # Dendreo (export des participants)
    "prenom participant": "prenom",
    "nom participant": "nom",
    "e-mail participant": "email",
    "telephone participant": "telephone",
    "entreprise participant": "employeur",
    # Edusign (export des apprenants)
    "firstname": "prenom",
    "lastname": "nom",
    "phone": "telephone",
    "company": "employeur",
    # Common spellings ("Prénom", "Téléphone" fold to the portal's own names)
    "e-mail": "email",
    "mail": "email",
    "tel": "telephone",
    "societe": "employeur",
}
STATUSES = {
    "salarie": Learner.Status.EMPLOYEE,
    "salariee": Learner.Status.EMPLOYEE,
    "salarie·e": Learner.Status.EMPLOYEE,
    "demandeur d'emploi": Learner.Status.JOBSEEKER,
    "demandeuse d'emploi": Learner.Status.JOBSEEKER,
    "apprenti": Learner.Status.APPRENTICE,
    "apprentie": Learner.Status.APPRENTICE,
    "particulier": Learner.Status.INDIVIDUAL,
    "agent public": Learner.Status.PUBLIC_AGENT,
    **{value: value for value in Learner.Status.values},
}


def _column(name: str) -> str | None:
    folded = fold(name)
    return folded if folded in COLUMNS else ALIASES.get(folded)


def parse(data: bytes) -> tuple[list[dict[str, str]], list[str]]:
    """The learners of the file (keyed by the learner's field names), or the French errors
    that refuse it."""
    try:
        reader = csv_rows(data)
    except ValidationError as error:
        return [], error.messages
    raw_header = next(reader, [])
    header = [_column(column) for column in raw_header]
    unknown = [raw for raw, column in zip(raw_header, header, strict=True) if column is None]
    if unknown:
        return [], [
            _("Ligne 1 : colonne(s) inconnue(s) : %(columns)s. Colonnes possibles : %(known)s.")
            % {"columns": ", ".join(unknown), "known": ", ".join(COLUMNS)}
        ]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        return [], [
            _("Ligne 1 : colonne(s) obligatoire(s) absente(s) : %(columns)s.")
            % {"columns": ", ".join(missing)}
        ]
    rows: list[dict[str, str]] = []
    errors: list[str] = []
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            errors.append(
                _("Ligne %(line)s : %(found)s valeurs pour %(expected)s colonnes.")
                % {"line": line, "found": len(values), "expected": len(header)}
            )
            continue
        row = {
            column: value.strip() for column, value in zip(header, values, strict=True) if column
        }
        line_errors = []
        for column in REQUIRED:
            if not row.get(column):
                line_errors.append(
                    _("Ligne %(line)s : « %(column)s » est vide.")
                    % {"line": line, "column": column}
                )
        for column, field in COLUMNS.items():
            limit = Learner._meta.get_field(field).max_length
            if len(row.get(column, "")) > limit:
                line_errors.append(
                    _("Ligne %(line)s : « %(column)s » dépasse %(limit)s caractères.")
                    % {"line": line, "column": column, "limit": limit}
                )
        if row.get("email"):
            try:
                validate_email(row["email"])
            except ValidationError:
                line_errors.append(
                    _("Ligne %(line)s : « %(value)s » n'est pas une adresse e-mail.")
                    % {"line": line, "value": row["email"][:60]}
                )
        status = fold(row.get("statut", "")) or "employee"
        if status not in STATUSES:
            line_errors.append(
                _(
                    "Ligne %(line)s : statut « %(value)s » inconnu (salarié, demandeur d'emploi, "
                    "apprenti, particulier, agent public)."
                )
                % {"line": line, "value": row.get("statut", "")[:40]}
            )
        else:
            row["statut"] = STATUSES[status]
        errors += line_errors
        if not line_errors:
            rows.append({field: row.get(column, "") for column, field in COLUMNS.items()})
    if not rows and not errors:
        errors.append(_("Le fichier ne contient aucun apprenant."))
    return rows, errors
