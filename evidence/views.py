"""Evidence library pages: thin views over the services and selectors."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from indicators.referential import selectors as referential
from indicators.referential.views import referential_missing
from qualiopi_portal.core.exports import table_response
from qualiopi_portal.tenancy.decorators import organisation_permission_required
from qualiopi_portal.tenancy.models import Role
from qualiopi_portal.tenancy.permissions import Permission
from qualiopi_portal.tenancy.shortcuts import apply_errors, org_reverse

from . import notifications, selectors, services
from .forms import (
    ChecklistEntryForm,
    CommentForm,
    EvidenceFilterForm,
    EvidenceForm,
    ReviewForm,
    VersionUploadForm,
    indicator_choices,
    member_queryset,
)
from .models import ChecklistEntry, EvidenceItem
from .presentation import register_rows
from .storage import evidence_storage

PAGE_SIZE = 50


def _is_contributor(request: HttpRequest) -> bool:
    return request.organisation_access.role == Role.CONTRIBUTOR


# --- List, filters, export -------------------------------------------------------------------


def _filters(
    request: HttpRequest, ref: referential.ReferentialContext
) -> tuple[EvidenceFilterForm, object]:
    owners = member_queryset(request.organisation, {Role.REFERENT, Role.CONTRIBUTOR})
    form = EvidenceFilterForm(
        request.GET or None,
        indicator_numbers=[i.number for i in ref.indicators],
        owners=owners,
    )
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.EvidenceFilters(
        query=(data.get("q") or "").strip(),
        indicator=data.get("indicateur"),
        status=data.get("statut") or "",
        kind=data.get("nature") or "",
        owner=data.get("responsable"),
        expiring_within=data.get("expire_sous"),
        archived=bool(data.get("archives")),
    )
    return form, filters


@organisation_permission_required(Permission.ORGANISATION_VIEW)
def evidence_list(request: HttpRequest) -> HttpResponse:
    """The register: searchable, filterable, paginated; a contributor sees only their items."""
    ref = referential.referential_context(request.organisation)
    if ref is None:
        return referential_missing(request)
    form, filters = _filters(request, ref)
    items = selectors.evidence_filter(
        selectors.evidence_visible_to(access=request.organisation_access, user=request.user),
        filters,
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    soon = today + timedelta(days=settings.EVIDENCE_EXPIRING_SOON_DAYS)
    context = {
        "filter_form": form,
        "page": page,
        "rows": register_rows(
            page.object_list, organisation_slug=request.organisation.slug, today=today, soon=soon
        ),
        "filters": filters,
        "query_string": query.urlencode(),
    }
    template = "evidence/list.html"
    if request.htmx and request.htmx.target == "evidence-results":
        template = "evidence/partials/results.html"
    return render(request, template, context)


EXPORT_COLUMNS = (
    ("pk", _("N°")),
    ("title", _("Titre")),
    ("kind", _("Nature")),
    ("indicators", _("Indicateurs")),
    ("status", _("Statut")),
    ("owner", _("Responsable")),
    ("concerns", _("Personne concernée")),
    ("valid_from", _("Valable à partir du")),
    ("valid_until", _("Valable jusqu'au")),
    ("versions", _("Versions")),
    ("url", _("Adresse web")),
    ("tags", _("Étiquettes")),
    ("archived", _("Archivée")),
    ("updated_at", _("Modifiée le")),
)


def _export_row(item: EvidenceItem) -> list:
    def person(user) -> str:
        return (user.get_full_name() or user.email) if user else ""

    return [
        item.pk,
        item.title,
        item.get_kind_display(),
        ", ".join(str(n) for n in sorted(item.indicator_numbers)),
        item.get_status_display(),
        person(item.owner),
        person(item.concerns),
        item.valid_from,
        item.valid_until,
        item.version_count,
        item.url,
        ", ".join(item.tags),
        _("oui") if item.is_archived else _("non"),
        timezone.localtime(item.updated_at).replace(tzinfo=None),
    ]


@organisation_permission_required(Permission.EVIDENCE_EXPORT)
def evidence_export(request: HttpRequest, export_format: str) -> HttpResponse:
    """The evidence register as CSV (semicolons, UTF-8 with BOM, as French Excel expects) or
    XLSX, with the list's current filters."""
    ref = referential.referential_context(request.organisation)
    if ref is None:
        return referential_missing(request)
    _form, filters = _filters(request, ref)
    items = selectors.evidence_filter(
        selectors.evidence_visible_to(access=request.organisation_access, user=request.user),
        filters,
    ).order_by("pk")
    header = [str(label) for _key, label in EXPORT_COLUMNS]
    stamp = timezone.localdate().isoformat()
    filename = f"registre-preuves-{request.organisation.slug}-{stamp}"
    return table_response(
        export_format=export_format,
        filename=filename,
        sheet_title=_("Registre des preuves"),
        header=header,
        rows=(_export_row(item) for item in items.iterator(chunk_size=500)),
    )


