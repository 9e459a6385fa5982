"""The Django admin (platform staff, scoping lifted by the tenant middleware). Template versions
are read-only here: a change ships as a new version (surveys/shipped/). Teachers'
self-assessments are not listed at all: they are anonymous and only ever shown as figures."""

from django.contrib import admin

from surveys.models import Campaign, PilotGroup, Response, SurveyTemplate


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(admin.ModelAdmin):
    list_display = ["slug", "version", "audience", "created_at"]
    list_filter = ["audience"]
    readonly_fields = ["slug", "version", "audience", "definition", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "template", "deadline", "status"]
    list_filter = ["status", "municipality"]
    raw_id_fields = ["created_by"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["campaign", "school", "status", "submitted_at"]
    list_filter = ["status"]
    raw_id_fields = ["campaign", "school", "updated_by", "submitted_by"]


@admin.register(PilotGroup)
class PilotGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "campaign", "created_at"]
    filter_horizontal = ["schools"]
