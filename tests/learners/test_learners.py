"""Learners of a session and half-day e-attendance: enrolment, import, signing from a personal
link, closing by the trainer, corrections, the tamper-evident chain and the sheet PDF."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from learners import selectors, services
from learners.attendance import Schedule
from learners.models import AttendanceRecord, Enrolment, Learner, SigningLink, Slot
from learners.presentation import attendance_cells
from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.tenancy.models import Membership
from training_offers import services as offer_services

pytestmark = pytest.mark.django_db

ALL_DAY = Schedule(morning=(time(0, 0), time(23, 59)), afternoon=None, weekdays=frozenset(range(7)))


def _session(world, *, starts_on: date | None = None, days: int = 1):
    starts_on = starts_on or timezone.localdate()
    with schema_context("org_alpha"):
        offer = offer_services.offer_save(
            offer=None,
            saved_by=world.referent_a,
            title="Accueillir le public en situation de handicap",
            category="AF",
            duration_hours=Decimal("14"),
            price=Decimal("700"),
        )
        return offer_services.session_save(
            offer=offer,
            session=None,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=days - 1),
            place="Salle Garonne",
            enrolled=2,
        )


def _enrol(world, session, first: str, last: str, email: str = ""):
    with schema_context("org_alpha"):
        return services.enrolment_create(
            session=session,
            actor=world.referent_a,
            first_name=first,
            last_name=last,
            email=email,
            status="employee",
        )


def _url(session, tail: str = "apprenants/") -> str:
    return f"/o/alpha/sessions/{session.pk}/{tail}"


# --- Who sees the learners ---------------------------------------------------------------


def test_the_referent_enrols_a_learner_and_the_direction_does_not_see_names(client, world):
    session = _session(world)
    client.force_login(world.referent_a)
    response = client.post(
        _url(session),
        {
            "first_name": "Léa",
            "last_name": "Martin",
            "email": "lea.martin@example.fr",
            "phone": "",
            "status": "jobseeker",
            "employer": "",
        },
    )
    assert response.status_code == 302
    page = client.get(_url(session)).content.decode()
    assert "Martin Léa" in page
    assert "lea.martin@example.fr" in page
    with schema_context("org_alpha"):
        enrolment = Enrolment.objects.get()
        assert (enrolment.learner.status, enrolment.status) == ("jobseeker", "enrolled")
    # Personal data: the direction reads counts elsewhere, not this page.
    client.force_login(world.director_a)
    assert client.get(_url(session)).status_code == 404
    assert client.get(_url(session, "emargement/")).status_code == 404


def test_a_trainer_sees_only_the_sessions_they_run(client, world):
    session = _session(world)
    _enrol(world, session, "Léa", "Martin")
    client.force_login(world.contributor_a)
    assert client.get(_url(session)).status_code == 404
    with schema_context("org_alpha"):
        services.session_trainers_set(
            organisation=world.org_a, session=session, users=[world.contributor_a]
        )
    page = client.get(_url(session))
    assert page.status_code == 200
    assert "Martin Léa" in page.content.decode()
    # A trainer reads and runs the attendance, but enrols nobody.
    assert "Inscrire un·e apprenant·e" not in page.content.decode()
    assert client.post(_url(session), {"first_name": "X", "last_name": "Y"}).status_code == 404


def test_the_same_address_twice_on_a_session_is_refused_in_french(world):
    session = _session(world)
    _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    with pytest.raises(ValidationError) as refused, schema_context("org_alpha"):
        services.enrolment_create(
            session=session,
            actor=world.referent_a,
            first_name="Léa",
            last_name="Martin",
            email="LEA@example.fr",
            status="employee",
        )
    assert refused.value.message_dict == {
        "email": ["Un·e apprenant·e avec cette adresse est déjà inscrit·e à la session."]
    }


def test_an_abandon_needs_its_date_and_reason(client, world):
    session = _session(world)
    enrolment = _enrol(world, session, "Léa", "Martin")
    client.force_login(world.referent_a)
    url = _url(session, f"apprenants/{enrolment.pk}/")
    refused = client.post(url, {"status": "dropped_out"})
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "dropped_out_on": ["Indiquez la date de l'abandon."],
        "dropout_reason": ["Indiquez le motif de l'abandon."],
    }
    done = client.post(
        url,
        {"status": "dropped_out", "dropped_out_on": "2026-12-02", "dropout_reason": "Déménagement"},
    )
    assert done.status_code == 302
    with schema_context("org_alpha"):
        enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.dropped_out_on, enrolment.dropout_reason) == (
        "dropped_out",
        date(2026, 12, 2),
        "Déménagement",
    )


# --- CSV import ------------------------------------------------------------------------


def test_a_digiforma_export_is_imported_as_it_is(client, world):
    session = _session(world)
    csv = (
        "Prénom du stagiaire;Nom du stagiaire;Email du stagiaire;Entreprise\n"
        "Léa;Martin;lea@example.fr;Boulangerie Martin\n"
        "Hugo;Bernard;;\n"
    ).encode("cp1252")
    client.force_login(world.referent_a)
    response = client.post(
        _url(session, "apprenants/importer/"),
        {"file": SimpleUploadedFile("stagiaires.csv", csv, content_type="text/csv")},
    )
    assert response.status_code == 302
    with schema_context("org_alpha"):
        assert list(
            Learner.objects.order_by("last_name").values_list(
                "first_name", "last_name", "email", "employer", "status"
            )
        ) == [
            ("Hugo", "Bernard", "", "", "employee"),
            ("Léa", "Martin", "lea@example.fr", "Boulangerie Martin", "employee"),
        ]


@pytest.mark.parametrize(
    ("content", "errors"),
    [
        (
            "prenom;nom;ville\nLéa;Martin;Albi\n",
            [
                "Ligne 1 : colonne(s) inconnue(s) : ville. Colonnes possibles : prenom, nom, "
                "email, telephone, statut, employeur."
            ],
        ),
        (
            "prenom;nom;email;statut\nLéa;Martin;lea@example.fr;salarié\nHugo;;pas-une-adresse;"
            "retraité\n",
            [
                "Ligne 3 : « nom » est vide.",
                "Ligne 3 : « pas-une-adresse » n'est pas une adresse e-mail.",
                "Ligne 3 : statut « retraité » inconnu (salarié, demandeur d'emploi, apprenti, "
                "particulier, agent public).",
            ],
        ),
        ("prenom\nLéa\n", ["Ligne 1 : colonne(s) obligatoire(s) absente(s) : nom."]),
        (
            "prenom;nom\nLéa;" + "M" * 101 + "\n",
            ["Ligne 2 : « nom » dépasse 100 caractères."],
        ),
    ],
)
def test_a_bad_file_imports_nothing_and_names_its_lines(world, content, errors):
    session = _session(world)
    with pytest.raises(ValidationError) as refused, schema_context("org_alpha"):
        services.enrolments_import(session=session, data=content.encode(), actor=world.referent_a)
    assert refused.value.messages == errors
    with schema_context("org_alpha"):
        assert Learner.objects.count() == 0


# --- Signing --------------------------------------------------------------------------------


def _planned(world, session, schedule=ALL_DAY) -> list[Slot]:
    with schema_context("org_alpha"):
        return services.slots_plan(session=session, schedule=schedule)


def _sign(enrolment, slot, name: str) -> AttendanceRecord:
    """The learner signs now from a fresh personal link (inside the organisation's schema)."""
    token = services.signing_link_create(enrolment=enrolment)
    return services.sign(token=token, slot_pk=slot.pk, signed_name=name, consent=True)


def _link(world, enrolment) -> str:
    with schema_context("org_alpha"):
        return services.signing_link_create(enrolment=enrolment)


def test_a_learner_signs_from_their_personal_link_without_an_account(client, world):
    session = _session(world)
    enrolment = _enrol(world, session, "Léa", "Martin")
    (slot,) = _planned(world, session)
    token = _link(world, enrolment)
    url = f"/emargement/alpha/{token}/"
    page = client.get(url)
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    assert "Bonjour Léa" in page.content.decode()
    assert "Signer ma présence" in page.content.decode()
    refused = client.post(url, {"slot": slot.pk, "signed_name": "Léa Martin"})
    assert refused.status_code == 400
    assert "Cochez la case de consentement pour signer." in refused.content.decode()
    signed = client.post(url, {"slot": slot.pk, "signed_name": "Léa Martin", "consent": "on"})
    assert signed.status_code == 302
    followed = client.get(url).content.decode()
    assert "Votre présence est enregistrée. Merci !" in followed
    assert "Aucune demi-journée à signer pour le moment." in followed
    with schema_context("org_alpha"):
        record = AttendanceRecord.objects.get()
        enrolment.refresh_from_db()
    assert (record.kind, record.status, record.signed_name, record.consent) == (
        "signature",
        "present",
        "Léa Martin",
        True,
    )
    assert enrolment.status == "in_training"
    again = client.post(url, {"slot": slot.pk, "signed_name": "Léa Martin", "consent": "on"})
    assert "Vous avez déjà émargé pour cette demi-journée." in again.content.decode()
    with schema_context("org_alpha"):
        assert AttendanceRecord.objects.count() == 1


def test_signing_outside_the_half_day_or_on_a_closed_one_is_refused(world):
    session = _session(world, starts_on=date(2026, 12, 7))
    enrolment = _enrol(world, session, "Léa", "Martin")
    morning, afternoon = _planned(world, session, Schedule())
    token = _link(world, enrolment)
    paris = timezone.get_current_timezone()
    with schema_context("org_alpha"):
        with pytest.raises(services.SigningRefused) as early:
            services.sign(
                token=token,
                slot_pk=morning.pk,
                signed_name="Léa Martin",
                consent=True,
                now=datetime(2026, 12, 7, 8, 30, tzinfo=paris),
            )
        assert (
            str(early.value) == "On émarge pendant la demi-journée (09:00 – 12:30 le 07/12/2026)."
        )
        late = services.sign(
            token=token,
            slot_pk=morning.pk,
            signed_name="Léa Martin",
            consent=True,
            now=datetime(2026, 12, 7, 9, 20, tzinfo=paris),
        )
        assert late.minutes_late == 20
        services.slot_close(
            slot=afternoon, actor=world.referent_a, absences={enrolment.pk: "absent_justified"}
        )
        with pytest.raises(services.SigningRefused) as closed:
            services.sign(
                token=token,
                slot_pk=afternoon.pk,
                signed_name="Léa Martin",
                consent=True,
                now=datetime(2026, 12, 7, 14, 0, tzinfo=paris),
            )
        assert str(closed.value) == (
            "Cette demi-journée est clôturée : adressez-vous à votre formateur·rice."
        )


def test_an_expired_or_replaced_link_says_so_and_an_unknown_one_is_a_404(client, world):
    session = _session(world)
    enrolment = _enrol(world, session, "Léa", "Martin")
    _planned(world, session)
    old = _link(world, enrolment)
    new = _link(world, enrolment)
    replaced = client.get(f"/emargement/alpha/{old}/")
    assert replaced.status_code == 410
    assert "Ce lien d&#x27;émargement n&#x27;est plus valable" in replaced.content.decode()
    with schema_context("org_alpha"):
        SigningLink.objects.filter(revoked_at__isnull=True).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    assert client.get(f"/emargement/alpha/{new}/").status_code == 410
    assert client.get("/emargement/alpha/jeton-devine/").status_code == 404
    assert client.get("/emargement/inconnue/jeton-devine/").status_code == 404


def test_a_link_of_one_organisation_never_opens_another(client, world):
    session = _session(world)
    enrolment = _enrol(world, session, "Léa", "Martin")
    _planned(world, session)
    token = _link(world, enrolment)
    assert client.get(f"/emargement/alpha/{token}/").status_code == 200
    assert client.get(f"/emargement/beta/{token}/").status_code == 404
    assert client.get(f"/emargement/gamma/{token}/").status_code == 404


# --- Closing, corrections, the chain, the sheet ---------------------------------------------


def test_the_trainer_countersigns_notes_each_absence_and_closes(client, world):
    session = _session(world)
    lea = _enrol(world, session, "Léa", "Martin")
    hugo = _enrol(world, session, "Hugo", "Bernard")
    (slot,) = _planned(world, session)
    with schema_context("org_alpha"):
        _sign(lea, slot, "Léa Martin")
        services.session_trainers_set(
            organisation=world.org_a, session=session, users=[world.contributor_a]
        )
    # An open half-day is still being signed: nothing to correct yet, even for a referent.
    client.force_login(world.referent_a)
    assert "/emargement/corriger/" not in client.get(_url(session, "emargement/")).content.decode()
    client.force_login(world.contributor_a)
    url = _url(session, f"emargement/{slot.pk}/cloturer/")
    assert client.get(url).status_code == 200
    refused = client.post(url, {})
    assert refused.status_code == 400
    assert (
        "Indiquez si l&#x27;absence est justifiée pour : Hugo Bernard." in refused.content.decode()
    )
    done = client.post(url, {f"absence-{hugo.pk}": "absent_unjustified", f"early-{lea.pk}": "30"})
    assert done.status_code == 302
    with schema_context("org_alpha"):
        slot.refresh_from_db()
        assert slot.closed_by_id == world.contributor_a.pk
        assert list(
            AttendanceRecord.objects.order_by("pk").values_list(
                "enrolment_id", "kind", "status", "minutes_left_early", "recorded_by_id"
            )
        ) == [
            (lea.pk, "signature", "present", 0, None),
            (hugo.pk, "absence", "absent_unjustified", 0, world.contributor_a.pk),
            (lea.pk, "countersignature", "present", 30, world.contributor_a.pk),
        ]
        assert services.chain_check(session) is None
    grid = client.get(_url(session, "emargement/"))
    text = grid.content.decode()
    assert "Absence non justifiée" in text
    assert "Chaîne vérifiée, intacte." in text
    # The rule it follows, with its source, and what is only the portal's setting.
    assert (
        "« doit être signée par demi-journée par les stagiaires et le formateur » (boîte à "
        "outils de Transitions Pro Occitanie, modèle de la DREETS Hauts-de-France)"
    ) in text
    assert "sont des réglages du portail, pas une règle." in text
    # 23 h 59 min of slot, less the minutes after midnight at which Léa signed, less the 30
    # she left early.
    with schema_context("org_alpha"):
        late = AttendanceRecord.objects.get(enrolment=lea, kind="signature").minutes_late
    rows = {row.enrolment.pk: row for row in grid.context["grid"].rows}
    assert (rows[lea.pk].attended_minutes, rows[hugo.pk].attended_minutes) == (1439 - late - 30, 0)
    assert client.post(url, {}).status_code == 400  # already closed


def test_only_a_referent_corrects_and_the_correction_keeps_the_original(client, world):
    session = _session(world)
    hugo = _enrol(world, session, "Hugo", "Bernard")
    (slot,) = _planned(world, session)
    with schema_context("org_alpha"):
        services.slot_close(
            slot=slot, actor=world.referent_a, absences={hugo.pk: "absent_unjustified"}
        )
        absence = AttendanceRecord.objects.get()
    url = _url(session, f"emargement/corriger/{absence.pk}/")
    client.force_login(world.consultant_a)
    assert client.get(url).status_code == 404
    client.force_login(world.referent_a)
    assert client.post(url, {"status": "absent_justified", "reason": ""}).status_code == 400
    done = client.post(url, {"status": "absent_justified", "reason": "Arrêt maladie reçu le 4/12"})
    assert done.status_code == 302
    with schema_context("org_alpha"):
        correction = AttendanceRecord.objects.latest("pk")
        assert (correction.kind, correction.status, correction.corrects_id, correction.reason) == (
            "correction",
            "absent_justified",
            absence.pk,
            "Arrêt maladie reçu le 4/12",
        )
        assert AttendanceRecord.objects.filter(pk=absence.pk, status="absent_unjustified").exists()
        assert services.chain_check(session) is None
    page = client.get(_url(session, "emargement/")).content.decode()
    # The cell as learners.presentation builds it: the record that counts, marked corrected,
    # with the link to correct it again (the referent may).
    assert (
        '<td><span class="badge badge--warn">Absence justifiée</span>'
        '<br><span class="small muted">corrigé</span>'
        f'<br><a class="small" href="/o/alpha/sessions/{session.pk}/emargement/corriger/'
        f'{correction.pk}/">Corriger</a></td>'
    ) in page
    # Whoever may not correct sees the same cell without the link.
    with schema_context("org_alpha"):
        grid = selectors.attendance_grid(session)
    cells = attendance_cells(
        grid, organisation_slug="alpha", session_pk=session.pk, can_correct=False
    )
    assert cells == [
        [
            '<span class="badge badge--warn">Absence justifiée</span>'
            '<br><span class="small muted">corrigé</span>'
        ]
    ]


def test_a_record_changed_in_the_database_breaks_the_chain_and_the_sheet_says_so(client, world):
    session = _session(world)
    lea = _enrol(world, session, "Léa", "Martin")
    hugo = _enrol(world, session, "Hugo", "Bernard")
    (slot,) = _planned(world, session)
    with schema_context("org_alpha"):
        _sign(lea, slot, "Léa Martin")
        services.slot_close(
            slot=slot, actor=world.referent_a, absences={hugo.pk: "absent_unjustified"}
        )
    client.force_login(world.referent_a)
    response = client.get(_url(session, "emargement/feuille.pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(response.content)).pages
    )
    assert "Feuille d’émargement" in text
    assert "Martin Léa" in text
    assert "Léa Martin" in text  # the typed signature
    assert "Bernard Hugo" in text
    assert "Absent·e (absence non justifiée)" in text
    assert "la chaîne de cette session est intacte" in text
    # A learner's identity may be anonymised later: the chain names the enrolment, not the
    # person, so it still holds.
    with schema_context("org_alpha"):
        Learner.objects.filter(pk=lea.learner_id).update(first_name="Anonyme", last_name="1")
        assert services.chain_check(session) is None
    # Someone turns Hugo's absence into a presence behind the portal's back.
    with schema_context("org_alpha"):
        AttendanceRecord.objects.filter(enrolment=hugo).update(status="present")
        broken = services.chain_check(session)
        assert (broken.enrolment_id, broken.kind) == (hugo.pk, "absence")
    page = client.get(_url(session, "emargement/")).content.decode()
    assert "Un émargement enregistré a été modifié en dehors du portail." in page
    tampered = client.get(_url(session, "emargement/feuille.pdf"))
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(tampered.content)).pages
    )
    assert "la chaîne d’empreintes des émargements de cette session est rompue" in text


