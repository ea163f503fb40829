"""Migrate everything in the right order: public, the template schema, then every organisation.

The template must be migrated whenever migrations change, or new organisations (cloned from it)
would miss tables. `make run` and the test setup call this command.

Only the schemas that are behind are migrated: one SQL pass compares each schema's
django_migrations with the migrations on disk, so a run with nothing to do costs about a second
at 1,000 organisations instead of one `migrate` per schema (a minute). Many schemas behind are
migrated by django-tenants' multiprocessing executor, TENANT_MULTIPROCESSING_MAX_PROCESSES at a
time (on the main database; a secondary one uses the standard executor, see below).

With ORGANISATION_DATABASES (docs/decisions/0022), the same is done on every database: its
public schema (on a secondary database it only holds the users' copy the tenant tables point
to), its template (organisations are cloned on the server that will hold them), and the
organisations whose row names that database, and only those.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, ProgrammingError, connection
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.migration_executors import get_executor
from django_tenants.utils import get_public_schema_name, schema_exists
from psycopg import sql

from qualiopi_portal.core.databases import (
    MAIN,
    database_bound,
    main_routing,
    organisation_databases,
    routing_suspended,
    users_replicate_all,
)
from qualiopi_portal.tenancy.models import Organisation

# One statement reads this many schemas' django_migrations (a UNION ALL of as many branches).
SCHEMAS_PER_STATEMENT = 250


def migrations_on_disk() -> set[tuple[str, str]]:
    """Every migration the loader would apply to a fresh schema, as (app, name).

    A tenant schema records the shared apps' migrations too (their operations are no-ops
    there), so the whole graph is expected in every schema. A squashed migration stands in
    for the ones it replaces, as `migrate` records it once they are all applied.
    """
    return set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def schemas_behind(schemas: Iterable[str]) -> list[str]:
    """The schemas whose django_migrations lacks a migration on disk (or the table itself)."""
    schemas = list(schemas)
    expected = sorted(migrations_on_disk())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname FROM pg_tables WHERE tablename = 'django_migrations'"
            " AND schemaname = ANY(%s)",
            [schemas],
        )
        recorded = {row[0] for row in cursor.fetchall()}
        complete: set[str] = set()
        present = [schema for schema in schemas if schema in recorded]
        branch = sql.SQL(
            "SELECT {label}, count(DISTINCT (m.app, m.name)) FROM {table} m"
            " JOIN expected e ON e.app = m.app AND e.name = m.name"
        )
        for start in range(0, len(present), SCHEMAS_PER_STATEMENT):
            chunk = present[start : start + SCHEMAS_PER_STATEMENT]
            branches = sql.SQL(" UNION ALL ").join(
                branch.format(
                    label=sql.Literal(schema), table=sql.Identifier(schema, "django_migrations")
                )
                for schema in chunk
            )
            statement = (
                sql.SQL(
                    "WITH expected(app, name) AS (SELECT * FROM unnest(%s::text[], %s::text[])) "
                )
                + branches
            )
            cursor.execute(
                statement.as_string(cursor.connection),
                [[app for app, _name in expected], [name for _app, name in expected]],
            )
            complete |= {schema for schema, count in cursor.fetchall() if count == len(expected)}
    return [schema for schema in schemas if schema not in complete]


def tenant_schemas_migrate(schemas: list[str], *, verbosity: int, parallel: bool = True) -> None:
    """`migrate_schemas --tenant` restricted to these schemas (one database's), as django-tenants
    runs it.

    In parallel (forked processes) when there are several and no transaction is open: a test's
    transaction or a caller's atomic block would not be seen by the forked children. Not on a
    secondary database: forking with its binding in place was not tried (ADR 0022).
    """
    if not schemas:
        return
    command = MigrateSchemasCommand()
    options = vars(command.create_parser("manage.py", "migrate_schemas").parse_args([]))
    options.update(tenant=True, interactive=False, verbosity=verbosity, skip_checks=True)
    parallel = (
        parallel
        and len(schemas) >= settings.TENANT_MIGRATION_PARALLEL_FROM
        and not connection.in_atomic_block
    )
    executor = get_executor("multiprocessing" if parallel else "standard")((), options)
    executor.run_migrations(tenants=schemas)


class Command(BaseCommand):
    help = "Migre le schéma public, le schéma modèle des organisations, puis chaque organisation."
    # `--all`; also read when a database is migrated on its own (`_migrate`, the two-server test).
    every_schema = False

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            dest="every_schema",
            help="Lance migrate sur chaque schéma, même à jour.",
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        self.every_schema = options["every_schema"]
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
        # Read from the main database (after its own migrations: the column may be new).
        with main_routing():
            organisations = list(
                Organisation.objects.filter(database=alias)
                .exclude(schema_name=get_public_schema_name())
                .order_by("pk")
                .values_list("schema_name", flat=True)
            )
        schemas = [template, *organisations]
        behind = schemas if self.every_schema else schemas_behind(schemas)
        parallel = alias == MAIN
        if template in behind:  # first: organisations created meanwhile are cloned from it
            tenant_schemas_migrate([template], verbosity=verbosity, parallel=parallel)
        tenant_schemas_migrate(
            [s for s in behind if s != template], verbosity=verbosity, parallel=parallel
        )
        if verbosity >= 1:
            self.stdout.write(
                f"{alias}: {len(behind)} of {len(schemas)} tenant schemas were behind"
            )
