"""French wording for the applicability engine's results (reasons, exclusions, treatments)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.referential import selectors as referential
from indicators.referential.applicability import (
    Applicable,
    Condition,
    Excluded,
    Result,
    Scope,
    Treatment,
    evaluate,
)
from indicators.referential.models import Indicator, Reason

CATEGORY_LABELS = {
    "AF": gettext_lazy("actions de formation"),
    "BC": gettext_lazy("bilans de compétences"),
    "VAE": gettext_lazy("VAE"),
    "APP": gettext_lazy("apprentissage (CFA)"),
}
CONDITION_LABELS = {
    Condition.CERTIFYING: gettext_lazy("actions certifiantes (RNCP / RS)"),
    Condition.ALTERNANCE: gettext_lazy("formations en alternance"),
    Condition.WORK_SITUATION: gettext_lazy(
        "périodes en situation de travail (alternance ou AFEST)"
    ),
    Condition.SUBCONTRACTING: gettext_lazy("sous-traitance ou portage salarial"),
}
TREATMENT_LABELS = {
    Treatment.NEW_ENTRANT_DEFERRED: gettext_lazy(
        "Nouvel entrant : processus vérifié à l'audit initial, mise en œuvre à l'audit de "
        "surveillance"
    ),
    Treatment.REDUCED_AUDIT_IN: gettext_lazy("Dans l'audit allégé (ancien label CNEFOP)"),
    Treatment.REDUCED_AUDIT_OUT: gettext_lazy("Hors de l'audit allégé (ancien label CNEFOP)"),
}
SEED_COUNT_NOTE = gettext_lazy(
    "Le support de Transitions Pro Occitanie annonce 23 indicateurs pour une action de "
    "formation simple, 24 avec de l'AFEST, 26 pour une formation certifiante et 28 en "
    "alternance : il compte l'indicateur 27 (sous-traitance) comme toujours applicable. "
    "Officiellement, l'indicateur 27 ne s'applique qu'aux organismes qui sous-traitent ou "
    "recourent au portage salarial : une action de formation simple en compte donc 22."
)


def exclusion_text(excluded: Excluded, declared: frozenset[str]) -> str:
    """Why an indicator does not apply, in one French sentence."""
    if not excluded.would_apply_with:
        return _("Ne s'applique à aucune catégorie d'actions.")
    if excluded.outside_declared_categories:
        targets = [
            str(CATEGORY_LABELS[category])
            if condition == Condition.ALWAYS
            else _("%(category)s si %(condition)s")
            % {"category": CATEGORY_LABELS[category], "condition": CONDITION_LABELS[condition]}
            for category, condition in excluded.would_apply_with
        ]
        return _("Ne concerne pas vos catégories d'actions ; s'applique à : %(targets)s.") % {
            "targets": ", ".join(targets)
        }
    conditions = sorted(
        {
            str(CONDITION_LABELS[condition])
            for category, condition in excluded.would_apply_with
            if category in declared and condition != Condition.ALWAYS
        }
    )
    return _("S'appliquerait si vous déclariez : %(conditions)s.") % {
        # Translators: joins the alternative conditions of one exclusion sentence.
        "conditions": _(" ou ").join(conditions)
    }


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator as the pages show it for an organisation."""

    indicator: Indicator
    applicable: Applicable | None
    excluded_because: str

    @property
    def reason_label(self) -> str:
        return str(Reason(self.applicable.reason).label) if self.applicable else ""

    @property
    def treatment_labels(self) -> list[str]:
        if not self.applicable:
            return []
        return [
            str(TREATMENT_LABELS[t]) for t in self.applicable.treatments if t in TREATMENT_LABELS
        ]

    @property
    def severity_label(self) -> str:
        if self.indicator.is_fundamental:
            return _("Indicateur fondamental : toute non-conformité est majeure")
        return _("Non-conformité mineure ou majeure selon l'écart")


def indicator_rows(
    indicators: list[Indicator], result: Result, declared: frozenset[str]
) -> list[IndicatorRow]:
    applicable = {item.number: item for item in result.applicable}
    excluded = {item.number: item for item in result.excluded}
    return [
        IndicatorRow(
            indicator=indicator,
            applicable=applicable.get(indicator.number),
            excluded_because=(
                exclusion_text(excluded[indicator.number], declared)
                if indicator.number in excluded
                else ""
            ),
        )
        for indicator in indicators
    ]


