import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django_tenants.utils import schema_exists

from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.tenancy.models import Invitation, Membership, Organisation, Role

from ..factories import UserFactory

User = get_user_model()

pytestmark = pytest.mark.django_db

CREATE_FORM = {
    "name": "Epsilon Formation",
    "slug": "epsilon",
    "siret": "732 829 320 00074",
    "nda": "11755555575",
    "categories": ["AF", "BC"],
    "site_count": "2",
    "turnover_band": "lt_150k",
    "next_audit_date": "2027-03-15",
}


# --- landing after login -------------------------------------------------------------------------


def test_visitor_sees_the_landing_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Arrivez à l’audit Qualiopi avec un dossier propre." in response.text


def test_member_of_one_organisation_lands_on_its_dashboard(client, world):
    client.force_login(world.referent_a)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/o/alpha/"


def test_member_of_several_organisations_gets_the_chooser(client, world):
    client.force_login(world.member_a_and_c)
    response = client.get("/")
    assert response.status_code == 200
    names = [access.organisation.name for access in response.context["accesses"]]
    assert names == ["Alpha Formation", "Gamma CFA"]


def test_consultant_of_a_firm_lands_on_the_portfolio(client, world):
    client.force_login(world.firm_consultant)
    assert client.get("/").url == "/portefeuille/"
    response = client.get("/portefeuille/")
    assert [row.organisation.slug for row in response.context["rows"]] == ["alpha", "gamma"]
    assert "Bêta" not in response.text


def test_account_without_organisation_gets_an_explanation(client, world):
    client.force_login(world.nobody)
    response = client.get("/")
    assert response.status_code == 200
    assert "Vous n’avez encore accès à aucune organisation." in response.text


def test_portfolio_is_404_for_non_consultants(client, world):
    client.force_login(world.referent_a)
    assert client.get("/portefeuille/").status_code == 404


def test_login_with_email_redirects_by_role(client, world):
    response = client.post(
        reverse("account_login"),
        {"login": "referent.a@exemple.test", "password": "Mot-de-passe-de-test-42"},
    )
    assert response.status_code == 302
    assert client.get(response.url).url == "/o/alpha/"


