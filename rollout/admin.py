"""Platform staff support view of the rollout data (the admin runs with scoping lifted for staff)."""

from django.contrib import admin

from rollout.models import Activity, Agreement, BudgetLine, LibraryDocument, Programme, Snapshot, Stage, Task


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "starts_on", "ends_on", "coverage", "source"]
    list_filter = ["coverage", "municipality"]
    search_fields = ["name"]
    raw_id_fields = ["municipality", "created_by"]
    filter_horizontal = ["schools"]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "starts_on", "ends_on"]
    raw_id_fields = ["programme", "municipality"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "stage", "responsible_role", "due_on", "fact_kind", "per_school"]
    list_filter = ["responsible_role", "per_school", "fact_kind"]
    search_fields = ["title"]
    raw_id_fields = ["programme", "stage", "municipality"]
    filter_horizontal = ["responsible_users"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["activity", "school", "status", "fact_met", "override", "done_at"]
    list_filter = ["status", "override"]
    raw_id_fields = ["activity", "school", "municipality", "done_by"]


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["programme", "school", "period", "taken_on", "tasks_done", "tasks_total", "accounts"]
    list_filter = ["period"]

    def has_change_permission(self, request, obj=None):
        return False  # frozen


@admin.register(BudgetLine)
class BudgetLineAdmin(admin.ModelAdmin):
    list_display = ["municipality", "year", "line", "planned", "actual"]


@admin.register(LibraryDocument)
class LibraryDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "municipality", "category", "language", "shared_with_all"]
    list_filter = ["shared_with_all", "category"]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["title", "municipality", "starts_on", "ends_on"]
