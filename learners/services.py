"""Writes of learners and attendance. Attendance records are only ever added, each chained by
hash to the previous one of its session (learners.attendance); the session's row is locked
while a record is added, so that concurrent signers line up in one chain."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qualiopi_portal.core.pdf import render_pdf
from qualiopi_portal.core.queue import queue_task_after_commit
from qualiopi_portal.core.services import audit_event_record
from qualiopi_portal.core.signals import readiness_changed
from qualiopi_portal.core.tenants import current_schema_name
from qualiopi_portal.core.tokens import new_token, token_hash
from qualiopi_portal.tenancy.models import Organisation
from qualiopi_portal.tenancy.selectors import member_user_ids
from qualiopi_portal.tenancy.shortcuts import organisation_url
from training_offers.models import Session

from . import attendance, imports, journey, selectors
from .models import (
    AttendanceRecord,
    Enrolment,
    Learner,
    Milestone,
    MilestoneChase,
    SessionTrainer,
    SigningLink,
    Slot,
)
from .signals import learner_anonymising, learner_exporting

# A learner may sign from a quarter of an hour before the slot starts until it ends.
SIGN_EARLY_MINUTES = 15
SIGNING_LINK_DAYS_AFTER_SESSION = 7
LEARNER_FIELDS = ("first_name", "last_name", "email", "phone", "status", "employer")


# --- Learners and enrolments ---------------------------------------------------------------


def session_figures_sync(session: Session) -> None:
    """The session's completion figures (enrolled, completed, drop-outs and their reasons) from
    its enrolments, once it has any: the results published (indicator 2) then come from the
    learners, not from numbers typed apart. A no-show counts as not enrolled."""
    rows = list(session.enrolments.values_list("status", "dropout_reason"))
    if not rows:
        return
    statuses = [status for status, _reason in rows]
    session.enrolled = sum(1 for status in statuses if status != Enrolment.Status.NO_SHOW)
    session.completed = statuses.count(Enrolment.Status.COMPLETED)
    session.dropouts = statuses.count(Enrolment.Status.DROPPED_OUT)
    reasons = sorted({reason for status, reason in rows if status == "dropped_out" and reason})
    session.dropout_reasons = "; ".join(reasons)
    session.save(update_fields=["enrolled", "completed", "dropouts", "dropout_reasons"])


@transaction.atomic
def enrolment_create(*, session: Session, actor: Any, **fields: Any) -> Enrolment:
    """Enrol a learner on a session; the same e-mail on the same session is refused."""
    values = {name: (fields.get(name) or "").strip() for name in LEARNER_FIELDS}
    if not values["first_name"] or not values["last_name"]:
        raise ValidationError({"last_name": _("Indiquez le prénom et le nom.")})
    if (
        values["email"]
        and Enrolment.objects.filter(
            session=session, learner__email__iexact=values["email"]
        ).exists()
    ):
        raise ValidationError(
            {"email": _("Un·e apprenant·e avec cette adresse est déjà inscrit·e à la session.")}
        )
    learner = Learner.objects.create(created_by=actor, **values)
    enrolment = Enrolment.objects.create(
        learner=learner, session=session, funding_line=fields.get("funding_line")
    )
    session_figures_sync(session)
    readiness_changed("learner enrolled")
    return enrolment


@transaction.atomic
def enrolments_import(*, session: Session, data: bytes, actor: Any) -> list[Enrolment]:
    """All the lines or none (see learners.imports for the columns accepted)."""
    rows, errors = imports.parse(data)
    seen = {
        email.lower()
        for email in Enrolment.objects.filter(session=session)
        .exclude(learner__email="")
        .values_list("learner__email", flat=True)
    }
    for row in rows:
        email = row["email"].lower()
        if not email:
            continue
        if email in seen:
            errors.append(
                _("%(email)s : déjà inscrit·e à la session (ou deux fois dans le fichier).")
                % {"email": email}
            )
        seen.add(email)
    if errors:
        raise ValidationError(errors)
    learners = Learner.objects.bulk_create(Learner(created_by=actor, **row) for row in rows)
    created = Enrolment.objects.bulk_create(
        Enrolment(learner=learner, session=session) for learner in learners
    )
    session_figures_sync(session)
    readiness_changed("learners imported")
    return created


@transaction.atomic
def enrolment_set_status(
    *,
    enrolment: Enrolment,
    status: str,
    dropped_out_on: date | None = None,
    reason: str = "",
    funding_line: Any,
) -> Enrolment:
    """An abandon needs its date and its reason (indicator 12 asks why people leave); the
    funding line (None for none) is one of the session's: always given, so that changing the
    state never drops it by omission."""
    if funding_line is not None and funding_line.session_id != enrolment.session_id:
        raise ValidationError({"funding_line": _("Cette ligne ne finance pas cette session.")})
    if status == Enrolment.Status.DROPPED_OUT:
        errors = {}
        if dropped_out_on is None:
            errors["dropped_out_on"] = _("Indiquez la date de l'abandon.")
        if not reason.strip():
            errors["dropout_reason"] = _("Indiquez le motif de l'abandon.")
        if errors:
            raise ValidationError(errors)
    enrolment.status = status
    enrolment.funding_line = funding_line
    enrolment.dropped_out_on = dropped_out_on if status == Enrolment.Status.DROPPED_OUT else None
    enrolment.dropout_reason = reason.strip() if status == Enrolment.Status.DROPPED_OUT else ""
    enrolment.save(
        update_fields=["status", "funding_line", "dropped_out_on", "dropout_reason", "updated_at"]
    )
    session_figures_sync(enrolment.session)
    readiness_changed("enrolment status")
    return enrolment


@transaction.atomic
def session_trainers_set(*, organisation: Organisation, session: Session, users: list) -> None:
    """Who runs the session's attendance: members of the organisation only."""
    allowed = member_user_ids(organisation=organisation)
    if any(user.pk not in allowed for user in users):
        raise ValidationError(
            {"trainers": _("Les formateur·rices doivent être membres de l'organisation.")}
        )
    SessionTrainer.objects.filter(session=session).exclude(user__in=users).delete()
    for user in users:
        SessionTrainer.objects.get_or_create(session=session, user=user)


