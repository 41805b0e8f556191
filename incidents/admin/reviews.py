"""RM's review queue: open reviews, oldest first; each is decided on its page (ban, clear, or
suspend for a number of days) with a mandatory reason, through the service."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html

from incidents.admin.accounts import SENSITIVE_SOURCE, SensitiveSourceGuard
from incidents.models import Review, ReviewDecision
from incidents.services.reviews import ReviewAlreadyDecided, review_decide


class StatusFilter(admin.SimpleListFilter):
    """The queue opens on what is waiting; decided reviews are one click away."""

    title = "상태"
    parameter_name = "status"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("open", "대기"), ("decided", "결정됨"), ("all", "전체")]

    def choices(self, changelist):  # type: ignore[no-untyped-def]
        value = self.value() or "open"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        value = self.value() or "open"
        return queryset if value == "all" else queryset.filter(status=value)


class ReviewDecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label="결정", choices=ReviewDecision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="결정 사유",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="필수. 계정 이력에 남습니다.",
    )
    suspend_days = forms.IntegerField(
        label="정지 일수",
        required=False,
        min_value=1,
        max_value=3650,
        help_text="기간 정지를 고를 때만: 결정 시점부터 앱 전체를 이 일수만큼 정지합니다.",
    )

    class Meta:
        model = Review
        fields: list[str] = []

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean() or {}
        if data.get("decision") == ReviewDecision.SUSPEND and not data.get("suspend_days"):
            self.add_error("suspend_days", "기간 정지는 정지 일수가 필요합니다.")
        return data


@admin.register(Review)
class ReviewAdmin(SensitiveSourceGuard, admin.ModelAdmin):
    form = ReviewDecisionForm
    list_display = ["opened_at", "account", "label", "action", "source_text", "status"]
    list_display_links = ["opened_at", "label"]
    list_filter = [StatusFilter, "action", "account__kind"]
    search_fields = ["account__external_id", "code"]
    list_select_related = ["account", "violation"]
    ordering = ["opened_at", "id"]
    readonly_fields = [
        "account_link",
        "label",
        "action",
        "opened_at",
        "source_text",
        "violation_note",
        "status",
        "decision",
        "reason",
        "decided_at",
        "decided_by",
    ]
    guarded_columns = ("source_text", "violation_note")

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is not None and self.has_change_permission(request, obj):
            shown = ["account_link", "label", "action", "opened_at", "source_text"]
            return self._guard(
                request, [*shown, "violation_note", "decision", "reason", "suspend_days"]
            )
        return self._guard(request, list(self.readonly_fields))

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is not None and self.has_change_permission(request, obj):
            shown = ["account_link", "label", "action", "opened_at", "source_text"]
            return self._guard(request, [*shown, "violation_note"])
        return self._guard(request, list(self.readonly_fields))

    @admin.display(description="계정")
    def account_link(self, obj: Review) -> str:
        url = reverse("admin:incidents_account_change", args=[obj.account_id])
        return format_html('<a href="{}">{}</a>', url, obj.account)

    @admin.display(description="출처")
    def source_text(self, obj: Review) -> str:
        v = obj.violation
        return f"{v.get_source_kind_display()} {v.source_ref}".strip()

    @admin.display(description="위반 메모")
    def violation_note(self, obj: Review) -> str:
        return obj.violation.note or "-"

    @admin.display(description="출처")
    def source_text_guarded(self, obj: Review) -> str:
        return SENSITIVE_SOURCE if self.from_sensitive(obj) else self.source_text(obj)

    @admin.display(description="위반 메모")
    def violation_note_guarded(self, obj: Review) -> str:
        return "-" if self.from_sensitive(obj) else self.violation_note(obj)

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        extra = {"title": "재심사 대기열 (오래된 순)", **(extra_context or {})}
        return super().changelist_view(request, extra)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        # A decision is final: nothing to keep editing after it.
        extra = {"show_save_and_continue": False, "title": "재심사 결정", **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is not None and obj.status != Review.Status.OPEN:
            return False
        return request.user.has_perm("incidents.decide_review")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        try:
            review_decide(
                review_id=obj.pk,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                suspend_days=form.cleaned_data.get("suspend_days"),
            )
        except (PermissionDenied, ValidationError, ReviewAlreadyDecided) as exc:
            self.message_user(request, f"결정하지 못했습니다: {exc}", messages.ERROR)
