"""Reads of learners and attendance, and who may see them.

A session's learners are personal data: shown to those holding `learners.view` (referents, the
firm's consultant) and to the members named trainers of that session, nobody else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.selectors import OrganisationAccess
from training_offers.models import Session

from . import attendance, journey
from .models import AttendanceRecord, Enrolment, Milestone, MilestoneChase, SessionTrainer, Slot


def is_trainer(*, session: Session, user: Any) -> bool:
    return SessionTrainer.objects.filter(session=session, user=user).exists()


def can_view_learners(*, access: OrganisationAccess, user: Any, session: Session) -> bool:
    return access.has(Permission.LEARNERS_VIEW) or is_trainer(session=session, user=user)


def can_run_attendance(*, access: OrganisationAccess, user: Any, session: Session) -> bool:
    """Close slots (countersign, note absences): the session's trainers and the managers."""
    return access.has(Permission.LEARNERS_MANAGE) or is_trainer(session=session, user=user)


def sessions_run_by(*, user: Any) -> QuerySet[Session]:
    return (
        Session.objects.filter(trainer_links__user=user)
        .select_related("offer")
        .order_by("-starts_on", "pk")
    )


def enrolments_of(session: Session) -> QuerySet[Enrolment]:
    return session.enrolments.select_related("learner", "funding_line").order_by(
        "learner__last_name", "learner__first_name", "pk"
    )


# What the grid page and the chain check read of a record (learners.services._content).
RECORD_FIELDS = (
    "id",
    "slot_id",
    "enrolment_id",
    "kind",
    "status",
    "recorded_at",
    "signed_name",
    "signed_name_digest",
    "consent",
    "drawing",
    "drawing_digest",
    "minutes_late",
    "minutes_left_early",
    "recorded_by_id",
    "reason",
    "corrects_id",
    "previous_hash",
    "hash",
)


class RecordRow:
    """A record as read for the grid page: its values, without building a model instance
    (a 20-learner, 20-half-day session has ~800 records; docs/decisions/0021)."""

    __slots__ = (*RECORD_FIELDS, "slot")

    def __init__(self, values: tuple[Any, ...]) -> None:
        for name, value in zip(RECORD_FIELDS, values, strict=True):
            setattr(self, name, value)

    @property
    def pk(self) -> int:
        pk: int = getattr(self, "id")  # noqa: B009 - set from RECORD_FIELDS in __init__
        return pk


@dataclass
class Cell:
    """One learner on one slot: the record that counts now, and whether it was corrected."""

    record: Any  # AttendanceRecord, or a RecordRow for the grid page
    corrected: bool = False
    # The learner's own signature, kept when the trainer's countersignature follows it.
    signature: Any = None
    # Corrections are for closed half-days: an open one is still being signed.
    closed: bool = False

    @property
    def status(self) -> str:
        return self.record.status if self.record else ""


@dataclass
class GridRow:
    enrolment: Enrolment
    cells: list[Cell]
    attended_minutes: int = 0

    @property
    def attended_hours(self) -> Decimal:
        return Decimal(self.attended_minutes) / 60


@dataclass
class Grid:
    slots: list[Slot]
    rows: list[GridRow] = field(default_factory=list)
    # Every record of the session in order, each holding its slot: the chain check reads them
    # without loading them again (services.chain_check).
    records: list[Any] = field(default_factory=list)


def attendance_grid(session: Session, *, rows_only: bool = False) -> Grid:
    """Learners × half-days with the record that counts in each cell, in three queries.

    `rows_only`: the records as RecordRow values (the grid page: what it shows and what the
    chain check reads), instead of model instances (the sheet PDF, which draws signatures).
    """
    slots = list(session.attendance_slots.order_by("day", "half"))
    by_pk = {slot.pk: slot for slot in slots}
    enrolments = list(enrolments_of(session))
    latest: dict[tuple[int, int], Any] = {}
    corrected: set[tuple[int, int]] = set()
    signatures: dict[tuple[int, int], Any] = {}
    grid = Grid(slots=slots)
    records = AttendanceRecord.objects.filter(slot__session=session).order_by("pk")
    rows: Iterator[Any] = (
        map(RecordRow, records.values_list(*RECORD_FIELDS)) if rows_only else iter(records)
    )
    for record in rows:
        record.slot = by_pk[record.slot_id]
        grid.records.append(record)
        key = (record.slot_id, record.enrolment_id)
        latest[key] = record
        if record.kind == AttendanceRecord.Kind.CORRECTION:
            corrected.add(key)
        elif record.kind == AttendanceRecord.Kind.SIGNATURE:
            signatures[key] = record
    for enrolment in enrolments:
        cells = [
            Cell(
                latest.get((slot.pk, enrolment.pk)),
                (slot.pk, enrolment.pk) in corrected,
                signatures.get((slot.pk, enrolment.pk)),
                slot.is_closed,
            )
            for slot in slots
        ]
        present = [
            (slot.starts_at, slot.ends_at, cell.record.minutes_late, cell.record.minutes_left_early)
            for slot, cell in zip(slots, cells, strict=True)
            if cell.record is not None and cell.status == AttendanceRecord.Status.PRESENT
        ]
        grid.rows.append(GridRow(enrolment, cells, attendance.attended_minutes(present)))
    return grid


