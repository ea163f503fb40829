"""What an answer to a question may be, on plain data (no database).

A scale is an integer in its range (1–5, or 0–10), a single choice one of the question's codes,
a multiple choice a set of them, a free text at most 5,000 characters; a required question
left empty is refused. Every refusal is in French, for the respondent, next to the question.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

RANGES = {"scale5": (1, 5), "scale10": (0, 10)}
TEXT_MAX = 5000


@dataclass(frozen=True)
class QuestionSpec:
    code: str
    type: str  # scale5, scale10, single, multiple, text
    required: bool
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Value:
    number: int | None = None
    text: str = ""
    choices: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.number is None and not self.text and not self.choices


@dataclass
class Checked:
    values: dict[str, Value] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def check(specs: Sequence[QuestionSpec], raw: Mapping[str, Sequence[str]]) -> Checked:
    """The answers to keep, or why not, per question code (`raw`: the form's lists)."""
    checked = Checked()
    for spec in specs:
        given = [value.strip() for value in raw.get(spec.code, ()) if value.strip()]
        value, error = _one(spec, given)
        if error:
            checked.errors[spec.code] = error
        elif value.empty and spec.required:
            checked.errors[spec.code] = _("Répondez à cette question.")
        elif not value.empty:
            checked.values[spec.code] = value
    return checked


def _one(spec: QuestionSpec, given: list[str]) -> tuple[Value, str]:
    if not given:
        return Value(), ""
    if spec.type in RANGES:
        low, high = RANGES[spec.type]
        try:
            number = int(given[0])
        except ValueError:
            number = None
        if number is None or not low <= number <= high or len(given) > 1:
            return Value(), _("Choisissez une note de %(low)s à %(high)s.") % {
                "low": low,
                "high": high,
            }
        return Value(number=number), ""
    if spec.type in ("single", "multiple"):
        unknown = [value for value in given if value not in spec.choices]
        if unknown or (spec.type == "single" and len(given) > 1):
            return Value(), _("Choisissez parmi les réponses proposées.")
        return Value(choices=tuple(dict.fromkeys(given))), ""
    text = given[0]
    if len(text) > TEXT_MAX:
        return Value(), _("Votre réponse dépasse %(max)s caractères.") % {"max": TEXT_MAX}
    return Value(text=text), ""
