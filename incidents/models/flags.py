"""Flags RM raises on accounts from their incidents (사고다발): which incidents caused it,
when it was raised and when it was cleared."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from incidents.models.accounts import Account
from incidents.models.rm import Incident


class AccountFlag(models.Model):
    class Kind(models.TextChoices):
        REPEAT_ACCIDENTS = "repeat_accidents", "사고다발"

    account = models.ForeignKey(
        Account, verbose_name="계정", on_delete=models.PROTECT, related_name="flags"
    )
    kind = models.CharField("구분", max_length=32, choices=Kind)
    incidents = models.ManyToManyField(
        Incident, verbose_name="원인 사고", related_name="account_flags", blank=True
    )
    reason = models.CharField(
        "판정 근거", max_length=200, help_text="예: 365일 안의 대리 사고 3건 (기준 3건)"
    )
    raised_at = models.DateTimeField("지정 시각")
    cleared_at = models.DateTimeField("해제 시각", null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="해제한 사람",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    clear_reason = models.CharField("해제 사유", max_length=200, blank=True)

    class Meta:
        verbose_name = "계정 플래그"
        verbose_name_plural = "계정 플래그 (사고다발)"
        ordering = ["-raised_at", "-id"]
        constraints = [
            # One standing flag of a kind per account: re-evaluations update it.
            models.UniqueConstraint(
                fields=["account", "kind"],
                condition=Q(cleared_at__isnull=True),
                name="accountflag_one_open_per_kind",
                violation_error_message="이 계정에 같은 플래그가 이미 있습니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.get_kind_display()}"
