"""Evidence services: creation, versions, review workflow, expiry, archive, coverage, checklist."""

from __future__ import annotations

import hashlib
import logging
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from evidence import samples, selectors, services
from evidence.models import ChecklistEntry, EvidenceEvent, EvidenceItem, EvidenceVersion, Kind
from evidence.selectors import ChecklistState
from evidence.tasks import evidence_expire_all_task
from qualiopi_portal.core.tenants import schema_context

from .conftest import access_for, pdf_upload, stored_files

pytestmark = pytest.mark.django_db

Status = EvidenceItem.Status


def _create(world, role="referent", actor=None, uploads=None, **data):
    values = {"title": "Procédure d'accueil", "kind": Kind.PROCEDURE, "indicator_numbers": [4]}
    values.update(data)
    return services.evidence_create(
        access=access_for(world, role),
        actor=actor or world.referent_a,
        data=values,
        uploads=[pdf_upload()] if uploads is None else uploads,
    )


# --- creation ----------------------------------------------------------------------------------


def test_create_with_a_file_stores_version_one_with_its_hash(alpha, media):
    content = samples.pdf_bytes("Procédure", ["v1"])
    (item,) = _create(alpha, uploads=[SimpleUploadedFile("Procédure d'accueil.pdf", content)])
    version = EvidenceVersion.objects.get(item=item)
    assert (item.status, item.version_count, version.number) == (Status.DRAFT, 1, 1)
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    assert (version.size, version.type_code, version.content_type) == (
        len(content),
        "pdf",
        "application/pdf",
    )
    assert version.original_name == "Procédure d'accueil.pdf"
    assert version.file.name.startswith(f"org_alpha/evidence/{item.pk}/v1-")
    assert version.file.name.endswith(".pdf")
    assert (media / version.file.name).read_bytes() == content
    assert list(item.events.values_list("action", flat=True)) == ["version_added", "created"]


def test_several_files_make_one_item_each_titled_by_file(alpha):
    items = _create(
        alpha,
        title="Émargements octobre",
        uploads=[pdf_upload("groupe-a.pdf"), pdf_upload("groupe-b.pdf")],
    )
    assert [item.title for item in items] == [
        "Émargements octobre — groupe-a",
        "Émargements octobre — groupe-b",
    ]
    assert EvidenceVersion.objects.filter(item__in=items).count() == 2


def test_without_title_the_file_name_is_the_title(alpha):
    (item,) = _create(alpha, title="", uploads=[pdf_upload("CV Sarah Lemoine.pdf")])
    assert item.title == "CV Sarah Lemoine"


def test_one_hostile_file_refuses_the_whole_upload_and_stores_nothing(alpha, media):
    uploads = [
        pdf_upload("bon.pdf"),
        SimpleUploadedFile("page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script>"),
    ]
    with pytest.raises(ValidationError) as error:
        _create(alpha, uploads=uploads)
    assert [e.code for e in error.value.error_dict["files"]] == ["markup"]
    assert EvidenceItem.objects.count() == 0
    assert stored_files(media) == []


def test_neither_file_nor_url_is_refused(alpha):
    with pytest.raises(ValidationError) as error:
        _create(alpha, uploads=[])
    assert error.value.message_dict == {
        "files": ["Ajoutez au moins un fichier, ou indiquez une adresse web."]
    }
    assert EvidenceItem.objects.count() == 0


def test_a_url_is_enough(alpha):
    (item,) = _create(alpha, uploads=[], url="https://www.example.org/formations")
    assert (item.url, item.version_count) == ("https://www.example.org/formations", 0)


def test_validity_must_be_in_order(alpha):
    with pytest.raises(ValidationError) as error:
        _create(alpha, valid_from=date(2026, 5, 1), valid_until=date(2026, 4, 1))
    assert error.value.message_dict == {
        "valid_until": ["La fin de validité doit suivre le début de validité."]
    }
    assert EvidenceItem.objects.count() == 0


