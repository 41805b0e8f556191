"""Claims in the console: every claim (read-only), the escalation queue a manager works from,
and the decision page, which goes through the same services as the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from claims import selectors, services
from claims.forms import ClaimDecisionForm
from claims.models import Claim, ClaimDecision, ClaimEvent, EscalatedClaim
from config.admin import ReadOnlyInline
from policies import selectors as policy
from policies.models import Category

TIER_LABELS = {1: "1차", 2: "2차", 3: "3차"}


def _age(claim: Claim) -> str:
    delta = timezone.now() - claim.created_at
    days, hours = delta.days, delta.seconds // 3600
    return f"{days}일 {hours}시간" if days else f"{hours}시간 {delta.seconds % 3600 // 60}분"


class AgeFilter(admin.SimpleListFilter):
    title = "경과"
    parameter_name = "age"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("1", "1일 이상"), ("3", "3일 이상"), ("7", "7일 이상")]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        value = self.value()
        if value in ("1", "3", "7"):
            cutoff = timezone.now() - timedelta(days=int(value))
            return queryset.filter(created_at__lte=cutoff)
        return queryset


class CategoryFilter(admin.SimpleListFilter):
    title = "구분"
    parameter_name = "category"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return Category.choices

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        # A rule's code starts with its category's: fare.wrong_amount_entered.
        if self.value() in Category.values:
            return queryset.filter(rule__startswith=f"{self.value()}.")
        return queryset


class RuleFilter(admin.SimpleListFilter):
    title = "유형"
    parameter_name = "rule"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        try:
            rules = policy.book(policy.current_number()).rules
        except LookupError:
            return []
        return [(code, rule.name) for code, rule in rules.items()]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        return queryset.filter(rule=self.value()) if self.value() else queryset


class DecisionInline(ReadOnlyInline):
    model = ClaimDecision
    fields = readonly_fields = ("tier", "kind", "amount", "instrument", "policy_version", "reason",
                                "decided_by", "decided_at")  # fmt: skip
    verbose_name_plural = "결정 (추가만 가능, 수정·삭제 불가)"


class EventInline(ReadOnlyInline):
    model = ClaimEvent
    fields = readonly_fields = ("at", "from_status", "to_status", "from_tier", "to_tier", "actor",
                                "reason")  # fmt: skip


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "tier_label", "rule_label", "target", "call_id", "age",
                    "created_by", "created_at"]  # fmt: skip
    list_filter = ["status", "tier", "target", CategoryFilter, RuleFilter, AgeFilter]
    search_fields = ["call_id", "customer_id", "driver_id"]
    list_select_related = ["created_by"]
    inlines = [DecisionInline, EventInline]
    fields = readonly_fields = ("status", "tier_label", "rule_label", "row_label", "target",
                                "call_id", "call_type", "called_at",
                                "customer_id", "driver_id", "policy_version", "facts_display",
                                "memo", "offers_display", "payouts_display",
                                "duplicates_display", "created_by", "created_at")  # fmt: skip
    change_form_template = "admin/claims/claim/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # agents file claims on the intake page and the API

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return selectors.claims_visible_to(request.user)

    @admin.display(description="차수", ordering="tier")
    def tier_label(self, obj: Claim) -> str:
        return TIER_LABELS.get(obj.tier, str(obj.tier))

    @admin.display(description="유형")
    def rule_label(self, obj: Claim) -> str:
        return selectors.rule_name(obj)

    @admin.display(description="경과", ordering="created_at")
    def age(self, obj: Claim) -> str:
        return _age(obj)

    @admin.display(description="유형상세")
    def row_label(self, obj: Claim) -> str:
        return selectors.offers_of(obj)["detail"] or "—"

    @admin.display(description="사실")
    def facts_display(self, obj: Claim) -> str:
        return (
            format_html_join(
                ", ", "{} {}", ((label, value) for label, value in selectors.facts_shown(obj))
            )
            or "—"
        )

    @admin.display(description="차수별 제안")
    def offers_display(self, obj: Claim) -> str:
        offers = selectors.offers_of(obj)["tiers"]
        rows = format_html_join(
            "",
            "<tr><td>{}차</td><td>{}</td><td>{}</td></tr>",
            ((o["tier"], o["explain"] or o["note"] or "—", o["role"] and
              {"agent": "상담사", "manager": "관리자"}.get(o["role"], o["role"])) for o in offers),
        )  # fmt: skip
        return format_html(
            "<table><thead><tr><th>차수</th><th>내용</th><th>결정 권한</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="지급 요청")
    def payouts_display(self, obj: Claim) -> str:
        requests = list(selectors.payout_requests_of(obj))
        if not requests:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (r.idempotency_key, r.get_instrument_display(),
                 f"{r.amount:,}" if r.amount is not None else f"{r.count or ''}",
                 r.get_status_display())
                for r in requests
            ),
        )  # fmt: skip
        return format_html(
            "<table><thead><tr><th>키</th><th>지급수단</th><th>금액·수량</th><th>상태</th></tr>"
            "</thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="중복 의심")
    def duplicates_display(self, obj: Claim) -> str:
        ids = selectors.duplicates_of(obj)
        if not ids:
            return "없음"
        return format_html_join(
            ", ",
            '<a href="{}">#{}</a>',
            ((reverse("admin:claims_claim_change", args=[i]), i) for i in ids),
        )

    def get_urls(self):  # type: ignore[no-untyped-def]
        view = self.admin_site.admin_view(self.decide_view)
        return [path("<int:pk>/decide/", view, name="claims_claim_decide"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        extra = {"can_decide": request.user.has_perm("claims.view_all_claim")}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A manager's decision on the claim's current tier, through the claims services."""
        if not request.user.has_perm("claims.view_all_claim"):
            raise PermissionDenied
        claim = get_object_or_404(selectors.claims_visible_to(request.user), pk=pk)
        form = ClaimDecisionForm(request.POST or None, initial={"tier": claim.tier})
        if request.method == "POST" and form.is_valid():
            done = self._decide(request, claim, form)
            if done:
                done_text = {"grant": "지급", "refuse": "거부 기록", "reject": "기각"}
                self.message_user(
                    request, f"{claim}: {done_text[form.cleaned_data['decision']]} 처리했습니다."
                )
                return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[pk]))
        offers = selectors.offers_of(claim)["tiers"] if claim.status == Claim.Status.OPEN else []
        current = next((o for o in offers if o["tier"] == claim.tier), None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{claim} 결정",
            "claim": claim,
            "current": current,
            "rule_name": selectors.rule_name(claim),
            "form": form,
            "adminform": helpers.AdminForm(
                form,  # type: ignore[arg-type]
                [(None, {"fields": list(form.fields)})],
                {},
            ),
        }
        return TemplateResponse(request, "admin/claims/claim/decide.html", context)

    @staticmethod
    def _decide(request: HttpRequest, claim: Claim, form: ClaimDecisionForm) -> bool:
        data: dict[str, Any] = form.cleaned_data
        actor = request.user
        try:
            if data["decision"] == "grant":
                services.claim_grant(
                    claim_id=claim.pk, actor=actor, tier=data["tier"],  # type: ignore[arg-type]
                    amount=data["amount"], instrument=data["instrument"] or None,
                    reason=data["reason"],
                )  # fmt: skip
            elif data["decision"] == "refuse":
                services.claim_refuse(claim_id=claim.pk, actor=actor, tier=data["tier"],  # type: ignore[arg-type]
                                      reason=data["reason"])  # fmt: skip
            else:
                services.claim_reject(claim_id=claim.pk, actor=actor, reason=data["reason"])  # type: ignore[arg-type]
        except services.ClaimInputError as exc:
            for field, errors in exc.errors.items():
                messages = errors if isinstance(errors, list) else [str(errors)]
                form.add_error(field if field in form.fields else None, messages)
            return False
        except (services.ClaimForbidden, services.ClaimStateError) as exc:
            form.add_error(None, str(exc))
            return False
        return True


@admin.register(EscalatedClaim)
class EscalationQueueAdmin(ClaimAdmin):
    """Claims waiting for a manager: open at tier 2 or 3, or needing a manager at tier 1
    (needs-discussion), oldest first."""

    list_display = ["id", "age", "tier_label", "rule_label", "target", "call_id", "created_by",
                    "created_at"]  # fmt: skip
    list_filter = ["tier", "target", CategoryFilter, RuleFilter, AgeFilter]
    ordering = ["created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return selectors.escalation_queue(request.user)

    def get_urls(self):  # type: ignore[no-untyped-def]
        return admin.ModelAdmin.get_urls(self)  # the decision page is the claim's


# Relief applications have their own module; imported here so the admin site registers them.
from claims.relief import admin as relief_admin  # noqa: E402, F401

# The relief review's console pages (committee queue, audit sample) live with the relief code.
from claims.relief import admin_review  # noqa: E402, F401
