"""`python manage.py readiness <slug> [--json]`: compute now and print what the pages show.

`python manage.py readiness simulate FILE` (FILE a JSON file, or `-` for standard input): the
same engine on facts described in JSON, printed as JSON (indicators/simulation.py). A malformed
file exits with code 2 and a French message naming the field.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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
        parser.add_argument("slug", help="l'organisation, ou « simulate » suivi d'un fichier JSON")
        parser.add_argument("file", nargs="?", help="avec simulate : fichier JSON, ou - (entrée)")
        parser.add_argument("--json", action="store_true", help="résultat complet en JSON")

    def handle(self, *args, **options):
        if options["slug"] == "simulate":
            self._simulate(options["file"])
            return
        if options["file"] is not None:
            raise CommandError(
                _("argument en trop : %(value)s") % {"value": options["file"]}, returncode=2
            )
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

    def _simulate(self, path: str | None) -> None:
        from indicators.simulation import SimulationError, simulate

        if not path:
            raise CommandError(
                _("simulate : indiquez un fichier JSON, ou - pour l'entrée"), returncode=2
            )
        try:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
        except OSError as error:
            raise CommandError(
                _("fichier illisible : %(path)s (%(reason)s)")
                % {"path": path, "reason": error.strerror},
                returncode=2,
            ) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                _("JSON invalide, ligne %(line)s, colonne %(column)s : %(reason)s")
                % {"line": error.lineno, "column": error.colno, "reason": error.msg},
                returncode=2,
            ) from None
        try:
            result = simulate(data)
        except SimulationError as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