# --- Slots ---------------------------------------------------------------------------------


@transaction.atomic
def slots_plan(*, session: Session, schedule: attendance.Schedule) -> list[Slot]:
    """Create the session's half-days from its schedule; existing ones are kept as they are."""
    try:
        wanted = attendance.half_days(session.starts_on, session.ends_on, schedule)
    except ValueError as error:
        raise ValidationError(_("Horaires impossibles : %(reason)s.") % {"reason": error}) from None
    if not wanted:
        raise ValidationError(_("Aucune demi-journée : choisissez au moins un jour de la semaine."))
    existing = {(slot.day, slot.half) for slot in session.attendance_slots.all()}
    created = Slot.objects.bulk_create(
        Slot(
            session=session,
            day=half.day,
            half=half.half,
            starts_at=half.starts_at,
            ends_at=half.ends_at,
        )
        for half in wanted
        if (half.day, half.half) not in existing
    )
    return created


# --- Records and their chain ---------------------------------------------------------------


def _content(record: Any) -> dict[str, object]:
    """What a record's hash covers: every field that says who was present, when, and why.

    The learner is named by their enrolment, not by their name: anonymising a learner after
    the retention period must leave the chain of the proofs already produced intact.
    """
    slot = record.slot
    return {
        "slot": record.slot_id,
        "day": slot.day.isoformat(),
        "half": slot.half,
        "enrolment": record.enrolment_id,
        "kind": record.kind,
        "status": record.status,
        "recorded_at": record.recorded_at.astimezone(UTC).isoformat(),
        "signed_name": record.signed_name_digest,
        "consent": record.consent,
        "minutes_late": record.minutes_late,
        "minutes_left_early": record.minutes_left_early,
        "recorded_by": record.recorded_by_id,
        "reason": record.reason,
        "corrects": record.corrects_id,
        # Only a drawn signature adds a key: the records stored before drawings keep their hash.
        **({"drawing": record.drawing_digest} if record.drawing_digest else {}),
    }


