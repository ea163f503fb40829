"""The evidence register's rows as HTML, built with format_html (escaped), as the portfolio
and the attendance grid build theirs (docs/decisions/0021).

Why not the template: a row is some thirty tags, variables and plurals; 50 rows a page made
the template engine the largest part of the register's time. The markup is the template's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
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
        details = [format_html("{}", item.get_kind_display())]
        if item.version_count:
            count = item.version_count
            versions = ngettext("%(count)s version", "%(count)s versions", count)
            details.append(format_html(" · {}", versions % {"count": count}))
        elif item.url:
            details.append(web_link)
        if item.concerns:
            details.append(format_html(" · {}", item.concerns.display_name))
        if item.valid_until is None:
            validity = no_end
        elif item.valid_until < today:
            day = {"day": short(item.valid_until)}
            validity = format_html('<span class="badge badge--warn">{}</span>', lapsed % day)
        elif item.valid_until <= soon:
            day = {"day": short(item.valid_until)}
            validity = format_html('<span class="badge badge--warn">{}</span>', expiring % day)
        else:
            validity = format_html("{}", until % {"day": short(item.valid_until)})
        rows.append(
            format_html(
                '<tr>\n      <th scope="row"><a href="{}">{}</a><br><span class="muted small">'
                "{}</span></th>\n      <td>{}</td>\n"
                '      <td><span class="badge {}">{}</span>{}</td>\n'
                "      <td>{}</td>\n      <td>{}</td>\n      <td>{}</td>\n    </tr>",
                detail_url(item.pk),
                item.title,
                mark_safe("".join(details)),  # noqa: S308 - each part escaped above
                format_html_join(
                    "",
                    '<span class="indicator-number">{}</span> ',
                    ((n,) for n in item.indicator_numbers),
                ),
                STATUS_BADGES.get(item.status, ""),
                item.get_status_display(),
                archived if item.is_archived else "",
                item.owner.display_name if item.owner else "",
                validity,
                short(timezone.localtime(item.updated_at).date()),
            )
        )
    return rows
