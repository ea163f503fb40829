"""Migrate everything in the right order: public, the template schema, then every organisation.

The template must be migrated whenever migrations change, or new organisations (cloned from it)
would miss tables. `make run` and the test setup call this command.

With ORGANISATION_DATABASES (docs/decisions/0022), the same is done on every database: its
public schema (on a secondary database it only holds the users' copy the tenant tables point
to), its template (organisations are cloned on the server that will hold them), and the
organisations whose row names that database, and only those.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, ProgrammingError, connection
from django.utils.translation import gettext as _
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import (
    GET_EXECUTOR_FUNCTION,
    MigrateSchemasCommand,
)
from django_tenants.utils import get_public_schema_name, schema_exists

from qualiopi_portal.core.databases import (
    MAIN,
    database_bound,
    main_routing,
    organisation_databases,
    routing_suspended,
    users_replicate_all,
)
from qualiopi_portal.tenancy.models import Organisation


class _MigrateTheseSchemas(MigrateSchemasCommand):
    """django-tenants' migrate_schemas --tenant, for a given list of schemas (one database's):
    the configured executor (standard, multiprocessing) still runs them."""

    def __init__(self, schemas: list[str]):
        super().__init__()
        self.schemas = schemas

    def handle(self, *args, **options):
        SyncCommon.handle(self, *args, **options)
        executor = GET_EXECUTOR_FUNCTION(codename=self.executor)(self.args, self.options)
        if self.schemas:
            executor.run_migrations(tenants=list(self.schemas))


class Command(BaseCommand):
    help = "Migre le schéma public, le schéma modèle des organisations, puis chaque organisation."

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        self._check_databases()
        for alias in organisation_databases():
            with database_bound(alias):
                self._migrate(alias, verbosity)
        connection.set_schema_to_public()
        self.stdout.write(self.style.SUCCESS("public, template and organisation schemas migrated"))

    def _check_databases(self) -> None:
        """An organisation whose database is not configured would be left unmigrated."""
        try:
            named = set(Organisation.objects.values_list("database", flat=True).distinct())
        except (ProgrammingError, OperationalError):
            return  # a fresh database: no organisations table (or column) yet
        finally:
            connection.set_schema_to_public()
        unknown = sorted(named - set(organisation_databases()))
        if unknown:
            raise CommandError(
                _(
                    "Des organisations sont rangées dans des bases absentes "
                    "d'ORGANISATION_DATABASES : %(aliases)s. Ajoutez-les, ou déplacez d'abord "
                    "ces organisations."
                )
                % {"aliases": ", ".join(unknown)}
            )

    def _migrate(self, alias: str, verbosity: int) -> None:
        if alias == MAIN:
            self._migrate_schemas(alias, verbosity)
            return
        # A secondary database: data migrations there see its own tables, not the main ones.
        with routing_suspended():
            self._migrate_schemas(alias, verbosity)
        # Content types met on that database were cached under "default": forget them.
        ContentType.objects.clear_cache()
        users_replicate_all(alias)
        if verbosity:
            self.stdout.write(f"database {alias}: users' copy refreshed")

    def _migrate_schemas(self, alias: str, verbosity: int) -> None:
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        template = settings.TENANT_BASE_SCHEMA
        if not schema_exists(template):
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{template}"')
            self.stdout.write(f"schema {template} created")
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=template,
            interactive=False,
            verbosity=verbosity,
        )
        # Read from the main database (after its own migrations: the column may be new).
        with main_routing():
            schemas = list(
                Organisation.objects.filter(database=alias)
                .exclude(schema_name=get_public_schema_name())
                .order_by("pk")
                .values_list("schema_name", flat=True)
            )
        call_command(
            _MigrateTheseSchemas(schemas), tenant=True, interactive=False, verbosity=verbosity
        )
