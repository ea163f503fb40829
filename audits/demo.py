"""Demo certificates, audits and findings (used by `seed_demo`), through the services."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.utils import timezone

from indicators.referential import selectors as referential
from qualiopi_portal.tenancy.models import Organisation, Role

from . import services
from .models import Audit

# slug → what the demo shows: a certified cooperative inside its surveillance window, a CFA
# back from a mock audit with findings to follow, a new entrant preparing its initial audit.
CERTIFIED = {
    "cooperative-solstice": ("AFNOR Certification", "QUALIOPI-2025-11873", 17 * 30),
}


# What each mock audit found: the CFA's bear on the apprenticeship indicators (13 to 15, 20,
# 29 and, in V10, 33), the others on the common ones.
MOCK_FINDINGS = {
    "default": (
        (1, "nc_minor", "Les délais d'accès ne figurent pas sur deux fiches programme."),
        (10, "nc_major", "Les adaptations de parcours ne sont tracées dans aucun dossier."),
        (30, "sensitive", "Enquête financeurs prévue mais pas encore lancée."),
        (4, "strength", "Entretien de positionnement systématique et tracé."),
    ),
    "cfa-metiers-occitanie": (
        (
            13,
            "nc_minor",
            "Le livret d'apprentissage n'est pas co-signé par le maître d'apprentissage à "
            "chaque période en entreprise.",
        ),
        (
            14,
            "nc_major",
            "L'accompagnement socio-professionnel des apprentis (logement, transport, aides) "
            "n'est tracé nulle part.",
        ),
        (
            20,
            "nc_major",
            "Le conseil de perfectionnement ne s'est pas réuni cette année : aucun compte rendu.",
        ),
        (
            29,
            "sensitive",
            "L'enquête d'insertion à six mois n'a pas été relancée auprès des apprentis sortis.",
        ),
        (
            33,
            "sensitive",
            "Les apprentis évaluent la satisfaction générale, pas encore les contenus et les "
            "enseignements (indicateur 33, V10).",
        ),
        (15, "strength", "Procédure de signalement des violences connue des apprentis."),
    ),
}


def seed_audits(*, organisation: Organisation, people: dict[str, Any]) -> bool:
    """Fill an organisation's empty audit history (current schema)."""
    if Audit.objects.exists():
        return False
    today = timezone.localdate()
    referent = people[Role.REFERENT]
    if organisation.slug in CERTIFIED:
        certifier, number, age_days = CERTIFIED[organisation.slug]
        services.certificate_save(
            certificate=None,
            certifier=certifier,
            number=number,
            categories=list(organisation.categories),
            issued_on=today - timedelta(days=age_days),
        )
        services.audit_save(
            audit=None,
            created_by=referent,
            kind=Audit.Kind.INITIAL,
            starts_on=today - timedelta(days=age_days + 40),
            ends_on=today - timedelta(days=age_days + 40),
            auditors="Marc Delorme (AFNOR Certification)",
            sites="Siège",
            report_date=today - timedelta(days=age_days + 30),
            duration_days=None,
            notes="",
        )
    mock = services.audit_save(
        audit=None,
        created_by=referent,
        kind=Audit.Kind.MOCK,
        starts_on=today - timedelta(days=12),
        ends_on=today - timedelta(days=12),
        auditors="Claire Fontaine (Trajectoires Qualité Conseil)",
        sites="Siège",
        report_date=today - timedelta(days=10),
        duration_days=None,
        notes="Audit à blanc dans les conditions réelles, avant l'audit du certificateur.",
    )
    for number, kind, text in MOCK_FINDINGS.get(organisation.slug, MOCK_FINDINGS["default"]):
        services.finding_save(
            audit=mock,
            finding=None,
            indicator_number=number,
            kind=kind,
            description=text,
            missing="",
            root_cause="",
        )
    _plan_next_audit(organisation, referent)
    return True


def _plan_next_audit(organisation: Organisation, referent) -> None:
    """The certifier's next audit with a timetable that leaves a few indicators uncovered."""
    day = organisation.next_audit_date
    if day is None:
        return
    kind = Audit.Kind.SURVEILLANCE if organisation.slug in CERTIFIED else Audit.Kind.INITIAL
    audit = services.audit_save(
        audit=None,
        created_by=referent,
        kind=kind,
        starts_on=day,
        ends_on=day,
        auditors="Auditeur·rice du certificateur",
        sites="Siège",
        report_date=None,
        duration_days=None,
        notes="",
    )
    version = referential.version_get(code=audit.version_code)
    applicable = referential.applicable_numbers(organisation, version)
    for start, end, subject, numbers in (
        (time(8, 30), time(9, 0), "Réunion d'ouverture", []),
        (
            time(9, 0),
            time(10, 30),
            "Information du public et conception des prestations",
            [1, 2, 3, 4, 5, 6, 7, 8],
        ),
        (time(10, 30), time(12, 0), "Accompagnement des bénéficiaires", [9, 10, 11, 12]),
        (time(13, 30), time(15, 0), "Moyens, compétences et veille", [17, 18, 19, 21, 22, 23]),
        (time(15, 0), time(16, 0), "Amélioration continue", [30, 31, 32]),
        (time(16, 0), time(16, 30), "Réunion de clôture", []),
    ):
        services.slot_save(
            audit=audit,
            slot=None,
            day=day,
            starts_at=start,
            ends_at=end,
            subject=subject,
            indicator_numbers=[n for n in numbers if n in applicable],
            auditor="",
            resource_persons="La référente qualité",
            location="Salle de réunion",
        )
