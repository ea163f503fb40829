"""URLs inside one organisation, mounted under /o/<slug>/ by urls_public."""

from django.urls import path

from assessments import views as assessment_views
from audits import auditor
from audits import views as audit_views
from dashboard import views as dashboard_views
from evidence import views as evidence_views
from financing import views as funding_views
from improvement import views as improvement_views
from indicators import views as indicator_views
from learners import views as learner_views
from qualiopi_portal.tenancy import views as tenancy_views
from reports import views as report_views
from session_documents import views as document_views
from surveys import views as survey_views
from training_offers import views as offer_views

app_name = "org"

urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("referentiel/", indicator_views.referential_index, name="referential"),
    path("referentiel/v9-v10/", indicator_views.referential_compare, name="referential_compare"),
    path("perimetre/", indicator_views.scope, name="scope"),
    path("perimetre/apercu/", indicator_views.scope_preview, name="scope_preview"),
    path("preuves/", evidence_views.evidence_list, name="evidence_list"),
    path("preuves/nouvelle/", evidence_views.evidence_create, name="evidence_create"),
    path("preuves/couverture/", evidence_views.evidence_coverage, name="evidence_coverage"),
    path(
        "preuves/export.<str:export_format>",
        evidence_views.evidence_export,
        name="evidence_export",
    ),
    path("preuves/<int:pk>/", evidence_views.evidence_detail, name="evidence_detail"),
    path("preuves/<int:pk>/modifier/", evidence_views.evidence_edit, name="evidence_edit"),
    path(
        "preuves/<int:pk>/versions/",
        evidence_views.evidence_version_upload,
        name="evidence_version_upload",
    ),
    path(
        "preuves/<int:pk>/versions/<int:number>/telecharger/",
        evidence_views.evidence_version_download,
        name="evidence_version_download",
    ),
    path("preuves/<int:pk>/revue/", evidence_views.evidence_review, name="evidence_review"),
    path(
        "preuves/<int:pk>/commentaires/",
        evidence_views.evidence_comment,
        name="evidence_comment",
    ),
    path("preuves/<int:pk>/archiver/", evidence_views.evidence_archive, name="evidence_archive"),
    path("preuves/<int:pk>/restaurer/", evidence_views.evidence_restore, name="evidence_restore"),
    path(
        "preuves/<int:pk>/confirmer-v10/",
        evidence_views.evidence_confirm_v10,
        name="evidence_confirm_v10",
    ),
    path("mon-espace/", dashboard_views.my_space, name="my_space"),
    path("pieces-attendues/", evidence_views.checklist, name="checklist"),
    path(
        "pieces-attendues/relancer/<int:user_pk>/",
        evidence_views.checklist_remind,
        name="checklist_remind",
    ),
    path(
        "pieces-attendues/nouvelle/",
        evidence_views.checklist_entry_edit,
        name="checklist_entry_create",
    ),
    path(
        "pieces-attendues/<int:pk>/",
        evidence_views.checklist_entry_edit,
        name="checklist_entry_edit",
    ),
    path("autoevaluation/", assessment_views.campaign_list, name="campaign_list"),
    path("autoevaluation/nouvelle/", assessment_views.campaign_create, name="campaign_create"),
    path("autoevaluation/<int:pk>/", assessment_views.campaign_detail, name="campaign_detail"),
    path("autoevaluation/<int:pk>/etat/", assessment_views.campaign_status, name="campaign_status"),
    path(
        "autoevaluation/<int:pk>/indicateurs/<int:number>/",
        assessment_views.campaign_indicator,
        name="campaign_indicator",
    ),
    path(
        "autoevaluation/<int:pk>/indicateurs/<int:number>/action/",
        assessment_views.campaign_indicator_action,
        name="campaign_indicator_action",
    ),
    path("plan-de-progres/", improvement_views.action_list, name="action_list"),
    path("plan-de-progres/nouvelle/", improvement_views.action_create, name="action_create"),
    path("plan-de-progres/<int:pk>/", improvement_views.action_edit, name="action_edit"),
    path(
        "plan-de-progres/depuis-ecart/<int:number>/",
        improvement_views.action_from_gap,
        name="action_from_gap",
    ),
    path("audits/", audit_views.audit_list, name="audit_list"),
    path("audits/certificat/", audit_views.certificate_edit, name="certificate_edit"),
    path("audits/nouveau/", audit_views.audit_create, name="audit_create"),
    path("audits/<int:pk>/", audit_views.audit_detail, name="audit_detail"),
    path("audits/<int:pk>/modifier/", audit_views.audit_edit, name="audit_edit"),
    path("audits/<int:pk>/plan/", audit_views.audit_plan, name="audit_plan"),
    path("audits/<int:pk>/acces-auditeur/", auditor.auditor_links, name="auditor_links"),
    path(
        "audits/<int:pk>/constats/importer/",
        audit_views.findings_import,
        name="findings_import",
    ),
    path("audits/<int:pk>/plan/nouveau/", audit_views.slot_edit, name="slot_create"),
    path("audits/<int:pk>/plan/<int:slot_pk>/", audit_views.slot_edit, name="slot_edit"),
    path(
        "audits/<int:pk>/plan/<int:slot_pk>/retirer/",
        audit_views.slot_delete,
        name="slot_delete",
    ),
    path(
        "audits/<int:audit_pk>/constats/<int:pk>/",
        audit_views.finding_detail,
        name="finding_detail",
    ),
    path(
        "audits/<int:audit_pk>/constats/<int:pk>/action/",
        audit_views.finding_action,
        name="finding_action",
    ),
    path(
        "audits/<int:audit_pk>/constats/<int:pk>/annuler/",
        audit_views.finding_cancel,
        name="finding_cancel",
    ),
    path("offres/", offer_views.offer_list, name="offer_list"),
    path("offres/nouvelle/", offer_views.offer_create, name="offer_create"),
    path("offres/resultats/", survey_views.results, name="offer_results"),
    path(
        "offres/resultats/export.<str:export_format>",
        survey_views.results_export,
        name="offer_results_export",
    ),
    path(
        "offres/catalogue-en-preuve/",
        offer_views.catalogue_as_evidence,
        name="catalogue_as_evidence",
    ),
    path("offres/<int:pk>/", offer_views.offer_detail, name="offer_detail"),
    path("offres/<int:pk>/modifier/", offer_views.offer_edit, name="offer_edit"),
    path("offres/<int:pk>/etat/", offer_views.offer_status, name="offer_status"),
    path("offres/<int:pk>/sessions/nouvelle/", offer_views.session_edit, name="session_create"),
    path(
        "offres/<int:pk>/sessions/importer/",
        offer_views.sessions_import,
        name="sessions_import",
    ),
    path(
        "offres/<int:pk>/sessions/<int:session_pk>/",
        offer_views.session_edit,
        name="session_edit",
    ),
    path("financements/", funding_views.overview, name="funding_overview"),
    path("financements/voies/", funding_views.routes, name="funding_routes"),
    path("financements/budget/", funding_views.budget, name="funding_budget"),
    path(
        "financements/sessions/<int:session_pk>/",
        funding_views.session_funding,
        name="funding_session",
    ),
    path(
        "financements/sessions/<int:session_pk>/lignes/nouvelle/",
        funding_views.line_edit,
        name="funding_line_create",
    ),
    path(
        "financements/sessions/<int:session_pk>/lignes/<int:pk>/",
        funding_views.line_edit,
        name="funding_line_edit",
    ),
    path(
        "financements/sessions/<int:session_pk>/lignes/<int:pk>/retirer/",
        funding_views.line_remove,
        name="funding_line_remove",
    ),
    path(
        "financements/sessions/<int:session_pk>/lignes/<int:pk>/heures-emargement/",
        funding_views.line_hours_from_attendance,
        name="funding_line_hours_from_attendance",
    ),
    path(
        "financements/sessions/<int:session_pk>/pieces/",
        funding_views.document_link,
        name="funding_document_link",
    ),
    path("rapports/", report_views.report_list, name="report_list"),
    path("rapports/nouveau/", report_views.report_create, name="report_create"),
    path("rapports/<int:pk>/telecharger/", report_views.report_download, name="report_download"),
    path("profil/", tenancy_views.organisation_edit, name="profile"),
    path("securite/", tenancy_views.organisation_security, name="security"),
    path("membres/", tenancy_views.members, name="members"),
    path("membres/<int:pk>/retirer/", tenancy_views.member_remove, name="member_remove"),
    path(
        "invitations/<int:pk>/revoquer/",
        tenancy_views.invitation_revoke,
        name="invitation_revoke",
    ),
    # Learners and half-day attendance of a session
    path(
        "sessions/<int:session_pk>/apprenants/",
        learner_views.session_learners,
        name="session_learners",
    ),
    path(
        "sessions/<int:session_pk>/apprenants/importer/",
        learner_views.learners_import,
        name="learners_import",
    ),
    path(
        "sessions/<int:session_pk>/apprenants/<int:pk>/",
        learner_views.enrolment_edit,
        name="enrolment_edit",
    ),
    path(
        "sessions/<int:session_pk>/apprenants/<int:pk>/donnees.json",
        learner_views.learner_export,
        name="learner_export",
    ),
    path(
        "sessions/<int:session_pk>/apprenants/<int:pk>/anonymiser/",
        learner_views.learner_anonymise,
        name="learner_anonymise",
    ),
    path(
        "sessions/<int:session_pk>/apprenants/<int:pk>/lien/",
        learner_views.enrolment_link,
        name="enrolment_link",
    ),
    path(
        "sessions/<int:session_pk>/emargement/",
        learner_views.session_attendance,
        name="session_attendance",
    ),
    path(
        "sessions/<int:session_pk>/emargement/<int:slot_pk>/cloturer/",
        learner_views.slot_close,
        name="slot_close",
    ),
    path(
        "sessions/<int:session_pk>/emargement/<int:slot_pk>/qr/",
        learner_views.slot_room_code,
        name="slot_room_code",
    ),
    path(
        "sessions/<int:session_pk>/emargement/corriger/<int:pk>/",
        learner_views.record_correct,
        name="record_correct",
    ),
    path(
        "sessions/<int:session_pk>/emargement/feuille.pdf",
        learner_views.attendance_sheet,
        name="attendance_sheet",
    ),
    # The journeys of a session's learners
    path(
        "sessions/<int:session_pk>/parcours/",
        learner_views.session_journeys,
        name="session_journeys",
    ),
    path(
        "sessions/<int:session_pk>/parcours/relancer/",
        learner_views.journeys_chase,
        name="journeys_chase",
    ),
    # Documents made from a session
    path(
        "sessions/<int:session_pk>/documents/",
        document_views.session_documents,
        name="session_documents",
    ),
    path(
        "sessions/<int:session_pk>/documents/<str:kind>/generer/",
        document_views.document_generate,
        name="document_generate",
    ),
    path(
        "sessions/<int:session_pk>/documents/<str:kind>/envoyer/",
        document_views.document_send,
        name="document_send",
    ),
    path(
        "modeles-de-documents/<str:kind>/", document_views.template_edit, name="document_template"
    ),
    # Surveys
    path("enquetes/", survey_views.questionnaire_list, name="questionnaire_list"),
    path("enquetes/<int:pk>/", survey_views.questionnaire_detail, name="questionnaire_detail"),
    path("enquetes/<int:pk>/modifier/", survey_views.questionnaire_edit, name="questionnaire_edit"),
    path(
        "enquetes/<int:pk>/importer/",
        survey_views.questionnaire_import,
        name="questionnaire_import",
    ),
    path(
        "enquetes/<int:pk>/reponses.<str:export_format>",
        survey_views.questionnaire_answers_export,
        name="questionnaire_answers_export",
    ),
    path(
        "enquetes/<int:pk>/reponses-libres/",
        survey_views.questionnaire_free_text,
        name="questionnaire_free_text",
    ),
    path(
        "enquetes/<int:pk>/reponses-libres/<int:answer_pk>/action/",
        survey_views.free_text_action,
        name="free_text_action",
    ),
    path("enquetes/contacts/", survey_views.stakeholder_list, name="stakeholder_list"),
    path(
        "enquetes/contacts/formateurs/",
        survey_views.stakeholder_trainers_add,
        name="stakeholder_trainers_add",
    ),
    path(
        "enquetes/contacts/<int:pk>/archiver/",
        survey_views.stakeholder_archive,
        name="stakeholder_archive",
    ),
    path(
        "sessions/<int:session_pk>/enquetes/",
        survey_views.session_surveys,
        name="session_surveys",
    ),
    path(
        "sessions/<int:session_pk>/enquetes/qr-code/",
        survey_views.session_survey_room,
        name="session_survey_room",
    ),
    path(
        "sessions/<int:session_pk>/enquetes/<int:questionnaire_pk>/clore/",
        survey_views.campaign_close,
        name="survey_campaign_close",
    ),
]