# --- Coverage ---------------------------------------------------------------------------------


@organisation_permission_required(Permission.EVIDENCE_VIEW_ALL)
def evidence_coverage(request: HttpRequest) -> HttpResponse:
    """Criterion → indicator grid of validated / pending / expiring items; gaps stand out."""
    ref = referential.referential_context(request.organisation)
    if ref is None:
        return referential_missing(request)
    counts = selectors.coverage_counts()
    criteria: dict[int, dict] = {}
    for indicator in ref.indicators:
        if indicator.number not in ref.applicable:
            continue
        group = criteria.setdefault(
            indicator.criterion.number, {"criterion": indicator.criterion, "rows": []}
        )
        group["rows"].append(
            {
                "indicator": indicator,
                "counts": counts.get(indicator.number, selectors.CoverageCounts()),
            }
        )
    rows = [row for group in criteria.values() for row in group["rows"]]
    return render(
        request,
        "evidence/coverage.html",
        {
            "version": ref.version,
            "criteria": list(criteria.values()),
            "gap_count": sum(1 for row in rows if row["counts"].is_gap),
            "covered_count": sum(1 for row in rows if not row["counts"].is_gap),
            "soon_days": settings.EVIDENCE_EXPIRING_SOON_DAYS,
        },
    )


# --- Create, detail, edit ---------------------------------------------------------------------


def _evidence_form(
    request: HttpRequest, ref: referential.ReferentialContext, **kwargs
) -> EvidenceForm:
    return EvidenceForm(
        request.POST or None,
        request.FILES or None,
        organisation=request.organisation,
        indicator_choices=indicator_choices(ref.indicators, ref.applicable),
        is_contributor=_is_contributor(request),
        **kwargs,
    )


