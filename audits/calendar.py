"""A person's private calendar (ICS): audits, lifting deadlines, surveillance windows, expiry and
the actions they own, across every organisation they may enter, behind a revocable token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import icalendar
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from improvement.models import Action
from qualiopi_portal.accounts.models import CalendarToken
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.core.tokens import new_token, token_hash
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.selectors import organisation_accesses_for_user

from . import selectors
from .models import Audit


@dataclass(frozen=True)
class Event:
    uid: str
    start: date
    end: date  # exclusive, as ICS all-day events want
    summary: str
    description: str = ""


def render_ics(events: list[Event], *, now: datetime) -> str:
    """RFC 5545 text written by icalendar (escaping, line folding, CRLF)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Portail Qualiopi//Agenda//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Portail Qualiopi"))
    stamp = now.astimezone(UTC)
    for event in sorted(events, key=lambda e: (e.start, e.uid)):
        entry = icalendar.Event()
        entry.add("uid", event.uid)
        entry.add("dtstamp", stamp)
        entry.add("dtstart", event.start)
        entry.add("dtend", event.end)
        entry.add("summary", event.summary)
        if event.description:
            entry.add("description", event.description)
        calendar.add_component(entry)
    return calendar.to_ical().decode()


def _day(day: date, uid: str, summary: str, description: str = "") -> Event:
    return Event(uid, day, day + timedelta(days=1), summary, description)


def events_for(user) -> list[Event]:
    """Everything dated that concerns the person, organisation by organisation.

    The feed shows what the person's pages show: audits, findings and the certificate's dates
    to those who may open the audits pages, their own actions to those who may open the plan.
    """
    events: list[Event] = []
    for access in organisation_accesses_for_user(user=user):
        organisation = access.organisation
        prefix = f"{organisation.name} — "
        with schema_context(organisation.schema_name):
            if access.has(Permission.AUDITS_VIEW):
                events += _audit_events(organisation, prefix)
            if access.has(Permission.ACTIONS_VIEW):
                events += [
                    _day(
                        action.due_date,
                        f"action-{action.pk}@{organisation.slug}",
                        prefix + _("Échéance : %(title)s") % {"title": action.title},
                    )
                    for action in Action.objects.filter(owner=user, status__in=Action.OPEN_STATUSES)
                ]
    return events


def _audit_events(organisation, prefix: str) -> list[Event]:
    events: list[Event] = []
    for audit in Audit.objects.filter(starts_on__gte=timezone.localdate() - timedelta(365)):
        events.append(
            Event(
                f"audit-{audit.pk}@{organisation.slug}",
                audit.starts_on,
                audit.ends_on + timedelta(days=1),
                prefix + audit.get_kind_display(),
                audit.auditors,
            )
        )
    for finding in selectors.open_findings().filter(deadline__isnull=False):
        events.append(
            _day(
                finding.deadline,
                f"finding-{finding.pk}@{organisation.slug}",
                prefix
                + _("Lever la %(kind)s de l'indicateur %(number)s")
                % {"kind": finding.get_kind_display(), "number": finding.indicator_number},
                finding.description,
            )
        )
    certificate = selectors.certificate_current()
    if certificate is not None:
        cycle = certificate.cycle
        events.append(
            Event(
                f"surveillance-{certificate.pk}@{organisation.slug}",
                cycle.surveillance_from,
                cycle.surveillance_until + timedelta(days=1),
                prefix + _("Fenêtre de l'audit de surveillance"),
            )
        )
        events.append(
            _day(
                cycle.expires_on,
                f"expiry-{certificate.pk}@{organisation.slug}",
                prefix + _("Expiration du certificat Qualiopi"),
            )
        )
    return events


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the token is the credential; a revoked or unknown one answers 404."""
    record = (
        CalendarToken.objects.select_related("user")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .first()
    )
    if record is None or not record.user.is_active:
        raise Http404
    CalendarToken.objects.filter(pk=record.pk).update(last_used_at=timezone.now())
    body = render_ics(events_for(record.user), now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="qualiopi.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@transaction.atomic
def token_renew(user) -> str:
    """A new secret; the previous one stops working at once."""
    CalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token, hashed = new_token()
    CalendarToken.objects.create(user=user, token_hash=hashed)
    return token


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    new_url = None
    action = request.POST.get("action")
    if action == "renew":
        token = token_renew(request.user)
        new_url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
    elif action == "revoke":
        CalendarToken.objects.filter(user=request.user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    active = CalendarToken.objects.filter(user=request.user, revoked_at__isnull=True).first()
    return render(
        request,
        "audits/calendar_settings.html",
        {"active": active, "new_url": new_url, "revoked": action == "revoke"},
    )
