"""Relief applications and imports in the admin console: read-only lists with filters (the
decisions are the services'); names are masked in the list."""

from django.contrib import admin

from claims.relief.masking import masked_business_number
from claims.relief.models import (
    ReliefApplication,
    ReliefApplicationEvent,
    ReliefApplicationGrant,
    ReliefImport,
)
from config.admin import ReadOnlyInline
from incidents.masking import mask_name


class GrantInline(ReadOnlyInline):
    model = ReliefApplicationGrant
    fields = ["instrument", "amount", "count", "validity_days", "source"]
    readonly_fields = ["instrument", "amount", "count", "validity_days", "source"]


class EventInline(ReadOnlyInline):
    model = ReliefApplicationEvent
    fields = ["at", "from_status", "to_status", "actor", "note"]
    readonly_fields = ["at", "from_status", "to_status", "actor", "note"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class ApplicationListAdmin(ReadOnlyAdmin):
    """Lists of applications: the applicant's name and business number masked."""

    @admin.display(description="신청인")
    def masked_name(self, obj: ReliefApplication) -> str:
        return mask_name(obj.applicant_name)

    @admin.display(description="사업자등록번호")
    def masked_number(self, obj: ReliefApplication) -> str:
        return masked_business_number(obj.business_number)


@admin.register(ReliefApplication)
class ReliefApplicationAdmin(ApplicationListAdmin):
    list_display = [
        "id",
        "program",
        "segment",
        "masked_name",
        "masked_number",
        "reported_loss",
        "damage",
        "channel",
        "status",
        "duplicate_of",
        "submitted_at",
    ]
    list_filter = ["program", "status", "segment", "damage", "channel"]
    search_fields = ["=business_number", "=applicant_external_id"]
    list_select_related = ["program"]
    raw_id_fields = ["duplicate_of", "source_import"]
    inlines = [GrantInline, EventInline]
    show_full_result_count = False


@admin.register(ReliefImport)
class ReliefImportAdmin(ReadOnlyAdmin):
    # Imports start from the console's button, on the page that shows their progress.
    change_list_template = "admin/claims/relief/import_change_list.html"
    list_display = [
        "id",
        "program",
        "original_name",
        "status",
        "stage",
        "progress",
        "imported",
        "duplicates",
        "rejected",
        "created_by",
        "created_at",
    ]
    list_filter = ["program", "status"]

    @admin.display(description="진행률")
    def progress(self, obj: ReliefImport) -> str:
        return f"{obj.progress_percent}%"
