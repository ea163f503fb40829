"""Demo data modelled on the seed documents: a consultancy firm following three providers.

Idempotent: a second run (a second `make run`) finds everything in place and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from audits.demo import seed_audits
from evidence.demo import seed_evidence
from financing.demo import seed_funding
from indicators.services import readiness_recompute
from learners.demo import seed_learners
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.operations.demo_plan import seed_history, seed_plan
from qualiopi_portal.tenancy import services
from qualiopi_portal.tenancy.models import (
    ActionCategory,
    ConsultancyFirm,
    Membership,
    Organisation,
    Role,
    TurnoverBand,
)
from qualiopi_portal.tenancy.validators import luhn_is_valid
from session_documents.demo import seed_documents
from surveys.demo import seed_surveys
from training_offers.demo import seed_offers

DEMO_PASSWORD = "Qualiopi-demo-2026"  # noqa: S105 - documented demo password
FIRM = {"slug": "trajectoires-qualite", "name": "Trajectoires Qualité Conseil"}
CONSULTANT = ("consultant@demo.test", "Claire", "Fontaine")
PLATFORM_ADMIN = ("admin@demo.test", "Admin", "Plateforme")


def _siret(first_13_digits: str) -> str:
    """Complete 13 digits with the Luhn check digit."""
    for digit in "0123456789":
        if luhn_is_valid(first_13_digits + digit):
            return first_13_digits + digit
    raise AssertionError("unreachable")


ORGANISATIONS = [
    {
        # Seed 001: a cooperative of trainer-entrepreneurs (CAE), some certifying offers,
        # subcontracting between the cooperative and its entrepreneurs.
        "slug": "cooperative-solstice",
        "name": "Coopérative Solstice",
        "siret": _siret("4381252710001"),
        "nda": "76340912734",
        "categories": [ActionCategory.TRAINING],
        "is_certifying": True,
        "has_subcontracting": True,
        "turnover_band": TurnoverBand.FROM_150K_TO_750K,
        "audit_in_days": 150,
        "people": {
            Role.REFERENT: ("referent.solstice@demo.test", "Camille", "Roux"),
            Role.DIRECTOR: ("direction.solstice@demo.test", "Bertrand", "Barrot"),
            Role.CONTRIBUTOR: ("formateur.solstice@demo.test", "Sarah", "Lemoine"),
        },
    },
    {
        # A CFA: apprenticeship, certifying diplomas, work-situation periods, three sites.
        "slug": "cfa-metiers-occitanie",
        "name": "CFA des Métiers d'Occitanie",
        "siret": _siret("7821456930002"),
        "nda": "76310456231",
        "categories": [ActionCategory.APPRENTICESHIP, ActionCategory.TRAINING],
        "is_certifying": True,
        "has_alternance": True,
        "has_work_situation": True,
        "site_count": 3,
        "turnover_band": TurnoverBand.FROM_1_5M_TO_3M,
        "audit_in_days": 240,
        "people": {
            Role.REFERENT: ("referent.cfa@demo.test", "Nadia", "Benali"),
            Role.DIRECTOR: ("direction.cfa@demo.test", "Olivier", "Garcia"),
            Role.CONTRIBUTOR: ("formateur.cfa@demo.test", "Julien", "Mercier"),
        },
    },
    {
        # A small new entrant doing training and bilans de compétences; initial audit soon.
        "slug": "cap-competences",
        "name": "Cap Compétences",
        "siret": _siret("9104582360001"),
        "nda": "76110982345",
        "categories": [ActionCategory.TRAINING, ActionCategory.SKILLS_ASSESSMENT],
        "new_entrant_categories": [ActionCategory.TRAINING, ActionCategory.SKILLS_ASSESSMENT],
        "turnover_band": TurnoverBand.UNDER_150K,
        "audit_in_days": 60,
        "people": {
            Role.REFERENT: ("referent.cap@demo.test", "Élodie", "Marchand"),
            Role.DIRECTOR: ("direction.cap@demo.test", "Thomas", "Petit"),
            Role.CONTRIBUTOR: ("formateur.cap@demo.test", "Inès", "Durand"),
        },
    },
]


def _user(email: str, first_name: str, last_name: str, **extra):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name, **extra}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


class Command(BaseCommand):
    help = "Charge les données de démonstration (cabinet, consultante, trois organisations)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="autorise l'exécution avec des réglages qui n'autorisent pas la démonstration",
        )

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED and not options["force"]:
            raise CommandError(
                "seed_demo refuse de s'exécuter avec ces réglages (production ?) : il crée des "
                "comptes au mot de passe connu. Ajoutez --force si c'est voulu."
            )
        with transaction.atomic():
            self._seed()
        self.stdout.write(self.style.SUCCESS("données de démonstration en place"))

    def _seed(self) -> None:
        admin = _user(*PLATFORM_ADMIN, is_staff=True, is_superuser=True)
        consultant = _user(*CONSULTANT)
        firm, _ = ConsultancyFirm.objects.get_or_create(
            slug=FIRM["slug"], defaults={"name": FIRM["name"]}
        )
        firm.members.add(consultant)
        today = timezone.localdate()
        for spec in ORGANISATIONS:
            spec = dict(spec)
            people = spec.pop("people")
            audit_in_days = spec.pop("audit_in_days")
            slug = spec.pop("slug")
            organisation = Organisation.objects.filter(slug=slug).first()
            if organisation is None:
                organisation = services.organisation_create(
                    slug=slug,
                    created_by=admin,
                    firm=firm,
                    next_audit_date=today + timedelta(days=audit_in_days),
                    **spec,
                )
                self.stdout.write(f"organisation {slug} créée")
            firm.clients.add(organisation)
            users = {}
            for role, identity in people.items():
                user = users[role] = _user(*identity)
                if not Membership.objects.filter(organisation=organisation, user=user).exists():
                    services.membership_add(
                        organisation=organisation, user=user, role=role, actor=admin
                    )
            with schema_context(organisation.schema_name):
                changed = False
                if seed_evidence(organisation=organisation, people=users, consultant=consultant):
                    self.stdout.write(f"bibliothèque de preuves de {slug} remplie")
                    changed = True
                if seed_plan(organisation=organisation, people=users, consultant=consultant):
                    self.stdout.write(f"autoévaluation et plan de progrès de {slug} remplis")
                    changed = True
                if seed_offers(organisation=organisation, people=users):
                    self.stdout.write(f"offres de {slug} remplies")
                    changed = True
                if seed_audits(organisation=organisation, people=users):
                    self.stdout.write(f"audits de {slug} remplis")
                    changed = True
                if seed_funding(organisation=organisation, people=users):
                    self.stdout.write(f"financements de {slug} remplis")
                if seed_learners(organisation=organisation, people=users):
                    self.stdout.write(f"apprenant·es et émargements de {slug} remplis")
                if seed_documents(organisation=organisation, people=users):
                    self.stdout.write(f"documents des sessions de {slug} remplis")
                if seed_surveys(organisation=organisation, people=users):
                    self.stdout.write(f"enquêtes de {slug} remplies")
            if changed:
                readiness_recompute(organisation=organisation)
            if seed_history(organisation=organisation):
                self.stdout.write(f"historique de préparation de {slug} rempli")
