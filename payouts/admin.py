"""Payouts in the console: requests (retry failed ones), batches with their progress, the
read-only ledger, blanket grants (run them) and coupon reminders. Every action calls a service;
nothing here sets a status by hand."""

from __future__ import annotations

from typing import cast

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from payouts.exports import grant_ledger_csv, requests_csv
from payouts.models import (
    BlanketGrant,
    BlanketGrantEvent,
    CouponReminder,
    LedgerEntry,
    Notification,
    PayoutBatch,
    PayoutChunk,
    PayoutRequest,
    PayoutRequestEvent,
)
from payouts.selectors import payout_requests_visible_to
from payouts.services.batches import payout_batch_resume
from payouts.services.grant_loading import BlanketGrantError
from payouts.services.grants import (
    blanket_grant_check,
    blanket_grant_create,
    blanket_grant_start,
    blanket_grant_update,
)
from payouts.services.requests import (
    TransitionRefused,
    payout_request_cancel,
    payout_request_retry,
)
from policies.money import won_label as _won


class EstimatedCountPaginator(Paginator):
    """The admin counts the rows of a list on every page; over tens of millions of rows an
    unfiltered count(*) takes seconds, so on PostgreSQL it is read from the planner's estimate
    (pg_class.reltuples) when the list is unfiltered and large."""

    estimate_above = 1_000_000

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if connection.vendor == "postgresql" and isinstance(qs, QuerySet) and not qs.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [qs.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > self.estimate_above:
                return int(row[0])
        return super().count


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: viewable, never added, edited or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PayoutRequestEventInline(admin.TabularInline):
    model = PayoutRequestEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PayoutRequest)
class PayoutRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "recipient_kind",
        "recipient_id",
        "instrument",
        "amount_display",
        "count",
        "status",
        "ambiguous",
        "attempts",
        "source_kind",
        "program",
        "created_at",
        "issued_at",
    )
    # Only choice filters: a filter on a free-text column (program) would run a DISTINCT over
    # tens of millions of rows on every page; search by program instead.
    list_filter = (
        "status",
        "last_failure_retryable",
        "instrument",
        "source_kind",
        "recipient_kind",
    )
    search_fields = ("=id", "=recipient_id", "=idempotency_key", "=source_ref", "=program")
    paginator = EstimatedCountPaginator
    show_full_result_count = False  # a count(*) over tens of millions of rows on every page
    list_select_related = ("grant",)
    inlines = [PayoutRequestEventInline]
    actions = ["retry_failed", "cancel", "cancel_checked"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The same scope as the API: an agent sees only the payouts of their claims.
        return super().get_queryset(request) & payout_requests_visible_to(request.user)

    @admin.display(description="금액", ordering="amount")
    def amount_display(self, obj: PayoutRequest) -> str:
        return _won(obj.amount)

    def get_urls(self):  # type: ignore[no-untyped-def]
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_csv),
            name="payouts_payoutrequest_export",
        )
        return [export, *super().get_urls()]

    def export_csv(self, request: HttpRequest) -> HttpResponseBase:
        """The list as filtered on the page (and as far as the user may see it), as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            queryset = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            # As the list page does with a filter it cannot read.
            return HttpResponseRedirect(reverse("admin:payouts_payoutrequest_changelist") + "?e=1")
        response = StreamingHttpResponse(requests_csv(queryset), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="payout-requests.csv"'
        return response

    @admin.display(description="결과 불명", ordering="last_failure_retryable")
    def ambiguous(self, obj: PayoutRequest) -> str:
        # A mark only where it matters: an ordinary row shows nothing, not a red cross.
        return "확인 필요" if obj.last_failure_retryable else ""

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payouts.retry_payoutrequest")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payouts.cancel_payoutrequest")

    def _cancel(self, request: HttpRequest, queryset: QuerySet, *, checked: bool) -> None:
        cancelled, refused = 0, []
        for pk in queryset.values_list("pk", flat=True):
            try:
                payout_request_cancel(
                    request_id=pk,
                    actor=cast("User", request.user),
                    reason="관리 콘솔에서 취소" + (" (청구 시스템 확인함)" if checked else ""),
                    checked=checked,
                )
            except TransitionRefused as exc:
                refused.append(str(exc))
            else:
                cancelled += 1
        if cancelled:
            self.message_user(request, f"{cancelled}건을 취소했습니다.", messages.SUCCESS)
        for message in refused[:10]:
            self.message_user(request, message, messages.WARNING)
        if len(refused) > 10:
            self.message_user(request, f"그 밖에 {len(refused) - 10}건도 취소하지 못했습니다.")

    @admin.action(description="선택한 대기·실패 요청 취소", permissions=["cancel"])
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._cancel(request, queryset, checked=False)

    @admin.action(
        description="선택한 요청 취소 (결과 불명 실패: 청구 시스템에서 미지급 확인함)",
        permissions=["cancel"],
    )
    def cancel_checked(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._cancel(request, queryset, checked=True)

    @admin.action(description="선택한 실패 요청 재시도", permissions=["retry"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet) -> None:
        retried, skipped = 0, 0
        for pk in queryset.filter(status=PayoutRequest.Status.FAILED).values_list("pk", flat=True):
            try:
                payout_request_retry(
                    request_id=pk, actor=cast("User", request.user), reason="관리자 재시도"
                )
            except TransitionRefused:
                skipped += 1
            else:
                retried += 1
        skipped += queryset.exclude(status=PayoutRequest.Status.FAILED).count()
        self.message_user(request, f"{retried}건을 재시도 대기열에 넣었습니다.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped}건은 실패 상태가 아니어서 건너뛰었습니다.", messages.WARNING
            )


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "run_date",
        "grant",
        "status",
        "progress_bar",
        "total",
        "done",
        "failed",
        "skipped",
        "chunks_display",
        "started_at",
        "finished_at",
    )
    list_filter = ("kind", "status")
    list_select_related = ("grant",)
    readonly_fields = ("progress_bar", "unfinished_chunks")
    actions = ["resume"]
    # A 17.3-million grant has 8,650 chunks: the page lists only the unfinished ones, capped,
    # with a summary line, instead of an inline of every chunk.
    chunks_shown = 100

    @admin.display(description="미완료 청크")
    def unfinished_chunks(self, obj: PayoutBatch) -> str:
        unfinished = obj.chunks.exclude(status=PayoutChunk.Status.DONE).order_by("index")
        rows = list(
            unfinished.values_list(
                "index", "first_id", "last_id", "status", "total", "done", "failed", "runs"
            )[: self.chunks_shown]
        )
        left = obj.chunks_total - obj.chunks_finished
        summary = format_html(
            "<p>청크 {}개 중 {}개 완료, {}개 남음{}.</p>",
            f"{obj.chunks_total:,}",
            f"{obj.chunks_finished:,}",
            f"{left:,}",
            f" (앞의 {self.chunks_shown}개만 표시)" if left > self.chunks_shown else "",
        )
        if not rows:
            return summary
        labels = dict(PayoutChunk.Status.choices)
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}–{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td></tr>",
            (
                (index, first, last, labels.get(status, status), total, done, failed, runs)
                for index, first, last, status, total, done, failed, runs in rows
            ),
        )
        return format_html(
            "{}<table><thead><tr><th>순번</th><th>요청 ID 범위</th><th>상태</th><th>계획</th>"
            "<th>지급</th><th>실패</th><th>실행 횟수</th></tr></thead><tbody>{}</tbody></table>",
            summary,
            body,
        )

    @admin.display(description="진행률")
    def progress_bar(self, obj: PayoutBatch) -> str:
        pct = obj.progress_percent
        return format_html(
            '<progress value="{}" max="100" style="width:10em" aria-label="진행률"></progress> {}%',
            pct,
            pct,
        )

    @admin.display(description="청크")
    def chunks_display(self, obj: PayoutBatch) -> str:
        return f"{obj.chunks_finished:,}/{obj.chunks_total:,}"

    def has_resume_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payouts.retry_payoutrequest")

    @admin.action(description="선택한 배치의 남은 청크 다시 실행", permissions=["resume"])
    def resume(self, request: HttpRequest, queryset: QuerySet) -> None:
        total = 0
        for batch in queryset.filter(status=PayoutBatch.Status.RUNNING):
            total += payout_batch_resume(batch_id=batch.pk)
        self.message_user(request, f"청크 {total}개를 다시 큐에 넣었습니다.", messages.SUCCESS)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "request",
        "recipient_kind",
        "recipient_id",
        "instrument",
        "amount_display",
        "count",
        "source_kind",
        "program",
        "issuer",
        "issued_at",
    )
    list_filter = ("instrument", "source_kind")
    search_fields = ("=request__id", "=recipient_id", "=external_ref", "=program")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    raw_id_fields = ("request",)

    @admin.display(description="금액", ordering="amount")
    def amount_display(self, obj: LedgerEntry) -> str:
        return _won(obj.amount)


class BlanketGrantEventInline(admin.TabularInline):
    model = BlanketGrantEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    verbose_name_plural = "상태 이력"

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(BlanketGrant)
class BlanketGrantAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "program",
        "instrument",
        "recipient_kind",
        "amount",
        "count",
        "status",
        "recipients_count",
        "error_short",
        "created_at",
    )
    list_filter = ("status", "instrument", "program")
    search_fields = ("code", "name")
    readonly_fields = (
        "status",
        "error",
        "recipients_count",
        "policy_version",
        "created_by",
        "ledger_link",
    )
    actions = ["run"]
    inlines = [BlanketGrantEventInline]

    def get_urls(self):  # type: ignore[no-untyped-def]
        ledger = path(
            "<int:pk>/ledger.csv",
            self.admin_site.admin_view(self.ledger_csv),
            name="payouts_blanketgrant_ledger",
        )
        return [ledger, *super().get_urls()]

    def ledger_csv(self, request: HttpRequest, pk: int) -> StreamingHttpResponse:
        """The grant's ledger rows (what was issued, to whom, when), as CSV."""
        if not request.user.has_perm("payouts.view_ledgerentry"):
            raise PermissionDenied
        grant = get_object_or_404(BlanketGrant, pk=pk)
        response = StreamingHttpResponse(grant_ledger_csv(grant.pk), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="grant-{grant.code}-ledger.csv"'
        return response

    @admin.display(description="지급 원장")
    def ledger_link(self, obj: BlanketGrant) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("admin:payouts_blanketgrant_ledger", args=[obj.pk])
        return format_html('<a href="{}">원장 CSV 내려받기</a>', url)

    def get_inlines(self, request: HttpRequest, obj: BlanketGrant | None = None):  # type: ignore[no-untyped-def]
        # A grant being added has no history yet.
        return self.inlines if obj is not None else []

    def get_exclude(self, request: HttpRequest, obj: BlanketGrant | None = None):  # type: ignore[no-untyped-def]
        # Synthetic recipients are for demos and the benchmark: operators only.
        return () if request.user.is_superuser else ("synthetic_count",)

    @admin.display(description="오류")
    def error_short(self, obj: BlanketGrant) -> str:
        return obj.error[:80] + ("…" if len(obj.error) > 80 else "")

    def get_readonly_fields(self, request: HttpRequest, obj: BlanketGrant | None = None):  # type: ignore[no-untyped-def]
        # Once recipients are loaded their requests carry the definition (and keys carry the
        # code): it is frozen; only the name, description and CSV of a draft can change.
        if obj is not None and (obj.status != BlanketGrant.Status.DRAFT or obj.requests.exists()):
            hidden = set(self.get_exclude(request, obj) or ())
            fields = [f.name for f in obj._meta.fields if f.name != "id" and f.name not in hidden]
            return [*fields, "ledger_link"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # Through the services, so a coupon gets its policy version and validity like a grant
        # made by the command, and a grant with requests cannot be redefined.
        data = {
            name: form.cleaned_data[name]
            for name in (
                "code",
                "name",
                "instrument",
                "recipient_kind",
                "amount",
                "count",
                "validity_days",
                "program",
                "segment",
                "synthetic_count",
                "recipients_csv",
            )
            if name in form.cleaned_data
        }
        try:
            if change:
                saved = blanket_grant_update(grant=obj, **data)
            else:
                saved = blanket_grant_create(actor=cast("User", request.user), **data)
        except BlanketGrantError as exc:
            raise ValidationError(str(exc)) from exc
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def get_form(self, request, obj=None, change=False, **kwargs):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change=change, **kwargs)
        admin_site = self

        class ServiceCheckedForm(form):  # type: ignore[misc,valid-type]
            """The service's refusals (a code that is not a slug, a bound) as form errors,
            not a 500 after the form said it was valid."""

            def clean(self):  # type: ignore[no-untyped-def]
                cleaned = super().clean()
                code = cleaned.get("code")
                if code is not None and not self.errors:
                    try:
                        admin_site._check(cleaned, self.instance)
                    except BlanketGrantError as exc:
                        raise ValidationError(str(exc)) from exc
                return cleaned

        return ServiceCheckedForm

    @staticmethod
    def _check(cleaned: dict, instance: BlanketGrant) -> None:
        blanket_grant_check(
            code=cleaned.get("code", instance.code),
            name=cleaned.get("name", instance.name),
            program=cleaned.get("program", instance.program),
            synthetic_count=cleaned.get("synthetic_count", instance.synthetic_count),
            instrument=cleaned.get("instrument", instance.instrument),
            amount=cleaned.get("amount", instance.amount),
            count=cleaned.get("count", instance.count),
            validity_days=cleaned.get("validity_days", instance.validity_days),
        )

    def has_run_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payouts.run_blanketgrant")

    @admin.action(description="선택한 일괄 지급 실행 (대상 적재 후 지급)", permissions=["run"])
    def run(self, request: HttpRequest, queryset: QuerySet) -> None:
        started = 0
        for grant in queryset:
            try:
                blanket_grant_start(grant_id=grant.pk, actor=cast("User", request.user))
            except BlanketGrantError as exc:
                self.message_user(request, f"{exc} 실행하지 않았습니다.", messages.ERROR)
            else:
                started += 1
        if started:
            self.message_user(
                request,
                f"{started}건의 일괄 지급을 시작했습니다. 진행 상황은 지급 배치에서 봅니다.",
                messages.SUCCESS,
            )


@admin.register(CouponReminder)
class CouponReminderAdmin(ReadOnlyAdmin):
    list_display = ("id", "request", "days_before", "due_date", "status", "channel", "sent_at")
    list_filter = ("status", "days_before", "due_date")
    raw_id_fields = ("request",)
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox: what the messaging service is to deliver."""

    list_display = ("created_at", "kind", "recipient_kind", "recipient_id", "title")
    list_filter = ("kind",)
    search_fields = ("=recipient_id", "=key")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
