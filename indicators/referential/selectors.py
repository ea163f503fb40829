"""Reads on the referential: versions in force, rules for the engine, an organisation's set."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from django.utils import timezone

from ..readiness import IndicatorFacts
from .applicability import CATEGORIES, IndicatorRule, Result, Scope, Treatment, evaluate
from .models import Indicator, ReferentialVersion


class NoVersionInForce(LookupError):
    """No referential version is loaded for that date (run `manage.py referential load`)."""


# --- Process cache -------------------------------------------------------------------------
# The referential is reference data: two versions of ~33 indicators, written only by
# `manage.py referential load`. Every page inside an organisation needs its version, its
# indicators and which apply; reading them from the database cost three queries and ~10 ms of
# model building per request (docs/decisions/0021). They are kept per process, bounded by the
# number of versions (not by the number of organisations), cleared in this process by any write
# (signals, the loader) and re-read by the others after CACHE_SECONDS.
CACHE_SECONDS = 300


@dataclass
class _Loaded:
    at: float
    versions: list[ReferentialVersion]
    indicators: dict[int, list[Indicator]] = field(default_factory=dict)


_lock = threading.Lock()
_loaded: _Loaded | None = None


def referential_cache_clear() -> None:
    """Forget the cached referential (after a load, or in tests around each case)."""
    global _loaded
    with _lock:
        _loaded = None
    _rules_applicable.cache_clear()


def _current() -> _Loaded:
    global _loaded
    loaded = _loaded
    if loaded is None or time.monotonic() - loaded.at > CACHE_SECONDS:
        loaded = _Loaded(time.monotonic(), list(ReferentialVersion.objects.order_by("pk")))
        with _lock:
            _loaded = loaded
        _rules_applicable.cache_clear()
    return loaded


def versions_all() -> list[ReferentialVersion]:
    """Every loaded version, oldest first (cached per process)."""
    return sorted(_current().versions, key=lambda version: version.in_force_from)


def indicators_of(version: ReferentialVersion) -> list[Indicator]:
    """The version's indicators by number, with their criterion (cached per process)."""
    loaded = _current()
    rows = loaded.indicators.get(version.pk)
    if rows is None:
        rows = list(
            Indicator.objects.filter(version_id=version.pk)
            .select_related("criterion")
            .order_by("number")
        )
        loaded.indicators[version.pk] = rows
    return rows


def version_get(*, code: str) -> ReferentialVersion:
    for version in _current().versions:
        if version.code == code:
            return version
    return ReferentialVersion.objects.get(code=code)  # raises DoesNotExist as callers expect


def version_in_force_on(*, day: date) -> ReferentialVersion:
    candidates = [
        version
        for version in _current().versions
        if version.in_force_from <= day
        and (version.in_force_until is None or version.in_force_until >= day)
    ]
    if not candidates:
        raise NoVersionInForce(day)
    return max(candidates, key=lambda version: version.in_force_from)


def target_date_for_organisation(organisation, *, today: date | None = None) -> date:
    """The next audit date, else today: the date whose version the audit will use."""
    return organisation.next_audit_date or today or timezone.localdate()


def version_for_organisation(organisation, *, today: date | None = None) -> ReferentialVersion:
    """The pinned version, else the one in force on the target audit date."""
    if organisation.referential_version_id:
        return _pinned(organisation)
    return version_in_force_on(day=target_date_for_organisation(organisation, today=today))


def _pinned(organisation) -> ReferentialVersion:
    for version in _current().versions:
        if version.pk == organisation.referential_version_id:
            return version
    return organisation.referential_version


def pinned_version_mismatch(
    organisation, *, today: date | None = None
) -> tuple[ReferentialVersion, ReferentialVersion] | None:
    """(pinned, in force) when the organisation pinned a version other than the one in force on
    its target audit date: the certifier audits against the version in force that day (décret
    2026-728: V10 for audits from 1 November 2026)."""
    if not organisation.referential_version_id:
        return None
    try:
        in_force = version_in_force_on(day=target_date_for_organisation(organisation, today=today))
    except NoVersionInForce:
        return None
    if in_force.pk == organisation.referential_version_id:
        return None
    return _pinned(organisation), in_force


