from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the journal is evidence, never edited."""

    list_display = ["occurred_at", "action", "organisation", "actor"]
    list_filter = ["action"]
    search_fields = ["action", "organisation__name", "actor__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
