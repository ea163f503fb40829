"""The consultant's portfolio: every client organisation of their firms, side by side.

A page of the public part that reads the public readiness summaries (and, for the review queue,
each client's schema); it sits above the domains and the tenancy it reads.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from indicators.referential import selectors as referential
from qualiopi_portal.tenancy import selectors

from . import cockpit
from .forms import PortfolioFilterForm

# A consultancy following hundreds of clients reads them a page at a time.
PORTFOLIO_PAGE_SIZE = 50
# The review queue shows the oldest submitted items first; beyond this, filter by client.
REVIEW_QUEUE_LIMIT = 200


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    """The consultant cockpit: one row per client, sortable and filterable."""
    _consultant_or_404(request)
    form = PortfolioFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    sort = request.GET.get("tri", cockpit.DEFAULT_SORT)
    if sort.lstrip("-") not in cockpit.SORTS:
        sort = cockpit.DEFAULT_SORT
    clients = cockpit.portfolio_clients(
        user=request.user,
        sort=sort,
        outcome=filters.get("issue") or "",
        query=filters.get("q") or "",
        within_days=filters.get("audit_sous"),
    )
    page = Paginator(clients, PORTFOLIO_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = cockpit.cockpit_rows(page.object_list)
    query = request.GET.copy()
    query.pop("tri", None)
    query.pop("page", None)
    page_query = request.GET.copy()
    page_query.pop("page", None)
    return render(
        request,
        "portfolio/portfolio.html",
        {
            "page": page,
            "rows": rows,
            "lines": cockpit.cockpit_lines(rows),
            "form": form,
            "sort": sort,
            "query": query.urlencode(),
            "page_query": page_query.urlencode(),
            "filtered": bool(filters and any(v not in (None, "") for v in filters.values())),
            "firms": selectors.firms_for_user(user=request.user),
        },
    )


def _consultant_or_404(request: HttpRequest) -> None:
    if not selectors.user_is_consultant(user=request.user):
        raise Http404


@login_required
def portfolio_grid(request: HttpRequest) -> HttpResponse:
    """Indicators × clients: which indicators are weak across the portfolio."""
    _consultant_or_404(request)
    rows = cockpit.portfolio_rows(user=request.user, sort="nom", with_statuses=True)
    try:
        version = referential.version_in_force_on(day=timezone.localdate())
        indicators = referential.indicators_of(version)
    except referential.NoVersionInForce:
        version, indicators = None, []
    columns = cockpit.indicator_grid(rows=rows, indicators=indicators)
    return render(
        request,
        "portfolio/portfolio_grid.html",
        {
            "rows": cockpit.grid_rows(rows=rows, columns=columns),
            "columns": columns,
            "version": version,
            "weakest": sorted(
                (c for c in columns if c.weak),
                key=lambda c: (-c.weak, not c.is_fundamental, c.number),
            )[:5],
        },
    )


@login_required
def portfolio_review(request: HttpRequest) -> HttpResponse:
    """Every submitted item across the clients, oldest first, each linking to its page."""
    _consultant_or_404(request)
    items = cockpit.review_queue(user=request.user, limit=REVIEW_QUEUE_LIMIT + 1)
    return render(
        request,
        "portfolio/portfolio_review.html",
        {
            "items": items[:REVIEW_QUEUE_LIMIT],
            "truncated": len(items) > REVIEW_QUEUE_LIMIT,
            "limit": REVIEW_QUEUE_LIMIT,
        },
    )
