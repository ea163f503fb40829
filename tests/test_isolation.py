"""Tenant isolation: nobody outside organisation B can see, guess or touch B's data.

Every URL pattern of the project is enumerated. Tenant URLs are requested (GET and POST) for
organisation B, filled with B's real object ids, by outsiders; public URLs are requested by the
same outsiders and must never show B's marker. A URL pattern that this file does not cover makes
the test fail, so every new view has to be added here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Answer, Campaign
from audits import services as audit_services
from audits.models import Audit, Certificate, Finding, Slot
from evidence import services as evidence_services
from evidence.models import (
    ChecklistEntry,
    EvidenceComment,
    EvidenceEvent,
    EvidenceItem,
    EvidenceVersion,
    Kind,
)
from financing import services as funding_services
from financing.models import CertificationBudget, FundingLine, SessionDocument
from improvement import services as improvement_services
from improvement.models import Action
from learners import attendance as learner_attendance
from learners import services as learner_services
from learners.models import (
    AttendanceRecord,
    Enrolment,
    Learner,
    SessionTrainer,
    SigningLink,
)
from learners.models import Slot as AttendanceSlot
from qualiopi_portal.core.models import AuditEvent
from qualiopi_portal.core.tenants import schema_context
from qualiopi_portal.core.tokens import new_token
from qualiopi_portal.tenancy import services
from qualiopi_portal.tenancy.models import (
    AuditorLink,
    Invitation,
    Membership,
    Organisation,
    Role,
)
from qualiopi_portal.tenancy.selectors import OrganisationAccess
from reports.models import Report
from surveys import models as survey_models
from training_offers import services as offer_services
from training_offers.models import Offer, Session

from .conftest import B_MARKER
from .factories import UserFactory

pytestmark = pytest.mark.django_db

B_FILE_CONTENT = f"Contenu confidentiel {B_MARKER}\n".encode()

TENANT_PREFIX = "o/<slug:organisation_slug>/"


def _walk(resolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route, name or ""


def all_routes() -> list[tuple[str, str]]:
    return list(_walk(get_resolver()))


# Tenant URL name → the URL kwargs pointing at B's real objects.
B_OBJECTS: dict[str, Callable[[dict], dict]] = {
    "org:dashboard": lambda b: {},
    "org:profile": lambda b: {},
    "org:referential": lambda b: {},
    "org:referential_compare": lambda b: {},
    "org:scope": lambda b: {},
    "org:scope_preview": lambda b: {},
    "org:security": lambda b: {},
    "org:members": lambda b: {},
    "org:member_remove": lambda b: {"pk": b["membership"].pk},
    "org:invitation_revoke": lambda b: {"pk": b["invitation"].pk},
    "org:evidence_list": lambda b: {},
    "org:evidence_create": lambda b: {},
    "org:evidence_coverage": lambda b: {},
    "org:evidence_export": lambda b: {"export_format": "csv"},
    "org:evidence_detail": lambda b: {"pk": b["evidence"].pk},
    "org:evidence_edit": lambda b: {"pk": b["evidence"].pk},
    "org:evidence_version_upload": lambda b: {"pk": b["evidence"].pk},
    "org:evidence_version_download": lambda b: {"pk": b["evidence"].pk, "number": 1},
    "org:evidence_review": lambda b: {"pk": b["evidence"].pk},
    "org:evidence_comment": lambda b: {"pk": b["evidence"].pk},
    "org:evidence_archive": lambda b: {"pk": b["evidence"].pk},
    "org:evidence_restore": lambda b: {"pk": b["evidence"].pk},
    "org:evidence_confirm_v10": lambda b: {"pk": b["evidence"].pk},
    "org:my_space": lambda b: {},
    "org:checklist": lambda b: {},
    "org:checklist_remind": lambda b: {"user_pk": b["trainer"].pk},
    "org:checklist_entry_create": lambda b: {},
    "org:checklist_entry_edit": lambda b: {"pk": b["checklist_entry"].pk},
    "org:campaign_list": lambda b: {},
    "org:campaign_create": lambda b: {},
    "org:campaign_detail": lambda b: {"pk": b["campaign"].pk},
    "org:campaign_status": lambda b: {"pk": b["campaign"].pk},
    "org:campaign_indicator": lambda b: {"pk": b["campaign"].pk, "number": 4},
    "org:campaign_indicator_action": lambda b: {"pk": b["campaign"].pk, "number": 4},
    "org:action_list": lambda b: {},
    "org:action_create": lambda b: {},
    "org:action_edit": lambda b: {"pk": b["action"].pk},
    "org:action_from_gap": lambda b: {"number": 4},
    "org:audit_list": lambda b: {},
    "org:certificate_edit": lambda b: {},
    "org:audit_create": lambda b: {},
    "org:audit_detail": lambda b: {"pk": b["audit"].pk},
    "org:audit_edit": lambda b: {"pk": b["audit"].pk},
    "org:finding_detail": lambda b: {"audit_pk": b["audit"].pk, "pk": b["finding"].pk},
    "org:finding_action": lambda b: {"audit_pk": b["audit"].pk, "pk": b["finding"].pk},
    "org:finding_cancel": lambda b: {"audit_pk": b["audit"].pk, "pk": b["finding"].pk},
    "org:audit_plan": lambda b: {"pk": b["audit"].pk},
    "org:auditor_links": lambda b: {"pk": b["audit"].pk},
    "org:findings_import": lambda b: {"pk": b["audit"].pk},
    "org:report_list": lambda b: {},
    "org:offer_list": lambda b: {},
    "org:offer_create": lambda b: {},
    "org:offer_results": lambda b: {},
    "org:offer_results_export": lambda b: {"export_format": "csv"},
    "org:catalogue_as_evidence": lambda b: {},
    "org:offer_detail": lambda b: {"pk": b["offer"].pk},
    "org:offer_edit": lambda b: {"pk": b["offer"].pk},
    "org:offer_status": lambda b: {"pk": b["offer"].pk},
    "org:session_create": lambda b: {"pk": b["offer"].pk},
    "org:sessions_import": lambda b: {"pk": b["offer"].pk},
    "org:session_edit": lambda b: {"pk": b["offer"].pk, "session_pk": b["session"].pk},
    "org:report_create": lambda b: {},
    "org:report_download": lambda b: {"pk": b["report"].pk},
    "org:slot_create": lambda b: {"pk": b["audit"].pk},
    "org:slot_edit": lambda b: {"pk": b["audit"].pk, "slot_pk": b["slot"].pk},
    "org:slot_delete": lambda b: {"pk": b["audit"].pk, "slot_pk": b["slot"].pk},
    "org:funding_overview": lambda b: {},
    "org:funding_routes": lambda b: {},
    "org:funding_budget": lambda b: {},
    "org:funding_session": lambda b: {"session_pk": b["session"].pk},
    "org:funding_line_create": lambda b: {"session_pk": b["session"].pk},
    "org:funding_line_edit": lambda b: {"session_pk": b["session"].pk, "pk": b["line"].pk},
    "org:funding_line_remove": lambda b: {"session_pk": b["session"].pk, "pk": b["line"].pk},
    "org:funding_line_hours_from_attendance": lambda b: {
        "session_pk": b["session"].pk,
        "pk": b["line"].pk,
    },
    "org:funding_document_link": lambda b: {"session_pk": b["session"].pk},
    "org:session_learners": lambda b: {"session_pk": b["session"].pk},
    "org:learners_import": lambda b: {"session_pk": b["session"].pk},
    "org:enrolment_edit": lambda b: {"session_pk": b["session"].pk, "pk": b["enrolment"].pk},
    "org:enrolment_link": lambda b: {"session_pk": b["session"].pk, "pk": b["enrolment"].pk},
    "org:learner_export": lambda b: {"session_pk": b["session"].pk, "pk": b["enrolment"].pk},
    "org:learner_anonymise": lambda b: {"session_pk": b["session"].pk, "pk": b["enrolment"].pk},
    "org:session_attendance": lambda b: {"session_pk": b["session"].pk},
    "org:slot_close": lambda b: {
        "session_pk": b["session"].pk,
        "slot_pk": b["attendance_slot"].pk,
    },
    "org:slot_room_code": lambda b: {
        "session_pk": b["session"].pk,
        "slot_pk": b["attendance_slot"].pk,
    },
    "org:record_correct": lambda b: {"session_pk": b["session"].pk, "pk": b["record"].pk},
    "org:attendance_sheet": lambda b: {"session_pk": b["session"].pk},
    "org:session_journeys": lambda b: {"session_pk": b["session"].pk},
    "org:journeys_chase": lambda b: {"session_pk": b["session"].pk},
    "org:session_documents": lambda b: {"session_pk": b["session"].pk},
    "org:document_generate": lambda b: {"session_pk": b["session"].pk, "kind": "programme"},
    "org:document_send": lambda b: {"session_pk": b["session"].pk, "kind": "convocation"},
    "org:document_template": lambda b: {"kind": "convocation"},
    "org:questionnaire_list": lambda b: {},
    "org:questionnaire_detail": lambda b: {"pk": b["questionnaire"].pk},
    "org:questionnaire_answers_export": lambda b: {
        "pk": b["questionnaire"].pk,
        "export_format": "csv",
    },
    "org:questionnaire_edit": lambda b: {"pk": b["questionnaire"].pk},
    "org:questionnaire_import": lambda b: {"pk": b["questionnaire"].pk},
    "org:session_surveys": lambda b: {"session_pk": b["session"].pk},
    "org:session_survey_room": lambda b: {"session_pk": b["session"].pk},
    "org:survey_campaign_close": lambda b: {
        "session_pk": b["session"].pk,
        "questionnaire_pk": b["questionnaire"].pk,
    },
    "org:questionnaire_free_text": lambda b: {"pk": b["questionnaire"].pk},
    "org:free_text_action": lambda b: {
        "pk": b["questionnaire"].pk,
        "answer_pk": b["free_text_answer"].pk,
    },
    "org:stakeholder_list": lambda b: {},
    "org:stakeholder_trainers_add": lambda b: {},
    "org:stakeholder_archive": lambda b: {"pk": b["stakeholder"].pk},
}

# POST-only views, with what B's own referent posts and the status that answers it.
POST_ONLY = {
    "org:scope_preview": ({"categories": ["AF"]}, 200),
    # No file: the page comes back with the error.
    "org:evidence_version_upload": ({"expected_number": "2"}, 400),
    # Refusing without a reason: the page comes back with the error.
    "org:evidence_review": ({"transition": "reject", "reason": ""}, 400),
    "org:evidence_comment": ({"body": ""}, 400),
    # Restoring an item that is not archived changes nothing and goes back to it.
    "org:evidence_restore": ({}, 302),
    # Confirming a proof for V10: journaled once, back to the proof.
    "org:evidence_confirm_v10": ({}, 302),
    # An unknown status is refused with a message, back to the campaign.
    "org:campaign_status": ({"status": "inconnu"}, 302),
    # No corrective action was proposed: a message, back to the indicator.
    "org:campaign_indicator_action": ({}, 302),
    "org:action_from_gap": ({}, 302),
    "org:finding_action": ({}, 302),
    "org:report_create": ({"kind": "readiness"}, 302),
    # Withdrawing a draft to draft changes nothing and goes back to the offer.
    "org:offer_status": ({"status": "draft"}, 302),
    "org:catalogue_as_evidence": ({}, 302),
    # No proof chosen: a message, back to the session's documents.
    "org:funding_document_link": ({"key": "invoice"}, 302),
    # B's trainer owes the required pieces: one reminder e-mail, back to the checklist.
    "org:checklist_remind": ({}, 302),
    # No learner is tied to B's funding line: a message, back to the session's plan.
    "org:funding_line_hours_from_attendance": ({}, 302),
    # B's session has nobody to chase: a message, back to the journeys.
    "org:journeys_chase": ({}, 302),
    # B's programme becomes a proof of B's library; back to B's session documents.
    "org:document_generate": ({}, 302),
    # Nothing generated yet: a message, back to the documents.
    "org:document_send": ({}, 302),
    # B's free-text answer becomes an action of B's plan de progrès; on to that action.
    "org:free_text_action": ({}, 302),
    # B's trainers (none on a session): a message, back to B's contacts.
    "org:stakeholder_trainers_add": ({}, 302),
}
# Pages that do not print the organisation's name (an htmx fragment, a confirmation, a
# redirect).
WITHOUT_NAME = {
    "org:scope_preview",
    "org:invitation_revoke",
    "org:evidence_restore",
    "org:evidence_confirm_v10",
    "org:campaign_status",
    "org:campaign_indicator_action",
    "org:action_from_gap",
    "org:finding_action",
    "org:report_create",
    "org:offer_status",
    "org:catalogue_as_evidence",
    "org:funding_document_link",
    "org:checklist_remind",
    "org:funding_line_hours_from_attendance",
    "org:journeys_chase",
    "org:document_generate",
    "org:document_send",
    "org:free_text_action",
    "org:stakeholder_trainers_add",
    # A PDF: its text is compressed (tests/learners read it).
    "org:attendance_sheet",
    # Figures only: the organisation is named by the file name.
    "org:offer_results_export",
    "org:questionnaire_answers_export",
}

# Public URLs: those taking no argument are requested as they are; the others are listed here.
PUBLIC_WITH_ARGUMENTS = {
    # The token itself is the credential (sent to one address); an outsider cannot guess it.
    "invitation_accept": lambda b: {"token": "jeton-devine"},
    # Same: a private calendar's token is its credential.
    "calendar_feed": lambda b: {"token": "jeton-devine"},
    # An auditor's link: the token is the credential (limited in time, revocable).
    "auditor_home": lambda b: {"token": "jeton-devine"},
    "auditor_pack": lambda b: {"token": "jeton-devine"},
    # A learner's signing link: the token is the credential, looked up in B's schema only.
    "sign": lambda b: {"slug": "beta", "token": "jeton-devine"},
    # The QR code shown in B's room: the same, and its code expires with the half-day.
    "sign_room": lambda b: {"slug": "beta", "token": "jeton-devine"},
    # A survey link: the token is the credential (one person, once, until it expires).
    "survey_answer": lambda b: {"slug": "beta", "token": "jeton-devine"},
    "survey_stop": lambda b: {"slug": "beta", "token": "jeton-devine"},
    # The end-of-session QR code shown in B's room: its code is looked up in B's schema only,
    # and it expires a few hours after it is shown.
    "survey_room": lambda b: {"slug": "beta", "token": "jeton-devine"},
    # Public by design: B's catalogue shows only B's published offers (B's draft offer, with the
    # marker, must never appear; see test_public_catalogue_shows_no_draft).
    "public_catalogue": lambda b: {"slug": "beta"},
    "public_offer": lambda b: {"slug": "beta", "pk": b["offer"].pk},
    # Platform staff only: everyone else gets 404 (tests/tenancy/test_views.py).
    "platform_organisation": lambda b: {"slug": "beta"},
}
# Public pages that show B's public identity on purpose; they must show none of its internal
# data (a draft offer, a session's place, evidence, audits).
PUBLIC_BY_DESIGN = {"public_catalogue"}
B_INTERNAL = (
    f"Offre {B_MARKER}",
    f"Financeur {B_MARKER}",
    f"Salle {B_MARKER}",
    f"Preuve {B_MARKER}",
    f"Auditrice {B_MARKER}",
)
# Prefixes not walked here, each with its reason.
PUBLIC_EXCLUDED_PREFIXES = {
    # Staff only: Django admin redirects everyone else to its login (see test below).
    "admin/": "Django admin",
    # allauth's keyed URLs (confirmation keys, reset keys, MFA) carry their own secret.
    "accounts/": "allauth",
}


@pytest.fixture
def b_objects(world, django_capture_on_commit_callbacks) -> dict:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            organisation=world.org_b,
            email=f"invite.{B_MARKER.lower()}@exemple.test",
            role=Role.DIRECTOR,
            invited_by=world.referent_b,
            base_url="http://testserver/",
        )
    membership = Membership.objects.get(organisation=world.org_b, user=world.referent_b)
    trainer = UserFactory(email=f"formateur.{B_MARKER.lower()}@exemple.test")
    services.membership_add(organisation=world.org_b, user=trainer, role=Role.CONTRIBUTOR)
    with schema_context(world.org_b.schema_name):
        access = OrganisationAccess(world.org_b, Role.REFERENT)
        (evidence,) = evidence_services.evidence_create(
            access=access,
            actor=world.referent_b,
            data={
                "title": f"Preuve {B_MARKER}",
                "kind": Kind.PROCEDURE,
                "indicator_numbers": [4],
            },
            uploads=[SimpleUploadedFile("secret.txt", B_FILE_CONTENT)],
        )
        evidence_services.evidence_transition(
            access=access, actor=world.referent_b, item=evidence, transition="submit"
        )
        checklist_entry = ChecklistEntry.objects.order_by("pk").first()
        campaign = assessment_services.campaign_create(
            organisation=world.org_b,
            title=f"Campagne {B_MARKER}",
            version_code="v10",
            respondents=[world.referent_b],
            created_by=world.referent_b,
        )
        action = improvement_services.action_create(
            organisation=world.org_b,
            title=f"Action {B_MARKER}",
            owner=world.referent_b,
            due_date=date(2026, 12, 1),
            created_by=world.referent_b,
        )
        audit = audit_services.audit_save(
            audit=None,
            created_by=world.referent_b,
            kind="mock",
            starts_on=date(2026, 11, 10),
            ends_on=date(2026, 11, 10),
            auditors=f"Auditrice {B_MARKER}",
            sites="",
            report_date=date(2026, 11, 12),
            notes="",
        )
        finding = audit_services.finding_save(
            audit=audit,
            finding=None,
            indicator_number=4,
            kind="nc_major",
            description=f"Constat {B_MARKER}",
        )
        slot = audit_services.slot_save(
            audit=audit,
            slot=None,
            day=date(2026, 11, 10),
            starts_at=time(9, 0),
            ends_at=time(9, 30),
            subject=f"Ouverture {B_MARKER}",
            indicator_numbers=[1],
            auditor="",
            resource_persons="",
            location="",
        )
        report = Report.objects.create(
            kind="readiness", status="ready", requested_by=world.referent_b
        )
        report.file.save("org_beta/reports/b.pdf", ContentFile(B_FILE_CONTENT))
        offer = offer_services.offer_save(
            offer=None, saved_by=world.referent_b, title=f"Offre {B_MARKER}", category="AF"
        )
        session = offer_services.session_save(
            offer=offer,
            session=None,
            starts_on=date(2026, 10, 1),
            ends_on=date(2026, 10, 2),
            place=f"Salle {B_MARKER}",
            enrolled=3,
            completed=3,
            dropouts=0,
        )
        funding_services.session_price_set(session=session, price=Decimal("3000"))
        line = funding_services.funding_line_save(
            session=session,
            line=None,
            created_by=world.referent_b,
            route_code="opco",
            financer=f"Financeur {B_MARKER}",
            reference="",
            trainees=3,
            hours_planned=Decimal("42"),
            hours_present=None,
            amount=Decimal("2500"),
        )
        funding_services.document_link(
            session=session, key="attendance_sheets", evidence=evidence, linked_by=world.referent_b
        )
        funding_services.budget_save(
            budget=None, updated_by=world.referent_b, cycle_start_year=2026
        )
        enrolment = learner_services.enrolment_create(
            session=session,
            actor=world.referent_b,
            first_name="Apprenant",
            last_name=B_MARKER,
            status="employee",
        )
        (attendance_slot, *_rest) = learner_services.slots_plan(
            session=session, schedule=learner_attendance.Schedule()
        )
        learner_services.slot_close(
            slot=attendance_slot,
            actor=world.referent_b,
            absences={enrolment.pk: "absent_justified"},
        )
        record = AttendanceRecord.objects.get(enrolment=enrolment, slot=attendance_slot)
        from surveys import services as survey_services

        (questionnaire, *_others) = survey_services.questionnaires_install(actor=world.referent_b)
        # A campaign of B's session: one person answered (free text with B's marker), one not.
        token, hashed = new_token()
        survey_models.Invitation.objects.create(
            questionnaire=questionnaire,
            session=session,
            enrolment=enrolment,
            email=f"apprenant.{B_MARKER.lower()}@exemple.test",
            name=f"Apprenant {B_MARKER}",
            token_hash=hashed,
            expires_at=timezone.now() + timedelta(days=30),
        )
        survey_models.Invitation.objects.create(
            questionnaire=questionnaire,
            session=session,
            email=f"autre.{B_MARKER.lower()}@exemple.test",
            token_hash=new_token()[1],
            expires_at=timezone.now() + timedelta(days=30),
        )
        given = {
            "scale5": "3",
            "scale10": "7",
            "text": f"Réponse libre {B_MARKER}",
        }
        survey_services.answer_submit(
            token=token,
            raw={
                q.code: [given.get(q.type) or q.choices[0]["code"]]
                for q in questionnaire.questions.all()
            },
        )
        free_text_answer = survey_models.Answer.objects.filter(question__type="text").first()
        stakeholder = survey_services.stakeholder_create(
            audience="financer",
            organisation_name=f"Financeur {B_MARKER}",
            name=f"Contact {B_MARKER}",
            email="contact.financeur@example.org",
            actor=world.referent_b,
        )
    return {
        "questionnaire": questionnaire,
        "free_text_answer": free_text_answer,
        "stakeholder": stakeholder,
        "enrolment": enrolment,
        "attendance_slot": attendance_slot,
        "record": record,
        "line": line,
        "offer": offer,
        "session": session,
        "report": report,
        "slot": slot,
        "audit": audit,
        "finding": finding,
        "campaign": campaign,
        "action": action,
        "membership": membership,
        "invitation": invitation,
        "evidence": evidence,
        "checklist_entry": checklist_entry,
        "trainer": trainer,
    }


def _b_evidence_state() -> tuple:
    with schema_context("org_beta"):
        return (
            list(EvidenceItem.objects.values_list("pk", "title", "status", "is_archived")),
            EvidenceVersion.objects.count(),
            EvidenceComment.objects.count(),
            EvidenceEvent.objects.count(),
            list(ChecklistEntry.objects.values_list("pk", "title", "is_active")),
            list(Campaign.objects.values_list("pk", "title", "status")),
            Answer.objects.count(),
            list(Action.objects.values_list("pk", "title", "status", "due_date")),
            list(Audit.objects.values_list("pk", "kind", "starts_on", "report_date")),
            list(
                Finding.all_objects.values_list(
                    "pk", "kind", "status", "description", "cancelled_at", "lifted_on"
                )
            ),
            Certificate.objects.count(),
            list(Slot.objects.values_list("pk", "subject", "day", "starts_at")),
            list(Report.objects.values_list("pk", "status")),
            list(Offer.objects.values_list("pk", "title", "status", "version")),
            list(Session.objects.values_list("pk", "enrolled", "place", "price")),
            list(FundingLine.objects.values_list("pk", "route_code", "amount", "hours_present")),
            list(SessionDocument.objects.values_list("pk", "key", "evidence_id")),
            list(CertificationBudget.objects.values_list("pk", "internal_days", "file_fee")),
            list(Learner.objects.values_list("pk", "first_name", "last_name", "email")),
            list(Enrolment.objects.values_list("pk", "status", "dropout_reason")),
            list(
                AttendanceSlot.objects.values_list(
                    "pk", "day", "half", "closed_at", "room_code_hash", "room_code_expires_at"
                )
            ),
            list(AttendanceRecord.objects.values_list("pk", "status", "hash")),
            list(SigningLink.objects.values_list("pk", "revoked_at")),
            list(SessionTrainer.objects.values_list("pk", "user_id")),
            list(
                survey_models.Questionnaire.objects.values_list(
                    "pk", "code", "version", "is_current", "title"
                )
            ),
            survey_models.Question.objects.count(),
            list(survey_models.Invitation.objects.values_list("pk", "token_hash", "sent_at")),
            survey_models.Response.objects.count(),
            survey_models.RoomCode.objects.count(),
            list(survey_models.Invitation.objects.values_list("pk", "expires_at", "answered_at")),
            list(survey_models.Answer.objects.values_list("pk", "action_id")),
            survey_models.CampaignSummary.objects.count(),
            list(
                survey_models.Stakeholder.objects.values_list(
                    "pk", "email", "audience", "archived_at"
                )
            ),
        )


def _b_state() -> tuple:
    b = Organisation.objects.get(slug="beta")
    return (
        _b_evidence_state(),
        b.name,
        b.categories,
        b.requires_two_factor,
        list(Membership.objects.filter(organisation=b).values_list("pk", "role")),
        list(Invitation.objects.filter(organisation=b).values_list("pk", "revoked_at")),
        AuditEvent.objects.filter(organisation=b).count(),
        AuditorLink.objects.filter(organisation=b).count(),
    )


def test_every_tenant_url_is_covered():
    tenant_names = {name for route, name in all_routes() if route.startswith(TENANT_PREFIX)}
    assert tenant_names == set(B_OBJECTS), (
        "tenant URL patterns and B_OBJECTS differ: add the new view to the isolation walk"
    )


def test_every_public_url_is_covered():
    for route, name in all_routes():
        if route.startswith(TENANT_PREFIX) or route.startswith(tuple(PUBLIC_EXCLUDED_PREFIXES)):
            continue
        if "<" in route:
            assert name in PUBLIC_WITH_ARGUMENTS, f"public URL {route} is not walked"


OUTSIDERS = ["anonymous", "referent_a", "firm_consultant", "member_a_and_c", "nobody"]


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_get_nothing_from_organisation_b(client, world, b_objects, outsider, method):
    if outsider != "anonymous":
        client.force_login(getattr(world, outsider))
    before = _b_state()
    for name, kwargs_for in B_OBJECTS.items():
        url = reverse(name, kwargs={"organisation_slug": "beta", **kwargs_for(b_objects)})
        payload = {
            "email": "intrus@exemple.test",
            "role": "referent",
            "name": "Piraté",
            "categories": ["APP"],
        }
        response = getattr(client, method)(url, payload if method == "post" else None)
        if outsider == "anonymous":
            assert response.status_code == 302, url
            assert response.url.startswith("/accounts/login/?next="), url
        else:
            assert response.status_code == 404, url
        assert B_MARKER not in response.content.decode(), url
    assert _b_state() == before


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_unknown_and_forbidden_organisations_look_the_same(client, world, outsider):
    if outsider != "anonymous":
        client.force_login(getattr(world, outsider))
    forbidden = client.get("/o/beta/membres/")
    missing = client.get("/o/nexiste-pas/membres/")
    assert forbidden.status_code == missing.status_code
    if outsider == "anonymous":
        assert forbidden.url.replace("beta", "X") == missing.url.replace("nexiste-pas", "X")
    else:
        # Only the echo of the requested path (the language form's "next") may differ.
        assert _without_csrf(forbidden.content).replace("/o/beta/", "/o/X/") == _without_csrf(
            missing.content
        ).replace("/o/nexiste-pas/", "/o/X/")


def _without_csrf(content: bytes) -> str:
    """Masked CSRF tokens differ on every response; nothing else may."""
    text = content.decode()
    text = re.sub(r'"X-CSRFToken": "[^"]+"', "", text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_public_pages_never_show_organisation_b(client, world, b_objects, outsider):
    if outsider != "anonymous":
        client.force_login(getattr(world, outsider))
    for route, name in all_routes():
        if route.startswith(TENANT_PREFIX) or route.startswith(tuple(PUBLIC_EXCLUDED_PREFIXES)):
            continue
        if "<" in route:
            url = reverse(name, kwargs=PUBLIC_WITH_ARGUMENTS[name](b_objects))
        else:
            url = "/" + route
        response = client.get(url)
        assert response.status_code < 500, url
        if outsider != "anonymous":
            assert response["Cache-Control"] == "private, no-store", url
        content = response.content.decode()
        if name in PUBLIC_BY_DESIGN:
            # B's own public catalogue names B (its name carries the marker), and nothing more.
            assert response.status_code == 200, url
            for internal in B_INTERNAL:
                assert internal not in content, url
        else:
            assert B_MARKER not in content, url


def test_organisation_b_is_reachable_by_its_own_referent(client, world, b_objects):
    """The walk above is meaningful: the same URLs do answer B's own referent."""
    client.force_login(world.referent_b)
    for name, kwargs_for in B_OBJECTS.items():
        url = reverse(name, kwargs={"organisation_slug": "beta", **kwargs_for(b_objects)})
        if name in POST_ONLY:
            payload, expected = POST_ONLY[name]
            response = client.post(url, payload)
        else:
            response, expected = client.get(url), 200
        assert response.status_code == expected, url
        assert response["Cache-Control"] == "private, no-store", url
        content = b"".join(response) if response.streaming else response.content
        assert B_MARKER.encode() in content or name in WITHOUT_NAME, url


