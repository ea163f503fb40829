"""What an offer's public information lacks, indicator by indicator (pure function).

Indicator 1: every element the public must read (V10 adds the type of recognition and the
financing modalities), following the action category as the guide de lecture V9 does: a bilan de
compétences publishes no prerequisites, a certifying offer names its certification (title, RNCP/RS
code, certifier, registration date). Indicator 5: objectives that are operational (an action
verb) and evaluable (a measurable criterion). Indicator 6: content and methods described.
Indicator 7, RNCP certifications only: the programme names the skills blocks prepared (RS
certifications have none). Indicator 20, apprenticeship only: the CFA names its disability
referent.
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
# Guide de lecture V9, indicator 1, « obligations spécifiques » (quoted by the certifier
# Certifopac, certifopac.fr, « Qualiopi Indicateur 1 : Information du public »): « Pour les
# Bilans de Compétences : les prérequis n'ont pas à être mentionnés. »
NOT_REQUIRED_BY_CATEGORY = {"BC": {"prerequisites"}}
# Same passage: « Pour les formations certifiantes : l'information mentionne le libellé exact de
# la certification, le code RNCP/RS, le nom du certificateur et la date d'enregistrement de la
# certification. » (the code is checked for its form separately, see CERTIFICATION_CODE).
REQUIRED_1_CERTIFYING = {
    "certification_title": _(
        "L'intitulé exact de la certification n'est pas indiqué "
        "(guide de lecture V9, indicateur 1 : formations certifiantes)."
    ),
    "certifier": _(
        "Le certificateur de la certification n'est pas nommé "
        "(guide de lecture V9, indicateur 1 : formations certifiantes)."
    ),
    "certification_registered_on": _(
        "La date d'enregistrement de la certification n'est pas indiquée "
        "(guide de lecture V9, indicateur 1 : formations certifiantes)."
    ),
}
CERTIFICATION_CODE_MISSING = _(
    "Le code RNCP ou RS de la certification manque ou est mal écrit "
    "(guide de lecture V9, indicateur 1 : formations certifiantes)."
)
# Code du travail art. L6113-1: « Les certifications professionnelles [du RNCP] sont constituées
# de blocs de compétences » ; France compétences (FAQ « Qu'est-ce qu'un bloc de compétences ? »):
# the notion « exclut la déclinaison en blocs de compétences dans le cadre du Répertoire
# spécifique (RS) ». So the programme's blocks are asked of RNCP certifications only.
BLOCKS_MISSING = _(
    "Le programme ne cite pas les blocs de compétences préparés "
    "(une certification RNCP est constituée de blocs : Code du travail, art. L6113-1)."
)
# The disability referent. Indicator 1 asks for « accessibilité aux personnes handicapées », not a
# named person, and indicator 26 (every category) for « l'expertise, les outils et les réseaux
# nécessaires » — neither names a referent, so an AF, BC or VAE offer is not flagged for lacking
# one (the guide's proof lists mention one as an example only). A CFA must have one: RNQ
# indicator 20 (apprenticeship) « dispose [...] d'un référent handicap », and Code du travail
# art. L6231-2, 1° « le centre de formation d'apprentis désigne un référent chargé de
# l'intégration des personnes en situation de handicap ».
REFERENT_REQUIRED_CATEGORIES = {"APP"}
REFERENT_MISSING = _(
    "Le référent handicap du CFA n'est pas nommé (indicateur 20 ; "
    "Code du travail, art. L6231-2, 1°)."
)


def certification_register(code: str) -> str | None:
    """The register of a well-written code ("RNCP" or "RS"), None otherwise."""
    match = CERTIFICATION_CODE.match(code.strip())
    return match.group(1).upper() if match else None


def _filled(value: Any) -> bool:
    if value is None:
        return False
    return bool(str(value).strip())


def check(offer: Mapping[str, Any], *, version_code: str) -> Completeness:
    issues: list[Issue] = []
    checks = 0
    category = str(offer.get("category") or "")
    required = dict(REQUIRED_1)
    if version_code != "v9":
        required.update(REQUIRED_1_V10)
    for field in NOT_REQUIRED_BY_CATEGORY.get(category, set()):
        required.pop(field, None)
    for field, message in required.items():
        checks += 1
        if not _filled(offer.get(field)):
            issues.append(Issue(field, 1, str(message)))
    if category in REFERENT_REQUIRED_CATEGORIES:
        checks += 1
        if not _filled(offer.get("disability_referent")):
            issues.append(Issue("disability_referent", 20, str(REFERENT_MISSING)))
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
        code = str(offer.get("certification_code") or "").strip()
        checks += 1 + len(REQUIRED_1_CERTIFYING)
        if not _filled(offer.get("certification_title")):
            issues.append(
                Issue("certification_title", 1, str(REQUIRED_1_CERTIFYING["certification_title"]))
            )
        if certification_register(code) is None:
            issues.append(Issue("certification_code", 1, str(CERTIFICATION_CODE_MISSING)))
        for field in ("certifier", "certification_registered_on"):
            if not _filled(offer.get(field)):
                issues.append(Issue(field, 1, str(REQUIRED_1_CERTIFYING[field])))
        # The prefix, even when the number is mis-typed: an RNCP certification has blocks.
        if code.upper().startswith("RNCP"):
            checks += 1
            if "bloc" not in fold(str(offer.get("programme") or "")):
                issues.append(Issue("programme", 7, str(BLOCKS_MISSING)))
    return Completeness(tuple(issues), checks)