def name_digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _append(*records: AttendanceRecord) -> list[AttendanceRecord]:
    """Chain and store records of one session, in order (inside a transaction holding the
    session's lock): the last stored hash is read once, the rows are inserted together."""
    previous = (
        AttendanceRecord.objects.filter(slot__session_id=records[0].slot.session_id)
        .order_by("-pk")
        .values_list("hash", flat=True)
        .first()
    ) or attendance.GENESIS
    for record in records:
        record.signed_name_digest = name_digest(record.signed_name) if record.signed_name else ""
        record.drawing_digest = name_digest(record.drawing) if record.drawing else ""
        record.previous_hash = previous
        record.hash = previous = attendance.record_hash(_content(record), previous)
    return AttendanceRecord.objects.bulk_create(records)


def _lock_session(session_id: int) -> None:
    Session.objects.select_for_update().filter(pk=session_id).first()


def _latest(slot: Slot) -> dict[int, AttendanceRecord]:
    latest: dict[int, AttendanceRecord] = {}
    for record in slot.records.order_by("pk"):
        latest[record.enrolment_id] = record
    return latest


def signing_link_create(*, enrolment: Enrolment, now: datetime | None = None) -> str:
    """A new personal link (the previous ones stop working); the token is shown only now."""
    now = now or timezone.now()
    token, hashed = new_token()
    last_day = enrolment.session.ends_on + timedelta(days=SIGNING_LINK_DAYS_AFTER_SESSION)
    expires = timezone.make_aware(datetime.combine(last_day, datetime.max.time()))
    with transaction.atomic():
        enrolment.links.filter(revoked_at__isnull=True).update(revoked_at=now)
        SigningLink.objects.create(enrolment=enrolment, token_hash=hashed, expires_at=expires)
    return token


def signing_window(slot: Slot, now: datetime) -> tuple[datetime, datetime]:
    """When a half-day can be signed: from a quarter of an hour before it starts to its end."""
    zone = timezone.localtime(now).tzinfo
    opens = datetime.combine(slot.day, slot.starts_at, tzinfo=zone)
    closes = datetime.combine(slot.day, slot.ends_at, tzinfo=zone)
    return opens - timedelta(minutes=SIGN_EARLY_MINUTES), closes


class SigningRefused(Exception):
    """Why a signature cannot be taken, in French for the learner."""


