"""Audit-duration calculator: a pure function over the band table in fixtures/audits/.

Initial and renewal audits: base duration by turnover band + 0.5 day per action category +
round(√sites) sampled sites at 0.5 day each (multi-site organisations only). Surveillance samples
round(0.6 × √sites) sites and adds 0.5 day for a provider audited as a new entrant at its initial
audit. An extension audit covers the added categories only, on the base duration. Former
CNEFOP-label holders below 750 k€ get the reduced initial audit (0.5 day base, nothing per
category but apprenticeship). The computation is returned line by line, each with the text it rests
on, so the page can show it; the audit keeps an editable final value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

TABLE = Path(__file__).resolve().parent.parent / "fixtures" / "audits" / "durations.yaml"

# The audit kinds a duration is computed for (the values of audits.models.Audit.Kind).
INITIAL, SURVEILLANCE, RENEWAL, EXTENSION = "initial", "surveillance", "renewal", "extension"
KINDS = (INITIAL, SURVEILLANCE, RENEWAL, EXTENSION)


@dataclass(frozen=True)
class Band:
    base: Decimal
    from_euros: Decimal = Decimal("0")
    cnefop_base: Decimal | None = None  # None: the reduced audit does not apply (>= 750 k€)


@dataclass(frozen=True)
class Table:
    source: str
    categories: tuple[str, ...]
    per_category: Decimal
    per_sampled_site: Decimal
    surveillance_site_factor: Decimal
    new_entrant_days: Decimal
    cnefop_per_category: dict[str, Decimal]
    bands: dict[str, Band]
    sources: dict[str, str]


def _decimal(value: object) -> Decimal:
    return Decimal(str(value))


def _optional_decimal(value: object) -> Decimal | None:
    return None if value is None else _decimal(value)


def _text(value: str) -> str:
    return " ".join(value.split())


@cache
def table(path: Path = TABLE) -> Table:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Table(
        source=_text(data["source"]),
        categories=tuple(data["categories"]),
        per_category=_decimal(data["per_category"]),
        per_sampled_site=_decimal(data["per_sampled_site"]),
        surveillance_site_factor=_decimal(data["surveillance_site_factor"]),
        new_entrant_days=_decimal(data["new_entrant_days"]),
        cnefop_per_category={
            code: _decimal(days) for code, days in data["cnefop_per_category"].items()
        },
        bands={
            code: Band(
                base=_decimal(band["base"]),
                from_euros=_decimal(band["from"]),
                cnefop_base=_optional_decimal(band.get("cnefop_base")),
            )
            for code, band in data["bands"].items()
        },
        sources={rule: _text(text) for rule, text in data["sources"].items()},
    )


@dataclass(frozen=True)
class Line:
    code: str  # base, base_cnefop, category, sites, new_entrant
    days: Decimal
    detail: str = ""  # the category, or "√17 ≈ 4"
    source: str = ""  # the text the line rests on, from the fixture

    @property
    def label(self) -> str:
        """The French label the page and the command print."""
        if self.code == "base":
            return _("Durée de base (tranche de chiffre d’affaires)")
        if self.code == "base_cnefop":
            return _("Durée de base de l’audit aménagé (ancien label CNEFOP, moins de 750 k€)")
        if self.code == "category":
            return _("Catégorie d’actions %(category)s") % {"category": self.detail}
        if self.code == "sites":
            return _("Sites échantillonnés (%(detail)s), 0,5 jour chacun") % {"detail": self.detail}
        return _("Majoration de la surveillance (audité comme nouvel entrant à l’audit initial)")


@dataclass(frozen=True)
class Computation:
    lines: tuple[Line, ...]
    reduced: bool
    kind: str = INITIAL
    sampled_sites: int = 0

    @property
    def total(self) -> Decimal:
        return sum((line.days for line in self.lines), Decimal("0"))


def sampled_sites(sites: int, *, factor: Decimal = Decimal("1")) -> int:
    """Multi-site organisations: factor × √(number of sites), rounded half up, at least one; a
    single site is not sampled. The factor is 1 at initial and renewal audits, 0.6 at
    surveillance."""
    if sites <= 1:
        return 0
    sampled = (Decimal(sites).sqrt() * factor).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return max(1, int(sampled))


def band_for_turnover(euros: Decimal | int, data: Table | None = None) -> str:
    """The band code (TurnoverBand's) of a training turnover in euros: each band starts at its
    `from`, inclusive, as the arrêté writes « CA < 750 000 € » / « CA >= 750 000 € »."""
    euros = Decimal(str(euros))
    if euros < 0:
        raise ValueError(f"a turnover cannot be negative: {euros}")
    bands = sorted((data or table()).bands.items(), key=lambda item: item[1].from_euros)
    return [code for code, band in bands if band.from_euros <= euros][-1]


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


def compute(
    *,
    band: str,
    categories: Iterable[str],
    sites: int,
    cnefop: bool,
    kind: str = INITIAL,
    new_entrant: bool = False,
    added_categories: Iterable[str] = (),
    data: Table | None = None,
) -> Computation:
    """The duration of one audit of `kind`. `categories` are the ones certified (or asked for at
    the initial audit); an extension audit covers `added_categories` only. The reduced audit of
    former CNEFOP-label holders applies to the initial audit only (art. 10), and `new_entrant`
    (audited as a new entrant at the initial audit) only lengthens the surveillance audit."""
    if kind not in KINDS:
        raise ValueError(f"unknown audit kind: {kind}")
    data = data or table()
    row = data.bands[band]
    sources = data.sources
    covered = list(added_categories if kind == EXTENSION else categories)
    if kind == EXTENSION and not covered:
        raise ValueError("an extension audit covers added categories: none given")
    cnefop_base = row.cnefop_base if kind == INITIAL and cnefop else None
    reduced = cnefop_base is not None
    if cnefop_base is not None:
        lines = [Line("base_cnefop", cnefop_base, source=sources["cnefop_base"])]
        lines += [
            Line("category", data.cnefop_per_category[code], code, sources["cnefop_category"])
            for code in covered
        ]
    else:
        base_source = {
            INITIAL: "base",
            RENEWAL: "renewal",
            EXTENSION: "extension",
            SURVEILLANCE: "surveillance",
        }[kind]
        category_source = "surveillance" if kind == SURVEILLANCE else "category"
        lines = [Line("base", row.base, source=sources[base_source])]
        lines += [
            Line("category", data.per_category, code, sources[category_source]) for code in covered
        ]
    if kind == SURVEILLANCE:
        factor = data.surveillance_site_factor
        sampled = sampled_sites(sites, factor=factor)
        detail = f"{_number(factor)} × √{sites} ≈ {sampled}"
        sites_source = sources["surveillance_sites"]
    else:
        sampled = sampled_sites(sites)
        detail = f"√{sites} ≈ {sampled}"
        sites_source = sources["sites"]
    if sampled:
        lines.append(Line("sites", data.per_sampled_site * sampled, detail, sites_source))
    if kind == SURVEILLANCE and new_entrant:
        lines.append(Line("new_entrant", data.new_entrant_days, source=sources["new_entrant"]))
    return Computation(tuple(lines), reduced, kind, sampled)


def for_organisation(
    organisation: Any, kind: str = INITIAL, *, added_categories: Iterable[str] = ()
) -> Computation:
    """The duration an organisation's declared profile calls for (turnover band, categories,
    sites, former CNEFOP label; a provider declared as a new entrant is taken to be audited as one
    at its initial audit, so its surveillance audit is lengthened)."""
    return compute(
        band=organisation.turnover_band,
        categories=list(organisation.categories),
        sites=organisation.site_count,
        cnefop=organisation.has_cnefop_label,
        kind=kind,
        new_entrant=organisation.is_new_entrant,
        added_categories=added_categories,
    )
