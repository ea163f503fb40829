"""Demo surveys for the demo organisations (used by `seed_demo`, after the learners).

Each organisation gets the ready-made questionnaires; the session that ended three weeks ago
had its end-of-session questionnaire sent to its learners, and most of them answered: the
published satisfaction of that session comes from those answers. An older session's cold
appraisal was collected on paper and imported (the insertion rate). Two stakeholder contacts
wait for the schedule: the employer of a demo learner (cold appraisal) and an OPCO adviser
(the financers' yearly appraisal), at example.com / example.org addresses.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from financing.models import FundingLine
from learners.models import Learner
from qualiopi_portal.core.tokens import new_token
from qualiopi_portal.tenancy.models import Organisation, Role
from training_offers.models import Session

from . import imports, services
from .models import Invitation, Questionnaire

# (satisfaction on 5, would recommend, what to improve) of the learners who answered.
ANSWERS = [
    (5, "yes", "Plus d'exercices pratiques l'après-midi."),
    (4, "yes", ""),
    (3, "no", "Le rythme du deuxième jour était trop rapide."),
]


def seed_surveys(*, organisation: Organisation, people: dict[str, Any]) -> bool:
    if Questionnaire.objects.exists():
        return False
    referent = people[Role.REFERENT]
    services.questionnaires_install(actor=referent)
    _seed_contacts(referent)
    today = timezone.localdate()
    session = (
        Session.objects.filter(enrolments__isnull=False, ends_on__lt=today)
        .distinct()
        .order_by("-ends_on")
        .first()
    )
    questionnaire = services.current(Questionnaire.Kind.SATISFACTION_HOT)
    if session is None or questionnaire is None:
        return True
    invitations = services.invitations_for_session(
        session=session, questionnaire=questionnaire, actor=referent
    )
    questions = list(questionnaire.questions.all())
    for invitation, (grade, recommend, improve) in zip(invitations, ANSWERS, strict=False):
        # Sent when the session ended (demo addresses receive nothing).
        token, hashed = new_token()
        Invitation.objects.filter(pk=invitation.pk).update(
            token_hash=hashed, sent_at=timezone.now()
        )
        raw: dict[str, list[str]] = {}
        for question in questions:
            if question.role == "satisfaction":
                raw[question.code] = [str(grade)]
            elif question.role == "recommend":
                raw[question.code] = [recommend]
            elif question.type == "scale5":
                raw[question.code] = [str(max(grade - 1, 1))]
            elif question.type == "scale10":
                raw[question.code] = [str(grade * 2)]
            elif question.type in ("single", "multiple") and question.choices:
                raw[question.code] = [question.choices[0]["code"]]
            elif question.type == "text" and improve and question.code == "improve":
                raw[question.code] = [improve]
        services.answer_submit(token=token, raw=raw)
    # The others: sent, not answered yet.
    Invitation.objects.filter(session=session, sent_at__isnull=True).update(sent_at=timezone.now())
    _seed_paper_cold_appraisal(referent, today)
    return True


# Paper forms of a cold appraisal typed into a spreadsheet: (use, situation, satisfaction on 5).
PAPER_COLD = [
    ("often", "employed", "5"),
    ("often", "employed", "4"),
    ("sometimes", "employed", "4"),
    ("sometimes", "job_seeking", "3"),
    ("often", "employed", "5"),
    ("not_yet", "training", "4"),
    ("sometimes", "employed", "4"),
]


def _seed_paper_cold_appraisal(referent: Any, today: date) -> None:
    """The cold appraisal of an older session, collected on paper and imported through the
    CSV import (all lines or none): the insertion rate has its sample."""
    questionnaire = services.current(Questionnaire.Kind.APPRAISAL_COLD)
    session = (
        Session.objects.filter(
            ends_on__lte=today - timedelta(days=60), ends_on__gte=today - timedelta(days=365)
        )
        .order_by("-ends_on")
        .first()
    )
    if questionnaire is None or session is None:
        return
    table = imports.Table(
        header=["session", "use", "situation", "overall"],
        rows=[
            (line, [str(session.pk), *answers]) for line, answers in enumerate(PAPER_COLD, start=2)
        ],
    )
    services.responses_import(
        questionnaire=questionnaire,
        table=table,
        chosen=[imports.SESSION, *(imports.QUESTION_PREFIX + code for code in table.header[1:])],
        actor=referent,
    )


def _seed_contacts(referent: Any) -> None:
    """An employer contact matching a demo learner's employer, an OPCO financer contact."""
    employer = (
        Learner.objects.exclude(employer="")
        .order_by("pk")
        .values_list("employer", flat=True)
        .first()
    )
    if employer:
        services.stakeholder_create(
            audience=Questionnaire.Audience.EMPLOYER,
            organisation_name=employer,
            name="Claire Dumas",
            email="claire.dumas@example.com",
            actor=referent,
        )
    opco = (
        FundingLine.objects.filter(financer__icontains="OPCO")
        .order_by("pk")
        .values_list("financer", flat=True)
        .first()
    )
    services.stakeholder_create(
        audience=Questionnaire.Audience.FINANCER,
        organisation_name=opco or "OPCO Atlas",
        name="Karim Benali",
        email="karim.benali@opco.example.org",
        actor=referent,
    )
