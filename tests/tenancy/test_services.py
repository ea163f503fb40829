from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_exists

from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.core.tokens import token_hash
from qualiopi_portal.tenancy import services
from qualiopi_portal.tenancy.models import (
    ConsultancyFirm,
    Invitation,
    Membership,
    Organisation,
    Role,
)

from ..factories import UserFactory

VALID = {
    "name": "Delta Formation",
    "siret": "73282932000074",
    "nda": "11755555575",
    "categories": ["AF", "VAE"],
}


def _tables(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
            "ORDER BY table_name",
            [schema],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_create_clones_the_template_schema(world):
    organisation = services.organisation_create(slug="delta", **VALID)

    assert organisation.schema_name == "org_delta"
    assert schema_exists("org_delta")
    assert _tables("org_delta") == _tables("template_organisation")
    assert "django_migrations" in _tables("org_delta")
    event = AuditEvent.objects.get(organisation=organisation)
    assert event.action == "organisation.created"
    assert event.details == {"slug": "delta", "firm": None}


@pytest.mark.django_db
def test_create_links_the_firm(world):
    organisation = services.organisation_create(slug="delta", firm=world.firm, **VALID)
    assert list(world.firm.clients.order_by("slug")) == [world.org_a, organisation, world.org_c]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"siret": "73282932000075"},
            "siret",
            "Ce SIRET n'est pas valide : la clé de contrôle ne correspond pas.",
        ),
        (
            {"nda": "123"},
            "nda",
            "Le numéro de déclaration d'activité (NDA) doit comporter exactement 11 chiffres, "
            "sans espace.",
        ),
        (
            {"categories": []},
            "categories",
            "Choisissez au moins une catégorie d'actions (AF, BC, VAE ou apprentissage).",
        ),
        ({"name": ""}, "name", "Ce champ ne peut pas être vide."),
    ],
)
def test_invalid_organisation_is_refused_and_nothing_is_created(world, changes, field, message):
    before = Organisation.objects.count()
    with pytest.raises(ValidationError) as error:
        services.organisation_create(slug="delta", **{**VALID, **changes})
    assert message in error.value.message_dict[field]
    assert Organisation.objects.count() == before
    assert not schema_exists("org_delta")


@pytest.mark.django_db
def test_duplicate_slug_is_refused(world):
    with pytest.raises(ValidationError) as error:
        services.organisation_create(slug="alpha", **VALID)
    assert error.value.message_dict["slug"] == [
        "Une organisation utilise déjà cet identifiant, choisissez-en un autre."
    ]


@pytest.mark.django_db
def test_leftover_schema_makes_the_slug_unavailable(world):
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "org_orphan"')
    with pytest.raises(ValidationError) as error:
        services.organisation_create(slug="orphan", **VALID)
    assert error.value.message_dict["slug"] == [
        "Cet identifiant n'est pas disponible, choisissez-en un autre."
    ]


@pytest.mark.django_db
def test_failure_after_the_clone_leaves_no_schema(world):
    unsaved_firm = ConsultancyFirm(name="Pas enregistré", slug="fantome")
    before = Organisation.objects.count()
    with pytest.raises(ValueError):
        services.organisation_create(slug="delta", firm=unsaved_firm, **VALID)
    assert Organisation.objects.count() == before
    assert not schema_exists("org_delta")


@pytest.mark.django_db
def test_update_records_what_changed(world):
    services.organisation_update(
        organisation=world.org_a,
        actor=world.referent_a,
        data={"has_subcontracting": True, "site_count": 3, "name": world.org_a.name},
    )
    world.org_a.refresh_from_db()
    assert (world.org_a.has_subcontracting, world.org_a.site_count) == (True, 3)
    event = AuditEvent.objects.filter(action="organisation.updated").get()
    assert event.details == {"changes": {"has_subcontracting": [False, True], "site_count": [1, 3]}}
    assert event.actor == world.referent_a


@pytest.mark.django_db
def test_update_with_no_category_is_refused(world):
    with pytest.raises(ValidationError):
        services.organisation_update(
            organisation=world.org_a, actor=world.referent_a, data={"categories": []}
        )
    world.org_a.refresh_from_db()
    assert world.org_a.categories == ["AF"]


# --- invitations -------------------------------------------------------------------------------


def _invite(world, email="nouvelle@exemple.test", role=Role.CONTRIBUTOR):
    return services.invitation_create(
        organisation=world.org_a,
        email=email,
        role=role,
        invited_by=world.referent_a,
        base_url="http://testserver/",
    )


