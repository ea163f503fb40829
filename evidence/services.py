"""Writes on the evidence library. Every change leaves an EvidenceEvent; none deletes a file."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qualiopi_portal.core.dates import add_months
from qualiopi_portal.core.signals import readiness_changed
from qualiopi_portal.core.tenants import current_schema_name
from qualiopi_portal.tenancy.models import Role
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.selectors import OrganisationAccess

from . import notifications
from .models import (
    ChecklistEntry,
    EvidenceComment,
    EvidenceEvent,
    EvidenceItem,
    EvidenceVersion,
    Responsibility,
)
from .storage import evidence_storage, version_file_name
from .validators import DetectedType, FileRefused, detect_file_type, sanitise_filename

Status = EvidenceItem.Status
Action = EvidenceEvent.Action

# Fields a user edits on an item (the rest is workflow state).
EDITABLE_FIELDS = (
    "title",
    "description",
    "kind",
    "indicator_numbers",
    "url",
    "responsibility",
    "concerns",
    "owner",
    "checklist_entry",
    "valid_from",
    "valid_until",
    "tags",
)


@dataclass(frozen=True)
class CheckedUpload:
    """An upload whose content was checked, ready to store."""

    upload: UploadedFile
    name: str
    detected: DetectedType


def _event(item: EvidenceItem, actor: Any, action: str, **details: Any) -> None:
    EvidenceEvent.objects.create(item=item, actor=actor, action=action, details=details)


def _is_own(item: EvidenceItem, user: Any) -> bool:
    return user.pk in (item.concerns_id, item.created_by_id)


def uploads_check(uploads: list[UploadedFile]) -> list[CheckedUpload]:
    """Check every file before storing any: one refused file refuses the whole request."""
    checked, errors = [], []
    for upload in uploads:
        name = sanitise_filename(upload.name or "")
        try:
            detected = detect_file_type(
                cast(BinaryIO, upload.file),  # Django's uploads always carry their file
                name=name,
                size=upload.size or 0,
                max_size=settings.EVIDENCE_MAX_UPLOAD_BYTES,
            )
        except FileRefused as refused:
            errors.append(ValidationError(str(refused), code=refused.code))
        else:
            checked.append(CheckedUpload(upload=upload, name=name, detected=detected))
    if errors:
        raise ValidationError({"files": errors})
    return checked


def oversize_errors(names: list[str]) -> ValidationError:
    """The files the upload handler dropped for their size, as one French error each."""
    limit = settings.EVIDENCE_MAX_UPLOAD_BYTES // (1024 * 1024)
    return ValidationError(
        {
            "files": [
                ValidationError(
                    _("Le fichier « %(name)s » dépasse la taille maximale de %(limit)s Mo.")
                    % {"name": sanitise_filename(name), "limit": limit},
                    code="too_large",
                )
                for name in names
            ]
        }
    )


def evidence_problems(
    *,
    data: dict[str, Any],
    uploads=(),
    refused: Collection[str] = (),
    files_dropped: bool = False,
) -> dict[str, list[ValidationError]]:
    """Every problem of a new item at once: its files, its dates, a missing file or address.

    Also called when the form itself is invalid, so that a person fixes everything in one go
    rather than discovering a refused file only after correcting the other fields; the fields
    the form already `refused` are left to the form's own error, and files the upload handler
    `files_dropped` for their size have their own error.
    """
    problems: dict[str, list[ValidationError]] = {}
    try:
        checked = uploads_check(list(uploads))
    except ValidationError as error:
        problems.update(error.error_dict)
        checked = None
    if checked == [] and not files_dropped and "url" not in refused and not data.get("url"):
        problems["files"] = [
            ValidationError(_("Ajoutez au moins un fichier, ou indiquez une adresse web."))
        ]
    valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
    if valid_from and valid_until and valid_until < valid_from:
        problems["valid_until"] = [
            ValidationError(_("La fin de validité doit suivre le début de validité."))
        ]
    return {field: errors for field, errors in problems.items() if field not in refused}


def _clean_item(item: EvidenceItem) -> None:
    errors: dict[str, list[str]] = {}
    if item.valid_from and item.valid_until and item.valid_until < item.valid_from:
        errors["valid_until"] = [_("La fin de validité doit suivre le début de validité.")]
    if not item.indicator_numbers:
        errors["indicator_numbers"] = [_("Reliez la preuve à au moins un indicateur.")]
    if errors:
        raise ValidationError(errors)


def _store_version(*, item: EvidenceItem, checked: CheckedUpload, actor: Any) -> EvidenceVersion:
    digest = hashlib.sha256()
    for chunk in checked.upload.chunks():
        digest.update(chunk)
    checked.upload.seek(0)
    number = item.version_count + 1
    stored_name = evidence_storage.save(
        version_file_name(
            schema_name=current_schema_name(),
            item_pk=item.pk,
            number=number,
            extension=PurePath(checked.name).suffix.lstrip(".").lower() or checked.detected.code,
        ),
        checked.upload,
    )
    try:
        version = EvidenceVersion.objects.create(
            item=item,
            number=number,
            file=stored_name,
            original_name=checked.name,
            size=checked.upload.size or 0,
            sha256=digest.hexdigest(),
            content_type=checked.detected.mime,
            type_code=checked.detected.code,
            uploaded_by=actor,
        )
    except Exception:
        # No orphan file when the row cannot be written.
        evidence_storage.delete(stored_name)
        raise
    item.version_count = number
    item.last_uploaded_at = version.uploaded_at
    return version


@transaction.atomic
def evidence_create(
    *,
    access: OrganisationAccess,
    actor: Any,
    data: dict[str, Any],
    uploads: Sequence[UploadedFile] = (),
) -> list[EvidenceItem]:
    """Create one item, or one per file when several files are dropped at once."""
    if not access.has(Permission.EVIDENCE_ADD):
        raise PermissionError("evidence.add")
    problems = evidence_problems(data=data, uploads=uploads)
    if problems:
        raise ValidationError(problems)
    checked = uploads_check(list(uploads))
    values = {field: data[field] for field in EDITABLE_FIELDS if field in data}
    if access.role == Role.CONTRIBUTOR:
        # A trainer's or subcontractor's pieces are theirs, whatever the form said.
        values.update(responsibility=Responsibility.CONTRIBUTOR, concerns=actor, owner=actor)
    values["owner"] = values.get("owner") or actor
    entry: ChecklistEntry | None = values.get("checklist_entry")
    if entry and entry.validity_months and not values.get("valid_until"):
        start = values.get("valid_from") or timezone.localdate()
        values["valid_from"] = start
        values["valid_until"] = add_months(start, entry.validity_months)

    title = (values.pop("title", "") or "").strip()
    items = []
    for position, upload in enumerate(checked or [None]):
        item_title = title
        if upload is not None and len(checked) > 1:
            stem = PurePath(upload.name).stem
            item_title = f"{title} — {stem}" if title else stem
        elif upload is not None and not title:
            item_title = PurePath(upload.name).stem
        item = EvidenceItem(title=item_title[:200], created_by=actor, **values)
        if not item.title:
            raise ValidationError({"title": [_("Donnez un titre à la preuve.")]})
        _clean_item(item)
        item.save()
        _event(item, actor, Action.CREATED, position=position)
        if upload is not None:
            version = _store_version(item=item, checked=upload, actor=actor)
            item.save(update_fields=["version_count", "last_uploaded_at", "updated_at"])
            _event(item, actor, Action.VERSION_ADDED, number=version.number, file=upload.name)
        items.append(item)
    readiness_changed("evidence created")
    return items


def _require_change_rights(*, access: OrganisationAccess, actor: Any, item: EvidenceItem) -> None:
    if access.has(Permission.EVIDENCE_MANAGE):
        return
    if access.has(Permission.EVIDENCE_ADD) and _is_own(item, actor):
        return
    raise PermissionError("evidence.change")


def _require_not_archived(item: EvidenceItem) -> None:
    if item.is_archived:
        raise ValidationError(_("Cette preuve est archivée : restaurez-la avant de la modifier."))


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


@transaction.atomic
def evidence_update(
    *, access: OrganisationAccess, actor: Any, item: EvidenceItem, data: dict[str, Any]
) -> EvidenceItem:
    _require_change_rights(access=access, actor=actor, item=item)
    _require_not_archived(item)
    if access.role == Role.CONTRIBUTOR:
        data = {k: v for k, v in data.items() if k not in ("responsibility", "concerns", "owner")}
    changes = {}
    for field in EDITABLE_FIELDS:
        if field in data and getattr(item, field) != data[field]:
            changes[field] = [_jsonable(getattr(item, field)), _jsonable(data[field])]
            setattr(item, field, data[field])
    if not changes:
        return item
    if not item.title.strip():
        raise ValidationError({"title": [_("Donnez un titre à la preuve.")]})
    _clean_item(item)
    item.save()
    _event(item, actor, Action.UPDATED, changes=changes)
    if {"indicator_numbers", "valid_until", "valid_from"} & changes.keys():
        readiness_changed("evidence updated")
    return item


@transaction.atomic
def evidence_version_add(
    *,
    access: OrganisationAccess,
    actor: Any,
    item: EvidenceItem,
    upload: UploadedFile,
    expected_number: int,
) -> EvidenceVersion:
    """A new file for an item; older versions stay downloadable.

    `expected_number` is the version the user believed they were adding: a stale or forged
    number is refused rather than silently renumbered.
    """
    item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
    _require_change_rights(access=access, actor=actor, item=item)
    _require_not_archived(item)
    if expected_number != item.version_count + 1:
        raise ValidationError(
            _(
                "Une autre version a été déposée entre-temps (version %(number)s) : "
                "rechargez la page avant de déposer la vôtre."
            )
            % {"number": item.version_count}
        )
    (checked,) = uploads_check([upload])
    version = _store_version(item=item, checked=checked, actor=actor)
    update_fields = ["version_count", "last_uploaded_at", "updated_at"]
    if item.status in (Status.VALIDATED, Status.REJECTED, Status.EXPIRED):
        # New content has not been reviewed: back to draft, to be submitted again.
        item.status = Status.DRAFT
        item.rejection_reason = ""
        update_fields += ["status", "rejection_reason"]
    item.save(update_fields=update_fields)
    _event(item, actor, Action.VERSION_ADDED, number=version.number, file=checked.name)
    readiness_changed("evidence version added")
    return version


TRANSITIONS: dict[str, tuple[frozenset[str], str, Permission]] = {
    "submit": (
        frozenset({Status.DRAFT, Status.REJECTED}),
        Status.SUBMITTED,
        Permission.EVIDENCE_ADD,
    ),
    "validate": (
        frozenset({Status.DRAFT, Status.SUBMITTED}),
        Status.VALIDATED,
        Permission.EVIDENCE_REVIEW,
    ),
    "reject": (
        frozenset({Status.SUBMITTED, Status.VALIDATED}),
        Status.REJECTED,
        Permission.EVIDENCE_REVIEW,
    ),
}


def transitions_allowed(*, access: OrganisationAccess, actor: Any, item: EvidenceItem) -> set[str]:
    """The review actions this user may take on this item now (for the buttons)."""
    if item.is_archived:
        return set()
    allowed = set()
    for name, (sources, _target, permission) in TRANSITIONS.items():
        if item.status not in sources or not access.has(permission):
            continue
        if name == "submit" and not (
            access.has(Permission.EVIDENCE_MANAGE) or _is_own(item, actor)
        ):
            continue
        allowed.add(name)
    return allowed


@transaction.atomic
def evidence_transition(
    *,
    access: OrganisationAccess,
    actor: Any,
    item: EvidenceItem,
    transition: str,
    reason: str = "",
) -> EvidenceItem:
    item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
    if transition not in TRANSITIONS:
        raise ValidationError(_("Action de revue inconnue."))
    if transition not in transitions_allowed(access=access, actor=actor, item=item):
        raise PermissionError(f"evidence.{transition}")
    if transition != "reject" and not (item.version_count or item.url):
        raise ValidationError(_("Ajoutez un fichier ou une adresse web avant de continuer."))
    today = timezone.localdate()
    if transition == "validate" and item.valid_until and item.valid_until < today:
        raise ValidationError(
            _("La validité de cette preuve est dépassée : déposez une version à jour.")
        )
    reason = reason.strip()
    if transition == "reject" and not reason:
        raise ValidationError({"reason": [_("Indiquez le motif du refus.")]})
    _sources, target, _permission = TRANSITIONS[transition]
    item.status = target
    item.rejection_reason = reason if transition == "reject" else ""
    if transition in ("validate", "reject"):
        item.reviewed_by, item.reviewed_at = actor, timezone.now()
    item.save()
    details = {"reason": reason} if reason else {}
    _event(
        item,
        actor,
        {"submit": Action.SUBMITTED, "validate": Action.VALIDATED, "reject": Action.REJECTED}[
            transition
        ],
        **details,
    )
    if transition == "reject":
        notifications.rejection_notify(item=item, organisation=access.organisation, actor=actor)
    readiness_changed(f"evidence {transition}")
    return item


@transaction.atomic
def evidence_comment_add(
    *, access: OrganisationAccess, actor: Any, item: EvidenceItem, body: str
) -> EvidenceComment:
    if not access.has(Permission.EVIDENCE_COMMENT):
        raise PermissionError("evidence.comment")
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("Le commentaire est vide.")]})
    comment = EvidenceComment.objects.create(item=item, author=actor, body=body)
    _event(item, actor, Action.COMMENTED)
    return comment


@transaction.atomic
def evidence_archive(*, access: OrganisationAccess, actor: Any, item: EvidenceItem) -> None:
    """Archive instead of delete: the item leaves the lists and the scores, its files stay."""
    _require_change_rights(access=access, actor=actor, item=item)
    if item.is_archived:
        return
    item.is_archived, item.archived_at = True, timezone.now()
    item.save(update_fields=["is_archived", "archived_at", "updated_at"])
    _event(item, actor, Action.ARCHIVED)
    readiness_changed("evidence archived")


@transaction.atomic
def evidence_confirm_for_v10(*, access: OrganisationAccess, actor: Any, item: EvidenceItem) -> bool:
    """A reviewer confirms that a proof filed under V9 covers V10's new wording.

    Until then readiness counts it as pending for the indicators V10 rewords (issue 19; décret
    2026-728). One click, journaled; False when it was already confirmed.
    """
    if not access.has(Permission.EVIDENCE_REVIEW):
        raise PermissionError
    _require_not_archived(item)
    if item.v10_confirmed_at is not None:
        return False
    item.v10_confirmed_at, item.v10_confirmed_by = timezone.now(), actor
    item.save(update_fields=["v10_confirmed_at", "v10_confirmed_by", "updated_at"])
    _event(item, actor, Action.V10_CONFIRMED)
    readiness_changed("evidence confirmed for v10")
    return True


@transaction.atomic
def evidence_restore(*, access: OrganisationAccess, actor: Any, item: EvidenceItem) -> None:
    _require_change_rights(access=access, actor=actor, item=item)
    if not item.is_archived:
        return
    item.is_archived, item.archived_at = False, None
    item.save(update_fields=["is_archived", "archived_at", "updated_at"])
    _event(item, actor, Action.RESTORED)
    readiness_changed("evidence restored")


@transaction.atomic
def evidence_expire_due(*, today: date | None = None) -> int:
    """Mark as expired, in the current schema, every item whose validity has ended."""
    today = today or timezone.localdate()
    due = list(
        EvidenceItem.objects.select_for_update()
        .filter(is_archived=False, valid_until__lt=today)
        .exclude(status=Status.EXPIRED)
    )
    for item in due:
        previous = item.status
        item.status = Status.EXPIRED
        item.save(update_fields=["status", "updated_at"])
        _event(item, None, Action.EXPIRED, previous=previous, valid_until=str(item.valid_until))
    if due:
        readiness_changed("evidence expired")
    return len(due)


@transaction.atomic
def checklist_entry_save(
    *, access: OrganisationAccess, entry: ChecklistEntry, data: dict[str, Any]
) -> ChecklistEntry:
    if not access.has(Permission.CHECKLIST_MANAGE):
        raise PermissionError("checklist.manage")
    for field, value in data.items():
        setattr(entry, field, value)
    if (entry.due_day is None) != (entry.due_month is None):
        raise ValidationError(
            {"due_day": [_("Indiquez le jour et le mois de l'échéance, ou aucun des deux.")]}
        )
    if entry.due_month is not None and entry.due_day is not None:
        try:
            date(2024, entry.due_month, entry.due_day)  # a leap year accepts 29 February
        except ValueError:
            raise ValidationError({"due_day": [_("Cette date d'échéance n'existe pas.")]}) from None
    if entry.pk is None:
        last = ChecklistEntry.objects.order_by("-position").values_list("position", flat=True)
        entry.position = (last.first() or 0) + 1
    entry.save()
    return entry


@transaction.atomic
def evidence_generated_store(
    *,
    item: EvidenceItem | None,
    actor: Any,
    title: str,
    kind: str,
    indicator_numbers: list[int],
    description: str,
    content: bytes,
    file_name: str,
    valid_from: date | None = None,
) -> tuple[EvidenceItem, EvidenceVersion]:
    """A document the portal rendered itself (a session's convocation, certificate…): a new
    item, or a new version of the same item when it is rendered again. `valid_from` dates a
    new item (a survey campaign's summary is dated by the day the campaign closed).

    It may name no indicator (a financer's certificate proves no Qualiopi indicator): the
    library still keeps it, versioned, for the funding plan; readiness does not count it.
    """
    (checked,) = uploads_check([SimpleUploadedFile(file_name, content)])
    if item is None:
        item = EvidenceItem.objects.create(
            title=title[:200],
            kind=kind,
            indicator_numbers=indicator_numbers,
            description=description,
            owner=actor,
            created_by=actor,
            valid_from=valid_from,
            tags=["généré"],
        )
        _event(item, actor, Action.CREATED, generated=True)
    else:
        item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        _require_not_archived(item)
    version = _store_version(item=item, checked=checked, actor=actor)
    fields = ["version_count", "last_uploaded_at", "updated_at"]
    if item.status in (Status.VALIDATED, Status.REJECTED, Status.EXPIRED):
        item.status = Status.DRAFT  # new content, to be reviewed again
        fields.append("status")
    item.save(update_fields=fields)
    _event(item, actor, Action.VERSION_ADDED, number=version.number, file=checked.name)
    readiness_changed("evidence generated")
    return item, version