def open_slots_for(enrolment: Enrolment) -> list[Slot]:
    return list(
        enrolment.session.attendance_slots.filter(closed_at__isnull=True).order_by("day", "half")
    )


def signed_slot_ids(enrolment: Enrolment) -> set[int]:
    return set(
        enrolment.records.filter(status=AttendanceRecord.Status.PRESENT).values_list(
            "slot_id", flat=True
        )
    )


@dataclass
class TrainerSession:
    session: Session
    to_close: int
    # Steps of the learners' journeys due and not done (attendance apart: see `to_close`).
    missing_steps: int = 0


def trainer_sessions(*, user: Any, today: date, days_back: int = 30) -> list[TrainerSession]:
    """A trainer's current and coming sessions and, for each, the past half-days left open."""
    sessions = list(
        sessions_run_by(user=user).filter(ends_on__gte=today - timedelta(days=days_back))[:20]
    )
    open_before: dict[int, int] = {}
    for session_id in Slot.objects.filter(
        session__in=sessions, closed_at__isnull=True, day__lt=today
    ).values_list("session_id", flat=True):
        open_before[session_id] = open_before.get(session_id, 0) + 1
    missing = _missing_steps_by_session(sessions, today)
    return [
        TrainerSession(session, open_before.get(session.pk, 0), missing.get(session.pk, 0))
        for session in sessions
    ]


def _missing_steps_by_session(sessions: list[Session], today: date) -> dict[int, int]:
    """Per session, its learners' stored steps due and not done (two queries)."""
    by_pk = {session.pk: session for session in sessions}
    enrolments = list(Enrolment.objects.filter(session__in=sessions))
    for enrolment in enrolments:
        enrolment.session = by_pk[enrolment.session_id]
    counts: dict[int, int] = {}
    for enrolment, steps in missing_stored_steps(enrolments, today=today):
        counts[enrolment.session_id] = counts.get(enrolment.session_id, 0) + len(steps)
    return counts


def missing_stored_steps(
    enrolments: list[Enrolment], *, today: date
) -> Iterator[tuple[Enrolment, list[str]]]:
    """Each enrolment (its session loaded) with its stored steps due and not done, read in
    one query; attendance apart (it comes from the half-days)."""
    done: dict[int, set[str]] = {}
    for enrolment_id, kind in Milestone.objects.filter(enrolment__in=enrolments).values_list(
        "enrolment_id", "kind"
    ):
        done.setdefault(enrolment_id, set()).add(kind)
    for enrolment in enrolments:
        facts = enrolment_facts(enrolment, enrolment.session)
        finished = done.get(enrolment.pk, set())
        yield (
            enrolment,
            [
                step
                for step in journey.STORED_STEPS
                if journey.step_state(step, facts, today=today, done=step in finished)
                == journey.State.MISSING
            ],
        )


ACTIVE_STATUSES = (Enrolment.Status.ENROLLED, Enrolment.Status.IN_TRAINING)


@dataclass(frozen=True)
class DaySlot:
    slot: Slot
    signed: int
    expected: int
    # Its end has passed: no more signing, nothing left but countersigning and closing.
    over: bool


@dataclass
class TrainerDay:
    """What a trainer has to do with attendance: today's half-days, each with how many of its
    learners have signed, and the half-days over but not countersigned yet."""

    today: list[DaySlot]
    to_countersign: list[DaySlot]


