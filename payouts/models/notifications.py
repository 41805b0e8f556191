"""The outbox: notices waiting for the messaging service, readable by operators."""

from django.db import models


class Notification(models.Model):
    """One notice to a recipient (or, with no recipient id, to a blanket grant's segment).

    Written by the default notifier; the messaging service (outside this project) reads and
    delivers them. `key` is unique, so a notice sent twice is written once.
    """

    class Kind(models.TextChoices):
        COUPON_EXPIRY = "coupon_expiry", "쿠폰 만료 안내"
        GRANT_ISSUED = "grant_issued", "일괄 지급 안내"

    key = models.CharField("키", max_length=200, unique=True)
    kind = models.CharField("종류", max_length=32, choices=Kind)
    recipient_kind = models.CharField("대상 계정 종류", max_length=16)
    recipient_id = models.CharField(
        "대상 계정 ID", max_length=64, blank=True, help_text="비어 있으면 일괄 지급 대상 전체."
    )
    title = models.CharField("제목", max_length=200)
    body = models.TextField("내용")
    created_at = models.DateTimeField("작성 시각", auto_now_add=True)

    class Meta:
        verbose_name = "알림 발송함"
        verbose_name_plural = "알림 발송함"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id or '대상 전체'}"
