"""python manage.py create_organisation <slug> --name … --siret … --nda … --categories AF,BC …"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from qualiopi_portal.tenancy import services
from qualiopi_portal.tenancy.models import ActionCategory, ConsultancyFirm, TurnoverBand


def _categories(value: str) -> list[str]:
    codes = [code.strip().upper() for code in value.split(",") if code.strip()]
    unknown = [code for code in codes if code not in ActionCategory.values]
    if unknown:
        expected = ", ".join(ActionCategory.values)
        raise CommandError(f"catégorie inconnue : {', '.join(unknown)} (attendu : {expected})")
    return codes


class Command(BaseCommand):
    help = "Crée une organisation (et son schéma, cloné du modèle)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--siret", required=True)
        parser.add_argument("--nda", required=True)
        parser.add_argument("--categories", required=True, help="ex. AF,BC,VAE,APP")
        parser.add_argument("--certifying", action="store_true")
        parser.add_argument("--alternance", action="store_true")
        parser.add_argument("--afest", action="store_true")
        parser.add_argument("--subcontracting", action="store_true")
        parser.add_argument(
            "--new-entrant", action="store_true", help="nouvel entrant dans toutes ses catégories"
        )
        parser.add_argument("--new-entrant-in", default="", help="catégories où il débute, ex. APP")
        parser.add_argument("--cnefop", action="store_true")
        parser.add_argument("--sites", type=int, default=1)
        parser.add_argument(
            "--turnover", choices=TurnoverBand.values, default=TurnoverBand.UNDER_150K
        )
        parser.add_argument("--next-audit", help="AAAA-MM-JJ")
        parser.add_argument("--firm", help="identifiant du cabinet de conseil qui la suit")
        parser.add_argument(
            "--database",
            default="default",
            help="base qui gardera son schéma (default ou un alias d'ORGANISATION_DATABASES)",
        )

    def handle(self, *args, **options):
        firm = None
        if options["firm"]:
            firm = ConsultancyFirm.objects.filter(slug=options["firm"]).first()
            if firm is None:
                raise CommandError(f"cabinet de conseil inconnu : {options['firm']}")
        categories = _categories(options["categories"])
        new_entrant_in = (
            categories if options["new_entrant"] else _categories(options["new_entrant_in"])
        )
        next_audit = None
        if options["next_audit"]:
            from datetime import date

            try:
                next_audit = date.fromisoformat(options["next_audit"])
            except ValueError as exc:
                raise CommandError("--next-audit attend une date AAAA-MM-JJ") from exc
        try:
            organisation = services.organisation_create(
                slug=options["slug"],
                firm=firm,
                database=options["database"],
                name=options["name"],
                siret=options["siret"],
                nda=options["nda"],
                categories=categories,
                is_certifying=options["certifying"],
                has_alternance=options["alternance"],
                has_work_situation=options["afest"],
                has_subcontracting=options["subcontracting"],
                new_entrant_categories=new_entrant_in,
                has_cnefop_label=options["cnefop"],
                site_count=options["sites"],
                turnover_band=options["turnover"],
                next_audit_date=next_audit,
            )
        except ValidationError as error:
            lines = [
                f"{field}: {message}"
                for field, messages in getattr(error, "message_dict", {"": error.messages}).items()
                for message in messages
            ]
            raise CommandError("organisation non créée :\n  " + "\n  ".join(lines)) from error
        where = "" if organisation.database == "default" else f", base {organisation.database}"
        self.stdout.write(
            f"organisation {organisation.slug} créée (schéma {organisation.schema_name}{where})"
        )
