"""The figures of a campaign's summary, from plain data (no database): per question, the
distribution and average of a scale, the counts of a choice, the texts of a free answer.

The summary is a proof, not a personal file: nothing here carries who answered. Free texts are
sorted, so their order tells nothing of who answered first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

SCALES = {"scale5": range(1, 6), "scale10": range(0, 11)}
CHOICES = ("single", "multiple")


@dataclass(frozen=True)
class QuestionInput:
    code: str
    label: str
    type: str
    choices: tuple[tuple[str, str], ...] = ()  # (code, label)


@dataclass(frozen=True)
class AnswerInput:
    number: int | None = None
    text: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    percent: Decimal  # of the respondents to the question


@dataclass
class QuestionFigures:
    label: str
    type: str
    respondents: int  # who answered this question
    rows: list[Row] = field(default_factory=list)  # scale values or choices, in order
    average: Decimal | None = None  # scales only
    texts: list[str] = field(default_factory=list)  # free text only

    @property
    def is_scale(self) -> bool:
        return self.type in SCALES

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICES

    @property
    def is_text(self) -> bool:
        return self.type == "text"


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole in percent, one decimal; None when there is no whole."""
    if whole <= 0:
        return None
    return _one_decimal(Decimal(part) * 100 / Decimal(whole))


def question_figures(question: QuestionInput, answers: list[AnswerInput]) -> QuestionFigures:
    """What the summary prints for one question, from every answer given to it."""
    if question.type in SCALES:
        numbers = [a.number for a in answers if a.number is not None]
        counts = dict.fromkeys(SCALES[question.type], 0)
        for number in numbers:
            if number in counts:
                counts[number] += 1
        return QuestionFigures(
            question.label,
            question.type,
            len(numbers),
            rows=[
                Row(str(value), count, percent(count, len(numbers)) or Decimal(0))
                for value, count in counts.items()
            ],
            average=_one_decimal(Decimal(sum(numbers)) / len(numbers)) if numbers else None,
        )
    if question.type in CHOICES:
        given = [a.choices for a in answers if a.choices]
        counts = dict.fromkeys((code for code, _label in question.choices), 0)
        for chosen in given:
            for code in set(chosen):
                if code in counts:
                    counts[code] += 1
        return QuestionFigures(
            question.label,
            question.type,
            len(given),
            rows=[
                Row(label, counts[code], percent(counts[code], len(given)) or Decimal(0))
                for code, label in question.choices
            ],
        )
    texts = sorted(a.text.strip() for a in answers if a.text.strip())
    return QuestionFigures(question.label, question.type, len(texts), texts=texts)
