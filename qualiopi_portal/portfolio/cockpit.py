"""The consultant cockpit (public side): every client at a glance, read from the public schema.

The per-client figures come from `OrganisationReadiness`, written by each readiness computation,
so the portfolio costs the same few queries for 3 clients or 300. Only the review queue reads
inside the clients' schemas, in one UNION ALL statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from html import escape

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy, RawSQL
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators.readiness import IndicatorStatus
from qualiopi_portal.core.databases import connection_for
from qualiopi_portal.tenancy.models import (
    Organisation,
    OrganisationReadiness,
)
from qualiopi_portal.tenancy.selectors import client_organisations


def _order(sort: str) -> list[OrderBy]:
    """The cockpit's sorts in SQL, so that a page of 50 clients out of 1,000 is all Python sees.

    Clients without a figure (never computed, no audit date) come last, and first when the
    order is reversed; ties are broken by name.
    """
    name = Lower("name")
    orders: dict[str, list] = {
        "nom": [name],
        "preparation": [F("readiness__overall_percent"), name],
        "audit": [F("next_audit_date"), name],
        "a-valider": [Coalesce("readiness__pending_review", 0).desc(), name],
        "retards": [Coalesce("readiness__overdue_actions", 0).desc(), name],
        "nc": [Coalesce("readiness__open_findings", 0).desc(), name],
    }
    reverse = sort.startswith("-")
    result = []
    for term in orders.get(sort.lstrip("-"), orders[DEFAULT_SORT]):
        if isinstance(term, OrderBy):
            descending = not term.descending if reverse else term.descending
            term = term.expression
        else:
            descending = reverse
        result.append(term.desc(nulls_first=True) if descending else term.asc(nulls_last=True))
    return result


SORTS = ("nom", "preparation", "audit", "a-valider", "retards", "nc")
DEFAULT_SORT = "audit"


_SLUG = "__slug__"


@cache
def _path_template(name: str) -> str:
    return reverse(name, kwargs={"organisation_slug": _SLUG})


def org_path(name: str, slug: str) -> str:
    """reverse() once per URL name, not once per client row (300 rows, 3 links each)."""
    return _path_template(name).replace(_SLUG, slug)


@dataclass(frozen=True)
class CockpitRow:
    organisation: Organisation
    summary: OrganisationReadiness | None
    days_to_audit: int | None

    @property
    def dashboard_url(self) -> str:
        return org_path("org:dashboard", self.organisation.slug)

    @property
    def evidence_url(self) -> str:
        return org_path("org:evidence_list", self.organisation.slug)

    @property
    def actions_url(self) -> str:
        return org_path("org:action_list", self.organisation.slug)

    @property
    def audits_url(self) -> str:
        return org_path("org:audit_list", self.organisation.slug)

    @property
    def percent(self) -> float | None:
        return self.summary.overall_percent if self.summary else None

    @property
    def outcome(self) -> str:
        return self.summary.outcome if self.summary else ""

    @property
    def pending_review(self) -> int:
        return self.summary.pending_review if self.summary else 0

    @property
    def open_findings(self) -> int:
        return self.summary.open_findings if self.summary else 0

    @property
    def overdue_actions(self) -> int:
        return self.summary.overdue_actions if self.summary else 0

    @property
    def percent_rounded(self) -> int | None:
        return None if self.percent is None else round(self.percent)

    @property
    def trend_delta(self) -> int | None:
        """Change since the oldest day kept (up to 30 days), in points (computed in SQL)."""
        delta = getattr(self.organisation, "trend_delta", None)
        return None if delta is None else round(delta)

    @property
    def statuses(self) -> dict[str, str]:
        return self.summary.indicator_statuses if self.summary else {}


_TREND_DELTA = RawSQL(
    "CASE WHEN jsonb_array_length(tenancy_organisationreadiness.trend) > 1 THEN "
    "(tenancy_organisationreadiness.trend -> -1 ->> 1)::float "
    "- (tenancy_organisationreadiness.trend -> 0 ->> 1)::float END",
    [],
)


def portfolio_clients(
    *,
    user,
    today: date | None = None,
    sort: str = DEFAULT_SORT,
    outcome: str = "",
    query: str = "",
    within_days: int | None = None,
    with_statuses: bool = False,
) -> QuerySet[Organisation]:
    """The clients, filtered and sorted by PostgreSQL (one query for a page, one for the count).

    Only the grid needs every indicator's status: other pages leave that JSON unread.
    """
    today = today or timezone.localdate()
    organisations = client_organisations(user=user)
    # The trend's change is computed by PostgreSQL: 300 × 30 points never reach Python.
    organisations = organisations.annotate(trend_delta=_TREND_DELTA).defer("readiness__trend")
    if not with_statuses:
        organisations = organisations.defer("readiness__indicator_statuses")
    if query:
        organisations = organisations.filter(Q(name__icontains=query) | Q(slug__icontains=query))
    if outcome == "non-calcule":
        organisations = organisations.filter(
            Q(readiness__isnull=True) | Q(readiness__computed_at__isnull=True)
        )
    elif outcome:
        organisations = organisations.filter(readiness__outcome=outcome)
    if within_days is not None:
        organisations = organisations.filter(
            next_audit_date__range=(today, today + timedelta(days=within_days))
        )
    return organisations.order_by(*_order(sort))


def cockpit_rows(organisations, *, today: date | None = None) -> list[CockpitRow]:
    """The rows of the clients given (a page of them, usually)."""
    today = today or timezone.localdate()
    rows = []
    for organisation in organisations:
        try:
            summary = organisation.readiness
        except OrganisationReadiness.DoesNotExist:
            summary = None
        audit = organisation.next_audit_date
        rows.append(CockpitRow(organisation, summary, (audit - today).days if audit else None))
    return rows


def portfolio_rows(*, user, today: date | None = None, **filters) -> list[CockpitRow]:
    """Every client's row (the grid and the tests; the cockpit itself reads one page)."""
    return cockpit_rows(portfolio_clients(user=user, today=today, **filters), today=today)


