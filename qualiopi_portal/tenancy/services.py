"""Writes on organisations, memberships and invitations. Each appends an audit event."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import get_public_schema_name, schema_exists

from qualiopi_portal.core.databases import (
    MAIN,
    database_bound,
    organisation_databases,
)
from qualiopi_portal.core.services import audit_event_record
from qualiopi_portal.core.tokens import new_token, token_hash

from .models import ConsultancyFirm, Invitation, Membership, Organisation, Role

# Identity and audit planning (the profile page).
PROFILE_FIELDS = (
    "name",
    "siret",
    "nda",
    "site_count",
    "turnover_band",
    "next_audit_date",
)
# What decides the applicable indicators (the scope page).
SCOPE_FIELDS = (
    "categories",
    "is_certifying",
    "has_alternance",
    "has_work_situation",
    "has_subcontracting",
    "new_entrant_categories",
    "has_cnefop_label",
    "referential_version",
)
# Set on the profile page once the organisation exists (creation keeps the default).
PERSONAL_DATA_FIELDS = ("learner_retention_months",)
EDITABLE_FIELDS = PROFILE_FIELDS + SCOPE_FIELDS + PERSONAL_DATA_FIELDS
NEW_ENTRANT_OUTSIDE_CATEGORIES = gettext_lazy(
    "Une catégorie où l'organisme débute doit aussi être cochée dans les catégories d'actions."
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    return value


def _changes(organisation: Organisation, data: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        field: [_jsonable(getattr(organisation, field)), _jsonable(data[field])]
        for field in EDITABLE_FIELDS
        if field in data and getattr(organisation, field) != data[field]
    }


def organisation_validate(organisation: Organisation) -> None:
    """Full model validation plus the rules that span fields; raises French errors."""
    errors: dict[str, list[str]] = {}
    try:
        organisation.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    if not organisation.categories:
        errors.setdefault("categories", []).append(
            _("Choisissez au moins une catégorie d'actions (AF, BC, VAE ou apprentissage).")
        )
    undeclared = set(organisation.new_entrant_categories or []) - set(organisation.categories or [])
    if undeclared:
        errors.setdefault("new_entrant_categories", []).append(str(NEW_ENTRANT_OUTSIDE_CATEGORIES))
    if organisation.site_count is not None and organisation.site_count < 1:
        errors.setdefault("site_count", []).append(_("Une organisation compte au moins un site."))
    if errors:
        raise ValidationError(errors)


def organisation_check_available(organisation: Organisation) -> None:
    """A schema left behind by hand (no row) makes its slug unusable: say so in French."""
    if schema_exists(organisation.schema_name):
        raise ValidationError(
            {"slug": [_("Cet identifiant n'est pas disponible, choisissez-en un autre.")]}
        )


def organisation_create(
    *,
    slug: str,
    created_by: Any = None,
    firm: ConsultancyFirm | None = None,
    database: str = MAIN,
    **profile: Any,
) -> Organisation:
    """Create an organisation and its schema, cloned from the migrated template.

    Everything happens in one transaction: a failure leaves neither the row nor the schema.
    `database` names the server that holds its schema (docs/decisions/0022): the row is
    written on the main database in any case, the schema cloned from that server's template.
    """
    if database not in organisation_databases():
        raise ValidationError(
            {"database": [_("Base de données inconnue : %(alias)s.") % {"alias": database}]}
        )
    organisation = Organisation(
        slug=slug, schema_name=Organisation.schema_name_for(slug or ""), database=database
    )
    for field, value in profile.items():
        if field not in EDITABLE_FIELDS:
            raise TypeError(f"unknown organisation field {field!r}")
        setattr(organisation, field, value)
    organisation_validate(organisation)
    with database_bound(database):
        organisation_check_available(organisation)
        if database == MAIN:
            return _organisation_insert(organisation, created_by=created_by, firm=firm)
        # Two servers, two commits (the schema's first): should the main one fail, the new
        # schema, which no row names, is dropped again.
        try:
            return _organisation_insert(organisation, created_by=created_by, firm=firm)
        except BaseException:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{organisation.schema_name}" CASCADE')
            raise


def _organisation_insert(
    organisation: Organisation, *, created_by: Any, firm: ConsultancyFirm | None
) -> Organisation:
    # Bound to another database, this block also covers the main one (the row, the audit
    # event): core.databases.install_paired_atomic.
    with transaction.atomic():
        organisation.save(verbosity=0)
        if firm is not None:
            firm.clients.add(organisation)
        audit_event_record(
            action="organisation.created",
            actor=created_by,
            organisation=organisation,
            slug=organisation.slug,
            firm=firm.slug if firm else None,
        )
    return organisation


def organisation_update(
    *, organisation: Organisation, actor: Any, data: dict[str, Any]
) -> Organisation:
    """Update profile or scope fields; the slug (and so the schema) never changes."""
    changes = _changes(organisation, data)
    for field in changes:
        setattr(organisation, field, data[field])
    organisation_validate(organisation)
    if changes:
        with transaction.atomic():
            organisation.save(update_fields=list(changes))
            audit_event_record(
                action="organisation.updated",
                actor=actor,
                organisation=organisation,
                changes=changes,
            )
    return organisation


def organisation_set_two_factor(
    *, organisation: Organisation, actor: Any, required: bool
) -> Organisation:
    if organisation.requires_two_factor != required:
        with transaction.atomic():
            organisation.requires_two_factor = required
            organisation.save(update_fields=["requires_two_factor"])
            audit_event_record(
                action="organisation.two_factor_changed",
                actor=actor,
                organisation=organisation,
                required=required,
            )
    return organisation


def membership_add(
    *, organisation: Organisation, user: Any, role: Role | str, actor: Any = None
) -> Membership:
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise ValidationError(
            _("%(email)s est déjà membre de cette organisation.") % {"email": user.email}
        )
    with transaction.atomic():
        membership = Membership.objects.create(organisation=organisation, user=user, role=role)
        audit_event_record(
            action="membership.added",
            actor=actor,
            organisation=organisation,
            email=user.email,
            role=str(role),
        )
    return membership


def membership_remove(*, membership: Membership, actor: Any) -> None:
    """Remove access; refuses to leave an organisation without anyone who can manage members."""
    organisation = membership.organisation
    managers = Membership.objects.filter(
        organisation=organisation, role__in=[Role.REFERENT, Role.DIRECTOR]
    )
    if membership.role in (Role.REFERENT, Role.DIRECTOR) and managers.count() <= 1:
        raise ValidationError(
            _(
                "Impossible de retirer le dernier membre pouvant gérer l'équipe (référent·e ou "
                "direction). Invitez d'abord une autre personne à ce rôle."
            )
        )
    with transaction.atomic():
        audit_event_record(
            action="membership.removed",
            actor=actor,
            organisation=organisation,
            email=membership.user.email,
            role=membership.role,
        )
        membership.delete()


def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    role: Role | str,
    invited_by: Any,
    base_url: str,
) -> Invitation:
    """Record an invitation and e-mail its link; the token itself is never stored."""
    email = email.strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError(
            {"email": [_("%(email)s est déjà membre de cette organisation.") % {"email": email}]}
        )
    pending = Invitation.objects.filter(
        organisation=organisation,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        raise ValidationError(
            {
                "email": [
                    _(
                        "Une invitation est déjà en attente pour %(email)s. Révoquez-la pour en "
                        "envoyer une nouvelle."
                    )
                    % {"email": email}
                ]
            }
        )
    token, hashed = new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            role=role,
            token_hash=hashed,
            invited_by=invited_by,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALIDITY_DAYS),
        )
        audit_event_record(
            action="invitation.created",
            actor=invited_by,
            organisation=organisation,
            email=email,
            role=str(role),
        )
        accept_url = base_url.rstrip("/") + reverse("invitation_accept", args=[token])
        context = {"invitation": invitation, "accept_url": accept_url}
        transaction.on_commit(
            lambda: send_mail(
                subject=_("Invitation à rejoindre %(organisation)s sur le portail Qualiopi")
                % {"organisation": organisation.name},
                message=render_to_string("tenancy/emails/invitation.txt", context),
                from_email=None,
                recipient_list=[email],
            )
        )
    return invitation


def invitation_proves_address(*, invitation: Invitation) -> None:
    """Opening the link sent to an address proves that address, as allauth's own confirmation
    link would: an account already created there, still unconfirmed, is confirmed."""
    from allauth.account.models import EmailAddress

    confirmed = EmailAddress.objects.filter(email__iexact=invitation.email, verified=False).update(
        verified=True
    )
    if confirmed:
        audit_event_record(
            action="invitation.address_confirmed",
            organisation=invitation.organisation,
            email=invitation.email,
        )


class InvitationError(Exception):
    """Why an invitation cannot be accepted, as a French sentence for the page."""


def invitation_get_by_token(*, token: str) -> Invitation:
    try:
        return Invitation.objects.select_related("organisation", "invited_by").get(
            token_hash=token_hash(token)
        )
    except Invitation.DoesNotExist as exc:
        raise InvitationError(_("Ce lien d'invitation n'est pas valide.")) from exc


def invitation_check_usable(invitation: Invitation) -> None:
    if invitation.revoked_at is not None:
        raise InvitationError(_("Cette invitation a été révoquée."))
    if invitation.accepted_at is not None:
        raise InvitationError(_("Cette invitation a déjà été acceptée."))
    if invitation.is_expired:
        raise InvitationError(
            _(
                "Cette invitation a expiré le %(date)s. Demandez à votre organisation de vous "
                "en envoyer une nouvelle."
            )
            % {"date": date_format(timezone.localtime(invitation.expires_at), "SHORT_DATE_FORMAT")}
        )


def invitation_check_recipient(invitation: Invitation, user: Any) -> None:
    """Only the addressee may accept, and only once."""
    if invitation.email.lower() != user.email.lower():
        raise InvitationError(
            _(
                "Cette invitation a été envoyée à %(email)s. Connectez-vous avec cette "
                "adresse pour l'accepter."
            )
            % {"email": invitation.email}
        )
    if Membership.objects.filter(organisation=invitation.organisation, user=user).exists():
        raise InvitationError(_("Vous êtes déjà membre de cette organisation."))


def invitation_accept(*, token: str, user: Any) -> Membership:
    """Turn a valid invitation into a membership for the user it was sent to."""
    with transaction.atomic():
        invitation = invitation_get_by_token(token=token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        invitation_check_usable(invitation)
        invitation_check_recipient(invitation, user)
        membership = Membership.objects.create(
            organisation=invitation.organisation, user=user, role=invitation.role
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_event_record(
            action="invitation.accepted",
            actor=user,
            organisation=invitation.organisation,
            email=invitation.email,
            role=invitation.role,
        )
    return membership


def invitation_revoke(*, invitation: Invitation, actor: Any) -> Invitation:
    if invitation.accepted_at is not None:
        raise ValidationError(_("Cette invitation a déjà été acceptée."))
    if invitation.revoked_at is None:
        with transaction.atomic():
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            audit_event_record(
                action="invitation.revoked",
                actor=actor,
                organisation=invitation.organisation,
                email=invitation.email,
            )
    return invitation


def organisations_fan_out(task: Any) -> int:
    """Queue `task(schema_name)` once per organisation and return how many were queued.

    The nightly jobs go out this way (readiness snapshots' retention, audit reminders, the
    survey schedule): one task each, so that a large or failing organisation neither holds the
    others back nor, retried, repeats their work; each task enters its schema itself.
    """
    schemas = (
        Organisation.objects.exclude(schema_name=get_public_schema_name())
        .order_by("pk")
        .values_list("schema_name", flat=True)
    )
    count = 0
    for schema_name in schemas.iterator():
        task.delay(schema_name)
        count += 1
    return count
