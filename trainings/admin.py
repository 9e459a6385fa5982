"""The Django admin (platform staff, scoping lifted by the middleware) for support."""

from django.contrib import admin

from trainings.models import (
    Certificate,
    CertificationTarget,
    Curriculum,
    CurriculumModule,
    Enrolment,
    ExternalCertification,
    NetworkEvent,
    QuotaRule,
    QuotaSet,
    TrainingSession,
)


class ModuleInline(admin.TabularInline):
    model = CurriculumModule
    extra = 0


@admin.register(Curriculum)
class CurriculumAdmin(admin.ModelAdmin):
    list_display = ["title", "municipality", "language"]
    list_filter = ["municipality"]
    inlines = [ModuleInline]


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["curriculum", "municipality", "starts_at", "capacity", "trainer"]
    list_filter = ["municipality"]
    raw_id_fields = ["curriculum", "trainer"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["person", "session", "status", "completed_at"]
    list_filter = ["municipality", "status"]
    raw_id_fields = ["session", "person", "enrolled_by"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["code", "holder_name", "course", "issued_on", "revoked_at"]
    list_filter = ["municipality"]
    search_fields = ["code"]
    raw_id_fields = ["enrolment"]


@admin.register(ExternalCertification)
class ExternalCertificationAdmin(admin.ModelAdmin):
    list_display = ["person", "kind", "obtained_on", "expires_on"]
    list_filter = ["municipality", "kind"]
    raw_id_fields = ["person", "recorded_by"]


class QuotaRuleInline(admin.TabularInline):
    model = QuotaRule
    extra = 0


@admin.register(QuotaSet)
class QuotaSetAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "is_default"]
    inlines = [QuotaRuleInline]


admin.site.register(CertificationTarget)
admin.site.register(
    NetworkEvent, list_display=["title", "kind", "school", "starts_at"], list_filter=["municipality", "kind"]
)
