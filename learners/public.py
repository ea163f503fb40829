"""The learner's signing pages, from their personal link or from the QR code shown in the
room: no account, a phone, French.

Both links name the organisation (its slug, public like its catalogue) and carry a token of
which only the hash is stored in that organisation's schema: a token never opens a slot of
another organisation, and an unknown one is a plain 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation
from qualiopi_portal.tenancy.shortcuts import organisation_by_slug_or_404, private_link_response

from . import selectors, services
from .forms import RoomSignForm, SignForm


def _closed(request: HttpRequest, organisation: Organisation, reason: str) -> HttpResponse:
    return private_link_response(
        render(
            request,
            "learners/sign_closed.html",
            {"organisation": organisation, "reason": reason},
            status=410,
        )
    )


@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    organisation = organisation_by_slug_or_404(slug)
    with schema_context(organisation.schema_name):
        try:
            enrolment = services.link_enrolment(token)
        except LookupError:
            raise Http404 from None
        except services.SigningRefused as refused:
            return _closed(request, organisation, str(refused))
        form = SignForm(request.POST or None)
        refusal = ""
        if request.method == "POST" and form.is_valid():
            try:
                slot_pk = int(request.POST.get("slot", ""))
            except ValueError:
                slot_pk = 0
            try:
                services.sign(
                    token=token,
                    slot_pk=slot_pk,
                    signed_name=form.cleaned_data["signed_name"],
                    consent=form.cleaned_data["consent"],
                    drawing=form.cleaned_data["drawing"],
                )
            except services.SigningRefused as refused:
                refusal = str(refused)
            else:
                messages.success(request, _("Votre présence est enregistrée. Merci !"))
                return redirect(request.path)
        now = timezone.localtime()
        slots = selectors.open_slots_for(enrolment)
        signed = selectors.signed_slot_ids(enrolment)
        windows = {slot.pk: services.signing_window(slot, now) for slot in slots}
        # What can be signed now (one half-day at a time), then what comes next.
        current = [
            slot
            for slot in slots
            if slot.pk not in signed and windows[slot.pk][0] <= now <= windows[slot.pk][1]
        ]
        upcoming = [slot for slot in slots if windows[slot.pk][0] > now][:6]
        response = render(
            request,
            "learners/sign.html",
            {
                "organisation": organisation,
                "enrolment": enrolment,
                "session": enrolment.session,
                "current": current,
                "upcoming": upcoming,
                "signed": signed,
                "form": form,
                "refusal": refusal,
                "now": now,
            },
            status=400 if refusal or form.errors else 200,
        )
    return private_link_response(response)


@require_http_methods(["GET", "POST"])
def sign_room(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The page the room's QR code opens: the learner gives the e-mail address they were
    enrolled with, types their name and signs. Nobody's name is listed."""
    organisation = organisation_by_slug_or_404(slug)
    with schema_context(organisation.schema_name):
        try:
            slot = services.room_slot(token)
        except LookupError:
            raise Http404 from None
        except services.SigningRefused as refused:
            return _closed(request, organisation, str(refused))
        form = RoomSignForm(request.POST or None)
        refusal = ""
        if request.method == "POST" and form.is_valid():
            try:
                services.sign_in_room(
                    code=token,
                    email=form.cleaned_data["email"],
                    signed_name=form.cleaned_data["signed_name"],
                    consent=form.cleaned_data["consent"],
                    drawing=form.cleaned_data["drawing"],
                )
            except services.SigningRefused as refused:
                refusal = str(refused)
            else:
                messages.success(request, _("Votre présence est enregistrée. Merci !"))
                return redirect(request.path)
        opens, _closes = services.signing_window(slot, timezone.localtime())
        response = render(
            request,
            "learners/sign_room.html",
            {
                "organisation": organisation,
                "slot": slot,
                "session": slot.session,
                "opens": opens,
                "form": form,
                "refusal": refusal,
                "not_yet": timezone.now() < opens,
            },
            status=400 if refusal or form.errors else 200,
        )
    return private_link_response(response)
