"""The Django admin, for platform staff only. It runs with tenant scoping lifted
(``TenantMiddleware`` does that for staff under /admin/), so it can support every municipality."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from schools.models import (
    AuditEvent,
    Invitation,
    Membership,
    Municipality,
    Person,
    PersonalDataAccess,
    PrivacyPolicy,
    PurgeReport,
    Region,
    RegionMembership,
    School,
    User,
    WorkerHeartbeat,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "language", "is_staff", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["full_name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = ["groups"]
    list_filter = ["is_staff", "is_active"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "country", "language"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "region", "country", "language", "time_zone", "currency"]
    list_filter = ["region", "country"]
    search_fields = ["name", "slug"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "kind", "code"]
    list_filter = ["municipality", "kind"]
    search_fields = ["name", "code"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "municipality", "role"]
    list_filter = ["municipality", "role"]
    search_fields = ["last_name", "first_name"]
    raw_id_fields = ["user"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality", "role"]
    list_filter = ["municipality", "role"]
    raw_id_fields = ["user"]


@admin.register(RegionMembership)
class RegionMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "region", "role"]
    raw_id_fields = ["user"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "municipality", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["municipality", "role"]
    exclude = ["nonce"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "municipality", "action", "object_repr", "ip"]
    list_filter = ["action", "municipality"]
    search_fields = ["actor_label", "object_repr", "action"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["hostname", "started_at", "last_seen"]


@admin.register(PrivacyPolicy)
class PrivacyPolicyAdmin(admin.ModelAdmin):
    list_display = ["municipality", "cloud_on_erasure", "leavers_days", "imports_days", "credentials_days"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """The log is written by the portal, never edited."""

    list_display = ["at", "municipality", "user_label", "kind", "count"]
    list_filter = ["kind"]


@admin.register(PurgeReport)
class PurgeReportAdmin(ReadOnlyAdmin):
    list_display = ["ran_at", "municipality", "counts"]