def test_planning_cuts_the_session_into_half_days_once(client, world):
    session = _session(world, starts_on=date(2026, 12, 3), days=6)  # Thu → Tue
    client.force_login(world.referent_a)
    url = _url(session, "emargement/")
    form = {
        "action": "plan",
        "morning_start": "09:00",
        "morning_end": "12:30",
        "afternoon_start": "13:30",
        "afternoon_end": "17:00",
        "weekdays": ["0", "1", "2", "3", "4"],
    }
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302  # nothing added twice
    with schema_context("org_alpha"):
        assert Slot.objects.filter(session=session).count() == 8
    bad = client.post(url, {**form, "morning_end": "08:00"})
    assert bad.status_code == 400
    assert bad.context["plan_form"].errors == {"morning_end": ["La fin doit venir après le début."]}
    # Trainers are members of the organisation only.
    outsider = Membership.objects.filter(organisation=world.org_b).first().user
    refused = client.post(url, {"action": "trainers", "trainers": [outsider.pk]})
    assert refused.status_code == 400
    assert refused.context["trainers_form"].errors["trainers"] == [
        f"Sélectionnez un choix valide. {outsider.pk} n’en fait pas partie."
    ]


def test_a_trainer_finds_today_s_half_days_in_their_own_space(client, world):
    session = _session(world)
    _enrol(world, session, "Léa", "Martin")
    (slot,) = _planned(world, session)
    earlier = _session(world, starts_on=timezone.localdate() - timedelta(days=3))
    _planned(world, earlier)
    with schema_context("org_alpha"):
        for each in (session, earlier):
            services.session_trainers_set(
                organisation=world.org_a, session=each, users=[world.contributor_a]
            )
    client.force_login(world.contributor_a)
    page = client.get("/o/alpha/").content.decode()
    assert "Mes sessions" in page
    assert f"/o/alpha/sessions/{session.pk}/emargement/{slot.pk}/cloturer/" in page
    assert "1 demi-journée passée à clôturer" in page
    client.force_login(world.referent_a)
    assert "Mes sessions" not in client.get("/o/alpha/mon-espace/").content.decode()


