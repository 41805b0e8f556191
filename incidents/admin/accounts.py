"""The account page and list. Names and phones are masked everywhere except on an account's
page for users with `incidents.view_personal_data`, and each such page view is logged."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from config.admin import ReadOnlyInline
from incidents import selectors
from incidents.forms import ViolationForm
from incidents.models import (
    Account,
    AccountEvent,
    AccountState,
    PersonalDataAccess,
    Restriction,
    Review,
    Violation,
)
from incidents.services.accounts import personal_data_view_record
from incidents.services.restrictions import condition_record, restriction_lift
from incidents.services.violations import violation_record
from policies.models import LiftCondition, PenaltyScope


def may_see_personal_data(request: HttpRequest) -> bool:
    return request.user.has_perm("incidents.view_personal_data")


# What a row recorded from a 성민감 case shows as its source to users who may not know of it.
SENSITIVE_SOURCE = "RM 사고"


class SensitiveSourceGuard:
    """For users without `incidents.view_sensitive_incident`, the source and note columns
    (`source_text`, `note`, `violation_note`, `reason`) give way to their `*_guarded` versions,
    which show a row recorded from a 성민감 case as a generic "RM 사고" with no note. The
    columns are swapped per request, so the admin instance holds no user."""

    guarded_columns: tuple[str, ...] = ()

    def _guard(self, request: HttpRequest, names):  # type: ignore[no-untyped-def]
        if selectors.may_see_sensitive_incidents(request.user):
            return names
        return [f"{n}_guarded" if n in self.guarded_columns else n for n in names]

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self._guard(request, super().get_fields(request, obj))  # type: ignore[misc]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self._guard(request, super().get_readonly_fields(request, obj))  # type: ignore[misc]

    def get_list_display(self, request):  # type: ignore[no-untyped-def]
        return self._guard(request, super().get_list_display(request))  # type: ignore[misc]

    @staticmethod
    def from_sensitive(row) -> bool:  # type: ignore[no-untyped-def]
        row = getattr(row, "violation", row) if isinstance(row, Review) else row
        return selectors.source_is_sensitive_incident(row.source_kind, row.source_ref)


class RestrictionInline(SensitiveSourceGuard, ReadOnlyInline):
    model = Restriction
    verbose_name_plural = "제재 (영구정지·정지)"
    fields = readonly_fields = (
        "label",
        "kind",
        "scope",
        "since",
        "lifts",
        "in_force",
        "lifted",
    )
    show_change_link = True

    @admin.display(description="언제까지")
    def lifts(self, obj: Restriction) -> str:
        return obj.ends_label

    @admin.display(description="적용 중", boolean=True)
    def in_force(self, obj: Restriction) -> bool:
        return obj.lifted_at is None and (obj.until is None or obj.until > timezone.now())

    @admin.display(description="해제 기록")
    def lifted(self, obj: Restriction) -> str:
        if obj.lifted_at is None:
            return "-"
        when = timezone.localtime(obj.lifted_at).strftime("%Y-%m-%d %H:%M")
        return f"{when} {obj.lifted_by or ''} — {obj.lift_reason}"


class ViolationInline(SensitiveSourceGuard, ReadOnlyInline):
    model = Violation
    verbose_name_plural = "위반 기록"
    fields = readonly_fields = (
        "occurred_at",
        "rule_name",
        "amount_won",
        "source_text",
        "note",
        "recorded_by",
    )
    guarded_columns = ("source_text", "note")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("rule", "recorded_by")

    @admin.display(description="위반")
    def rule_name(self, obj: Violation) -> str:
        return obj.rule.name

    @admin.display(description="금액")
    def amount_won(self, obj: Violation) -> str:
        return f"{obj.amount:,}원" if obj.amount is not None else "-"

    @admin.display(description="출처")
    def source_text(self, obj: Violation) -> str:
        return source_text(obj.source_kind, obj.get_source_kind_display(), obj.source_ref)

    @admin.display(description="출처")
    def source_text_guarded(self, obj: Violation) -> str:
        return SENSITIVE_SOURCE if self.from_sensitive(obj) else self.source_text(obj)

    @admin.display(description="메모")
    def note_guarded(self, obj: Violation) -> str:
        return "" if self.from_sensitive(obj) else obj.note


class ReviewInline(SensitiveSourceGuard, ReadOnlyInline):
    model = Review
    verbose_name_plural = "재심사"
    fields = readonly_fields = ("opened_at", "label", "status", "decision", "reason", "decided_by")
    show_change_link = True
    guarded_columns = ("reason",)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).select_related("violation", "decided_by")

    @admin.display(description="결정 사유")
    def reason_guarded(self, obj: Review) -> str:
        return "" if self.from_sensitive(obj) else obj.reason


class AccountEventInline(SensitiveSourceGuard, ReadOnlyInline):
    model = AccountEvent
    verbose_name_plural = "이력 (누가, 언제, 왜, 어디서)"
    fields = readonly_fields = ("at", "kind", "note", "actor", "source_text")
    guarded_columns = ("source_text", "note")

    @admin.display(description="출처")
    def source_text(self, obj: AccountEvent) -> str:
        return source_text(obj.source_kind, obj.get_source_kind_display(), obj.source_ref)

    @admin.display(description="출처")
    def source_text_guarded(self, obj: AccountEvent) -> str:
        return SENSITIVE_SOURCE if self.from_sensitive(obj) else self.source_text(obj)

    @admin.display(description="사유·내용")
    def note_guarded(self, obj: AccountEvent) -> str:
        return "" if self.from_sensitive(obj) else obj.note


def source_text(kind: str, label: str, ref: str) -> str:
    if kind == "review" and ref:
        return f"{label} #{ref}"
    return f"{label} {ref}".strip()


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["external_id", "kind", "masked_name", "masked_phone", "state", "created_at"]
    list_display_links = ["external_id"]
    list_filter = ["kind"]
    search_fields = ["external_id"]
    list_per_page = 50
    inlines = [RestrictionInline, ViolationInline, ReviewInline, AccountEventInline]
    actions = ["record_fees_paid", "record_info_corrected", "record_accident_closed"]
    change_list_template = "admin/incidents/account/change_list.html"

    def get_urls(self):  # type: ignore[no-untyped-def]
        view = self.admin_site.admin_view(self.record_violation_view)
        return [
            path("record-violation/", view, name="incidents_account_record_violation"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        extra = {"can_record": self.has_record_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def record_violation_view(self, request: HttpRequest) -> HttpResponse:
        """Record a violation by hand, through the same service as claims and incidents."""
        if not self.has_record_permission(request):
            raise PermissionDenied
        form = ViolationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                violation = violation_record(
                    kind=data["kind"],
                    external_id=data["external_id"],
                    code=data["code"],
                    occurred_at=data["occurred_at"],
                    amount=data["amount"],
                    note=data["note"],
                    actor=request.user,  # type: ignore[arg-type]
                    name=data["name"] or None,
                    phone=data["phone"] or None,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.message_user(request, f"{violation.account}에 위반을 기록했습니다.")
                url = reverse("admin:incidents_account_change", args=[violation.account_id])
                return HttpResponseRedirect(url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "위반 기록",
            "form": form,
            "adminform": helpers.AdminForm(
                form,  # type: ignore[arg-type]
                [(None, {"fields": list(form.fields)})],
                {},
            ),
        }
        return TemplateResponse(request, "admin/incidents/account/record_violation.html", context)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return selectors.accounts_with_state()

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        personal = (
            ["full_name", "full_phone"]
            if may_see_personal_data(request)
            else [
                "masked_name",
                "masked_phone",
            ]
        )
        return ["kind", "external_id", *personal, "state", "eligibility", "created_at"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self.get_fields(request, obj)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        # Accounts come from the platform on first reference, never typed in here.
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        if request.method == "GET" and may_see_personal_data(request):
            account = self.get_object(request, object_id)
            if account is not None and self.has_view_or_change_permission(request, account):
                personal_data_view_record(
                    account=account, user=request.user, via=PersonalDataAccess.Via.ADMIN
                )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="이름")
    def masked_name(self, obj: Account) -> str:
        return obj.masked_name or "-"

    @admin.display(description="전화번호")
    def masked_phone(self, obj: Account) -> str:
        return obj.masked_phone or "-"

    @admin.display(description="이름 (전체)")
    def full_name(self, obj: Account) -> str:
        return obj.name or "-"

    @admin.display(description="전화번호 (전체)")
    def full_phone(self, obj: Account) -> str:
        return obj.full_phone or "-"

    @admin.display(description="상태")
    def state(self, obj: Account) -> str:
        in_force = getattr(obj, "in_force", None)
        if in_force is None:
            detail = selectors.account_detail(obj)
            return AccountState(detail.state).label
        return AccountState(selectors.state_of(in_force, getattr(obj, "reviews_open", 0))).label

    @admin.display(description="이용 가능 여부")
    def eligibility(self, obj: Account) -> str:
        rows = []
        for scope in PenaltyScope:
            result = selectors.eligibility(kind=obj.kind, external_id=obj.external_id, scope=scope)
            text = "가능" if result.allowed else "불가 — " + " / ".join(result.reasons)
            rows.append((scope.label, text))
        return format_html_join("", "<div>{}: {}</div>", rows)

    def _record(self, request: HttpRequest, queryset, condition: str) -> None:  # type: ignore[no-untyped-def]
        lifted = 0
        for account in queryset:
            lifted += len(
                condition_record(
                    account=account,
                    condition=condition,
                    note="관리 콘솔에서 기록",
                    actor=request.user,  # type: ignore[arg-type]
                )
            )
        label = LiftCondition(condition).label
        self.message_user(
            request,
            f"{queryset.count()}개 계정에 '{label}'을(를) 기록했습니다. 해제된 정지 {lifted}건.",
        )

    @admin.action(description="미납금 완납 기록 (기다리던 정지 해제)", permissions=["record"])
    def record_fees_paid(self, request, queryset):  # type: ignore[no-untyped-def]
        self._record(request, queryset, LiftCondition.FEES_PAID)

    @admin.action(description="회원 정보 정정 기록 (기다리던 정지 해제)", permissions=["record"])
    def record_info_corrected(self, request, queryset):  # type: ignore[no-untyped-def]
        self._record(request, queryset, LiftCondition.INFO_CORRECTED)

    @admin.action(description="사고 종료 처리 기록 (기다리던 정지 해제)", permissions=["record"])
    def record_accident_closed(self, request, queryset):  # type: ignore[no-untyped-def]
        self._record(request, queryset, LiftCondition.ACCIDENT_CLOSED)

    def has_record_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("incidents.record_violation")


LIFT_COLUMNS = ("lifted_at", "lifted_by", "lift_reason")


class RestrictionLiftForm(forms.ModelForm):
    reason = forms.CharField(
        label="해제 사유",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="필수. 계정 이력에 남습니다. 영구정지 철회는 RM만 할 수 있습니다.",
    )

    class Meta:
        model = Restriction
        fields: list[str] = []


@admin.register(Restriction)
class RestrictionAdmin(SensitiveSourceGuard, admin.ModelAdmin):
    """Restrictions in force and past; a suspension is lifted (managers, RM) or a ban reversed
    (RM) on its page, with a reason, through the service."""

    form = RestrictionLiftForm
    list_display = ["account", "label", "kind", "scope", "since", "until", "lifted_at"]
    list_filter = ["kind", "scope", "lift_condition"]
    search_fields = ["account__external_id", "code"]
    list_select_related = ["account"]
    readonly_fields = [
        "account_link",
        "label",
        "kind",
        "scope",
        "since",
        "until",
        "lifts",
        "source_text",
        "lifted_at",
        "lifted_by",
        "lift_reason",
    ]
    guarded_columns = ("source_text",)

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        fields = self._guard(request, list(self.readonly_fields))
        if obj is not None and self.has_change_permission(request, obj):
            # Still in force: the lift's own (empty) columns give way to its reason field.
            return [f for f in fields if f not in LIFT_COLUMNS] + ["reason"]
        return fields

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        extra = {"show_save_and_continue": False, **(extra_context or {})}
        obj = self.get_object(request, object_id) if object_id else None
        if obj is not None and self.has_change_permission(request, obj):
            extra.setdefault("title", "영구정지 철회" if obj.kind == "ban" else "정지 해제")
        return super().changeform_view(request, object_id, form_url, extra)

    @admin.display(description="계정")
    def account_link(self, obj: Restriction) -> str:
        url = reverse("admin:incidents_account_change", args=[obj.account_id])
        return format_html('<a href="{}">{}</a>', url, obj.account)

    @admin.display(description="언제까지")
    def lifts(self, obj: Restriction) -> str:
        return obj.ends_label

    @admin.display(description="출처")
    def source_text(self, obj: Restriction) -> str:
        return source_text(obj.source_kind, obj.get_source_kind_display(), obj.source_ref)

    @admin.display(description="출처")
    def source_text_guarded(self, obj: Restriction) -> str:
        return SENSITIVE_SOURCE if self.from_sensitive(obj) else self.source_text(obj)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is not None and obj.lifted_at is not None:
            return False
        if obj is not None and obj.kind == "ban":
            return request.user.has_perm("incidents.reverse_ban")
        return request.user.has_perm("incidents.lift_restriction")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        try:
            restriction_lift(
                restriction_id=obj.pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except (PermissionDenied, ValidationError) as exc:
            self.message_user(request, f"해제하지 못했습니다: {exc}", messages.ERROR)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "account", "via"]
    list_filter = ["via"]
    search_fields = ["account__external_id", "user__username"]
    list_select_related = ["user", "account"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
