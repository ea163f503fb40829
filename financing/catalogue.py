"""The funding routes catalogue: shared, versioned data read from fixtures/financing/routes.yaml.

Like the audit-duration table, it is code-reviewed data rather than database rows: every
organisation reads the same file, a change is a git diff with its sources, and funding lines keep
the catalogue version they were entered under. The reader is strict: an unknown key, a document
that does not exist or a missing source stops it with the file and the field named.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CATALOGUE = Path(__file__).resolve().parent.parent / "fixtures" / "financing" / "routes.yaml"

TOP_KEYS = {"version", "qualiopi_required_from", "qualiopi_source", "documents", "routes"}
DOCUMENT_KEYS = {"label", "per", "frequency", "note", "source"}
ROUTE_KEYS = {
    "code",
    "name",
    "kind",
    "historical",
    "cpf",
    "qualiopi_required",
    "decides",
    "documents",
    "valid_from",
    "valid_until",
    "rules",
    "sources",
}
RULE_KEYS = {
    "min_hours_per_trainee",
    "max_months",
    "pays_by_attendance",
    "attendance_threshold",
    "yearly_ceiling",
    "ceiling_year",
    "verified",
    "unsourced",
    "note",
    "source",
}
KINDS = {"public", "mutualised", "private"}
PER = {"financer", "session"}
FREQUENCIES = {"once", "monthly"}


class CatalogueError(ValueError):
    """A malformed catalogue: the message names the file and the field."""


@dataclass(frozen=True)
class Document:
    code: str
    label: str
    per: str  # "financer": one per funding line; "session": one for the whole session
    frequency: str  # "once" or "monthly" (one per calendar month the session runs)
    note: str
    source: str


@dataclass(frozen=True)
class Rules:
    min_hours_per_trainee: Decimal | None = None
    max_months: int | None = None
    pays_by_attendance: bool = False
    attendance_threshold: Decimal | None = None  # percent of the planned hours
    yearly_ceiling: Decimal | None = None
    ceiling_year: int | None = None
    verified: bool = True
    # A rule reported somewhere but found in no text: shown as « règle non sourcée », never applied.
    unsourced: str = ""
    note: str = ""
    source: str = ""

    @property
    def is_empty(self) -> bool:
        return self == Rules()


@dataclass(frozen=True)
class Route:
    code: str
    name: str
    kind: str
    historical: bool
    qualiopi_required: bool
    decides: str
    documents: tuple[Document, ...]
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    rules: Rules
    sources: tuple[str, ...]
    # The compte personnel de formation: only the actions of Code du travail art. L6323-6, and
    # the subcontracting rules of art. L6323-9-2 (see rules.cpf_subcontracting_errors).
    cpf: bool = False

    def is_valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


@dataclass(frozen=True)
class Catalogue:
    version: str
    qualiopi_required_from: datetime.date
    qualiopi_source: str
    documents: dict[str, Document]
    routes: tuple[Route, ...]
    by_code: dict[str, Route] = field(repr=False)

    def route(self, code: str) -> Route | None:
        return self.by_code.get(code)


def _text(value: Any) -> str:
    return " ".join(str(value).split())


def _keys(mapping: Any, allowed: set[str], where: str, required: set[str]) -> dict[str, Any]:
    if not isinstance(mapping, dict):
        raise CatalogueError(f"{CATALOGUE.name}: {where}: une table est attendue")
    unknown = set(mapping) - allowed
    if unknown:
        raise CatalogueError(f"{CATALOGUE.name}: {where}: clé inconnue {sorted(unknown)[0]}")
    missing = required - set(mapping)
    if missing:
        raise CatalogueError(f"{CATALOGUE.name}: {where}: clé manquante {sorted(missing)[0]}")
    return mapping


def _date(value: Any, where: str) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    raise CatalogueError(f"{CATALOGUE.name}: {where}: une date AAAA-MM-JJ est attendue")


def _required_date(value: Any, where: str) -> datetime.date:
    day = _date(value, where)
    if day is None:
        raise CatalogueError(f"{CATALOGUE.name}: {where}: une date AAAA-MM-JJ est attendue")
    return day


def _rules(data: Any, where: str) -> Rules:
    if data is None:
        return Rules()
    data = _keys(data, RULE_KEYS, where, {"note", "source"})

    def number(name: str) -> Decimal | None:
        return None if data.get(name) is None else Decimal(str(data[name]))

    threshold = number("attendance_threshold")
    if threshold is not None and not 0 < threshold <= 100:
        raise CatalogueError(f"{CATALOGUE.name}: {where}.attendance_threshold: entre 0 et 100")
    if threshold is not None and not data.get("verified", True):
        # A threshold changes what the portal says a financer pays: only a verified one is applied.
        raise CatalogueError(
            f"{CATALOGUE.name}: {where}.attendance_threshold: un seuil non vérifié n'est pas "
            "appliqué (décrivez-le dans unsourced)"
        )
    return Rules(
        min_hours_per_trainee=number("min_hours_per_trainee"),
        max_months=data.get("max_months"),
        pays_by_attendance=bool(data.get("pays_by_attendance", False)),
        attendance_threshold=threshold,
        yearly_ceiling=number("yearly_ceiling"),
        ceiling_year=data.get("ceiling_year"),
        verified=bool(data.get("verified", True)),
        unsourced=_text(data.get("unsourced", "")),
        note=_text(data["note"]),
        source=_text(data["source"]),
    )


def parse(data: Any) -> Catalogue:
    """Check the whole file and build the catalogue; raise CatalogueError on the first problem."""
    data = _keys(data, TOP_KEYS, "racine", TOP_KEYS)
    documents = {}
    for code, spec in data["documents"].items():
        spec = _keys(spec, DOCUMENT_KEYS, f"documents.{code}", DOCUMENT_KEYS)
        if spec["per"] not in PER or spec["frequency"] not in FREQUENCIES:
            raise CatalogueError(f"{CATALOGUE.name}: documents.{code}: per ou frequency inconnu")
        documents[code] = Document(
            code=code,
            label=_text(spec["label"]),
            per=spec["per"],
            frequency=spec["frequency"],
            note=_text(spec["note"]),
            source=_text(spec["source"]),
        )
    routes = []
    required = {"code", "name", "kind", "qualiopi_required", "decides", "documents", "sources"}
    for index, spec in enumerate(data["routes"]):
        where = f"routes[{index}]"
        spec = _keys(spec, ROUTE_KEYS, where, required)
        if spec["kind"] not in KINDS:
            raise CatalogueError(f"{CATALOGUE.name}: {where}.kind: {spec['kind']} inconnu")
        unknown = [code for code in spec["documents"] if code not in documents]
        if unknown:
            raise CatalogueError(f"{CATALOGUE.name}: {where}.documents: {unknown[0]} inconnu")
        if not spec["sources"]:
            raise CatalogueError(f"{CATALOGUE.name}: {where}.sources: au moins une source")
        routes.append(
            Route(
                code=spec["code"],
                name=_text(spec["name"]),
                kind=spec["kind"],
                historical=bool(spec.get("historical", False)),
                qualiopi_required=bool(spec["qualiopi_required"]),
                decides=_text(spec["decides"]),
                documents=tuple(documents[code] for code in spec["documents"]),
                valid_from=_date(spec.get("valid_from"), f"{where}.valid_from"),
                valid_until=_date(spec.get("valid_until"), f"{where}.valid_until"),
                rules=_rules(spec.get("rules"), f"{where}.rules"),
                sources=tuple(_text(source) for source in spec["sources"]),
                cpf=bool(spec.get("cpf", False)),
            )
        )
    by_code = {route.code: route for route in routes}
    if len(by_code) != len(routes):
        raise CatalogueError(f"{CATALOGUE.name}: routes: deux voies ont le même code")
    return Catalogue(
        version=str(data["version"]),
        qualiopi_required_from=_required_date(
            data["qualiopi_required_from"], "qualiopi_required_from"
        ),
        qualiopi_source=_text(data["qualiopi_source"]),
        documents=documents,
        routes=tuple(routes),
        by_code=by_code,
    )


@cache
def catalogue(path: Path = CATALOGUE) -> Catalogue:
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")))