def trainer_day(*, user: Any, now: datetime) -> TrainerDay:
    """In one query whatever the number of sessions and half-days: the slots of the sessions
    `user` runs that are today or over and still open, each annotated with `signed` (active
    learners who signed it) and `expected` (the session's active learners)."""
    now = timezone.localtime(now)
    expected = (
        Enrolment.objects.filter(session=OuterRef("session"), status__in=ACTIVE_STATUSES)
        .order_by()
        .values("session")
        .annotate(count=Count("pk"))
        .values("count")
    )
    signed = (
        AttendanceRecord.objects.filter(
            slot=OuterRef("pk"),
            kind=AttendanceRecord.Kind.SIGNATURE,
            enrolment__status__in=ACTIVE_STATUSES,
        )
        .order_by()
        .values("slot")
        .annotate(count=Count("enrolment", distinct=True))
        .values("count")
    )
    slots = list(
        Slot.objects.filter(session__trainer_links__user=user, day__lte=now.date())
        .exclude(closed_at__isnull=False, day__lt=now.date())
        .select_related("session__offer")
        .annotate(
            expected=Coalesce(Subquery(expected, output_field=IntegerField()), Value(0)),
            signed=Coalesce(Subquery(signed, output_field=IntegerField()), Value(0)),
        )
        .order_by("day", "starts_at", "session_id")
    )
    items = [
        DaySlot(
            slot,
            slot.signed,
            slot.expected,
            datetime.combine(slot.day, slot.ends_at, tzinfo=now.tzinfo) <= now,
        )
        for slot in slots
    ]
    return TrainerDay(
        today=[item for item in items if item.slot.day == now.date()],
        to_countersign=[item for item in items if item.over and not item.slot.is_closed],
    )


@dataclass(frozen=True)
class LineAttendance:
    """What the attendance says of the learners a funding line pays for."""

    learners: int
    minutes: int

    @property
    def hours(self) -> Decimal:
        # To the tenth, as the funding line keeps its hours.
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def attendance_by_funding_line(session: Session) -> dict[int, LineAttendance]:
    """Per funding line of the session, its learners and their minutes present (closed
    half-days and open ones alike: what has been signed so far)."""
    if not session.enrolments.filter(funding_line__isnull=False).exists():
        return {}  # the funding page of a session without learners tied to a line: one query
    grid = attendance_grid(session)
    by_line: dict[int, list[GridRow]] = {}
    for row in grid.rows:
        if row.enrolment.funding_line_id is not None:
            by_line.setdefault(row.enrolment.funding_line_id, []).append(row)
    return {
        line_id: LineAttendance(len(rows), sum(row.attended_minutes for row in rows))
        for line_id, rows in by_line.items()
    }


# --- Journeys ------------------------------------------------------------------------------


@dataclass
class JourneyCell:
    step: str
    state: journey.State
    milestone: Milestone | None = None
    # For attendance: half-days recorded out of those owed so far, and the planned total.
    recorded: int = 0
    owed: int = 0


@dataclass
class JourneyRow:
    enrolment: Enrolment
    cells: list[JourneyCell]

    @property
    def missing(self) -> list[str]:
        return [cell.step for cell in self.cells if cell.state == journey.State.MISSING]


@dataclass
class JourneyGrid:
    steps: tuple[str, ...]
    rows: list[JourneyRow]

    def missing_count(self) -> int:
        return sum(len(row.missing) for row in self.rows)

    def missing_by_step(self) -> dict[str, int]:
        counts = dict.fromkeys(self.steps, 0)
        for row in self.rows:
            for step in row.missing:
                counts[step] += 1
        return counts


def enrolment_facts(enrolment: Enrolment, session: Session) -> journey.EnrolmentFacts:
    return journey.EnrolmentFacts(
        status=enrolment.status,
        funded=enrolment.funding_line_id is not None,
        starts_on=session.starts_on,
        ends_on=session.ends_on,
    )


def _attendance_facts(
    enrolment: Enrolment, slots: list[Slot], recorded: set[int], now: datetime
) -> journey.AttendanceFacts:
    """Half-days owed by one learner: all of the session's, or, after an abandon, those up to
    its date; `recorded` holds the closed slots with a record for this learner."""
    if enrolment.status == Enrolment.Status.DROPPED_OUT and enrolment.dropped_out_on:
        slots = [slot for slot in slots if slot.day <= enrolment.dropped_out_on]
    zone = timezone.localtime(now).tzinfo
    ended = [slot for slot in slots if datetime.combine(slot.day, slot.ends_at, tzinfo=zone) <= now]
    planned = len(ended) if enrolment.status == Enrolment.Status.DROPPED_OUT else len(slots)
    done = sum(1 for slot in slots if slot.pk in recorded)
    return journey.AttendanceFacts(planned=planned, ended=len(ended), recorded=done)


