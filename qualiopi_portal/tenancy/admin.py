from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from . import services
from .models import ConsultancyFirm, Invitation, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class OrganisationAdminForm(forms.ModelForm):
    """Runs the service's checks in the form, so the admin shows them as field errors."""

    class Meta:
        model = Organisation
        fields = ["slug", *services.PROFILE_FIELDS, *services.SCOPE_FIELDS, "requires_two_factor"]

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None and not self.errors:
            candidate = Organisation(
                schema_name=Organisation.schema_name_for(cleaned_data.get("slug") or ""),
                **{key: value for key, value in cleaned_data.items() if key != "schema_name"},
            )
            try:
                services.organisation_validate(candidate)
                services.organisation_check_available(candidate)
            except ValidationError as error:
                for field, field_messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, field_messages)
        return cleaned_data


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = OrganisationAdminForm
    list_display = ["name", "slug", "siret", "next_audit_date", "created_at"]
    search_fields = ["name", "slug", "siret"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # The slug names the schema: it never changes once created.
        return ["slug", "created_at"] if obj else ["created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            data = {field: getattr(obj, field) for field in services.EDITABLE_FIELDS}
            obj.refresh_from_db()
            services.organisation_update(organisation=obj, actor=request.user, data=data)
            obj.requires_two_factor = form.cleaned_data.get(
                "requires_two_factor", obj.requires_two_factor
            )
            services.organisation_set_two_factor(
                organisation=obj, actor=request.user, required=obj.requires_two_factor
            )
            return
        profile = {field: getattr(obj, field) for field in services.EDITABLE_FIELDS}
        # The form ran the same checks (OrganisationAdminForm.clean); the service is the writer.
        created = services.organisation_create(slug=obj.slug, created_by=request.user, **profile)
        obj.requires_two_factor = form.cleaned_data.get("requires_two_factor", False)
        if obj.requires_two_factor:
            services.organisation_set_two_factor(
                organisation=created, actor=request.user, required=True
            )
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
