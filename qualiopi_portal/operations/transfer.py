"""Export one organisation to a folder, and import such a folder into another portal database.

The folder holds everything that belongs to the organisation and nothing of anyone else's:

- `tenant/<app.Model>.json`: every row of its schema (Django's serializer, primary keys kept,
  people named by e-mail address);
- `public/<app.Model>.json`: its rows in the shared schema (memberships, invitations, auditor
  links and their log, audit trail, readiness), primary keys renumbered on import;
- `public/accounts.User.json` and `public/account.EmailAddress.json`: the accounts those rows
  name, without any platform privilege;
- `files/…`: the stored files its rows point to, under their storage names;
- `manifest.json`: counts per model and the SHA-256 of every data file and stored file.

Import checks the manifest before touching anything, loads everything in one transaction, then
counts and hashes again and rolls back on the slightest difference. See
docs/decisions/0012-organisation-export.md for what is deliberately left out.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.functions import Lower
from django.utils import timezone

from indicators.referential.models import ReferentialVersion
from qualiopi_portal.accounts.models import User
from qualiopi_portal.core.databases import database_bound, organisation_databases
from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.core.services import audit_event_record
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import (
    AuditorAccess,
    AuditorLink,
    Invitation,
    Membership,
    Organisation,
    OrganisationReadiness,
)

FORMAT = 1
MANIFEST = "manifest.json"

# Shared-schema rows that belong to one organisation, with the path from each to it. Every
# other shared model pointing at Organisation is listed in LEFT_OUT with the reason.
PUBLIC_MODELS: dict[type[models.Model], str] = {
    Membership: "organisation",
    Invitation: "organisation",
    OrganisationReadiness: "organisation",
    AuditorLink: "organisation",
    AuditorAccess: "link__organisation",
    AuditEvent: "organisation",
}
LEFT_OUT = {
    "tenancy.Domain": "the portal routes by /o/<slug>/ and creates no domain rows",
    "tenancy.ConsultancyFirm": "the firm is a customer of its own, following other clients too",
}
# What an imported account keeps: who the person is and how they log in, no platform rights.
USER_FIELDS = ("email", "first_name", "last_name", "password", "is_active", "date_joined")


class TransferError(Exception):
    """The export or import cannot go on; the message (French) says why, nothing was changed."""


@dataclass
class Outcome:
    organisation: str
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    users_created: int = 0
    users_reused: int = 0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tenant_models() -> list[type[models.Model]]:
    """Every concrete model whose table lives in an organisation's schema."""
    labels = {name.rsplit(".", 1)[-1] for name in settings.TENANT_APPS}
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in labels and not model._meta.proxy and model._meta.managed
    ]


def _migrations() -> dict[str, str]:
    """The last applied migration of each app: an export loads only into the same shape."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name"):
        latest[app] = max(latest.get(app, ""), name)
    return latest


def stored_names() -> list[str]:
    """Storage names of every file the current schema's rows point to."""
    names = []
    for model in tenant_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                names += model._base_manager.exclude(**{f.name: ""}).values_list(f.name, flat=True)
    return names


def _user_ids(querysets: list[models.QuerySet]) -> set[int]:
    ids: set[int] = set()
    for queryset in querysets:
        for f in queryset.model._meta.concrete_fields:
            if f.is_relation and f.related_model is User:
                ids.update(v for v in queryset.values_list(f.attname, flat=True) if v)
    return ids


def _write(folder: Path, relative: str, payload: str, hashes: dict[str, str]) -> None:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(payload, encoding="utf-8")
    hashes[relative] = _sha256(path)


def _dump(queryset: models.QuerySet, **options: Any) -> str:
    return serializers.serialize(
        "json", queryset.order_by("pk"), indent=1, use_natural_foreign_keys=True, **options
    )