def test_a_new_link_is_asked_for_then_shown_once_and_ends_the_previous_one(client, world):
    session = _session(world)
    enrolment = _enrol(world, session, "Léa", "Martin")
    client.force_login(world.referent_a)
    url = _url(session, f"apprenants/{enrolment.pk}/lien/")
    first_visit = client.get(url).content.decode()
    assert "Créer le lien" in first_visit
    assert "Un lien a déjà été créé" not in first_visit
    shown = client.post(url).content.decode()
    (link,) = re.findall(r'value="(http://testserver/emargement/alpha/[\w-]+/)"', shown)
    assert "Un lien a déjà été créé" in client.get(url).content.decode()
    client.post(url)
    with schema_context("org_alpha"):
        revoked = [each.revoked_at is not None for each in SigningLink.objects.order_by("pk")]
    assert revoked == [True, False]
    assert client.get(link.removeprefix("http://testserver")).status_code == 410


def test_the_hours_signed_by_a_line_s_learners_become_its_hours_present(client, world):
    """A financer paying by attendance pays the hours signed: the funding plan takes them from
    the sheets instead of a figure typed from paper."""
    from financing import services as funding_services

    session = _session(world, starts_on=date(2026, 12, 7))  # a Monday
    lea = _enrol(world, session, "Léa", "Martin")
    hugo = _enrol(world, session, "Hugo", "Bernard")
    morning, _afternoon = _planned(world, session, Schedule())
    paris = timezone.get_current_timezone()
    with schema_context("org_alpha"):
        funding_services.session_price_set(session=session, price=Decimal("1400"))
        line = funding_services.funding_line_save(
            session=session,
            line=None,
            created_by=world.referent_a,
            route_code="opco",
            financer="OPCO Atlas",
            reference="",
            trainees=2,
            hours_planned=Decimal("14"),
            hours_present=None,
            amount=Decimal("1400"),
        )
        token = services.signing_link_create(enrolment=lea)
        services.sign(
            token=token,
            slot_pk=morning.pk,
            signed_name="Léa Martin",
            consent=True,
            now=datetime(2026, 12, 7, 9, 30, tzinfo=paris),
        )
        services.slot_close(
            slot=morning,
            actor=world.referent_a,
            absences={hugo.pk: "absent_justified"},
            left_early={lea.pk: 15},
            now=datetime(2026, 12, 7, 12, 30, tzinfo=paris),
        )
    client.force_login(world.referent_a)
    # Léa's line is chosen in her enrolment; Hugo's is not.
    response = client.post(
        _url(session, f"apprenants/{lea.pk}/"),
        {"status": "in_training", "funding_line": line.pk},
    )
    assert response.status_code == 302
    page = client.get(f"/o/alpha/financements/sessions/{session.pk}/").content.decode()
    # 3 h 30 of morning, 30 min late, 15 min left early: 2 h 45, kept to the tenth (2.8 h)
    # as the funding line keeps its hours.
    assert "émargement : 2,8 h (1 apprenant·e)" in page
    url = f"/o/alpha/financements/sessions/{session.pk}/lignes/{line.pk}/heures-emargement/"
    assert client.post(url).status_code == 302
    with schema_context("org_alpha"):
        line.refresh_from_db()
    assert line.hours_present == Decimal("2.8")
    followed = client.get(f"/o/alpha/financements/sessions/{session.pk}/").content.decode()
    assert "Heures présentes reprises de l&#x27;émargement : 2,8 h." in followed
    # A learner's line must be one of the session's own.
    other = _session(world)
    with schema_context("org_alpha"), pytest.raises(ValidationError) as refused:
        services.enrolment_set_status(
            enrolment=_enrol(world, other, "Inès", "Durand"),
            status="enrolled",
            funding_line=line,
        )
    assert refused.value.message_dict == {
        "funding_line": ["Cette ligne ne finance pas cette session."]
    }


