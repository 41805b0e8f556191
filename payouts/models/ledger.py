"""The append-only ledger of what was issued."""

from django.db import models

from payouts.models.batches import PayoutBatch
from payouts.models.choices import Instrument, PaymentAction, RecipientKind, SourceKind
from payouts.models.grants import BlanketGrant
from payouts.models.requests import PayoutRequest


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
    # The grant and the batch are copies (the request names its grant; the batch is the run
    # that wrote the row), so the database does not check them row by row: on a grant of
    # millions, those two checks cost as much as writing the ledger itself. Neither is ever
    # deleted (no role may), and the ORM still refuses to (PROTECT). The request, the row's
    # identity, keeps its database constraint.
    grant = models.ForeignKey(
        BlanketGrant,
        verbose_name="일괄 지급",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_constraint=False,
    )
    batch = models.ForeignKey(
        PayoutBatch,
        verbose_name="배치",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_constraint=False,
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
