"""The applicability engine, pinned exhaustively against DOMAIN.md's table (no database)."""

from itertools import combinations, product

import pytest

from indicators.referential.applicability import CATEGORIES, Scope, Treatment, evaluate
from indicators.referential.loader import FIXTURES_DIR, parse
from indicators.referential.selectors import IndicatorRule

COMMON = {1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 17, 18, 19, 21, 22, 23, 24, 25, 26, 30, 31, 32}
NEW_ENTRANT_DEFERRED = {2, 3, 11, 13, 14, 19, 22, 24, 25, 26, 32}
REDUCED_AUDIT_LIST = {1, 2, 11, 12, 22, 24, 25, 26, 32}
FLAGS = ("certifying", "alternance", "afest", "subcontracting", "new_entrant", "cnefop")


def _rules(code: str) -> list[IndicatorRule]:
    data = parse(FIXTURES_DIR / f"{code}.yaml")
    return [
        IndicatorRule(
            number=item["number"],
            reason=item["reason"],
            applicability=item["applicability"],
            is_new_entrant_deferred=item["new_entrant_deferred"],
            is_in_reduced_audit=item["reduced_audit"],
        )
        for item in data["indicators"]
    ]


RULES = {"v9": _rules("v9"), "v10": _rules("v10")}


def oracle(version: str, categories: set[str], flags: dict[str, bool]) -> list[int]:
    """DOMAIN.md's applicability table, written independently of the fixtures."""
    numbers = set(COMMON)
    if "APP" in categories:
        numbers |= {3, 7, 13, 14, 15, 16, 20, 28, 29} | ({33} if version == "v10" else set())
    if "VAE" in categories:
        numbers |= {3, 16}
    if "AF" in categories:
        if flags["certifying"]:
            numbers |= {3, 7, 16}
        if flags["alternance"]:
            numbers |= {13, 28}
        if flags["afest"]:
            numbers |= {28}
    if flags["subcontracting"]:
        numbers |= {27}
    return sorted(numbers)


ALL_CATEGORY_SETS = [set(combo) for size in range(1, 5) for combo in combinations(CATEGORIES, size)]


@pytest.mark.parametrize("version", ["v9", "v10"])
def test_every_combination_matches_the_domain_table(version):
    checked = 0
    for categories in ALL_CATEGORY_SETS:
        for values in product([False, True], repeat=len(FLAGS)):
            flags = dict(zip(FLAGS, values, strict=True))
            scope = Scope(categories=frozenset(categories), **flags)
            assert evaluate(RULES[version], scope).numbers == oracle(version, categories, flags), (
                categories,
                flags,
            )
            checked += 1
    assert checked == 15 * 64


@pytest.mark.parametrize(
    ("version", "categories", "flags", "count"),
    [
        ("v9", {"AF"}, {}, 22),
        ("v9", {"AF"}, {"subcontracting": True}, 23),
        ("v9", {"AF"}, {"afest": True}, 23),
        ("v9", {"AF"}, {"certifying": True}, 25),
        ("v9", {"APP"}, {}, 31),
        ("v9", {"APP"}, {"subcontracting": True}, 32),
        ("v10", {"AF"}, {}, 22),
        ("v10", {"AF"}, {"subcontracting": True}, 23),
        ("v10", {"AF"}, {"afest": True}, 23),
        ("v10", {"AF"}, {"certifying": True}, 25),
        ("v10", {"APP"}, {}, 32),
        ("v10", {"APP"}, {"subcontracting": True}, 33),
        ("v9", {"BC"}, {}, 22),
        ("v9", {"VAE"}, {}, 24),
    ],
)
def test_the_issue_counts(version, categories, flags, count):
    scope = Scope(categories=frozenset(categories), **flags)
    assert len(evaluate(RULES[version], scope).applicable) == count


def test_reasons_say_why():
    scope = Scope(
        categories=frozenset({"AF"}), certifying=True, alternance=True, subcontracting=True
    )
    reasons = {item.number: item.reason for item in evaluate(RULES["v9"], scope).applicable}
    assert reasons[1] == "common"
    assert (reasons[3], reasons[7], reasons[16]) == ("certification",) * 3
    assert reasons[13] == "alternance"
    assert reasons[28] == "work_situation"
    assert reasons[27] == "subcontracting"
    cfa = evaluate(RULES["v10"], Scope(categories=frozenset({"APP"})))
    assert {i.number: i.reason for i in cfa.applicable}[33] == "apprenticeship"


