"""The journey of an enrolment: which steps apply, when each is due, and its state (pure).

What a certifier asks, for each learner of a sampled session (DOMAIN.md, « What the certifier
samples »), and the source of each step:

- positioning — needs analysis and positioning, formalised, before the start: guide, indicators
  4 and 8 (seed 002: « Positionnement et analyses doivent être formalisés »; toolbox document 2,
  « une évaluation pré-formation »);
- agreement — the convention de formation signed with the employer or financer, or the contrat
  de formation signed by a person paying for themself, before the start: Code du travail
  L6353-1 and L6353-3 (seed 002, toolbox documents 3 and 5);
- convocation — sent before the training with what is needed to come: indicator 9 (seed 002,
  « convocation » among its proofs; toolbox document 7: « envoyée quelques jours avant »; the
  number of days is not a rule, the portal asks for it by the first day);
- attendance — every half-day signed by the learner and countersigned: toolbox document 8;
- evaluation — the achievement of the objectives evaluated, after the training: indicator 11
  (toolbox document 10);
- certificate — the certificat de réalisation for the financer, on the ministry's model, after
  the training (also for an abandon: what was done is paid): arrêté du 21 décembre 2018,
  pièce 3 (seed 002); only for a learner funded by a financer;
- attestation — the attestation de fin de formation given to the learner at the end: Code du
  travail L6353-1 (toolbox document 12), also after an abandon.

A learner who never came (non présenté·e) owes only what comes before the start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.utils.translation import gettext_noop

POSITIONING = "positioning"
AGREEMENT = "agreement"
CONVOCATION = "convocation"
ATTENDANCE = "attendance"
EVALUATION = "evaluation"
CERTIFICATE = "certificate"
ATTESTATION = "attestation"

# In the order of the journey; attendance is read from the half-days, the others are stored.
STEPS = (POSITIONING, AGREEMENT, CONVOCATION, ATTENDANCE, EVALUATION, CERTIFICATE, ATTESTATION)
STORED_STEPS = tuple(step for step in STEPS if step != ATTENDANCE)
BEFORE_START = frozenset({POSITIONING, AGREEMENT, CONVOCATION})

# The indicators each step proves (the portal counts them in readiness).
INDICATORS: dict[str, tuple[int, ...]] = {
    POSITIONING: (4, 8),
    AGREEMENT: (),
    CONVOCATION: (9,),
    ATTENDANCE: (),
    EVALUATION: (11,),
    CERTIFICATE: (),
    ATTESTATION: (11,),
}

# Shown on the journeys page, translated there: marked for extraction, kept in French here.
SOURCES: dict[str, str] = {
    POSITIONING: gettext_noop(
        "Guide de lecture, indicateurs 4 et 8 ; boîte à outils de Transitions Pro "
        "Occitanie, document 2 (seed 002)"
    ),
    AGREEMENT: gettext_noop(
        "Code du travail, art. L6353-1 et L6353-3 ; boîte à outils de Transitions Pro "
        "Occitanie, documents 3 et 5 (seed 002)"
    ),
    CONVOCATION: gettext_noop(
        "Indicateur 9 ; boîte à outils de Transitions Pro Occitanie, document 7 (seed 002)"
    ),
    ATTENDANCE: gettext_noop("Boîte à outils de Transitions Pro Occitanie, document 8 (seed 002)"),
    EVALUATION: gettext_noop(
        "Indicateur 11 ; boîte à outils de Transitions Pro Occitanie, document 10 (seed 002)"
    ),
    CERTIFICATE: gettext_noop("Arrêté du 21 décembre 2018, pièce 3 (seed 002)"),
    ATTESTATION: gettext_noop(
        "Code du travail, art. L6353-1 ; boîte à outils de Transitions Pro Occitanie, "
        "document 12 (seed 002)"
    ),
}


class State(StrEnum):
    DONE = "done"
    MISSING = "missing"  # due and not done
    UPCOMING = "upcoming"  # not due yet
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class EnrolmentFacts:
    status: str  # learners.Enrolment.Status values
    funded: bool  # tied to a funding line
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class AttendanceFacts:
    """The half-days of the learner's session: how many there are, how many have ended, and
    how many of the ended ones are closed with a record for this learner."""

    planned: int
    ended: int
    recorded: int


def applies(step: str, facts: EnrolmentFacts) -> bool:
    if facts.status == "no_show":
        return step in BEFORE_START
    if step == EVALUATION:
        return facts.status != "dropped_out"
    if step == CERTIFICATE:
        return facts.funded
    return True


def due_on(step: str, facts: EnrolmentFacts) -> date:
    """The day from which a step not done is missing."""
    return facts.starts_on if step in BEFORE_START else facts.ends_on


def step_state(
    step: str,
    facts: EnrolmentFacts,
    *,
    today: date,
    done: bool,
    attendance: AttendanceFacts | None = None,
) -> State:
    if not applies(step, facts):
        return State.NOT_APPLICABLE
    if step == ATTENDANCE:
        attendance = attendance or AttendanceFacts(0, 0, 0)
        if not attendance.planned:
            # A session over without a single half-day has no attendance sheet at all.
            ended = today > facts.ends_on and facts.status != "dropped_out"
            return State.MISSING if ended else State.UPCOMING
        if attendance.recorded >= attendance.planned:
            return State.DONE
        if attendance.recorded < attendance.ended:
            return State.MISSING
        return State.UPCOMING
    if done:
        return State.DONE
    return State.MISSING if today >= due_on(step, facts) else State.UPCOMING


def missing_steps(
    facts: EnrolmentFacts,
    done: Iterable[str],
    *,
    today: date,
    attendance: AttendanceFacts | None = None,
) -> list[str]:
    finished = set(done)
    return [
        step
        for step in STEPS
        if step_state(step, facts, today=today, done=step in finished, attendance=attendance)
        == State.MISSING
    ]
