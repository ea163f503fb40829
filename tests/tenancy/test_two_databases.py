"""Two PostgreSQL servers, one portal (docs/decisions/0022-past-one-database.md).

A second embedded PostgreSQL is started on a free loopback port (scripts/services.py), added
as database "b" for this test only and migrated by migrate_portal's per-database step. One
organisation lives on each server; both are served by the same Django, each page showing its
own data only; then the one on the main server is moved to b by `move_organisation`, and is
still served there with the same rows and files, its old schema gone.

The main database is the tests' usual one, inside the test's transaction (rolled back at the
end); b's database is created for the test and removed with its server.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from io import StringIO
from pathlib import Path

import pytest
from celery import shared_task
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django_tenants.utils import schema_exists

from evidence import samples
from evidence import services as evidence_services
from evidence.models import EvidenceItem, EvidenceVersion, Kind
from indicators.models import ReadinessSnapshot
from indicators.services import readiness_recompute
from learners.models import Learner
from qualiopi_portal.core.databases import database_bound, is_bound
from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.core.services import audit_event_record
from qualiopi_portal.core.tenants import organisation_scope, schema_context
from qualiopi_portal.operations.transfer import organisation_export, tenant_models
from qualiopi_portal.tenancy import services
from qualiopi_portal.tenancy.management.commands.migrate_portal import Command as MigratePortal
from qualiopi_portal.tenancy.models import Organisation, OrganisationReadiness, Role
from qualiopi_portal.tenancy.selectors import OrganisationAccess

from ..factories import UserFactory
from ..stacks import free_port

ROOT = Path(__file__).resolve().parents[2]
B_NAME = "qualiopi_second"


def _services():
    spec = importlib.util.spec_from_file_location("qualiopi_services", ROOT / "scripts/services.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _test_case_class():
    """The TestCase pytest-django made for this test: Django refuses a new connection to an
    alias missing from its `databases`, which were fixed before "b" existed."""
    for cell in BaseDatabaseWrapper.ensure_connection.__closure__ or ():
        if isinstance(cell.cell_contents, type) and hasattr(cell.cell_contents, "databases"):
            return cell.cell_contents
    raise AssertionError("no Django test case is active")


@pytest.fixture
def second_database(django_db_blocker):
    """Database "b" on a second server, migrated (public with the users' copy, template)."""
    scripts = _services()
    port = free_port()
    pid = scripts.postgres_start_another("second", port)
    try:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
        ) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{B_NAME}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{B_NAME}"')
        main = connections.settings["default"]
        connections.settings["b"] = {
            **main,
            "NAME": B_NAME,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "USER": "postgres",
            "PASSWORD": "",
            "TEST": {**main.get("TEST", {}), "NAME": B_NAME},
        }
        case = _test_case_class()
        allowed = case.databases
        case.databases = frozenset(allowed) | {"b"}
        with django_db_blocker.unblock(), database_bound("b"):
            MigratePortal(stdout=StringIO())._migrate("b", verbosity=0)
        yield "b"
    finally:
        if "allowed" in locals():
            case.databases = allowed
        if "b" in connections.settings:
            connections["b"].close()
            if hasattr(connections._connections, "b"):
                delattr(connections._connections, "b")
            del connections.settings["b"]
        scripts.postgres_stop_pid(pid)


@shared_task(name="tests.two_databases.where_am_i")
def where_am_i() -> list[str]:
    return [connection.settings_dict["PORT"], connection.schema_name]


def _organisation(slug: str, name: str, database: str) -> Organisation:
    return services.organisation_create(
        slug=slug,
        name=name,
        siret="73282932000074",
        nda="11755555575",
        categories=["AF"],
        database=database,
    )


def _fill(organisation: Organisation, referent, marker: str) -> None:
    """A proof with its file, a comment, a learner: rows in several tenant tables."""
    access = OrganisationAccess(organisation, Role.REFERENT)
    upload = SimpleUploadedFile(f"{marker}.pdf", samples.pdf_bytes(marker, ["Pièce"]))
    with organisation_scope(organisation):
        (item,) = evidence_services.evidence_create(
            access=access,
            actor=referent,
            data={"title": f"Preuve {marker}", "kind": Kind.RECORD, "indicator_numbers": [1]},
            uploads=[upload],
        )
        evidence_services.evidence_comment_add(
            access=access, actor=referent, item=item, body=f"Commentaire {marker}"
        )
        Learner.objects.create(first_name="Camille", last_name=marker, status="employee")


def _snapshot(organisation: Organisation) -> dict[str, object]:
    with schema_context(organisation.schema_name):
        counts = {m._meta.label: m._base_manager.count() for m in tenant_models()}
        files = {
            v.file.name: hashlib.sha256(Path(v.file.path).read_bytes()).hexdigest()
            for v in EvidenceVersion.objects.all()
        }
        where = connection.settings_dict["PORT"], connection.schema_name
    return {"counts": counts, "files": files, "where": where}


