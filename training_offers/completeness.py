"""What an offer's public information lacks, indicator by indicator (pure function).

Indicator 1: every element the public must read (V10 adds the type of recognition and the
financing modalities). Indicator 5: objectives that are operational (an action verb) and
evaluable (a measurable criterion). Indicator 6: content and methods described. Certifying
offers: indicator 3 (the certification named, with its code) and 7 (the programme matches the
certification's skills blocks).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from qualiopi_portal.core.text import fold

# Verbs that describe an observable behaviour (seed 002's examples and the usual lists).
ACTION_VERBS = {
    "accueillir",
    "adapter",
    "analyser",
    "animer",
    "appliquer",
    "argumenter",
    "calculer",
    "choisir",
    "classer",
    "communiquer",
    "comparer",
    "concevoir",
    "conduire",
    "configurer",
    "construire",
    "controler",
    "creer",
    "decrire",
    "definir",
    "demontrer",
    "deployer",
    "diagnostiquer",
    "elaborer",
    "etablir",
    "evaluer",
    "expliquer",
    "formuler",
    "gerer",
    "identifier",
    "installer",
    "interpreter",
    "lister",
    "mesurer",
    "mettre",
    "negocier",
    "organiser",
    "parametrer",
    "piloter",
    "planifier",
    "preparer",
    "presenter",
    "produire",
    "programmer",
    "realiser",
    "rediger",
    "reparer",
    "repondre",
    "resoudre",
    "selectionner",
    "structurer",
    "traiter",
    "utiliser",
    "verifier",
}
# Verbs an auditor reads as not evaluable on their own.
VAGUE_VERBS = {"comprendre", "connaitre", "savoir", "maitriser", "sensibiliser", "decouvrir"}
MEASURE = re.compile(
    r"\d|\b(sans erreur|au moins|en moins de|selon|conformement|conforme|dans le respect|"
    r"a partir de|en autonomie|grille|critere)\b"
)
CERTIFICATION_CODE = re.compile(r"^(RNCP|RS)\s?\d{3,6}$", re.IGNORECASE)


@dataclass(frozen=True)
class Issue:
    field: str
    indicator: int
    message: str


@dataclass(frozen=True)
class Completeness:
    issues: tuple[Issue, ...]
    checks: int

    @property
    def score(self) -> int:
        """Percent of the checks passed."""
        if not self.checks:
            return 100
        return round(100 * (self.checks - len(self.issues)) / self.checks)

    def threatened(self) -> set[int]:
        return {issue.indicator for issue in self.issues}


def weak_objectives(objectives: str) -> list[tuple[str, str]]:
    """Each objective line that is not operational or not evaluable, with why."""
    weak = []
    for line in (raw.strip(" -•*\t") for raw in objectives.splitlines()):
        if not line:
            continue
        words = re.findall(r"[a-zà-ÿœ']+", line.lower())
        folded = [fold(word).split("'")[-1] for word in words]
        if not any(word in ACTION_VERBS for word in folded):
            reason = "vague" if any(word in VAGUE_VERBS for word in folded) else "no_verb"
            weak.append((line, reason))
        elif not MEASURE.search(fold(line)):
            weak.append((line, "no_measure"))
    return weak


REQUIRED_1 = {
    "prerequisites": _("Les prérequis ne sont pas indiqués."),
    "objectives": _("Les objectifs ne sont pas indiqués."),
    "duration_hours": _("La durée n'est pas indiquée."),
    "access_modalities": _("Les modalités d'accès ne sont pas indiquées."),
    "access_delay": _("Le délai d'accès n'est pas indiqué."),
    "price": _("Le tarif n'est pas indiqué."),
    "contacts": _("Les contacts ne sont pas indiqués."),
    "methods": _("Les méthodes mobilisées ne sont pas indiquées."),
    "evaluation": _("Les modalités d'évaluation ne sont pas indiquées."),
    "accessibility": _(
        "L'accessibilité aux personnes en situation de handicap n'est pas indiquée."
    ),
}
REQUIRED_1_V10 = {
    "recognition": _("Le type de reconnaissance (exigé en V10) n'est pas indiqué."),
    "financing": _("Les modalités de financement (exigées en V10) ne sont pas indiquées."),
}


def _filled(value: Any) -> bool:
    if value is None:
        return False
    return bool(str(value).strip())


def check(offer: Mapping[str, Any], *, version_code: str) -> Completeness:
    issues: list[Issue] = []
    checks = 0
    required = dict(REQUIRED_1)
    if version_code != "v9":
        required.update(REQUIRED_1_V10)
    for field, message in required.items():
        checks += 1
        if not _filled(offer.get(field)):
            issues.append(Issue(field, 1, str(message)))
    checks += 1
    if _filled(offer.get("accessibility")) and not _filled(offer.get("disability_referent")):
        issues.append(
            Issue("disability_referent", 1, str(_("Le référent handicap n'est pas nommé.")))
        )
    objectives = str(offer.get("objectives") or "")
    checks += 1
    if objectives.strip():
        for line, reason in weak_objectives(objectives):
            message = {
                "vague": _(
                    "Objectif non évaluable (« %(line)s ») : préférez une action observable."
                ),
                "no_verb": _("Objectif sans verbe d'action (« %(line)s »)."),
                "no_measure": _("Objectif sans critère mesurable (« %(line)s »)."),
            }[reason] % {"line": line[:80]}
            issues.append(Issue("objectives", 5, str(message)))
    else:
        issues.append(Issue("objectives", 5, str(_("Aucun objectif opérationnel et évaluable."))))
    for field, message in (
        ("programme", _("Le programme (contenus) n'est pas décrit.")),
        ("methods", _("Les méthodes pédagogiques ne sont pas décrites.")),
    ):
        checks += 1
        if not _filled(offer.get(field)):
            issues.append(Issue(field, 6, str(message)))
    if offer.get("is_certifying"):
        checks += 2
        code = str(offer.get("certification_code") or "").strip()
        if not CERTIFICATION_CODE.match(code):
            issues.append(
                Issue(
                    "certification_code",
                    3,
                    str(_("Le code RNCP ou RS de la certification manque ou est mal écrit.")),
                )
            )
        if not _filled(offer.get("certifier")):
            issues.append(
                Issue(
                    "certifier", 3, str(_("Le certificateur de la certification n'est pas nommé."))
                )
            )
        checks += 1
        if "bloc" not in fold(str(offer.get("programme") or "")):
            issues.append(
                Issue(
                    "programme",
                    7,
                    str(_("Le programme ne cite pas les blocs de compétences préparés.")),
                )
            )
    return Completeness(tuple(issues), checks)
