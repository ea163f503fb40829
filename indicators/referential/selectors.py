"""Reads on the referential: versions in force, rules for the engine, an organisation's set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from ..readiness import IndicatorFacts
from .applicability import CATEGORIES, IndicatorRule, Result, Scope, Treatment, evaluate
from .models import Indicator, ReferentialVersion


class NoVersionInForce(LookupError):
    """No referential version is loaded for that date (run `manage.py referential load`)."""


def version_get(*, code: str) -> ReferentialVersion:
    return ReferentialVersion.objects.get(code=code)


def version_in_force_on(*, day: date) -> ReferentialVersion:
    version = (
        ReferentialVersion.objects.filter(in_force_from__lte=day)
        .exclude(in_force_until__lt=day)
        .order_by("-in_force_from")
        .first()
    )
    if version is None:
        raise NoVersionInForce(day)
    return version


def target_date_for_organisation(organisation, *, today: date | None = None) -> date:
    """The next audit date, else today: the date whose version the audit will use."""
    return organisation.next_audit_date or today or timezone.localdate()


def version_for_organisation(organisation, *, today: date | None = None) -> ReferentialVersion:
    """The pinned version, else the one in force on the target audit date."""
    if organisation.referential_version_id:
        return organisation.referential_version
    return version_in_force_on(day=target_date_for_organisation(organisation, today=today))


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
    return organisation.referential_version, in_force


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
    return [rule_from_indicator(indicator) for indicator in version.indicators.all()]


def applicability_for_organisation(organisation, version: ReferentialVersion) -> Result:
    return evaluate(rules_for_version(version), scope_for_organisation(organisation))


def applicable_numbers(organisation, version: ReferentialVersion) -> set[int]:
    """The numbers of the version's indicators that apply to the organisation's scope."""
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
    indicators = list(version.indicators.select_related("criterion").order_by("number"))
    return ReferentialContext(version, indicators, applicable_numbers(organisation, version))