def link_enrolment(token: str, now: datetime | None = None) -> Enrolment:
    """The enrolment a personal link opens (current schema), or SigningRefused."""
    now = now or timezone.now()
    link = (
        SigningLink.objects.select_related("enrolment__learner", "enrolment__session__offer")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None:
        raise LookupError(token)
    if not link.is_active(now):
        raise SigningRefused(
            _("Ce lien d'émargement n'est plus valable : demandez-en un nouveau à l'organisme.")
        )
    return link.enrolment


ACTIVE_STATUSES = (Enrolment.Status.ENROLLED, Enrolment.Status.IN_TRAINING)


def sign(
    *,
    token: str,
    slot_pk: int,
    signed_name: str,
    consent: bool,
    drawing: str = "",
    now: datetime | None = None,
) -> AttendanceRecord:
    """The learner signs a slot of their session from their personal link."""
    now = now or timezone.now()
    enrolment = link_enrolment(token, now)
    if enrolment.status not in ACTIVE_STATUSES:
        raise SigningRefused(_("Votre inscription ne permet plus d'émarger."))
    return _sign_slot(
        enrolment=enrolment,
        slot_pk=slot_pk,
        signed_name=signed_name,
        consent=consent,
        drawing=drawing,
        now=now,
    )


def _sign_slot(
    *,
    enrolment: Enrolment,
    slot_pk: int,
    signed_name: str,
    consent: bool,
    drawing: str,
    now: datetime,
) -> AttendanceRecord:
    """The rules every signature follows, from a personal link or the room's QR code: consent
    and a typed name, a slot of the learner's session, open, within its window, signed once.
    The drawing (a PNG data URL) was checked by the form (learners.forms.drawing_check)."""
    if not consent:
        raise SigningRefused(_("Cochez la case de consentement pour signer."))
    if not signed_name.strip():
        raise SigningRefused(_("Saisissez votre nom pour signer."))
    with transaction.atomic():
        _lock_session(enrolment.session_id)
        slot = Slot.objects.filter(pk=slot_pk, session_id=enrolment.session_id).first()
        if slot is None:
            raise SigningRefused(_("Cette demi-journée n'appartient pas à votre session."))
        if slot.is_closed:
            raise SigningRefused(
                _("Cette demi-journée est clôturée : adressez-vous à votre formateur·rice.")
            )
        local = timezone.localtime(now)
        opens, closes = signing_window(slot, local)
        if not opens <= local <= closes:
            raise SigningRefused(
                _("On émarge pendant la demi-journée (%(start)s – %(end)s le %(day)s).")
                % {
                    "start": slot.starts_at.strftime("%H:%M"),
                    "end": slot.ends_at.strftime("%H:%M"),
                    "day": slot.day.strftime("%d/%m/%Y"),
                }
            )
        if slot.records.filter(enrolment=enrolment).exists():
            raise SigningRefused(_("Vous avez déjà émargé pour cette demi-journée."))
        (record,) = _append(
            AttendanceRecord(
                slot=slot,
                enrolment=enrolment,
                kind=AttendanceRecord.Kind.SIGNATURE,
                status=AttendanceRecord.Status.PRESENT,
                recorded_at=now,
                signed_name=signed_name.strip()[:200],
                consent=True,
                drawing=drawing,
                minutes_late=attendance.minutes_late(slot.day, slot.starts_at, local),
            )
        )
        if enrolment.status == Enrolment.Status.ENROLLED:
            enrolment.status = Enrolment.Status.IN_TRAINING
            enrolment.save(update_fields=["status", "updated_at"])
    return record


# --- The room's QR code ----------------------------------------------------------------------

# Short enough to be typed from the projector when a phone cannot read the QR code: twelve
# characters without look-alikes (0/o, 1/l/i), about 59 bits; with the e-mail asked on top.
ROOM_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ROOM_CODE_LENGTH = 12


def slot_room_code_create(*, slot: Slot, now: datetime | None = None) -> str:
    """A fresh code for the QR shown in the room, valid until the half-day's signing window
    closes; only its hash is stored, so overwriting it ends the previous code. Shown only now."""
    now = now or timezone.now()
    if slot.is_closed:
        raise ValidationError(_("Cette demi-journée est clôturée : plus de QR code à afficher."))
    _opens, closes = signing_window(slot, timezone.localtime(now))
    if closes <= now:
        raise ValidationError(_("Cette demi-journée est terminée : plus de QR code à afficher."))
    code = "".join(secrets.choice(ROOM_CODE_ALPHABET) for _n in range(ROOM_CODE_LENGTH))
    slot.room_code_hash = token_hash(code)
    slot.room_code_expires_at = closes
    Slot.objects.filter(pk=slot.pk).update(
        room_code_hash=slot.room_code_hash, room_code_expires_at=closes
    )
    return code


def room_slot(code: str, now: datetime | None = None) -> Slot:
    """The slot a room code opens (current schema): LookupError when unknown, SigningRefused
    when it has expired or the slot is closed."""
    now = now or timezone.now()
    code = code.strip().lower()
    slot = (
        Slot.objects.select_related("session__offer")
        .filter(room_code_hash=token_hash(code))
        .first()
        if code
        else None
    )
    if slot is None:
        raise LookupError(code)
    if slot.is_closed:
        raise SigningRefused(
            _("Cette demi-journée est clôturée : adressez-vous à votre formateur·rice.")
        )
    if slot.room_code_expires_at is None or now >= slot.room_code_expires_at:
        raise SigningRefused(_("Ce QR code n'est plus valable : la demi-journée est terminée."))
    return slot


def sign_in_room(
    *,
    code: str,
    email: str,
    signed_name: str,
    consent: bool,
    drawing: str = "",
    now: datetime | None = None,
) -> AttendanceRecord:
    """A learner in the room signs the slot whose QR code is shown, naming themself by the
    e-mail address they were enrolled with: the same rules as a personal link. An address that
    matches no active enrolment of this slot's session gets one neutral refusal, whether it is
    unknown, of another session or of a learner who left: nothing is told about anyone."""
    now = now or timezone.now()
    slot = room_slot(code, now)
    address = email.strip()
    enrolment = (
        Enrolment.objects.select_related("learner")
        .filter(
            session_id=slot.session_id,
            status__in=ACTIVE_STATUSES,
            learner__email__iexact=address,
        )
        .first()
        if address
        else None
    )
    if enrolment is None:
        raise SigningRefused(
            _("Cette adresse ne correspond à aucune inscription à cette demi-journée.")
        )
    return _sign_slot(
        enrolment=enrolment,
        slot_pk=slot.pk,
        signed_name=signed_name,
        consent=consent,
        drawing=drawing,
        now=now,
    )


def active_enrolments(session: Session):
    return session.enrolments.filter(status__in=ACTIVE_STATUSES).select_related("learner")


@transaction.atomic
def slot_close(
    *,
    slot: Slot,
    actor: Any,
    absences: dict[int, str],
    left_early: dict[int, int] | None = None,
    now: datetime | None = None,
) -> Slot:
    """The trainer countersigns who signed and notes the others absent, then closes the slot.

    `absences` gives, per enrolment that did not sign, whether the absence is justified
    (AttendanceRecord.Status.ABSENT_*); one without it is refused, so nobody is left unnoted.
    """
    now = now or timezone.now()
    left_early = left_early or {}
    _lock_session(slot.session_id)
    slot = Slot.objects.get(pk=slot.pk)
    if slot.is_closed:
        raise ValidationError(_("Cette demi-journée est déjà clôturée."))
    latest = _latest(slot)
    missing, records = [], []
    for enrolment in active_enrolments(slot.session):
        signed = latest.get(enrolment.pk)
        if signed is not None and signed.status == AttendanceRecord.Status.PRESENT:
            records.append(
                AttendanceRecord(
                    slot=slot,
                    enrolment=enrolment,
                    kind=AttendanceRecord.Kind.COUNTERSIGNATURE,
                    status=AttendanceRecord.Status.PRESENT,
                    recorded_at=now,
                    minutes_late=signed.minutes_late,
                    minutes_left_early=max(0, int(left_early.get(enrolment.pk, 0))),
                    recorded_by=actor,
                )
            )
            continue
        status = absences.get(enrolment.pk)
        if status not in (
            AttendanceRecord.Status.ABSENT_JUSTIFIED,
            AttendanceRecord.Status.ABSENT_UNJUSTIFIED,
        ):
            missing.append(str(enrolment.learner))
            continue
        records.append(
            AttendanceRecord(
                slot=slot,
                enrolment=enrolment,
                kind=AttendanceRecord.Kind.ABSENCE,
                status=status,
                recorded_at=now,
                recorded_by=actor,
            )
        )
    if missing:
        raise ValidationError(
            _("Indiquez si l'absence est justifiée pour : %(names)s.")
            % {"names": ", ".join(missing)}
        )
    if records:
        _append(*records)
    slot.closed_at = now
    slot.closed_by = actor
    slot.save(update_fields=["closed_at", "closed_by"])
    readiness_changed("attendance slot closed")
    return slot


@transaction.atomic
def record_correct(
    *, record: AttendanceRecord, status: str, reason: str, actor: Any, organisation: Organisation
) -> AttendanceRecord:
    """A referent's correction: a new record that names the one it corrects, with its reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif de la correction.")})
    if status not in AttendanceRecord.Status.values:
        raise ValidationError({"status": _("Choisissez la présence retenue.")})
    _lock_session(record.slot.session_id)
    (correction,) = _append(
        AttendanceRecord(
            slot=record.slot,
            enrolment=record.enrolment,
            kind=AttendanceRecord.Kind.CORRECTION,
            status=status,
            recorded_by=actor,
            reason=reason.strip(),
            corrects=record,
            minutes_late=record.minutes_late if status == AttendanceRecord.Status.PRESENT else 0,
        )
    )
    audit_event_record(
        action="attendance.corrected",
        organisation=organisation,
        actor=actor,
        record=record.pk,
        correction=correction.pk,
        status=status,
    )
    readiness_changed("attendance corrected")
    return correction


def chain_check(session: Session, records: list[Any] | None = None) -> Any:
    """The first record of the session whose chain does not hold, or None.

    `records`: all of the session's, in order, each with its slot (the attendance grid's:
    model instances or selectors.RecordRow values), when the caller already has them."""
    if records is None:
        records = list(
            AttendanceRecord.objects.filter(slot__session=session)
            .select_related("slot")
            .order_by("pk")
        )
    broken = attendance.first_broken(
        [attendance.Stored(_content(r), r.previous_hash, r.hash) for r in records]
    )
    # The typed name itself, where it is still kept, must match the digest the chain covers.
    renamed = next(
        (
            index
            for index, record in enumerate(records)
            if (record.signed_name and name_digest(record.signed_name) != record.signed_name_digest)
            or (record.drawing and name_digest(record.drawing) != record.drawing_digest)
        ),
        None,
    )
    first = min((i for i in (broken, renamed) if i is not None), default=None)
    return None if first is None else records[first]


def attendance_sheet_pdf(*, organisation: Organisation, session: Session) -> bytes:
    """The feuille d'émargement: one page per half-day, with the signatures (current schema)."""
    grid = selectors.attendance_grid(session)
    pdf, _refused = render_pdf(
        "learners/sheet_pdf.html",
        {
            "organisation": organisation,
            "session": session,
            "grid": grid,
            "pages": [
                {"slot": slot, "lines": [(row.enrolment, row.cells[index]) for row in grid.rows]}
                for index, slot in enumerate(grid.slots)
            ],
            "broken": chain_check(session, grid.records),
            "generated_at": timezone.now(),
        },
    )
    return pdf


