"""Result indicators (indicators 2 and 3): rates with their method and sample, never invented.

Below the minimum sample (settings.RESULTS_MIN_SAMPLE, default 5 learners or answers) a figure
is "en cours de constitution": too few people for a rate to mean anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

DEFAULT_MIN_SAMPLE = 5


@dataclass(frozen=True)
class SessionFigures:
    enrolled: int
    completed: int
    dropouts: int
    certification_candidates: int = 0
    certification_passed: int = 0
    hot_average: Decimal | None = None
    hot_responses: int = 0
    cold_average: Decimal | None = None
    cold_responses: int = 0
    recommend_yes: int = 0
    recommend_responses: int = 0
    # Invitations sent by the portal and those answered (imported answers have none).
    hot_invited: int = 0
    hot_answered: int = 0
    cold_invited: int = 0
    cold_answered: int = 0
    # Cold appraisal: « en emploi » among the answers to the situation question.
    employed: int = 0
    employment_responses: int = 0


@dataclass(frozen=True)
class Rate:
    code: str
    label: str
    method: str
    sample: int
    value: Decimal | None  # None: "en cours de constitution"
    unit: str = "%"
    # People the portal asked and those who answered, for the rates read from questionnaires.
    invited: int = 0
    answered: int = 0

    @property
    def is_established(self) -> bool:
        return self.value is not None

    @property
    def response_rate(self) -> Decimal | None:
        """Answered invitations over invitations; None when the portal asked nobody."""
        return _ratio(self.answered, self.invited) if self.invited else None


def _ratio(numerator: int, denominator: int) -> Decimal:
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _weighted(pairs: list[tuple[Decimal, int]]) -> tuple[Decimal | None, int]:
    total = sum(count for _average, count in pairs)
    if not total:
        return None, 0
    value = sum(average * count for average, count in pairs) / total
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), total


def rates(
    sessions: Iterable[SessionFigures], *, min_sample: int = DEFAULT_MIN_SAMPLE
) -> list[Rate]:
    sessions = list(sessions)
    enrolled = sum(s.enrolled for s in sessions)
    completed = sum(s.completed for s in sessions)
    dropouts = sum(s.dropouts for s in sessions)
    candidates = sum(s.certification_candidates for s in sessions)
    passed = sum(s.certification_passed for s in sessions)
    recommend = sum(s.recommend_yes for s in sessions)
    recommend_responses = sum(s.recommend_responses for s in sessions)
    hot, hot_n = _weighted(
        [(s.hot_average, s.hot_responses) for s in sessions if s.hot_average is not None]
    )
    cold, cold_n = _weighted(
        [(s.cold_average, s.cold_responses) for s in sessions if s.cold_average is not None]
    )
    hot_asked = (sum(s.hot_invited for s in sessions), sum(s.hot_answered for s in sessions))
    cold_asked = (sum(s.cold_invited for s in sessions), sum(s.cold_answered for s in sessions))
    employed = sum(s.employed for s in sessions)
    employment_responses = sum(s.employment_responses for s in sessions)

    def established(value, sample):
        return value if sample >= min_sample else None

    result = [
        Rate(
            "satisfaction_hot",
            str(_("Satisfaction à chaud")),
            str(
                _(
                    "Moyenne des notes de satisfaction données en fin de formation, sur 10 (une "
                    "note sur 5 compte double), pondérée par le nombre de réponses de chaque "
                    "session ; calculée des réponses aux questionnaires quand la session en a."
                )
            ),
            hot_n,
            established(hot, hot_n),
            "/10",
            *hot_asked,
        ),
        Rate(
            "satisfaction_cold",
            str(_("Satisfaction à froid")),
            str(
                _(
                    "Moyenne des notes de satisfaction données quelques mois après la formation, "
                    "sur 10 (une note sur 5 compte double), pondérée par le nombre de réponses."
                )
            ),
            cold_n,
            established(cold, cold_n),
            "/10",
            *cold_asked,
        ),
        Rate(
            "completion",
            str(_("Taux d'achèvement")),
            str(_("Parcours terminés divisés par les inscrit·es des sessions de la période.")),
            enrolled,
            established(_ratio(completed, enrolled) if enrolled else None, enrolled),
        ),
        Rate(
            "dropout",
            str(_("Taux d'abandon")),
            str(_("Abandons divisés par les inscrit·es des sessions de la période.")),
            enrolled,
            established(_ratio(dropouts, enrolled) if enrolled else None, enrolled),
        ),
        Rate(
            "recommendation",
            str(_("Taux de recommandation")),
            str(
                _(
                    "Réponses « oui » à « recommanderiez-vous cette formation ? » divisées par "
                    "les réponses à cette question."
                )
            ),
            recommend_responses,
            established(
                _ratio(recommend, recommend_responses) if recommend_responses else None,
                recommend_responses,
            ),
        ),
    ]
    if employment_responses:
        result.append(
            Rate(
                "insertion",
                str(_("Taux d'insertion")),
                str(
                    _(
                        "Réponses « en emploi » à la question sur la situation actuelle de "
                        "l'évaluation à froid, divisées par les réponses à cette question."
                    )
                ),
                employment_responses,
                established(_ratio(employed, employment_responses), employment_responses),
                "%",
                *cold_asked,
            )
        )
    if candidates:
        result.append(
            Rate(
                "certification",
                str(_("Taux de réussite à la certification")),
                str(_("Certifié·es divisés par les candidat·es présenté·es à la certification.")),
                candidates,
                established(_ratio(passed, candidates), candidates),
            )
        )
    return result
