"""Reads on the referential: versions in force, rules for the engine, an organisation's set."""

from __future__ import annotations

from datetime import date

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


def scope_for_organisation(organisation) -> Scope:
    return Scope(
        categories=frozenset(organisation.categories),
        certifying=organisation.is_certifying,
        alternance=organisation.has_alternance,
        afest=organisation.has_work_situation,
        subcontracting=organisation.has_subcontracting,
        new_entrant=organisation.is_new_entrant,
        cnefop=organisation.has_cnefop_label,
    )


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
