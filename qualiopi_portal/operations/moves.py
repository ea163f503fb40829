"""Move one organisation's schema to another database of the same installation (ADR 0022).

Built on the export (ADR 0012): the same serializer writes every tenant row of the source
schema, primary keys kept, to `<folder>/tenant/<app.Model>.json` with a manifest of counts and
SHA-256; the rows are loaded into a schema cloned from the target database's template. What
differs from an export to another installation: the public rows (memberships, audit trail…)
and the users stay where they are, on the main database, and so do the stored files (one
MEDIA_ROOT for the installation: ARCHITECTURE.md, Files), so only their references are checked.

Order, so that nothing can be written to a stale copy:
1. on the source, one transaction takes an EXCLUSIVE lock on every table of the schema: pages
   keep reading, writes wait;
2. the rows are dumped, loaded on the target in one transaction, counted again per table, file
   references compared; the target transaction commits;
3. the organisation's row is switched to the target (new requests and tasks go there);
4. the source schema is dropped (or renamed `moved_<schema>_<date>` with `keep_source`) in
   the locking transaction, which then commits: writes that waited fail instead of landing in
   the old copy.
A failure before 3 rolls both sides back and drops the half-made target schema.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists

from qualiopi_portal.accounts.models import User
from qualiopi_portal.core.databases import (
    MAIN,
    database_bound,
    is_bound,
    organisation_databases,
    users_replicate,
)
from qualiopi_portal.core.services import audit_event_record
from qualiopi_portal.tenancy.models import Organisation

from .transfer import MANIFEST, TransferError, _load, _sha256, tenant_models


@dataclass
class MoveOutcome:
    organisation: str
    source: str
    target: str
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    source_kept_as: str | None = None

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _applied(alias: str, schema: str) -> set[tuple[str, str]]:
    with connections[alias].cursor() as cursor:
        # A schema name from an Organisation row or the settings (validated by django-tenants).
        table = f"{connections[alias].ops.quote_name(schema)}.django_migrations"
        cursor.execute(f"SELECT app, name FROM {table}")  # noqa: S608
        return {(app, name) for app, name in cursor.fetchall()}


def _tables(alias: str, schema: str) -> list[str]:
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema]
        )
        return [row[0] for row in cursor.fetchall()]


def _stored_names(alias: str) -> list[str]:
    """Storage names of every file the rows of the schema current on `alias` point to."""
    names: list[str] = []
    for model in tenant_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                names += (
                    model._base_manager.using(alias)
                    .exclude(**{f.name: ""})
                    .values_list(f.name, flat=True)
                )
    return sorted(names)


def _user_ids(alias: str) -> set[int]:
    ids: set[int] = set()
    for model in tenant_models():
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is User:
                ids.update(
                    v
                    for v in model._base_manager.using(alias).values_list(f.attname, flat=True)
                    if v
                )
    return ids


def _check(organisation: Organisation, target: str) -> None:
    if is_bound():
        raise TransferError(_("Un déplacement se lance hors de toute organisation."))
    if target not in organisation_databases():
        raise TransferError(
            _("Base de données inconnue : %(alias)s (voir ORGANISATION_DATABASES).")
            % {"alias": target}
        )
    if organisation.database == target:
        raise TransferError(
            _("L'organisation « %(slug)s » est déjà dans la base %(alias)s.")
            % {"slug": organisation.slug, "alias": target}
        )
    template = settings.TENANT_BASE_SCHEMA
    with database_bound(target):
        if not schema_exists(template):
            raise TransferError(
                _("La base %(alias)s n'a pas de schéma modèle : lancez d'abord migrate_portal.")
                % {"alias": target}
            )
        if schema_exists(organisation.schema_name):
            raise TransferError(
                _("Le schéma %(schema)s existe déjà dans la base %(alias)s.")
                % {"schema": organisation.schema_name, "alias": target}
            )
    source_state = _applied(organisation.database, organisation.schema_name)
    if source_state != _applied(target, template):
        raise TransferError(
            _(
                "La base %(alias)s n'est pas à la même version du portail que l'organisation "
                "(migrations différentes) : lancez d'abord migrate_portal."
            )
            % {"alias": target}
        )


def organisation_move(
    *, slug: str, target: str, folder: Path | None = None, keep_source: bool = False
) -> MoveOutcome:
    """Move the organisation's schema to database `target`; all or nothing up to the switch.

    `folder` keeps the dumped rows and their manifest (a backup of the schema as it was moved);
    without it they go to a temporary folder removed afterwards.
    """
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise TransferError(
            _("Aucune organisation n'a l'identifiant « %(slug)s ».") % {"slug": slug}
        )
    _check(organisation, target)
    if folder is not None:
        if folder.exists() and any(folder.iterdir()):
            raise TransferError(
                _("Le dossier %(folder)s n'est pas vide : choisissez un dossier neuf.")
                % {"folder": folder}
            )
        folder.mkdir(parents=True, exist_ok=True)
        return _move(organisation, target, folder, keep_source)
    with tempfile.TemporaryDirectory(prefix=f"move-{slug}-") as temporary:
        return _move(organisation, target, Path(temporary), keep_source)


def _move(organisation: Organisation, target: str, folder: Path, keep_source: bool) -> MoveOutcome:
    source = organisation.database
    schema = organisation.schema_name
    outcome = MoveOutcome(organisation=organisation.slug, source=source, target=target)
    # django-tenants' wrappers (set_schema…), which the stubs do not know.
    source_connection: Any = connections[source]
    target_connection: Any = connections[target]
    created_on_target = False
    try:
        with transaction.atomic(using=source):
            source_connection.set_schema(schema)
            tables = ", ".join(f'"{schema}"."{table}"' for table in _tables(source, schema))
            with source_connection.cursor() as cursor:
                # Readers go on; every write to this organisation waits for the end of the move.
                cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
            expected = _dump(source, folder, outcome)
            names = _stored_names(source)
            missing = [n for n in names if not (Path(settings.MEDIA_ROOT) / n).is_file()]
            if missing:
                raise TransferError(
                    _("Le fichier « %(name)s » est introuvable : déplacement interrompu.")
                    % {"name": missing[0]}
                )
            if target != MAIN:
                # The target's copy of the users the rows name (foreign keys on that server).
                users_replicate(User.objects.filter(pk__in=_user_ids(source)), [target])
            with database_bound(target):
                organisation.create_schema(check_if_exists=True, verbosity=0)
            created_on_target = True
            with transaction.atomic(using=target):
                target_connection.set_schema(schema)
                _load_all(target, folder)
                found = {
                    f"tenant/{model._meta.label}": model._base_manager.using(target).count()
                    for model in tenant_models()
                }
                if found != expected:
                    raise TransferError(
                        _("Les comptes relus ne correspondent pas : %(difference)s.")
                        % {"difference": _difference(expected, found)}
                    )
                if _stored_names(target) != names:
                    raise TransferError(_("Les références aux fichiers ne correspondent pas."))
            outcome.counts = found
            outcome.files = len(names)
            # The switch: from here on, requests and tasks find the organisation on the target.
            Organisation.objects.filter(pk=organisation.pk).update(database=target)
            organisation.database = target
            with source_connection.cursor() as cursor:
                # Deferred foreign-key checks still pending (rows written in this same
                # transaction, as in tests) would refuse the DROP: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                if keep_source:
                    kept = f"moved_{schema}_{timezone.now():%Y%m%d%H%M%S}"[:63]
                    cursor.execute(f'ALTER SCHEMA "{schema}" RENAME TO "{kept}"')
                    outcome.source_kept_as = kept
                else:
                    cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
    except BaseException:
        if (
            created_on_target
            and Organisation.objects.filter(pk=organisation.pk, database=source).exists()
        ):
            target_connection.set_schema_to_public()
            with target_connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        raise
    finally:
        source_connection.set_schema_to_public()
        target_connection.set_schema_to_public()
    audit_event_record(
        action="organisation.moved",
        organisation=organisation,
        source=source,
        target=target,
        rows=outcome.rows,
        files=outcome.files,
        source_kept_as=outcome.source_kept_as,
    )
    return outcome


def _dump(alias: str, folder: Path, outcome: MoveOutcome) -> dict[str, int]:
    """Every row of the schema current on `alias`, one JSON file per model, ids as they are
    (users keep their ids on every database: no natural keys needed)."""
    counts: dict[str, int] = {}
    hashes: dict[str, str] = {}
    (folder / "tenant").mkdir(parents=True, exist_ok=True)
    for model in tenant_models():
        queryset = model._base_manager.using(alias).order_by("pk")
        label = model._meta.label
        path = folder / "tenant" / f"{label}.json"
        path.write_text(serializers.serialize("json", queryset, indent=1), encoding="utf-8")
        counts[f"tenant/{label}"] = queryset.count()
        hashes[f"tenant/{label}.json"] = _sha256(path)
    manifest: dict[str, Any] = {
        "organisation": outcome.organisation,
        "source": outcome.source,
        "target": outcome.target,
        "dumped_at": timezone.now().isoformat(),
        "counts": counts,
        "data": hashes,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), "utf-8")
    return counts


def _load_all(alias: str, folder: Path) -> None:
    """Load the dumped rows into the schema current on `alias`, then reset its sequences."""
    loaded = []
    for model in tenant_models():
        path = folder / "tenant" / f"{model._meta.label}.json"
        for item in _load(path, model, using=alias):
            item.save(using=alias)
        loaded.append(model)
    with connections[alias].cursor() as cursor:
        for statement in connections[alias].ops.sequence_reset_sql(no_style(), loaded):
            cursor.execute(statement)


def _difference(expected: dict[str, int], found: dict[str, int]) -> str:
    return ", ".join(
        f"{key} {expected.get(key, 0)} / {found.get(key, 0)}"
        for key in sorted(set(expected) | set(found))
        if expected.get(key) != found.get(key)
    )
