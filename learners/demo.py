"""Demo learners and attendance for the demo organisations (used by `seed_demo`).

Each organisation gets a session running now on its first offer: learners shaped like
its kind of provider, the trainer (the demo contributor) named, the half-days planned, the past
ones signed from personal links and closed with one absence, today's still open. Everything
goes through the services, like real use, with the signature times of the days gone by.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from qualiopi_portal.tenancy.models import ActionCategory, Organisation, Role
from training_offers import services as offer_services
from training_offers.models import Offer

from . import services
from .attendance import Schedule
from .models import AttendanceRecord, Enrolment, Learner

LEARNERS = {
    "training": [
        ("Clara", "Roussel", "employee", "Boulangerie Roussel"),
        ("Yanis", "Lefebvre", "employee", "Transports Lefebvre"),
        ("Sarah", "Moreau", "jobseeker", ""),
        ("Julien", "Fournier", "employee", "Mairie de Castres"),
        ("Chloé", "Girard", "individual", ""),
        ("Mehdi", "Bonnet", "employee", "Garage Bonnet"),
    ],
    "apprenticeship": [
        ("Lucas", "Mercier", "apprentice", "Restaurant Le Capitole"),
        ("Emma", "Faure", "apprentice", "Brasserie des Carmes"),
        ("Nathan", "André", "apprentice", "Hôtel du Midi"),
        ("Inès", "Lambert", "apprentice", "Traiteur Occitan"),
        ("Hugo", "Garnier", "apprentice", "Restaurant La Garonne"),
    ],
}


def seed_learners(*, organisation: Organisation, people: dict[str, Any]) -> bool:
    if Learner.objects.exists():
        return False
    offer = Offer.objects.filter(status=Offer.Status.PUBLISHED).order_by("pk").first()
    if offer is None:
        return False
    referent, trainer = people[Role.REFERENT], people[Role.CONTRIBUTOR]
    today = timezone.localdate()
    # From four days ago to three days ahead: always working days gone by and to come.
    session = offer_services.session_save(
        offer=offer,
        session=None,
        starts_on=today - timedelta(days=4),
        ends_on=today + timedelta(days=3),
        place="Salle Garonne",
        trainers=trainer.get_full_name(),
        enrolled=0,
    )
    kind = (
        "apprenticeship" if ActionCategory.APPRENTICESHIP in organisation.categories else "training"
    )
    enrolments = []
    for first, last, status, employer in LEARNERS[kind]:
        enrolments.append(
            services.enrolment_create(
                session=session,
                actor=referent,
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{last.lower()}@exemple.test".replace("é", "e"),
                status=status,
                employer=employer,
            )
        )
    session.enrolled = len(enrolments)
    session.save(update_fields=["enrolled"])
    services.session_trainers_set(organisation=organisation, session=session, users=[trainer])
    services.slots_plan(session=session, schedule=Schedule())
    tokens = {e.pk: services.signing_link_create(enrolment=e) for e in enrolments}
    absent = enrolments[-1]
    zone = timezone.get_current_timezone()
    for slot in session.attendance_slots.filter(day__lt=today).order_by("day", "half"):
        start = datetime.combine(slot.day, slot.starts_at, tzinfo=zone)
        for index, enrolment in enumerate(enrolments):
            if enrolment == absent:
                continue
            late = 12 if index == 1 and slot.half == "am" else index
            services.sign(
                token=tokens[enrolment.pk],
                slot_pk=slot.pk,
                signed_name=str(enrolment.learner),
                consent=True,
                now=start + timedelta(minutes=late - 5 if late < 5 else late),
            )
        services.slot_close(
            slot=slot,
            actor=trainer,
            absences={absent.pk: AttendanceRecord.Status.ABSENT_JUSTIFIED},
            now=datetime.combine(slot.day, slot.ends_at, tzinfo=zone),
        )
    Enrolment.objects.filter(pk=absent.pk).update(status=Enrolment.Status.IN_TRAINING)
    # Before the start: positioning and convention for all, one convocation still to send.
    for step in ("positioning", "agreement"):
        services.milestones_record(
            enrolments=enrolments,
            kind=step,
            done_on=session.starts_on - timedelta(days=10),
            actor=referent,
            organisation=organisation,
            today=today,
        )
    services.milestones_record(
        enrolments=enrolments[:-1],
        kind="convocation",
        done_on=session.starts_on - timedelta(days=7),
        actor=referent,
        organisation=organisation,
        today=today,
    )
    _seed_past_session(organisation, offer, kind, referent, trainer, today)
    return True


def _seed_past_session(organisation, offer, kind, referent, trainer, today) -> None:
    """A two-day session three weeks ago: every half-day closed, one abandon, one learner's
    evaluation not recorded (a gap readiness names)."""
    starts_on = today - timedelta(days=21)
    while starts_on.weekday() > 3:  # two working days in a row
        starts_on -= timedelta(days=1)
    session = offer_services.session_save(
        offer=offer,
        session=None,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=1),
        place="Salle Garonne",
        trainers=trainer.get_full_name(),
        enrolled=0,
    )
    people = LEARNERS[kind][:4]
    enrolments = [
        services.enrolment_create(
            session=session,
            actor=referent,
            first_name=first,
            last_name=f"{last}-Dupuy",
            email=f"{first.lower()}.{last.lower()}.dupuy@exemple.test".replace("é", "e"),
            status=status,
            employer=employer,
        )
        for first, last, status, employer in people
    ]
    session.enrolled = len(enrolments)
    session.save(update_fields=["enrolled"])
    services.session_trainers_set(organisation=organisation, session=session, users=[trainer])
    services.slots_plan(session=session, schedule=Schedule())
    tokens = {e.pk: services.signing_link_create(enrolment=e) for e in enrolments}
    leaver = enrolments[-1]
    zone = timezone.get_current_timezone()
    for slot in session.attendance_slots.order_by("day", "half"):
        start = datetime.combine(slot.day, slot.starts_at, tzinfo=zone)
        gone = slot.day > starts_on  # the leaver came the first day only
        for index, enrolment in enumerate(enrolments):
            if enrolment == leaver and gone:
                continue
            services.sign(
                token=tokens[enrolment.pk],
                slot_pk=slot.pk,
                signed_name=str(enrolment.learner),
                consent=True,
                now=start + timedelta(minutes=index),
            )
        if gone:
            Enrolment.objects.filter(pk=leaver.pk).update(
                status=Enrolment.Status.DROPPED_OUT,
                dropped_out_on=starts_on,
                dropout_reason="Reprise d'un emploi à temps plein",
            )
        services.slot_close(
            slot=slot,
            actor=trainer,
            absences={},
            now=datetime.combine(slot.day, slot.ends_at, tzinfo=zone),
        )
    Enrolment.objects.filter(pk__in=[e.pk for e in enrolments[:-1]]).update(
        status=Enrolment.Status.COMPLETED
    )
    services.session_figures_sync(session)
    enrolments = list(Enrolment.objects.filter(session=session).select_related("learner"))
    for step, days in (("positioning", -14), ("agreement", -12), ("convocation", -7)):
        services.milestones_record(
            enrolments=enrolments,
            kind=step,
            done_on=starts_on + timedelta(days=days),
            actor=referent,
            organisation=organisation,
            today=today,
        )
    finished = [e for e in enrolments if e.status == Enrolment.Status.COMPLETED]
    services.milestones_record(
        enrolments=finished[:-1],
        kind="evaluation",
        done_on=starts_on + timedelta(days=1),
        actor=trainer,
        organisation=organisation,
        note="QCM de fin de formation",
        today=today,
    )
