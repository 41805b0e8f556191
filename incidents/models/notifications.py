"""Notifications to RM users (알림): a row per thing a user should know of, read or not."""

from django.conf import settings
from django.db import models

from incidents.models.rm import Incident


class IncidentNotification(models.Model):
    """One notice to one user about one incident; each kind at most once per user, case and
    breach (a reopened case that breaches again notifies again)."""

    class Kind(models.TextChoices):
        SLA_BREACHED = "sla_breached", "SLA 기한 초과"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="받는 사람",
        on_delete=models.CASCADE,
        related_name="incident_notifications",
    )
    incident = models.ForeignKey(
        Incident, verbose_name="RM 사고", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField("구분", max_length=16, choices=Kind)
    message = models.CharField("내용", max_length=200)
    created_at = models.DateTimeField("알림 시각")
    breach_at = models.DateTimeField(
        "초과 확인 시각", help_text="알린 SLA 초과의 확인 시각 (초과마다 한 번 알림)."
    )
    read_at = models.DateTimeField("읽은 시각", null=True, blank=True)
    mailed_at = models.DateTimeField(
        "메일 발송 시각", null=True, blank=True, help_text="메일 주소가 있고 메일이 설정된 경우."
    )

    class Meta:
        verbose_name = "RM 알림"
        verbose_name_plural = "RM 알림"
        ordering = ["-created_at", "-id"]
        constraints = [
            # The sweep and a retry of it may both try: the notice of a breach exists once.
            # A reopened case's clock restarts, so a later breach is another notice.
            models.UniqueConstraint(
                fields=["user", "incident", "kind", "breach_at"],
                name="incidentnotification_once",
                violation_error_message="이 알림은 이미 있습니다.",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="incidentnotification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · #{self.incident_id} {self.get_kind_display()}"