def indicator_facts(rows, result: Result, *, initial_audit: bool) -> list[IndicatorFacts]:
    """The readiness engine's view of a version's indicators under a scope's applicability.

    A former CNEFOP-label holder's reduced audit is its initial audit only (arrêté du 6 juin
    2019, art. 10): at any other audit the indicators it left out are audited again.
    """
    treatments = {item.number: item.treatments for item in result.applicable}
    return [
        IndicatorFacts(
            row.number,
            row.criterion.number,
            row.is_fundamental,
            row.number in treatments,
            row.may_be_not_applicable,
            is_audited=not (
                initial_audit and Treatment.REDUCED_AUDIT_OUT in treatments.get(row.number, ())
            ),
        )
        for row in rows
    ]


# Engine flag → organisation field.
SCOPE_FLAG_FIELDS = {
    "certifying": "is_certifying",
    "alternance": "has_alternance",
    "afest": "has_work_situation",
    "subcontracting": "has_subcontracting",
    "cnefop": "has_cnefop_label",
}


def scope_from_values(values: Mapping[str, Any]) -> Scope:
    """A scope from organisation field values (a model's or a form's cleaned data)."""
    return Scope(
        categories=frozenset(values["categories"]),
        new_entrant_categories=frozenset(values["new_entrant_categories"] or ()),
        **{flag: bool(values[field]) for flag, field in SCOPE_FLAG_FIELDS.items()},
    )


def scope_for_organisation(organisation) -> Scope:
    fields = ("categories", "new_entrant_categories", *SCOPE_FLAG_FIELDS.values())
    return scope_from_values({field: getattr(organisation, field) for field in fields})


def rule_from_indicator(indicator: Indicator) -> IndicatorRule:
    return IndicatorRule(
        number=indicator.number,
        reason=indicator.reason,
        applicability={c: indicator.applicability_for(c) for c in CATEGORIES},
        is_new_entrant_deferred=indicator.is_new_entrant_deferred,
        is_in_reduced_audit=indicator.is_in_reduced_audit,
    )


def rules_for_version(version: ReferentialVersion) -> list[IndicatorRule]:
    return [rule_from_indicator(indicator) for indicator in indicators_of(version)]


def applicability_for_organisation(organisation, version: ReferentialVersion) -> Result:
    return evaluate(rules_for_version(version), scope_for_organisation(organisation))


@lru_cache(maxsize=512)
def _rules_applicable(version_pk: int, scope: Scope) -> frozenset[int]:
    """Bounded by versions × distinct scopes (categories and five flags), not organisations."""
    version = next(v for v in _current().versions if v.pk == version_pk)
    return frozenset(item.number for item in evaluate(rules_for_version(version), scope).applicable)


def applicable_numbers(organisation, version: ReferentialVersion) -> set[int]:
    """The numbers of the version's indicators that apply to the organisation's scope."""
    if any(v.pk == version.pk for v in _current().versions):
        return set(_rules_applicable(version.pk, scope_for_organisation(organisation)))
    return {
        item.number for item in applicability_for_organisation(organisation, version).applicable
    }


@dataclass(frozen=True)
class ReferentialContext:
    """What pages inside an organisation need: its version, the indicators, which apply."""

    version: ReferentialVersion
    indicators: list[Indicator]
    applicable: set[int]


def referential_context(
    organisation, version: ReferentialVersion | None = None
) -> ReferentialContext | None:
    """The organisation's version (or the one given) with its indicators; None when no
    version is in force (the referential has not been loaded)."""
    if version is None:
        try:
            version = version_for_organisation(organisation)
        except NoVersionInForce:
            return None
    return ReferentialContext(
        version, indicators_of(version), applicable_numbers(organisation, version)
    )
