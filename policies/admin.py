"""The policy book in the admin console: managers edit drafts and publish them.

A published or retired version is read-only everywhere (its rules, rows and outcomes too);
a change starts with the action "새 초안 만들기", which copies a version whole.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from policies import services
from policies.evaluator import conditions_of, describe_conditions
from policies.facts import fact_choices, validate_outcome_effects
from policies.models import (
    Effect,
    FareBand,
    PenaltyRule,
    PolicyVersion,
    PolicyVersionEvent,
    RmCategory,
    RmSubtype,
    RowCondition,
    RowPenalty,
    Rule,
    RuleRow,
    TierOutcome,
)
from policies.services import EFFECT_FIELDS, PENALTY_RULE_FIELDS


def _user(request: HttpRequest) -> User:
    # The admin site only lets active staff users in.
    assert isinstance(request.user, User)
    return request.user


def _editable(obj) -> bool:  # type: ignore[no-untyped-def]
    if obj is None:
        return True
    if isinstance(obj, PolicyVersion):
        return obj.is_editable
    return obj._version().is_editable


class DraftOnlyMixin:
    """Change, add and delete only inside a draft version."""

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_change_permission(request, obj) and _editable(obj)  # type: ignore[misc]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_delete_permission(request, obj) and _editable(obj)  # type: ignore[misc]


class DraftOnlyInline(DraftOnlyMixin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_add_permission(request, obj) and _editable(obj)  # type: ignore[misc]


class FareBandFormSet(BaseInlineFormSet):
    """The bands must cover every difference once: distinct bounds, one band without one.
    Checked across the submitted forms, which the database constraints see only one by one."""

    def clean(self) -> None:
        super().clean()
        bounds = [
            form.cleaned_data.get("upper_bound")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if bounds.count(None) != 1:
            raise ValidationError("상한 없는 구간(그 이상)이 정확히 하나 있어야 합니다.")
        given = [b for b in bounds if b is not None]
        if len(given) != len(set(given)):
            raise ValidationError("같은 차액 상한의 구간이 둘 이상 있습니다.")


class FareBandInline(DraftOnlyInline, admin.TabularInline):
    model = FareBand
    formset = FareBandFormSet
    extra = 0
    fields = ["upper_bound", "percent"]


class PolicyVersionEventInline(admin.TabularInline):
    model = PolicyVersionEvent
    extra = 0
    fields = ["at", "from_status", "to_status", "actor", "note"]
    readonly_fields = ["at", "from_status", "to_status", "actor", "note"]
    can_delete = False
    verbose_name_plural = "상태 이력 (작성·게시·종료)"

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(PolicyVersion)
class PolicyVersionAdmin(DraftOnlyMixin, SimpleHistoryAdmin):
    list_display = ["number", "title", "status", "rules_count", "published_at", "published_by"]
    list_filter = ["status"]
    search_fields = ["title", "note"]
    inlines = [FareBandInline, PolicyVersionEventInline]
    actions = ["create_draft", "publish"]
    fieldsets = [
        (None, {"fields": ["number", "title", "status", "note", "based_on", "matrix_link"]}),
        (
            "지급수단 파라미터",
            {
                "fields": [
                    "coupon_unit",
                    "coupon_minimum",
                    "coupon_validity_days",
                    "driver_commission_percent",
                    "points_memo",
                ]
            },
        ),
        (
            "결정 권한 (차수별로 지급할 수 있는 역할)",
            {"fields": [("tier1_role", "tier2_role", "tier3_role", "discussion_role")]},
        ),
        ("지급 한도", {"fields": ["agent_daily_tier1_cap"]}),
        (
            "RM 사고 (영업시간, 사고다발 기준)",
            {
                "fields": [
                    ("rm_day_start_hour", "rm_day_end_hour"),
                    ("rm_repeat_accident_window_days", "rm_repeat_accident_count"),
                ]
            },
        ),
        ("기록", {"fields": ["created_at", "created_by", "published_at", "published_by"]}),
    ]
    readonly_fields = [
        "number",
        "status",
        "based_on",
        "matrix_link",
        "created_at",
        "created_by",
        "published_at",
        "published_by",
    ]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).annotate(n_rules=Count("rules"))

    @admin.display(description="유형 수", ordering="n_rules")
    def rules_count(self, obj: PolicyVersion) -> int:
        return getattr(obj, "n_rules", 0)

    @admin.display(description="매트릭스")
    def matrix_link(self, obj: PolicyVersion) -> str:
        if obj.pk is None:
            return "-"
        rules = reverse("admin:policies_rule_changelist") + f"?version__id__exact={obj.pk}"
        return format_html(
            '<a href="{}">매트릭스 보기</a> · <a href="{}">유형 편집</a>',
            reverse("policy-matrix", args=[obj.number]),
            rules,
        )

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        # A version starts as a copy of another ("새 초안 만들기"), never blank.
        return False

    @admin.action(description="선택한 버전을 복제해 새 초안 만들기", permissions=["draft"])
    def create_draft(self, request: HttpRequest, queryset) -> None:  # type: ignore[no-untyped-def]
        if queryset.count() != 1:
            self.message_user(request, "버전을 하나만 선택하세요.", messages.ERROR)
            return
        draft = services.policy_version_create_draft(source=queryset.get(), actor=_user(request))
        self.message_user(request, f"초안 v{draft.number}을(를) 만들었습니다.", messages.SUCCESS)

    def has_draft_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("policies.add_policyversion")

    @admin.action(description="선택한 초안 게시", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset) -> None:  # type: ignore[no-untyped-def]
        for version in queryset.order_by("number"):
            try:
                services.policy_version_publish(version_id=version.pk, actor=_user(request))
            except ValidationError as exc:
                self.message_user(
                    request,
                    f"v{version.number} 게시 불가: {' / '.join(exc.messages)}",
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request, f"v{version.number}을(를) 게시했습니다.", messages.SUCCESS
                )

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("policies.publish_policyversion")


class RuleRowInline(DraftOnlyInline, admin.StackedInline):
    model = RuleRow
    extra = 0
    fields = [("code", "order", "target", "fault"), "detail", "notes", "summary"]
    readonly_fields = ["summary"]
    show_change_link = True

    @admin.display(description="조건 · 차수별 결과")
    def summary(self, obj: RuleRow) -> str:
        if obj.pk is None:
            return "저장 후 편집"
        conditions = describe_conditions(conditions_of(obj), labels=True) or "항상"
        outcomes = " | ".join(str(o) for o in obj.outcomes.all()) or "없음"
        return format_html(
            '조건: {} · 결과: {} — <a href="{}">조건·패널티·결과 편집</a>',
            conditions,
            outcomes,
            reverse("admin:policies_rulerow_change", args=[obj.pk]),
        )


@admin.register(Rule)
class RuleAdmin(DraftOnlyMixin, SimpleHistoryAdmin):
    list_display = ["name", "code", "category", "version", "rows_count"]
    list_filter = ["version", "category"]
    search_fields = ["code", "name"]
    list_select_related = ["version"]
    inlines = [RuleRowInline]
    fields = ["version", "code", "category", "name", "description", "order", "monthly_budget"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).annotate(n_rows=Count("rows"))

    @admin.display(description="유형상세 수", ordering="n_rows")
    def rows_count(self, obj: Rule) -> int:
        return getattr(obj, "n_rows", 0)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "version":
            kwargs["queryset"] = PolicyVersion.objects.filter(status=PolicyVersion.Status.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RowConditionForm(forms.ModelForm):
    fact = forms.ChoiceField(label="사실", choices=fact_choices())

    class Meta:
        model = RowCondition
        fields = ["fact", "op", "value", "flag"]


class RowConditionInline(DraftOnlyInline, admin.TabularInline):
    model = RowCondition
    form = RowConditionForm
    extra = 0
    verbose_name_plural = (
        "조건 (모두 만족해야 적용; 금액·시간 사실은 값, 예/아니오 사실은 예/아니오)"
    )


class RowPenaltyInline(DraftOnlyInline, admin.TabularInline):
    model = RowPenalty
    extra = 0
    fields = ["code", "subject", "trigger", "tier", "count"]


class TierOutcomeInline(DraftOnlyInline, admin.TabularInline):
    model = TierOutcome
    extra = 0
    max_num = 3
    fields = ["tier", "kind", "note", "effects_summary"]
    readonly_fields = ["effects_summary"]
    show_change_link = True

    @admin.display(description="효과")
    def effects_summary(self, obj: TierOutcome) -> str:
        if obj.pk is None:
            return "저장 후 편집"
        effects = " / ".join(str(e) for e in obj.effects.all()) or "없음"
        return format_html(
            '{} — <a href="{}">효과 편집</a>',
            effects,
            reverse("admin:policies_tieroutcome_change", args=[obj.pk]),
        )


@admin.register(RuleRow)
class RuleRowAdmin(DraftOnlyMixin, SimpleHistoryAdmin):
    list_display = ["rule", "code", "target", "detail", "conditions_text", "fault"]
    list_filter = ["rule__version", "target", "fault", "rule__category"]
    search_fields = ["rule__code", "rule__name", "detail", "code"]
    list_select_related = ["rule", "rule__version"]
    inlines = [RowConditionInline, RowPenaltyInline, TierOutcomeInline]
    fields = ["rule", "code", "order", "target", "detail", "fault", "notes"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).prefetch_related("conditions")

    @admin.display(description="조건")
    def conditions_text(self, obj: RuleRow) -> str:
        return describe_conditions(conditions_of(obj), labels=True) or "항상"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "rule":
            kwargs["queryset"] = Rule.objects.filter(
                version__status=PolicyVersion.Status.DRAFT
            ).select_related("version")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EffectForm(forms.ModelForm):
    basis = forms.ChoiceField(
        label="기준 사실", choices=[("", "없음"), *fact_choices(kind=int)], required=False
    )
    when_fact = forms.ChoiceField(
        label="적용 조건 사실", choices=[("", "항상"), *fact_choices(kind=bool)], required=False
    )

    class Meta:
        model = Effect
        fields = list(EFFECT_FIELDS)


class EffectFormSet(BaseInlineFormSet):
    """The tier's kind and its effects must agree (a care-only tier pays nothing; a coupon
    tier has a coupon); checked across the submitted forms."""

    def clean(self) -> None:
        super().clean()
        effects = [
            Effect(**{k: v for k, v in form.cleaned_data.items() if k in EFFECT_FIELDS})
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        problems = validate_outcome_effects(self.instance.kind, effects)
        if problems:
            raise ValidationError(problems)


class EffectInline(DraftOnlyInline, admin.StackedInline):
    model = Effect
    form = EffectForm
    formset = EffectFormSet
    extra = 0
    fieldsets = [
        (None, {"fields": [("order", "type", "method"), ("instrument", "action")]}),
        ("금액", {"fields": [("amount", "amount_max", "step"), ("count", "percent", "basis")]}),
        ("부담·수령", {"fields": [("payer", "recipient")]}),
        (
            "발동·조건",
            {
                "fields": [
                    ("trigger", "trigger_tier", "trigger_count", "trigger_party"),
                    ("when_fact", "when_value"),
                    "note",
                ]
            },
        ),
    ]


@admin.register(TierOutcome)
class TierOutcomeAdmin(DraftOnlyMixin, SimpleHistoryAdmin):
    list_display = ["row", "tier", "kind"]
    list_filter = ["row__rule__version", "tier", "kind"]
    search_fields = ["row__rule__name", "row__rule__code", "row__code"]
    list_select_related = ["row", "row__rule", "row__rule__version"]
    inlines = [EffectInline]
    fields = ["row", "tier", "kind", "note"]
    readonly_fields = ["row"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        # An outcome is added on its row's page.
        return False


@admin.register(PenaltyRule)
class PenaltyRuleAdmin(DraftOnlyMixin, SimpleHistoryAdmin):
    """Account penalty rules (트루카 table, the matrix's penalties): edited in a draft version
    and published with it, like the matrix."""

    list_display = ["name", "kind", "threshold_label", "action_label", "version_number"]
    list_filter = ["version", "kind", "action"]
    search_fields = ["code", "name"]
    list_select_related = ["version"]
    fields = ["version", *PENALTY_RULE_FIELDS]

    @admin.display(description="버전", ordering="version__number")
    def version_number(self, obj: PenaltyRule) -> str:
        return f"v{obj.version.number}"

    @admin.display(description="기준")
    def threshold_label(self, obj: PenaltyRule) -> str:
        return obj.threshold_label

    @admin.display(description="조치")
    def action_label(self, obj: PenaltyRule) -> str:
        return obj.action_label

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "version":
            kwargs["queryset"] = PolicyVersion.objects.filter(status=PolicyVersion.Status.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RmSubtypeInline(DraftOnlyInline, admin.StackedInline):
    model = RmSubtype
    extra = 0
    fields = [
        ("code", "label", "order"),
        "definition",
        ("insurance_exempt", "accident", "gross_negligence"),
    ]


@admin.register(RmCategory)
class RmCategoryAdmin(DraftOnlyMixin, admin.ModelAdmin):
    """The RM taxonomy of a version: categories with their SLA targets and their subtypes with
    the seed's definitions. Edited in a draft and published with it; incidents keep the
    subtype row they were filed under, so a new version never moves an open case's SLA."""

    list_display = [
        "label",
        "code",
        "version_number",
        "sensitive",
        "share_when_media",
        "sla_targets",
        "subtypes_count",
    ]
    list_filter = ["version", "sensitive"]
    search_fields = ["code", "label", "subtypes__label", "subtypes__code"]
    list_select_related = ["version"]
    inlines = [RmSubtypeInline]
    fieldsets = [
        (None, {"fields": ["version", ("code", "label", "order")]}),
        ("공개와 공유", {"fields": ["sensitive", "share_when_media"]}),
        (
            "SLA 목표 (영업시간)",
            {
                "fields": [
                    (
                        "sla_critical_hours",
                        "sla_high_hours",
                        "sla_medium_hours",
                        "sla_low_hours",
                    )
                ]
            },
        ),
    ]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).annotate(subtype_total=Count("subtypes"))

    @admin.display(description="버전", ordering="version__number")
    def version_number(self, obj: RmCategory) -> str:
        return f"v{obj.version.number}"

    @admin.display(description="SLA 목표 (긴급/높음/보통/낮음)")
    def sla_targets(self, obj: RmCategory) -> str:
        hours = (
            obj.sla_critical_hours,
            obj.sla_high_hours,
            obj.sla_medium_hours,
            obj.sla_low_hours,
        )
        return " / ".join(f"{h}시간" for h in hours)

    @admin.display(description="세부 유형", ordering="subtype_total")
    def subtypes_count(self, obj: RmCategory) -> int:
        return obj.subtype_total  # type: ignore[attr-defined]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "version":
            kwargs["queryset"] = PolicyVersion.objects.filter(status=PolicyVersion.Status.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        # A subtype names its version too (the book-part trigger guards it by it): the
        # category's, never one of its own choosing.
        subtypes = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for subtype in subtypes:
            subtype.version = form.instance.version
            subtype.save()
        formset.save_m2m()


# Insurance lines, coverage rule versions and relief programs have their own modules; imported
# here so the admin site registers them.
from policies import admin_insurance, admin_relief  # noqa: E402, F401
