"""`python manage.py audit_duration --type … --turnover … --categories … --sites …`: the audit
duration the pages compute (audits.duration, the same function), line by line with its sources,
without the database: to answer a prospect before any organisation exists."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from audits import duration
from audits.models import Audit

# Bad input exits with 2, as argparse does for a malformed command line.
USAGE_ERROR = 2


def _error(message: str) -> CommandError:
    return CommandError(message, returncode=USAGE_ERROR)


def _turnover(raw: str | None) -> Decimal:
    if raw is None:
        raise _error(_("--turnover : indiquez le chiffre d’affaires de formation en euros."))
    try:
        euros = Decimal(raw.replace(" ", "").replace("\u202f", "").replace(",", "."))
    except InvalidOperation:
        euros = None
    if euros is None or not euros.is_finite() or euros < 0:
        raise _error(
            _(
                "--turnover : indiquez un chiffre d’affaires en euros, positif ou nul "
                "(reçu : « %(value)s »)."
            )
            % {"value": raw}
        )
    return euros


def _categories(raw: str | None, option: str, known: tuple[str, ...]) -> list[str]:
    codes: list[str] = []
    for item in (raw or "").split(","):
        code = item.strip().upper()
        if not code or code in codes:
            continue
        if code not in known:
            raise _error(
                _(
                    "%(option)s : catégorie inconnue « %(code)s » ; "
                    "catégories possibles : %(known)s."
                )
                % {"option": option, "code": item.strip(), "known": ", ".join(known)}
            )
        codes.append(code)
    return codes


def _sites(raw: str) -> int:
    try:
        sites = int(raw)
    except ValueError:
        sites = 0
    if sites < 1:
        raise _error(
            _("--sites : indiquez un nombre entier de sites, au moins 1 (reçu : « %(value)s »).")
            % {"value": raw}
        )
    return sites


def _days(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


class Command(BaseCommand):
    help = "Calcule la durée d'un audit Qualiopi, ligne par ligne avec ses sources."
    # A pure computation over the fixture: no system checks, no database.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--type",
            default=duration.INITIAL,
            help="initial, surveillance, renewal ou extension (initial par défaut)",
        )
        parser.add_argument("--turnover", help="chiffre d'affaires de formation, en euros")
        parser.add_argument("--categories", help="catégories certifiées : AF,BC,VAE,APP")
        parser.add_argument("--sites", default="1", help="nombre de sites (1 par défaut)")
        parser.add_argument(
            "--cnefop", action="store_true", help="ancien label CNEFOP (audit initial aménagé)"
        )
        parser.add_argument(
            "--new-entrant",
            action="store_true",
            help="audité comme nouvel entrant à l'audit initial (audit de surveillance)",
        )
        parser.add_argument(
            "--added-categories", help="catégories ajoutées par l'audit d'extension"
        )
        parser.add_argument("--json", action="store_true", help="résultat en JSON")

    def handle(self, *args, **options):
        data = duration.table()
        kind = options["type"]
        if kind not in duration.KINDS:
            raise _error(
                _("--type : type d’audit inconnu « %(kind)s » ; types possibles : %(kinds)s.")
                % {"kind": kind, "kinds": ", ".join(duration.KINDS)}
            )
        euros = _turnover(options["turnover"])
        categories = _categories(options["categories"], "--categories", data.categories)
        added = _categories(options["added_categories"], "--added-categories", data.categories)
        sites = _sites(options["sites"])
        if kind == duration.EXTENSION:
            if not added:
                raise _error(
                    _(
                        "--added-categories : un audit d’extension porte sur les catégories "
                        "ajoutées ; indiquez-les (par exemple --added-categories BC)."
                    )
                )
            already = [code for code in added if code in categories]
            if already:
                raise _error(
                    _("--added-categories : %(codes)s figure déjà dans --categories.")
                    % {"codes": ", ".join(already)}
                )
        elif not categories:
            raise _error(_("--categories : indiquez au moins une catégorie (AF,BC,VAE,APP)."))
        result = duration.compute(
            band=duration.band_for_turnover(euros, data),
            categories=categories,
            sites=sites,
            cnefop=options["cnefop"],
            kind=kind,
            new_entrant=options["new_entrant"],
            added_categories=added,
            data=data,
        )
        if options["json"]:
            payload = {
                "days": float(result.total),
                "sampled_sites": result.sampled_sites,
                "lines": [
                    {"label": line.label, "days": float(line.days), "source": line.source}
                    for line in result.lines
                ],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            _("%(kind)s — %(sampled)s site(s) échantillonné(s)")
            % {"kind": Audit.Kind(kind).label, "sampled": result.sampled_sites}
        )
        for line in result.lines:
            self.stdout.write(f"  {line.label} : + {_days(line.days)} j")
            self.stdout.write(_("    Source : %(source)s") % {"source": line.source})
        self.stdout.write(_("Total : %(days)s j") % {"days": _days(result.total)})
