"""The evidence register's rows as HTML, built with format_html (escaped), as the portfolio
and the attendance grid build theirs (docs/decisions/0021).

Why not the template: a row is some thirty tags, variables and plurals; 50 rows a page made
the template engine the largest part of the register's time. The markup is the template's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from html import escape

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qualiopi_portal.core.reverse import path_maker

from .models import EvidenceItem

STATUS_BADGES = {
    EvidenceItem.Status.VALIDATED: "badge--ok",
    EvidenceItem.Status.SUBMITTED: "badge--info",
    EvidenceItem.Status.REJECTED: "badge--danger",
    EvidenceItem.Status.EXPIRED: "badge--warn",
}


def register_rows(
    items: Iterable[EvidenceItem], *, organisation_slug: str, today: date, soon: date
) -> list[SafeString]:
    """One <tr> per proof: title and nature, indicators, status, owner, validity, last change."""
    detail_url = path_maker("org:evidence_detail", {"organisation_slug": organisation_slug}, "pk")
    archived = format_html(' <span class="badge">{}</span>', _("Archivée"))
    web_link = format_html(" · {}", _("lien web"))
    no_end = format_html('<span class="muted">{}</span>', _("sans échéance"))
    lapsed, expiring, until = _("échue le %(day)s"), _("expire le %(day)s"), _("jusqu’au %(day)s")

    def short(day: date) -> str:
        return formats.date_format(day, "SHORT_DATE_FORMAT")

    rows = []
    for item in items:
        # html.escape: the same escaping as Django's, without its lazy-string wrappers (50 rows
        # × a dozen values a page).
        details = escape(item.get_kind_display())
        if item.version_count:
            count = item.version_count
            versions = ngettext("%(count)s version", "%(count)s versions", count)
            details += " · " + escape(versions % {"count": count})
        elif item.url:
            details += web_link
        if item.concerns:
            details += " · " + escape(item.concerns.display_name)
        if item.valid_until is None:
            validity = no_end
        else:
            day = {"day": short(item.valid_until)}
            if item.valid_until < today:
                validity = f'<span class="badge badge--warn">{escape(lapsed % day)}</span>'
            elif item.valid_until <= soon:
                validity = f'<span class="badge badge--warn">{escape(expiring % day)}</span>'
            else:
                validity = escape(until % day)
        numbers = "".join(
            f'<span class="indicator-number">{int(n)}</span> ' for n in item.indicator_numbers
        )
        status = (
            f'<span class="badge {STATUS_BADGES.get(item.status, "")}">'
            f"{escape(item.get_status_display())}</span>{archived if item.is_archived else ''}"
        )
        owner = escape(item.owner.display_name) if item.owner else ""
        rows.append(
            mark_safe(  # noqa: S308 - every value escaped above
                f'<tr>\n      <th scope="row"><a href="{detail_url(item.pk)}">'
                f'{escape(item.title)}</a><br><span class="muted small">{details}</span></th>\n'
                f"      <td>{numbers}</td>\n      <td>{status}</td>\n      <td>{owner}</td>\n"
                f"      <td>{validity}</td>\n"
                f"      <td>{short(timezone.localtime(item.updated_at).date())}</td>\n    </tr>"
            )
        )
    return rows
