"""Answers collected elsewhere, imported from a CSV file: the manager maps each column to a
question (or the session, or nothing), every line is checked as an answer from a link, and the
file is kept whole or not at all."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qualiopi_portal.core.tenants import schema_context
from surveys import imports, services
from surveys.models import Answer, Questionnaire, Response
from tests.learners.test_learners import _session

pytestmark = pytest.mark.django_db

RECOMMEND = "Recommanderiez-vous cette formation à une personne de votre entourage ?"
HEADER = [
    "Horodateur",
    "Note globale",
    "Objectifs",
    "Formateur",
    "Supports",
    "Organisation",
    "Rythme",
    RECOMMEND,
    "session",
    "Commentaire",
]
# What the manager picks for each column of HEADER.
MAPPING = [
    "",
    "question:overall",
    "question:objectives",
    "question:trainer",
    "question:materials",
    "question:organisation",
    "question:pace",
    "question:recommend",
    "session",
    "question:liked",
]


def _installed(world):
    with schema_context("org_alpha"):
        services.questionnaires_install()
        return Questionnaire.objects.get(code="satisfaction_hot")


def _csv(rows, *, separator=";", bom=True) -> bytes:
    text = "\n".join(separator.join(row) for row in [HEADER, *rows]) + "\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def _upload(client, questionnaire, data: bytes):
    return client.post(
        f"/o/alpha/enquetes/{questionnaire.pk}/importer/",
        {"file": SimpleUploadedFile("reponses.csv", data, content_type="text/csv")},
    )


def _payload(response) -> str:
    found = re.search(r'name="payload" value="([^"]+)"', response.content.decode())
    assert found is not None
    return found.group(1)


def _map(client, questionnaire, payload: str, mapping=MAPPING):
    return client.post(
        f"/o/alpha/enquetes/{questionnaire.pk}/importer/",
        {"payload": payload, **{f"column_{i}": value for i, value in enumerate(mapping)}},
    )


def test_answers_collected_elsewhere_are_imported_column_by_column(client, world):
    questionnaire = _installed(world)
    session = _session(world)
    client.force_login(world.referent_a)
    page = client.get(f"/o/alpha/enquetes/{questionnaire.pk}/")
    assert "Importer des réponses (CSV)" in page.content.decode()
    assert client.get(f"/o/alpha/enquetes/{questionnaire.pk}/importer/").status_code == 200
    data = _csv(
        [
            ["04/12/2026", "5", "4", "5", "4", "5", "Adapté", "Oui", str(session.pk), "Très bien"],
            ["04/12/2026", "4", "4", "4", "4", "4", "too_fast", "non", str(session.pk), ""],
            ["", "", "", "", "", "", "", "", "", ""],  # a blank line is skipped
            ["05/12/2026", "3", "2", "3", "3", "3", "", "OUI", "", "Trop long"],
        ]
    )
    mapping_page = _upload(client, questionnaire, data)
    assert mapping_page.status_code == 200
    body = mapping_page.content.decode()
    assert "3 lignes de réponses lues" in body
    # The column named like a question, and the session's, are chosen already.
    assert re.search(r'name="column_7">.*?<option value="question:recommend" selected>', body, re.S)
    assert re.search(r'name="column_8">.*?<option value="session" selected>', body, re.S)
    # « Note globale » names no question exactly: the manager chooses.
    assert '<select id="column-1" name="column_1"><option value="" selected>' in body
    with schema_context("org_alpha"):
        assert Response.objects.count() == 0  # nothing before the mapping is confirmed

    response = _map(client, questionnaire, _payload(mapping_page))
    assert response.status_code == 302
    assert response.url == f"/o/alpha/enquetes/{questionnaire.pk}/"
    page = client.get(response.url).content.decode()
    assert "3 réponses importées." in page
    assert "3 réponses reçues pour cette version (dont 3 importées)." in page
    with schema_context("org_alpha"):
        stored = list(Response.objects.order_by("pk"))
        assert [(r.origin, r.invitation_id, r.session_id) for r in stored] == [
            ("import", None, session.pk),
            ("import", None, session.pk),
            ("import", None, None),
        ]
        assert [
            sorted(
                (a.question.code, a.number, a.text, a.choices)
                for a in Answer.objects.filter(response=r).select_related("question")
            )
            for r in stored
        ] == [
            [
                ("liked", None, "Très bien", []),
                ("materials", 4, "", []),
                ("objectives", 4, "", []),
                ("organisation", 5, "", []),
                ("overall", 5, "", []),
                ("pace", None, "", ["right"]),
                ("recommend", None, "", ["yes"]),
                ("trainer", 5, "", []),
            ],
            [
                ("materials", 4, "", []),
                ("objectives", 4, "", []),
                ("organisation", 4, "", []),
                ("overall", 4, "", []),
                ("pace", None, "", ["too_fast"]),
                ("recommend", None, "", ["no"]),
                ("trainer", 4, "", []),
            ],
            [
                ("liked", None, "Trop long", []),
                ("materials", 3, "", []),
                ("objectives", 2, "", []),
                ("organisation", 3, "", []),
                ("overall", 3, "", []),
                ("recommend", None, "", ["yes"]),
                ("trainer", 3, "", []),
            ],
        ]
        session.refresh_from_db()
        # 5 and 4 out of 5 count double: 9.0 out of 10, from the two lines of this session.
        assert (session.hot_average, session.hot_responses) == (Decimal("9.0"), 2)
        assert (session.recommend_yes, session.recommend_responses) == (1, 2)


def test_one_bad_line_imports_nothing_and_every_error_names_its_line_and_column(client, world):
    questionnaire = _installed(world)
    session = _session(world)
    client.force_login(world.referent_a)
    data = _csv(
        [
            ["", "5", "4", "5", "4", "5", "Adapté", "Oui", str(session.pk), ""],
            ["", "6", "4", "5", "4", "5", "", "Oui", str(session.pk), ""],
            ["", "4", "", "5", "4", "5", "", "peut-être", "", ""],
            ["", "4", "4", "5", "4", "5", "", "Oui", "99999", ""],
        ],
        separator=",",
        bom=False,
    )
    response = _map(client, questionnaire, _payload(_upload(client, questionnaire, data)))
    assert response.status_code == 400
    assert response.context["errors"] == [
        "Ligne 3, colonne « Note globale » : Choisissez une note de 1 à 5.",
        "Ligne 4, colonne « Objectifs » : Répondez à cette question.",
        f"Ligne 4, colonne « {RECOMMEND} » : Choisissez parmi les réponses proposées.",
        "Ligne 5, colonne « session » : session « 99999 » introuvable (indiquez le numéro de "
        "la session).",
    ]
    assert "Rien n’a été importé." in response.content.decode()
    # The page comes back with the same file and the manager's choices, to correct and retry.
    assert re.search(
        r'name="column_1">.*?<option value="question:overall" selected>',
        response.content.decode(),
        re.S,
    )
    with schema_context("org_alpha"):
        assert Response.objects.count() == 0 and Answer.objects.count() == 0
        session.refresh_from_db()
        assert (session.hot_average, session.hot_responses) == (None, 0)


def test_a_tampered_doubled_or_incomplete_mapping_is_refused(client, world):
    questionnaire = _installed(world)
    client.force_login(world.referent_a)
    data = _csv([["", "5", "4", "5", "4", "5", "", "Oui", "", ""]])
    payload = _payload(_upload(client, questionnaire, data))

    unknown = [*MAPPING]
    unknown[1] = "question:inconnue"
    response = _map(client, questionnaire, payload, unknown)
    assert response.status_code == 400
    assert response.context["errors"] == [
        "Colonne « Note globale » : la question « inconnue » n'existe pas dans ce questionnaire."
    ]
    doubled = [*MAPPING]
    doubled[2] = "question:overall"
    response = _map(client, questionnaire, payload, doubled)
    assert response.context["errors"] == [
        "Les colonnes « Note globale » et « Objectifs » répondent à la même question "
        "« Dans l'ensemble, êtes-vous satisfait·e de la formation ? » : une seule colonne par "
        "question."
    ]
    missing = [*MAPPING]
    missing[2] = ""
    response = _map(client, questionnaire, payload, missing)
    assert response.context["errors"] == [
        "La question obligatoire « Avez-vous atteint les objectifs annoncés de la formation ? » "
        "n'a pas de colonne."
    ]
    two_sessions = [*MAPPING]
    two_sessions[0] = "session"
    response = _map(client, questionnaire, payload, two_sessions)
    assert response.context["errors"] == [
        "Les colonnes « Horodateur » et « session » donnent toutes deux la session : une seule "
        "colonne pour la session."
    ]
    # A file signed for another questionnaire, or altered, is not taken.
    with schema_context("org_alpha"):
        other = Questionnaire.objects.get(code="appraisal_cold")
    response = _map(client, other, payload)
    assert response.status_code == 400
    assert response.context["errors"] == ["Le fichier n'a pas été retrouvé : envoyez-le à nouveau."]
    response = _map(client, questionnaire, payload[:-3] + "abc")
    assert response.context["errors"] == ["Le fichier n'a pas été retrouvé : envoyez-le à nouveau."]
    with schema_context("org_alpha"):
        assert Response.objects.count() == 0
    # Only a manager imports.
    client.force_login(world.director_a)
    assert client.get(f"/o/alpha/enquetes/{questionnaire.pk}/importer/").status_code == 404
    assert _map(client, questionnaire, payload).status_code == 404
    with schema_context("org_alpha"):
        assert Response.objects.count() == 0


def test_files_empty_too_large_too_long_and_the_error_list_capped(client, world):
    questionnaire = _installed(world)
    client.force_login(world.referent_a)
    assert _upload(client, questionnaire, b"").context["form"].errors == {
        "file": ["Le fichier soumis est vide."]
    }
    assert _upload(client, questionnaire, b"\n  \n").context["errors"] == ["Le fichier est vide."]
    big = _csv([]) + b"x" * (2 * 1024 * 1024)
    assert _upload(client, questionnaire, big).context["errors"] == ["Le fichier dépasse 2 Mo."]
    good = ["", "5", "4", "5", "4", "5", "", "Oui", "", ""]
    long = _upload(client, questionnaire, _csv([good] * 5001))
    assert long.status_code == 400
    assert long.context["errors"] == ["Le fichier dépasse 5000 lignes de réponses : découpez-le."]
    assert _upload(client, questionnaire, _csv([])).context["errors"] == [
        "Le fichier ne contient aucune réponse."
    ]
    bad = ["", "9", "4", "5", "4", "5", "", "Oui", "", ""]
    response = _map(
        client, questionnaire, _payload(_upload(client, questionnaire, _csv([bad] * 60)))
    )
    errors = response.context["errors"]
    assert len(errors) == 51
    assert errors[0] == "Ligne 2, colonne « Note globale » : Choisissez une note de 1 à 5."
    assert errors[49] == "Ligne 51, colonne « Note globale » : Choisissez une note de 1 à 5."
    assert errors[50] == "… et 10 autres erreurs."
    # 5,000 lines are taken, in one go.
    response = _map(
        client, questionnaire, _payload(_upload(client, questionnaire, _csv([good] * 5000)))
    )
    assert response.status_code == 302
    with schema_context("org_alpha"):
        assert Response.objects.filter(origin="import").count() == 5000
        assert Answer.objects.count() == 5000 * 6  # five notes and the recommendation


def test_choices_are_read_by_code_or_label_one_or_several():
    question = imports.QuestionInfo(
        code="liked",
        label="Ce qui vous a aidé",
        type="multiple",
        required=False,
        choices=(("lectures", "Les cours, les explications"), ("practice", "La pratique")),
    )
    assert imports._given(question, "Les cours, les explications") == ["lectures"]
    assert imports._given(question, "la pratique | LECTURES") == ["practice", "lectures"]
    assert imports._given(question, "practice, autre") == ["practice", "autre"]
    assert imports._given(question, "") == []