def test_wrong_password_gets_a_french_error(client, world):
    response = client.post(
        reverse("account_login"), {"login": "referent.a@exemple.test", "password": "faux"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "L’adresse e-mail ou le mot de passe sont incorrects."
    ]
    assert '<ul class="errorlist nonfield"><li>L’adresse e-mail ou le mot de passe' in response.text


# --- organisation pages and the role matrix ------------------------------------------------------


def test_dashboard_shows_the_organisation(client, world):
    client.force_login(world.referent_a)
    assert "<h1>Alpha Formation</h1>" in client.get("/o/alpha/").text
    # A contributor lands on what is expected of them, in the organisation's frame.
    client.force_login(world.contributor_a)
    response = client.get("/o/alpha/")
    assert response.status_code == 200
    assert "<h1>Mon espace</h1>" in response.text
    assert "Pièces attendues de vous" in response.text
    assert "Alpha Formation" in response.text
    assert response.context["current_access"].role == Role.CONTRIBUTOR
    # A contributor's navigation offers neither the team nor the profile.
    assert "/o/alpha/membres/" not in response.text
    assert "/o/alpha/profil/" not in response.text


@pytest.mark.parametrize(
    ("person", "path", "expected"),
    [
        ("referent_a", "profil/", 200),
        ("director_a", "profil/", 200),
        ("consultant_a", "profil/", 200),
        ("contributor_a", "profil/", 404),
        ("referent_a", "securite/", 200),
        ("director_a", "securite/", 200),
        ("consultant_a", "securite/", 404),
        ("contributor_a", "securite/", 404),
        ("referent_a", "membres/", 200),
        ("consultant_a", "membres/", 200),
        ("contributor_a", "membres/", 404),
    ],
)
def test_pages_follow_the_permission_matrix(client, world, person, path, expected):
    client.force_login(getattr(world, person))
    assert client.get(f"/o/alpha/{path}").status_code == expected


def test_profile_edit_saves_and_logs(client, world):
    client.force_login(world.referent_a)
    form = {**CREATE_FORM, "name": "Alpha Formation", "site_count": "3"}
    del form["slug"], form["categories"]
    response = client.post("/o/alpha/profil/", form)
    assert response.status_code == 302
    organisation = Organisation.objects.get(slug="alpha")
    assert organisation.site_count == 3
    assert organisation.siret == "73282932000074"
    # The scope (categories, flags) belongs to the scope page and is left as it was.
    assert organisation.categories == ["AF"]
    event = AuditEvent.objects.get(action="organisation.updated", actor=world.referent_a)
    assert event.details["changes"]["site_count"] == [1, 3]


def test_profile_edit_with_bad_siret_shows_the_error_and_changes_nothing(client, world):
    client.force_login(world.referent_a)
    form = {**CREATE_FORM, "name": "Nouveau nom", "siret": "12345678901234"}
    del form["slug"]
    response = client.post("/o/alpha/profil/", form)
    assert response.status_code == 200
    assert response.context["form"].errors["siret"] == [
        "Ce SIRET n'est pas valide : la clé de contrôle ne correspond pas."
    ]
    assert 'aria-invalid="true"' in response.text
    assert Organisation.objects.get(slug="alpha").name == "Alpha Formation"


# --- organisation creation ---------------------------------------------------------------------


def test_consultant_creates_a_client_organisation(client, world):
    client.force_login(world.firm_consultant)
    response = client.post(
        "/organisations/nouvelle/",
        {**CREATE_FORM, "firm": world.firm.pk, "referent_email": "ref@epsilon.test"},
    )
    assert response.status_code == 302
    assert response.url == "/o/epsilon/"
    organisation = Organisation.objects.get(slug="epsilon")
    assert organisation.site_count == 2
    assert schema_exists("org_epsilon")
    assert world.firm.clients.filter(pk=organisation.pk).exists()
    assert Invitation.objects.get(organisation=organisation).role == Role.REFERENT
    assert client.get("/o/epsilon/").status_code == 200


def test_consultant_must_choose_their_firm(client, world):
    client.force_login(world.firm_consultant)
    response = client.post("/organisations/nouvelle/", CREATE_FORM)
    assert response.context["form"].errors["firm"] == ["Ce champ est obligatoire."]
    assert not Organisation.objects.filter(slug="epsilon").exists()


def test_staff_creates_an_organisation_without_firm(client, world):
    client.force_login(world.staff)
    response = client.post("/organisations/nouvelle/", CREATE_FORM)
    assert response.status_code == 302
    assert response.url == "/organisations/epsilon/"
    assert Organisation.objects.filter(slug="epsilon").exists()


def test_staff_choosing_a_firm_land_on_the_new_organisation_and_invite_its_referent(client, world):
    # Given staff who belong to no organisation and to no firm.
    client.force_login(world.staff)

    # When they create an organisation followed by a firm.
    response = client.post("/organisations/nouvelle/", {**CREATE_FORM, "firm": world.firm.pk})

    # Then they land on its platform page (not a 404), with the success message.
    assert response.status_code == 302
    assert response.url == "/organisations/epsilon/"
    page = client.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "L&#x27;organisation Epsilon Formation a été créée." in text
    assert "Cabinet Test" in text
    assert "Personne n’a encore rejoint l’organisation." in text

    # And they invite its first referent from there.
    invited = client.post("/organisations/epsilon/", {"email": "Ref@Epsilon.test"})
    assert invited.status_code == 302
    invitation = Invitation.objects.get(organisation__slug="epsilon")
    assert (invitation.email, invitation.role) == ("ref@epsilon.test", Role.REFERENT)
    assert "ref@epsilon.test" in client.get("/organisations/epsilon/").content.decode()
    again = client.post("/organisations/epsilon/", {"email": "ref@epsilon.test"})
    assert again.status_code == 400
    assert "Une invitation est déjà en attente pour ref@epsilon.test." in again.content.decode()
    assert Invitation.objects.filter(organisation__slug="epsilon").count() == 1
    # Staff remain outside the organisation's own pages.
    assert client.get("/o/epsilon/").status_code == 404


def test_staff_without_membership_land_on_the_platform_list(client, world):
    client.force_login(world.staff)
    text = client.get("/").content.decode()
    assert "Demandez au ou à la référent·e qualité" not in text
    assert "Organisations de la plateforme" in text
    assert '<a href="/organisations/alpha/">Alpha Formation</a>' in text
    assert '<a class="button" href="/organisations/nouvelle/">Nouvelle organisation</a>' in text


def test_the_platform_organisation_page_is_for_staff_only(client, world):
    for user in (world.referent_a, world.firm_consultant, world.nobody):
        client.force_login(user)
        assert client.get("/organisations/alpha/").status_code == 404
        assert client.post("/organisations/alpha/", {"email": "x@y.test"}).status_code == 404
    assert not Invitation.objects.filter(email="x@y.test").exists()
    client.logout()
    assert client.get("/organisations/alpha/").status_code == 302  # to the login page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"slug": "alpha"},
            "slug",
            "Une organisation utilise déjà cet identifiant, choisissez-en un autre.",
        ),
        (
            {"slug": "Mauvais Slug"},
            "slug",
            "L'identifiant doit comporter de 3 à 40 caractères : lettres minuscules sans "
            "accent, chiffres et tirets, sans tiret au début ni à la fin.",
        ),
        (
            {"siret": "73282932000075"},
            "siret",
            "Ce SIRET n'est pas valide : la clé de contrôle ne correspond pas.",
        ),
        (
            {"nda": "12"},
            "nda",
            "Le numéro de déclaration d'activité (NDA) doit comporter exactement 11 "
            "chiffres, sans espace.",
        ),
    ],
)
def test_creation_errors_are_tied_to_fields(client, world, changes, field, message):
    client.force_login(world.staff)
    before = Organisation.objects.count()
    response = client.post("/organisations/nouvelle/", {**CREATE_FORM, **changes})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert Organisation.objects.count() == before
    assert not schema_exists("org_epsilon")


