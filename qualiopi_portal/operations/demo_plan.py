"""Demo self-assessment and action plan for the demo organisations (used by `seed_demo`).

Everything goes through the services, like real use: the campaign is answered by the referent
and the director (who disagree on a few indicators), reviewed by the firm's consultant, and the
plan de progrès holds actions from the review and from gaps, one of them overdue.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Campaign, Rating
from evidence.models import EvidenceItem
from improvement import services as improvement_services
from improvement.models import Action
from indicators.referential import selectors as referential
from qualiopi_portal.tenancy.models import (
    ActionCategory,
    Organisation,
    OrganisationReadiness,
    Role,
)

# (indicator, referent's rating, director's rating, corrective action)
ANSWERS = [
    (1, Rating.MINOR, Rating.CONFORM, "Compléter les fiches programme : délais d'accès et tarifs."),
    (2, Rating.MAJOR, Rating.MINOR, "Publier les taux de satisfaction et d'abandon sur le site."),
    (4, Rating.CONFORM, Rating.CONFORM, ""),
    (5, Rating.CONFORM, Rating.MINOR, "Reformuler les objectifs avec des verbes d'action."),
    (9, Rating.CONFORM, Rating.CONFORM, ""),
    (
        10,
        Rating.MINOR,
        Rating.MINOR,
        "Tracer les adaptations de parcours dans le dossier stagiaire.",
    ),
    (
        12,
        Rating.MAJOR,
        Rating.MAJOR,
        "Formaliser le repérage des risques de rupture.",
    ),
]
# A CFA answers on the apprenticeship indicators too (14, 15, 20 and 29 are fundamental: only
# conform or NC majeure there).
CFA_ANSWERS = [
    (
        13,
        Rating.MINOR,
        Rating.CONFORM,
        "Faire co-signer le livret d'apprentissage par le maître d'apprentissage à chaque période.",
    ),
    (
        14,
        Rating.MAJOR,
        Rating.MAJOR,
        "Tenir une fiche de suivi socio-professionnel par apprenti (logement, transport, aides).",
    ),
    (15, Rating.CONFORM, Rating.CONFORM, ""),
    (
        20,
        Rating.MAJOR,
        Rating.CONFORM,
        "Réunir le conseil de perfectionnement et diffuser son compte rendu.",
    ),
    (29, Rating.CONFORM, Rating.CONFORM, ""),
    (
        33,
        Rating.MINOR,
        Rating.MINOR,
        "Créer une évaluation des contenus et des enseignements par les apprentis, distincte "
        "de la satisfaction, partagée avec l'équipe pédagogique.",
    ),
]
CFA_ACTIONS = [
    (
        "Créer la fiche de suivi socio-professionnel des apprentis",
        [14],
        "director",
        40,
    ),
    ("Convoquer le conseil de perfectionnement de janvier", [20], "referent", 25),
    ("Mettre en place l'évaluation des enseignements par les apprentis", [33], "referent", 60),
]
PROCESS = "Décrit lors de l'atelier qualité : qui fait quoi, avec quels outils et quelles traces."


def seed_plan(*, organisation: Organisation, people: dict[str, Any], consultant: Any) -> bool:
    """Fill an organisation's empty self-assessment and action plan (current schema)."""
    if Campaign.objects.exists():
        return False
    version = referential.version_for_organisation(organisation)
    applicable = referential.applicable_numbers(organisation, version)
    indicators = {i.number: i for i in version.indicators.all()}
    referent, director = people[Role.REFERENT], people[Role.DIRECTOR]
    campaign = assessment_services.campaign_create(
        organisation=organisation,
        title="Autoévaluation initiale",
        version_code=version.code,
        respondents=[referent, director],
        created_by=referent,
    )
    answers = ANSWERS + (
        CFA_ANSWERS if ActionCategory.APPRENTICESHIP in organisation.categories else []
    )
    for number, by_referent, by_director, corrective in answers:
        if number not in applicable:
            continue
        proofs = list(EvidenceItem.objects.filter(indicator_numbers__contains=[number])[:2])
        for user, rating in ((referent, by_referent), (director, by_director)):
            assessment_services.answer_save(
                campaign=campaign,
                respondent=user,
                indicator=indicators[number],
                process=PROCESS,
                evidence=proofs,
                rating=rating,
                justification="",
                corrective_actions=corrective if user == referent else "",
            )
    assessment_services.campaign_set_status(campaign=campaign, status=Campaign.Status.REVIEW)
    for number, rating, comment in (
        (1, Rating.MINOR, "Les délais d'accès manquent sur deux fiches : NC mineure probable."),
        (2, Rating.MINOR, "Les indicateurs existent mais ne sont pas publiés."),
    ):
        if number in applicable:
            assessment_services.agreed_rating_set(
                campaign=campaign,
                indicator=indicators[number],
                rating=rating,
                justification="",
                comment=comment,
                reviewed_by=consultant,
            )
    today = timezone.localdate()
    if 12 in applicable:
        assessment_services.action_create_from_answers(
            organisation=organisation,
            campaign=campaign,
            indicator=indicators[12],
            created_by=referent,
        )
    overdue = improvement_services.action_create(
        organisation=organisation,
        title="Mettre à jour le livret d'accueil (contacts, référent handicap)",
        indicator_numbers=[1, 26] if 26 in applicable else [1],
        owner=director,
        due_date=today + timedelta(days=30),
        created_by=referent,
    )
    # Dated in the past afterwards, as the service (rightly) keeps today's default dates.
    Action.objects.filter(pk=overdue.pk).update(due_date=today - timedelta(days=12))
    done = improvement_services.action_create(
        organisation=organisation,
        title="Rédiger la procédure de traitement des réclamations",
        indicator_numbers=[31] if 31 in applicable else [],
        owner=referent,
        due_date=today + timedelta(days=10),
        created_by=referent,
    )
    proof = EvidenceItem.objects.filter(indicator_numbers__contains=[31]).first()
    improvement_services.action_update(
        organisation=organisation,
        action=done,
        status=Action.Status.DONE,
        completion_evidence=proof,
        completion_note="" if proof else "Procédure validée en comité qualité.",
    )
    if ActionCategory.APPRENTICESHIP in organisation.categories:
        for title, numbers, owner, due_in in CFA_ACTIONS:
            improvement_services.action_create(
                organisation=organisation,
                title=title,
                indicator_numbers=[n for n in numbers if n in applicable],
                owner=director if owner == "director" else referent,
                due_date=today + timedelta(days=due_in),
                created_by=referent,
            )
    improvement_services.action_create(
        organisation=organisation,
        title="Organiser l'enquête à froid auprès des financeurs",
        indicator_numbers=[30] if 30 in applicable else [],
        owner=referent,
        due_date=today + timedelta(days=45),
        created_by=referent,
    )
    return True


# The demo's month before today, rising towards today's figure: (days ago, points below today).
DEMO_HISTORY = ((28, 11), (21, 8), (14, 6), (7, 3))


def seed_history(*, organisation: Organisation) -> bool:
    """Demo only: the weeks of computations a real organisation would have behind it, so that
    the portfolio's « Tendance (30 j) » shows a trend on the first day. Idempotent."""
    summary = OrganisationReadiness.objects.filter(organisation=organisation).first()
    if summary is None or summary.overall_percent is None or len(summary.trend) > 1:
        return False
    today = timezone.localdate()
    summary.trend = [
        [(today - timedelta(days=days)).isoformat(), max(0.0, summary.overall_percent - below)]
        for days, below in DEMO_HISTORY
    ] + list(summary.trend)
    summary.save(update_fields=["trend"])
    return True
