"""Reading the CSV files people export from spreadsheets (semicolons, Windows encodings)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 1024 * 1024


def csv_rows(data: bytes, *, max_bytes: int = MAX_BYTES) -> Iterator[list[str]]:
    """The rows of a CSV file: UTF-8 (with or without BOM) or Windows-1252, separated by
    semicolons, commas or tabs. A file that is empty, too large or not text is refused."""
    if not data.strip():
        raise ValidationError(_("Le fichier est vide."))
    if len(data) > max_bytes:
        raise ValidationError(
            _("Le fichier dépasse %(size)s Mo.") % {"size": max_bytes // (1024 * 1024)}
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("Le fichier n'est pas un texte lisible (CSV attendu)."))
    if "\x00" in text:
        raise ValidationError(_("Le fichier n'est pas un texte lisible (CSV attendu)."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    return csv.reader(io.StringIO(text), dialect)
