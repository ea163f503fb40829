"""The role → permission matrix. Views ask this module; they never test roles themselves."""

from __future__ import annotations

from enum import StrEnum

from .models import Role


class Permission(StrEnum):
    ORGANISATION_VIEW = "organisation.view"
    # Profile and scope (categories, flags, next audit date).
    ORGANISATION_EDIT = "organisation.edit"
    # Security policy, e.g. mandatory two-factor authentication.
    ORGANISATION_SECURITY = "organisation.security"
    MEMBERS_VIEW = "members.view"
    MEMBERS_MANAGE = "members.manage"


MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.ORGANISATION_VIEW: frozenset(Role),
    Permission.ORGANISATION_EDIT: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.ORGANISATION_SECURITY: frozenset({Role.REFERENT, Role.DIRECTOR}),
    Permission.MEMBERS_VIEW: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.MEMBERS_MANAGE: frozenset({Role.REFERENT, Role.DIRECTOR}),
}


def role_has_permission(role: Role | str | None, permission: Permission) -> bool:
    if role is None:
        return False
    return Role(role) in MATRIX[permission]


def permissions_for_role(role: Role | str | None) -> frozenset[str]:
    """Names of the granted permissions, for templates (`'members.manage' in perms_here`)."""
    if role is None:
        return frozenset()
    return frozenset(str(p) for p, roles in MATRIX.items() if Role(role) in roles)
