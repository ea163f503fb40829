"""`python manage.py readiness <slug> [--json]`: compute now and print what the pages show."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from indicators.readiness import IndicatorStatus
from indicators.services import readiness_recompute
from qualiopi_portal.tenancy.models import Organisation

from ...models import Outcome

STATUS_LABELS = {
    IndicatorStatus.READY: "prêt",
    IndicatorStatus.PARTIAL: "partiel",
    IndicatorStatus.MISSING: "manquant",
    IndicatorStatus.NOT_APPLICABLE: "non applicable",
}


class Command(BaseCommand):
    help = "Calcule la préparation d'une organisation (synchrone) et l'affiche."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--json", action="store_true", help="résultat complet en JSON")

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(slug=options["slug"]).first()
        if organisation is None:
            raise CommandError(f"organisation inconnue : {options['slug']}")
        snapshot = readiness_recompute(organisation=organisation)
        result = snapshot.result
        if options["json"]:
            self.stdout.write(json.dumps({"version": snapshot.version_code, **result}, indent=2))
            return
        self.stdout.write(
            f"{organisation.name} — référentiel {snapshot.version_code}, audit visé le "
            f"{snapshot.target_date:%d/%m/%Y}"
        )
        self.stdout.write(
            f"Préparation : {snapshot.overall_percent} % — {Outcome(snapshot.outcome).label} "
            f"({snapshot.predicted_major} NC majeure(s), {snapshot.predicted_minor} NC mineure(s) "
            "prévisibles)"
        )
        for criterion, percent in result["criterion_percent"].items():
            self.stdout.write(f"  critère {criterion} : {percent} %")
        for indicator in result["indicators"]:
            if indicator["status"] == IndicatorStatus.NOT_APPLICABLE:
                continue
            label = STATUS_LABELS[IndicatorStatus(indicator["status"])]
            marker = " (fondamental)" if indicator["fundamental"] else ""
            self.stdout.write(f"  indicateur {indicator['number']}{marker} : {label}")
