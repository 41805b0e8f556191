"""Account flags (사고다발) in the console: the RM list of flagged drivers with the incidents
that caused each flag. Read-only: flags are raised and cleared by the incidents services. A flag
whose every cause is a 성민감 incident is absent for users without the permission, and the
causes listed are only those the user may see."""

from django.contrib import admin
from django.utils.html import format_html_join

from incidents.models import AccountFlag
from incidents.selectors import flags_visible_to


class StandingFilter(admin.SimpleListFilter):
    title = "상태"
    parameter_name = "standing"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("yes", "지정 중"), ("no", "해제됨")]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value() == "yes":
            return queryset.filter(cleared_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(cleared_at__isnull=False)
        return queryset


@admin.register(AccountFlag)
class AccountFlagAdmin(admin.ModelAdmin):
    list_display = ["account", "kind", "reason", "causes", "raised_at", "cleared_at"]
    list_filter = ["kind", StandingFilter]
    search_fields = ["=account__external_id"]
    ordering = ["-raised_at"]
    readonly_fields = [
        "account",
        "kind",
        "reason",
        "causes",
        "raised_at",
        "cleared_at",
        "cleared_by",
        "clear_reason",
    ]
    fields = tuple(readonly_fields)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # Cleared flags too (the history), under the same rule for hidden causes.
        return flags_visible_to(request.user, standing_only=False)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.display(description="원인 사고")
    def causes(self, obj: AccountFlag) -> str:
        return format_html_join(
            ", ",
            '<a href="../../incident/{}/change/">#{}</a>',
            ((i.pk, i.pk) for i in getattr(obj, "visible_incidents", [])),
        )
