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
    return True
