"""Signing from the QR code shown in the room, and drawn signatures: the code and its expiry,
the e-mail that names the learner, the drawing checked, chained, printed and erased."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from learners import services
from learners.attendance import Schedule
from learners.models import AttendanceRecord, Enrolment, Slot
from qualiopi_portal.core.tenants import schema_context

from .test_learners import _enrol, _planned, _session, _url

pytestmark = pytest.mark.django_db

ROOM_URL = re.compile(r"http://testserver/emargement/alpha/salle/([a-z2-9]{12})/")
NEUTRAL = "Cette adresse ne correspond à aucune inscription à cette demi-journée."
NEUTRAL_HTML = NEUTRAL.replace("'", "&#x27;")


def _png(width: int = 60, height: int = 20) -> str:
    """A real PNG as the drawing pad writes it: a data URL."""
    buffer = io.BytesIO()
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    for x in range(width):
        image.putpixel((x, height // 2), (27, 36, 48, 255))
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _trainer(world, session) -> None:
    with schema_context("org_alpha"):
        services.session_trainers_set(
            organisation=world.org_a, session=session, users=[world.contributor_a]
        )


def _code(slot: Slot, now: datetime | None = None) -> str:
    with schema_context("org_alpha"):
        return services.slot_room_code_create(slot=slot, now=now)


def _room_post(client, code: str, **fields):
    data = {"signed_name": "Léa Martin", "consent": "on", **fields}
    return client.post(f"/emargement/alpha/salle/{code}/", data)


# --- The code ------------------------------------------------------------------------------


def test_the_trainer_shows_a_qr_code_and_a_new_one_ends_the_previous(client, world):
    session = _session(world)
    _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    (slot,) = _planned(world, session)
    _trainer(world, session)
    url = _url(session, f"emargement/{slot.pk}/qr/")
    # Only the session's trainers and the managers: same rule as closing.
    client.force_login(world.director_a)
    assert client.get(url).status_code == 404
    client.force_login(world.contributor_a)
    grid = client.get(_url(session, "emargement/")).content.decode()
    assert f'href="/o/alpha/sessions/{session.pk}/emargement/{slot.pk}/qr/"' in grid
    assert "Afficher le QR code" in grid
    asked = client.get(url).content.decode()
    assert "Afficher un nouveau QR code" in asked
    assert "<svg" not in asked
    with schema_context("org_alpha"):
        assert Slot.objects.get(pk=slot.pk).room_code_hash == ""
    shown = client.post(url).content.decode()
    (first,) = set(ROOM_URL.findall(shown))
    assert '<svg role="img" aria-label="QR code d&#x27;émargement de la demi-journée : ' in shown
    assert f">http://testserver/emargement/alpha/salle/{first}/</a>" in shown
    assert "Valable jusqu’à 23:59, fin de la demi-journée." in shown
    with schema_context("org_alpha"):
        stored = Slot.objects.get(pk=slot.pk)
    # Only the hash is kept; the code is valid until the half-day's signing window closes.
    assert stored.room_code_hash == hashlib.sha256(first.encode()).hexdigest()
    paris = timezone.get_current_timezone()
    assert stored.room_code_expires_at == datetime.combine(slot.day, time(23, 59), tzinfo=paris)
    room = client.get(f"/emargement/alpha/salle/{first}/")
    assert room.status_code == 200
    assert room["Cache-Control"] == "private, no-store"
    assert room["Referrer-Policy"] == "same-origin"
    assert "Un QR code est déjà affiché" in client.get(url).content.decode()
    (second,) = set(ROOM_URL.findall(client.post(url).content.decode()))
    assert second != first
    assert client.get(f"/emargement/alpha/salle/{first}/").status_code == 404
    assert client.get(f"/emargement/alpha/salle/{second}/").status_code == 200
    # A code opens its own organisation's room only; unknown ones are plain 404s.
    assert client.get(f"/emargement/beta/salle/{second}/").status_code == 404
    assert client.get("/emargement/alpha/salle/jeton-devine/").status_code == 404
    assert client.get(f"/emargement/inconnue/salle/{second}/").status_code == 404


def test_a_code_expires_with_the_half_day_and_a_closed_one_has_none(client, world):
    day = timezone.localdate() - timedelta(days=7)
    session = _session(world, starts_on=day)
    lea = _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    morning, afternoon = _planned(world, session, Schedule(weekdays=frozenset(range(7))))
    paris = timezone.get_current_timezone()

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=paris)

    code = _code(morning, now=at(8))
    with schema_context("org_alpha"):
        morning.refresh_from_db()
        assert morning.room_code_expires_at == at(12, 30)
        assert services.room_slot(code, now=at(12, 29)) == morning
        with pytest.raises(services.SigningRefused) as expired:
            services.room_slot(code, now=at(12, 30))
        assert str(expired.value) == "Ce QR code n'est plus valable : la demi-journée est terminée."
        with pytest.raises(ValidationError) as over:
            services.slot_room_code_create(slot=morning, now=at(12, 31))
        assert over.value.messages == [
            "Cette demi-journée est terminée : plus de QR code à afficher."
        ]
    # That half-day was a week ago: the room page says the code is over.
    closed = client.get(f"/emargement/alpha/salle/{code}/")
    assert closed.status_code == 410
    assert "Ce QR code n&#x27;est plus valable" in closed.content.decode()
    # A closed half-day shows no code any more, and its code stops at once.
    late = _code(afternoon, now=at(13))
    with schema_context("org_alpha"):
        services.slot_close(
            slot=afternoon, actor=world.referent_a, absences={lea.pk: "absent_justified"}
        )
        afternoon.refresh_from_db()
        with pytest.raises(ValidationError):
            services.slot_room_code_create(slot=afternoon)
    refused = client.get(f"/emargement/alpha/salle/{late}/")
    assert refused.status_code == 410
    assert "Cette demi-journée est clôturée" in refused.content.decode()
    client.force_login(world.referent_a)
    page = client.post(_url(session, f"emargement/{afternoon.pk}/qr/"))
    assert page.status_code == 400
    assert "<svg" not in page.content.decode()


# --- Signing in the room -------------------------------------------------------------------


def test_a_learner_signs_in_the_room_with_the_e_mail_of_their_enrolment(client, world):
    session = _session(world)
    lea = _enrol(world, session, "Léa", "Martin", "lea.martin@example.fr")
    _enrol(world, session, "Hugo", "Bernard", "hugo@example.fr")
    (slot,) = _planned(world, session)
    code = _code(slot)
    page = client.get(f"/emargement/alpha/salle/{code}/").content.decode()
    # Nobody's name is listed: the learner names themself by their address.
    assert "Martin" not in page and "Bernard" not in page
    assert "Votre adresse e-mail (celle de votre inscription)" in page
    drawing = _png()
    signed = _room_post(client, code, email="  LEA.Martin@Example.fr ", drawing=drawing)
    assert signed.status_code == 302
    followed = client.get(f"/emargement/alpha/salle/{code}/").content.decode()
    assert "Votre présence est enregistrée. Merci !" in followed
    with schema_context("org_alpha"):
        record = AttendanceRecord.objects.get()
        lea.refresh_from_db()
        assert (record.enrolment_id, record.kind, record.signed_name, record.consent) == (
            lea.pk,
            "signature",
            "Léa Martin",
            True,
        )
        assert record.drawing == drawing
        assert record.drawing_digest == hashlib.sha256(drawing.encode()).hexdigest()
        assert lea.status == "in_training"
        assert services.chain_check(session) is None
    again = _room_post(client, code, email="lea.martin@example.fr")
    assert again.status_code == 400
    assert "Vous avez déjà émargé pour cette demi-journée." in again.content.decode()
    with schema_context("org_alpha"):
        assert AttendanceRecord.objects.count() == 1


def test_an_address_of_nobody_here_gets_one_neutral_answer_and_nothing_is_stored(client, world):
    session = _session(world)
    _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    gone = _enrol(world, session, "Zoé", "Petit", "zoe@example.fr")
    (slot,) = _planned(world, session)
    # Inès is enrolled, and signing now, on another session of the same organisation.
    other = _session(world)
    _enrol(world, other, "Inès", "Durand", "ines@example.fr")
    _planned(world, other)
    with schema_context("org_alpha"):
        Enrolment.objects.filter(pk=gone.pk).update(status="dropped_out")
    code = _code(slot)
    answers = []
    for email in ("inconnu@example.fr", "ines@example.fr", "zoe@example.fr"):
        response = _room_post(client, code, email=email)
        assert response.status_code == 400, email
        answers.append(response.content.decode().count(NEUTRAL_HTML))
    assert answers == [1, 1, 1]
    with schema_context("org_alpha"):
        assert AttendanceRecord.objects.count() == 0
    # The form's own checks come first: consent, a name, an address.
    refused = client.post(f"/emargement/alpha/salle/{code}/", {"email": "lea@example.fr"})
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "signed_name": ["Ce champ est obligatoire."],
        "consent": ["Cochez la case de consentement pour signer."],
    }
    with schema_context("org_alpha"):
        assert AttendanceRecord.objects.count() == 0


def test_the_room_follows_the_half_day_s_window(world):
    session = _session(world, starts_on=date(2026, 12, 7))
    lea = _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    morning, _afternoon = _planned(world, session, Schedule())
    paris = timezone.get_current_timezone()
    code = _code(morning, now=datetime(2026, 12, 7, 7, 0, tzinfo=paris))
    with schema_context("org_alpha"):
        with pytest.raises(services.SigningRefused) as early:
            services.sign_in_room(
                code=code,
                email="lea@example.fr",
                signed_name="Léa Martin",
                consent=True,
                now=datetime(2026, 12, 7, 8, 30, tzinfo=paris),
            )
        assert str(early.value) == (
            "On émarge pendant la demi-journée (09:00 – 12:30 le 07/12/2026)."
        )
        record = services.sign_in_room(
            code=code,
            email="lea@example.fr",
            signed_name="Léa Martin",
            consent=True,
            now=datetime(2026, 12, 7, 9, 10, tzinfo=paris),
        )
        assert (record.enrolment_id, record.minutes_late, record.drawing) == (lea.pk, 10, "")
        assert AttendanceRecord.objects.count() == 1


# --- Drawn signatures ----------------------------------------------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NOT_PNG = "La signature dessinée doit être une image PNG."
TOO_BIG = "La signature dessinée est trop lourde (100 Ko au plus) : effacez-la et recommencez."
GARBLED = "La signature dessinée est illisible : effacez-la et recommencez."


@pytest.mark.parametrize(
    ("drawing", "error"),
    [
        ("data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff\xe0").decode(), NOT_PNG),
        ("data:image/png;base64," + base64.b64encode(b"GIF89a" + b"\0" * 20).decode(), NOT_PNG),
        ("<script>alert(1)</script>", NOT_PNG),
        ("data:image/png;base64,iVBORw0KGgo!!!=", GARBLED),
        ("data:image/png;base64,iVBORw0KGgoAA", GARBLED),
        (
            "data:image/png;base64," + base64.b64encode(PNG_MAGIC + b"\0" * 100 * 1024).decode(),
            TOO_BIG,
        ),
        ("data:image/png;base64," + "A" * 300_000, TOO_BIG),
    ],
    ids=["jpeg", "gif-as-png", "script", "bad-base64", "bad-padding", "over-100-kb", "huge"],
)
def test_a_drawing_that_is_not_a_small_png_is_refused_and_nothing_stored(
    client, world, drawing, error
):
    session = _session(world)
    _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    (slot,) = _planned(world, session)
    code = _code(slot)
    response = _room_post(client, code, email="lea@example.fr", drawing=drawing)
    assert response.status_code == 400
    assert response.context["form"].errors == {"drawing": [error]}
    assert error.replace("'", "&#x27;") in response.content.decode()
    with schema_context("org_alpha"):
        assert AttendanceRecord.objects.count() == 0


def test_a_drawing_of_exactly_100_kb_is_taken():
    from learners.forms import drawing_check

    payload = PNG_MAGIC + b"\0" * (100 * 1024 - len(PNG_MAGIC))
    value = "data:image/png;base64," + base64.b64encode(payload).decode()
    assert drawing_check(value) == value
    assert drawing_check("  ") == ""


def test_a_drawing_from_the_personal_link_is_printed_chained_and_erased(client, world):
    session = _session(world)
    lea = _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    (slot,) = _planned(world, session)
    with schema_context("org_alpha"):
        token = services.signing_link_create(enrolment=lea)
    drawing = _png()
    signed = client.post(
        f"/emargement/alpha/{token}/",
        {"slot": slot.pk, "signed_name": "Léa Martin", "consent": "on", "drawing": drawing},
    )
    assert signed.status_code == 302
    with schema_context("org_alpha"):
        record = AttendanceRecord.objects.get()
        assert record.drawing == drawing
        assert services.chain_check(session) is None
    # The sheet shows the drawing next to the typed name.
    client.force_login(world.referent_a)
    sheet = client.get(_url(session, "emargement/feuille.pdf"))
    reader = PdfReader(io.BytesIO(sheet.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Léa Martin" in text
    assert "la chaîne de cette session est intacte" in text
    assert [len(page.images) for page in reader.pages] == [1]
    # Anonymising erases the drawing with the name; its digest stays, so the chain holds.
    anonymised = client.post(_url(session, f"apprenants/{lea.pk}/anonymiser/"))
    assert anonymised.status_code == 302
    with schema_context("org_alpha"):
        record.refresh_from_db()
        assert (record.signed_name, record.drawing) == ("", "")
        assert record.drawing_digest == hashlib.sha256(drawing.encode()).hexdigest()
        assert services.chain_check(session) is None
    erased = client.get(_url(session, "emargement/feuille.pdf"))
    assert [len(page.images) for page in PdfReader(io.BytesIO(erased.content)).pages] == [0]


def test_a_drawing_changed_in_the_database_breaks_the_chain(world):
    session = _session(world)
    lea = _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    hugo = _enrol(world, session, "Hugo", "Bernard", "hugo@example.fr")
    (slot,) = _planned(world, session)
    code = _code(slot)
    with schema_context("org_alpha"):
        for email, name in (("lea@example.fr", "Léa Martin"), ("hugo@example.fr", "Hugo B")):
            services.sign_in_room(
                code=code, email=email, signed_name=name, consent=True, drawing=_png()
            )
        assert services.chain_check(session) is None
        # Someone swaps Hugo's drawing for another one behind the portal's back.
        AttendanceRecord.objects.filter(enrolment=hugo).update(drawing=_png(80, 30))
        broken = services.chain_check(session)
        assert (broken.enrolment_id, broken.kind) == (hugo.pk, "signature")
        # And recomputes its digest too: the chained hash no longer matches.
        forged = _png(80, 30)
        AttendanceRecord.objects.filter(enrolment=hugo).update(
            drawing=forged, drawing_digest=hashlib.sha256(forged.encode()).hexdigest()
        )
        assert services.chain_check(session).enrolment_id == hugo.pk
        # Léa's record, before it, still holds.
        assert AttendanceRecord.objects.get(enrolment=lea).drawing_digest


# --- The trainer's space -------------------------------------------------------------------


def test_the_trainer_s_day_shows_today_s_signatures_and_what_to_countersign(client, world):
    session = _session(world, days=2)
    _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    _enrol(world, session, "Hugo", "Bernard", "hugo@example.fr")
    (today, _tomorrow) = _planned(world, session)
    earlier = _session(world, starts_on=timezone.localdate() - timedelta(days=3))
    _enrol(world, earlier, "Inès", "Durand", "ines@example.fr")
    (past,) = _planned(world, earlier)
    for each in (session, earlier):
        _trainer(world, each)
    with schema_context("org_alpha"):
        services.sign_in_room(
            code=_code(today), email="lea@example.fr", signed_name="Léa Martin", consent=True
        )
    client.force_login(world.contributor_a)
    page = client.get("/o/alpha/mon-espace/").content.decode()
    today_part = page[page.index("Aujourd’hui") : page.index("À contresigner")]
    assert "1 sur 2 apprenant·es ont signé" in today_part
    assert f"/o/alpha/sessions/{session.pk}/emargement/{today.pk}/qr/" in today_part
    assert f"/o/alpha/sessions/{session.pk}/emargement/{today.pk}/cloturer/" in today_part
    countersign = page[page.index("À contresigner") : page.index("Mes sessions")]
    assert f"/o/alpha/sessions/{earlier.pk}/emargement/{past.pk}/cloturer/" in countersign
    assert "0 sur 1 apprenant·e a signé" in countersign
    assert f"emargement/{today.pk}/" not in countersign  # 00:00–23:59: not over yet


def test_the_trainer_s_day_takes_the_same_queries_whatever_the_number_of_sessions(client, world):
    def queries() -> int:
        client.force_login(world.contributor_a)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/o/alpha/mon-espace/").status_code == 200
        return len(captured.captured_queries)

    first = _session(world)
    _enrol(world, first, "Léa", "Martin", "lea@example.fr")
    _planned(world, first)
    _trainer(world, first)
    one = queries()
    for index in range(3):
        more = _session(world, starts_on=timezone.localdate() - timedelta(days=index + 1), days=2)
        _enrol(world, more, "Hugo", f"Bernard{index}", f"hugo{index}@example.fr")
        _planned(world, more)
        _trainer(world, more)
    assert queries() == one