def _counter(count: int, url: str, css: str = "") -> str:
    if not count:
        return "<td>0</td>"
    css_attribute = f' class="{escape(css)}"' if css else ""
    return f'<td><a{css_attribute} href="{escape(url)}">{int(count)}</a></td>'


def cockpit_lines(rows: list[CockpitRow]) -> list[SafeString]:
    """The portfolio's table rows, built with format_html (escaped) as Django's admin builds
    its change lists.

    Why not the template: the template engine pays a few microseconds per variable, tag and
    plural; at some thirty per row, 300 clients spent most of the page's time there. Here the
    fixed labels are translated once per page and each row is a handful of format_html calls.
    """
    outcomes = {
        "certifiable": format_html('<span class="badge badge--ok">{}</span>', _("Certifiable")),
        "certifiable_with_minors": format_html(
            '<span class="badge badge--warn">{}</span>', _("Certifiable avec NC mineures")
        ),
        "not_certifiable": format_html(
            '<span class="badge badge--danger">{}</span>', _("Non certifiable en l'état")
        ),
    }
    not_computed = format_html('<span class="muted">{}</span>', _("pas encore calculée"))
    # Said, not only shown: a trend needs computations on two different days of the month.
    no_trend = format_html(
        '<span class="muted">—<span class="visually-hidden"> {}</span></span>',
        _("pas encore deux jours de calcul sur 30 jours"),
    )
    flat = format_html('<span class="muted">{}</span>', _("= 0 pt"))
    not_planned = format_html('<span class="muted">{}</span>', _("non planifié"))
    past = format_html('<br><span class="badge badge--warn">{}</span>', _("date passée"))
    short_date = formats.get_format("SHORT_DATE_FORMAT")
    lines = []
    # html.escape: Django's escaping without its lazy-string wrappers (50 rows, ~15 values each).
    for row in rows:
        organisation = row.organisation
        percent = row.percent_rounded
        major = row.summary.predicted_major if row.summary else 0
        outcome = outcomes.get(row.outcome, "—")
        if major:
            count = ngettext(
                "%(count)s NC majeure prévisible", "%(count)s NC majeures prévisibles", major
            ) % {"count": major}
            outcome = f'{outcome}<br><span class="muted small">{escape(count)}</span>'
        delta = row.trend_delta
        if delta is None:
            trend = no_trend
        elif delta > 0:
            text = ngettext("▲ +%(points)s pt", "▲ +%(points)s pts", delta) % {"points": delta}
            trend = f'<span class="trend-up">{escape(text)}</span>'
        elif delta < 0:
            text = ngettext("▼ %(points)s pt", "▼ %(points)s pts", -delta) % {"points": delta}
            trend = f'<span class="trend-down">{escape(text)}</span>'
        else:
            trend = flat
        days = row.days_to_audit
        if days is None:
            audit = not_planned
        else:
            audit = escape(formats.date_format(organisation.next_audit_date, short_date))
            if days < 0:
                audit += past
            else:
                when = ngettext("dans %(days)s jour", "dans %(days)s jours", days) % {"days": days}
                audit += f'<br><span class="muted small">{escape(when)}</span>'
        score = not_computed if percent is None else f"<strong>{int(percent)} %</strong>"
        findings = _counter(row.open_findings, row.audits_url, "badge badge--warn")
        review = _counter(row.pending_review, f"{row.evidence_url}?statut=submitted")
        overdue = _counter(
            row.overdue_actions, f"{row.actions_url}?status=overdue", "badge badge--danger"
        )
        lines.append(
            mark_safe(  # noqa: S308 - every value escaped above
                f'<th scope="row"><a href="{escape(row.dashboard_url)}">{escape(organisation.name)}'
                f'</a><br><span class="muted small">{escape(", ".join(organisation.categories))}'
                f"</span></th><td>{score}</td><td>{outcome}</td><td>{trend}</td><td>{audit}</td>"
                f"{findings}{review}{overdue}"
            )
        )
    return lines


