"""URLs inside one organisation, mounted under /o/<slug>/ by urls_public."""

from django.urls import path

from qualiopi_portal.tenancy import views as tenancy_views

app_name = "org"

urlpatterns = [
    path("", tenancy_views.dashboard, name="dashboard"),
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
