"""The RM incident queue in the console, read-only: the list with its filters, and an
incident's page with its parties (masked) and timeline. The RM team works cases on the pages
(`/incidents/`) and through the API, both on the services. 성민감 cases are left out of the
queryset for users without the permission, so the list, its counts and the page all act as if
they did not exist.
"""

from django.contrib import admin

from config.admin import ReadOnlyInline
from incidents.models import (
    Incident,
    IncidentEvent,
    IncidentEvidence,
    IncidentParty,
    IncidentShare,
)
from incidents.selectors import incidents_visible_to, may_see_sensitive_incidents
from policies.selectors import NoPublishedPolicy, rm_taxonomy


class CategoryFilter(admin.SimpleListFilter):
    """The categories of the published taxonomy by their Korean names; a sensitive category is
    offered only to those who may see its cases."""

    title = "RM 유형"
    parameter_name = "category"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        try:
            taxonomy = rm_taxonomy()
        except NoPublishedPolicy:
            return []
        sensitive_ok = may_see_sensitive_incidents(request.user)
        return [(c.code, c.label) for c in taxonomy if sensitive_ok or not c.sensitive]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        return queryset.filter(category=self.value()) if self.value() else queryset


class PartyInline(ReadOnlyInline):
    model = IncidentParty
    fields = ["role", "account", "masked_name", "masked_phone"]
    readonly_fields = ["role", "account", "masked_name", "masked_phone"]

    @admin.display(description="이름")
    def masked_name(self, obj: IncidentParty) -> str:
        return obj.account.masked_name

    @admin.display(description="전화번호")
    def masked_phone(self, obj: IncidentParty) -> str:
        return obj.account.masked_phone


class TimelineInline(ReadOnlyInline):
    model = IncidentEvent
    fields = ["at", "kind", "from_status", "to_status", "actor", "detail", "reason"]
    readonly_fields = ["at", "kind", "from_status", "to_status", "actor", "detail", "reason"]
    verbose_name_plural = "처리 이력"


class ShareInline(ReadOnlyInline):
    model = IncidentShare
    fields = ["at", "recipient", "actor", "summary"]
    readonly_fields = ["at", "recipient", "actor", "summary"]


class EvidenceInline(ReadOnlyInline):
    model = IncidentEvidence
    fields = ["at", "original_name", "content_type", "size", "sha256", "uploaded_by"]
    readonly_fields = ["at", "original_name", "content_type", "size", "sha256", "uploaded_by"]
    verbose_name_plural = "증빙 파일 (내려받기는 API: 같은 열람 권한)"


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "reported_at",
        "service",
        "category_label",
        "subtype_label",
        "severity",
        "status",
        "assignee",
        "sla_due_at",
        "media_or_agency",
    ]
    list_filter = ["status", "severity", "service", CategoryFilter, "media_or_agency"]
    search_fields = ["=id", "subtype", "assignee__username"]
    list_select_related = ["rm_subtype__category", "assignee"]
    ordering = ["-id"]
    show_full_result_count = False
    readonly_fields = [
        "service",
        "category_label",
        "subtype_label",
        "definition",
        "insurance_exempt",
        "severity",
        "status",
        "assignee",
        "description",
        "occurred_at",
        "reported_at",
        "sla_due_at",
        "sla_paused_at",
        "sla_breached_at",
        "media_or_agency",
        "insurer_limit",
        "loss_amount",
        "excess",
        "created_by",
    ]
    fields = tuple(readonly_fields)
    inlines = [PartyInline, EvidenceInline, TimelineInline, ShareInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return incidents_visible_to(request.user).select_related("rm_subtype__category")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.display(description="RM 유형", ordering="category")
    def category_label(self, obj: Incident) -> str:
        return obj.rm_subtype.category.label

    @admin.display(description="세부 유형", ordering="subtype")
    def subtype_label(self, obj: Incident) -> str:
        return obj.rm_subtype.label

    @admin.display(description="정의")
    def definition(self, obj: Incident) -> str:
        return obj.rm_subtype.definition

    @admin.display(description="한도 초과액(원)")
    def excess(self, obj: Incident) -> str:
        return "-" if obj.excess is None else f"{obj.excess:,}"

    @admin.display(description="보험 면책", boolean=True)
    def insurance_exempt(self, obj: Incident) -> bool:
        return obj.rm_subtype.insurance_exempt
