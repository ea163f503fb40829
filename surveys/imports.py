"""Answers collected elsewhere (paper, another survey tool) read from a CSV file, on plain data.

The manager says which column answers which question (or names the session, or is ignored);
each line then goes through the same check as an answer given from a link (`answers.check`):
scales in range, choices among the question's (by code or by label), required questions
answered. Every error names its line and column; the caller keeps all the lines or none.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qualiopi_portal.core.csvfiles import csv_rows
from qualiopi_portal.core.text import fold

from . import answers

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 100
MAX_ERRORS = 50
# What a column's select may say, besides "question:<code>".
IGNORE = ""
SESSION = "session"
QUESTION_PREFIX = "question:"


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, values)


@dataclass(frozen=True)
class QuestionInfo:
    code: str
    label: str
    type: str
    required: bool
    choices: tuple[tuple[str, str], ...] = ()  # (code, label)

    @property
    def spec(self) -> answers.QuestionSpec:
        return answers.QuestionSpec(
            self.code, self.type, self.required, tuple(code for code, _label in self.choices)
        )


@dataclass(frozen=True)
class Mapping:
    questions: dict[int, str]  # column index → question code
    session: int | None  # column index of the session, if any


@dataclass(frozen=True)
class Row:
    line: int
    session_id: int | None
    values: dict[str, answers.Value]


def table_read(data: bytes) -> Table:
    """The file's header and lines; a file empty, too large, not text, too wide or too long is
    refused in French."""
    reader = csv_rows(data, max_bytes=MAX_BYTES)
    header = [column.strip() for column in next(reader, [])]
    if not any(header):
        raise ValidationError(_("Ligne 1 : la première ligne doit donner le nom des colonnes."))
    if len(header) > MAX_COLUMNS:
        raise ValidationError(
            _("Le fichier a %(count)s colonnes ; %(max)s au plus.")
            % {"count": len(header), "max": MAX_COLUMNS}
        )
    rows: list[tuple[int, list[str]]] = []
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(rows) == MAX_ROWS:
            raise ValidationError(
                _("Le fichier dépasse %(max)s lignes de réponses : découpez-le.")
                % {"max": MAX_ROWS}
            )
        rows.append((line, values))
    if not rows:
        raise ValidationError(_("Le fichier ne contient aucune réponse."))
    return Table(header=header, rows=rows)


def column_name(table: Table, index: int) -> str:
    return table.header[index] or _("colonne %(number)s") % {"number": index + 1}


def guess(header: Sequence[str], questions: Sequence[QuestionInfo]) -> list[str]:
    """A first choice for each column: the question whose code or label it names, the session,
    or nothing (the manager corrects it)."""
    by_name: dict[str, str] = {}
    for question in questions:
        by_name.setdefault(fold(question.code), question.code)
        by_name.setdefault(fold(question.label), question.code)
    guessed, taken = [], set()
    for name in header:
        folded = fold(name)
        code = by_name.get(folded)
        if code is not None and code not in taken:
            taken.add(code)
            guessed.append(QUESTION_PREFIX + code)
        elif folded in ("session", "id session", "numero de session") and SESSION not in taken:
            taken.add(SESSION)
            guessed.append(SESSION)
        else:
            guessed.append(IGNORE)
    return guessed


def mapping_check(
    table: Table, chosen: Sequence[str], questions: Sequence[QuestionInfo]
) -> tuple[Mapping | None, list[str]]:
    """The mapping the manager chose, or why not: a question that is not this questionnaire's
    (a tampered form), two columns for one question, a required question without a column."""
    by_code = {question.code: question for question in questions}
    errors: list[str] = []
    mapped: dict[int, str] = {}
    first_column: dict[str, int] = {}
    session: int | None = None
    if len(chosen) != len(table.header):
        return None, [_("Le choix des colonnes ne correspond pas au fichier : recommencez.")]
    for index, choice in enumerate(chosen):
        name = column_name(table, index)
        if choice == IGNORE:
            continue
        if choice == SESSION:
            if session is not None:
                errors.append(
                    _(
                        "Les colonnes « %(first)s » et « %(second)s » donnent toutes deux la "
                        "session : une seule colonne pour la session."
                    )
                    % {"first": column_name(table, session), "second": name}
                )
            else:
                session = index
            continue
        code = choice.removeprefix(QUESTION_PREFIX)
        if not choice.startswith(QUESTION_PREFIX) or code not in by_code:
            errors.append(
                _(
                    "Colonne « %(column)s » : la question « %(code)s » n'existe pas dans ce "
                    "questionnaire."
                )
                % {"column": name, "code": code[:60]}
            )
            continue
        if code in first_column:
            errors.append(
                _(
                    "Les colonnes « %(first)s » et « %(second)s » répondent à la même question "
                    "« %(question)s » : une seule colonne par question."
                )
                % {
                    "first": column_name(table, first_column[code]),
                    "second": name,
                    "question": by_code[code].label,
                }
            )
            continue
        first_column[code] = index
        mapped[index] = code
    if not errors:
        if not mapped:
            errors.append(_("Choisissez la question d'au moins une colonne."))
        for question in questions:
            if question.required and question.code not in first_column:
                errors.append(
                    _("La question obligatoire « %(question)s » n'a pas de colonne.")
                    % {"question": question.label}
                )
    if errors:
        return None, errors
    return Mapping(questions=mapped, session=session), []


def session_ids(table: Table, mapping: Mapping) -> set[int]:
    """The session numbers the file names (to look up which exist)."""
    if mapping.session is None:
        return set()
    found = set()
    for _line, values in table.rows:
        cell = _cell(values, mapping.session)
        if cell.isdigit():
            found.add(int(cell))
    return found


def rows_check(
    table: Table,
    mapping: Mapping,
    questions: Sequence[QuestionInfo],
    known_sessions: Collection[int],
) -> tuple[list[Row], list[str]]:
    """Each line as the answers to keep, or the errors (line and column named, the first
    MAX_ERRORS of them, then how many more)."""
    by_code = {question.code: question for question in questions}
    column_of = {code: index for index, code in mapping.questions.items()}
    specs = [question.spec for question in questions]
    rows: list[Row] = []
    errors: list[str] = []
    width = len(table.header)
    for line, values in table.rows:
        if len(values) > width:
            errors.append(
                _("Ligne %(line)s : %(found)s valeurs pour %(expected)s colonnes.")
                % {"line": line, "found": len(values), "expected": width}
            )
            continue
        session_id = None
        if mapping.session is not None:
            cell = _cell(values, mapping.session)
            if cell:
                if not cell.isdigit() or int(cell) not in known_sessions:
                    errors.append(
                        _(
                            "Ligne %(line)s, colonne « %(column)s » : session « %(value)s » "
                            "introuvable (indiquez le numéro de la session)."
                        )
                        % {
                            "line": line,
                            "column": column_name(table, mapping.session),
                            "value": cell[:40],
                        }
                    )
                    continue
                session_id = int(cell)
        raw = {
            code: _given(by_code[code], _cell(values, index))
            for index, code in mapping.questions.items()
        }
        checked = answers.check(specs, raw)
        for code, error in checked.errors.items():
            errors.append(
                _("Ligne %(line)s, colonne « %(column)s » : %(error)s")
                % {"line": line, "column": column_name(table, column_of[code]), "error": error}
            )
        if not checked.errors:
            rows.append(Row(line=line, session_id=session_id, values=checked.values))
    if len(errors) > MAX_ERRORS:
        more = len(errors) - MAX_ERRORS
        errors = [
            *errors[:MAX_ERRORS],
            _("… et %(count)s autres erreurs.") % {"count": more},
        ]
    return rows, errors


def _cell(values: Sequence[str], index: int) -> str:
    return values[index].strip() if index < len(values) else ""


def _given(question: QuestionInfo, cell: str) -> list[str]:
    """The cell as the form's list of values; a choice by its code or its label (several,
    separated by « | » or « , », for a multiple choice)."""
    if not cell:
        return []
    if question.type not in ("single", "multiple"):
        return [cell]
    codes = {fold(code): code for code, _label in question.choices}
    codes.update({fold(label): code for code, label in question.choices})
    whole = codes.get(fold(cell))
    if whole is not None:
        return [whole]
    parts = [part.strip() for part in re.split(r"[|,]", cell) if part.strip()]
    return [codes.get(fold(part), part) for part in parts]
