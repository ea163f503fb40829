"""Migrate everything in the right order: public, the template schema, then every organisation.

The template must be migrated whenever migrations change, or new organisations (cloned from it)
would miss tables. `make run` and the test setup call this command.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.utils import schema_exists


class Command(BaseCommand):
    help = "Migre le schéma public, le schéma modèle des organisations, puis chaque organisation."

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
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
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
        connection.set_schema_to_public()
        self.stdout.write(self.style.SUCCESS("public, template and organisation schemas migrated"))