def _token_from_mail() -> str:
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
    return link.rstrip("/").rsplit("/", 1)[1]


@pytest.mark.django_db(transaction=False)
def test_invitation_is_emailed_and_accepted(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(world, email="Nouvelle@Exemple.test")
    assert invitation.email == "nouvelle@exemple.test"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouvelle@exemple.test"]
    assert message.subject == "Invitation à rejoindre Alpha Formation sur le portail Qualiopi"
    assert "avec le rôle « Formateur·rice / intervenant·e »" in message.body
    token = _token_from_mail()
    assert invitation.token_hash == token_hash(token)
    assert token not in str(Invitation.objects.values_list("token_hash", flat=True)[0])

    newcomer = UserFactory(email="nouvelle@exemple.test")
    membership = services.invitation_accept(token=token, user=newcomer)

    assert (membership.organisation, membership.role) == (world.org_a, Role.CONTRIBUTOR)
    invitation.refresh_from_db()
    assert invitation.accepted_by == newcomer
    with pytest.raises(services.InvitationError) as error:
        services.invitation_accept(token=token, user=newcomer)
    assert str(error.value) == "Cette invitation a déjà été acceptée."


@pytest.mark.django_db
def test_inviting_an_existing_member_is_refused(world):
    with pytest.raises(ValidationError) as error:
        _invite(world, email="Contributor.A@exemple.test")
    assert error.value.message_dict["email"] == [
        "contributor.a@exemple.test est déjà membre de cette organisation."
    ]
    assert Invitation.objects.count() == 0


@pytest.mark.django_db
def test_a_second_pending_invitation_is_refused(world):
    _invite(world)
    with pytest.raises(ValidationError) as error:
        _invite(world)
    assert (
        "Une invitation est déjà en attente pour nouvelle@exemple.test"
        in (error.value.message_dict["email"][0])
    )
    assert Invitation.objects.count() == 1


@pytest.mark.django_db
def test_expired_invitation_cannot_be_accepted(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(world)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    newcomer = UserFactory(email="nouvelle@exemple.test")
    with pytest.raises(services.InvitationError) as error:
        services.invitation_accept(token=_token_from_mail(), user=newcomer)
    assert str(error.value).startswith("Cette invitation a expiré le ")
    assert not Membership.objects.filter(user=newcomer).exists()


@pytest.mark.django_db
def test_invitation_for_another_address_is_refused(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(world)
    with pytest.raises(services.InvitationError) as error:
        services.invitation_accept(token=_token_from_mail(), user=world.nobody)
    assert str(error.value) == (
        "Cette invitation a été envoyée à nouvelle@exemple.test. Connectez-vous avec cette "
        "adresse pour l'accepter."
    )
    assert not Membership.objects.filter(user=world.nobody).exists()


@pytest.mark.django_db
def test_revoked_invitation_cannot_be_accepted(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(world)
    services.invitation_revoke(invitation=invitation, actor=world.referent_a)
    newcomer = UserFactory(email="nouvelle@exemple.test")
    with pytest.raises(services.InvitationError) as error:
        services.invitation_accept(token=_token_from_mail(), user=newcomer)
    assert str(error.value) == "Cette invitation a été révoquée."


@pytest.mark.django_db
def test_unknown_token_is_refused(world):
    with pytest.raises(services.InvitationError) as error:
        services.invitation_accept(token="inconnu", user=world.nobody)
    assert str(error.value) == "Ce lien d'invitation n'est pas valide."


# --- memberships -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_last_manager_cannot_be_removed(world):
    director = Membership.objects.get(user=world.director_a, organisation=world.org_a)
    services.membership_remove(membership=director, actor=world.referent_a)
    referent = Membership.objects.get(user=world.referent_a, organisation=world.org_a)
    with pytest.raises(ValidationError) as error:
        services.membership_remove(membership=referent, actor=world.referent_a)
    assert error.value.messages[0].startswith("Impossible de retirer le dernier membre")
    assert Membership.objects.filter(pk=referent.pk).exists()


@pytest.mark.django_db
def test_adding_an_existing_member_is_refused(world):
    with pytest.raises(ValidationError):
        services.membership_add(organisation=world.org_a, user=world.referent_a, role=Role.DIRECTOR)
    assert Membership.objects.get(user=world.referent_a, organisation=world.org_a).role == (
        Role.REFERENT
    )
