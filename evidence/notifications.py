"""E-mails about evidence to the trainers and subcontractors who owe it.

A refusal tells its author at once, with the reason; a referent's "Relancer" lists in one
message what a trainer still owes, at most once a day, and the sending is journaled.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.core.services import audit_event_record
from qualiopi_portal.tenancy.models import Organisation
from qualiopi_portal.tenancy.shortcuts import organisation_url

from .models import EvidenceItem
from .selectors import ChecklistLine

logger = logging.getLogger(__name__)

REMINDER_ACTION = "checklist.reminder_sent"
# One reminder a day at most: the trainer is reminded, not harassed.
REMINDER_INTERVAL = timedelta(hours=24)


def _portal(path: str) -> str:
    return settings.PORTAL_URL.rstrip("/") + path


def rejection_notify(*, item: EvidenceItem, organisation: Organisation, actor: Any) -> None:
    """After the refusal commits, tell the person the piece concerns (or who filed it)."""
    recipients = {
        person.email
        for person in (item.concerns, item.created_by)
        if person is not None and person.pk != actor.pk and person.email
    }
    if not recipients:
        return
    context = {
        "item": item,
        "organisation": organisation,
        "reviewer": actor,
        "url": _portal(organisation_url(organisation, "org:evidence_detail", pk=item.pk)),
    }
    subject = _("[%(organisation)s] Pièce refusée : %(title)s") % {
        "organisation": organisation.name,
        "title": item.title,
    }
    body = render_to_string("evidence/emails/rejected.txt", context)

    def send() -> None:
        try:
            send_mail(subject, body, None, sorted(recipients), fail_silently=False)
        except (SMTPException, OSError):
            # The refusal stands and shows on the trainer's page; only the e-mail is lost.
            logger.warning("refusal e-mail for evidence %s not sent", item.pk, exc_info=True)

    transaction.on_commit(send)


def last_reminders(*, organisation: Organisation) -> dict[int, Any]:
    """When each trainer was last reminded (person id → time), in one query."""
    found: dict[int, Any] = {}
    for details, at in AuditEvent.objects.filter(
        organisation=organisation, action=REMINDER_ACTION
    ).values_list("details", "occurred_at"):
        person = details.get("person_id")
        if person is not None and (person not in found or at > found[person]):
            found[person] = at
    return found


def last_reminder(*, organisation: Organisation, person: Any) -> AuditEvent | None:
    return (
        AuditEvent.objects.filter(
            organisation=organisation, action=REMINDER_ACTION, details__person_id=person.pk
        )
        .order_by("-occurred_at")
        .first()
    )


def checklist_reminder_send(
    *, organisation: Organisation, person: Any, lines: list[ChecklistLine], actor: Any
) -> list[str]:
    """E-mail one trainer the required pieces they still owe; returns their titles."""
    owed = [line for line in lines if line.is_owed]
    if not owed:
        raise ValidationError(
            _("%(person)s n'a aucune pièce obligatoire en attente : rien à relancer.")
            % {"person": person.display_name}
        )
    previous = last_reminder(organisation=organisation, person=person)
    if previous is not None and timezone.now() - previous.occurred_at < REMINDER_INTERVAL:
        raise ValidationError(
            _("%(person)s a déjà été relancé·e le %(day)s : une relance par jour au plus.")
            % {
                "person": person.display_name,
                "day": date_format(
                    timezone.localtime(previous.occurred_at), "SHORT_DATETIME_FORMAT"
                ),
            }
        )
    context = {
        "person": person,
        "organisation": organisation,
        "sender": actor,
        "lines": owed,
        "url": _portal(organisation_url(organisation, "org:my_space")),
    }
    try:
        send_mail(
            _("[%(organisation)s] Pièces attendues de vous") % {"organisation": organisation.name},
            render_to_string("evidence/emails/checklist_reminder.txt", context),
            None,
            [person.email],
            fail_silently=False,
        )
    except (SMTPException, OSError) as error:
        raise ValidationError(
            _("L'e-mail n'a pas pu partir (serveur d'envoi indisponible) : réessayez plus tard.")
        ) from error
    titles = [line.entry.title for line in owed]
    audit_event_record(
        action=REMINDER_ACTION,
        actor=actor,
        organisation=organisation,
        person_id=person.pk,
        pieces=titles,
    )
    return titles
