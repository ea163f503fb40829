"""The certification budget over one three-year cycle: a pure function of editable assumptions.

Seed 002 counts five kinds of cost, smoothed over the three years of a certificate: compliance
work (internal time), accompaniment, the certification file, the audit and the annual fee — the
last four to be paid again at renewal. Year 1 carries the preparation and the initial audit,
year 2 the surveillance audit (14th–22nd month), year 3 the renewal (file and audit, before
expiry). The seed prices an audit, not an audit day (« Le coût d'un audit est en moyenne de
500€HT », the auditor's travel included): each audit costs `audit_cost` whatever its length, and
its duration (the calculator's, for that audit type) is shown beside it. Money obtained to fund
the quality approach itself (training of the referent, mock audit) comes off year 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

YEARS = (1, 2, 3)

# Seed figures (DOMAIN.md, "Costs"): the defaults of the editable assumptions.
DEFAULTS = {
    "accompaniment_package": Decimal(
        "4400"
    ),  # CAFOC: diagnostic 1 d + accompaniment 2 d + mock 1 d
    "accompaniment_extra_days": Decimal("0"),
    "accompaniment_extra_day_rate": Decimal("950"),  # CAFOC, per extra day
    "file_fee": Decimal("900"),  # seed 002: certification file, 900 € HT minimum
    "audit_cost": Decimal("500"),  # seed 002: an audit (not a day) costs about 500 € HT
    "annual_fee": Decimal("250"),  # seed 002: yearly fee, about 250 € HT
}


@dataclass(frozen=True)
class Assumptions:
    internal_days: Decimal
    internal_days_per_following_year: Decimal
    internal_day_cost: Decimal
    accompaniment_package: Decimal
    accompaniment_extra_days: Decimal
    accompaniment_extra_day_rate: Decimal
    file_fee: Decimal
    audit_cost: Decimal
    initial_audit_days: Decimal
    surveillance_audit_days: Decimal
    renewal_audit_days: Decimal
    annual_fee: Decimal
    quality_training_funding: Decimal


@dataclass(frozen=True)
class Line:
    year: int
    code: str
    label: str
    detail: str
    amount: Decimal


@dataclass(frozen=True)
class Budget:
    lines: tuple[Line, ...]

    def year_total(self, year: int) -> Decimal:
        return sum((line.amount for line in self.lines if line.year == year), Decimal("0"))

    @property
    def years(self) -> list[dict]:
        return [
            {
                "year": year,
                "lines": [line for line in self.lines if line.year == year],
                "total": self.year_total(year),
            }
            for year in YEARS
        ]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def yearly_average(self) -> Decimal:
        return (self.total / len(YEARS)).quantize(Decimal("0.01"))


def _days_line(year: int, code: str, label, days: Decimal, rate: Decimal) -> Line:
    detail = _("%(days)s j × %(rate)s €") % {
        "days": number_format(days.normalize()),
        "rate": number_format(rate.normalize()),
    }
    return Line(year, code, str(label), detail, days * rate)


def _audit_line(year: int, code: str, label, days: Decimal, cost: Decimal) -> Line:
    """One audit at its flat cost; its length is what the certifier will plan, not a price."""
    detail = _("%(days)s j d’audit, %(cost)s € par audit") % {
        "days": number_format(days.normalize()),
        "cost": number_format(cost.normalize()),
    }
    return Line(year, code, str(label), detail, cost)


def _line(year: int, code: str, label, amount: Decimal) -> Line:
    return Line(year, code, str(label), "", amount)


def compute(a: Assumptions) -> Budget:
    """The lines in reading order: year by year, time first, fees last, funding deducted."""
    internal_upkeep = _("Suivi interne (amélioration continue)")
    upkeep_days, day_cost = a.internal_days_per_following_year, a.internal_day_cost
    fee = _("Redevance annuelle du certificateur")
    year_1 = [
        _days_line(
            1, "internal", _("Mise en conformité (temps interne)"), a.internal_days, day_cost
        ),
        _line(
            1,
            "accompaniment",
            _("Accompagnement (diagnostic, accompagnement, audit à blanc)"),
            a.accompaniment_package,
        ),
    ]
    if a.accompaniment_extra_days:
        year_1.append(
            _days_line(
                1,
                "accompaniment_extra",
                _("Journées d'accompagnement supplémentaires"),
                a.accompaniment_extra_days,
                a.accompaniment_extra_day_rate,
            )
        )
    year_1 += [
        _line(1, "file", _("Dossier de certification"), a.file_fee),
        _audit_line(1, "initial_audit", _("Audit initial"), a.initial_audit_days, a.audit_cost),
        _line(1, "annual_fee", fee, a.annual_fee),
    ]
    if a.quality_training_funding:
        year_1.append(
            _line(
                1,
                "funding",
                _("Financement obtenu pour la démarche qualité"),
                -a.quality_training_funding,
            )
        )
    year_2 = [
        _days_line(2, "internal_upkeep", internal_upkeep, upkeep_days, day_cost),
        _audit_line(
            2,
            "surveillance_audit",
            _("Audit de surveillance"),
            a.surveillance_audit_days,
            a.audit_cost,
        ),
        _line(2, "annual_fee", fee, a.annual_fee),
    ]
    year_3 = [
        _days_line(3, "internal_upkeep", internal_upkeep, upkeep_days, day_cost),
        _line(3, "renewal_file", _("Renouvellement : dossier de certification"), a.file_fee),
        _audit_line(
            3, "renewal_audit", _("Renouvellement : audit"), a.renewal_audit_days, a.audit_cost
        ),
        _line(3, "annual_fee", fee, a.annual_fee),
    ]
    return Budget(tuple(year_1 + year_2 + year_3))
