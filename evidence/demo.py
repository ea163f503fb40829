"""Realistic demo libraries for the three demo organisations (used by `seed_demo`).

Everything goes through the services, so the demo files are checked, hashed and stored like
real uploads; only the dates are moved back afterwards to show history, expiry and the V9 → V10
review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qualiopi_portal.tenancy.models import Organisation, Role
from qualiopi_portal.tenancy.selectors import OrganisationAccess

from . import samples, services
from .models import ChecklistEntry, EvidenceEvent, EvidenceItem, EvidenceVersion


@dataclass
class DemoItem:
    title: str
    kind: str
    indicators: list[int]
    file: tuple[str, str] | None = None  # (file name, sample type)
    url: str = ""
    by: str = "referent"  # who files it: referent or contributor
    status: str = "validated"  # draft, submitted, validated, rejected
    reason: str = ""
    age_days: int = 20  # how long ago it was filed
    valid_days: int | None = None  # validity end, in days from today (negative: ended)
    checklist: str = ""  # title of the checklist entry it answers
    versions: int = 1
    comment: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)


COMMON = [
    DemoItem(
        "Catalogue des formations 2026",
        "published",
        [1],
        file=("catalogue-formations-2026.pdf", "pdf"),
        age_days=75,  # filed under V9: to review for V10's reworded indicator 1
        tags=["catalogue"],
        description="Catalogue diffusé sur le site et aux salons.",
    ),
    DemoItem(
        "Page publique des offres",
        "published",
        [1, 2],
        url="https://www.example.org/formations",
        age_days=10,
        description="Prérequis, objectifs, durée, tarifs, accessibilité, résultats.",
    ),
    DemoItem(
        "Tableau des indicateurs de résultats",
        "survey",
        [2],
        file=("indicateurs-resultats-2025.xlsx", "xlsx"),
        age_days=40,
        status="submitted",
    ),
    DemoItem(
        "Procédure d'analyse du besoin",
        "procedure",
        [4],
        file=("procedure-analyse-besoin.docx", "docx"),
        age_days=90,
        versions=2,
    ),
    DemoItem(
        "Trame de positionnement à l'entrée",
        "template",
        [8],
        file=("trame-positionnement.odt", "odt"),
        age_days=30,
    ),
    DemoItem(
        "Livret d'accueil des stagiaires",
        "published",
        [9],
        file=("livret-accueil.pdf", "pdf"),
        age_days=60,
        status="rejected",
        reason="Il manque le règlement intérieur et les contacts du référent handicap.",
    ),
    DemoItem(
        "Questionnaire de satisfaction à chaud",
        "template",
        [30],
        file=("questionnaire-satisfaction.pdf", "pdf"),
        age_days=15,
        status="draft",
    ),
    DemoItem(
        "Registre des réclamations",
        "record",
        [31],
        file=("registre-reclamations.csv", "csv"),
        age_days=5,
        status="submitted",
        comment="Ajouter la colonne « suite donnée » avant l'audit.",
    ),
    DemoItem(
        "Plan d'amélioration continue",
        "record",
        [32],
        file=("plan-amelioration.ods", "ods"),
        age_days=100,  # under V9: indicator 32 is reworded in V10
    ),
    DemoItem(
        "Attestation d'assurance responsabilité civile",
        "contract",
        [17],
        file=("attestation-rc-pro.pdf", "pdf"),
        age_days=340,
        valid_days=20,  # expires soon
    ),
    DemoItem(
        "Contrat de maintenance de la plateforme en ligne",
        "contract",
        [17],
        file=("contrat-plateforme.pdf", "pdf"),
        age_days=400,
        valid_days=-10,  # already ended: expired
    ),
    DemoItem(
        "Abonnement veille réglementaire",
        "record",
        [23],
        file=("veille-reglementaire.txt", "txt"),
        age_days=25,
    ),
    DemoItem(
        "Charte d'accueil des personnes en situation de handicap",
        "procedure",
        [26],
        file=("charte-handicap.pdf", "pdf"),
        age_days=50,
        status="submitted",
    ),
    DemoItem(
        "CV à jour",
        "qualification",
        [21, 22],
        file=("cv.pdf", "pdf"),
        by="contributor",
        checklist="CV à jour",
        age_days=45,
        valid_days=320,
    ),
    DemoItem(
        "Feuilles d'émargement — session d'octobre",
        "record",
        [10, 12],
        file=("emargement-octobre.pdf", "pdf"),
        by="contributor",
        checklist="Feuilles d'émargement",
        age_days=12,
        status="submitted",
    ),
    DemoItem(
        "Évaluations à chaud — session d'octobre",
        "survey",
        [30],
        file=("evaluations-chaud-octobre.png", "png"),
        by="contributor",
        checklist="Évaluations à chaud",
        age_days=11,
        status="rejected",
        reason="Le scan est illisible : merci de déposer le PDF des questionnaires.",
    ),
]

EXTRA = {
    "cooperative-solstice": [
        DemoItem(
            "Contrat de sous-traitance type",
            "contract",
            [27],
            file=("contrat-sous-traitance.docx", "docx"),
            age_days=70,  # indicator 27 reworded in V10
            description="Clause de respect du référentiel et traçabilité des preuves.",
        ),
        DemoItem(
            "Programme « Animer un atelier participatif »",
            "published",
            [1, 5, 6],
            file=("programme-atelier-participatif.docx", "docx"),
            by="contributor",
            checklist="Programme de la formation",
            age_days=35,
        ),
        DemoItem(
            "Tableau des taux de certification",
            "survey",
            [3],
            file=("taux-certification.xlsx", "xlsx"),
            age_days=80,
        ),
    ],
    "cfa-metiers-occitanie": [
        DemoItem(
            "Livret d'apprentissage",
            "template",
            [13, 14],
            file=("livret-apprentissage.pdf", "pdf"),
            age_days=120,
        ),
        DemoItem(
            "Procédure de signalement des violences",
            "procedure",
            [14, 15],
            file=("procedure-signalement.pdf", "pdf"),
            age_days=8,
            status="submitted",
        ),
        DemoItem(
            "Convention avec les entreprises d'accueil",
            "contract",
            [28],
            file=("convention-entreprise.odt", "odt"),
            age_days=200,
        ),
        DemoItem(
            "Enquête d'insertion des apprentis 2025",
            "survey",
            [29],
            file=("insertion-apprentis-2025.csv", "csv"),
            age_days=60,
        ),
        DemoItem(
            "Compte rendu du conseil de perfectionnement",
            "record",
            [20],
            file=("conseil-perfectionnement.pdf", "pdf"),
            age_days=95,
        ),
    ],
    "cap-competences": [
        DemoItem(
            "Trame de synthèse de bilan de compétences",
            "template",
            [10, 11],
            file=("synthese-bilan.docx", "docx"),
            age_days=20,
            status="draft",
        ),
        DemoItem(
            "Processus de recueil des appréciations (nouvel entrant)",
            "procedure",
            [30],
            file=("processus-appreciations.pptx", "pptx"),
            age_days=18,
            status="submitted",
        ),
    ],
}


def _sample(kind: str, title: str, version: int) -> bytes:
    lines = [title, f"Version {version}", "Document de démonstration du portail Qualiopi."]
    makers = {
        "pdf": lambda: samples.pdf_bytes(title, lines[1:]),
        "docx": lambda: samples.docx_bytes(title, lines[1:]),
        "xlsx": lambda: samples.xlsx_bytes(title, [["Indicateur", "Valeur"], ["Taux", 92]]),
        "pptx": lambda: samples.pptx_bytes(title),
        "odt": lambda: samples.odt_bytes(title, lines[1:]),
        "ods": lambda: samples.ods_bytes(title, [["Action", "Échéance"], ["Audit blanc", "mars"]]),
        "png": lambda: samples.png_bytes(),
        "csv": lambda: samples.csv_bytes(
            [["Date", "Objet", "Statut"], ["2026-10-02", title, "clos"]]
        ),
        "txt": lambda: samples.txt_bytes("\n".join(lines)),
    }
    return makers[kind]()


def _moment(days_ago: int) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def seed_evidence(*, organisation: Organisation, people: dict[str, Any], consultant: Any) -> int:
    """Fill an organisation's empty library (current schema); returns the number of items."""
    if EvidenceItem.objects.exists():
        return 0
    accesses = {
        "referent": (OrganisationAccess(organisation, Role.REFERENT), people[Role.REFERENT]),
        "contributor": (
            OrganisationAccess(organisation, Role.CONTRIBUTOR),
            people[Role.CONTRIBUTOR],
        ),
    }
    reviewer = (OrganisationAccess(organisation, Role.CONSULTANT), consultant)
    entries = {entry.title: entry for entry in ChecklistEntry.objects.all()}
    today = timezone.localdate()
    specs = COMMON + EXTRA.get(organisation.slug, [])
    for spec in specs:
        access, actor = accesses[spec.by]
        filed = _moment(spec.age_days)
        data = {
            "title": spec.title,
            "kind": spec.kind,
            "indicator_numbers": spec.indicators,
            "description": spec.description,
            "url": spec.url,
            "tags": spec.tags,
            "checklist_entry": entries.get(spec.checklist),
            "valid_from": filed.date() if spec.valid_days is not None else None,
            "valid_until": today + timedelta(days=spec.valid_days)
            if spec.valid_days is not None
            else None,
        }
        uploads = []
        if spec.file:
            name, kind = spec.file
            uploads = [SimpleUploadedFile(name, _sample(kind, spec.title, 1))]
        (item,) = services.evidence_create(access=access, actor=actor, data=data, uploads=uploads)
        for number in range(2, spec.versions + 1):
            name, kind = spec.file
            services.evidence_version_add(
                access=access,
                actor=actor,
                item=item,
                upload=SimpleUploadedFile(name, _sample(kind, spec.title, number)),
                expected_number=number,
            )
        if spec.valid_days is not None and spec.valid_days < 0:
            # Was validated while valid, then ended: the expiry job turns it "expired".
            EvidenceItem.objects.filter(pk=item.pk).update(status=EvidenceItem.Status.VALIDATED)
        elif spec.status != "draft":
            services.evidence_transition(access=access, actor=actor, item=item, transition="submit")
            if spec.status in ("validated", "rejected"):
                services.evidence_transition(
                    access=reviewer[0],
                    actor=reviewer[1],
                    item=item,
                    transition="validate" if spec.status == "validated" else "reject",
                    reason=spec.reason,
                )
        if spec.comment:
            services.evidence_comment_add(
                access=reviewer[0], actor=reviewer[1], item=item, body=spec.comment
            )
        # Move the history back to when the piece was filed.
        EvidenceItem.objects.filter(pk=item.pk).update(
            created_at=filed, updated_at=filed, last_uploaded_at=filed if spec.file else None
        )
        EvidenceItem.objects.filter(pk=item.pk, reviewed_at__isnull=False).update(reviewed_at=filed)
        EvidenceVersion.objects.filter(item=item).update(uploaded_at=filed)
        EvidenceEvent.objects.filter(item=item).update(occurred_at=filed)
    services.evidence_expire_due(today=today)
    return len(specs)
