"""Which indicators apply to a provider, why, and how the audit treats them.

A pure function over plain data (no database): `evaluate(rules, scope)`. The rules come from the
referential fixtures (one `IndicatorRule` per indicator); the scope is what the provider declares.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

CATEGORIES = ("AF", "BC", "VAE", "APP")


class Condition(StrEnum):
    """An indicator's applicability for one action category (the fixtures' values)."""

    ALWAYS = "always"
    NEVER = "never"
    CERTIFYING = "certifying"
    ALTERNANCE = "alternance"
    WORK_SITUATION = "work_situation"
    SUBCONTRACTING = "subcontracting"


class Treatment(StrEnum):
    """How the audit looks at an applicable indicator."""

    FULL = "full"
    # New entrant: the process is checked at the initial audit, the practice at surveillance.
    NEW_ENTRANT_DEFERRED = "new_entrant_deferred"
    # Former CNEFOP-label holder: part of the reduced audit, or left out of it.
    REDUCED_AUDIT_IN = "reduced_audit_in"
    REDUCED_AUDIT_OUT = "reduced_audit_out"


@dataclass(frozen=True)
class Scope:
    categories: frozenset[str]
    certifying: bool = False
    alternance: bool = False
    afest: bool = False
    subcontracting: bool = False
    # A new entrant is in its first year of activity (`new_entrant`: every declared category)
    # or starts a new category (`new_entrant_categories`): AFNOR FAQ, 1 September 2023.
    new_entrant: bool = False
    new_entrant_categories: frozenset[str] = frozenset()
    cnefop: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.categories) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown action categories: {', '.join(sorted(unknown))}")
        if not self.categories:
            raise ValueError("a scope needs at least one action category")
        undeclared = set(self.new_entrant_categories) - set(self.categories)
        if undeclared:
            listed = ", ".join(sorted(undeclared))
            raise ValueError(f"new entrant in undeclared categories: {listed}")

    @property
    def new_entrant_in(self) -> frozenset[str]:
        """The declared categories in which the provider has no activity to show yet."""
        return self.categories if self.new_entrant else frozenset(self.new_entrant_categories)

    def meets(self, condition: Condition | str) -> bool:
        condition = Condition(condition)
        return {
            Condition.ALWAYS: True,
            Condition.NEVER: False,
            Condition.CERTIFYING: self.certifying,
            Condition.ALTERNANCE: self.alternance,
            Condition.WORK_SITUATION: self.alternance or self.afest,
            Condition.SUBCONTRACTING: self.subcontracting,
        }[condition]


@dataclass(frozen=True)
class IndicatorRule:
    number: int
    reason: str
    applicability: Mapping[str, str]  # category → Condition value
    is_new_entrant_deferred: bool = False
    is_in_reduced_audit: bool = False


@dataclass(frozen=True)
class Applicable:
    number: int
    reason: str
    treatments: tuple[Treatment, ...]


@dataclass(frozen=True)
class Excluded:
    number: int
    # For each category where the indicator could apply: the condition it needs (never empty
    # for an indicator that applies somewhere). Empty when it applies to no category at all.
    would_apply_with: tuple[tuple[str, Condition], ...]
    # True when none of the declared categories can ever have it (e.g. 14 for a training-only
    # provider); False when a declared category would have it under a condition not met.
    outside_declared_categories: bool


@dataclass(frozen=True)
class Result:
    applicable: tuple[Applicable, ...] = field(default_factory=tuple)
    excluded: tuple[Excluded, ...] = field(default_factory=tuple)

    @property
    def numbers(self) -> list[int]:
        return [item.number for item in self.applicable]


def _treatments(
    rule: IndicatorRule, scope: Scope, applying: frozenset[str]
) -> tuple[Treatment, ...]:
    treatments: list[Treatment] = []
    # Deferred only when every category through which the indicator applies is new: where the
    # provider already runs actions of one of them, the auditor can see the practice there.
    if rule.is_new_entrant_deferred and applying and applying <= scope.new_entrant_in:
        treatments.append(Treatment.NEW_ENTRANT_DEFERRED)
    if scope.cnefop:
        # The reduced audit covers its list plus every applicable specific indicator.
        in_reduced = rule.is_in_reduced_audit or rule.reason != "common"
        treatments.append(Treatment.REDUCED_AUDIT_IN if in_reduced else Treatment.REDUCED_AUDIT_OUT)
    return tuple(treatments) or (Treatment.FULL,)


def evaluate(rules: Iterable[IndicatorRule], scope: Scope) -> Result:
    """Split the referential's indicators into applicable (with reason) and excluded (with why)."""
    applicable: list[Applicable] = []
    excluded: list[Excluded] = []
    for rule in sorted(rules, key=lambda r: r.number):
        conditions = {category: Condition(rule.applicability[category]) for category in CATEGORIES}
        applying = frozenset(c for c in scope.categories if scope.meets(conditions[c]))
        if applying:
            treatments = _treatments(rule, scope, applying)
            applicable.append(Applicable(rule.number, rule.reason, treatments))
            continue
        possible = tuple(
            (category, condition)
            for category, condition in conditions.items()
            if condition != Condition.NEVER
        )
        excluded.append(
            Excluded(
                number=rule.number,
                would_apply_with=possible,
                outside_declared_categories=all(
                    conditions[category] == Condition.NEVER for category in scope.categories
                ),
            )
        )
    return Result(tuple(applicable), tuple(excluded))
