"""Public-schema URLs: landing, accounts, portfolio, platform admin; tenant URLs under /o/."""

from django.contrib import admin
from django.urls import include, path

from audits import calendar
from learners import public as learner_public
from qualiopi_portal.core import views as core_views
from qualiopi_portal.portfolio import views as portfolio_views
from qualiopi_portal.tenancy import views as tenancy_views
from reports import auditor
from surveys import public as survey_public
from training_offers import views as offer_views

urlpatterns = [
    path("", tenancy_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("ping", core_views.ping, name="ping"),
    path("accounts/", include("allauth.urls")),
    path("portefeuille/", portfolio_views.portfolio, name="portfolio"),
    path("portefeuille/grille/", portfolio_views.portfolio_grid, name="portfolio_grid"),
    path("portefeuille/a-valider/", portfolio_views.portfolio_review, name="portfolio_review"),
    path("organisations/nouvelle/", tenancy_views.organisation_create, name="organisation_create"),
    path(
        "organisations/<slug:slug>/",
        tenancy_views.platform_organisation,
        name="platform_organisation",
    ),
    path("invitations/<str:token>/", tenancy_views.invitation_accept, name="invitation_accept"),
    path("auditeur/<str:token>/", auditor.auditor_home, name="auditor_home"),
    path("auditeur/<str:token>/dossier-de-preuves.zip", auditor.auditor_pack, name="auditor_pack"),
    path("emargement/<slug:slug>/<str:token>/", learner_public.sign, name="sign"),
    path("emargement/<slug:slug>/salle/<str:token>/", learner_public.sign_room, name="sign_room"),
    path("enquete/<slug:slug>/salle/<str:token>/", survey_public.room, name="survey_room"),
    path("enquete/<slug:slug>/<str:token>/", survey_public.answer, name="survey_answer"),
    path("enquete/<slug:slug>/<str:token>/stop/", survey_public.stop, name="survey_stop"),
    path("catalogue/<slug:slug>/", offer_views.public_catalogue, name="public_catalogue"),
    path("catalogue/<slug:slug>/offres/<int:pk>/", offer_views.public_offer, name="public_offer"),
    path("agenda/", calendar.calendar_settings, name="calendar_settings"),
    path("agenda/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("o/<slug:organisation_slug>/", include("qualiopi_portal.urls_tenants")),
]
