"""`manage.py readiness simulate FILE`: the readiness engine on facts given as JSON.

A consultant scripts "what if" cases, and tests pin the rules, through the very functions the
pages use (`referential.applicability.evaluate`, `readiness.compute`); only the referential is
read from the database. Evidence carries no version: it counts as prepared for the version
simulated.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from .readiness import (
    DEFAULT_MINOR_THRESHOLD,
    EvidenceFacts,
    Rating,
    Severity,
    compute,
    open_ncs_from,
)
from .referential import selectors as referential
from .referential.applicability import CATEGORIES, Scope, evaluate
from .referential.models import ReferentialVersion

AUDIT_TYPES = ("initial", "surveillance", "renewal", "extension")
EVIDENCE_STATUSES = ("draft", "submitted", "validated", "rejected", "expired")
SCOPE_FLAGS = ("certifying", "alternance", "afest", "subcontracting", "new_entrant", "cnefop")
FINDING_STATUSES = ("open", "lifted")


class SimulationError(ValueError):
    """A malformed input; the message is French and names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} : {message}")
        self.field = field


def _object(data: Any, field: str) -> dict:
    if not isinstance(data, dict):
        raise SimulationError(field, _("un objet JSON est attendu."))
    return data


def _list(data: Any, field: str) -> list:
    if not isinstance(data, list):
        raise SimulationError(field, _("une liste est attendue."))
    return data


def _date(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise SimulationError(field, _("une date AAAA-MM-JJ est attendue.")) from None


def _choice(value: Any, field: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise SimulationError(
            field,
            _("valeur inconnue, attendu l'une de : %(choices)s.") % {"choices": ", ".join(choices)},
        )
    return value


def _indicator_number(value: Any, field: str, numbers: set[int]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in numbers:
        raise SimulationError(
            field,
            _("numéro d'indicateur inconnu dans ce référentiel : %(value)s.") % {"value": value},
        )
    return value


def _scope(data: Any) -> Scope:
    data = _object(data, "scope")
    categories = _list(data.get("categories"), "scope.categories")
    for index, category in enumerate(categories):
        _choice(category, f"scope.categories[{index}]", CATEGORIES)
    if not categories:
        raise SimulationError("scope.categories", _("au moins une catégorie d'action."))
    flags = {}
    for flag in SCOPE_FLAGS:
        value = data.get(flag, False)
        if not isinstance(value, bool):
            raise SimulationError(f"scope.{flag}", _("true ou false est attendu."))
        flags[flag] = value
    # Optional: the categories the provider starts (a new category after its first year).
    new_in = _list(data.get("new_entrant_categories", []), "scope.new_entrant_categories")
    for index, category in enumerate(new_in):
        field = f"scope.new_entrant_categories[{index}]"
        _choice(category, field, CATEGORIES)
        if category not in categories:
            raise SimulationError(field, _("catégorie absente de scope.categories."))
    return Scope(
        categories=frozenset(categories), new_entrant_categories=frozenset(new_in), **flags
    )


def _version(code: Any) -> ReferentialVersion:
    try:
        return referential.version_get(code=code)
    except ReferentialVersion.DoesNotExist:
        raise SimulationError(
            "version", _("référentiel inconnu : %(code)s.") % {"code": code}
        ) from None


def simulate(data: Any) -> dict:
    """The readiness of a described organisation, JSON-ready (see the module's docstring)."""
    data = _object(data, "(racine)")
    version = _version(data.get("version"))
    audit_date = _date(data.get("audit_date"), "audit_date")
    audit_type = _choice(data.get("audit_type", "initial"), "audit_type", AUDIT_TYPES)
    scope = _scope(data.get("scope"))
    rows = referential.indicators_of(version)
    numbers = {row.number for row in rows}
    result = evaluate([referential.rule_from_indicator(row) for row in rows], scope)
    indicators = referential.indicator_facts(rows, result, initial_audit=audit_type == "initial")
    evidence = []
    for index, item in enumerate(_list(data.get("evidence", []), "evidence")):
        field = f"evidence[{index}]"
        item = _object(item, field)
        linked = tuple(
            _indicator_number(number, f"{field}.indicators[{n}]", numbers)
            for n, number in enumerate(_list(item.get("indicators"), f"{field}.indicators"))
        )
        status = _choice(item.get("status"), f"{field}.status", EVIDENCE_STATUSES)
        until = item.get("valid_until")
        evidence.append(
            EvidenceFacts(
                linked, status, None if until is None else _date(until, f"{field}.valid_until")
            )
        )
    ratings = {}
    for key, rating in _object(data.get("ratings", {}), "ratings").items():
        try:
            number = int(key)
        except ValueError:
            number = key
        number = _indicator_number(number, f"ratings.{key}", numbers)
        ratings[number] = _choice(rating, f"ratings.{key}", tuple(r.value for r in Rating))
    findings = []
    for index, finding in enumerate(_list(data.get("findings", []), "findings")):
        field = f"findings[{index}]"
        finding = _object(finding, field)
        findings.append(
            (
                _indicator_number(finding.get("indicator"), f"{field}.indicator", numbers),
                _choice(
                    finding.get("severity"), f"{field}.severity", tuple(s.value for s in Severity)
                ),
                _choice(finding.get("status", "open"), f"{field}.status", FINDING_STATUSES),
            )
        )
    threshold = data.get("minor_threshold", DEFAULT_MINOR_THRESHOLD)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise SimulationError("minor_threshold", _("un entier d'au moins 1 est attendu."))
    readiness = compute(
        indicators=indicators,
        evidence=evidence,
        target_date=audit_date,
        ratings=ratings,
        open_ncs=open_ncs_from(findings),
        minor_threshold=threshold,
    )
    return {
        "version": version.code,
        "audit_date": audit_date.isoformat(),
        "audit_type": audit_type,
        "overall_percent": readiness.overall_percent,
        "predicted_major": readiness.predicted_major,
        "predicted_minor": readiness.predicted_minor,
        "outcome": str(readiness.outcome),
        "indicators": [
            {
                "number": row.number,
                "status": str(row.status),
                "predicted_nc": str(row.predicted_nc) if row.predicted_nc else None,
                "reasons": list(row.reasons),
            }
            for row in readiness.indicators
        ],
    }