def test_new_entrant_treatment():
    scope = Scope(categories=frozenset({"AF", "BC"}), new_entrant=True)
    result = evaluate(RULES["v10"], scope)
    deferred = {
        i.number for i in result.applicable if Treatment.NEW_ENTRANT_DEFERRED in i.treatments
    }
    assert deferred == NEW_ENTRANT_DEFERRED & set(result.numbers)
    assert deferred == {2, 11, 19, 22, 24, 25, 26, 32}
    full = {i.number for i in result.applicable if i.treatments == (Treatment.FULL,)}
    assert full == set(result.numbers) - deferred


def _deferred(scope: Scope) -> set[int]:
    result = evaluate(RULES["v10"], scope)
    return {i.number for i in result.applicable if Treatment.NEW_ENTRANT_DEFERRED in i.treatments}


def test_a_new_entrant_in_every_category_is_the_same_as_a_first_year():
    """AFNOR FAQ (1 September 2023): a new entrant is in its first year of activity or starts
    a new category of actions."""
    first_year = Scope(categories=frozenset({"AF", "BC"}), new_entrant=True)
    both = Scope(categories=frozenset({"AF", "BC"}), new_entrant_categories=frozenset({"AF", "BC"}))
    assert _deferred(both) == _deferred(first_year) == {2, 11, 19, 22, 24, 25, 26, 32}


def test_starting_a_new_category_defers_only_what_that_category_alone_brings():
    """A training provider that starts apprenticeship shows its practice for every indicator
    its training actions have; only the deferred indicators that apprenticeship alone brings
    wait for the surveillance audit."""
    established = Scope(categories=frozenset({"AF", "APP"}), alternance=True)
    starting_app = Scope(
        categories=frozenset({"AF", "APP"}),
        alternance=True,
        new_entrant_categories=frozenset({"APP"}),
    )
    assert _deferred(established) == set()
    # 3: AF needs certifying actions (none declared); 14: apprenticeship only. 13 applies to
    # the provider's alternance training actions too, so its practice can be seen there.
    assert _deferred(starting_app) == {3, 14}
    # Without alternance training actions, 13 comes from apprenticeship alone.
    assert _deferred(
        Scope(categories=frozenset({"AF", "APP"}), new_entrant_categories=frozenset({"APP"}))
    ) == {3, 13, 14}
    # Starting bilans de compétences next to training brings no indicator of its own.
    assert (
        _deferred(
            Scope(categories=frozenset({"AF", "BC"}), new_entrant_categories=frozenset({"BC"}))
        )
        == set()
    )


def test_a_new_entrant_category_must_be_declared():
    with pytest.raises(ValueError, match="new entrant in undeclared categories: BC"):
        Scope(categories=frozenset({"AF"}), new_entrant_categories=frozenset({"BC"}))


def test_cnefop_reduced_audit_keeps_its_list_and_every_specific_indicator():
    scope = Scope(categories=frozenset({"AF"}), certifying=True, subcontracting=True, cnefop=True)
    result = evaluate(RULES["v9"], scope)
    inside = {i.number for i in result.applicable if Treatment.REDUCED_AUDIT_IN in i.treatments}
    outside = {i.number for i in result.applicable if Treatment.REDUCED_AUDIT_OUT in i.treatments}
    assert inside == REDUCED_AUDIT_LIST | {3, 7, 16, 27}
    assert outside == set(result.numbers) - inside
    assert 4 in outside


def test_exclusions_explain_themselves():
    result = evaluate(RULES["v9"], Scope(categories=frozenset({"AF"})))
    excluded = {item.number: item for item in result.excluded}
    assert sorted(excluded) == [3, 7, 13, 14, 15, 16, 20, 27, 28, 29]
    assert excluded[14].outside_declared_categories is True
    assert excluded[14].would_apply_with == (("APP", "always"),)
    assert excluded[27].outside_declared_categories is False
    assert excluded[3].would_apply_with == (
        ("AF", "certifying"),
        ("VAE", "always"),
        ("APP", "always"),
    )


def test_a_scope_needs_known_categories():
    with pytest.raises(ValueError, match="at least one action category"):
        Scope(categories=frozenset())
    with pytest.raises(ValueError, match="unknown action categories: XX"):
        Scope(categories=frozenset({"AF", "XX"}))
