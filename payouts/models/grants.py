"""Blanket grants: one instrument to every account of a segment."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible

from payouts.models.choices import AMOUNT_INSTRUMENTS, COUNT_INSTRUMENTS, Instrument, RecipientKind
from payouts.models.events import StatusEvent


@deconstructible(path="payouts.models.GrantUploadStorage")
class GrantUploadStorage(FileSystemStorage):
    """Recipient CSVs of blanket grants, under PAYOUTS_UPLOAD_ROOT (read at each use, so tests
    can point it at a temporary directory)."""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.PAYOUTS_UPLOAD_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)


class BlanketGrant(models.Model):
    """A program's grant to every account of a segment (e.g. 3 emoticons to every user).

    Its recipients become payout requests keyed `grant:{code}:{kind}:{id}`, so loading the same
    recipients again adds nothing.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "작성"
        # Recipients are being loaded (by a worker); `updated_at` moves with every slice, so a
        # load that stopped moving was left by a dead worker and the stalled-work sweep runs
        # it again (loading is idempotent).
        LOADING = "loading", "대상 적재 중"
        LOADED = "loaded", "대상 적재됨"
        ISSUING = "issuing", "지급 중"
        DONE = "done", "완료"
        # Loading stopped part-way (a bad line of the CSV, a worker error): the rows loaded so
        # far stay pending but the nightly sweep leaves them alone until a load succeeds.
        FAILED = "failed", "실패"

    # from -> allowed targets; every change goes through services.grant_status, which checks
    # this and writes a BlanketGrantEvent. A load may run again from any state but issuing (it
    # adds only the missing recipients); only a complete load releases a grant to its batch.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.LOADING, Status.LOADED, Status.FAILED}),
        Status.LOADING: frozenset({Status.LOADED, Status.DONE, Status.FAILED}),
        Status.LOADED: frozenset({Status.LOADING, Status.ISSUING, Status.DONE, Status.FAILED}),
        # A released grant never fails: its batch issues what was loaded; a later error is
        # recorded on the grant without moving it.
        Status.ISSUING: frozenset({Status.DONE}),
        Status.DONE: frozenset({Status.LOADING, Status.LOADED, Status.ISSUING}),
        Status.FAILED: frozenset({Status.LOADING, Status.LOADED}),
    }

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
    # Set when a worker runs the grant (admin, task): a load it leaves half-done is run again by
    # the stalled-load sweep. A command-line load (its CSV is a local file) is never resumed.
    run_by_worker = models.BooleanField("작업자 실행", default=False, db_default=False)
    synthetic_count = models.PositiveIntegerField(
        "합성 대상 수", null=True, blank=True, help_text="시연·벤치마크용 가상 계정 수."
    )
    status = models.CharField("상태", max_length=16, choices=Status, default=Status.DRAFT)
    recipients_count = models.PositiveBigIntegerField("대상 수", default=0)
    error = models.TextField(
        "오류",
        blank=True,
        default="",
        db_default="",
        help_text="적재·실행 실패 사유 (CSV 행 번호 포함).",
    )
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


class BlanketGrantEvent(StatusEvent):
    """One status change of a blanket grant: who, from, to, why, when."""

    grant = models.ForeignKey(
        BlanketGrant, verbose_name="일괄 지급", on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField("이전 상태", max_length=16, choices=BlanketGrant.Status)
    to_status = models.CharField("변경 상태", max_length=16, choices=BlanketGrant.Status)

    class Meta(StatusEvent.Meta):
        verbose_name = "일괄 지급 이력"
        verbose_name_plural = "일괄 지급 이력"

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"
