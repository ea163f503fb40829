"""Demo offers and sessions (used by `seed_demo`), through the services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from qualiopi_portal.tenancy.models import ActionCategory, Organisation, Role

from . import services
from .models import Offer, Session

COMPLETE = {
    "title": "Conduire l'entretien professionnel",
    "category": "AF",
    "prerequisites": "Encadrer au moins une personne.",
    "objectives": "Conduire un entretien professionnel selon la trame légale\n"
    "Rédiger le compte rendu et le plan de développement sans erreur de forme",
    "duration_hours": Decimal("14"),
    "access_modalities": "Entretien téléphonique préalable pour vérifier les prérequis.",
    "access_delay": "15 jours ouvrés après l'accord de financement",
    "price": Decimal("980"),
    "price_details": "Tarif par personne, déjeuners non compris",
    "contacts": "formation@demo.test — 04 00 00 00 00",
    "methods": "Apports courts, jeux de rôle filmés, étude de cas.",
    "evaluation": "Mise en situation évaluée sur une grille ; quiz de fin de formation.",
    "accessibility": "Locaux de plain-pied ; adaptations étudiées avec le référent handicap.",
    "recognition": "Attestation de fin de formation",
    # Not « CPF »: a training without a certification is not eligible (Code du travail L6323-6).
    "financing": "Plan de développement des compétences (OPCO), France Travail, "
    "financement personnel.",
    "programme": "Jour 1 : cadre légal et préparation. Jour 2 : conduite et suivi.",
}
INCOMPLETE = {
    "title": "Initiation à la gestion de projet",
    "category": "AF",
    "objectives": "Comprendre les bases de la gestion de projet",
    "duration_hours": Decimal("7"),
    "methods": "Apports et exercices",
}


# A CFA's offers are diplomas prepared in apprenticeship: a two-year rhythm between the CFA
# and the employer, apprentices rather than trainees, contract breaks rather than dropouts.
APPRENTICESHIP = {
    "title": "CAP Cuisine en apprentissage",
    "category": "APP",
    "is_certifying": True,
    "certification_title": "CAP Cuisine",
    "certification_code": "RNCP37859",
    "certifier": "Ministère de l'Éducation nationale",
    "prerequisites": "Avoir entre 16 et 29 ans (sans limite avec une RQTH) et un employeur.",
    "objectives": "Réaliser les préparations de base d'une cuisine selon les fiches techniques\n"
    "Dresser et envoyer 40 couverts en 2 heures sans erreur d'hygiène (grille HACCP)",
    "duration_hours": Decimal("840"),
    "access_modalities": "Entretien de positionnement, puis signature du contrat d'apprentissage.",
    "access_delay": "Entrée de septembre à décembre, jusqu'à 3 mois sans employeur",
    "price": Decimal("0"),
    "price_details": "Gratuit pour l'apprenti : financé par l'OPCO de l'employeur (NPEC).",
    "contacts": "apprentissage@demo.test — 05 00 00 00 00",
    "methods": "Rythme : 1 semaine au CFA, 2 semaines en entreprise ; plateaux techniques, "
    "livret d'apprentissage co-signé par le maître d'apprentissage.",
    "evaluation": "Contrôle en cours de formation et épreuves ponctuelles du CAP.",
    "accessibility": "Référente handicap du CFA ; aménagements d'épreuves demandés au rectorat.",
    "recognition": "CAP Cuisine (niveau 3), diplôme de l'Éducation nationale",
    "financing": "Contrat d'apprentissage : niveau de prise en charge de l'OPCO de l'employeur.",
    "programme": "Enseignements professionnels (cuisine, hygiène, gestion) et généraux, "
    "sur deux ans.",
}


def _seed_apprenticeship(organisation: Organisation, referent) -> None:
    """Promotions of apprentices: one ended (it has results), one running (it has none yet)."""
    offer = services.offer_save(
        offer=None,
        saved_by=referent,
        **APPRENTICESHIP,
        disability_referent=referent.get_full_name(),
    )
    services.offer_set_status(
        offer=offer, status=Offer.Status.PUBLISHED, actor=referent, organisation=organisation
    )
    today = timezone.localdate()
    for start, end, enrolled, completed, dropouts, candidates, passed in (
        (today - timedelta(days=820), today - timedelta(days=90), 14, 11, 3, 11, 10),
        (today - timedelta(days=90), today + timedelta(days=640), 16, 0, 0, 0, 0),
    ):
        services.session_save(
            offer=offer,
            session=None,
            starts_on=start,
            ends_on=end,
            place="Site de Toulouse",
            is_remote=False,
            trainers="Julien Mercier",
            enrolled=enrolled,
            completed=completed,
            dropouts=dropouts,
            dropout_reasons="Ruptures de contrat d'apprentissage" if dropouts else "",
            certification_candidates=candidates,
            certification_passed=passed,
            hot_average=Decimal("8.2") if completed else None,
            hot_responses=completed,
            recommend_yes=completed - 1 if completed else 0,
            recommend_responses=completed,
        )


def demo_session(*, offer: Offer, start: date, enrolled: int, **results: Any) -> Session:
    """A one-day session at the head office (the financing demo plans some too)."""
    return services.session_save(
        offer=offer,
        session=None,
        starts_on=start,
        ends_on=start + timedelta(days=1),
        place="Siège",
        is_remote=False,
        trainers="Sarah Lemoine",
        enrolled=enrolled,
        **results,
    )


def seed_offers(*, organisation: Organisation, people: dict[str, Any]) -> bool:
    if Offer.objects.exists():
        return False
    referent = people[Role.REFERENT]
    if ActionCategory.APPRENTICESHIP in organisation.categories:
        _seed_apprenticeship(organisation, referent)
    offer = services.offer_save(
        offer=None,
        saved_by=referent,
        **COMPLETE,
        disability_referent=referent.get_full_name(),
    )
    services.offer_set_status(
        offer=offer, status=Offer.Status.PUBLISHED, actor=referent, organisation=organisation
    )
    today = timezone.localdate()
    for weeks, enrolled, completed, dropouts, hot, responses in (
        (20, 8, 7, 1, "8.6", 7),
        (8, 6, 6, 0, "9.1", 6),
    ):
        demo_session(
            offer=offer,
            start=today - timedelta(weeks=weeks),
            enrolled=enrolled,
            completed=completed,
            dropouts=dropouts,
            dropout_reasons="Raison professionnelle" if dropouts else "",
            hot_average=Decimal(hot),
            hot_responses=responses,
            recommend_yes=responses - 1,
            recommend_responses=responses,
        )
    services.offer_save(offer=None, saved_by=referent, **INCOMPLETE)
    return True
