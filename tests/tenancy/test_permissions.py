from qualiopi_portal.tenancy.models import Role
from qualiopi_portal.tenancy.permissions import (
    MATRIX,
    Permission,
    permissions_for_role,
    role_has_permission,
)


def test_matrix_is_exactly_as_designed():
    expected = {
        Role.REFERENT: {
            "organisation.view",
            "organisation.edit",
            "organisation.security",
            "members.view",
            "members.manage",
            "evidence.view_all",
            "evidence.add",
            "evidence.manage",
            "evidence.review",
            "evidence.comment",
            "evidence.export",
            "checklist.manage",
            "self_assessment.view",
            "self_assessment.manage",
            "audits.view",
            "reports.generate",
            "offers.view",
            "audits.manage",
            "offers.manage",
            "actions.view",
            "actions.manage",
            "funding.view",
            "funding.manage",
            "learners.view",
            "learners.manage",
            "attendance.correct",
        },
        Role.DIRECTOR: {
            "organisation.view",
            "organisation.edit",
            "organisation.security",
            "members.view",
            "members.manage",
            "evidence.view_all",
            "evidence.export",
            "self_assessment.view",
            "audits.view",
            "reports.generate",
            "offers.view",
            "actions.view",
            "actions.manage",
            "funding.view",
            "funding.manage",
        },
        Role.CONSULTANT: {
            "organisation.view",
            "organisation.edit",
            "members.view",
            "evidence.view_all",
            "evidence.review",
            "evidence.comment",
            "evidence.export",
            "checklist.manage",
            "self_assessment.view",
            "self_assessment.manage",
            "self_assessment.review",
            "audits.view",
            "reports.generate",
            "offers.view",
            "audits.manage",
            "offers.manage",
            "actions.view",
            "actions.manage",
            "funding.view",
            "funding.manage",
            "learners.view",
            "learners.manage",
        },
        Role.CONTRIBUTOR: {"organisation.view", "evidence.add", "evidence.comment"},
    }
    assert {role: set(permissions_for_role(role)) for role in Role} == expected


def test_every_permission_is_in_the_matrix():
    assert set(MATRIX) == set(Permission)


def test_no_role_has_nothing():
    assert permissions_for_role(None) == frozenset()
    assert role_has_permission(None, Permission.ORGANISATION_VIEW) is False
