"""PDF reports: real WeasyPrint files read back with pypdf, hostile text printed, never fetched."""

from __future__ import annotations

import io
import socket
import threading
from datetime import date, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from audits import services as audit_services
from improvement import services as improvement_services
from qualiopi_portal.core.pdf import html_to_pdf
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Organisation
from reports.models import Report
from reports.services import report_render

from ..indicators.test_readiness_services import _validated

pytestmark = pytest.mark.django_db


def _text(report: Report) -> str:
    with report.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def _render(world, kind="readiness", audit=None) -> Report:
    alpha = Organisation.objects.get(pk=world.org_a.pk)
    with schema_context("org_alpha"):
        report = Report.objects.create(kind=kind, audit=audit, requested_by=world.director_a)
        return report_render(organisation=alpha, report=report)


def test_the_readiness_report_tells_what_the_database_says(world, media):
    _validated(world, [4], title="Procédure d'analyse du besoin")
    with schema_context("org_alpha"):
        improvement_services.action_create(
            organisation=world.org_a,
            title="Publier les taux de satisfaction",
            indicator_numbers=[2],
            owner=world.director_a,
            due_date=timezone.localdate() + timedelta(days=20),
            created_by=world.referent_a,
        )
    report = _render(world)
    assert report.status == "ready"
    assert report.error == ""
    assert report.size == report.file.size
    assert report.snapshot is not None
    text = _text(report)
    reader_pages = text.count("Page ")
    assert reader_pages >= 4
    assert "Alpha Formation" in text
    assert "Rapport de préparation à l’audit Qualiopi".upper() in text.upper()
    percent = f"{report.snapshot.overall_percent:.0f} %"
    assert percent in text
    assert "Non certifiable en l'état" in text
    # The rules behind the verdict, with their sources, next to it.
    flat = " ".join(text.split())
    assert "(guide de lecture V9, préambule, « pondération des non-conformités »)" in flat
    assert (
        "À partir de 5 NC mineures non levées, l’organisme n’est pas certifiable en l’état "
        "(FAQ du ministère du Travail sur Qualiopi)." in flat
    )
    assert "Indicateur 4 — Analyse du besoin du bénéficiaire" in text
    assert "Procédure d'analyse du besoin" in text
    assert "Publier les taux de satisfaction" in text
    # Plain AF: 22 applicable, so 11 exclusions with their reason in the appendix.
    assert "22 indicateurs applicables." in text
    appendix = text.split("Annexe : périmètre et indicateurs exclus")[-1]
    assert "27 — Sous-traitance et portage salarial" in appendix
    assert "Sommaire" in text


def test_audit_prep_report_has_the_timetable_and_open_findings(world, media):
    with schema_context("org_alpha"):
        audit = audit_services.audit_save(
            audit=None,
            created_by=world.referent_a,
            kind="initial",
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 1),
            auditors="Claire Fontaine",
            sites="",
            report_date=date(2026, 12, 2),
            notes="",
        )
        from datetime import time

        audit_services.slot_save(
            audit=audit,
            slot=None,
            day=date(2026, 12, 1),
            starts_at=time(9, 0),
            ends_at=time(10, 0),
            subject="Information du public",
            indicator_numbers=[1, 2],
            auditor="",
            resource_persons="La référente qualité",
            location="",
        )
        audit_services.finding_save(
            audit=audit,
            finding=None,
            indicator_number=9,
            kind="nc_minor",
            description="Livret d'accueil incomplet",
        )
    text = _text(_render(world, kind="audit_prep", audit=audit))
    assert "Dossier de préparation d’audit".upper() in text.upper()
    assert "Information du public" in text
    assert "Livret d'accueil incomplet" in text
    assert "02/06/2027" in text  # minor: report + 6 months


class _Listener:
    """A TCP listener on loopback that counts the connections it receives."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(5)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.hits = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.hits += 1
            connection.close()

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.socket.close()


def test_hostile_text_is_printed_never_fetched(world, media):
    listener = _Listener()
    try:
        hostile = [
            '<img src="file:///etc/passwd">',
            f'<link rel="stylesheet" href="http://127.0.0.1:{listener.port}/x.css">',
            f"<style>@import url(http://127.0.0.1:{listener.port}/i.css);</style>",
            f'<div style="background:url(http://127.0.0.1:{listener.port}/bg.png)">x</div>',
            '<img src="/media/org_beta/evidence/1/v1.pdf">',
        ]
        for number, title in zip([1, 2, 4, 5, 6], hostile, strict=True):
            _validated(world, [number], title=title)
        report = _render(world)
    finally:
        listener.close()
    assert report.status == "ready"
    assert listener.hits == 0
    text = " ".join(_text(report).split())  # table cells wrap long titles
    assert '<img src="file:///etc/passwd">' in text
    assert "root:x:0:0" not in text
    assert f"<style>@import url(http://127.0.0.1:{listener.port}/i.css);</style>" in text


def test_markup_that_escaped_the_templates_still_fetches_nothing(media):
    """Defence in depth: were a template ever to print user text unescaped, the fetcher alone
    keeps the listener, the disk and the other organisation's files out of the PDF."""
    theirs = media / "org_beta" / "evidence" / "fuite.css"
    theirs.parent.mkdir(parents=True)
    theirs.write_text('h1::after { content: "MARQUEUR-ORGANISATION-B"; }')
    listener = _Listener()
    port = listener.port
    hostile = [
        "file:///etc/passwd",
        f"file://{theirs}",
        f"http://127.0.0.1:{port}/x.css",
        f"http://127.0.0.1:{port}/i.css",
        f"http://127.0.0.1:{port}/bg.png",
        f"https://127.0.0.1:{port}/img.png",
        "https://portail.invalid/media/org_beta/evidence/fuite.css",
        f"https://portail.invalid/static/../../..{theirs}",
        "https://portail.invalid/static/%2e%2e/%2e%2e/etc/passwd",
    ]
    html = (
        "<html><head>"
        '<link rel="stylesheet" href="/static/css/portal.css">'
        f'<link rel="stylesheet" href="{hostile[1]}">'
        f'<link rel="stylesheet" href="{hostile[2]}">'
        f"<style>@import url({hostile[3]}); body {{ background: url({hostile[4]}); }}</style>"
        f'<link rel="stylesheet" href="{hostile[6]}">'
        f'<link rel="stylesheet" href="{hostile[7]}">'
        "</head><body><h1>Rapport</h1>"
        f'<img src="{hostile[0]}"><img src="{hostile[5]}"><img src="{hostile[8]}">'
        "</body></html>"
    )
    try:
        pdf, refused = html_to_pdf(html)
    finally:
        listener.close()
    assert listener.hits == 0
    assert sorted(refused) == sorted(hostile)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert text.strip() == "Rapport"


