"""Export one organisation and restore it into a fresh database (issue 10, item 7).

The export runs here, inside the test's transaction; the restore runs as a newcomer would run
it: `manage.py migrate_portal`, `referential load` and `import_organisation` in subprocesses,
against a database created empty for this test, with files going to an empty MEDIA_ROOT.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from evidence import samples
from evidence import services as evidence_services
from evidence.models import EvidenceItem, Kind
from indicators.services import readiness_recompute
from qualiopi_portal.accounts.models import User
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.operations.transfer import (
    LEFT_OUT,
    PUBLIC_MODELS,
    stored_names,
    tenant_models,
)
from qualiopi_portal.tenancy.models import Membership, Organisation, Role
from qualiopi_portal.tenancy.selectors import OrganisationAccess
from reports.models import Report
from reports.services import report_render

from .conftest import B_MARKER
from .stacks import admin_connection, database_url, drop_database, recreate_database

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]


def _file(name: str, title: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, samples.pdf_bytes(title, ["Pièce de test"]))


def _evidence(world, organisation, user, schema: str, title: str, files: list) -> None:
    with schema_context(schema):
        evidence_services.evidence_create(
            access=OrganisationAccess(organisation, Role.REFERENT),
            actor=user,
            data={"title": title, "kind": Kind.RECORD, "indicator_numbers": [1]},
            uploads=files,
        )


def _fill(world) -> None:
    """Alpha: proofs with files, a readiness, a PDF report. Beta: a proof carrying its marker."""
    _evidence(
        world,
        world.org_a,
        world.referent_a,
        "org_alpha",
        "Programme de formation",
        [_file("programme.pdf", "Programme"), _file("cgv.pdf", "Conditions générales")],
    )
    with schema_context("org_alpha"):
        item = EvidenceItem.objects.order_by("pk").first()
        evidence_services.evidence_comment_add(
            access=OrganisationAccess(world.org_a, Role.CONSULTANT),
            actor=world.consultant_a,
            item=item,
            body="Relu, conforme.",
        )
    readiness_recompute(organisation=world.org_a)
    with schema_context("org_alpha"):
        report = Report.objects.create(kind="readiness", requested_by=world.director_a)
        report_render(organisation=Organisation.objects.get(pk=world.org_a.pk), report=report)
    _evidence(
        world,
        world.org_b,
        world.referent_b,
        "org_beta",
        f"Secret {B_MARKER}",
        [_file(f"{B_MARKER}.pdf", B_MARKER)],
    )


def _counts(schema: str) -> dict[str, int]:
    with schema_context(schema):
        return {model._meta.db_table: model.objects.count() for model in tenant_models()}


def _manage(env: dict, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _restored_counts(name: str) -> dict[str, int]:
    with admin_connection(name) as fresh:
        return {
            model._meta.db_table: fresh.execute(
                f'SELECT count(*) FROM org_alpha."{model._meta.db_table}"'  # noqa: S608 - our tables
            ).fetchone()[0]
            for model in tenant_models()
        }


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_every_shared_model_tied_to_an_organisation_is_exported_or_left_out_on_purpose():
    tenant = set(tenant_models())
    tied = {
        model._meta.label
        for model in apps.get_models()
        if model not in tenant
        and any(
            f.is_relation and f.related_model is Organisation and (f.concrete or f.many_to_many)
            for f in model._meta.get_fields()
        )
    }
    exported = {model._meta.label for model, path in PUBLIC_MODELS.items() if "__" not in path}
    assert tied == exported | set(LEFT_OUT)


def test_an_organisation_exported_and_restored_into_a_fresh_database_is_the_same(
    world, media, tmp_path
):
    _fill(world)
    folder = tmp_path / "export-alpha"
    out = StringIO()
    call_command("export_organisation", "alpha", str(folder), stdout=out)
    manifest = json.loads((folder / "manifest.json").read_text())
    source_counts = _counts("org_alpha")
    with schema_context("org_alpha"):
        source_files = {
            name: hashlib.sha256((media / name).read_bytes()).hexdigest() for name in stored_names()
        }
    assert len(source_files) == 3  # two proofs and the readiness report
    assert {name: meta["sha256"] for name, meta in manifest["files"].items()} == source_files
    assert {
        key.removeprefix("tenant/"): value
        for key, value in manifest["counts"].items()
        if key.startswith("tenant/")
    } == {model._meta.label: source_counts[model._meta.db_table] for model in tenant_models()}
    assert manifest["counts"]["public/tenancy.Membership"] == 5  # not the other one of A and C
    assert out.getvalue() == (
        f"Organisation « alpha » exportée dans {folder} : {sum(manifest['counts'].values())} "
        f"lignes, 3 fichiers (manifeste : {folder / 'manifest.json'}).\n"
    )
    # Nothing of organisation B, nor of the other memberships of A's members, is in the folder.
    everything = b"".join(path.read_bytes() for path in folder.rglob("*") if path.is_file())
    assert B_MARKER.encode() not in everything
    assert b"referent.b@exemple.test" not in everything
    assert b"org_gamma" not in everything
    assert all(name.startswith("org_alpha/") for name in manifest["files"])
    users = json.loads((folder / "public" / "accounts.User.json").read_text())
    assert all(
        set(user["fields"])
        == {"email", "first_name", "last_name", "password", "is_active"} | {"date_joined"}
        for user in users
    )

    name = f"{settings.DATABASES['default']['NAME']}_restore"
    recreate_database(name)
    restored_media = tmp_path / "restored-media"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qualiopi_portal.settings.local",
        "DATABASE_URL": database_url(name),
        "MEDIA_ROOT": str(restored_media),
    }
    try:
        for command in (["migrate_portal", "--verbosity", "0"], ["referential", "load"]):
            assert _manage(env, *command).returncode == 0

        # A folder changed after the export is refused before anything is written.
        tampered = tmp_path / "tampered"
        shutil.copytree(folder, tampered)
        victim = next((tampered / "files").rglob("*.pdf"))
        victim.write_bytes(victim.read_bytes() + b"%")
        refused = _manage(env, "import_organisation", str(tampered))
        relative = victim.relative_to(tampered)
        assert (refused.returncode, refused.stderr.strip()) == (
            1,
            f"CommandError: Le fichier {relative} a été modifié depuis l'export.",
        )
        assert not restored_media.exists()

        done = _manage(env, "import_organisation", str(folder))
        assert done.returncode == 0, done.stderr
        assert done.stdout == (
            f"Organisation « alpha » importée : {sum(manifest['counts'].values())} lignes et 3 "
            f"fichiers, conformes au manifeste ({len(users)} comptes créés, 0 déjà présents).\n"
        )
        assert _restored_counts(name) == source_counts
        assert _hashes(restored_media) == source_files
        with admin_connection(name) as fresh:
            schemas = fresh.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'org%' ORDER BY 1"
            ).fetchall()
            organisations = fresh.execute(
                "SELECT slug, name, schema_name FROM tenancy_organisation"
            ).fetchall()
            emails = {row[0] for row in fresh.execute("SELECT email FROM accounts_user")}
            memberships = fresh.execute(
                "SELECT u.email, m.role FROM tenancy_membership m "
                "JOIN accounts_user u ON u.id = m.user_id ORDER BY 1"
            ).fetchall()
            passwords = dict(fresh.execute("SELECT email, password FROM accounts_user"))
            staff = fresh.execute(
                "SELECT count(*) FROM accounts_user WHERE is_staff OR is_superuser"
            ).fetchone()[0]
            titles = {
                row[0]
                for row in fresh.execute(
                    f"SELECT title FROM org_alpha.{EvidenceItem._meta.db_table}"  # noqa: S608
                )
            }
        assert schemas == [("org_alpha",)]
        assert organisations == [("alpha", "Alpha Formation", "org_alpha")]
        assert emails == {user["fields"]["email"] for user in users}
        assert "referent.b@exemple.test" not in emails
        assert memberships == [
            ("consultant.a@exemple.test", Role.CONSULTANT),
            ("contributor.a@exemple.test", Role.CONTRIBUTOR),
            ("deux.organisations@exemple.test", Role.CONTRIBUTOR),
            ("director.a@exemple.test", Role.DIRECTOR),
            ("referent.a@exemple.test", Role.REFERENT),
        ]
        assert passwords == dict(
            User.objects.filter(email__in=emails).values_list("email", "password")
        )
        assert staff == 0
        with schema_context("org_alpha"):
            assert titles == set(EvidenceItem.objects.values_list("title", flat=True))

        again = _manage(env, "import_organisation", str(folder))
        assert (again.returncode, again.stderr.strip()) == (
            1,
            "CommandError: Une organisation « alpha » existe déjà dans cette base.",
        )
    finally:
        drop_database(name)
    connection.set_schema_to_public()


def test_export_refuses_an_unknown_organisation_and_a_used_folder(world, tmp_path):
    with pytest.raises(CommandError, match=r"^Aucune organisation n'a l'identifiant « zeta »\.$"):
        call_command("export_organisation", "zeta", str(tmp_path / "x"))
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("à garder")
    with pytest.raises(CommandError, match=r"n'est pas vide : choisissez un dossier neuf\.$"):
        call_command("export_organisation", "alpha", str(tmp_path / "used"))
    assert (tmp_path / "used" / "notes.txt").read_text() == "à garder"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda m: m["files"].update({"../../etc/cron.d/x": {"sha256": "0", "size": 1}}),
            "Chemin refusé dans le manifeste : files/../../etc/cron.d/x.",
        ),
        (
            lambda m: m["files"].update({"org_beta/evidence/x.pdf": {"sha256": "0", "size": 1}}),
            "Chemin refusé dans le manifeste : files/org_beta/evidence/x.pdf.",
        ),
        (
            lambda m: m["data"].update({"/etc/passwd": "0"}),
            "Chemin refusé dans le manifeste : /etc/passwd.",
        ),
        (
            lambda m: m.update({"schema_name": "org_beta"}),
            "Le manifeste ne correspond pas à l'identifiant de l'organisation.",
        ),
    ],
)
def test_import_refuses_a_manifest_that_points_outside_the_organisation(
    world, media, tmp_path, change, message
):
    folder = tmp_path / "export"
    call_command("export_organisation", "alpha", str(folder), stdout=StringIO())
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError) as refused:
        call_command("import_organisation", str(folder))
    assert str(refused.value) == message
    assert not (Path(settings.MEDIA_ROOT) / "org_beta").exists()


def test_a_data_file_holding_rows_of_another_kind_is_refused(world, media, tmp_path):
    folder = tmp_path / "export"
    call_command("export_organisation", "alpha", str(folder), stdout=StringIO())
    manifest = json.loads((folder / "manifest.json").read_text())
    smuggled = folder / "tenant" / "evidence.EvidenceItem.json"
    smuggled.write_text(
        json.dumps([{"model": "tenancy.membership", "pk": 9999, "fields": {"role": "referent"}}])
    )
    manifest["data"]["tenant/evidence.EvidenceItem.json"] = hashlib.sha256(
        smuggled.read_bytes()
    ).hexdigest()
    # Under another identifier, so that the import gets as far as the smuggled file.
    row = folder / "public" / "tenancy.Organisation.json"
    row.write_text(
        row.read_text().replace('"alpha"', '"alpha-copie"').replace("org_alpha", "org_alpha_copie")
    )
    manifest["data"]["public/tenancy.Organisation.json"] = hashlib.sha256(
        row.read_bytes()
    ).hexdigest()
    manifest.update(files={}, schema_name="org_alpha_copie")
    manifest["organisation"]["slug"] = "alpha-copie"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    memberships = Membership.objects.count()
    with pytest.raises(CommandError) as refused:
        call_command("import_organisation", str(folder))
    assert str(refused.value) == (
        "evidence.EvidenceItem.json contient des lignes d'un autre type que EvidenceItem."
    )
    assert Membership.objects.count() == memberships
    assert not Organisation.objects.filter(slug="alpha-copie").exists()
