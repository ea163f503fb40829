"""The attendance grid's cells as HTML, built with format_html (escaped), as the portfolio
builds its rows (qualiopi_portal/portfolio/cockpit.py).

Why not the template: a cell is a dozen tags and variables; 20 learners × 20 half-days made
the template engine most of the page's time. Here the fixed labels are translated once per
page and each cell is one or two format_html calls (docs/decisions/0021).
"""

from __future__ import annotations

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from qualiopi_portal.core.reverse import path_maker

from .models import AttendanceRecord
from .selectors import Cell, Grid


def attendance_cells(
    grid: Grid, *, organisation_slug: str, session_pk: int, can_correct: bool
) -> list[list[SafeString]]:
    """Each row's cells' contents, in the grid's order."""
    status = AttendanceRecord.Status
    badges = {
        status.PRESENT: format_html('<span class="badge badge--ok">{}</span>', _("Présent·e")),
        status.ABSENT_JUSTIFIED: format_html(
            '<span class="badge badge--warn">{}</span>', _("Absence justifiée")
        ),
        status.ABSENT_UNJUSTIFIED: format_html(
            '<span class="badge badge--danger">{}</span>', _("Absence non justifiée")
        ),
    }
    empty = mark_safe('<span class="muted">—</span>')
    corrected = format_html('<br><span class="small muted">{}</span>', _("corrigé"))
    correct_link = format_html('">{}</a>', _("Corriger"))
    # Translated once; the numbers are integers, so the cells are joined without escaping.
    late = conditional_escape(_("retard %(minutes)s min"))
    left_early = conditional_escape(_("départ −%(minutes)s min"))
    correct_url = path_maker(
        "org:record_correct",
        {"organisation_slug": organisation_slug, "session_pk": session_pk},
        "pk",
    )

    def cell_html(cell: Cell) -> SafeString:
        record = cell.record
        html = badges.get(cell.status, empty)
        if record is not None and cell.status == status.PRESENT:
            if record.minutes_late:
                html += '<br><span class="small">' + late % {"minutes": int(record.minutes_late)}
                html += "</span>"
            if record.minutes_left_early:
                minutes = int(record.minutes_left_early)
                html += '<br><span class="small">' + left_early % {"minutes": minutes}
                html += "</span>"
        if cell.corrected:
            html += corrected
        if can_correct and record is not None and cell.closed:
            html += '<br><a class="small" href="' + correct_url(record.pk) + correct_link
        return mark_safe(html)  # noqa: S308 - escaped labels, integers and our own paths

    return [[cell_html(cell) for cell in row.cells] for row in grid.rows]


def attendance_rows(
    grid: Grid, *, organisation_slug: str, session_pk: int, can_correct: bool
) -> list[SafeString]:
    """Each row's half-day cells as one string of <td> elements (the template adds the
    learner's name and the hours around it)."""
    return [
        mark_safe("".join(f"<td>{cell}</td>" for cell in cells))  # noqa: S308 - built above
        for cells in attendance_cells(
            grid,
            organisation_slug=organisation_slug,
            session_pk=session_pk,
            can_correct=can_correct,
        )
    ]
