"""The respondent's page, from their personal link: no account, a phone, French.

Like the signing link (learners.public): the organisation by its public slug, the token's hash
looked up in that organisation's schema only; an unknown link is a plain 404, a used or expired
one says so (410)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from django_tenants.utils import schema_context

from qualiopi_portal.tenancy.models import Organisation
from qualiopi_portal.tenancy.shortcuts import organisation_by_slug_or_404, private_link_response

from . import services


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
