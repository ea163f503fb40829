"""A questionnaire's questions as the manager edits them, checked on plain data (no database).

Editing never changes a version that may have been answered: what the manager saves becomes the
next version (services.questionnaire_version_create). A question keeps its code, and so its
role (which computed rate reads it), when it is kept; a new one gets a code made from its label
and a role only if the manager picks one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The roles a computed rate reads, with the answers it needs (see fixtures/surveys).
ROLES = {
    "satisfaction": gettext_lazy("Satisfaction (taux publié)"),
    "recommend": gettext_lazy("Recommandation (taux publié)"),
    "objectives": gettext_lazy("Atteinte des objectifs"),
    "employment": gettext_lazy("Situation à froid (insertion)"),
    "contents": gettext_lazy("Contenus (indicateur 33)"),
    "teaching": gettext_lazy("Enseignement (indicateur 33)"),
}
SCALE_ROLES = ("satisfaction", "objectives", "contents", "teaching")
TYPES = ("scale5", "scale10", "single", "multiple", "text")
CHOICE_TYPES = ("single", "multiple")
MAX_QUESTIONS = 100
CODE_MAX = 50
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,60}$")


@dataclass(frozen=True)
class QuestionDraft:
    row: int  # the question's number on the edit page, for the errors
    code: str  # "" for a new question
    label: str
    type: str
    required: bool
    role: str
    choices_text: str
    position: int


@dataclass
class QuestionPlan:
    code: str
    label: str
    type: str
    required: bool
    role: str
    choices: list[dict[str, str]] = field(default_factory=list)


def choices_text(choices: Sequence[Mapping[str, str]]) -> str:
    """A question's choices as the edit page shows them: one « code: libellé » a line."""
    return "\n".join(f"{choice['code']}: {choice['label']}" for choice in choices)


def choices_parse(text: str) -> tuple[list[dict[str, str]], list[str]]:
    """Lines « code: libellé », or just « libellé » (the code is made from it)."""
    choices: list[dict[str, str]] = []
    errors: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        code, separator, label = line.partition(":")
        # « code: libellé »; with a space before the colon (« Oui : tout à fait »), a label.
        if separator and _CODE.match(code) and label.strip():
            label = label.strip()
        else:
            code, label = _slug(line), line
        if any(choice["code"] == code for choice in choices):
            errors.append(
                _("deux réponses proposées ont le même code « %(code)s ».") % {"code": code}
            )
            continue
        choices.append({"code": code, "label": label[:200]})
    return choices, errors


def plan(
    drafts: Sequence[QuestionDraft], *, previous: Mapping[str, str]
) -> tuple[list[QuestionPlan], list[str]]:
    """The questions of the next version in their order, or the French errors.

    `previous`: the codes of the version edited, with their roles (a kept code keeps its role
    unless the manager changes it)."""
    errors: list[str] = []
    ordered = sorted(drafts, key=lambda draft: (draft.position, draft.row))
    if not ordered:
        return [], [_("Gardez au moins une question.")]
    if len(ordered) > MAX_QUESTIONS:
        return [], [_("%(max)s questions au plus.") % {"max": MAX_QUESTIONS}]
    kept = [draft.code for draft in ordered if draft.code]
    taken = set(previous) | set(kept)
    seen: set[str] = set()
    roles: dict[str, int] = {}
    plans: list[QuestionPlan] = []
    for draft in ordered:

        def refuse(message: str, draft: QuestionDraft = draft) -> None:
            errors.append(
                _("Question %(row)s (« %(label)s ») : %(error)s")
                % {"row": draft.row, "label": Truncator(draft.label).chars(80), "error": message}
            )

        if draft.code and draft.code not in previous:
            refuse(_("cette question n'existe pas dans la version modifiée ; rechargez la page."))
            continue
        if draft.code in seen:
            refuse(_("le code « %(code)s » est donné deux fois.") % {"code": draft.code})
            continue
        code = draft.code or _new_code(draft.label, taken)
        taken.add(code)
        seen.add(code)
        if not draft.label.strip():
            refuse(_("écrivez la question."))
        if draft.type not in TYPES:
            refuse(_("choisissez un type de réponse."))
            continue
        choices: list[dict[str, str]] = []
        if draft.type in CHOICE_TYPES:
            choices, choice_errors = choices_parse(draft.choices_text)
            for message in choice_errors:
                refuse(message)
            if len(choices) < 2 and not choice_errors:
                refuse(_("un choix demande au moins deux réponses proposées, une par ligne."))
        role = draft.role
        if role:
            if role not in ROLES:
                refuse(_("rôle inconnu."))
            elif role in roles:
                refuse(
                    _("le rôle « %(role)s » est déjà donné à la question %(other)s.")
                    % {"role": ROLES[role], "other": roles[role]}
                )
            elif role in SCALE_ROLES and draft.type not in ("scale5", "scale10"):
                refuse(
                    _("le rôle « %(role)s » se lit sur une note (de 1 à 5 ou de 0 à 10).")
                    % {"role": ROLES[role]}
                )
            elif role == "recommend" and (
                draft.type != "single" or not any(c["code"] == "yes" for c in choices)
            ):
                refuse(
                    _(
                        "le rôle « %(role)s » se lit sur un choix unique dont une réponse a le "
                        "code « yes » (par exemple « yes: Oui »)."
                    )
                    % {"role": ROLES[role]}
                )
            elif role == "employment" and draft.type != "single":
                refuse(
                    _("le rôle « %(role)s » se lit sur un choix unique.") % {"role": ROLES[role]}
                )
            roles.setdefault(role, draft.row)
        plans.append(
            QuestionPlan(
                code=code,
                label=draft.label.strip(),
                type=draft.type,
                required=draft.required,
                role=role,
                choices=choices,
            )
        )
    return ([], errors) if errors else (plans, [])


def _slug(text: str) -> str:
    return slugify(text).replace("-", "_")[:CODE_MAX].strip("_") or "reponse"


def _new_code(label: str, taken: set[str]) -> str:
    """A code made from the label, unused in this questionnaire's versions."""
    base = slugify(label).replace("-", "_")[:CODE_MAX].strip("_") or "question"
    code, number = base, 2
    while code in taken:
        code = f"{base}_{number}"
        number += 1
    return code