# --- Personal data -------------------------------------------------------------------------


def learner_export(*, learner: Learner) -> dict[str, Any]:
    """Everything the portal keeps about one learner, for a request under the GDPR (art. 15)."""
    enrolments = learner.enrolments.select_related("session__offer", "funding_line")
    records = (
        AttendanceRecord.objects.filter(enrolment__learner=learner)
        .select_related("slot")
        .order_by("pk")
    )
    milestones = Milestone.objects.filter(enrolment__learner=learner).order_by("enrolment", "kind")
    data: dict[str, Any] = {
        "learner": {
            "first_name": learner.first_name,
            "last_name": learner.last_name,
            "email": learner.email,
            "phone": learner.phone,
            "status": learner.status,
            "employer": learner.employer,
            "created_at": learner.created_at.isoformat(),
            "anonymised_at": learner.anonymised_at.isoformat() if learner.anonymised_at else None,
        },
        "enrolments": [
            {
                "offer": enrolment.session.offer.title,
                "session": [
                    enrolment.session.starts_on.isoformat(),
                    enrolment.session.ends_on.isoformat(),
                ],
                "status": enrolment.status,
                "dropped_out_on": (
                    enrolment.dropped_out_on.isoformat() if enrolment.dropped_out_on else None
                ),
                "dropout_reason": enrolment.dropout_reason,
                "financer": enrolment.funding_line.financer if enrolment.funding_line else None,
            }
            for enrolment in enrolments
        ],
        "attendance": [
            {
                "day": record.slot.day.isoformat(),
                "half": record.slot.half,
                "kind": record.kind,
                "status": record.status,
                "recorded_at": record.recorded_at.isoformat(),
                "signed_name": record.signed_name,
                "drawing": record.drawing,
                "minutes_late": record.minutes_late,
                "minutes_left_early": record.minutes_left_early,
                "reason": record.reason,
            }
            for record in records
        ],
        "journey": [
            {
                "enrolment": milestone.enrolment_id,
                "step": milestone.kind,
                "done_on": milestone.done_on.isoformat(),
                "note": milestone.note,
            }
            for milestone in milestones
        ],
    }
    for _receiver, sections in learner_exporting.send(sender=Learner, learner=learner):
        data.update(cast(dict[str, Any], sections))
    return data