def indicator_rows_for(organisation, version, scope: Scope | None = None):
    """The applicability result and one row per indicator of the version (scope: the
    organisation's declared one unless another is being previewed)."""
    scope = scope or referential.scope_for_organisation(organisation)
    result = evaluate(referential.rules_for_version(version), scope)
    indicators = referential.indicators_of(version)
    return result, indicator_rows(indicators, result, scope.categories)


READINESS_STATUS_LABELS = {
    "ready": gettext_lazy("Prêt"),
    "partial": gettext_lazy("Partiel"),
    "missing": gettext_lazy("Manquant"),
    "not_applicable": gettext_lazy("Non applicable"),
}
READINESS_REASON_LABELS = {
    "validated": gettext_lazy("preuve validée et valable à la date de l'audit"),
    "only_pending": gettext_lazy("preuves en brouillon ou en attente de validation seulement"),
    "expires_before": gettext_lazy("la preuve validée expire avant l'audit"),
    "open_minor_nc": gettext_lazy("non-conformité mineure ouverte"),
    "rating_minor": gettext_lazy("auto-évaluation : NC mineure"),
    "no_evidence": gettext_lazy("aucune preuve utilisable"),
    "open_major_nc": gettext_lazy("non-conformité majeure ouverte"),
    "rating_major": gettext_lazy("auto-évaluation : NC majeure"),
    "rating_not_applicable": gettext_lazy("déclaré non applicable"),
    "offers_incomplete": gettext_lazy("une offre publiée n'affiche pas tout ce qui est exigé"),
    "sessions_incomplete": gettext_lazy(
        "des sessions récentes n'ont pas cette preuve pour chacun·e de leurs apprenant·es"
    ),
    # Surveys (surveys.selectors.appraisal_gaps); the 12 months are the portal's window.
    "appraisal_missing_learner": gettext_lazy(
        "aucune appréciation des apprenant·es reçue depuis 12 mois (indicateur 30 : « "
        "bénéficiaires » ; fenêtre de 12 mois : choix du portail, règle non sourcée)"
    ),
    "appraisal_missing_financer": gettext_lazy(
        "aucune appréciation des financeurs des sessions reçue depuis 12 mois (indicateur 30 : "
        "« financeurs » ; fenêtre de 12 mois : choix du portail, règle non sourcée)"
    ),
    "appraisal_missing_employer": gettext_lazy(
        "aucune appréciation des employeurs des apprenant·es reçue depuis 12 mois (indicateur "
        "30 : « entreprises concernées » ; fenêtre de 12 mois : choix du portail, règle non "
        "sourcée)"
    ),
    "appraisal_missing_teaching_team": gettext_lazy(
        "aucune appréciation de l'équipe pédagogique reçue depuis 12 mois (indicateur 30 : « "
        "équipes pédagogiques » ; fenêtre de 12 mois : choix du portail, règle non sourcée)"
    ),
    "results_without_answers": gettext_lazy(
        "aucune réponse à l'enquête de fin de session depuis 12 mois : les taux publiés ne "
        "viennent pas des réponses (indicateur 2 : modalités de calcul transparentes ; règle du "
        "portail, non sourcée)"
    ),
    "apprentice_evaluation_missing": gettext_lazy(
        "des sessions d'apprentissage terminées depuis 12 mois, sans évaluation des contenus et "
        "des enseignements par les apprenti·es (indicateur 33, V10 ; fenêtre de 12 mois : choix "
        "du portail, règle non sourcée)"
    ),
    "v9_to_review": gettext_lazy(
        "preuve déposée sous la V9 : à revoir pour la nouvelle rédaction V10 (décret "
        "2026-728, en vigueur le 1er novembre 2026), puis à confirmer"
    ),
    "not_in_reduced_audit": gettext_lazy(
        "hors de l'audit initial allégé (ancien label CNEFOP, arrêté du 6 juin 2019, art. 10) : "
        "vérifié à l'audit de surveillance"
    ),
    "rating_not_applicable_ignored": gettext_lazy(
        "« non applicable » de l'auto-évaluation ignoré : ce référentiel ne le permet pas pour "
        "cet indicateur"
    ),
}


class ReadinessLabels:
    """French labels for a row that carries a readiness `status` and its `reasons` codes."""

    @property
    def status_label(self) -> str:
        return str(READINESS_STATUS_LABELS.get(self.status, self.status))

    @property
    def reason_text(self) -> str:
        return ", ".join(
            str(READINESS_REASON_LABELS.get(reason, reason)) for reason in self.reasons
        )
