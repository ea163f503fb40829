"""Reads about organisations and who may enter them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connections, router
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


# The two statements every signed-in page runs (the middleware's access check and the top
# bar's switcher) are written once in SQL: compiling their ORM form cost more than running them
# (docs/decisions/0021). They say the same as _with_user_role / _accessible_by; a test holds
# them to it (tests/tenancy/test_selectors.py).
_ORG = Organisation._meta.db_table
_MEMBERSHIP = Membership._meta.db_table
_FIRM_CLIENTS = ConsultancyFirm.clients.through._meta.db_table
_FIRM_MEMBERS = ConsultancyFirm.members.through._meta.db_table
_FOLLOWED = (
    f"EXISTS (SELECT 1 FROM {_FIRM_CLIENTS} fc JOIN {_FIRM_MEMBERS} fm"  # noqa: S608
    " ON fm.consultancyfirm_id = fc.consultancyfirm_id"
    " WHERE fc.organisation_id = o.id AND fm.user_id = %(user)s)"
)
_ACCESS_SQL = (
    f"SELECT o.*, (SELECT m.role FROM {_MEMBERSHIP} m"  # noqa: S608 - table names from _meta
    " WHERE m.organisation_id = o.id AND m.user_id = %(user)s LIMIT 1) AS member_role,"
    f" {_FOLLOWED} AS followed_by_firm FROM {_ORG} o WHERE o.slug = %(slug)s"
)
_SWITCHER_SQL = (
    "SELECT id, slug, name, member_role, followed_by_firm,"  # noqa: S608 - table names from _meta
    f" (EXISTS (SELECT 1 FROM {_FIRM_MEMBERS} WHERE user_id = %(user)s)"
    f" OR EXISTS (SELECT 1 FROM {_MEMBERSHIP} WHERE user_id = %(user)s"
    " AND role = %(consultant)s)) AS user_is_consultant FROM ("
    "SELECT o.id, o.slug, o.name, m.role AS member_role, FALSE AS followed_by_firm"
    f" FROM {_MEMBERSHIP} m"
    f" JOIN {_ORG} o ON o.id = m.organisation_id WHERE m.user_id = %(user)s"
    " UNION"
    f" SELECT o.id, o.slug, o.name, NULL, TRUE FROM {_FIRM_MEMBERS} fm"
    f" JOIN {_FIRM_CLIENTS} fc ON fc.consultancyfirm_id = fm.consultancyfirm_id"
    f" JOIN {_ORG} o ON o.id = fc.organisation_id WHERE fm.user_id = %(user)s"
    f" AND NOT EXISTS (SELECT 1 FROM {_MEMBERSHIP} m2"
    " WHERE m2.organisation_id = o.id AND m2.user_id = %(user)s)"
    ") entries ORDER BY name, id LIMIT %(limit)s"
)


def organisation_access_get(*, user, slug: str) -> OrganisationAccess:
    """One query; the same 404 whether the organisation is missing or forbidden."""
    if not user.is_authenticated:
        raise Http404
    rows = list(Organisation.objects.raw(_ACCESS_SQL, {"user": user.pk, "slug": slug}))
    access = _access_from_annotated(rows[0]) if rows else None
    if access is None:
        raise Http404
    return access


def _accessible_by(queryset: QuerySet[Organisation], user) -> QuerySet[Organisation]:
    return queryset.filter(
        Exists(Membership.objects.filter(organisation=OuterRef("pk"), user=user))
        | Exists(ConsultancyFirm.objects.filter(clients=OuterRef("pk"), members=user))
    )


def organisation_accesses_for_user(*, user, limit: int | None = None) -> list[OrganisationAccess]:
    """Every organisation the user may enter (or the first `limit`), by name, in one query."""
    if not user.is_authenticated:
        return []
    queryset = _accessible_by(_with_user_role(Organisation.objects.order_by("name"), user), user)
    if limit is not None:
        queryset = queryset[:limit]
    return [access for org in queryset if (access := _access_from_annotated(org))]


# Memo on the request's user object: the menu, the switcher and the portfolio views all ask.
_CONSULTANT_MEMO = "_portal_is_consultant"


def user_is_consultant(*, user) -> bool:
    """A member of a consultancy firm, or consultant in at least one organisation."""
    if not user.is_authenticated:
        return False
    memo = getattr(user, _CONSULTANT_MEMO, None)
    if memo is None:
        memo = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .filter(
                Exists(ConsultancyFirm.objects.filter(members=OuterRef("pk")))
                | Exists(Membership.objects.filter(user=OuterRef("pk"), role=Role.CONSULTANT))
            )
            .exists()
        )
        setattr(user, _CONSULTANT_MEMO, memo)
    return memo


@dataclass(frozen=True)
class SwitcherEntry:
    """An organisation the top bar offers: enough to link to it and say the role held."""

    pk: int
    slug: str
    name: str
    role: Role


@dataclass(frozen=True)
class Switcher:
    """What the top bar shows every signed-in page: where the user may go, and the portfolio."""

    entries: list[SwitcherEntry]
    is_consultant: bool


def switcher_for_user(*, user, limit: int) -> Switcher:
    """The first `limit` organisations by name and the consultant flag in one query (a second
    one only for a user who may enter no organisation)."""
    if not user.is_authenticated:
        return Switcher([], False)
    # Public tables: the main database, even inside an organisation kept on another one
    # (the router says which; docs/decisions/0022).
    with connections[router.db_for_read(Membership)].cursor() as cursor:
        cursor.execute(
            _SWITCHER_SQL, {"user": user.pk, "consultant": Role.CONSULTANT, "limit": limit}
        )
        rows = cursor.fetchall()
    if rows:
        setattr(user, _CONSULTANT_MEMO, rows[0][5])
    entries = [
        SwitcherEntry(pk, slug, name, Role(role) if role else Role.CONSULTANT)
        for pk, slug, name, role, _followed, _consultant in rows
    ]
    return Switcher(entries, user_is_consultant(user=user))


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
    # Started from the user's memberships and firms (indexed), not from every organisation:
    # a firm follows 1,000 clients among tens of thousands of organisations.
    direct = Membership.objects.filter(user=user, role=Role.CONSULTANT).values("organisation_id")
    other_role = (
        Membership.objects.filter(user=user).exclude(role=Role.CONSULTANT).values("organisation_id")
    )
    by_firm = (
        ConsultancyFirm.clients.through.objects.filter(consultancyfirm__members=user)
        .exclude(organisation_id__in=other_role)
        .values("organisation_id")
    )
    return (
        Organisation.objects.filter(pk__in=direct.union(by_firm))
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
