"""Reminders before deadlines and windows: one parametrised daily job, in the app and by email.

For each delay in settings.REMINDER_DAYS (e.g. 30, 7 and 1 day before): the lifting deadline of
an open non-conformity (to its actions' owners and the referents), the due date of an open
action (to its owner and the referents), the opening and the closing of the surveillance window,
the date by which the renewal audit must have reported (expiry minus 3 + 1 months, so that a
major NC can still be lifted) and the certificate's expiry (to the referents and the
directors). A reminder already sent is never sent again (a unique row per person, object, due
date and delay), so the job may run twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from improvement.models import Action
from qualiopi_portal.tenancy.models import Organisation, Role
from qualiopi_portal.tenancy.selectors import member_user_ids
from qualiopi_portal.tenancy.shortcuts import organisation_url

from . import selectors
from .models import Reminder


@dataclass(frozen=True)
class Due:
    kind: str
    object_id: int
    due_on: date
    text: str
    path: str
    user_ids: frozenset[int]


def dues(organisation: Organisation, *, today: date) -> list[tuple[Due, int]]:
    """What falls due exactly one of the configured delays from today (current schema)."""
    days = sorted(set(settings.REMINDER_DAYS))
    referents = member_user_ids(organisation=organisation, roles=[Role.REFERENT])
    managers = member_user_ids(organisation=organisation, roles=[Role.REFERENT, Role.DIRECTOR])
    found: list[tuple[Due, int]] = []

    def check(due: Due) -> None:
        delay = (due.due_on - today).days
        if delay in days and due.user_ids:
            found.append((due, delay))

    owners_of: dict[int, set[int]] = {}
    for finding_id, owner_id in Action.objects.filter(
        status__in=Action.OPEN_STATUSES, finding__isnull=False
    ).values_list("finding_id", "owner_id"):
        owners_of.setdefault(finding_id, set()).add(owner_id)
    for finding in selectors.open_findings().filter(deadline__isnull=False):
        owners = owners_of.get(finding.pk, set())
        check(
            Due(
                Reminder.Kind.FINDING_DEADLINE,
                finding.pk,
                finding.deadline,
                _("%(kind)s de l'indicateur %(number)s à lever avant le %(day)s")
                % {
                    "kind": finding.get_kind_display(),
                    "number": finding.indicator_number,
                    "day": date_format(finding.deadline, "SHORT_DATE_FORMAT"),
                },
                organisation_url(organisation, "org:audit_detail", pk=finding.audit_id),
                frozenset(owners | referents),
            )
        )
    for action in Action.objects.filter(status__in=Action.OPEN_STATUSES, due_date__gte=today):
        check(
            Due(
                Reminder.Kind.ACTION_DUE,
                action.pk,
                action.due_date,
                _("Action « %(title)s » à réaliser avant le %(day)s")
                % {
                    "title": action.title[:150],
                    "day": date_format(action.due_date, "SHORT_DATE_FORMAT"),
                },
                organisation_url(organisation, "org:action_edit", pk=action.pk),
                frozenset({action.owner_id} | referents),
            )
        )
    certificate = selectors.certificate_current()
    if certificate is not None:
        cycle = certificate.cycle
        if not selectors.surveillance_done(certificate):
            check(
                Due(
                    Reminder.Kind.SURVEILLANCE_WINDOW,
                    certificate.pk,
                    cycle.surveillance_from,
                    _("La fenêtre de l'audit de surveillance s'ouvre le %(day)s")
                    % {"day": date_format(cycle.surveillance_from, "SHORT_DATE_FORMAT")},
                    organisation_url(organisation, "org:audit_list"),
                    frozenset(managers),
                )
            )
            # Before the window closes too: the opening alone leaves a referent who did not act
            # to learn of it once it is too late.
            check(
                Due(
                    Reminder.Kind.SURVEILLANCE_CLOSING,
                    certificate.pk,
                    cycle.surveillance_until,
                    _(
                        "La fenêtre de l'audit de surveillance se ferme le %(day)s : l'audit doit "
                        "avoir lieu avant"
                    )
                    % {"day": date_format(cycle.surveillance_until, "SHORT_DATE_FORMAT")},
                    organisation_url(organisation, "org:audit_list"),
                    frozenset(managers),
                )
            )
        check(
            Due(
                Reminder.Kind.RENEWAL_AUDIT,
                certificate.pk,
                cycle.renewal_audit_by,
                _(
                    "L'audit de renouvellement doit avoir eu lieu le %(day)s au plus tard, pour "
                    "lever une éventuelle NC majeure avant l'expiration du certificat"
                )
                % {"day": date_format(cycle.renewal_audit_by, "SHORT_DATE_FORMAT")},
                organisation_url(organisation, "org:audit_list"),
                frozenset(managers),
            )
        )
        check(
            Due(
                Reminder.Kind.CERTIFICATE_EXPIRY,
                certificate.pk,
                cycle.expires_on,
                _("Le certificat Qualiopi expire le %(day)s")
                % {"day": date_format(cycle.expires_on, "SHORT_DATE_FORMAT")},
                organisation_url(organisation, "org:audit_list"),
                frozenset(managers),
            )
        )
    return found


def reminders_send(organisation: Organisation, *, today: date, base_url: str) -> int:
    """Record and email today's reminders (current schema must be the organisation's)."""
    from django.contrib.auth import get_user_model

    sent = 0
    found = dues(organisation, today=today)
    wanted = {user_id for due, _delay in found for user_id in due.user_ids}
    emails = dict(get_user_model().objects.filter(pk__in=wanted).values_list("pk", "email"))
    for due, delay in found:
        for user_id in sorted(due.user_ids):
            try:
                # The row and its email together: a mail server that fails leaves no row,
                # so tomorrow's run (or the retry) sends it.
                with transaction.atomic():
                    Reminder.objects.create(
                        user_id=user_id,
                        kind=due.kind,
                        object_id=due.object_id,
                        due_on=due.due_on,
                        days_before=delay,
                        text=due.text[:300],
                        url=due.path,
                    )
                    send_mail(
                        subject=_("[%(organisation)s] Rappel : %(text)s")
                        % {"organisation": organisation.name, "text": due.text},
                        message=_("%(text)s.\n\nÀ suivre dans le portail : %(url)s\n")
                        % {"text": due.text, "url": base_url.rstrip("/") + due.path},
                        from_email=None,
                        recipient_list=[emails[user_id]],
                        fail_silently=False,
                    )
            except IntegrityError:
                continue  # already reminded
            sent += 1
    return sent


def reminders_for(user, *, limit: int = 10):
    return Reminder.objects.filter(user=user)[:limit]
