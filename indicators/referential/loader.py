"""Load fixtures/rnq/<version>.yaml into the referential tables.

Strict: every key is checked, and an error names the file, the line and the field, and changes
nothing (one transaction per file, validation before any write). Idempotent: loading the same
file again leaves the rows as they are.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from .applicability import CATEGORIES, Condition
from .models import ChangeKind, Criterion, Indicator, Reason, ReferentialVersion
from .selectors import referential_cache_clear

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "rnq"

VERSION_KEYS = {"code", "name", "legal_source", "in_force_from", "in_force_until"}
CRITERION_KEYS = {"number", "title"}
INDICATOR_KEYS = {
    "number",
    "criterion",
    "title",
    "requirement",
    "requirement_is_official",
    "expected_level",
    "applicability",
    "reason",
    "fundamental",
    "new_entrant_deferred",
    "reduced_audit",
    "may_be_not_applicable",
    "not_applicable_note",
    "typical_evidence",
    "frequent_nonconformities",
    "top_nc_rank",
    "change_kind",
    "changes_from_v9",
}


class ReferentialFileError(ValueError):
    """A malformed fixture: the message is `file:line: field: problem`."""


class _LineLoader(yaml.SafeLoader):
    """Keeps, for every mapping, the line of each key (1-based) under the key `__lines__`."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__lines__"] = {
            self.construct_object(key): key.start_mark.line + 1 for key, _ in node.value
        }
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


@dataclass(frozen=True)
class LoadReport:
    code: str
    criteria: int
    indicators: int
    changed: bool


class _Checker:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, mapping: dict, field: str, problem: str) -> None:
        line = mapping.get("__lines__", {}).get(field, mapping.get("__line__", "?"))
        raise ReferentialFileError(f"{self.path}:{line}: {field}: {problem}")

    def keys(self, mapping: Any, expected: set[str], where: str, parent: dict) -> dict:
        if not isinstance(mapping, dict):
            self.fail(parent, where, "expected a mapping")
        present = set(mapping) - {"__lines__", "__line__"}
        for missing in sorted(expected - present):
            raise ReferentialFileError(f"{self.path}:{mapping['__line__']}: {missing}: missing")
        for unknown in sorted(present - expected):
            self.fail(mapping, unknown, "unknown key")
        return mapping

    def typed(self, mapping: dict, field: str, kind: type | tuple, nullable: bool = False):
        value = mapping[field]
        if value is None and nullable:
            return None
        if kind is int and isinstance(value, bool):
            self.fail(mapping, field, "expected an integer")
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            self.fail(mapping, field, f"expected {names}, got {type(value).__name__}")
        if (
            isinstance(value, str)
            and not value.strip()
            and field
            not in {
                "not_applicable_note",
                "changes_from_v9",
            }
        ):
            self.fail(mapping, field, "must not be empty")
        return value

    def text_list(self, mapping: dict, field: str) -> list[str]:
        values = self.typed(mapping, field, list)
        for value in values:
            if not isinstance(value, str) or not value.strip():
                self.fail(mapping, field, "expected a list of non-empty texts")
        return [value.strip() for value in values]

    def choice(self, mapping: dict, field: str, choices: list[str]) -> str:
        value = self.typed(mapping, field, str)
        if value not in choices:
            self.fail(mapping, field, f"{value!r} is not one of {', '.join(choices)}")
        return value


