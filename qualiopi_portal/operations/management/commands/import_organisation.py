"""python manage.py import_organisation <folder>: recreate an exported organisation here."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qualiopi_portal.operations.transfer import TransferError, organisation_import


class Command(BaseCommand):
    help = (
        "Importe une organisation exportée par export_organisation. Tout ou rien : les comptes "
        "et les empreintes sont vérifiés contre le manifeste avant la validation."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="dossier produit par export_organisation")
        parser.add_argument(
            "--database",
            default="default",
            help="base qui gardera son schéma (default ou un alias d'ORGANISATION_DATABASES)",
        )

    def handle(self, *args, folder: Path, **options):
        try:
            outcome = organisation_import(folder=folder, database=options["database"])
        except TransferError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Organisation « {outcome.organisation} » importée : {outcome.rows} lignes et "
            f"{outcome.files} fichiers, conformes au manifeste ({outcome.users_created} comptes "
            f"créés, {outcome.users_reused} déjà présents)."
        )
