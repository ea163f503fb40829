"""English is really available: the project's own strings have an English catalogue."""

import ast
import gettext as gettext_module
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

HERO_FR = "Arrivez à l’audit Qualiopi avec un dossier propre."
HERO_EN = "Go into your Qualiopi audit with everything in order."


def _entries(path: Path) -> list[dict]:
    """Parse a PO file with the standard library: one dict per entry (the header included)."""
    entries: list[dict] = []
    entry: dict | None = None
    field = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            entry = None
            continue
        if entry is None:
            entry = {"flags": [], "msgid": "", "msgstr": {}}
            entries.append(entry)
        if line.startswith("#,"):
            entry["flags"] += [flag.strip() for flag in line[2:].split(",")]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += value
            else:
                entry[field[0]] += value
        else:
            keyword, value = line.split(" ", 1)
            value = ast.literal_eval(value)
            if keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if "[" in keyword else None
                field = ("msgstr", index)
                entry["msgstr"][index] = value
            else:
                field = (keyword,)
                entry[keyword] = value
    return entries


def test_landing_page_in_english_after_choosing_the_language(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"

    page = client.get("/").content.decode()
    assert HERO_EN in page
    assert HERO_FR not in page
    assert '<html lang="en"' in page


def test_landing_page_stays_french_by_default(client):
    page = client.get("/").content.decode()
    assert HERO_FR in page
    assert HERO_EN not in page


def test_role_label_in_english():
    with translation.override("en"):
        assert gettext("Référent·e qualité") == "Quality lead"
    with translation.override("fr"):
        assert gettext("Référent·e qualité") == "Référent·e qualité"


def test_every_catalogue_entry_is_translated():
    header, *entries = _entries(CATALOGUE)
    assert header["msgid"] == ""
    assert "Language: en\n" in header["msgstr"][None]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header["msgstr"][None]
    assert "charset=UTF-8" in header["msgstr"][None]
    assert len(entries) > 100

    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in [header, *entries] if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []
    for entry in entries:
        expected = {0, 1} if "msgid_plural" in entry else {None}
        assert set(entry["msgstr"]) == expected, entry["msgid"]


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo (what Django reads) carries exactly the .po's translations."""
    with CATALOGUE.with_suffix(".mo").open("rb") as compiled:
        mo = gettext_module.GNUTranslations(compiled)
    for entry in _entries(CATALOGUE)[1:]:
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            for n, index in ((1, 0), (2, 1)):
                arguments = (entry["msgid"], entry["msgid_plural"], n)
                translated = (
                    mo.npgettext(context, *arguments) if context else mo.ngettext(*arguments)
                )
                assert translated == entry["msgstr"][index], entry["msgid"]
        else:
            translated = (
                mo.pgettext(context, entry["msgid"]) if context else mo.gettext(entry["msgid"])
            )
            assert translated == entry["msgstr"][None], entry["msgid"]
