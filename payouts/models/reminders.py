"""Coupon expiry reminders."""

from django.db import models

from payouts.models.requests import PayoutRequest


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