def test_creation_reports_every_field_error_at_once(client, world):
    client.force_login(world.staff)
    form = {**CREATE_FORM, "slug": "Mauvais Slug", "siret": "12345678901234", "nda": ""}
    response = client.post("/organisations/nouvelle/", form)
    errors = response.context["form"].errors
    assert sorted(errors) == ["nda", "siret", "slug"]
    assert errors["nda"] == ["Ce champ est obligatoire."]
    assert "/o/identifiant/" in response.text


@pytest.mark.parametrize("person", ["referent_a", "nobody", "contributor_a"])
def test_creation_form_is_404_for_others(client, world, person):
    client.force_login(getattr(world, person))
    assert client.get("/organisations/nouvelle/").status_code == 404
    assert client.post("/organisations/nouvelle/", CREATE_FORM).status_code == 404
    assert not Organisation.objects.filter(slug="epsilon").exists()


# --- two-factor ----------------------------------------------------------------------------------


def test_mandatory_two_factor_sends_members_to_totp_setup(client, world):
    client.force_login(world.referent_a)
    response = client.post("/o/alpha/securite/", {"requires_two_factor": "on"})
    assert response.status_code == 302
    assert Organisation.objects.get(slug="alpha").requires_two_factor is True

    response = client.get("/o/alpha/")
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    assert client.session["two_factor_required_by"] == "Alpha Formation"

    Authenticator.objects.create(user=world.referent_a, type=Authenticator.Type.TOTP, data={})
    assert client.get("/o/alpha/").status_code == 200


def test_two_factor_policy_is_per_organisation(client, world):
    Organisation.objects.filter(slug="gamma").update(requires_two_factor=True)
    client.force_login(world.member_a_and_c)
    assert client.get("/o/alpha/").status_code == 200
    assert client.get("/o/gamma/").status_code == 302


# --- members and invitations ----------------------------------------------------------------------


