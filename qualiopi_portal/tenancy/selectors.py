"""Reads about organisations and who may enter them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404
from django_tenants.utils import get_public_schema_name

from qualiopi_portal.core.tenants import schema_context

from .models import ConsultancyFirm, Invitation, Membership, Organisation, Role
from .permissions import Permission, permissions_for_role, role_has_permission


@dataclass(frozen=True)
class OrganisationAccess:
    """The organisation a request works in and the role the user holds there."""

    organisation: Organisation
    role: Role

    def has(self, permission: Permission) -> bool:
        return role_has_permission(self.role, permission)

    @property
    def permissions(self) -> frozenset[str]:
        return permissions_for_role(self.role)


def _with_user_role(queryset: QuerySet[Organisation], user) -> QuerySet[Organisation]:
    """Annotate the user's membership role and whether a firm of theirs follows the client."""
    return queryset.annotate(
        member_role=Subquery(
            Membership.objects.filter(organisation=OuterRef("pk"), user=user).values("role")[:1]
        ),
        followed_by_firm=Exists(
            ConsultancyFirm.objects.filter(clients=OuterRef("pk"), members=user)
        ),
    )


def _access_from_annotated(organisation: Organisation) -> OrganisationAccess | None:
    if organisation.member_role:
        return OrganisationAccess(organisation, Role(organisation.member_role))
    if organisation.followed_by_firm:
        return OrganisationAccess(organisation, Role.CONSULTANT)
    return None


def organisation_access_get(*, user, slug: str) -> OrganisationAccess:
    """One query; the same 404 whether the organisation is missing or forbidden."""
    if not user.is_authenticated:
        raise Http404
    organisation = _with_user_role(Organisation.objects.filter(slug=slug), user).first()
    access = _access_from_annotated(organisation) if organisation else None
    if access is None:
        raise Http404
    return access


def organisation_accesses_for_user(*, user, limit: int | None = None) -> list[OrganisationAccess]:
    """Every organisation the user may enter (or the first `limit`), by name, in one query."""
    if not user.is_authenticated:
        return []
    queryset = _with_user_role(Organisation.objects.order_by("name"), user).filter(
        Exists(Membership.objects.filter(organisation=OuterRef("pk"), user=user))
        | Exists(ConsultancyFirm.objects.filter(clients=OuterRef("pk"), members=user))
    )
    if limit is not None:
        queryset = queryset[:limit]
    return [access for org in queryset if (access := _access_from_annotated(org))]


def user_is_consultant(*, user) -> bool:
    """A member of a consultancy firm, or consultant in at least one organisation."""
    if not user.is_authenticated:
        return False
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .filter(
            Exists(ConsultancyFirm.objects.filter(members=OuterRef("pk")))
            | Exists(Membership.objects.filter(user=OuterRef("pk"), role=Role.CONSULTANT))
        )
        .exists()
    )


def firms_for_user(*, user) -> QuerySet[ConsultancyFirm]:
    return ConsultancyFirm.objects.filter(members=user).order_by("name")


def member_user_ids(*, organisation: Organisation, roles=None) -> set[int]:
    """Ids of the organisation's members, optionally only those with the given roles."""
    memberships = Membership.objects.filter(organisation=organisation)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return set(memberships.values_list("user_id", flat=True))


def client_organisations(*, user) -> QuerySet[Organisation]:
    """The organisations a user follows as consultant — by membership with that role, or
    through a firm when they hold no other role there — in one query, with their readiness."""
    direct = Membership.objects.filter(organisation=OuterRef("pk"), user=user, role=Role.CONSULTANT)
    other_role = Membership.objects.filter(organisation=OuterRef("pk"), user=user).exclude(
        role=Role.CONSULTANT
    )
    by_firm = ConsultancyFirm.objects.filter(clients=OuterRef("pk"), members=user)
    return (
        Organisation.objects.filter(Exists(direct) | (Exists(by_firm) & ~Exists(other_role)))
        .select_related("readiness")
        .order_by("name")
    )


def memberships_for_organisation(*, organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("role", "user__email")
    )


def pending_invitations_for_organisation(*, organisation: Organisation) -> list[Invitation]:
    invitations = Invitation.objects.filter(
        organisation=organisation, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")
    return list(invitations)


def membership_get(*, organisation: Organisation, pk: int) -> Membership:
    try:
        return Membership.objects.select_related("user").get(organisation=organisation, pk=pk)
    except Membership.DoesNotExist as exc:
        raise Http404 from exc


def invitation_get(*, organisation: Organisation, pk: int) -> Invitation:
    try:
        return Invitation.objects.get(organisation=organisation, pk=pk)
    except Invitation.DoesNotExist as exc:
        raise Http404 from exc


def organisations_each() -> Iterator[Organisation]:
    """Every organisation in turn, its schema current while the caller works on it (nightly
    jobs and sweeps iterate tenants explicitly: ARCHITECTURE.md)."""
    for organisation in Organisation.objects.exclude(schema_name=get_public_schema_name()).order_by(
        "pk"
    ):
        with schema_context(organisation.schema_name):
            yield organisation