@organisation_permission_required(Permission.EVIDENCE_ADD)
@require_http_methods(["GET", "POST"])
def evidence_create(request: HttpRequest) -> HttpResponse:
    ref = referential.referential_context(request.organisation)
    if ref is None:
        return referential_missing(request)
    initial = {}
    for key, field in (("indicateur", "indicator_numbers"), ("piece", "checklist_entry")):
        value = request.GET.get(key, "")
        if value.isdigit():
            initial[field] = [int(value)] if field == "indicator_numbers" else int(value)
    entry = ChecklistEntry.objects.filter(pk=initial.get("checklist_entry")).first()
    if entry:
        initial.setdefault("indicator_numbers", entry.indicator_numbers)
        initial.update(kind=entry.kind, title=entry.title)
    form = _evidence_form(request, ref, initial=initial)
    if request.method == "POST":
        oversize = getattr(request, "oversize_uploads", [])
        if form.is_valid() and not oversize:
            data = dict(form.cleaned_data)
            files = data.pop("files", [])
            try:
                items = services.evidence_create(
                    access=request.organisation_access,
                    actor=request.user,
                    data=data,
                    uploads=files,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                if len(items) == 1:
                    text = _("La preuve « %(title)s » a été ajoutée.") % {"title": items[0].title}
                else:
                    text = ngettext(
                        "%(count)s preuve a été ajoutée.",
                        "%(count)s preuves ont été ajoutées.",
                        len(items),
                    ) % {"count": len(items)}
                messages.success(request, text)
                if len(items) == 1:
                    return redirect(org_reverse(request, "org:evidence_detail", pk=items[0].pk))
                return redirect(org_reverse(request, "org:evidence_list"))
        else:
            # The form refused something: judge the files and dates too, all in one answer.
            problems = services.evidence_problems(
                data=form.cleaned_data,
                uploads=form.cleaned_data.get("files") or [],
                refused=set(form.errors),
                files_dropped=bool(oversize),
            )
            for field, errors in problems.items():
                form.add_error(field if field in form.fields else None, errors)
        if oversize:
            apply_errors(form, services.oversize_errors(oversize))
    return render(
        request,
        "evidence/form.html",
        {
            "form": form,
            "creating": True,
            # Browsers never keep a chosen file when a page comes back: say so plainly.
            "files_to_choose_again": request.method == "POST"
            and bool(request.FILES or getattr(request, "oversize_uploads", []))
            and bool(form.errors),
        },
    )


def _detail_context(request: HttpRequest, item: EvidenceItem, **forms) -> dict:
    access = request.organisation_access
    can_change = access.has(Permission.EVIDENCE_MANAGE) or (
        access.has(Permission.EVIDENCE_ADD)
        and request.user.pk in (item.concerns_id, item.created_by_id)
    )
    return {
        "item": item,
        "versions": list(item.versions.select_related("uploaded_by")),
        "comments": list(item.comments.select_related("author")),
        "events": list(item.events.select_related("actor")[:100]),
        "transitions": services.transitions_allowed(access=access, actor=request.user, item=item),
        "can_change": can_change,
        "can_comment": access.has(Permission.EVIDENCE_COMMENT),
        "upload_form": forms.get("upload_form")
        or VersionUploadForm(initial={"expected_number": item.version_count + 1}),
        "review_form": forms.get("review_form") or ReviewForm(),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "today": timezone.localdate(),
        "from_queue": "revue" in (request.GET.get("depuis"), request.POST.get("depuis")),
    }


def _detail_with_errors(request: HttpRequest, item: EvidenceItem, **forms) -> HttpResponse:
    """The item page again, with the refused form's errors, as a 400."""
    return render(
        request, "evidence/detail.html", _detail_context(request, item, **forms), status=400
    )


def _item(request: HttpRequest, pk: int) -> EvidenceItem:
    return selectors.evidence_get_for_user(
        access=request.organisation_access, user=request.user, pk=pk
    )


@organisation_permission_required(Permission.ORGANISATION_VIEW)
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return render(request, "evidence/detail.html", _detail_context(request, item))


@organisation_permission_required(Permission.EVIDENCE_ADD)
@require_http_methods(["GET", "POST"])
def evidence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    ref = referential.referential_context(request.organisation)
    if ref is None:
        return referential_missing(request)
    if not (
        request.organisation_access.has(Permission.EVIDENCE_MANAGE)
        or request.user.pk in (item.concerns_id, item.created_by_id)
    ):
        raise Http404
    form = _evidence_form(request, ref, instance=item, with_files=False)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if "owner" in data:
            data["owner"] = data["owner"] or request.user
        if not data.get("title"):
            form.add_error("title", _("Donnez un titre à la preuve."))
        else:
            try:
                services.evidence_update(
                    access=request.organisation_access, actor=request.user, item=item, data=data
                )
            except ValidationError as error:
                item.refresh_from_db()
                apply_errors(form, error)
            else:
                messages.success(request, _("La preuve a été enregistrée."))
                return redirect(org_reverse(request, "org:evidence_detail", pk=item.pk))
    return render(request, "evidence/form.html", {"form": form, "item": item, "creating": False})


# --- Versions, review, comments, archive ------------------------------------------------------


@organisation_permission_required(Permission.EVIDENCE_ADD)
@require_POST
def evidence_version_upload(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = VersionUploadForm(request.POST, request.FILES)
    oversize = getattr(request, "oversize_uploads", [])
    if oversize:
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", services.oversize_errors(oversize).error_dict["files"])
    elif form.is_valid():
        try:
            version = services.evidence_version_add(
                access=request.organisation_access,
                actor=request.user,
                item=item,
                upload=form.cleaned_data["file"],
                expected_number=form.cleaned_data["expected_number"],
            )
        except PermissionError:
            raise Http404 from None
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_error("file", error.error_dict.get("files", []))
            else:
                form.add_error("file", error.messages)
        else:
            messages.success(
                request, _("La version %(number)s a été déposée.") % {"number": version.number}
            )
            return redirect(org_reverse(request, "org:evidence_detail", pk=item.pk))
    item.refresh_from_db()
    return _detail_with_errors(request, item, upload_form=form)


@organisation_permission_required(Permission.ORGANISATION_VIEW)
def evidence_version_download(request: HttpRequest, pk: int, number: int) -> FileResponse:
    """Files leave only through here: access checked, as an attachment, never sniffed."""
    item = _item(request, pk)
    version = selectors.version_get(item=item, number=number)
    handle = evidence_storage.open(version.file.name, "rb")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@organisation_permission_required(Permission.ORGANISATION_VIEW)
@require_POST
def evidence_review(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Action de revue inconnue."))
    transition = form.cleaned_data["transition"]
    try:
        services.evidence_transition(
            access=request.organisation_access,
            actor=request.user,
            item=item,
            transition=transition,
            reason=form.cleaned_data["reason"],
        )
    except PermissionError:
        raise Http404 from None
    except ValidationError as error:
        apply_errors(form, error)
        item.refresh_from_db()
        return _detail_with_errors(request, item, review_form=form)
    labels = {
        "submit": _("La preuve a été soumise pour validation."),
        "validate": _("La preuve a été validée."),
        "reject": _("La preuve a été refusée ; son auteur verra le motif."),
    }
    messages.success(request, labels[transition])
    if request.POST.get("depuis") == "revue" and transition != "submit":
        # Reviewing from the consultant's queue across clients: back to the queue.
        return redirect("portfolio_review")
    return redirect(org_reverse(request, "org:evidence_detail", pk=item.pk))


@organisation_permission_required(Permission.EVIDENCE_COMMENT)
@require_POST
def evidence_comment(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.evidence_comment_add(
            access=request.organisation_access,
            actor=request.user,
            item=item,
            body=form.cleaned_data["body"],
        )
        messages.success(request, _("Votre commentaire a été ajouté."))
        return redirect(org_reverse(request, "org:evidence_detail", pk=item.pk) + "#commentaires")
    return _detail_with_errors(request, item, comment_form=form)


@organisation_permission_required(Permission.EVIDENCE_ADD)
@require_http_methods(["GET", "POST"])
def evidence_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first, then archive: the item leaves the lists and scores, its files stay."""
    item = _item(request, pk)
    if request.method == "POST":
        try:
            services.evidence_archive(
                access=request.organisation_access, actor=request.user, item=item
            )
        except PermissionError:
            raise Http404 from None
        messages.success(
            request,
            _("« %(title)s » est archivée. Vous pouvez la restaurer depuis les archives.")
            % {"title": item.title},
        )
        return redirect(org_reverse(request, "org:evidence_list"))
    if not (
        request.organisation_access.has(Permission.EVIDENCE_MANAGE)
        or request.user.pk in (item.concerns_id, item.created_by_id)
    ):
        raise Http404
    return render(request, "evidence/archive_confirm.html", {"item": item})


@organisation_permission_required(Permission.EVIDENCE_REVIEW)
@require_POST
def evidence_confirm_v10(request: HttpRequest, pk: int) -> HttpResponse:
    """One click on the V9 ↔ V10 page: this V9 proof covers V10's new wording; back to it."""
    item = _item(request, pk)
    try:
        confirmed = services.evidence_confirm_for_v10(
            access=request.organisation_access, actor=request.user, item=item
        )
    except PermissionError:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(org_reverse(request, "org:evidence_detail", pk=item.pk))
    if confirmed:
        messages.success(
            request,
            _(
                "« %(title)s » est confirmée pour la V10 : elle compte de nouveau dans la "
                "préparation."
            )
            % {"title": item.title},
        )
    return redirect(org_reverse(request, "org:referential_compare"))


@organisation_permission_required(Permission.EVIDENCE_ADD)
@require_POST
def evidence_restore(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    try:
        services.evidence_restore(access=request.organisation_access, actor=request.user, item=item)
    except PermissionError:
        raise Http404 from None
    messages.success(request, _("« %(title)s » est restaurée.") % {"title": item.title})
    return redirect(org_reverse(request, "org:evidence_detail", pk=item.pk))


# --- The checklist ------------------------------------------------------------------------------


@organisation_permission_required(Permission.EVIDENCE_VIEW_ALL)
def checklist(request: HttpRequest) -> HttpResponse:
    """The expected pieces and, for each trainer, where they stand and when they were
    last reminded."""
    entries = list(ChecklistEntry.objects.all())
    contributors = list(member_queryset(request.organisation, {Role.CONTRIBUTOR}))
    lines = selectors.checklist_for_users(users=contributors)
    reminded = notifications.last_reminders(organisation=request.organisation)
    follow_up = [
        {
            "person": person,
            "lines": lines[person.pk],
            "owed": sum(1 for line in lines[person.pk] if line.is_owed),
            "last_reminder": reminded.get(person.pk),
        }
        for person in contributors
    ]
    return render(
        request,
        "evidence/checklist.html",
        {
            "entries": entries,
            "active_entries": [e for e in entries if e.is_active],
            "follow_up": follow_up,
            "can_manage": request.organisation_access.has(Permission.CHECKLIST_MANAGE),
        },
    )


@organisation_permission_required(Permission.CHECKLIST_MANAGE)
@require_POST
def checklist_remind(request: HttpRequest, user_pk: int) -> HttpResponse:
    """ "Relancer": one e-mail to a trainer listing what they still owe (once a day at most)."""
    person = get_object_or_404(
        member_queryset(request.organisation, {Role.CONTRIBUTOR}), pk=user_pk
    )
    try:
        titles = notifications.checklist_reminder_send(
            organisation=request.organisation,
            person=person,
            lines=selectors.checklist_for_user(user=person),
            actor=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(person)s a été relancé·e pour %(count)s pièce.",
                "%(person)s a été relancé·e pour %(count)s pièces.",
                len(titles),
            )
            % {"person": person.display_name, "count": len(titles)},
        )
    return redirect(org_reverse(request, "org:checklist"))


@organisation_permission_required(Permission.CHECKLIST_MANAGE)
@require_http_methods(["GET", "POST"])
def checklist_entry_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    entry = ChecklistEntry() if pk is None else ChecklistEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise Http404
    ref = referential.referential_context(request.organisation)
    if ref is None:
        return referential_missing(request)
    form = ChecklistEntryForm(
        request.POST or None,
        instance=entry,
        indicator_choices=indicator_choices(ref.indicators, ref.applicable),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.checklist_entry_save(
                access=request.organisation_access, entry=entry, data=form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("La liste des pièces attendues a été mise à jour."))
            return redirect(org_reverse(request, "org:checklist"))
    return render(request, "evidence/checklist_form.html", {"form": form, "entry": entry})