def test_referent_invites_and_the_invitee_signs_up_and_joins(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.referent_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/o/alpha/membres/", {"email": "recrue@exemple.test", "role": Role.DIRECTOR}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    # The e-mail says who invites, to which organisation, with which role.
    inviter = world.referent_a
    assert (
        f"{inviter.display_name} ({inviter.email}) vous invite à rejoindre Alpha Formation sur "
        "le portail Qualiopi, avec le rôle « Direction »." in mail.outbox[0].body
    )
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invitations/" in line)
    path = link.replace("http://testserver", "")
    client.logout()

    page = client.get(path)
    assert page.status_code == 200
    assert "Rejoindre Alpha Formation" in page.text
    assert f"{inviter.display_name} vous invite avec le rôle « Direction »" in page.text
    # A name is required at sign-up.
    nameless = client.post(
        reverse("account_signup") + f"?next={path}",
        {
            "email": "recrue@exemple.test",
            "password1": "Un-mot-de-passe-solide-2026",
            "password2": "Un-mot-de-passe-solide-2026",
        },
    )
    assert nameless.status_code == 200
    assert "Indiquez votre prénom." in nameless.text
    assert "Indiquez votre nom." in nameless.text
    # The invitation proves the address: signing up needs no separate verification.
    response = client.post(
        reverse("account_signup") + f"?next={path}",
        {
            "first_name": "Inès",
            "last_name": "Recrue",
            "email": "recrue@exemple.test",
            "password1": "Un-mot-de-passe-solide-2026",
            "password2": "Un-mot-de-passe-solide-2026",
        },
    )
    assert response.status_code == 302
    assert response.url == path
    assert len(mail.outbox) == 1  # no confirmation e-mail
    response = client.post(path)
    assert response.status_code == 302
    assert response.url == "/o/alpha/"
    membership = Membership.objects.get(user__email="recrue@exemple.test")
    assert (membership.organisation.slug, membership.role) == ("alpha", Role.DIRECTOR)
    assert membership.user.display_name == "Inès Recrue"


def test_an_account_made_before_the_invitation_is_confirmed_by_its_link(
    client, world, django_capture_on_commit_callbacks
):
    # Given someone who signed up on her own and never confirmed her address.
    client.post(
        reverse("account_signup"),
        {
            "first_name": "Inès",
            "last_name": "Avance",
            "email": "avance@exemple.test",
            "password1": "Un-mot-de-passe-solide-2026",
            "password2": "Un-mot-de-passe-solide-2026",
        },
    )
    assert not EmailAddress.objects.get(email="avance@exemple.test").verified
    client.logout()
    client.force_login(world.referent_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/o/alpha/membres/", {"email": "avance@exemple.test", "role": Role.DIRECTOR})
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
    path = link.replace("http://testserver", "")
    client.logout()

    # When she opens the invitation, then logs in.
    client.get(path)
    sent = len(mail.outbox)
    response = client.post(
        reverse("account_login") + f"?next={path}",
        {"login": "avance@exemple.test", "password": "Un-mot-de-passe-solide-2026"},
    )

    # Then she is in, with no confirmation asked again.
    assert response.status_code == 302
    assert response.url == path
    assert len(mail.outbox) == sent
    assert EmailAddress.objects.get(email="avance@exemple.test").verified


def test_inviting_a_member_shows_the_error_on_the_field(client, world):
    client.force_login(world.referent_a)
    response = client.post(
        "/o/alpha/membres/", {"email": "director.a@exemple.test", "role": "referent"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "director.a@exemple.test est déjà membre de cette organisation."
    ]
    assert len(mail.outbox) == 0


def test_consultant_sees_members_but_cannot_invite(client, world):
    client.force_login(world.consultant_a)
    response = client.get("/o/alpha/membres/")
    assert "Inviter une personne" not in response.text
    response = client.post("/o/alpha/membres/", {"email": "x@exemple.test", "role": "referent"})
    assert response.status_code == 404
    assert Invitation.objects.count() == 0


def test_expired_invitation_page_explains(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.referent_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/o/alpha/membres/", {"email": "recrue@exemple.test", "role": "contributor"})
    Invitation.objects.update(expires_at="2020-01-01T00:00:00Z")
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invitations/" in line)
    client.logout()
    response = client.get(link.replace("http://testserver", ""))
    assert response.status_code == 404
    assert "Cette invitation a expiré le 01/01/2020." in response.text


def test_member_removal_asks_for_confirmation(client, world):
    client.force_login(world.referent_a)
    membership = Membership.objects.get(user=world.contributor_a, organisation=world.org_a)
    url = f"/o/alpha/membres/{membership.pk}/retirer/"
    page = client.get(url)
    assert "Confirmer le retrait" in page.text
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert client.post(url).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert client.get("/o/alpha/", HTTP_HOST="testserver").status_code == 200


def test_removed_member_loses_access(client, world):
    membership = Membership.objects.get(user=world.contributor_a, organisation=world.org_a)
    membership.delete()
    client.force_login(world.contributor_a)
    assert client.get("/o/alpha/").status_code == 404


def test_invitation_revocation(client, world):
    client.force_login(world.referent_a)
    client.post("/o/alpha/membres/", {"email": "recrue@exemple.test", "role": "contributor"})
    invitation = Invitation.objects.get()
    url = f"/o/alpha/invitations/{invitation.pk}/revoquer/"
    assert "Le lien envoyé à recrue@exemple.test ne fonctionnera plus." in client.get(url).text
    client.post(url)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_new_user_gets_verification_mail(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "first_name": "Camille",
            "last_name": "Inconnue",
            "email": "inconnu@exemple.test",
            "password1": "Un-mot-de-passe-solide-2026",
            "password2": "Un-mot-de-passe-solide-2026",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert mail.outbox[0].to == ["inconnu@exemple.test"]
    assert mail.outbox[0].subject.startswith("[Portail Qualiopi] ")
    body = mail.outbox[0].body
    assert body.startswith("Bonjour,\n")
    assert "L’équipe du Portail Qualiopi\n127.0.0.1:8000" in body
    assert "testserver !" not in body and "c'est" not in body
    user = User.objects.get(email="inconnu@exemple.test")
    assert (user.first_name, user.last_name) == ("Camille", "Inconnue")
    # The confirmation page names the person once, and the address once.
    key_path = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", body).group(1)
    page = client.get(key_path).content.decode()
    assert page.count("inconnu@exemple.test</a>") == 1
    assert "est bien l’adresse e-mail de Camille Inconnue." in page


def test_password_reset_sends_a_mail(client, world):
    response = client.post(reverse("account_reset_password"), {"email": "referent.a@exemple.test"})
    assert response.status_code == 302
    assert mail.outbox[0].to == ["referent.a@exemple.test"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_staff_creates_an_organisation_in_the_django_admin(client, world):
    superuser = UserFactory(email="super@exemple.test", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    response = client.post(
        "/admin/tenancy/organisation/add/",
        {
            **CREATE_FORM,
            "siret": "73282932000074",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    organisation = Organisation.objects.get(slug="epsilon")
    assert organisation.schema_name == "org_epsilon"
    assert schema_exists("org_epsilon")
    assert AuditEvent.objects.get(organisation=organisation).actor == superuser


def test_admin_shows_an_unavailable_slug_as_a_field_error(client, world):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "org_epsilon"')
    superuser = UserFactory(email="super@exemple.test", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    response = client.post(
        "/admin/tenancy/organisation/add/",
        {
            **CREATE_FORM,
            "siret": "73282932000074",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"] == [
        "Cet identifiant n'est pas disponible, choisissez-en un autre."
    ]
    assert not Organisation.objects.filter(slug="epsilon").exists()


def test_repeated_failed_logins_are_throttled(client, world):
    for _ in range(5):
        client.post(
            reverse("account_login"), {"login": "referent.a@exemple.test", "password": "faux"}
        )
    response = client.post(
        reverse("account_login"),
        {"login": "referent.a@exemple.test", "password": "Mot-de-passe-de-test-42"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Trop de tentatives de connexion échouées. Veuillez réessayer ultérieurement."
    ]
    assert "_auth_user_id" not in client.session


def test_invitation_opened_by_another_account_says_so_at_once(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.referent_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/o/alpha/membres/", {"email": "recrue@exemple.test", "role": "contributor"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invitations/" in line)
    client.force_login(world.nobody)
    response = client.get(link.replace("http://testserver", ""))
    assert response.status_code == 403
    assert "Cette invitation a été envoyée à recrue@exemple.test." in response.text
    assert "Accepter l’invitation" not in response.text
    assert client.post(link.replace("http://testserver", "")).status_code == 403
    assert not Membership.objects.filter(user=world.nobody).exists()


def test_rate_limited_page_is_french(client, world):
    for _ in range(6):
        response = client.post(
            reverse("account_reset_password"), {"email": "referent.a@exemple.test"}
        )
    assert response.status_code == 429
    assert "<h1>Trop de tentatives</h1>" in response.text