def test_a_failure_leaves_a_readable_reason_and_no_file(world, media, monkeypatch):
    def explode(*args, **kwargs):
        raise MemoryError("rendu trop volumineux")

    monkeypatch.setattr("reports.services.render_pdf", explode)
    report = _render(world)
    assert report.status == "failed"
    assert report.error == "La génération a échoué : rendu trop volumineux"
    assert not report.file


def test_pages_ask_follow_and_download(client, world, media):
    client.force_login(world.director_a)
    page = client.get("/o/alpha/rapports/").content.decode()
    assert "Aucun document généré pour l’instant." in page
    response = client.post("/o/alpha/rapports/nouveau/", {"kind": "readiness"})
    assert response.status_code == 302
    with schema_context("org_alpha"):
        report = Report.objects.get()
        assert report.status == "queued"
    listing = client.get("/o/alpha/rapports/").content.decode()
    assert "En file d&#x27;attente" in listing
    assert 'hx-trigger="every 2s"' in listing
    assert client.get(f"/o/alpha/rapports/{report.pk}/telecharger/").status_code == 404
    report = _render_existing(world, report)
    download = client.get(f"/o/alpha/rapports/{report.pk}/telecharger/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    day = report.finished_at.strftime("%Y-%m-%d")
    assert download["Content-Disposition"] == (
        f'attachment; filename="preparation-qualiopi-alpha-{day}.pdf"'
    )
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    client.force_login(world.contributor_a)
    assert client.get("/o/alpha/rapports/").status_code == 404
    assert client.get(f"/o/alpha/rapports/{report.pk}/telecharger/").status_code == 404


def _render_existing(world, report):
    alpha = Organisation.objects.get(pk=world.org_a.pk)
    with schema_context("org_alpha"):
        return report_render(organisation=alpha, report=report)


def _filed(world, title, numbers, *, validate=True, content=b"Feuille d'emargement\n"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence import services as evidence_services
    from evidence.models import EvidenceItem, Kind

    from ..evidence.conftest import access_for

    with schema_context("org_alpha"):
        (item,) = evidence_services.evidence_create(
            access=access_for(world, "referent"),
            actor=world.referent_a,
            data={"title": title, "kind": Kind.RECORD, "indicator_numbers": numbers},
            uploads=[SimpleUploadedFile("émargement octobre.txt", content)],
        )
        if validate:
            EvidenceItem.objects.filter(pk=item.pk).update(status="validated")
    return item


def test_the_evidence_pack_holds_validated_files_by_indicator(world, media):
    import csv
    import zipfile

    both = _filed(world, "Émargements <b>octobre</b>", [9, 12], content=b"feuilles\n")
    _filed(world, "Brouillon", [9], validate=False)
    _filed(world, "Hors périmètre", [14])  # 14 is for apprenticeship only
    report = _render(world, kind="evidence_pack")
    assert report.status == "ready"
    assert report.file.name.endswith(".zip")
    with report.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        names = sorted(archive.namelist())
        folder9 = "critere-3/indicateur-09-information-des-beneficiaires-sur-les-conditions-d"
        expected_file = f"emargement-octobre-{both.pk}-v1.txt"
        assert names == sorted(
            [
                "index.csv",
                "index.html",
                f"{folder9}/{expected_file}",
                "critere-3/indicateur-12-engagement-des-beneficiaires-prevention-des-ruptur/"
                + expected_file,
            ]
        )
        assert archive.read(f"{folder9}/{expected_file}") == b"feuilles\n"
        index = archive.read("index.html").decode()
        assert "Émargements &lt;b&gt;octobre&lt;/b&gt;" in index
        rows = list(
            csv.reader(io.StringIO(archive.read("index.csv").decode("utf-8-sig")), delimiter=";")
        )
    assert rows[0][:4] == ["critère", "indicateur", "intitulé", "preuve"]
    assert [(row[1], row[3], row[4]) for row in rows[1:]] == [
        ("9", "Émargements <b>octobre</b>", "1"),
        ("12", "Émargements <b>octobre</b>", "1"),
    ]


def test_the_memory_budget_stops_allocations_and_is_lifted_afterwards():
    from qualiopi_portal.core.pdf import memory_budget

    with pytest.raises(MemoryError), memory_budget(16):
        bytearray(512 * 1024 * 1024)
    # Outside the budget the same allocation works again.
    assert len(bytearray(512 * 1024 * 1024)) == 512 * 1024 * 1024


def test_pack_names_spell_out_ligatures():
    from reports.pack import _folder

    assert _folder(6, "Contenus et modalités de mise en œuvre adaptés") == (
        "indicateur-06-contenus-et-modalites-de-mise-en-oeuvre-adaptes"
    )
