"""python manage.py export_organisation <slug> <folder>: one organisation, its files, a manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qualiopi_portal.operations.transfer import TransferError, organisation_export


class Command(BaseCommand):
    help = (
        "Exporte une organisation (son schéma, ses fichiers et un manifeste avec comptes et "
        "empreintes SHA-256) dans un dossier neuf."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="identifiant de l'organisation")
        parser.add_argument("folder", type=Path, help="dossier de destination, vide ou absent")

    def handle(self, *args, slug: str, folder: Path, **options):
        try:
            outcome = organisation_export(slug=slug, folder=folder)
        except TransferError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Organisation « {slug} » exportée dans {folder} : {outcome.rows} lignes, "
            f"{outcome.files} fichiers (manifeste : {folder / 'manifest.json'})."
        )
