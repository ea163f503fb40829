"""The certification budget over one three-year cycle: a pure function of editable assumptions.

Seed 002 counts five kinds of cost, smoothed over the three years of a certificate: compliance
work (internal time), accompaniment, the certification file, the audit and the annual fee — the
last four to be paid again at renewal. Year 1 carries the preparation and the initial audit,
year 2 the surveillance audit (14th–22nd month), year 3 the renewal (file and audit, before
expiry). Money obtained to fund the quality approach itself (training of the referent, mock
audit) comes off year 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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
    "audit_day_rate": Decimal("500"),  # seed 002: an audit costs about 500 € HT
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
    audit_day_rate: Decimal
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


def _n(value: Decimal) -> str:
    """A plain number for the line's detail: 2.5, not 2.50."""
    return f"{value.normalize():f}".replace(".", ",")


def compute(a: Assumptions) -> Budget:
    lines: list[Line] = []

    def add(year: int, code: str, label, amount: Decimal, detail: str = "") -> None:
        lines.append(Line(year, code, str(label), detail, amount))

    def days(count: Decimal, rate: Decimal) -> str:
        return f"{_n(count)} j × {_n(rate)} €"

    add(
        1,
        "internal",
        _("Mise en conformité (temps interne)"),
        a.internal_days * a.internal_day_cost,
        days(a.internal_days, a.internal_day_cost),
    )
    add(
        1,
        "accompaniment",
        _("Accompagnement (diagnostic, accompagnement, audit à blanc)"),
        a.accompaniment_package,
    )
    if a.accompaniment_extra_days:
        add(
            1,
            "accompaniment_extra",
            _("Journées d'accompagnement supplémentaires"),
            a.accompaniment_extra_days * a.accompaniment_extra_day_rate,
            days(a.accompaniment_extra_days, a.accompaniment_extra_day_rate),
        )
    add(1, "file", _("Dossier de certification"), a.file_fee)
    add(
        1,
        "initial_audit",
        _("Audit initial"),
        a.initial_audit_days * a.audit_day_rate,
        days(a.initial_audit_days, a.audit_day_rate),
    )
    if a.quality_training_funding:
        add(
            1,
            "funding",
            _("Financement obtenu pour la démarche qualité"),
            -a.quality_training_funding,
        )
    for year in (2, 3):
        add(
            year,
            "internal_upkeep",
            _("Suivi interne (amélioration continue)"),
            a.internal_days_per_following_year * a.internal_day_cost,
            days(a.internal_days_per_following_year, a.internal_day_cost),
        )
    add(
        2,
        "surveillance_audit",
        _("Audit de surveillance"),
        a.surveillance_audit_days * a.audit_day_rate,
        days(a.surveillance_audit_days, a.audit_day_rate),
    )
    add(3, "renewal_file", _("Renouvellement : dossier de certification"), a.file_fee)
    add(
        3,
        "renewal_audit",
        _("Renouvellement : audit"),
        a.renewal_audit_days * a.audit_day_rate,
        days(a.renewal_audit_days, a.audit_day_rate),
    )
    for year in YEARS:
        add(year, "annual_fee", _("Redevance annuelle du certificateur"), a.annual_fee)
    order = {code: index for index, code in enumerate(_ORDER)}
    return Budget(tuple(sorted(lines, key=lambda line: (line.year, order[line.code]))))


_ORDER = (
    "internal",
    "internal_upkeep",
    "accompaniment",
    "accompaniment_extra",
    "file",
    "initial_audit",
    "surveillance_audit",
    "renewal_file",
    "renewal_audit",
    "annual_fee",
    "funding",
)