def test_a_learner_s_data_is_exported_then_erased_and_the_sheets_keep_their_proof(client, world):
    """GDPR access (art. 15) and erasure (art. 17) without breaking the attendance proofs."""
    session = _session(world)
    lea = _enrol(world, session, "Léa", "Martin", "lea@example.fr")
    (slot,) = _planned(world, session)
    with schema_context("org_alpha"):
        _sign(lea, slot, "Léa Martin")
        services.slot_close(slot=slot, actor=world.referent_a, absences={})
    client.force_login(world.referent_a)
    exported = client.get(_url(session, f"apprenants/{lea.pk}/donnees.json"))
    assert exported["Content-Type"] == "application/json"
    data = json.loads(exported.content)
    assert data["learner"]["email"] == "lea@example.fr"
    assert [(r["kind"], r["status"], r["signed_name"]) for r in data["attendance"]] == [
        ("signature", "present", "Léa Martin"),
        ("countersignature", "present", ""),
    ]
    assert AuditEvent.objects.filter(action="learner.exported").count() == 1
    # Erasure is asked for first, then done once.
    url = _url(session, f"apprenants/{lea.pk}/anonymiser/")
    assert "Anonymiser définitivement" in client.get(url).content.decode()
    # Asked for by someone using the portal in English: the stored name stays in French.
    assert client.post(url, HTTP_ACCEPT_LANGUAGE="en").status_code == 302
    with schema_context("org_alpha"):
        learner = Learner.objects.get(pk=lea.learner_id)
        assert (learner.first_name, learner.last_name, learner.email) == (
            "Apprenant·e",
            f"anonymisé·e n° {learner.pk}",
            "",
        )
        assert not AttendanceRecord.objects.exclude(signed_name="").exists()
        assert list(AttendanceRecord.objects.values_list("status", flat=True)) == [
            "present",
            "present",
        ]
        assert services.chain_check(session) is None
    assert client.post(url).status_code == 400  # already anonymised
    page = client.get(_url(session)).content.decode()
    assert "Martin" not in page
    assert "lea@example.fr" not in page
    sheet = client.get(_url(session, "emargement/feuille.pdf"))
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(sheet.content)).pages
    )
    assert "Léa" not in text
    assert "la chaîne de cette session est intacte" in text


def test_a_typed_signature_changed_in_the_database_is_found(world):
    session = _session(world)
    lea = _enrol(world, session, "Léa", "Martin")
    (slot,) = _planned(world, session)
    with schema_context("org_alpha"):
        _sign(lea, slot, "Léa Martin")
        AttendanceRecord.objects.update(signed_name="Quelqu'un d'autre")
        broken = services.chain_check(session)
        assert (broken.kind, broken.enrolment_id) == ("signature", lea.pk)
