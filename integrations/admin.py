"""The Django admin (platform staff, scoping lifted by the middleware) for support: read only.
Secrets (a connection's key, new accounts' passwords) and uploaded rosters are never shown."""

from django.contrib import admin

from integrations.models import Connection, Job, JobItem, Layout, Plan, RosterImport


class ReadOnly(admin.ModelAdmin):
    """Support looks; the municipality's IT admins change things on their own pages (audited)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Connection)
class ConnectionAdmin(ReadOnly):
    list_display = [
        "municipality",
        "provider",
        "is_sandbox",
        "status",
        "last_tested_at",
        "secret_fingerprint",
    ]
    list_filter = ["provider", "status", "is_sandbox"]
    exclude = ["secret_ciphertext"]


@admin.register(Layout)
class LayoutAdmin(ReadOnly):
    list_display = ["municipality", "domain", "login_pattern", "name_language", "updated_at"]


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnly):
    list_display = ["municipality", "filename", "format", "status", "created_at", "applied_at"]
    list_filter = ["status", "format"]
    exclude = ["file", "headers", "schools"]


@admin.register(Plan)
class PlanAdmin(ReadOnly):
    list_display = ["municipality", "provider", "status", "created_at", "created_by"]
    list_filter = ["provider", "status"]
    exclude = ["items"]


@admin.register(Job)
class JobAdmin(ReadOnly):
    list_display = ["municipality", "provider", "status", "created_at", "finished_at", "notice"]
    list_filter = ["provider", "status"]


@admin.register(JobItem)
class JobItemAdmin(ReadOnly):
    list_display = ["job", "seq", "op", "key", "status", "outcome", "attempts", "waits"]
    list_filter = ["status", "op"]
    exclude = ["secret_ciphertext", "payload"]
    raw_id_fields = ["job", "person"]