def organisation_export(*, slug: str, folder: Path) -> Outcome:
    """Write the organisation to `folder`, which must be missing or empty."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise TransferError(f"Aucune organisation n'a l'identifiant « {slug} ».")
    # The consistent picture is taken on the database holding its schema (ADR 0022).
    with database_bound(organisation.database):
        return _export(organisation, slug, folder)


def _export(organisation: Organisation, slug: str, folder: Path) -> Outcome:
    if folder.exists() and any(folder.iterdir()):
        raise TransferError(f"Le dossier {folder} n'est pas vide : choisissez un dossier neuf.")
    folder.mkdir(parents=True, exist_ok=True)
    outcome = Outcome(organisation=slug)
    hashes: dict[str, str] = {}
    stored: dict[str, dict[str, Any]] = {}
    prefix = f"{organisation.schema_name}/"
    fresh_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if fresh_transaction:
            # One consistent picture of the organisation, whatever is written meanwhile (inside
            # an outer transaction, as in tests, that transaction's own view is used).
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        public = {
            model: model.objects.filter(**{path: organisation})
            for model, path in PUBLIC_MODELS.items()
        }
        with schema_context(organisation.schema_name):
            # The base manager: every row, also those a default manager leaves out (findings
            # cancelled as entered by mistake are history too).
            tenant = {model: model._base_manager.all() for model in tenant_models()}
            user_ids = _user_ids([*public.values(), *tenant.values()])
            for model, queryset in tenant.items():
                label = model._meta.label
                outcome.counts[f"tenant/{label}"] = queryset.count()
                _write(folder, f"tenant/{label}.json", _dump(queryset), hashes)
            for name in stored_names():
                if not name.startswith(prefix) or ".." in Path(name).parts:
                    raise TransferError(
                        f"Le fichier « {name} » n'est pas rangé dans le dossier de "
                        "l'organisation : export interrompu."
                    )
                source = Path(settings.MEDIA_ROOT) / name
                if not source.is_file():
                    raise TransferError(f"Le fichier « {name} » est introuvable.")
                target = folder / "files" / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                stored[name] = {"sha256": _sha256(target), "size": target.stat().st_size}
        organisation_row = _dump(Organisation.objects.filter(pk=organisation.pk))
        _write(folder, "public/tenancy.Organisation.json", organisation_row, hashes)
        outcome.counts["public/tenancy.Organisation"] = 1
        for model, queryset in public.items():
            label = model._meta.label
            outcome.counts[f"public/{label}"] = queryset.count()
            _write(folder, f"public/{label}.json", _dump(queryset), hashes)
        users = User.objects.filter(pk__in=user_ids)
        outcome.counts["public/accounts.User"] = users.count()
        _write(folder, "public/accounts.User.json", _dump(users, fields=USER_FIELDS), hashes)
        addresses = EmailAddress.objects.filter(user__in=users)
        outcome.counts["public/account.EmailAddress"] = addresses.count()
        _write(folder, "public/account.EmailAddress.json", _dump(addresses), hashes)
        manifest = {
            "format": FORMAT,
            "organisation": {"slug": slug, "name": organisation.name},
            "schema_name": organisation.schema_name,
            "referential_version": getattr(organisation.referential_version, "code", None),
            "exported_at": timezone.now().isoformat(),
            "migrations": _migrations(),
            "counts": outcome.counts,
            "data": hashes,
            "files": stored,
        }
    outcome.files = len(stored)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), "utf-8")
    return outcome


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise TransferError(f"{folder} ne contient pas de {MANIFEST} : ce n'est pas un export.")
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except ValueError as error:
        raise TransferError(f"{MANIFEST} est illisible : {error}.") from error
    if manifest.get("format") != FORMAT:
        raise TransferError(f"Format d'export inconnu : {manifest.get('format')!r}.")
    return manifest


def _verify_folder(folder: Path, manifest: dict[str, Any]) -> None:
    """Every data file and stored file is there with the hash the manifest gives."""
    expected = {**manifest["data"]}
    expected.update({f"files/{name}": meta["sha256"] for name, meta in manifest["files"].items()})
    allowed = ("tenant/", "public/", f"files/{manifest['schema_name']}/")
    for relative, digest in sorted(expected.items()):
        parts = Path(relative).parts
        if not relative.startswith(allowed) or ".." in parts or Path(relative).is_absolute():
            # A stored file may only go back into the organisation's own folder.
            raise TransferError(f"Chemin refusé dans le manifeste : {relative}.")
        path = folder / relative
        if not path.is_file():
            raise TransferError(f"Fichier manquant dans l'export : {relative}.")
        if _sha256(path) != digest:
            raise TransferError(f"Le fichier {relative} a été modifié depuis l'export.")


def _load(path: Path, model: type[models.Model], using: str = DEFAULT_DB_ALIAS) -> list[Any]:
    """The rows of one data file, which may only hold rows of the model it is named after."""
    with path.open(encoding="utf-8") as handle:
        items = list(
            serializers.deserialize("json", handle, handle_forward_references=True, using=using)
        )
    if any(type(item.object) is not model for item in items):
        raise TransferError(
            f"{path.name} contient des lignes d'un autre type que {model.__name__}."
        )
    return items


def organisation_import(*, folder: Path, database: str = DEFAULT_DB_ALIAS) -> Outcome:
    """Recreate the organisation of an export; all or nothing, checked against the manifest.

    `database` names the database of this installation that will hold its schema (ADR 0022).
    """
    if database not in organisation_databases():
        raise TransferError(f"Base de données inconnue : {database}.")
    manifest = _read_manifest(folder)
    slug = manifest["organisation"]["slug"]
    schema_name = manifest["schema_name"]
    if schema_name != Organisation.schema_name_for(slug):
        raise TransferError("Le manifeste ne correspond pas à l'identifiant de l'organisation.")
    _verify_folder(folder, manifest)
    if (
        Organisation.objects.filter(slug=slug).exists()
        or Organisation.objects.filter(schema_name=schema_name).exists()
    ):
        raise TransferError(f"Une organisation « {slug} » existe déjà dans cette base.")
    here = _migrations()
    differing = {app for app, name in manifest["migrations"].items() if here.get(app) != name}
    if differing:
        raise TransferError(
            "Cette base n'est pas à la même version du portail que l'export "
            f"(migrations différentes : {', '.join(sorted(differing))}). Mettez-la à jour."
        )
    media = Path(settings.MEDIA_ROOT)
    clashes = [name for name in manifest["files"] if (media / name).exists()]
    if clashes:
        raise TransferError(f"Un fichier existe déjà à l'emplacement {clashes[0]}.")
    outcome = Outcome(organisation=slug)
    written: list[Path] = []
    try:
        # Bound to another database, the block covers it and the main one (ADR 0022).
        with database_bound(database), transaction.atomic():
            organisation = _import_rows(folder, manifest, outcome, database)
            for name, meta in manifest["files"].items():
                target = media / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(folder / "files" / name, target)
                written.append(target)
                if _sha256(target) != meta["sha256"]:
                    raise TransferError(f"Le fichier {name} a changé pendant la copie.")
            outcome.files = len(written)
            if outcome.counts != manifest["counts"]:
                raise TransferError(
                    "Les comptes relus ne correspondent pas au manifeste : "
                    f"{_difference(manifest['counts'], outcome.counts)}."
                )
            audit_event_record(
                action="organisation.imported",
                organisation=organisation,
                exported_at=manifest["exported_at"],
                rows=outcome.rows,
                files=outcome.files,
            )
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return outcome


def _difference(expected: dict[str, int], found: dict[str, int]) -> str:
    keys = sorted(set(expected) | set(found))
    return ", ".join(
        f"{key} {expected.get(key, 0)} attendus, {found.get(key, 0)} lus"
        for key in keys
        if expected.get(key) != found.get(key)
    )


def _present_emails(model: type[models.Model], emails: list[str]) -> set[str]:
    """Which of these addresses the model already holds, compared without case, in one query."""
    lowered = [email.lower() for email in emails]
    return set(
        model.objects.annotate(address=Lower("email"))
        .filter(address__in=lowered)
        .values_list("address", flat=True)
    )


def _import_rows(
    folder: Path, manifest: dict[str, Any], outcome: Outcome, database: str = DEFAULT_DB_ALIAS
) -> Organisation:
    """Every row of the export, in this transaction; fills `outcome.counts` by counting again."""
    public = folder / "public"
    version = None
    if manifest["referential_version"]:
        version = ReferentialVersion.objects.filter(code=manifest["referential_version"]).first()
        if version is None:
            raise TransferError(
                f"Le référentiel {manifest['referential_version']} n'est pas chargé dans cette "
                "base : lancez d'abord « manage.py referential load »."
            )
    users = [item.object for item in _load(public / "accounts.User.json", User)]
    emails = [user.email for user in users]
    present = _present_emails(User, emails)
    for user in users:
        if user.email.lower() in present:
            outcome.users_reused += 1
            continue
        user.pk = None
        user.is_staff = user.is_superuser = False
        user.save()
        outcome.users_created += 1
    addresses = [item.object for item in _load(public / "account.EmailAddress.json", EmailAddress)]
    taken = _present_emails(EmailAddress, [address.email for address in addresses])
    for address in addresses:
        if address.email.lower() not in taken:
            address.pk = None
            address.save()
    (organisation_item,) = _load(public / "tenancy.Organisation.json", Organisation)
    organisation = organisation_item.object
    if (organisation.slug, organisation.schema_name) != (
        manifest["organisation"]["slug"],
        manifest["schema_name"],
    ):
        raise TransferError("L'organisation exportée ne correspond pas au manifeste.")
    organisation.pk = None
    organisation.referential_version = version
    organisation.database = database  # where it was exported from says nothing here
    organisation.save(verbosity=0)  # creates the schema, cloned from the template
    # created_at is auto_now_add: the export's date is put back after the insert.
    Organisation.objects.filter(pk=organisation.pk).update(
        created_at=organisation_item.object.created_at
    )
    remapped: dict[type[models.Model], dict[Any, Any]] = defaultdict(dict)
    for model in PUBLIC_MODELS:
        for item in _load(public / f"{model._meta.label}.json", model):
            row = item.object
            old_pk = row.pk
            if model is OrganisationReadiness:
                row.organisation_id = organisation.pk
            else:
                row.pk = None
                for f in model._meta.concrete_fields:
                    if f.is_relation and f.related_model is Organisation:
                        setattr(row, f.attname, organisation.pk)
                    elif f.is_relation and f.related_model in PUBLIC_MODELS:
                        old = getattr(row, f.attname)
                        if old not in remapped[f.related_model]:
                            raise TransferError(
                                f"{model.__name__} renvoie à une ligne absente de l'export."
                            )
                        setattr(row, f.attname, remapped[f.related_model][old])
            models.Model.save_base(row, raw=True)
            remapped[model][old_pk] = row.pk
    with schema_context(organisation.schema_name):
        loaded = []
        for model in tenant_models():
            for item in _load(folder / "tenant" / f"{model._meta.label}.json", model):
                item.save()
            loaded.append(model)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), loaded):
                cursor.execute(statement)
        for model in loaded:
            outcome.counts[f"tenant/{model._meta.label}"] = model._base_manager.count()
    outcome.counts["public/tenancy.Organisation"] = 1
    for model, path in PUBLIC_MODELS.items():
        outcome.counts[f"public/{model._meta.label}"] = model.objects.filter(
            **{path: organisation}
        ).count()
    outcome.counts["public/accounts.User"] = User.objects.filter(email__in=emails).count()
    outcome.counts["public/account.EmailAddress"] = EmailAddress.objects.filter(
        email__in=[address.email for address in addresses]
    ).count()
    return organisation