def parse(path: Path) -> dict:
    """Read and validate one fixture; return plain values ready to be written."""
    text = path.read_text(encoding="utf-8")
    try:
        document = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else "?"
        raise ReferentialFileError(f"{path}:{line}: YAML: {error}") from error
    check = _Checker(path)
    root = check.keys(document, {"version", "criteria", "indicators"}, "document", {})
    version = check.keys(root["version"], VERSION_KEYS, "version", root)
    parsed_version = {
        "code": check.typed(version, "code", str),
        "name": check.typed(version, "name", str),
        "legal_source": check.typed(version, "legal_source", str),
        "in_force_from": check.typed(version, "in_force_from", datetime.date),
        "in_force_until": check.typed(version, "in_force_until", datetime.date, nullable=True),
    }
    until = parsed_version["in_force_until"]
    if until is not None and until < parsed_version["in_force_from"]:
        check.fail(version, "in_force_until", "is before in_force_from")

    criteria = []
    for criterion in check.typed(root, "criteria", list):
        criterion = check.keys(criterion, CRITERION_KEYS, "criteria", root)
        criteria.append(
            {
                "number": check.typed(criterion, "number", int),
                "title": check.typed(criterion, "title", str).strip(),
            }
        )
    numbers = [c["number"] for c in criteria]
    if numbers != list(range(1, len(numbers) + 1)):
        check.fail(root, "criteria", f"numbers must run 1..n in order, got {numbers}")

    indicators = []
    for item in check.typed(root, "indicators", list):
        item = check.keys(item, INDICATOR_KEYS, "indicators", root)
        applicability = check.keys(item["applicability"], set(CATEGORIES), "applicability", item)
        parsed = {
            "number": check.typed(item, "number", int),
            "criterion": check.typed(item, "criterion", int),
            "title": check.typed(item, "title", str).strip(),
            "requirement": check.typed(item, "requirement", str).strip(),
            "requirement_is_official": check.typed(item, "requirement_is_official", bool),
            "expected_level": check.typed(item, "expected_level", str).strip(),
            "applicability": {
                category: check.choice(applicability, category, list(Condition))
                for category in CATEGORIES
            },
            "reason": check.choice(item, "reason", Reason.values),
            "fundamental": check.typed(item, "fundamental", bool),
            "new_entrant_deferred": check.typed(item, "new_entrant_deferred", bool),
            "reduced_audit": check.typed(item, "reduced_audit", bool),
            "may_be_not_applicable": check.typed(item, "may_be_not_applicable", bool),
            "not_applicable_note": check.typed(item, "not_applicable_note", str).strip(),
            "typical_evidence": check.text_list(item, "typical_evidence"),
            "frequent_nonconformities": check.text_list(item, "frequent_nonconformities"),
            "top_nc_rank": check.typed(item, "top_nc_rank", int, nullable=True),
            "change_kind": check.choice(item, "change_kind", ChangeKind.values),
            "changes_from_v9": check.typed(item, "changes_from_v9", str).strip(),
        }
        if parsed["criterion"] not in numbers:
            check.fail(item, "criterion", f"unknown criterion {parsed['criterion']}")
        if len(parsed["title"]) > 120:
            check.fail(item, "title", "longer than 120 characters")
        rank = parsed["top_nc_rank"]
        if rank is not None and not 1 <= rank <= 10:
            check.fail(item, "top_nc_rank", "must be between 1 and 10")
        if parsed["may_be_not_applicable"] and not parsed["not_applicable_note"]:
            check.fail(item, "not_applicable_note", "required when may_be_not_applicable")
        indicators.append(parsed)
    numbers = [i["number"] for i in indicators]
    if numbers != list(range(1, len(numbers) + 1)):
        check.fail(root, "indicators", f"numbers must run 1..n in order, got {numbers}")
    return {
        "version": parsed_version,
        "criteria": criteria,
        "indicators": indicators,
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
    }


@transaction.atomic
def load(path: Path) -> LoadReport:
    """Validate then upsert one version; nothing is written when the file is malformed."""
    data = parse(path)
    code = data["version"]["code"]
    existing = ReferentialVersion.objects.filter(code=code).first()
    if existing is not None and existing.source_sha256 == data["sha256"]:
        return LoadReport(code, len(data["criteria"]), len(data["indicators"]), changed=False)
    version, _ = ReferentialVersion.objects.update_or_create(
        code=code, defaults={**data["version"], "source_sha256": data["sha256"]}
    )
    criteria = {}
    for criterion in data["criteria"]:
        criteria[criterion["number"]], _ = Criterion.objects.update_or_create(
            version=version, number=criterion["number"], defaults={"title": criterion["title"]}
        )
    version.criteria.exclude(number__in=criteria).delete()
    for item in data["indicators"]:
        applicability = item["applicability"]
        Indicator.objects.update_or_create(
            version=version,
            number=item["number"],
            defaults={
                "criterion": criteria[item["criterion"]],
                "title": item["title"],
                "requirement": item["requirement"],
                "requirement_is_official": item["requirement_is_official"],
                "expected_level": item["expected_level"],
                "applies_af": applicability["AF"],
                "applies_bc": applicability["BC"],
                "applies_vae": applicability["VAE"],
                "applies_app": applicability["APP"],
                "reason": item["reason"],
                "is_fundamental": item["fundamental"],
                "is_new_entrant_deferred": item["new_entrant_deferred"],
                "is_in_reduced_audit": item["reduced_audit"],
                "may_be_not_applicable": item["may_be_not_applicable"],
                "not_applicable_note": item["not_applicable_note"],
                "typical_evidence": item["typical_evidence"],
                "frequent_nonconformities": item["frequent_nonconformities"],
                "top_nc_rank": item["top_nc_rank"],
                "change_kind": item["change_kind"],
                "changes_from_v9": item["changes_from_v9"],
            },
        )
    version.indicators.exclude(number__in=[i["number"] for i in data["indicators"]]).delete()
    referential_cache_clear()
    return LoadReport(code, len(data["criteria"]), len(data["indicators"]), changed=True)


def fixture_paths() -> list[Path]:
    return sorted(FIXTURES_DIR.glob("*.yaml"))
