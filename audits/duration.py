"""Audit-duration calculator: a pure function over the band table in fixtures/audits/.

base duration by turnover band + 0.5 day per action category + √sites (rounded) sampled sites at
0.5 day each (multi-site organisations only); former CNEFOP-label holders below 750 k€ get the
reduced audit (0.5 day base, nothing per category). The computation is returned line by line so
the page can show it; the audit keeps an editable final value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

TABLE = Path(__file__).resolve().parent.parent / "fixtures" / "audits" / "durations.yaml"


@dataclass(frozen=True)
class Band:
    base: Decimal
    cnefop_base: Decimal | None = None
    cnefop_per_category: Decimal | None = None


@dataclass(frozen=True)
class Table:
    source: str
    per_category: Decimal
    per_sampled_site: Decimal
    bands: dict[str, Band]


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@cache
def table(path: Path = TABLE) -> Table:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Table(
        source=" ".join(data["source"].split()),
        per_category=_decimal(data["per_category"]),
        per_sampled_site=_decimal(data["per_sampled_site"]),
        bands={
            code: Band(
                _decimal(band["base"]),
                _decimal(band.get("cnefop_base")),
                _decimal(band.get("cnefop_per_category")),
            )
            for code, band in data["bands"].items()
        },
    )


@dataclass(frozen=True)
class Line:
    code: str  # base, base_cnefop, category, sites
    days: Decimal
    detail: str = ""  # the category, or "√17 ≈ 4"


@dataclass(frozen=True)
class Computation:
    lines: tuple[Line, ...]
    reduced: bool

    @property
    def total(self) -> Decimal:
        return sum((line.days for line in self.lines), Decimal("0"))


def sampled_sites(sites: int) -> int:
    """Multi-site organisations: √(number of sites), rounded; a single site is not sampled."""
    return round(math.sqrt(sites)) if sites > 1 else 0


def compute(
    *, band: str, categories: list[str], sites: int, cnefop: bool, data: Table | None = None
) -> Computation:
    data = data or table()
    row = data.bands[band]
    reduced = cnefop and row.cnefop_base is not None
    base = row.cnefop_base if reduced else row.base
    per_category = row.cnefop_per_category if reduced else data.per_category
    lines = [Line("base_cnefop" if reduced else "base", base)]
    lines += [Line("category", per_category, category) for category in categories]
    sampled = sampled_sites(sites)
    if sampled:
        lines.append(Line("sites", data.per_sampled_site * sampled, f"√{sites} ≈ {sampled}"))
    return Computation(tuple(lines), reduced)


def for_organisation(organisation) -> Computation:
    """The duration an organisation's declared profile calls for (turnover band, categories,
    sites, former CNEFOP label)."""
    return compute(
        band=organisation.turnover_band,
        categories=list(organisation.categories),
        sites=organisation.site_count,
        cnefop=organisation.has_cnefop_label,
    )
