"""Tables downloaded as CSV (semicolons, UTF-8 with BOM: what French Excel opens) or XLSX.

One writer for every export, so that each one is safe against formula injection the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import Http404, HttpResponse

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Any) -> Any:
    """A cell starting with = + - @ would be run as a formula by a spreadsheet."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def table_response(
    *,
    export_format: str,
    filename: str,
    sheet_title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> HttpResponse:
    """The rows as a download named `filename` + extension; 404 for an unknown format."""
    if export_format == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_cell("" if value is None else str(value)) for value in row])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif export_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(sheet_title[:31])  # Excel's limit on sheet names
        sheet.append(list(header))
        for row in rows:
            sheet.append([safe_cell(value) for value in row])
        output = io.BytesIO()
        workbook.save(output)
        response = HttpResponse(output.getvalue(), content_type=XLSX_TYPE)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}.{export_format}"'
    return response