def test_django_admin_is_closed_to_non_staff(client, world):
    client.force_login(world.referent_a)
    url = f"/admin/tenancy/organisation/{world.org_b.pk}/change/"
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_a_view_running_in_a_schema_sees_only_that_schema(client, world):
    """The middleware sets the organisation's schema and resets it after the response."""
    from django.db import connection

    client.force_login(world.referent_a)
    client.get("/o/alpha/")
    assert connection.schema_name == "public"


def test_guessing_ids_in_ones_own_organisation_never_reaches_b_files(client, world, b_objects):
    """Ids are per schema: whatever item and version a member of A asks for under /o/alpha/,
    the answer comes from A's schema, never B's file."""
    client.force_login(world.referent_a)
    for pk in range(1, b_objects["evidence"].pk + 3):
        for number in (1, 2):
            response = client.get(f"/o/alpha/preuves/{pk}/versions/{number}/telecharger/")
            content = b"".join(response) if response.streaming else response.content
            assert B_FILE_CONTENT not in content
            assert B_MARKER.encode() not in content
        detail = client.get(f"/o/alpha/preuves/{pk}/")
        assert B_MARKER not in detail.content.decode()


def test_b_files_live_under_b_schema_directory(world, b_objects):
    with schema_context("org_beta"):
        version = EvidenceVersion.objects.get(item=b_objects["evidence"])
    assert version.file.name.startswith(f"org_beta/evidence/{b_objects['evidence'].pk}/v1-")