@pytest.mark.django_db
def test_two_servers_serve_their_organisations_and_one_moves_intact(
    client, world, media, second_database, tmp_path
):
    referent_main = UserFactory(email="referent.principal@exemple.test")
    referent_b = UserFactory(email="referent.second@exemple.test")
    on_main = _organisation("principal", "Organisme Principal", "default")
    on_b = _organisation("second", "Organisme Second", "b")
    services.membership_add(organisation=on_main, user=referent_main, role=Role.REFERENT)
    services.membership_add(organisation=on_b, user=referent_b, role=Role.REFERENT)
    _fill(on_main, referent_main, "MARQUE-PRINCIPAL")
    _fill(on_b, referent_b, "MARQUE-SECOND")

    # Each schema on its own server: org_second exists on b only, org_principal on main only.
    b_port = connections.settings["b"]["PORT"]
    main_port = connections.settings["default"]["PORT"]
    assert schema_exists("org_principal") and not schema_exists("org_second")
    with database_bound("b"):
        assert schema_exists("org_second") and not schema_exists("org_principal")
    assert _snapshot(on_b)["where"] == (b_port, "org_second")
    before = _snapshot(on_main)
    assert before["where"] == (main_port, "org_principal")

    # The same portal serves both; each sees its own data (the page joins the users' copy).
    for user, organisation, mine, theirs in (
        (referent_main, on_main, "MARQUE-PRINCIPAL", "MARQUE-SECOND"),
        (referent_b, on_b, "MARQUE-SECOND", "MARQUE-PRINCIPAL"),
    ):
        client.force_login(user)
        page = client.get(f"/o/{organisation.slug}/preuves/")
        assert page.status_code == 200
        assert f"Preuve {mine}" in page.content.decode()
        assert theirs not in page.content.decode()
        # The top bar reads public tables from the main server, even while bound to b.
        switcher_entry = f'href="/o/{organisation.slug}/" aria-current="true">{organisation.name} '
        assert switcher_entry in page.content.decode()
        with schema_context(organisation.schema_name):
            item = EvidenceItem.objects.get()
        detail = client.get(f"/o/{organisation.slug}/preuves/{item.pk}/")
        assert detail.status_code == 200
        assert f"Commentaire {mine}" in detail.content.decode()
        assert user.last_name in detail.content.decode()
        assert client.get(f"/o/{organisation.slug}/").status_code == 200
        # The other organisation stays out of reach: 404, whatever server holds it.
        other = on_b if organisation is on_main else on_main
        assert client.get(f"/o/{other.slug}/preuves/").status_code == 404
    assert not is_bound()

    # A task queued for the organisation on b runs there (what a worker does with the header).
    assert where_am_i.apply(headers={"_schema_name": "org_second"}).get() == [b_port, "org_second"]
    assert not is_bound()

    # A nightly job works from the public schema and enters each organisation itself.
    snapshot = readiness_recompute(organisation=on_b)
    with organisation_scope(on_b):
        assert ReadinessSnapshot.objects.filter(pk=snapshot.pk).exists()
    assert OrganisationReadiness.objects.get(organisation=on_b).computed_at == snapshot.computed_at
    assert not is_bound()

    # One atomic block covers both databases while bound: an error rolls back the tenant row
    # and the public one together.
    with pytest.raises(RuntimeError), organisation_scope(on_b), transaction.atomic():
        Learner.objects.create(first_name="Annulée", last_name="ANNULE", status="employee")
        audit_event_record(action="test.paired", organisation=on_b)
        raise RuntimeError
    assert not AuditEvent.objects.filter(action="test.paired").exists()
    with organisation_scope(on_b):
        assert not Learner.objects.filter(last_name="ANNULE").exists()

    # The per-organisation backup (ADR 0012) reads the organisation on its own server.
    exported = organisation_export(slug="second", folder=tmp_path / "export-second")
    assert exported.counts["tenant/learners.Learner"] == 1
    assert exported.files == 1
    assert (tmp_path / "export-second/files/org_second").is_dir()

    out = StringIO()
    call_command("move_organisation", "principal", "b", stdout=out)
    assert "déplacée de default vers b" in out.getvalue()

    moved = Organisation.objects.get(slug="principal")
    assert moved.database == "b"
    assert not schema_exists("org_principal")  # nothing left to write to on the main server
    after = _snapshot(moved)
    assert after["where"] == (b_port, "org_principal")
    assert after["counts"] == before["counts"]
    assert after["files"] == before["files"]
    assert sum(after["counts"].values()) >= 4

    client.force_login(referent_main)
    page = client.get("/o/principal/preuves/")
    assert page.status_code == 200
    assert "Preuve MARQUE-PRINCIPAL" in page.content.decode()
    with schema_context("org_principal"):
        version = EvidenceVersion.objects.get()
        item_pk, number = version.item_id, version.number
    download = client.get(f"/o/principal/preuves/{item_pk}/versions/{number}/telecharger/")
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == version.sha256
    # New rows after the move get fresh ids on the new server (sequences were reset).
    with organisation_scope(moved):
        learner = Learner.objects.create(
            first_name="Nouvelle", last_name="Ligne", status="employee"
        )
        assert learner.pk > Learner.objects.exclude(pk=learner.pk).get().pk
    assert AuditEvent.objects.filter(organisation=moved, action="organisation.moved").exists()


def test_tenant_tables_point_only_at_tenant_tables_and_users():
    """A schema on another server can hold a foreign key only to what that server has: its own
    tables, and the users' copy (ADR 0022). A new key to another public table must come with a
    copy of that table, or be an integer column."""
    from django.conf import settings

    from qualiopi_portal.accounts.models import User

    tenant = set(tenant_models())
    wrong = [
        f"{model._meta.label}.{field.name} → {field.related_model._meta.label}"
        for model in tenant
        for field in model._meta.get_fields()
        if field.is_relation
        and not field.auto_created  # forward keys and many-to-many declared on the model
        and field.related_model not in tenant
        and field.related_model is not User
    ]
    assert wrong == [], wrong
    assert settings.AUTH_USER_MODEL == "accounts.User"