@transaction.atomic
def learner_anonymise(*, learner: Learner, actor: Any, organisation: Organisation) -> Learner:
    """Erase a learner's identity (GDPR art. 17) and keep the proofs: enrolments, half-days,
    presence and times stay, the chain still holds (it covers the typed name's digest)."""
    if learner.anonymised_at is not None:
        raise ValidationError(_("Cet·te apprenant·e est déjà anonymisé·e."))
    # Stored data: in the portal's language, not in the language of whoever clicks.
    with translation.override(settings.LANGUAGE_CODE):
        learner.first_name = _("Apprenant·e")
        learner.last_name = _("anonymisé·e n° %(number)s") % {"number": learner.pk}
    learner.email = learner.phone = learner.employer = ""
    learner.anonymised_at = timezone.now()
    learner.save()
    AttendanceRecord.objects.filter(enrolment__learner=learner).update(signed_name="", drawing="")
    SigningLink.objects.filter(enrolment__learner=learner, revoked_at__isnull=True).update(
        revoked_at=learner.anonymised_at
    )
    learner_anonymising.send(sender=Learner, learner=learner)
    audit_event_record(
        action="learner.anonymised", organisation=organisation, actor=actor, learner=learner.pk
    )
    return learner


# --- Journeys ------------------------------------------------------------------------------


