"""What every status-change row of payouts holds besides its subject and statuses."""

from django.conf import settings
from django.db import models


class StatusEvent(models.Model):
    """Who made the change, why, and when; the subject and its from/to statuses are the
    subclass's (each with its own status choices)."""

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
        abstract = True
        ordering = ["id"]
