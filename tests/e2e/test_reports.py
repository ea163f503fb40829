"""A director generates the readiness report through the real worker and downloads it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

ORG = "/o/cfa-metiers-occitanie"


def test_director_downloads_the_readiness_report(page, login, portal):
    login("direction.cfa@demo.test")
    page.goto(f"{ORG}/")
    percent = page.locator(".readiness-percent").inner_text()
    page.get_by_role("navigation", name="Navigation de l’organisation").get_by_role(
        "link", name="Rapports"
    ).click()
    page.get_by_role("button", name="Générer le rapport de préparation").click()
    expect(page.get_by_text("Le document est en préparation")).to_be_visible()
    # htmx polls the list until the worker has rendered the PDF.
    link = page.get_by_role("link", name="PDF (")
    expect(link).to_be_visible(timeout=60_000)
    with page.expect_download() as download:
        link.click()
    name = download.value.suggested_filename
    assert name.startswith("preparation-qualiopi-cfa-metiers-occitanie-")
    text = "\n".join(p.extract_text() for p in PdfReader(Path(download.value.path())).pages)
    assert "CFA des Métiers d'Occitanie" in text
    assert percent in text
    assert "Indicateur 14 — Accompagnement socio-professionnel" in text

    # The audit-prep file for the mock audit, and the evidence pack.
    mock = page.locator("#id_audit option", has_text="Audit à blanc").get_attribute("value")
    page.get_by_label("Audit", exact=True).select_option(mock)
    page.get_by_role("button", name="Générer le dossier").click()
    prep = page.get_by_role("row", name=re.compile("Dossier de préparation d'audit")).get_by_role(
        "link", name="PDF ("
    )
    expect(prep).to_be_visible(timeout=60_000)
    with page.expect_download() as download:
        prep.click()
    prep_text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(Path(download.value.path())).pages
    )
    assert "DOSSIER DE PRÉPARATION D’AUDIT" in prep_text.upper()
    # The CFA's mock audit: the open findings are listed, the strength is not.
    assert "Procédure de signalement des violences connue des apprentis" not in prep_text
    assert "Le conseil de perfectionnement ne s'est pas réuni cette année" in prep_text

    page.get_by_role("button", name="Préparer le dossier de preuves").click()
    zipped = page.get_by_role("link", name="ZIP (")
    expect(zipped).to_be_visible(timeout=60_000)
    with page.expect_download() as download:
        zipped.click()
    assert download.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
    assert "index.html" in names
    assert "index.csv" in names
    assert any(name.startswith("critere-") for name in names)
