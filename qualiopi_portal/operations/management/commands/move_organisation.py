"""python manage.py move_organisation <slug> <database>: its schema to another database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from qualiopi_portal.operations.moves import organisation_move
from qualiopi_portal.operations.transfer import TransferError


class Command(BaseCommand):
    help = _(
        "Déplace le schéma d'une organisation vers une autre base (ORGANISATION_DATABASES) : "
        "écritures suspendues pendant la copie, comptes vérifiés, puis bascule et suppression "
        "de l'ancienne copie."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help=_("identifiant de l'organisation"))
        parser.add_argument("database", help=_("alias de la base cible (default, b…)"))
        parser.add_argument(
            "--folder", type=Path, help=_("dossier neuf où garder les lignes copiées")
        )
        parser.add_argument(
            "--keep-source",
            action="store_true",
            help=_("renommer l'ancien schéma (moved_…) au lieu de le supprimer"),
        )

    def handle(self, *args, slug: str, database: str, **options):
        try:
            outcome = organisation_move(
                slug=slug,
                target=database,
                folder=options["folder"],
                keep_source=options["keep_source"],
            )
        except TransferError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _(
                "Organisation « %(slug)s » déplacée de %(source)s vers %(target)s : %(rows)d "
                "lignes et %(files)d références de fichiers vérifiées."
            )
            % {
                "slug": outcome.organisation,
                "source": outcome.source,
                "target": outcome.target,
                "rows": outcome.rows,
                "files": outcome.files,
            }
        )
        if outcome.source_kept_as:
            self.stdout.write(
                _("L'ancien schéma est gardé sous le nom %(name)s.")
                % {"name": outcome.source_kept_as}
            )
