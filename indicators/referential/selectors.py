"""Reads on the referential: versions in force, rules for the engine, an organisation's set."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .applicability import CATEGORIES, IndicatorRule, Result, Scope, evaluate
from .models import Criterion, Indicator, ReferentialVersion


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


# Engine flag → organisation field.
SCOPE_FLAG_FIELDS = {
    "certifying": "is_certifying",
    "alternance": "has_alternance",
    "afest": "has_work_situation",
    "subcontracting": "has_subcontracting",
    "new_entrant": "is_new_entrant",
    "cnefop": "has_cnefop_label",
}


def scope_from_values(values: Mapping[str, Any]) -> Scope:
    """A scope from organisation field values (a model's or a form's cleaned data)."""
    return Scope(
        categories=frozenset(values["categories"]),
        **{flag: bool(values[field]) for flag, field in SCOPE_FLAG_FIELDS.items()},
    )


def scope_for_organisation(organisation) -> Scope:
    fields = ("categories", *SCOPE_FLAG_FIELDS.values())
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


def criteria_with_indicators(version: ReferentialVersion) -> QuerySet[Criterion]:
    return version.criteria.prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.order_by("number"))
    ).order_by("number")
