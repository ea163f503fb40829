"""URLs inside one organisation, mounted under /o/<slug>/ by urls_public."""

from django.urls import path

from indicators import views as indicator_views
from qualiopi_portal.tenancy import views as tenancy_views

app_name = "org"

urlpatterns = [
    path("", tenancy_views.dashboard, name="dashboard"),
    path("referentiel/", indicator_views.referential_index, name="referential"),
    path("referentiel/v9-v10/", indicator_views.referential_compare, name="referential_compare"),
    path("perimetre/", indicator_views.scope, name="scope"),
    path("perimetre/apercu/", indicator_views.scope_preview, name="scope_preview"),
    path("profil/", tenancy_views.organisation_edit, name="profile"),
    path("securite/", tenancy_views.organisation_security, name="security"),
    path("membres/", tenancy_views.members, name="members"),
    path("membres/<int:pk>/retirer/", tenancy_views.member_remove, name="member_remove"),
    path(
        "invitations/<int:pk>/revoquer/",
        tenancy_views.invitation_revoke,
        name="invitation_revoke",
    ),
]
