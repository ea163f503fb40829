"""Evidence pages through the test client: uploads, downloads, roles, list, exports, checklist."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from evidence import samples, services
from evidence.models import ChecklistEntry, EvidenceComment, EvidenceItem, EvidenceVersion, Kind
from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.core.tenants import schema_context

from .conftest import access_for, pdf_upload, stored_files

pytestmark = pytest.mark.django_db

BASE = "/o/alpha/preuves/"
FORM = {"title": "Procédure d'accueil", "kind": "procedure", "indicator_numbers": ["4"]}


def _item(world, **data) -> EvidenceItem:
    with schema_context("org_alpha"):
        (item,) = services.evidence_create(
            access=access_for(world, "referent"),
            actor=world.referent_a,
            data={"title": "Procédure", "kind": Kind.PROCEDURE, "indicator_numbers": [4], **data},
            uploads=[pdf_upload()],
        )
    return item


def _count(model) -> int:
    with schema_context("org_alpha"):
        return model.objects.count()


# --- upload ------------------------------------------------------------------------------------


def test_referent_uploads_a_pdf_and_lands_on_the_item(client, world, media):
    client.force_login(world.referent_a)
    content = samples.pdf_bytes("Accueil", ["v1"])
    response = client.post(
        f"{BASE}nouvelle/", {**FORM, "files": [SimpleUploadedFile("accueil.pdf", content)]}
    )
    with schema_context("org_alpha"):
        item = EvidenceItem.objects.get()
    assert response.status_code == 302
    assert response.url == f"{BASE}{item.pk}/"
    page = client.get(response.url).content.decode()
    assert "Procédure d&#x27;accueil" in page
    assert "accueil.pdf" in page
    assert "La preuve « Procédure d&#x27;accueil » a été ajoutée." in page


def test_several_files_at_once_go_back_to_the_list(client, world, media):
    client.force_login(world.referent_a)
    files = [pdf_upload("a.pdf"), pdf_upload("b.pdf"), pdf_upload("c.pdf")]
    response = client.post(f"{BASE}nouvelle/", {**FORM, "files": files}, follow=True)
    assert response.redirect_chain == [(BASE, 302)]
    assert "3 preuves ont été ajoutées." in response.content.decode()
    assert _count(EvidenceItem) == 3


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "page.pdf",
            b"<html><body>hello</body></html>",
            "Le fichier « page.pdf » contient du HTML, du SVG ou un script",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"></svg>',
            "Le fichier « logo.svg » contient du HTML, du SVG ou un script",
        ),
        ("outil.pdf", b"MZ" + b"\0" * 200, "Le format du fichier « outil.pdf » n'est pas accepté."),
        ("vide.pdf", b"", "Le fichier « vide.pdf » est vide."),
        (
            "image.pdf",
            samples.png_bytes(),
            "Le fichier « image.pdf » ne correspond pas à son extension",
        ),
    ],
)
def test_hostile_files_get_a_french_error_and_nothing_is_stored(
    client, world, media, name, content, message
):
    client.force_login(world.referent_a)
    response = client.post(
        f"{BASE}nouvelle/", {**FORM, "files": [SimpleUploadedFile(name, content)]}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["files"]
    assert len(errors) == 1 and errors[0].startswith(message)
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert _count(EvidenceItem) == 0
    assert stored_files(media) == []


def test_an_oversize_upload_is_dropped_while_streaming(client, world, media, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 100_000
    client.force_login(world.referent_a)
    big = SimpleUploadedFile("gros.pdf", b"%PDF-1.4\n" + b"0" * 200_000)
    response = client.post(f"{BASE}nouvelle/", {**FORM, "files": [big]})
    assert response.status_code == 200
    assert response.context["form"].errors["files"] == [
        "Le fichier « gros.pdf » dépasse la taille maximale de 0 Mo."
    ]
    assert _count(EvidenceItem) == 0
    assert stored_files(media) == []


def test_an_oversize_upload_states_the_limit_in_megabytes(client, world, media, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024 * 1024
    client.force_login(world.referent_a)
    big = SimpleUploadedFile("gros.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
    response = client.post(f"{BASE}nouvelle/", {**FORM, "files": [big]})
    assert response.context["form"].errors["files"] == [
        "Le fichier « gros.pdf » dépasse la taille maximale de 1 Mo."
    ]


def test_form_errors_keep_what_was_typed(client, world, media):
    client.force_login(world.referent_a)
    response = client.post(f"{BASE}nouvelle/", {**FORM, "indicator_numbers": []})
    assert response.context["form"].errors["indicator_numbers"] == [
        "Reliez la preuve à au moins un indicateur."
    ]
    assert 'value="Procédure d&#x27;accueil"' in response.content.decode()


def test_a_new_version_from_the_item_page(client, world, media):
    item = _item(world)
    client.force_login(world.referent_a)
    response = client.post(
        f"{BASE}{item.pk}/versions/", {"file": pdf_upload("v2.pdf"), "expected_number": "2"}
    )
    assert response.status_code == 302
    page = client.get(f"{BASE}{item.pk}/").content.decode()
    assert "v2.pdf" in page and "procedure.pdf" in page
    assert _count(EvidenceVersion) == 2


def test_a_forged_version_number_is_refused_on_the_page(client, world, media):
    item = _item(world)
    client.force_login(world.referent_a)
    response = client.post(
        f"{BASE}{item.pk}/versions/", {"file": pdf_upload("v2.pdf"), "expected_number": "7"}
    )
    assert response.status_code == 400
    assert response.context["upload_form"].errors["file"] == [
        "Une autre version a été déposée entre-temps (version 1) : rechargez la page avant de "
        "déposer la vôtre."
    ]
    assert _count(EvidenceVersion) == 1


# --- download ------------------------------------------------------------------------------


def test_download_is_an_attachment_never_sniffed(client, world, media):
    content = samples.pdf_bytes("Accueil", ["v1"])
    with schema_context("org_alpha"):
        (item,) = services.evidence_create(
            access=access_for(world, "referent"),
            actor=world.referent_a,
            data={"title": "Accueil", "kind": Kind.PROCEDURE, "indicator_numbers": [4]},
            uploads=[SimpleUploadedFile("Procédure d'accueil.pdf", content)],
        )
    client.force_login(world.director_a)
    response = client.get(f"{BASE}{item.pk}/versions/1/telecharger/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Proc%C3%A9dure%20d%27accueil.pdf"
    )
    assert client.get(f"{BASE}{item.pk}/versions/2/telecharger/").status_code == 404


# --- roles ---------------------------------------------------------------------------------


def test_a_contributor_sees_only_their_own_items(client, world, media):
    theirs = _item(world, title="Référent seul", concerns=None)
    client.force_login(world.contributor_a)
    client.post(f"{BASE}nouvelle/", {**FORM, "title": "Mon CV", "files": [pdf_upload()]})
    page = client.get(BASE).content.decode()
    assert "Mon CV" in page and "Référent seul" not in page
    assert client.get(f"{BASE}{theirs.pk}/").status_code == 404
    assert client.get(f"{BASE}{theirs.pk}/versions/1/telecharger/").status_code == 404
    assert client.get(f"{BASE}{theirs.pk}/modifier/").status_code == 404


def test_an_item_concerning_a_trainer_is_visible_to_them(client, world, media):
    item = _item(world, title="Contrat de Dominique", concerns=world.contributor_a)
    client.force_login(world.contributor_a)
    assert client.get(f"{BASE}{item.pk}/").status_code == 200


def test_a_contributor_cannot_validate_even_by_posting(client, world, media):
    client.force_login(world.contributor_a)
    client.post(f"{BASE}nouvelle/", {**FORM, "files": [pdf_upload()]})
    with schema_context("org_alpha"):
        item = EvidenceItem.objects.get()
    assert client.post(f"{BASE}{item.pk}/revue/", {"transition": "submit"}).status_code == 302
    response = client.post(f"{BASE}{item.pk}/revue/", {"transition": "validate"})
    assert response.status_code == 404
    with schema_context("org_alpha"):
        assert EvidenceItem.objects.get().status == "submitted"


def test_a_consultant_rejects_with_a_reason_then_the_author_reads_it(client, world, media):
    item = _item(world)
    client.force_login(world.referent_a)
    client.post(f"{BASE}{item.pk}/revue/", {"transition": "submit"})
    client.force_login(world.consultant_a)
    response = client.post(f"{BASE}{item.pk}/revue/", {"transition": "reject", "reason": ""})
    assert response.status_code == 400
    assert response.context["review_form"].errors["reason"] == ["Indiquez le motif du refus."]
    client.post(f"{BASE}{item.pk}/revue/", {"transition": "reject", "reason": "Pas signé."})
    client.force_login(world.referent_a)
    page = client.get(f"{BASE}{item.pk}/").content.decode()
    assert "Pas signé." in page and "Refusée" in page


def test_a_director_reads_but_cannot_add_or_comment(client, world, media):
    item = _item(world)
    client.force_login(world.director_a)
    assert client.get(f"{BASE}{item.pk}/").status_code == 200
    assert client.get(f"{BASE}nouvelle/").status_code == 404
    assert client.post(f"{BASE}{item.pk}/commentaires/", {"body": "Bien"}).status_code == 404
    assert client.post(f"{BASE}{item.pk}/archiver/").status_code == 404
    assert _count(EvidenceComment) == 0


def test_comment_thread(client, world, media):
    item = _item(world)
    client.force_login(world.consultant_a)
    response = client.post(f"{BASE}{item.pk}/commentaires/", {"body": "Dater la procédure."})
    assert response.url == f"{BASE}{item.pk}/#commentaires"
    assert "Dater la procédure." in client.get(f"{BASE}{item.pk}/").content.decode()


def test_archive_asks_first_then_restores(client, world, media):
    item = _item(world)
    client.force_login(world.referent_a)
    confirm = client.get(f"{BASE}{item.pk}/archiver/").content.decode()
    assert "Ses fichiers et son historique sont conservés" in confirm
    with schema_context("org_alpha"):
        assert EvidenceItem.objects.get().is_archived is False
    response = client.post(f"{BASE}{item.pk}/archiver/", follow=True)
    assert "« Procédure » est archivée." in response.content.decode()
    assert response.context["page"].paginator.count == 0
    assert client.get(f"{BASE}?archives=on").context["page"].paginator.count == 1
    client.post(f"{BASE}{item.pk}/restaurer/")
    with schema_context("org_alpha"):
        assert EvidenceItem.objects.get().is_archived is False
        assert EvidenceVersion.objects.count() == 1


# --- list, filters, exports --------------------------------------------------------------------


def test_list_filters_and_paginates(client, world, media):
    with schema_context("org_alpha"):
        referent = access_for(world, "referent")
        for number in range(1, 56):
            services.evidence_create(
                access=referent,
                actor=world.referent_a,
                data={
                    "title": f"Émargement {number:02d}",
                    "kind": Kind.RECORD,
                    "indicator_numbers": [10 if number % 2 else 12],
                    "url": "https://www.example.org",
                },
            )
    client.force_login(world.referent_a)
    first = client.get(BASE)
    assert first.context["page"].paginator.count == 55
    assert len(first.context["page"].object_list) == 50
    assert len(client.get(f"{BASE}?page=2").context["page"].object_list) == 5
    filtered = client.get(f"{BASE}?indicateur=12&q=marge")
    assert filtered.context["page"].paginator.count == 27
    assert "indicateur=12&amp;q=marge&amp;page=2" not in filtered.content.decode()
    assert client.get(f"{BASE}?statut=validated").context["page"].paginator.count == 0
    nothing = client.get(f"{BASE}?q=introuvable").content.decode()
    assert "Aucune preuve ne correspond à ces filtres." in nothing
    # Nonsense filter values are ignored, not a server error.
    assert client.get(f"{BASE}?indicateur=abc&expire_sous=-1").status_code == 200


def test_list_query_count_does_not_grow_with_the_page(client, world, media):
    def add(count):
        with schema_context("org_alpha"):
            for number in range(count):
                services.evidence_create(
                    access=access_for(world, "referent"),
                    actor=world.referent_a,
                    data={
                        "title": f"Preuve {number}",
                        "kind": Kind.RECORD,
                        "indicator_numbers": [4],
                        "url": "https://www.example.org",
                        "concerns": world.contributor_a,
                    },
                )

    client.force_login(world.referent_a)
    add(2)
    client.get(BASE)
    with CaptureQueriesContext(connection) as small:
        client.get(BASE)
    add(40)
    with CaptureQueriesContext(connection) as large:
        client.get(BASE)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_csv_export_for_excel(client, world, media):
    _item(world, title='=HYPERLINK("x")', indicator_numbers=[5, 4], tags=["Toulouse"])
    client.force_login(world.director_a)
    response = client.get(f"{BASE}export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="registre-preuves-alpha-'
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffN°;Titre;Nature;Indicateurs;Statut;Responsable")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[1][1:5] == ['\'=HYPERLINK("x")', "Procédure", "4, 5", "Brouillon"]
    assert rows[1][11] == "Toulouse"


def test_xlsx_export_opens(client, world, media):
    _item(world, title="Procédure qualité")
    client.force_login(world.consultant_a)
    response = client.get(f"{BASE}export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("N°", "Titre", "Nature")
    assert rows[1][1:5] == ("Procédure qualité", "Procédure", "4", "Brouillon")
    assert len(rows) == 2


def test_contributors_cannot_export(client, world, media):
    client.force_login(world.contributor_a)
    assert client.get(f"{BASE}export.csv").status_code == 404


def test_unknown_export_format_is_404(client, world, media):
    client.force_login(world.referent_a)
    assert client.get(f"{BASE}export.pdf").status_code == 404


# --- coverage, contributor space, checklist ----------------------------------------------------


def test_coverage_shows_gaps_among_applicable_indicators(client, world, media):
    item = _item(world, indicator_numbers=[4])
    with schema_context("org_alpha"):
        EvidenceItem.objects.filter(pk=item.pk).update(status="validated")
    client.force_login(world.referent_a)
    response = client.get(f"{BASE}couverture/")
    # Alpha: plain AF, 22 applicable indicators; one has a validated proof.
    assert (response.context["covered_count"], response.context["gap_count"]) == (1, 21)


def test_my_space_lists_the_checklist_with_states(client, world, media):
    client.force_login(world.contributor_a)
    with schema_context("org_alpha"):
        entry = ChecklistEntry.objects.get(title="CV à jour")
    client.post(
        f"{BASE}nouvelle/",
        {**FORM, "title": "CV", "checklist_entry": str(entry.pk), "files": [pdf_upload()]},
    )
    page = client.get("/o/alpha/mon-espace/").content.decode()
    assert "Pièces attendues de vous" in page
    assert "Brouillon à soumettre" in page
    assert page.count("À fournir") == 6  # 8 entries, one filed, one optional


def test_only_reviewers_edit_the_checklist(client, world, media):
    with schema_context("org_alpha"):
        entry = ChecklistEntry.objects.get(title="Évaluations à froid")
    client.force_login(world.contributor_a)
    assert client.get(f"/o/alpha/pieces-attendues/{entry.pk}/").status_code == 404
    client.force_login(world.referent_a)
    data = {
        "title": "Évaluations à froid",
        "kind": "survey",
        "indicator_numbers": ["30"],
        "frequency": "per_action",
        "is_required": "",
        "is_active": "",
    }
    response = client.post(f"/o/alpha/pieces-attendues/{entry.pk}/", data)
    assert response.status_code == 302
    with schema_context("org_alpha"):
        assert ChecklistEntry.objects.get(pk=entry.pk).is_active is False


def test_compare_page_lists_proofs_filed_before_v10(client, world, media):
    item = _item(world, title="Catalogue 2026", indicator_numbers=[1])
    with schema_context("org_alpha"):
        EvidenceItem.objects.filter(pk=item.pk).update(
            last_uploaded_at=timezone.make_aware(timezone.datetime(2026, 9, 1, 9, 0))
        )
    client.force_login(world.referent_a)
    page = client.get("/o/alpha/referentiel/v9-v10/").content.decode()
    assert "1 preuve déposée avant le 01/11/2026 est à revoir." in page
    assert f'href="/o/alpha/preuves/{item.pk}/"' in page


def test_the_trainers_follow_up_costs_the_same_queries_for_any_number_of_trainers(
    client, world, media
):
    from qualiopi_portal.tenancy import services as tenancy_services
    from qualiopi_portal.tenancy.models import Role

    from ..factories import UserFactory

    def data_queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/o/alpha/pieces-attendues/")
        count = sum(1 for q in captured.captured_queries if not q["sql"].startswith("SET "))
        return count, page.content.decode()

    client.force_login(world.referent_a)
    client.get("/o/alpha/pieces-attendues/")
    two, _page = data_queries()  # contributor_a and member_a_and_c
    for index in range(3):
        trainer = UserFactory(email=f"formateur{index}@exemple.test")
        tenancy_services.membership_add(
            organisation=world.org_a, user=trainer, role=Role.CONTRIBUTOR
        )
    five, page = data_queries()
    follow_up = page.split("Suivi par intervenant")[1]
    assert follow_up.count('<tr><th scope="row">') == 5
    assert five == two


def test_the_evidence_form_says_every_problem_at_once_and_to_choose_the_file_again(
    client, world, media
):
    client.force_login(world.referent_a)
    response = client.post(
        "/o/alpha/preuves/nouvelle/",
        {
            "title": "Programme",
            "kind": "procedure",
            # No indicator, dates the wrong way round, and a file that is not what it says.
            "valid_from": "2026-12-01",
            "valid_until": "2026-01-01",
            "files": [SimpleUploadedFile("programme.pdf", b"<html><script>x</script></html>")],
        },
    )
    assert response.status_code == 200  # the form again, as every evidence page does
    text = response.content.decode()
    assert "Reliez la preuve à au moins un indicateur." in text
    assert "La fin de validité doit suivre le début de validité." in text
    assert "programme.pdf" in text  # the refused file is named in its own error
    assert "Les fichiers choisis n’ont pas été conservés : choisissez-les à nouveau" in text
    with schema_context("org_alpha"):
        assert not EvidenceItem.objects.exists()


def test_free_text_has_a_maximum_length(client, world, media):
    client.force_login(world.referent_a)
    response = client.post(
        "/o/alpha/preuves/nouvelle/",
        {
            "title": "Programme",
            "kind": "procedure",
            "indicator_numbers": ["4"],
            "url": "https://exemple.fr/programme",
            "description": "x" * 640_000,
        },
    )
    assert response.status_code == 200  # the form again, as every evidence page does
    text = response.content.decode()
    assert (
        "Assurez-vous que cette valeur comporte au plus 5000 caractères (actuellement 640000)."
        in (text.replace("\u202f", " ").replace("\xa0", " "))
    )
    assert 'maxlength="5000"' in text
    with schema_context("org_alpha"):
        assert not EvidenceItem.objects.exists()


def test_a_trainer_lands_on_what_is_expected_and_hears_of_a_refusal(
    client, world, media, django_capture_on_commit_callbacks
):
    # Given a trainer's CV, submitted.
    client.force_login(world.contributor_a)
    with schema_context("org_alpha"):
        entry = ChecklistEntry.objects.get(title="CV à jour")
    client.post(
        f"{BASE}nouvelle/",
        {**FORM, "title": "CV 2026", "checklist_entry": str(entry.pk), "files": [pdf_upload()]},
    )
    with schema_context("org_alpha"):
        item = EvidenceItem.objects.get(title="CV 2026")
    client.post(f"{BASE}{item.pk}/revue/", {"transition": "submit"})

    # When the referent refuses it with a reason.
    client.force_login(world.referent_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{BASE}{item.pk}/revue/", {"transition": "reject", "reason": "CV de 2019, à dater"}
        )

    # Then the trainer is told by e-mail, with the reason and the link.
    (sent,) = mail.outbox
    assert sent.to == [world.contributor_a.email]
    assert sent.subject == "[Alpha Formation] Pièce refusée : CV 2026"
    assert "CV de 2019, à dater" in sent.body
    assert f"http://127.0.0.1:8000/o/alpha/preuves/{item.pk}/" in sent.body
    # And their landing lists what they owe and the refusal with its reason.
    client.force_login(world.contributor_a)
    landing = client.get("/o/alpha/").content.decode()
    assert "Mon espace" in landing
    assert "6 pièces obligatoires attendent encore de vous :" not in landing
    assert "7 pièces obligatoires attendent encore de vous :" in landing
    assert "CV à jour</strong> — refusée : déposez une version corrigée" in landing
    assert "Pièces refusées" in landing
    assert "Motif : CV de 2019, à dater" in landing


def test_the_referent_reminds_a_trainer_once_a_day(client, world, media):
    client.force_login(world.referent_a)
    url = f"/o/alpha/pieces-attendues/relancer/{world.contributor_a.pk}/"
    page = client.get("/o/alpha/pieces-attendues/").content.decode()
    assert f'action="{url}"' in page

    first = client.post(url, follow=True)
    text = first.content.decode()
    assert f"{world.contributor_a.display_name} a été relancé·e pour 7 pièces." in text
    (sent,) = mail.outbox
    assert sent.to == [world.contributor_a.email]
    assert sent.subject == "[Alpha Formation] Pièces attendues de vous"
    assert "- CV à jour\n" in sent.body
    assert "http://127.0.0.1:8000/o/alpha/mon-espace/" in sent.body
    event = AuditEvent.objects.get(action="checklist.reminder_sent")
    assert event.actor == world.referent_a
    assert event.details["person_id"] == world.contributor_a.pk
    assert len(event.details["pieces"]) == 7
    assert "relancé·e le" in text

    again = client.post(url, follow=True).content.decode()
    assert "a déjà été relancé·e le" in again
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="checklist.reminder_sent").count() == 1

    # Directors read the follow-up but do not send reminders; nobody reminds a non-trainer.
    client.force_login(world.director_a)
    assert client.post(url).status_code == 404
    client.force_login(world.referent_a)
    assert (
        client.post(f"/o/alpha/pieces-attendues/relancer/{world.director_a.pk}/").status_code == 404
    )


def test_the_v9_v10_page_lists_only_a_contributors_own_proofs(client, world, media):
    old = _item(world, title="Catalogue 2025 de la référente", indicator_numbers=[1])
    with schema_context("org_alpha"):
        EvidenceItem.objects.filter(pk=old.pk).update(
            last_uploaded_at=timezone.make_aware(timezone.datetime(2026, 10, 2, 10, 0))
        )
    client.force_login(world.referent_a)
    assert "Catalogue 2025 de la référente" in client.get("/o/alpha/referentiel/v9-v10/").text
    client.force_login(world.contributor_a)
    page = client.get("/o/alpha/referentiel/v9-v10/").content.decode()
    assert "Catalogue 2025 de la référente" not in page
    assert f"/o/alpha/preuves/{old.pk}/" not in page


def test_register_rows_are_the_register_s_markup_escaped(client, world, media):
    from datetime import timedelta

    today = timezone.localdate()
    soon = _item(
        world,
        title="Émargements <juin>",
        kind=Kind.RECORD,
        indicator_numbers=[4, 11],
        valid_until=today + timedelta(days=10),
        concerns=world.contributor_a,
    )
    lapsed = _item(world, title="Ancien livret", valid_until=today - timedelta(days=1))
    with schema_context("org_alpha"):
        EvidenceItem.objects.filter(pk=lapsed.pk).update(is_archived=False, status="validated")
        lapsed.refresh_from_db()
    client.force_login(world.referent_a)
    page = client.get(BASE).content.decode()
    day = timezone.localtime(soon.updated_at).strftime("%d/%m/%Y")
    expected = (
        f'<tr>\n      <th scope="row"><a href="{BASE}{soon.pk}/">Émargements &lt;juin&gt;</a>'
        '<br><span class="muted small">Trace de mise en œuvre · 1 version · '
        f"{world.contributor_a.display_name}</span></th>\n"
        '      <td><span class="indicator-number">4</span> '
        '<span class="indicator-number">11</span> </td>\n'
        '      <td><span class="badge ">Brouillon</span></td>\n'
        f"      <td>{world.referent_a.display_name}</td>\n"
        '      <td><span class="badge badge--warn">expire le '
        f"{(today + timedelta(days=10)).strftime('%d/%m/%Y')}</span></td>\n"
        f"      <td>{day}</td>\n    </tr>"
    )
    assert expected in page
    assert (
        '<td><span class="badge badge--ok">Validée</span></td>\n'
        f"      <td>{world.referent_a.display_name}</td>\n"
        '      <td><span class="badge badge--warn">échue le '
        f"{(today - timedelta(days=1)).strftime('%d/%m/%Y')}</span></td>"
    ) in page
