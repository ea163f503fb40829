"""Learners of a session and its half-day attendance: thin views over services.

Every page answers 404 to whoever may not see the session's learners (personal data): they
are shown to `learners.view` holders and to the session's own trainers only.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from qualiopi_portal.core.services import audit_event_record
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.forms import CsvFileForm
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.shortcuts import apply_errors, csv_import_response, org_reverse
from training_offers.models import Session

from . import imports, journey, qr, selectors, services
from .forms import (
    CorrectionForm,
    EnrolmentStatusForm,
    LearnerForm,
    MilestoneForm,
    SchedulePlanForm,
    TrainersForm,
)
from .models import AttendanceRecord, Enrolment, Slot
from .presentation import attendance_rows


def session_with_learners_or_404(request: HttpRequest, session_pk: int) -> Session:
    """The session, for those who may see its learners (personal data); 404 for anyone else.
    Every page of a session's learners, journeys, documents and surveys goes through here."""
    session = get_object_or_404(Session.objects.select_related("offer"), pk=session_pk)
    if not selectors.can_view_learners(
        access=request.organisation_access, user=request.user, session=session
    ):
        raise Http404
    return session


def _manager(request: HttpRequest) -> None:
    if not request.organisation_access.has(Permission.LEARNERS_MANAGE):
        raise Http404


