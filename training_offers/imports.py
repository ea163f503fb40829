"""Sessions of an offer from a CSV file (e.g. the satisfaction survey's export).

The first line names the columns (any order, any subset of COLUMNS, `debut` and `fin`
required); every line is checked like the form checks it; one bad line refuses the file and
each error names its line.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qualiopi_portal.core.csvfiles import csv_rows

from .checks import check_session

COLUMNS = {
    "debut": "starts_on",
    "fin": "ends_on",
    "lieu": "place",
    "inscrits": "enrolled",
    "termines": "completed",
    "abandons": "dropouts",
    "satisfaction_chaud": "hot_average",
    "reponses_chaud": "hot_responses",
    "satisfaction_froid": "cold_average",
    "reponses_froid": "cold_responses",
    "recommandent": "recommend_yes",
    "reponses_recommandation": "recommend_responses",
    "candidats": "certification_candidates",
    "certifies": "certification_passed",
}
DATES = {"starts_on", "ends_on"}
DECIMALS = {"hot_average", "cold_average"}
TEXTS = {"place"}


def _date(value: str) -> date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError


def parse(data: bytes) -> tuple[list[dict], list[str]]:
    try:
        reader = csv_rows(data)
    except ValidationError as error:
        return [], error.messages
    header = [column.strip().lower() for column in next(reader, [])]
    unknown = [column for column in header if column not in COLUMNS]
    if unknown:
        return [], [
            _("Ligne 1 : colonne(s) inconnue(s) : %(columns)s. Colonnes possibles : %(known)s.")
            % {"columns": ", ".join(unknown), "known": ", ".join(COLUMNS)}
        ]
    if not {"debut", "fin"} <= set(header):
        return [], [_("Ligne 1 : les colonnes « debut » et « fin » sont obligatoires.")]
    rows, errors = [], []
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            errors.append(
                _("Ligne %(line)s : %(found)s valeurs pour %(expected)s colonnes.")
                % {"line": line, "found": len(values), "expected": len(header)}
            )
            continue
        fields: dict = {}
        line_errors = []
        for column, raw in zip(header, values, strict=True):
            name, value = COLUMNS[column], raw.strip()
            try:
                if name in DATES:
                    fields[name] = _date(value)
                elif name in DECIMALS:
                    fields[name] = Decimal(value.replace(",", ".")) if value else None
                elif name in TEXTS:
                    fields[name] = value[:200]
                else:
                    number = int(value) if value else 0
                    if number < 0:
                        raise ValueError
                    fields[name] = number
            except (ValueError, InvalidOperation):
                line_errors.append(
                    _("Ligne %(line)s : « %(value)s » n'est pas valable pour « %(column)s ».")
                    % {"line": line, "value": value[:30], "column": column}
                )
        if not line_errors:
            try:
                check_session(fields)
            except ValidationError as error:
                line_errors += [
                    _("Ligne %(line)s : %(message)s") % {"line": line, "message": message}
                    for messages in error.message_dict.values()
                    for message in messages
                ]
        if line_errors:
            errors += line_errors
        else:
            rows.append(fields)
    if not rows and not errors:
        errors.append(_("Aucune session dans le fichier."))
    return rows, errors
