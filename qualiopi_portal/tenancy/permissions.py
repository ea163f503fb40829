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
    # The whole evidence library (a contributor sees only their own items).
    EVIDENCE_VIEW_ALL = "evidence.view_all"
    # Add items and files; contributors only for themselves.
    EVIDENCE_ADD = "evidence.add"
    # Edit, archive and restore any item.
    EVIDENCE_MANAGE = "evidence.manage"
    # Validate or reject.
    EVIDENCE_REVIEW = "evidence.review"
    EVIDENCE_COMMENT = "evidence.comment"
    EVIDENCE_EXPORT = "evidence.export"
    # The list of pieces expected from trainers and subcontractors.
    CHECKLIST_MANAGE = "checklist.manage"
    # Self-assessment campaigns: read the answers and the consolidated view.
    SELF_ASSESSMENT_VIEW = "self_assessment.view"
    # Open campaigns, choose respondents, move them to review and close them.
    SELF_ASSESSMENT_MANAGE = "self_assessment.manage"
    # The review step (the "tiers"): comment and set the agreed rating.
    SELF_ASSESSMENT_REVIEW = "self_assessment.review"
    AUDITS_VIEW = "audits.view"
    # Certificate, audits, findings and their follow-up.
    AUDITS_MANAGE = "audits.manage"
    OFFERS_VIEW = "offers.view"
    # Offers, their publication and their sessions.
    OFFERS_MANAGE = "offers.manage"
    # Generate and download the readiness and audit-prep PDFs.
    REPORTS = "reports.generate"
    ACTIONS_VIEW = "actions.view"
    ACTIONS_MANAGE = "actions.manage"
    # Funding plans of sessions, revenue at risk and the certification budget.
    FUNDING_VIEW = "funding.view"
    # Funding lines, service-fait documents and the budget's assumptions.
    FUNDING_MANAGE = "funding.manage"
    # Every session's learners (personal data): those who need them, not the direction, which
    # reads counts. A trainer reads the learners of the sessions they run (learners.selectors).
    LEARNERS_VIEW = "learners.view"
    # Enrol, import, change an enrolment's state, plan the half-days, name the trainers.
    LEARNERS_MANAGE = "learners.manage"
    # Correct an attendance record after its slot is closed (a new record, with its reason).
    ATTENDANCE_CORRECT = "attendance.correct"


MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.ORGANISATION_VIEW: frozenset(Role),
    Permission.ORGANISATION_EDIT: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.ORGANISATION_SECURITY: frozenset({Role.REFERENT, Role.DIRECTOR}),
    Permission.MEMBERS_VIEW: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.MEMBERS_MANAGE: frozenset({Role.REFERENT, Role.DIRECTOR}),
    Permission.EVIDENCE_VIEW_ALL: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.EVIDENCE_ADD: frozenset({Role.REFERENT, Role.CONTRIBUTOR}),
    Permission.EVIDENCE_MANAGE: frozenset({Role.REFERENT}),
    Permission.EVIDENCE_REVIEW: frozenset({Role.REFERENT, Role.CONSULTANT}),
    Permission.EVIDENCE_COMMENT: frozenset({Role.REFERENT, Role.CONTRIBUTOR, Role.CONSULTANT}),
    Permission.EVIDENCE_EXPORT: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.CHECKLIST_MANAGE: frozenset({Role.REFERENT, Role.CONSULTANT}),
    Permission.SELF_ASSESSMENT_VIEW: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.SELF_ASSESSMENT_MANAGE: frozenset({Role.REFERENT, Role.CONSULTANT}),
    Permission.SELF_ASSESSMENT_REVIEW: frozenset({Role.CONSULTANT}),
    Permission.AUDITS_VIEW: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.AUDITS_MANAGE: frozenset({Role.REFERENT, Role.CONSULTANT}),
    Permission.OFFERS_VIEW: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.OFFERS_MANAGE: frozenset({Role.REFERENT, Role.CONSULTANT}),
    Permission.REPORTS: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.ACTIONS_VIEW: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.ACTIONS_MANAGE: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.FUNDING_VIEW: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.FUNDING_MANAGE: frozenset({Role.REFERENT, Role.DIRECTOR, Role.CONSULTANT}),
    Permission.LEARNERS_VIEW: frozenset({Role.REFERENT, Role.CONSULTANT}),
    Permission.LEARNERS_MANAGE: frozenset({Role.REFERENT, Role.CONSULTANT}),
    Permission.ATTENDANCE_CORRECT: frozenset({Role.REFERENT}),
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