def test_a_contributor_files_for_themselves_whatever_the_form_says(alpha):
    (item,) = _create(
        alpha,
        role="contributor",
        actor=alpha.contributor_a,
        responsibility="organisation",
        concerns=alpha.referent_a,
        owner=alpha.referent_a,
    )
    assert (item.responsibility, item.concerns, item.owner, item.created_by) == (
        "contributor",
        alpha.contributor_a,
        alpha.contributor_a,
        alpha.contributor_a,
    )


def test_a_director_cannot_add(alpha):
    with pytest.raises(PermissionError):
        _create(alpha, role="director", actor=alpha.director_a)
    assert EvidenceItem.objects.count() == 0


def test_a_checklist_entry_with_a_validity_sets_the_end(alpha):
    entry = ChecklistEntry.objects.get(title="CV à jour")
    (item,) = _create(alpha, checklist_entry=entry, valid_from=date(2026, 1, 31))
    assert item.valid_until == date(2027, 1, 31)


def test_creation_asks_for_readiness_recomputation(
    alpha, caplog, django_capture_on_commit_callbacks
):
    with (
        caplog.at_level(logging.INFO, logger="qualiopi.readiness"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _create(alpha)
    assert [r.getMessage() for r in caplog.records if r.name == "qualiopi.readiness"] == [
        "readiness recompute requested for org_alpha: evidence created"
    ]


# --- versions --------------------------------------------------------------------------------


def test_a_new_version_keeps_the_old_and_sends_a_validated_item_back_to_draft(alpha, media):
    (item,) = _create(alpha)
    EvidenceItem.objects.filter(pk=item.pk).update(status=Status.VALIDATED)
    second = samples.pdf_bytes("Procédure", ["v2"])
    version = services.evidence_version_add(
        access=access_for(alpha, "referent"),
        actor=alpha.referent_a,
        item=item,
        upload=SimpleUploadedFile("procedure-v2.pdf", second),
        expected_number=2,
    )
    item.refresh_from_db()
    assert (version.number, item.version_count, item.status) == (2, 2, Status.DRAFT)
    assert list(item.versions.values_list("number", flat=True)) == [2, 1]
    assert len(stored_files(media)) == 2


@pytest.mark.parametrize("forged", [1, 3, 99])
def test_a_stale_or_forged_version_number_is_refused(alpha, media, forged):
    (item,) = _create(alpha)
    with pytest.raises(ValidationError) as error:
        services.evidence_version_add(
            access=access_for(alpha, "referent"),
            actor=alpha.referent_a,
            item=item,
            upload=pdf_upload(),
            expected_number=forged,
        )
    assert error.value.messages == [
        "Une autre version a été déposée entre-temps (version 1) : rechargez la page avant "
        "de déposer la vôtre."
    ]
    assert EvidenceVersion.objects.filter(item=item).count() == 1
    assert len(stored_files(media)) == 1


def test_an_archived_item_takes_no_new_version(alpha):
    (item,) = _create(alpha)
    services.evidence_archive(
        access=access_for(alpha, "referent"), actor=alpha.referent_a, item=item
    )
    with pytest.raises(ValidationError):
        services.evidence_version_add(
            access=access_for(alpha, "referent"),
            actor=alpha.referent_a,
            item=item,
            upload=pdf_upload(),
            expected_number=2,
        )
    assert EvidenceVersion.objects.filter(item=item).count() == 1


def test_a_contributor_cannot_add_a_version_to_someone_elses_item(alpha):
    (item,) = _create(alpha)
    with pytest.raises(PermissionError):
        services.evidence_version_add(
            access=access_for(alpha, "contributor"),
            actor=alpha.contributor_a,
            item=item,
            upload=pdf_upload(),
            expected_number=2,
        )
    assert EvidenceVersion.objects.filter(item=item).count() == 1


# --- review --------------------------------------------------------------------------------


def _transition(world, role, actor, item, transition, reason=""):
    return services.evidence_transition(
        access=access_for(world, role), actor=actor, item=item, transition=transition, reason=reason
    )


def test_contributor_submits_consultant_validates(alpha):
    (item,) = _create(alpha, role="contributor", actor=alpha.contributor_a)
    _transition(alpha, "contributor", alpha.contributor_a, item, "submit")
    item = _transition(alpha, "consultant", alpha.consultant_a, item, "validate")
    assert (item.status, item.reviewed_by) == (Status.VALIDATED, alpha.consultant_a)
    assert list(item.events.values_list("action", flat=True)[:2]) == ["validated", "submitted"]


@pytest.mark.parametrize(
    ("role", "person", "transition"),
    [
        ("contributor", "contributor_a", "validate"),
        ("contributor", "contributor_a", "reject"),
        ("director", "director_a", "submit"),
        ("director", "director_a", "validate"),
        ("consultant", "consultant_a", "submit"),
    ],
)
def test_transitions_a_role_may_not_make_change_nothing(alpha, role, person, transition):
    (item,) = _create(alpha)
    _transition(alpha, "referent", alpha.referent_a, item, "submit")
    with pytest.raises(PermissionError):
        _transition(alpha, role, getattr(alpha, person), item, transition, reason="non")
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED
    assert item.events.count() == 3


def test_a_contributor_cannot_submit_someone_elses_item(alpha):
    (item,) = _create(alpha)
    with pytest.raises(PermissionError):
        _transition(alpha, "contributor", alpha.contributor_a, item, "submit")
    item.refresh_from_db()
    assert item.status == Status.DRAFT


def test_rejecting_needs_a_reason_then_shows_it(alpha):
    (item,) = _create(alpha)
    _transition(alpha, "referent", alpha.referent_a, item, "submit")
    with pytest.raises(ValidationError) as error:
        _transition(alpha, "consultant", alpha.consultant_a, item, "reject", reason="  ")
    assert error.value.message_dict == {"reason": ["Indiquez le motif du refus."]}
    item = _transition(alpha, "consultant", alpha.consultant_a, item, "reject", reason="Illisible")
    assert (item.status, item.rejection_reason) == (Status.REJECTED, "Illisible")
    assert item.events.first().details == {"reason": "Illisible"}


def test_an_empty_item_cannot_be_submitted(alpha):
    (item,) = _create(alpha, uploads=[], url="https://www.example.org")
    EvidenceItem.objects.filter(pk=item.pk).update(url="")
    with pytest.raises(ValidationError) as error:
        _transition(alpha, "referent", alpha.referent_a, item, "submit")
    assert error.value.messages == ["Ajoutez un fichier ou une adresse web avant de continuer."]


def test_an_item_past_its_validity_cannot_be_validated(alpha):
    (item,) = _create(
        alpha, valid_from=date(2020, 1, 1), valid_until=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(ValidationError) as error:
        _transition(alpha, "referent", alpha.referent_a, item, "validate")
    assert error.value.messages == [
        "La validité de cette preuve est dépassée : déposez une version à jour."
    ]


# --- expiry, archive ---------------------------------------------------------------------------


def test_expiry_marks_items_whose_validity_ended_once(alpha):
    today = date(2026, 11, 23)
    (ended,) = _create(alpha, title="Ended", valid_until=date(2026, 11, 22))
    (_last_day,) = _create(alpha, title="Last day", valid_until=date(2026, 11, 23))
    (_open_ended,) = _create(alpha, title="No end")
    EvidenceItem.objects.update(status=Status.VALIDATED)
    assert services.evidence_expire_due(today=today) == 1
    assert services.evidence_expire_due(today=today) == 0
    statuses = dict(EvidenceItem.objects.values_list("title", "status"))
    assert statuses == {"Ended": "expired", "Last day": "validated", "No end": "validated"}
    event = EvidenceEvent.objects.get(item=ended, action="expired")
    assert (event.actor, event.details) == (
        None,
        {"previous": "validated", "valid_until": "2026-11-22"},
    )


def test_archive_keeps_files_and_restore_brings_back(alpha, media):
    (item,) = _create(alpha)
    referent = access_for(alpha, "referent")
    services.evidence_archive(access=referent, actor=alpha.referent_a, item=item)
    assert EvidenceItem.objects.get(pk=item.pk).is_archived is True
    assert len(stored_files(media)) == 1
    assert EvidenceVersion.objects.filter(item=item).count() == 1
    assert selectors.coverage_counts().get(4) is None
    services.evidence_restore(access=referent, actor=alpha.referent_a, item=item)
    assert EvidenceItem.objects.get(pk=item.pk).is_archived is False
    assert selectors.coverage_counts()[4].pending == 1


def test_a_contributor_cannot_archive_someone_elses_item(alpha):
    (item,) = _create(alpha)
    with pytest.raises(PermissionError):
        services.evidence_archive(
            access=access_for(alpha, "contributor"), actor=alpha.contributor_a, item=item
        )
    assert EvidenceItem.objects.get(pk=item.pk).is_archived is False


# --- coverage, predating, checklist ----------------------------------------------------------


def test_coverage_counts_per_indicator(alpha):
    today = date(2026, 11, 23)
    (a,) = _create(alpha, indicator_numbers=[4, 5])
    (b,) = _create(alpha, indicator_numbers=[5], valid_until=today + timedelta(days=10))
    (c,) = _create(alpha, indicator_numbers=[5])
    (d,) = _create(alpha, indicator_numbers=[6])
    EvidenceItem.objects.filter(pk__in=[a.pk, b.pk]).update(status=Status.VALIDATED)
    EvidenceItem.objects.filter(pk=c.pk).update(status=Status.REJECTED)
    EvidenceItem.objects.filter(pk=d.pk).update(status=Status.EXPIRED)
    counts = selectors.coverage_counts(today=today)
    assert {n: vars(c) for n, c in counts.items()} == {
        4: {"validated": 1, "pending": 0, "rejected": 0, "expired": 0, "expiring": 0},
        5: {"validated": 2, "pending": 0, "rejected": 1, "expired": 0, "expiring": 1},
        6: {"validated": 0, "pending": 0, "rejected": 0, "expired": 1, "expiring": 0},
    }
    assert counts[6].is_gap is True and counts[5].is_gap is False


def test_evidence_predating_v10_for_reworded_indicators(alpha):
    (old,) = _create(alpha, title="Old catalogue", indicator_numbers=[1, 4])
    (_new,) = _create(alpha, title="New catalogue", indicator_numbers=[1])
    EvidenceItem.objects.filter(pk=old.pk).update(
        last_uploaded_at=timezone.make_aware(timezone.datetime(2026, 10, 2, 10, 0))
    )
    found = selectors.evidence_predating(
        numbers={1, 2},
        before=date(2026, 11, 1),
        access=access_for(alpha, "referent"),
        user=alpha.referent_a,
    )
    assert {n: [i.title for i in items] for n, items in found.items()} == {1: ["Old catalogue"]}
    # A contributor is shown only what is theirs: neither proof is.
    assert (
        selectors.evidence_predating(
            numbers={1, 2},
            before=date(2026, 11, 1),
            access=access_for(alpha, "contributor"),
            user=alpha.contributor_a,
        )
        == {}
    )


def test_checklist_states_for_a_trainer(alpha):
    today = date(2026, 11, 23)
    entries = {e.title: e for e in ChecklistEntry.objects.all()}
    assert list(entries) == [
        "CV à jour",
        "Programme de la formation",
        "Convention ou contrat de formation signé",
        "Feuilles d'émargement",
        "Attestations de formation signées",
        "Évaluations à chaud",
        "Évaluations à froid",
        "Bilan pédagogique annuel",
    ]
    contributor = access_for(alpha, "contributor")

    def file(entry_title, **data):
        (item,) = services.evidence_create(
            access=contributor,
            actor=alpha.contributor_a,
            data={
                "title": entry_title,
                "kind": Kind.RECORD,
                "indicator_numbers": [11],
                "checklist_entry": entries[entry_title],
                **data,
            },
            uploads=[pdf_upload()],
        )
        return item

    cv = file("CV à jour", valid_from=today - timedelta(days=340))  # ends in 25 days
    EvidenceItem.objects.filter(pk=cv.pk).update(status=Status.VALIDATED)
    sheets = file("Feuilles d'émargement")
    EvidenceItem.objects.filter(pk=sheets.pk).update(status=Status.SUBMITTED)
    file("Attestations de formation signées")
    hot = file("Évaluations à chaud")
    EvidenceItem.objects.filter(pk=hot.pk).update(status=Status.REJECTED)
    lines = {
        line.entry.title: line
        for line in selectors.checklist_for_user(user=alpha.contributor_a, today=today)
    }
    assert {title: line.state for title, line in lines.items()} == {
        "CV à jour": ChecklistState.EXPIRING,
        "Programme de la formation": ChecklistState.MISSING,
        "Convention ou contrat de formation signé": ChecklistState.MISSING,
        "Feuilles d'émargement": ChecklistState.SUBMITTED,
        "Attestations de formation signées": ChecklistState.DRAFT,
        "Évaluations à chaud": ChecklistState.REJECTED,
        "Évaluations à froid": ChecklistState.MISSING,
        "Bilan pédagogique annuel": ChecklistState.MISSING,
    }
    assert lines["Bilan pédagogique annuel"].due_date == date(2027, 3, 30)
    # Another trainer owes everything.
    others = selectors.checklist_for_user(user=alpha.member_a_and_c, today=today)
    assert {line.state for line in others} == {ChecklistState.MISSING}


def test_yearly_deadline_counts_only_pieces_filed_since_the_last_one(alpha):
    entry = ChecklistEntry.objects.get(title="Bilan pédagogique annuel")
    (item,) = services.evidence_create(
        access=access_for(alpha, "contributor"),
        actor=alpha.contributor_a,
        data={
            "title": "Bilan 2025",
            "kind": Kind.RECORD,
            "indicator_numbers": [32],
            "checklist_entry": entry,
        },
        uploads=[pdf_upload()],
    )
    EvidenceItem.objects.filter(pk=item.pk).update(
        status=Status.VALIDATED,
        created_at=timezone.make_aware(timezone.datetime(2026, 3, 10, 9, 0)),
    )
    lines = selectors.checklist_for_user(user=alpha.contributor_a, today=date(2026, 3, 20))
    assert [line.state for line in lines if line.entry == entry] == [ChecklistState.VALIDATED]
    lines = selectors.checklist_for_user(user=alpha.contributor_a, today=date(2026, 11, 23))
    assert [line.state for line in lines if line.entry == entry] == [ChecklistState.MISSING]


def test_checklist_entry_due_date_must_exist(alpha):
    entry = ChecklistEntry(title="Bilan", kind=Kind.RECORD)
    with pytest.raises(ValidationError) as error:
        services.checklist_entry_save(
            access=access_for(alpha, "referent"), entry=entry, data={"due_day": 31, "due_month": 2}
        )
    assert error.value.message_dict == {"due_day": ["Cette date d'échéance n'existe pas."]}
    assert not ChecklistEntry.objects.filter(title="Bilan").exists()


def test_the_hourly_job_expires_in_every_organisation(world, media):
    yesterday = timezone.localdate() - timedelta(days=1)
    for slug, schema in (("alpha", "org_alpha"), ("gamma", "org_gamma")):
        with schema_context(schema):
            _create(world, title=f"Ended in {slug}", valid_until=yesterday)
            EvidenceItem.objects.update(status=Status.VALIDATED)
    assert evidence_expire_all_task() == 2
    assert evidence_expire_all_task() == 0
    for schema in ("org_alpha", "org_gamma"):
        with schema_context(schema):
            assert list(EvidenceItem.objects.values_list("status", flat=True)) == ["expired"]