def journey_grid(session: Session, *, now: datetime | None = None) -> JourneyGrid:
    """Learners × steps of the journey, with what is missing, in four queries whatever the
    number of learners."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    enrolments = list(enrolments_of(session))
    milestones: dict[tuple[int, str], Milestone] = {
        (m.enrolment_id, m.kind): m
        for m in Milestone.objects.filter(enrolment__session=session).select_related("evidence")
    }
    slots = list(session.attendance_slots.order_by("day", "half"))
    recorded: dict[int, set[int]] = {}
    for slot_id, enrolment_id in (
        AttendanceRecord.objects.filter(slot__session=session, slot__closed_at__isnull=False)
        .order_by()  # no default ordering: DISTINCT on the pair only, not on each record
        .values_list("slot_id", "enrolment_id")
        .distinct()
    ):
        recorded.setdefault(enrolment_id, set()).add(slot_id)
    rows = []
    for enrolment in enrolments:
        facts = enrolment_facts(enrolment, session)
        cells = []
        for step in journey.STEPS:
            if step == journey.ATTENDANCE:
                seen = _attendance_facts(enrolment, slots, recorded.get(enrolment.pk, set()), now)
                cells.append(
                    JourneyCell(
                        step,
                        journey.step_state(step, facts, today=today, done=False, attendance=seen),
                        recorded=seen.recorded,
                        owed=seen.planned,
                    )
                )
                continue
            milestone = milestones.get((enrolment.pk, step))
            state = journey.step_state(step, facts, today=today, done=milestone is not None)
            cells.append(JourneyCell(step, state, milestone))
        rows.append(JourneyRow(enrolment, cells))
    return JourneyGrid(journey.STEPS, rows)


def step_labels() -> dict[str, str]:
    """The name of each step of the journey, attendance included (it is not a stored kind)."""
    return {kind: str(label) for kind, label in Milestone.Kind.choices} | {
        journey.ATTENDANCE: _("Émargement")
    }


def last_chase(session: Session) -> MilestoneChase | None:
    return session.milestone_chases.select_related("sent_by").first()


# --- Readiness -----------------------------------------------------------------------------

# How many sessions a gap keeps by name in a readiness snapshot (the count says the rest).
GAP_SESSIONS_KEPT = 10


def journey_gaps(*, today: date, recent_days: int) -> dict[int, list[dict[str, Any]]]:
    """Per indicator, the sessions of the last `recent_days` (started, not older) whose
    learners miss that indicator's per-learner step, most recent first: two queries."""
    enrolments = list(
        Enrolment.objects.filter(
            session__starts_on__lte=today,
            session__ends_on__gte=today - timedelta(days=recent_days),
        )
        .select_related("session")
        .order_by("-session__starts_on", "session_id", "pk")
    )
    gaps: dict[int, dict[int, list[int]]] = {}
    for enrolment, steps in missing_stored_steps(enrolments, today=today):
        for number in sorted({n for step in steps for n in journey.INDICATORS[step]}):
            gaps.setdefault(number, {}).setdefault(enrolment.session_id, []).append(enrolment.pk)
    return {
        number: [
            {"session": session_id, "enrolments": ids}
            for session_id, ids in list(sessions.items())[:GAP_SESSIONS_KEPT]
        ]
        + (
            [{"more_sessions": len(sessions) - GAP_SESSIONS_KEPT}]
            if len(sessions) > GAP_SESSIONS_KEPT
            else []
        )
        for number, sessions in gaps.items()
    }


@dataclass(frozen=True)
class GapSession:
    session: Session
    learners: list[str]  # names, for those who may read them; empty otherwise
    count: int


def gap_sessions(
    gaps: dict[int, list[dict[str, Any]]], *, with_names: bool
) -> dict[int, list[GapSession]]:
    """The sessions (and learners' names) a snapshot's gaps point at: one query when the
    learners are named (their enrolments bring the sessions), else one for the sessions."""
    session_ids = {g["session"] for items in gaps.values() for g in items if "session" in g}
    enrolment_ids = {e for items in gaps.values() for g in items for e in g.get("enrolments", [])}
    names: dict[int, str] = {}
    sessions: dict[int, Session] = {}
    if with_names and enrolment_ids:
        for enrolment in Enrolment.objects.filter(pk__in=enrolment_ids).select_related(
            "learner", "session__offer"
        ):
            names[enrolment.pk] = str(enrolment.learner)
            sessions.setdefault(enrolment.session_id, enrolment.session)
    if session_ids - sessions.keys():
        sessions |= Session.objects.select_related("offer").in_bulk(session_ids - sessions.keys())
    return {
        number: [
            GapSession(
                sessions[g["session"]],
                [names[e] for e in g["enrolments"] if e in names],
                len(g["enrolments"]),
            )
            for g in items
            if g.get("session") in sessions
        ]
        for number, items in gaps.items()
    }
