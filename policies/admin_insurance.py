"""Insurance lines and the personal-information liability rule versions in the admin console.

Managers register lines (one of a kind at a time). A rule version starts as a copy of another
("추가": pick the version to copy and the day it applies from); until that day it is edited
freely, bands and amounts included. From that day on only its end date may be set.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from policies import insurance_services
from policies.coverage import rules_problems
from policies.insurance_selectors import KIND_ORDER, coverage_rules_of
from policies.models import (
    CoverageBand,
    CoverageMinimum,
    CoverageRuleVersion,
    InsuranceLine,
)
from policies.models.insurance import today
from policies.money import won_label as won

# The list's column is narrow; the form and the filter use the full names.
KIND_SHORT = {
    "privacy_liability": "개인정보보호배상",
    "e_finance_liability": "전자금융거래배상",
    "ebiz_liability": "e-biz배상",
    "int_eo": "INT E&O",
    "cgl": "CGL",
}


@admin.register(InsuranceLine)
class InsuranceLineAdmin(SimpleHistoryAdmin):
    list_display = [
        "kind_short",
        "insurer",
        "policy_number",
        "limit_won",
        "deductible_won",
        "period",
        "in_force_today",
    ]
    list_filter = ["kind", "insurer"]
    search_fields = ["insurer", "policy_number", "note"]
    fields = [
        "kind",
        ("insurer", "policy_number"),
        ("limit", "deductible"),
        ("period_start", "period_end"),
        "note",
    ]

    # Mandatory kinds first (the choices' order), the newest contract of each on top.
    ordering = [KIND_ORDER.asc(), "-period_start"]

    @admin.display(description="보험 종류", ordering=KIND_ORDER.asc())
    def kind_short(self, obj: InsuranceLine) -> str:
        return KIND_SHORT.get(obj.kind, obj.kind)

    @admin.display(description="보상한도", ordering="limit")
    def limit_won(self, obj: InsuranceLine) -> str:
        return won(obj.limit)

    @admin.display(description="자기부담금", ordering="deductible")
    def deductible_won(self, obj: InsuranceLine) -> str:
        return won(obj.deductible)

    @admin.display(description="보험기간", ordering="period_start")
    def period(self, obj: InsuranceLine) -> str:
        end = "%m.%d" if obj.period_end.year == obj.period_start.year else "%Y.%m.%d"
        return f"{obj.period_start:%Y.%m.%d}~{obj.period_end.strftime(end)}"

    @admin.display(description="오늘 유효", boolean=True)
    def in_force_today(self, obj: InsuranceLine) -> bool:
        return obj.covers(today())


def _fixed(obj: object) -> bool:
    """A version (or a row of one) that has taken effect: read-only but for its end."""
    version = obj if isinstance(obj, CoverageRuleVersion) else getattr(obj, "version", None)
    return version is not None and version.pk is not None and version.has_taken_effect


class FixedOnceInForceInline:
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_add_permission(request, obj) and not _fixed(obj)  # type: ignore[misc]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_change_permission(request, obj) and not _fixed(obj)  # type: ignore[misc]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_delete_permission(request, obj) and not _fixed(obj)  # type: ignore[misc]


class CoverageBandInline(FixedOnceInForceInline, admin.TabularInline):
    model = CoverageBand
    extra = 0
    fields = ["axis", "order", "code", "label", "minimum", "maximum"]

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Read-only rows show their bounds with separators and units.
        if _fixed(obj):
            return ["axis", "order", "code", "label", "minimum_text", "maximum_text"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return ["minimum_text", "maximum_text"] if _fixed(obj) else []

    @admin.display(description="하한(포함)")
    def minimum_text(self, obj: CoverageBand) -> str:
        return _bound(obj, obj.minimum)

    @admin.display(description="상한(포함)")
    def maximum_text(self, obj: CoverageBand) -> str:
        return "상한 없음" if obj.maximum is None else _bound(obj, obj.maximum)


def _bound(band: CoverageBand, value: int) -> str:
    return f"{value:,}원" if band.axis == "revenue" else f"{value:,}명"


class CoverageMinimumInline(FixedOnceInForceInline, admin.TabularInline):
    model = CoverageMinimum
    extra = 0
    fields = ["users_band", "revenue_band", "amount"]

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        if _fixed(obj):
            return ["users_band", "revenue_band", "amount_text"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return ["amount_text"] if _fixed(obj) else []

    @admin.display(description="최저가입금액")
    def amount_text(self, obj: CoverageMinimum) -> str:
        return won(obj.amount)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        # Only the bands of the version on this page (a new band is saved before it is used).
        if db_field.name in ("users_band", "revenue_band") and request.resolver_match:
            version_id = request.resolver_match.kwargs.get("object_id")
            axis = "users" if db_field.name == "users_band" else "revenue"
            kwargs["queryset"] = CoverageBand.objects.filter(version_id=version_id, axis=axis)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class NewVersionForm(forms.ModelForm):
    """A new version: a copy of `based_on`, applying from `effective_from` (after today)."""

    class Meta:
        model = CoverageRuleVersion
        fields = ["based_on", "effective_from", "title", "note"]

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["based_on"].required = True
        self.fields["based_on"].help_text = "이 버전의 기준·구간·금액을 복제합니다."
        self.fields["title"].required = False
        self.fields["title"].help_text = "비우면 원본 버전의 제목."
        self.fields[
            "effective_from"
        ].help_text = "내일 이후. 그 전날까지 적용 중인 버전은 그 전날로 종료됩니다."
        latest = CoverageRuleVersion.objects.order_by("-effective_from").first()
        if latest is not None:
            self.initial.setdefault("based_on", latest.pk)

    def clean_effective_from(self):  # type: ignore[no-untyped-def]
        value = self.cleaned_data["effective_from"]
        problem = insurance_services.coverage_rule_version_start_problem(value)
        if problem:
            raise ValidationError(problem)
        return value

    def _post_clean(self) -> None:
        # The model's own clean would refuse the overlap the service resolves by closing the
        # version before; the service validates what it writes.
        pass


@admin.register(CoverageRuleVersion)
class CoverageRuleVersionAdmin(SimpleHistoryAdmin):
    list_display = [
        "number",
        "title",
        "effective_from",
        "effective_to",
        "revenue_minimum_won",
        "users_minimum_people",
        "fine_won",
        "in_force_today",
    ]
    search_fields = ["title", "legal_basis", "note"]
    inlines = [CoverageBandInline, CoverageMinimumInline]
    fieldsets = [
        (None, {"fields": ["number", "title", "legal_basis", "based_on", "note"]}),
        ("적용기간", {"fields": [("effective_from", "effective_to")]}),
        (
            "적용 대상 기준",
            {"fields": [("revenue_minimum", "users_minimum", "average_days"), "fine"]},
        ),
        ("점검", {"fields": ["problems", "check_link"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):  # type: ignore[no-untyped-def]
        if obj is None:
            kwargs["form"] = NewVersionForm
            kwargs["fields"] = NewVersionForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj):  # type: ignore[no-untyped-def]
        return [] if obj is None else super().get_inlines(request, obj)

    def get_fieldsets(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is None:
            return [(None, {"fields": NewVersionForm.Meta.fields})]
        fieldsets = super().get_fieldsets(request, obj)
        if not obj.has_taken_effect:
            return fieldsets
        # Read-only figures with separators and units.
        shown = {
            "revenue_minimum": "revenue_minimum_won",
            "users_minimum": "users_minimum_people",
            "fine": "fine_won",
        }

        def swap(fields):  # type: ignore[no-untyped-def]
            return [tuple(swap(f)) if isinstance(f, tuple) else shown.get(f, f) for f in fields]

        return [(name, {**opts, "fields": swap(opts["fields"])}) for name, opts in fieldsets]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is None:
            return []
        fixed = ["number", "based_on", "effective_from", "problems", "check_link"]
        if obj.has_taken_effect:
            editable = {"effective_to"}
            names = [f.name for f in CoverageRuleVersion._meta.concrete_fields]
            figures = ["revenue_minimum_won", "users_minimum_people", "fine_won"]
            return fixed + figures + [n for n in names if n not in editable and n not in fixed]
        return fixed

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change:
            super().save_model(request, obj, form, change)
            return
        version = insurance_services.coverage_rule_version_create(
            source=form.cleaned_data["based_on"],
            effective_from=form.cleaned_data["effective_from"],
            title=form.cleaned_data.get("title") or "",
            note=form.cleaned_data.get("note") or "",
            actor=request.user,  # type: ignore[arg-type]
        )
        # The admin goes on with `obj` (its log entry, the redirect): make it the new row.
        obj.pk = version.pk
        obj.refresh_from_db()

    def response_post_save_change(self, request, obj):  # type: ignore[no-untyped-def]
        problems = rules_problems(coverage_rules_of(obj))
        if problems:
            self.message_user(
                request, "표가 완전하지 않습니다: " + " / ".join(problems), messages.WARNING
            )
        return super().response_post_save_change(request, obj)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_delete_permission(request, obj) and not _fixed(obj)

    @admin.display(description="매출액 기준", ordering="revenue_minimum")
    def revenue_minimum_won(self, obj: CoverageRuleVersion) -> str:
        return f"{won(obj.revenue_minimum)} 이상"

    @admin.display(description="이용자 수 기준", ordering="users_minimum")
    def users_minimum_people(self, obj: CoverageRuleVersion) -> str:
        return f"{obj.users_minimum:,}명 이상"

    @admin.display(description="과태료", ordering="fine")
    def fine_won(self, obj: CoverageRuleVersion) -> str:
        return won(obj.fine)

    @admin.display(description="오늘 적용", boolean=True)
    def in_force_today(self, obj: CoverageRuleVersion) -> bool:
        day = today()
        return obj.effective_from <= day and (obj.effective_to is None or day <= obj.effective_to)

    @admin.display(description="표 점검")
    def problems(self, obj: CoverageRuleVersion) -> str:
        if obj.pk is None:
            return "-"
        found = rules_problems(coverage_rules_of(obj))
        if not found:
            return "이상 없음: 구간이 기준부터 빈틈없이 이어지고 모든 칸에 금액이 있습니다."
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((p,) for p in found))
        )

    @admin.display(description="점검 화면")
    def check_link(self, obj: CoverageRuleVersion) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("coverage-check") + f"?on={obj.effective_from.isoformat()}"
        return format_html('<a href="{}">이 버전 적용일로 의무 점검하기</a>', url)