@organisation_permission_required(Permission.ORGANISATION_VIEW)
@require_http_methods(["GET", "POST"])
def session_learners(request: HttpRequest, session_pk: int) -> HttpResponse:
    """The session's learners and their state; a referent enrols one more below."""
    session = session_with_learners_or_404(request, session_pk)
    can_manage = request.organisation_access.has(Permission.LEARNERS_MANAGE)
    form = LearnerForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        _manager(request)
        if form.is_valid():
            try:
                services.enrolment_create(session=session, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("L'apprenant·e est inscrit·e à la session."))
                return redirect(org_reverse(request, "org:session_learners", session_pk=session.pk))
    return render(
        request,
        "learners/session_learners.html",
        {
            "session": session,
            "enrolments": list(selectors.enrolments_of(session)),
            "form": form,
            "can_manage": can_manage,
        },
        status=400 if form is not None and form.errors else 200,
    )


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_http_methods(["GET", "POST"])
def learners_import(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = session_with_learners_or_404(request, session_pk)
    form = CsvFileForm(request.POST or None, request.FILES or None)
    return csv_import_response(
        request,
        form,
        lambda data: services.enrolments_import(session=session, data=data, actor=request.user),
        done=lambda created: (
            ngettext(
                "%(count)s apprenant·e importé·e.",
                "%(count)s apprenant·es importé·es.",
                len(created),
            )
            % {"count": len(created)}
        ),
        success_url=org_reverse(request, "org:session_learners", session_pk=session.pk),
        template="learners/import.html",
        context={
            "session": session,
            "columns": imports.COLUMNS,
            "aliases": sorted(imports.ALIASES),
        },
    )


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_http_methods(["GET", "POST"])
def enrolment_edit(request: HttpRequest, session_pk: int, pk: int) -> HttpResponse:
    session = session_with_learners_or_404(request, session_pk)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("learner"), pk=pk, session=session
    )
    form = EnrolmentStatusForm(
        request.POST or None,
        session=session,
        initial={
            "funding_line": enrolment.funding_line_id,
            "status": enrolment.status,
            "dropped_out_on": enrolment.dropped_out_on,
            "dropout_reason": enrolment.dropout_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.enrolment_set_status(
                enrolment=enrolment,
                status=data["status"],
                dropped_out_on=data["dropped_out_on"],
                reason=data["dropout_reason"],
                funding_line=data["funding_line"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("L'inscription a été mise à jour."))
            return redirect(org_reverse(request, "org:session_learners", session_pk=session.pk))
    return render(
        request,
        "learners/enrolment_form.html",
        {"session": session, "enrolment": enrolment, "form": form},
        status=400 if form.errors else 200,
    )


@organisation_permission_required(Permission.LEARNERS_MANAGE)
def learner_export(request: HttpRequest, session_pk: int, pk: int) -> HttpResponse:
    """Everything kept about the learner, as JSON: the answer to an access request."""
    session = session_with_learners_or_404(request, session_pk)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("learner"), pk=pk, session=session
    )
    data = services.learner_export(learner=enrolment.learner)
    audit_event_record(
        action="learner.exported",
        organisation=request.organisation,
        actor=request.user,
        learner=enrolment.learner_id,
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="apprenant-{enrolment.learner_id}-{request.organisation.slug}.json"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_http_methods(["GET", "POST"])
def learner_anonymise(request: HttpRequest, session_pk: int, pk: int) -> HttpResponse:
    """Erase the learner's identity after confirmation; the attendance proofs stay."""
    session = session_with_learners_or_404(request, session_pk)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("learner"), pk=pk, session=session
    )
    error = ""
    if request.method == "POST":
        try:
            services.learner_anonymise(
                learner=enrolment.learner, actor=request.user, organisation=request.organisation
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(
                request,
                _("L'apprenant·e est anonymisé·e ; ses présences restent dans les feuilles."),
            )
            return redirect(org_reverse(request, "org:session_learners", session_pk=session.pk))
    return render(
        request,
        "learners/anonymise.html",
        {"session": session, "enrolment": enrolment, "error": error},
        status=400 if error else 200,
    )


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_http_methods(["GET", "POST"])
def enrolment_link(request: HttpRequest, session_pk: int, pk: int) -> HttpResponse:
    """A new personal signing link, shown once; asked for first, since it ends the previous one."""
    session = session_with_learners_or_404(request, session_pk)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("learner"), pk=pk, session=session
    )
    url = None
    if request.method == "POST":
        token = services.signing_link_create(enrolment=enrolment)
        url = request.build_absolute_uri(
            reverse("sign", kwargs={"slug": request.organisation.slug, "token": token})
        )
    return render(
        request,
        "learners/link.html",
        {
            "session": session,
            "enrolment": enrolment,
            "url": url,
            "has_link": enrolment.links.filter(revoked_at__isnull=True).exists(),
        },
    )


@organisation_permission_required(Permission.ORGANISATION_VIEW)
@require_http_methods(["GET", "POST"])
def session_attendance(request: HttpRequest, session_pk: int) -> HttpResponse:
    """Learners × half-days; the managers plan the half-days and name the trainers here."""
    session = session_with_learners_or_404(request, session_pk)
    access = request.organisation_access
    can_manage = access.has(Permission.LEARNERS_MANAGE)
    action = request.POST.get("action") if request.method == "POST" else None
    plan_form = SchedulePlanForm(request.POST if action == "plan" else None)
    trainers_form = TrainersForm(
        request.POST if action == "trainers" else None,
        organisation=request.organisation,
        initial={"trainers": [link.user_id for link in session.trainer_links.all()]},
    )
    if request.method == "POST":
        _manager(request)
        if action == "plan" and plan_form.is_valid():
            try:
                created = services.slots_plan(session=session, schedule=plan_form.schedule())
            except ValidationError as error:
                apply_errors(plan_form, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s demi-journée ajoutée.",
                        "%(count)s demi-journées ajoutées.",
                        len(created),
                    )
                    % {"count": len(created)},
                )
                return redirect(
                    org_reverse(request, "org:session_attendance", session_pk=session.pk)
                )
        elif action == "trainers" and trainers_form.is_valid():
            try:
                services.session_trainers_set(
                    organisation=request.organisation,
                    session=session,
                    users=list(trainers_form.cleaned_data["trainers"]),
                )
            except ValidationError as error:
                apply_errors(trainers_form, error)
            else:
                messages.success(
                    request, _("Les formateur·rices de la session sont enregistré·es.")
                )
                return redirect(
                    org_reverse(request, "org:session_attendance", session_pk=session.pk)
                )
    grid = selectors.attendance_grid(session, rows_only=True)
    broken = services.chain_check(session, grid.records)
    if broken is not None:  # the message names the half-day and the learner
        broken = AttendanceRecord.objects.select_related("slot", "enrolment__learner").get(
            pk=broken.pk
        )
    now = timezone.localtime()
    # Today's open half-days not over yet: their QR code can be shown in the room.
    room_code_slots = {
        slot.pk
        for slot in grid.slots
        if slot.day == now.date()
        and not slot.is_closed
        and now < services.signing_window(slot, now)[1]
    }
    return render(
        request,
        "learners/attendance.html",
        {
            "session": session,
            "grid": grid,
            "grid_rows": zip(
                grid.rows,
                attendance_rows(
                    grid,
                    organisation_slug=request.organisation.slug,
                    session_pk=session.pk,
                    can_correct=access.has(Permission.ATTENDANCE_CORRECT),
                ),
                strict=True,
            ),
            "broken": broken,
            "can_manage": can_manage,
            "can_run": selectors.can_run_attendance(
                access=access, user=request.user, session=session
            ),
            "can_correct": access.has(Permission.ATTENDANCE_CORRECT),
            "room_code_slots": room_code_slots,
            "plan_form": plan_form,
            "trainers_form": trainers_form,
            "today": timezone.localdate(),
        },
        status=400 if plan_form.errors or trainers_form.errors else 200,
    )


@organisation_permission_required(Permission.ORGANISATION_VIEW)
@require_http_methods(["GET", "POST"])
def slot_close(request: HttpRequest, session_pk: int, slot_pk: int) -> HttpResponse:
    """The trainer countersigns, notes each absence (justified or not) and closes the slot."""
    session = session_with_learners_or_404(request, session_pk)
    if not selectors.can_run_attendance(
        access=request.organisation_access, user=request.user, session=session
    ):
        raise Http404
    slot = get_object_or_404(Slot, pk=slot_pk, session=session)
    enrolments = list(services.active_enrolments(session))
    signed = {
        record.enrolment_id
        for record in slot.records.filter(status=AttendanceRecord.Status.PRESENT)
    }
    errors: list[str] = []
    if request.method == "POST":
        absences = {
            enrolment.pk: request.POST.get(f"absence-{enrolment.pk}", "")
            for enrolment in enrolments
            if enrolment.pk not in signed
        }
        left_early = {}
        for enrolment in enrolments:
            raw = request.POST.get(f"early-{enrolment.pk}", "").strip()
            if raw:
                try:
                    left_early[enrolment.pk] = max(0, int(raw))
                except ValueError:
                    errors.append(
                        _("%(name)s : le départ anticipé se compte en minutes.")
                        % {"name": enrolment.learner}
                    )
        if not errors:
            try:
                services.slot_close(
                    slot=slot, actor=request.user, absences=absences, left_early=left_early
                )
            except ValidationError as error:
                errors = error.messages
            else:
                messages.success(request, _("La demi-journée est clôturée et contresignée."))
                return redirect(
                    org_reverse(request, "org:session_attendance", session_pk=session.pk)
                )
    return render(
        request,
        "learners/slot_close.html",
        {
            "session": session,
            "slot": slot,
            "rows": [
                {
                    "enrolment": enrolment,
                    "signed": enrolment.pk in signed,
                }
                for enrolment in enrolments
            ],
            "errors": errors,
            "posted": request.POST,
            "justified": AttendanceRecord.Status.ABSENT_JUSTIFIED,
            "unjustified": AttendanceRecord.Status.ABSENT_UNJUSTIFIED,
        },
        status=400 if errors else 200,
    )


@organisation_permission_required(Permission.ORGANISATION_VIEW)
@require_http_methods(["GET", "POST"])
def slot_room_code(request: HttpRequest, session_pk: int, slot_pk: int) -> HttpResponse:
    """The half-day's QR code for the room's screen. Only the code's hash is kept, so it is
    shown once, when asked for; asking again shows a new one and ends the previous one."""
    session = session_with_learners_or_404(request, session_pk)
    if not selectors.can_run_attendance(
        access=request.organisation_access, user=request.user, session=session
    ):
        raise Http404
    slot = get_object_or_404(Slot, pk=slot_pk, session=session)
    url = svg = None
    error = ""
    if request.method == "POST":
        try:
            code = services.slot_room_code_create(slot=slot)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            url = request.build_absolute_uri(
                reverse("sign_room", kwargs={"slug": request.organisation.slug, "token": code})
            )
            svg = qr.qr_svg(
                url,
                label=_("QR code d'émargement de la demi-journée : %(url)s") % {"url": url},
            )
    return render(
        request,
        "learners/room_code.html",
        {
            "session": session,
            "slot": slot,
            "url": url,
            "svg": svg,
            "error": error,
            "has_code": bool(slot.room_code_hash)
            and slot.room_code_expires_at is not None
            and timezone.now() < slot.room_code_expires_at,
        },
        status=400 if error else 200,
    )


@organisation_permission_required(Permission.ATTENDANCE_CORRECT)
@require_http_methods(["GET", "POST"])
def record_correct(request: HttpRequest, session_pk: int, pk: int) -> HttpResponse:
    session = session_with_learners_or_404(request, session_pk)
    record = get_object_or_404(
        AttendanceRecord.objects.select_related("slot", "enrolment__learner"),
        pk=pk,
        slot__session=session,
    )
    form = CorrectionForm(request.POST or None, initial={"status": record.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_correct(
                record=record,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                organisation=request.organisation,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("La correction est enregistrée, avec son motif."))
            return redirect(org_reverse(request, "org:session_attendance", session_pk=session.pk))
    return render(
        request,
        "learners/correct.html",
        {"session": session, "record": record, "form": form},
        status=400 if form.errors else 200,
    )


@organisation_permission_required(Permission.ORGANISATION_VIEW)
def attendance_sheet(request: HttpRequest, session_pk: int) -> HttpResponse:
    """The feuille d'émargement as a PDF: one page per half-day, with the signatures."""
    session = session_with_learners_or_404(request, session_pk)
    pdf = services.attendance_sheet_pdf(organisation=request.organisation, session=session)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="emargement-{request.organisation.slug}-session-{session.pk}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@organisation_permission_required(Permission.ORGANISATION_VIEW)
@require_http_methods(["GET", "POST"])
def session_journeys(request: HttpRequest, session_pk: int) -> HttpResponse:
    """Learners × steps of the journey: what is done (with its proof), what is missing; a
    manager dates a step for the learners ticked."""
    session = session_with_learners_or_404(request, session_pk)
    can_manage = request.organisation_access.has(Permission.LEARNERS_MANAGE)
    form = (
        MilestoneForm(request.POST or None, initial={"done_on": timezone.localdate()})
        if can_manage
        else None
    )
    if request.method == "POST":
        _manager(request)
        wanted = set(request.POST.getlist("enrolments"))
        enrolments = [e for e in selectors.enrolments_of(session) if str(e.pk) in wanted]
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.milestones_record(
                    enrolments=enrolments,
                    kind=data["kind"],
                    done_on=data["done_on"],
                    evidence=data["evidence"],
                    note=data["note"],
                    actor=request.user,
                    organisation=request.organisation,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "L'étape est notée pour %(count)s apprenant·e.",
                        "L'étape est notée pour %(count)s apprenant·es.",
                        len(enrolments),
                    )
                    % {"count": len(enrolments)},
                )
                return redirect(org_reverse(request, "org:session_journeys", session_pk=session.pk))
    grid = selectors.journey_grid(session)
    return render(
        request,
        "learners/journeys.html",
        {
            "session": session,
            "grid": grid,
            "labels": selectors.step_labels(),
            "sources": {step: _(source) for step, source in journey.SOURCES.items()},
            "indicators": journey.INDICATORS,
            "missing_by_step": grid.missing_by_step(),
            "form": form,
            "can_manage": can_manage,
            "ticked": set(request.POST.getlist("enrolments")),
            "last_chase": selectors.last_chase(session),
        },
        status=400 if form is not None and form.errors else 200,
    )


@organisation_permission_required(Permission.LEARNERS_MANAGE)
@require_http_methods(["POST"])
def journeys_chase(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = session_with_learners_or_404(request, session_pk)
    try:
        chase = services.milestone_chase(session=session, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext(
                "Relance envoyée à %(count)s formateur·rice.",
                "Relance envoyée à %(count)s formateur·rices.",
                len(chase.recipients),
            )
            % {"count": len(chase.recipients)},
        )
    return redirect(org_reverse(request, "org:session_journeys", session_pk=session.pk))