@dataclass(frozen=True)
class GridColumn:
    number: int
    title: str
    is_fundamental: bool
    weak: int  # clients for which the indicator is missing or partial


@dataclass(frozen=True)
class GridRow:
    row: CockpitRow
    cells: SafeString  # one <td> per column


def grid_rows(*, rows: list[CockpitRow], columns: list[GridColumn]) -> list[GridRow]:
    """Each row's cells printed once here: five possible cells, reused across 33 × 300 slots.

    Why: looping over 9,900 cells in the template cost some 100 ms per page.
    """
    cell = '<td><span class="cell cell--{}" title="{}">{}</span></td>'
    cells = {
        IndicatorStatus.READY: format_html(cell, "ready", _("prêt"), "✓"),
        IndicatorStatus.PARTIAL: format_html(cell, "partial", _("partiel"), "½"),
        IndicatorStatus.MISSING: format_html(cell, "missing", _("manquant"), "✗"),
        IndicatorStatus.NOT_APPLICABLE: format_html(
            cell, "not_applicable", _("non applicable"), "·"
        ),
    }
    unknown = format_html(cell, "unknown", _("pas encore calculé"), "?")
    keys = [str(column.number) for column in columns]
    return [
        GridRow(
            row,
            # Safe: every part is one of the five cells built by format_html above.
            mark_safe("".join([cells.get(row.statuses.get(key), unknown) for key in keys])),  # noqa: S308
        )
        for row in rows
    ]


def indicator_grid(*, rows: list[CockpitRow], indicators: list) -> list[GridColumn]:
    """Per indicator, how many clients are not ready on it: the common weaknesses."""
    weak_statuses = {IndicatorStatus.MISSING, IndicatorStatus.PARTIAL}
    return [
        GridColumn(
            indicator.number,
            indicator.title,
            indicator.is_fundamental,
            sum(1 for row in rows if row.statuses.get(str(indicator.number)) in weak_statuses),
        )
        for indicator in indicators
    ]


@dataclass(frozen=True)
class QueueItem:
    organisation: Organisation
    item_id: int
    title: str
    indicator_numbers: list[int]
    updated_at: datetime


_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _checked_schema(schema: str) -> str:
    """Identifiers cannot be bound parameters: accept only what schema_name_for produces."""
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"unexpected schema name {schema!r}")
    return schema


def review_queue(*, user, limit: int = 200) -> list[QueueItem]:
    """Submitted items across every client the user reviews, oldest first, in one statement.

    Schema names come from the Organisation rows (validated when created), and are quoted.
    """
    organisations = {org.schema_name: org for org in client_organisations(user=user)}
    if not organisations:
        return []
    quote = connection.ops.quote_name
    # One statement per database holding some of them (one in all with a single database:
    # docs/decisions/0022), merged in the same order.
    by_database: dict[str, list[str]] = {}
    for schema, org in organisations.items():
        by_database.setdefault(org.database, []).append(schema)
    fetched = []
    for database, schemas in by_database.items():
        parts = [
            "SELECT %s AS schema_name, id, title, indicator_numbers, updated_at "  # noqa: S608
            f"FROM {quote(_checked_schema(schema))}.evidence_evidenceitem "
            "WHERE status = 'submitted' AND NOT is_archived"
            for schema in schemas
        ]
        sql = " UNION ALL ".join(parts) + " ORDER BY updated_at, schema_name, id LIMIT %s"
        with connection_for(database).cursor() as cursor:
            cursor.execute(sql, [*schemas, limit])
            fetched += cursor.fetchall()
    if len(by_database) > 1:
        fetched = sorted(fetched, key=lambda row: (row[4], row[0], row[1]))[:limit]
    return [
        QueueItem(organisations[schema], item_id, title, list(numbers or []), updated_at)
        for schema, item_id, title, numbers, updated_at in fetched
    ]
