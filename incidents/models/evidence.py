"""Evidence files of RM incidents, kept with their SHA-256 (config.evidence does the checks)."""

from django.conf import settings
from django.db import models
from django.utils.deconstruct import deconstructible

from config.evidence import TYPE_LABELS, SettingRootStorage
from incidents.models.rm import Incident


@deconstructible(path="incidents.models.evidence.IncidentEvidenceStorage")
class IncidentEvidenceStorage(SettingRootStorage):
    """Files under INCIDENTS_EVIDENCE_ROOT."""

    root_setting = "INCIDENTS_EVIDENCE_ROOT"


class IncidentEvidence(models.Model):
    """A file attached to an incident: its SHA-256, size and type as read from its bytes, who
    uploaded it and when. Files are added, never replaced."""

    incident = models.ForeignKey(
        Incident, verbose_name="RM 사고", on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField("파일", upload_to="%Y/%m/", storage=IncidentEvidenceStorage())
    original_name = models.CharField("원래 파일 이름", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveBigIntegerField("크기", help_text="바이트")
    content_type = models.CharField("형식", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="올린 사람",
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("올린 시각")

    class Meta:
        verbose_name = "사고 증빙 파일"
        verbose_name_plural = "사고 증빙 파일"
        ordering = ["incident_id", "id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.size:,}바이트)"

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.content_type, self.content_type)
