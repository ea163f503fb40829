from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from . import services
from .models import ConsultancyFirm, Invitation, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "siret", "next_audit_date", "created_at"]
    search_fields = ["name", "slug", "siret"]
    exclude = ["schema_name"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # The slug names the schema: it never changes once created.
        return ["slug", "created_at"] if obj else ["created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            data = {field: getattr(obj, field) for field in services.PROFILE_FIELDS}
            obj.refresh_from_db()
            services.organisation_update(organisation=obj, actor=request.user, data=data)
            obj.requires_two_factor = form.cleaned_data.get(
                "requires_two_factor", obj.requires_two_factor
            )
            services.organisation_set_two_factor(
                organisation=obj, actor=request.user, required=obj.requires_two_factor
            )
            return
        profile = {field: getattr(obj, field) for field in services.PROFILE_FIELDS}
        try:
            created = services.organisation_create(
                slug=obj.slug, created_by=request.user, **profile
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            raise
        obj.pk = created.pk
        obj.schema_name = created.schema_name
        obj.created_at = created.created_at
        obj._state.adding = False


@admin.register(ConsultancyFirm)
class ConsultancyFirmAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members", "clients"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = ["token_hash", "accepted_at", "accepted_by", "revoked_at", "invited_by"]
