"""Reads of the training offers app: completeness and results, ready for pages."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _

from qualiopi_portal.core.charts import BarChart, bar_chart
from qualiopi_portal.core.dates import add_months

from .completeness import Completeness, check
from .eligibility import CpfEligibility, cpf_eligibility
from .models import Offer, Session
from .results import Rate, SessionFigures, rates


def completeness(offer: Offer, *, version_code: str) -> Completeness:
    return check(model_to_dict(offer), version_code=version_code)


def cpf(offer: Offer) -> CpfEligibility:
    return cpf_eligibility(model_to_dict(offer))


@dataclass(frozen=True)
class PeriodResults:
    """Result rates with what a reader needs to judge them: the period and the sample."""

    rates: list[Rate]
    start: date | None
    end: date  # sessions that ended on or before this day, never after today
    session_count: int
    # Per calendar quarter of the sessions' end, oldest first: ("T3 2026", rates).
    quarters: list[tuple[str, list[Rate]]] = field(default_factory=list)

    def rate(self, code: str) -> Rate | None:
        return next((rate for rate in self.rates if rate.code == code), None)

    @property
    def asked(self) -> bool:
        """Whether any rate comes from people the portal asked (a response rate to show)."""
        return any(rate.invited for rate in self.rates)


def last_twelve_months(today: date) -> date:
    """The first day of the year of results ending today (the default period published)."""
    return add_months(today, -12) + timedelta(days=1)


def sessions_ended(
    *, end: date, offer: Offer | None = None, start: date | None = None
) -> QuerySet[Session]:
    """Sessions that ended within [start, end]: planned or running sessions have no result."""
    sessions = Session.objects.filter(ends_on__lte=end)
    if offer is not None:
        sessions = sessions.filter(offer=offer)
    if start:
        sessions = sessions.filter(ends_on__gte=start)
    return sessions


def period_results(
    *,
    offer: Offer | None = None,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> PeriodResults:
    """Rates of the sessions ended in the period; a period reaching past today stops today.

    Indicator 2 audits what the provider publishes: counting a session planned next year would
    publish learners who have not trained yet.
    """
    today = today or timezone.localdate()
    end = min(end, today) if end else today
    # The figures only, not whole sessions: a year of a large provider is hundreds of rows.
    rows = sessions_ended(offer=offer, start=start, end=end).order_by("ends_on", "pk")
    figures: list[SessionFigures] = []
    by_quarter: dict[tuple[int, int], list[SessionFigures]] = {}
    for ends_on, *values in rows.values_list("ends_on", *FIGURE_FIELDS):
        session = SessionFigures(**dict(zip(FIGURE_FIELDS, values, strict=True)))
        figures.append(session)
        by_quarter.setdefault((ends_on.year, (ends_on.month - 1) // 3 + 1), []).append(session)
    return PeriodResults(
        rates=_rates(figures),
        start=start,
        end=end,
        session_count=len(figures),
        quarters=[
            (str(_("T%(quarter)s %(year)s") % {"quarter": quarter, "year": year}), _rates(group))
            for (year, quarter), group in by_quarter.items()
        ],
    )


# The session fields the results read, named as SessionFigures names them.
FIGURE_FIELDS = tuple(field.name for field in fields(SessionFigures))


def _rates(sessions: list[SessionFigures]) -> list[Rate]:
    return rates(sessions, min_sample=settings.RESULTS_MIN_SAMPLE)


def offers_threatening(*, version_code: str) -> dict[int, int]:
    """Per indicator, how many published offers have a gap threatening it (feeds readiness)."""
    counts: dict[int, int] = {}
    for offer in Offer.objects.filter(status=Offer.Status.PUBLISHED):
        for number in completeness(offer, version_code=version_code).threatened():
            counts[number] = counts.get(number, 0) + 1
    return counts


def rate_text(rate: Rate | None) -> str:
    """A rate as pages write it: « 87,5 % », « 8,4 / 10 » or « en cours de constitution »."""
    if rate is None or rate.value is None:
        return str(_("en cours de constitution"))
    value = floatformat(rate.value, -1)
    return f"{value} %" if rate.unit == "%" else f"{value} / 10"


def results_charts(results: PeriodResults) -> list[BarChart]:
    """The period's percentage rates, then the end-of-session satisfaction per quarter."""
    charts = [
        bar_chart(
            slug="rates-chart",
            title=str(_("Taux de la période")),
            items=[
                (rate.label, rate.value, rate_text(rate))
                for rate in results.rates
                if rate.unit == "%"
            ],
            maximum=100,
        )
    ]
    if results.quarters:
        quarters = [
            (label, next(r for r in rates if r.code == "satisfaction_hot"))
            for label, rates in results.quarters
        ]
        charts.append(
            bar_chart(
                slug="satisfaction-chart",
                title=str(_("Satisfaction à chaud par trimestre de fin de session (sur 10)")),
                items=[
                    (
                        label,
                        rate.value,
                        str(
                            _("%(value)s (%(count)s réponses)")
                            % {"value": rate_text(rate), "count": rate.sample}
                        ),
                    )
                    for label, rate in quarters
                ],
                maximum=10,
            )
        )
    return charts