@transaction.atomic
def milestones_record(
    *,
    enrolments: list[Enrolment],
    kind: str,
    done_on: date,
    actor: Any,
    organisation: Organisation,
    evidence: Any = None,
    note: str = "",
    today: date | None = None,
) -> list[Milestone]:
    """Date a step of the journey for several learners of one session, with its proof.

    A step noted again takes the new date and proof; the previous ones stay in the audit log."""
    today = today or timezone.localdate()
    if kind not in journey.STORED_STEPS:
        raise ValidationError({"kind": _("Choisissez une étape du parcours.")})
    if not enrolments:
        raise ValidationError({"enrolments": _("Cochez au moins un·e apprenant·e.")})
    if len({enrolment.session_id for enrolment in enrolments}) != 1:
        raise ValidationError({"enrolments": _("Les apprenant·es doivent suivre la même session.")})
    if done_on > today:
        raise ValidationError({"done_on": _("La date ne peut pas être dans le futur.")})
    if evidence is not None and evidence.is_archived:
        raise ValidationError({"evidence": _("Cette preuve est archivée.")})
    session = enrolments[0].session
    refused = [
        str(enrolment.learner)
        for enrolment in enrolments
        if not journey.applies(kind, selectors.enrolment_facts(enrolment, session))
    ]
    if refused:
        raise ValidationError(
            {
                "enrolments": _("Cette étape ne s'applique pas à : %(names)s.")
                % {"names": ", ".join(refused)}
            }
        )
    existing = {
        m.enrolment_id: m for m in Milestone.objects.filter(enrolment__in=enrolments, kind=kind)
    }
    saved = []
    for enrolment in enrolments:
        milestone = existing.get(enrolment.pk) or Milestone(enrolment=enrolment, kind=kind)
        milestone.done_on = done_on
        milestone.evidence = evidence
        milestone.note = note.strip()[:300]
        milestone.recorded_by = actor
        saved.append(milestone)
    Milestone.objects.bulk_create([m for m in saved if m.pk is None])
    Milestone.objects.bulk_update(
        [m for m in saved if m.enrolment_id in existing],
        ["done_on", "evidence", "note", "recorded_by", "recorded_at"],
    )
    audit_event_record(
        action="milestone.recorded",
        organisation=organisation,
        actor=actor,
        session=session.pk,
        kind=kind,
        done_on=done_on.isoformat(),
        enrolments=[enrolment.pk for enrolment in enrolments],
        evidence=evidence.pk if evidence is not None else None,
    )
    readiness_changed("milestones recorded")
    return saved


