"""Payout requests, their issue batches, the append-only ledger and blanket grants.

Money is integer 원 (`amount`); vouchers and emoticons are counted (`count`); payment actions
carry an action code. A request is issued at most once: its ledger entry is unique per
request, and every status change is a compare-and-set checked against `TRANSITIONS`.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible


@deconstructible
class GrantUploadStorage(FileSystemStorage):
    """Recipient CSVs of blanket grants, under PAYOUTS_UPLOAD_ROOT (read at each use, so tests
    can point it at a temporary directory)."""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.PAYOUTS_UPLOAD_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)


class RecipientKind(models.TextChoices):
    CUSTOMER = "customer", "고객"
    DRIVER = "driver", "기사"
    BUSINESS = "business", "사업자"
    TRUKA_MEMBER = "truka_member", "트루카 회원"


class Instrument(models.TextChoices):
    COUPON = "coupon", "고객 쿠폰"
    POINTS = "points", "기사 포인트"
    PRO_VOUCHER = "pro_voucher", "프단권"
    DISPATCH_VOUCHER = "dispatch_voucher", "단배권"
    PAYMENT_ACTION = "payment_action", "결제 조치"
    EMOTICON = "emoticon", "이모티콘"
    CHANNEL_CASH = "channel_cash", "채널 메시지 캐시"
    TRANSPORT_SUPPORT = "transport_support", "교통비 지원"


# Which instruments are money, which are counted, which are an action on a payment.
AMOUNT_INSTRUMENTS = frozenset(
    {Instrument.COUPON, Instrument.POINTS, Instrument.CHANNEL_CASH, Instrument.TRANSPORT_SUPPORT}
)
COUNT_INSTRUMENTS = frozenset(
    {Instrument.PRO_VOUCHER, Instrument.DISPATCH_VOUCHER, Instrument.EMOTICON}
)


class PaymentAction(models.TextChoices):
    CANCEL_PAYMENT = "cancel_payment", "결제취소"
    RECHARGE = "recharge", "재결제"
    FORCED_DISCOUNT = "forced_discount", "강제할인"
    WAIVE_NO_SHOW_FEE = "waive_no_show_fee", "노쇼수수료 취소"


class SourceKind(models.TextChoices):
    CLAIM_DECISION = "claim_decision", "클레임 결정"
    RELIEF_APPLICATION = "relief_application", "피해 지원 신청"
    PROGRAM_GRANT = "program_grant", "프로그램 일괄 지급"


class BlanketGrant(models.Model):
    """A program's grant to every account of a segment (e.g. 3 emoticons to every user).

    Its recipients become payout requests keyed `grant:{code}:{kind}:{id}`, so loading the same
    recipients again adds nothing.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "작성"
        LOADED = "loaded", "대상 적재됨"
        ISSUING = "issuing", "지급 중"
        DONE = "done", "완료"

    code = models.SlugField("코드", max_length=64, unique=True)
    name = models.CharField("이름", max_length=200)
    instrument = models.CharField("지급수단", max_length=32, choices=Instrument)
    recipient_kind = models.CharField("대상 계정 종류", max_length=16, choices=RecipientKind)
    amount = models.PositiveBigIntegerField("금액", null=True, blank=True, help_text="원.")
    count = models.PositiveIntegerField("수량", null=True, blank=True, help_text="장/개.")
    validity_days = models.PositiveSmallIntegerField(
        "유효기간", null=True, blank=True, help_text="일. 비우면 무기한(쿠폰은 정책 버전 값)."
    )
    policy_version = models.PositiveIntegerField("정책 버전", null=True, blank=True)
    program = models.SlugField(
        "프로그램",
        max_length=64,
        blank=True,
        help_text="피해 지원 프로그램 코드 (예: outage-1015).",
    )
    segment = models.TextField("대상 설명", blank=True, help_text="예: 1015 장애 당시 전체 이용자")
    recipients_csv = models.FileField(
        "대상 CSV",
        upload_to="grants/",
        storage=GrantUploadStorage(),
        blank=True,
        help_text="한 줄에 계정 ID 하나. 첫 줄이 recipient_id 이면 머리글로 건너뜁니다.",
    )
    synthetic_count = models.PositiveIntegerField(
        "합성 대상 수", null=True, blank=True, help_text="시연·벤치마크용 가상 계정 수."
    )
    status = models.CharField("상태", max_length=16, choices=Status, default=Status.DRAFT)
    recipients_count = models.PositiveBigIntegerField("대상 수", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="작성자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("작성 시각", auto_now_add=True)
    updated_at = models.DateTimeField("수정 시각", auto_now=True)

    class Meta:
        verbose_name = "일괄 지급"
        verbose_name_plural = "일괄 지급"
        ordering = ["-id"]
        permissions = [("run_blanketgrant", "일괄 지급을 실행할 수 있음")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(count__isnull=False),
                name="blanketgrant_has_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, str] = {}
        if self.instrument == Instrument.PAYMENT_ACTION:
            errors["instrument"] = "결제 조치는 일괄 지급할 수 없습니다."
        elif self.instrument in AMOUNT_INSTRUMENTS:
            if not self.amount:
                errors["amount"] = "이 지급수단은 금액(원)이 필요합니다."
            if self.count is not None:
                errors["count"] = "이 지급수단은 수량이 아니라 금액으로 줍니다."
        elif self.instrument in COUNT_INSTRUMENTS:
            if not self.count:
                errors["count"] = "이 지급수단은 수량(장/개)이 필요합니다."
            if self.amount is not None:
                errors["amount"] = "이 지급수단은 금액이 아니라 수량으로 줍니다."
        if errors:
            raise ValidationError(errors)


class PayoutRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "대기"
        ISSUED = "issued", "지급됨"
        FAILED = "failed", "실패"
        CANCELLED = "cancelled", "취소"

    # from -> allowed targets. A retry sends a failed request back to pending; issued and
    # cancelled are final (an issued grant is corrected by a new request, never undone).
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.PENDING: frozenset({Status.ISSUED, Status.FAILED, Status.CANCELLED}),
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
    last_error = models.TextField("마지막 오류", blank=True, default="", db_default="")
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
        permissions = [("retry_payoutrequest", "실패한 지급 요청을 재시도할 수 있음")]
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


class PayoutRequestEvent(models.Model):
    """One state change of one request made by a single-request service (who, from, to, why).

    Bulk paths (chunks of a batch) record on the chunk instead of a row per request.
    """

    request = models.ForeignKey(
        PayoutRequest, verbose_name="지급 요청", on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField("이전 상태", max_length=16, choices=PayoutRequest.Status)
    to_status = models.CharField("변경 상태", max_length=16, choices=PayoutRequest.Status)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="처리자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField("사유", blank=True)
    created_at = models.DateTimeField("시각", auto_now_add=True)

    class Meta:
        verbose_name = "지급 요청 이력"
        verbose_name_plural = "지급 요청 이력"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class PayoutBatch(models.Model):
    class Kind(models.TextChoices):
        NIGHTLY = "nightly", "야간 일괄"
        BLANKET = "blanket", "일괄 지급"
        RETRY = "retry", "재시도"

    class Status(models.TextChoices):
        RUNNING = "running", "진행 중"
        FINISHED = "finished", "완료"

    kind = models.CharField("종류", max_length=16, choices=Kind)
    run_date = models.DateField("실행 일자", null=True, blank=True, help_text="Asia/Seoul 날짜.")
    grant = models.ForeignKey(
        BlanketGrant,
        verbose_name="일괄 지급",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batches",
    )
    status = models.CharField("상태", max_length=16, choices=Status, default=Status.RUNNING)
    chunk_size = models.PositiveIntegerField("청크 크기")
    chunks_total = models.PositiveIntegerField("청크 수", default=0)
    chunks_finished = models.PositiveIntegerField("완료 청크 수", default=0)
    total = models.PositiveBigIntegerField(
        "대상 건수", default=0, help_text="계획 시점의 대기 건수."
    )
    done = models.PositiveBigIntegerField("지급 건수", default=0)
    failed = models.PositiveBigIntegerField("실패 건수", default=0)
    processed = models.PositiveBigIntegerField(
        "처리 건수", default=0, help_text="완료된 청크의 계획 건수 합. 진행률의 분자."
    )
    note = models.TextField("메모", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="실행자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField("시작 시각", auto_now_add=True)
    finished_at = models.DateTimeField("종료 시각", null=True, blank=True)

    class Meta:
        verbose_name = "지급 배치"
        verbose_name_plural = "지급 배치"
        ordering = ["-id"]
        constraints = [
            # Two beat processes firing at 02:00 must give one nightly run: the second insert
            # fails on this and the service returns the first run.
            models.UniqueConstraint(
                fields=["run_date"],
                condition=Q(kind="nightly"),
                name="payoutbatch_one_nightly_per_date",
            ),
            models.CheckConstraint(
                condition=~Q(kind="nightly") | Q(run_date__isnull=False),
                name="payoutbatch_nightly_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(kind="blanket") | Q(grant__isnull=False),
                name="payoutbatch_blanket_has_grant",
            ),
        ]

    def __str__(self) -> str:
        when = self.run_date.isoformat() if self.run_date else f"#{self.pk}"
        return f"{self.get_kind_display()} {when}"

    @property
    def progress_percent(self) -> int:
        if self.total == 0:
            return 100 if self.status == self.Status.FINISHED else 0
        return min(100, self.processed * 100 // self.total)


class PayoutChunk(models.Model):
    """A slice of a batch: the pending requests with first_id <= id <= last_id.

    Completion is tracked here (compare-and-set on `status`), not by a chord callback, so a
    lost or redelivered message never loses or doubles a count.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "대기"
        RUNNING = "running", "진행 중"
        DONE = "done", "완료"

    batch = models.ForeignKey(
        PayoutBatch, verbose_name="배치", on_delete=models.CASCADE, related_name="chunks"
    )
    index = models.PositiveIntegerField("순번")
    first_id = models.BigIntegerField("첫 요청 ID")
    last_id = models.BigIntegerField("마지막 요청 ID")
    status = models.CharField("상태", max_length=16, choices=Status, default=Status.PENDING)
    total = models.PositiveIntegerField("계획 건수")
    done = models.PositiveIntegerField("지급 건수", default=0)
    failed = models.PositiveIntegerField("실패 건수", default=0)
    runs = models.PositiveIntegerField("실행 횟수", default=0)
    started_at = models.DateTimeField("시작 시각", null=True, blank=True)
    finished_at = models.DateTimeField("종료 시각", null=True, blank=True)

    class Meta:
        verbose_name = "지급 청크"
        verbose_name_plural = "지급 청크"
        ordering = ["batch", "index"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "index"], name="payoutchunk_unique_index"),
            models.CheckConstraint(
                condition=Q(first_id__lte=models.F("last_id")), name="payoutchunk_range_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.index} [{self.first_id}..{self.last_id}]"


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise LedgerIsAppendOnly("원장은 수정할 수 없습니다.")

    def delete(self):  # type: ignore[no-untyped-def]
        raise LedgerIsAppendOnly("원장은 삭제할 수 없습니다.")


class LedgerIsAppendOnly(Exception):
    pass


class LedgerEntry(models.Model):
    """What was issued. Append-only: rows are never updated or deleted (the model refuses it,
    and on PostgreSQL a trigger refuses it for raw SQL too). One entry per request."""

    request = models.OneToOneField(
        PayoutRequest,
        verbose_name="지급 요청",
        on_delete=models.PROTECT,
        related_name="ledger_entry",
    )
    recipient_kind = models.CharField("대상 계정 종류", max_length=16, choices=RecipientKind)
    recipient_id = models.CharField("대상 계정 ID", max_length=64)
    instrument = models.CharField("지급수단", max_length=32, choices=Instrument)
    amount = models.PositiveBigIntegerField("금액", null=True, blank=True, help_text="원.")
    count = models.PositiveIntegerField("수량", null=True, blank=True)
    action = models.CharField("결제 조치", max_length=32, choices=PaymentAction, blank=True)
    source_kind = models.CharField("출처", max_length=32, choices=SourceKind)
    source_ref = models.CharField("출처 참조", max_length=100, blank=True)
    program = models.CharField("프로그램", max_length=64, blank=True)
    grant = models.ForeignKey(
        BlanketGrant,
        verbose_name="일괄 지급",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    batch = models.ForeignKey(
        PayoutBatch,
        verbose_name="배치",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    issued_at = models.DateTimeField("지급 시각")
    issuer = models.CharField("발급 경로", max_length=32, help_text="ledger | http")
    external_ref = models.CharField("외부 참조", max_length=100, blank=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = "지급 원장"
        verbose_name_plural = "지급 원장"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["source_kind", "source_ref"], name="ledger_source"),
            models.Index(fields=["program"], name="ledger_program"),
        ]

    def __str__(self) -> str:
        return f"원장 #{self.pk} 요청 #{self.request_id}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise LedgerIsAppendOnly("원장은 수정할 수 없습니다.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise LedgerIsAppendOnly("원장은 삭제할 수 없습니다.")


class CouponReminder(models.Model):
    """A reminder that a coupon expires in `days_before` days; one per coupon and day."""

    class Status(models.TextChoices):
        PENDING = "pending", "발송 대기"
        SENDING = "sending", "발송 중"
        SENT = "sent", "발송됨"
        FAILED = "failed", "발송 실패"

    request = models.ForeignKey(
        PayoutRequest, verbose_name="쿠폰", on_delete=models.CASCADE, related_name="reminders"
    )
    days_before = models.PositiveSmallIntegerField("만료 전 일수")
    due_date = models.DateField("발송일", help_text="Asia/Seoul 날짜.")
    status = models.CharField("상태", max_length=16, choices=Status, default=Status.PENDING)
    channel = models.CharField("채널", max_length=32, blank=True)
    error = models.TextField("오류", blank=True)
    created_at = models.DateTimeField("생성 시각", auto_now_add=True)
    sent_at = models.DateTimeField("발송 시각", null=True, blank=True)

    class Meta:
        verbose_name = "쿠폰 만료 알림"
        verbose_name_plural = "쿠폰 만료 알림"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "days_before"], name="couponreminder_once_per_day"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="couponreminder_due")]

    def __str__(self) -> str:
        return f"쿠폰 #{self.request_id} D-{self.days_before}"
