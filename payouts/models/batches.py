"""Issue batches and their chunks, with completion tracked in the database."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from payouts.models.grants import BlanketGrant


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
    skipped = models.PositiveBigIntegerField(
        "건너뜀",
        default=0,
        db_default=0,
        help_text="계획했지만 다른 경로(다른 배치, 개별 지급, 취소)가 먼저 처리한 건수.",
    )
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
    """A slice of a batch: the pending requests with first_id <= id <= last_id (in a one-pass
    grant's batch, the ids its slice created; slices run side by side, so ranges may overlap).

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
    skipped = models.PositiveIntegerField("건너뜀", default=0, db_default=0)
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
