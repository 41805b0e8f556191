"""Relief programs in the admin console: managers edit a draft version (its segments, tiers,
grants, driver bands, windows and evidence as inlines) and publish it. Published and retired
versions are read-only; a change starts with "새 초안 만들기"."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from policies import services_relief
from policies.models import (
    ReliefDriverBand,
    ReliefEvidence,
    ReliefGrant,
    ReliefLossTier,
    ReliefProgram,
    ReliefProgramSegment,
    ReliefProgramVersion,
    ReliefVersionEvent,
    ReliefWindow,
)


def _editable(obj: Any) -> bool:
    if obj is None:
        return True
    version = obj if isinstance(obj, ReliefProgramVersion) else obj.version
    return bool(version.is_editable)


class DraftOnlyInline:
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_add_permission(request, obj) and _editable(obj)  # type: ignore[misc]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_change_permission(request, obj) and _editable(obj)  # type: ignore[misc]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_delete_permission(request, obj) and _editable(obj)  # type: ignore[misc]


class SegmentInline(DraftOnlyInline, admin.TabularInline):
    model = ReliefProgramSegment
    extra = 0
    fields = ["segment", "assessment"]


class LossTierInline(DraftOnlyInline, admin.TabularInline):
    model = ReliefLossTier
    extra = 0
    fields = ["segment", "min_loss", "max_loss", "outcome", "instrument", "amount"]


class GrantInline(DraftOnlyInline, admin.TabularInline):
    model = ReliefGrant
    extra = 0
    fields = ["segment", "instrument", "amount", "count", "validity_days", "label", "order"]


class DriverBandInline(DraftOnlyInline, admin.TabularInline):
    model = ReliefDriverBand
    extra = 0
    fields = ["min_saturdays", "max_saturdays", "instrument", "amount"]


class WindowInline(DraftOnlyInline, admin.TabularInline):
    model = ReliefWindow
    extra = 0
    fields = ["kind", "start_date", "end_date", "channels", "segments"]


class EvidenceInline(DraftOnlyInline, admin.TabularInline):
    model = ReliefEvidence
    extra = 0
    fields = ["code", "label", "segment", "order"]


class VersionEventInline(admin.TabularInline):
    model = ReliefVersionEvent
    extra = 0
    fields = ["at", "from_status", "to_status", "actor", "note"]
    readonly_fields = ["at", "from_status", "to_status", "actor", "note"]
    can_delete = False
    verbose_name_plural = "상태 이력 (작성·게시·종료)"

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ReliefProgram)
class ReliefProgramAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "insurance_line", "created_at"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "insurance_line"]
    autocomplete_fields = ["insurance_line"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # The code is how the API and the imports name the program: fixed once it exists.
        return ["code"] if obj is not None else []


@admin.register(ReliefProgramVersion)
class ReliefProgramVersionAdmin(admin.ModelAdmin):
    list_display = ["program", "number", "status", "budget_won", "published_at"]
    list_filter = ["program", "status"]
    inlines = [
        SegmentInline,
        LossTierInline,
        GrantInline,
        DriverBandInline,
        WindowInline,
        EvidenceInline,
        VersionEventInline,
    ]
    actions = ["create_draft", "publish"]
    fieldsets = [
        (None, {"fields": ["program", "number", "status", "name", "note", "based_on"]}),
        ("장애", {"fields": [("outage_start", "outage_end"), "services"]}),
        (
            "예산·심의·감사",
            {
                "fields": [
                    "budget",
                    ("committee_award_min", "committee_award_max"),
                    ("audit_sample_percent", "audit_seed"),
                ]
            },
        ),
        (
            "대리운전 기사",
            {
                "fields": [
                    ("saturday_reference_date", "saturday_weeks"),
                    ("transport_support_per_night", "transport_support_cap"),
                    "transport_nights",
                    "transport_hours",
                ]
            },
        ),
        ("기록", {"fields": ["created_at", "created_by", "published_at", "published_by"]}),
    ]
    readonly_fields = [
        "program",
        "number",
        "status",
        "based_on",
        "created_at",
        "created_by",
        "published_at",
        "published_by",
    ]

    @admin.display(description="예산", ordering="budget")
    def budget_won(self, obj: ReliefProgramVersion) -> str:
        return f"{obj.budget:,}원"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        # A version starts as a copy of another ("새 초안 만들기"), never blank.
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_change_permission(request, obj) and _editable(obj)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_delete_permission(request, obj) and _editable(obj)

    @admin.action(description="선택한 버전을 복제해 새 초안 만들기", permissions=["draft"])
    def create_draft(self, request: HttpRequest, queryset) -> None:  # type: ignore[no-untyped-def]
        if queryset.count() != 1:
            self.message_user(request, "버전을 하나만 선택하세요.", messages.ERROR)
            return
        source = queryset.get()
        draft = services_relief.relief_version_create_draft(
            program_id=source.program_id, actor=request.user
        )
        self.message_user(request, f"초안 {draft}을(를) 만들었습니다.", messages.SUCCESS)

    def has_draft_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("policies.add_reliefprogramversion")

    @admin.action(description="선택한 초안 게시", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset) -> None:  # type: ignore[no-untyped-def]
        for version in queryset.order_by("program", "number"):
            try:
                services_relief.relief_version_publish(version_id=version.pk, actor=request.user)
            except ValidationError as exc:
                self.message_user(
                    request, f"{version} 게시 불가: {' / '.join(exc.messages)}", messages.ERROR
                )
            else:
                self.message_user(request, f"{version}을(를) 게시했습니다.", messages.SUCCESS)

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("policies.publish_reliefprogramversion")
