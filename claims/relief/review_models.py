"""Review of relief applications (issue 13): the committee's decisions, the evidence files the
committee reads, and the audit of a random sample of the auto-approved applications.

Decisions and audit results are append-only: a row is written once and never changed (the
models refuse it); a second decision on the same application is refused by a unique key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible

from claims.relief.models import ReliefApplication
from config.evidence import SettingRootStorage
from policies.models import ReliefProgramVersion


@deconstructible(path="claims.relief.review_models.ReliefEvidenceStorage")
class ReliefEvidenceStorage(SettingRootStorage):
    """Relief evidence under CLAIMS_EVIDENCE_ROOT, like a claim's; never served as static
    files. Its own class because the claims models import this module, not the other way
    round."""

    root_setting = "CLAIMS_EVIDENCE_ROOT"


class AppendOnly(Exception):
    """A decision or audit row was about to be changed or deleted."""


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise AppendOnly(f"{self._meta.verbose_name}은(는) 고칠 수 없습니다(추가만 가능).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnly(f"{self._meta.verbose_name}은(는) 지울 수 없습니다.")


class ReliefDecision(AppendOnlyModel):
    """The committee's decision on one application in committee review: approved with an
    amount (원) or rejected, with the reason, who decided, when and under which version."""

    class Kind(models.TextChoices):
        APPROVE = "approve", "승인"
        REJECT = "reject", "기각"

    application = models.OneToOneField(
        ReliefApplication,
        verbose_name="신청",
        on_delete=models.PROTECT,
        related_name="decision",
    )
    program_version = models.ForeignKey(
        ReliefProgramVersion,
        verbose_name="프로그램 버전",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="심의 시점의 신청 판정 버전",
    )
    kind = models.CharField("결정", max_length=16, choices=Kind)
    amount = models.PositiveBigIntegerField(
        "지원금", null=True, blank=True, help_text="원. 승인에만."
    )
    reason = models.TextField("사유")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="결정자", on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("결정 시각")

    class Meta:
        verbose_name = "협의체 결정"
        verbose_name_plural = "협의체 결정"
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="approve") & Q(amount__gt=0))
                | (Q(kind="reject") & Q(amount__isnull=True)),
                name="reliefdecision_amount_iff_approve",
                violation_error_message="승인에만 지원금(0보다 큰 원)이 있습니다.",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="reliefdecision_reason_required",
                violation_error_message="결정 사유가 필요합니다.",
            ),
        ]

    def __str__(self) -> str:
        what = f" {self.amount:,}원" if self.amount else ""
        return f"신청 #{self.application_id} {self.get_kind_display()}{what}"


class ReliefEvidenceFile(models.Model):
    """A file attached to a relief application for the committee, stored like a claim's
    evidence (SHA-256 of what is kept, type read from the bytes, size limit). Files are
    added, never replaced."""

    application = models.ForeignKey(
        ReliefApplication,
        verbose_name="신청",
        on_delete=models.PROTECT,
        related_name="evidence_files",
    )
    kind = models.SlugField("증빙 종류", max_length=40, help_text="프로그램 버전의 필수 증빙 코드")
    file = models.FileField("파일", upload_to="relief/%Y/%m/", storage=ReliefEvidenceStorage())
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
    uploaded_at = models.DateTimeField("올린 시각", auto_now_add=True)

    class Meta:
        verbose_name = "피해 지원 증빙 파일"
        verbose_name_plural = "피해 지원 증빙 파일"
        ordering = ["application_id", "id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.size:,}바이트)"


class ReliefAuditDraw(AppendOnlyModel):
    """One draw of the audit sample of a program: the version's percentage and seed, how many
    auto-approved applications there were and how many were drawn."""

    program_version = models.ForeignKey(
        ReliefProgramVersion,
        verbose_name="프로그램 버전",
        on_delete=models.PROTECT,
        related_name="+",
    )
    percent = models.PositiveSmallIntegerField("표본 비율", help_text="퍼센트")
    seed = models.PositiveIntegerField("시드")
    population = models.PositiveIntegerField("모집단", help_text="건. 자동 승인된 신청 수")
    drawn = models.PositiveIntegerField("표본", help_text="건")
    newly_marked = models.PositiveIntegerField("새로 표시", help_text="건")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="추출자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    drawn_at = models.DateTimeField("추출 시각")

    class Meta:
        verbose_name = "감사 표본 추출"
        verbose_name_plural = "감사 표본 추출"
        ordering = ["-drawn_at", "-id"]

    def __str__(self) -> str:
        return f"{self.program_version} 표본 {self.drawn:,}/{self.population:,}건"


class ReliefAuditResult(AppendOnlyModel):
    """The audit of one sampled application: passed or failed, with a note."""

    class Result(models.TextChoices):
        PASSED = "passed", "적정"
        FAILED = "failed", "부적정"

    application = models.OneToOneField(
        ReliefApplication,
        verbose_name="신청",
        on_delete=models.PROTECT,
        related_name="audit_result",
    )
    result = models.CharField("감사 결과", max_length=16, choices=Result)
    note = models.CharField("의견", max_length=300)
    audited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="감사자", on_delete=models.PROTECT, related_name="+"
    )
    audited_at = models.DateTimeField("감사 시각")

    class Meta:
        verbose_name = "감사 결과"
        verbose_name_plural = "감사 결과"
        ordering = ["-audited_at", "-id"]

    def __str__(self) -> str:
        return f"신청 #{self.application_id} {self.get_result_display()}"


class CommitteeQueueItem(ReliefApplication):
    """Applications waiting for the committee (a proxy: the admin's queue)."""

    class Meta:
        proxy = True
        verbose_name = "협의체 심의 대기"
        verbose_name_plural = "협의체 심의 대기"
        permissions = [
            ("decide_reliefapplication", "피해 지원 신청을 심의 결정할 수 있음"),
            ("view_relief_dashboard", "피해 지원 프로그램 현황을 볼 수 있음"),
        ]


class AuditSampleItem(ReliefApplication):
    """Applications drawn for the audit (a proxy: the admin's audit list)."""

    class Meta:
        proxy = True
        verbose_name = "감사 표본"
        verbose_name_plural = "감사 표본"
        permissions = [("audit_reliefapplication", "피해 지원 신청의 감사 결과를 기록할 수 있음")]
