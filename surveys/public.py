"""The respondent's page, from their personal link: no account, a phone, French.

Like the signing link (learners.public): the organisation by its public slug, the token's hash
looked up in that organisation's schema only; an unknown link is a plain 404, a used or expired
one says so (410)."""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.core.tokens import token_hash
from qualiopi_portal.tenancy.models import Organisation
from qualiopi_portal.tenancy.shortcuts import organisation_by_slug_or_404, private_link_response

from . import services
from .forms import RoomAnswerForm

# Addresses that match nobody, per room code and device, before the page waits: a whole room
# shares one connection and some mistype, so the limit is loose; it stops trying addresses
# one after the other to learn who attends.
ROOM_TRIES = 20
ROOM_TRIES_WINDOW = 15 * 60


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    organisation = organisation_by_slug_or_404(slug)
    with schema_context(organisation.schema_name):
        try:
            invitation = services.invitation_for(token)
        except LookupError:
            raise Http404 from None
        except services.SurveyRefused as refused:
            return _closed(request, organisation, str(refused))
        questionnaire = invitation.questionnaire
        questions = list(questionnaire.questions.all())
        errors: dict[str, str] = {}
        given = {q.code: request.POST.getlist(q.code) for q in questions}
        if request.method == "POST":
            try:
                services.answer_submit(token=token, raw=given)
            except services.Refused as refused:
                errors = refused.errors
            except services.SurveyRefused as refused:
                return _closed(request, organisation, str(refused))
            else:
                return private_link_response(
                    render(request, "surveys/answer_thanks.html", {"organisation": organisation})
                )
        response = render(
            request,
            "surveys/answer.html",
            {
                "organisation": organisation,
                "invitation": invitation,
                "questionnaire": questionnaire,
                "questions": [
                    {
                        "question": q,
                        "error": errors.get(q.code, ""),
                        "given": given.get(q.code, []),
                        "scale": _scale(q.type),
                    }
                    for q in questions
                ],
                "errors": errors,
            },
            status=400 if errors else 200,
        )
    return private_link_response(response)


def _closed(request: HttpRequest, organisation: Organisation, reason: str) -> HttpResponse:
    """A used or expired link: why, in French (410)."""
    return private_link_response(
        render(
            request,
            "surveys/answer_closed.html",
            {"organisation": organisation, "reason": reason},
            status=410,
        )
    )


def _scale(kind: str) -> list[str]:
    low, high = services.answers.RANGES.get(kind, (0, -1))
    return [str(number) for number in range(low, high + 1)]


@require_http_methods(["GET", "POST"])
def stop(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """No more reminders for this questionnaire: asked on a page, confirmed by a button (a
    mail client that opens links by itself must not stop anything)."""
    organisation = organisation_by_slug_or_404(slug)
    with schema_context(organisation.schema_name):
        try:
            invitation = (
                services.invitation_stop(token=token)
                if request.method == "POST"
                else services.invitation_by_token(token)
            )
        except LookupError:
            raise Http404 from None
        response = render(
            request,
            "surveys/stop.html",
            {
                "organisation": organisation,
                "invitation": invitation,
                "stopped": invitation.opted_out_at is not None,
            },
        )
    return private_link_response(response)


def _tries_key(request: HttpRequest, code: str) -> str:
    where = request.META.get("REMOTE_ADDR", "")
    return f"surveys:room:{token_hash(code.strip().lower())[:24]}:{where}"


def _tries(key: str) -> int:
    return int(cache.get(key, 0) or 0)


def _tried(key: str) -> None:
    if cache.add(key, 1, ROOM_TRIES_WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired meanwhile, or the cache is away
        cache.add(key, 1, ROOM_TRIES_WINDOW)


@require_http_methods(["GET", "POST"])
def room(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The page the room's QR code opens: the learner gives the address they were enrolled
    with and goes on to their own answering page. Nobody's name is listed; an unknown address
    gets the same answer whoever it belongs to."""
    organisation = organisation_by_slug_or_404(slug)
    with schema_context(organisation.schema_name):
        try:
            room_code = services.room_code_open(token)
        except LookupError:
            raise Http404 from None
        except services.SurveyRefused as refused:
            return _closed(request, organisation, str(refused))
        form = RoomAnswerForm(request.POST or None)
        refusal = ""
        status = 200
        if request.method == "POST" and form.is_valid():
            key = _tries_key(request, token)
            if _tries(key) >= ROOM_TRIES:
                refusal = _(
                    "Trop d'adresses essayées depuis cet appareil : patientez quelques minutes, "
                    "ou adressez-vous à votre formateur·rice."
                )
                status = 429
            else:
                try:
                    answer_token = services.room_answer_token(
                        code=token, email=form.cleaned_data["email"]
                    )
                except services.UnknownAddress as refused:
                    _tried(key)
                    refusal = str(refused)
                except services.SurveyRefused as refused:
                    refusal = str(refused)
                else:
                    return private_link_response(
                        redirect(
                            reverse(
                                "survey_answer",
                                kwargs={"slug": organisation.slug, "token": answer_token},
                            )
                        )
                    )
        if status == 200 and (refusal or form.errors):
            status = 400
        response = render(
            request,
            "surveys/room.html",
            {
                "organisation": organisation,
                "questionnaire": room_code.questionnaire,
                "session": room_code.session,
                "form": form,
                "refusal": refusal,
            },
            status=status,
        )
    return private_link_response(response)
