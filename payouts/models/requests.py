"""Payout requests and their history rows."""

from django.db import models
from django.db.models import Q

from payouts.models.choices import Instrument, PaymentAction, RecipientKind, SourceKind
from payouts.models.events import StatusEvent
from payouts.models.grants import BlanketGrant


class PayoutRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "대기"
        ISSUING = "issuing", "지급 중"
        ISSUED = "issued", "지급됨"
        FAILED = "failed", "실패"
        CANCELLED = "cancelled", "취소"

    # from -> allowed targets. A retry sends a failed request back to pending; issued and
    # cancelled are final (an issued grant is corrected by a new request, never undone).
    # `issuing` is the claim taken before a delivery with a side effect (the HTTP post): while
    # it is held nobody may cancel, because billing may be granting right now. A claim left by
    # a dead worker goes back to pending after PAYOUTS_ISSUING_TIMEOUT_MINUTES and is posted
    # again with the same idempotency key, which billing de-duplicates.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.PENDING: frozenset({Status.ISSUING, Status.ISSUED, Status.FAILED, Status.CANCELLED}),
        Status.ISSUING: frozenset({Status.ISSUED, Status.FAILED, Status.PENDING}),
        Status.FAILED: frozenset({Status.PENDING, Status.CANCELLED}),
        Status.ISSUED: frozenset(),
        Status.CANCELLED: frozenset(),
    }

    recipient_kind = models.CharField("대상 계정 종류", max_length=16, choices=RecipientKind)
    recipient_id = models.CharField("대상 계정 ID", max_length=64)
    instrument = models.CharField("지급수단", max_length=32, choices=Instrument)
    amount = models.PositiveBigIntegerField(
        "금액", null=True, blank=True, help_text="원. 수량형 지급수단은 비움."
    )
    count = models.PositiveIntegerField(
        "수량", null=True, blank=True, help_text="장/개 (프단권, 단배권, 이모티콘)."
    )
    action = models.CharField("결제 조치", max_length=32, choices=PaymentAction, blank=True)
    source_kind = models.CharField("출처", max_length=32, choices=SourceKind)
    source_ref = models.CharField("출처 참조", max_length=100, blank=True)
    program = models.CharField(
        "프로그램",
        max_length=64,
        blank=True,
        default="",
        db_default="",
        help_text="피해 지원 프로그램 코드.",
    )
    grant = models.ForeignKey(
        BlanketGrant,
        verbose_name="일괄 지급",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
        # Covered by the (grant, status, id) index; one index fewer to write per issue.
        db_index=False,
    )
    # Unique through a constraint (Meta), not unique=True: on PostgreSQL the latter adds a
    # second, varchar_pattern_ops index that nothing here queries but every insert writes.
    idempotency_key = models.CharField("멱등 키", max_length=200)
    status = models.CharField(
        "상태", max_length=16, choices=Status, default=Status.PENDING, db_default=Status.PENDING
    )
    attempts = models.PositiveIntegerField("시도 횟수", default=0, db_default=0)
    # The number of the current `issuing` claim. Every claim takes the next number and every
    # outcome is recorded only against the claim that made the delivery, so a slow worker whose
    # claim was released (and taken again by another) records nothing over the newer claim.
    claim = models.PositiveIntegerField("클레임 번호", default=0, db_default=0)
    last_error = models.TextField("마지막 오류", blank=True, default="", db_default="")
    last_failure_retryable = models.BooleanField(
        "결과 불명 실패",
        default=False,
        db_default=False,
        help_text="마지막 실패가 시간 초과·5xx 등이라 청구 시스템이 지급했을 수도 있음.",
    )
    # The chunk whose run left this request failed, so that a later issue (a retry) can move
    # the count from that chunk's `failed` to `done` or `skipped`. Not indexed: it is only read
    # from the request row itself.
    failed_chunk = models.ForeignKey(
        "payouts.PayoutChunk",
        verbose_name="실패한 청크",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    policy_version = models.PositiveIntegerField("정책 버전", null=True, blank=True)
    validity_days = models.PositiveSmallIntegerField(
        "유효기간", null=True, blank=True, help_text="일. 지급 시각부터; 비우면 무기한."
    )
    valid_until = models.DateTimeField("유효기한", null=True, blank=True)
    memo = models.CharField("메모", max_length=100, blank=True, default="", db_default="")
    created_at = models.DateTimeField("생성 시각", auto_now_add=True)
    updated_at = models.DateTimeField("수정 시각", auto_now=True)
    issued_at = models.DateTimeField("지급 시각", null=True, blank=True)

    class Meta:
        verbose_name = "지급 요청"
        verbose_name_plural = "지급 요청"
        ordering = ["-id"]
        permissions = [
            ("retry_payoutrequest", "실패한 지급 요청을 재시도할 수 있음"),
            ("view_all_payoutrequest", "모든 지급 요청을 볼 수 있음"),
            ("cancel_payoutrequest", "대기·실패한 지급 요청을 취소할 수 있음"),
        ]
        indexes = [
            # The nightly sweep and chunk planning walk pending rows in id order.
            models.Index(fields=["status", "id"], name="payoutrequest_status_id"),
            models.Index(fields=["grant", "status", "id"], name="payoutrequest_grant_status"),
            # Expiry reminders look up issued coupons by their expiry.
            models.Index(
                fields=["valid_until"],
                name="payoutrequest_coupon_expiry",
                condition=Q(instrument="coupon", status="issued"),
            ),
            models.Index(fields=["recipient_kind", "recipient_id"], name="payoutrequest_recipient"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], name="payoutrequest_unique_idempotency_key"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(count__isnull=False) | ~Q(action=""),
                name="payoutrequest_has_quantity",
            ),
            models.CheckConstraint(
                condition=~Q(instrument="coupon") | Q(amount__gt=0, validity_days__isnull=False),
                name="payoutrequest_coupon_amount_and_validity",
            ),
            models.CheckConstraint(
                condition=~Q(instrument="payment_action") | ~Q(action=""),
                name="payoutrequest_payment_action_code",
            ),
            models.CheckConstraint(
                condition=~Q(status="issued") | Q(issued_at__isnull=False),
                name="payoutrequest_issued_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_instrument_display()} → {self.recipient_id}"

    def can_transition(self, to: str) -> bool:
        return to in self.TRANSITIONS[self.status]


class PayoutRequestEvent(StatusEvent):
    """One state change of one request made by a single-request service (who, from, to, why).

    Bulk paths (chunks of a batch) record on the chunk instead of a row per request.
    """

    request = models.ForeignKey(
        PayoutRequest, verbose_name="지급 요청", on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField("이전 상태", max_length=16, choices=PayoutRequest.Status)
    to_status = models.CharField("변경 상태", max_length=16, choices=PayoutRequest.Status)

    class Meta(StatusEvent.Meta):
        verbose_name = "지급 요청 이력"
        verbose_name_plural = "지급 요청 이력"

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