def milestone_chase(*, session: Session, actor: Any, now: datetime | None = None) -> MilestoneChase:
    """Remind the session's trainers of what their learners' journeys miss (by e-mail, from
    the worker); refused when nothing is missing or nobody runs the session."""
    grid = selectors.journey_grid(session, now=now)
    missing = grid.missing_count()
    if not missing:
        raise ValidationError(_("Rien ne manque aux parcours de cette session."))
    recipients = sorted(
        set(
            SessionTrainer.objects.filter(session=session)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    if not recipients:
        raise ValidationError(
            _(
                "Aucun·e formateur·rice n'est rattaché·e à la session : désignez-en un·e "
                "dans l'émargement avant de relancer."
            )
        )
    chase = MilestoneChase.objects.create(
        session=session, sent_by=actor, recipients=recipients, missing=missing
    )
    schema = current_schema_name()
    queue_task_after_commit("learners.milestone_chase_send", args=[schema, chase.pk])
    return chase


def chases_lost() -> list[int]:
    """Chases not delivered a minute after they were asked (current schema)."""
    since = timezone.now() - timedelta(minutes=1)
    return list(
        MilestoneChase.objects.filter(delivered_at__isnull=True, sent_at__lt=since).values_list(
            "pk", flat=True
        )
    )


def milestone_chase_send(*, chase_pk: int, organisation: Organisation) -> int:
    """Send a chase's messages once (current schema): one per trainer, listing per learner
    the steps that are missing now."""
    with transaction.atomic():
        chase = (
            MilestoneChase.objects.select_for_update()
            .select_related("session__offer")
            .filter(pk=chase_pk, delivered_at__isnull=True)
            .first()
        )
        if chase is None:
            return 0  # already sent (a redelivered task) or gone
        session = chase.session
        grid = selectors.journey_grid(session)
        with translation.override(settings.LANGUAGE_CODE):
            labels = selectors.step_labels()
            lines = [
                f"- {row.enrolment.learner} : "
                + ", ".join(str(labels[step]) for step in row.missing)
                for row in grid.rows
                if row.missing
            ]
            url = settings.PORTAL_URL.rstrip("/") + organisation_url(
                organisation, "org:session_journeys", session_pk=session.pk
            )
            subject = _("[%(organisation)s] Parcours à compléter : %(offer)s") % {
                "organisation": organisation.name,
                "offer": session.offer.title,
            }
            body = _(
                "Bonjour,\n\nDans la session « %(offer)s » du %(start)s au %(end)s, il manque "
                "encore :\n%(lines)s\n\nÀ compléter dans le portail : %(url)s\n"
            ) % {
                "offer": session.offer.title,
                "start": session.starts_on.strftime("%d/%m/%Y"),
                "end": session.ends_on.strftime("%d/%m/%Y"),
                "lines": "\n".join(lines) or "-",
                "url": url,
            }
        for email in chase.recipients:
            send_mail(subject, body, None, [email], fail_silently=False)
        chase.delivered_at = timezone.now()
        chase.save(update_fields=["delivered_at"])
    return len(chase.recipients)


def learners_anonymise_expired(
    *, organisation: Organisation, today: date | None = None
) -> list[int]:
    """Erase the identity of learners whose last session ended more than the organisation's
    retention period ago (current schema); their proofs stay. Returns the learners' ids."""
    today = today or timezone.localdate()
    months = organisation.learner_retention_months
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, 28)
    cutoff = date(year, month + 1, day)
    due = list(
        Learner.objects.filter(anonymised_at__isnull=True)
        .annotate(last_day=Max("enrolments__session__ends_on"))
        .filter(last_day__lt=cutoff)
        .values_list("pk", flat=True)
    )
    for learner in Learner.objects.filter(pk__in=due):
        learner_anonymise(learner=learner, actor=None, organisation=organisation)
    return due
