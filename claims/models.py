"""Claims: a case filed by an agent, its tier-by-tier decisions and its history.

A claim keeps the policy version it was filed under and the facts entered; every offer and
amount is recomputed from those two on the server, never taken from a client. Decisions are
append-only (the model refuses changes; on PostgreSQL a trigger refuses them for every client).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible

from config.evidence import SettingRootStorage
from payouts.models import Instrument

MAX_TIER = 3


class Claim(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "진행 중"
        GRANTED = "granted", "지급 결정"
        REFUSED = "refused", "최종 거부"
        REJECTED = "rejected", "기각"
        CANCELLED = "cancelled", "취소"

    # from → the states a service may move the claim to. An open claim also stays open when a
    # refusal moves it to the next tier.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPEN: frozenset(
            {Status.OPEN, Status.GRANTED, Status.REFUSED, Status.REJECTED, Status.CANCELLED}
        ),
        Status.GRANTED: frozenset(),
        Status.REFUSED: frozenset(),
        Status.REJECTED: frozenset(),
        Status.CANCELLED: frozenset(),
    }

    rule = models.CharField(
        "유형", max_length=80, help_text="정책의 유형 코드, 예: fare.wrong_amount_entered"
    )
    row = models.CharField("유형상세", max_length=64, help_text="사실이 해당한 정책 행의 코드")
    target = models.CharField(
        "대상", max_length=16, choices=[("customer", "고객"), ("driver", "기사")]
    )
    call_id = models.CharField("콜 ID", max_length=64)
    call_type = models.CharField(
        "콜 종류", max_length=32, blank=True, help_text="예: 일반, 프리미엄, 예약"
    )
    called_at = models.DateTimeField("호출 시각", null=True, blank=True)
    customer_id = models.CharField("고객 ID", max_length=64, blank=True)
    driver_id = models.CharField("기사 ID", max_length=64, blank=True)
    policy_version = models.PositiveIntegerField("정책 버전")
    facts = models.JSONField("사실", default=dict)
    memo = models.TextField("메모", blank=True)
    status = models.CharField("상태", max_length=16, choices=Status, default=Status.OPEN)
    tier = models.PositiveSmallIntegerField("현재 차수", default=1)
    waiting_for = models.CharField(
        "결정 권한",
        max_length=16,
        choices=[("agent", "상담사"), ("manager", "관리자")],
        default="agent",
        help_text="현재 차수를 결정할 수 있는 역할 (정책의 권한 데이터에서)",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="접수자",
        on_delete=models.PROTECT,
        related_name="claims_filed",
    )
    created_at = models.DateTimeField("접수 시각", auto_now_add=True)
    updated_at = models.DateTimeField("변경 시각", auto_now=True)

    class Meta:
        verbose_name = "클레임"
        verbose_name_plural = "클레임"
        ordering = ["-id"]
        permissions = [("view_all_claim", "모든 클레임 조회")]
        constraints = [
            models.CheckConstraint(
                condition=Q(tier__gte=1) & Q(tier__lte=MAX_TIER), name="claim_tier_range"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "waiting_for", "created_at"], name="claim_queue"),
            models.Index(fields=["call_id", "rule"], name="claim_call_rule"),
            models.Index(fields=["created_by", "-id"], name="claim_filed_by"),
        ]

    def __str__(self) -> str:
        return f"클레임 #{self.pk}"

    @property
    def claimant_id(self) -> str:
        return self.customer_id if self.target == "customer" else self.driver_id

    def party_id(self, kind: str) -> str:
        return {"customer": self.customer_id, "driver": self.driver_id}.get(kind, "")


class EscalatedClaim(Claim):
    """The console's escalation queue: open claims whose current tier needs a manager."""

    class Meta:
        proxy = True
        verbose_name = "에스컬레이션 대기 클레임"
        verbose_name_plural = "에스컬레이션 대기"


class ClaimDecision(models.Model):
    """One tier's decision: granted, refused, or the claim rejected or cancelled at that tier.

    One per claim and tier (a unique key): two managers granting at once give one decision.
    """

    class Kind(models.TextChoices):
        GRANTED = "granted", "지급"
        REFUSED = "refused", "거부"
        REJECTED = "rejected", "기각"
        CANCELLED = "cancelled", "취소"

    claim = models.ForeignKey(
        Claim, verbose_name="클레임", on_delete=models.PROTECT, related_name="decisions"
    )
    ref = models.CharField(
        "결정 번호",
        max_length=40,
        unique=True,
        help_text="claim-{클레임}-t{차수}: 지급 요청의 출처",
    )
    tier = models.PositiveSmallIntegerField("차수")
    kind = models.CharField("결정", max_length=16, choices=Kind)
    outcome_kind = models.CharField("정책 결과", max_length=32, blank=True)
    amount = models.BigIntegerField(
        "지급액",
        null=True,
        blank=True,
        help_text="원 (포인트는 P): 범위에서 고른 금액, 또는 논의 결정 금액",
    )
    instrument = models.CharField("지급수단", max_length=32, blank=True, choices=Instrument)
    paid_total = models.PositiveBigIntegerField(
        "지급 합계",
        default=0,
        help_text="원 (포인트 포함): 이 결정이 요청한 지급액의 합. 한도 계산에 씀.",
    )
    effects = models.JSONField(
        "효과", default=list, help_text="결정 시점에 다시 계산한 효과와 금액"
    )
    policy_version = models.PositiveIntegerField("정책 버전")
    row = models.CharField("유형상세", max_length=64)
    reason = models.TextField("사유", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="결정자", on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("결정 시각", auto_now_add=True)

    class Meta:
        verbose_name = "클레임 결정"
        verbose_name_plural = "클레임 결정"
        ordering = ["claim_id", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "tier"], name="claimdecision_one_per_tier"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="claimdecision_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier}차 {self.get_kind_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("클레임 결정은 수정할 수 없습니다 (추가만 가능).")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("클레임 결정은 삭제할 수 없습니다.")


class ClaimEvent(models.Model):
    """A row per change of a claim: who, from, to, why, when."""

    claim = models.ForeignKey(
        Claim, verbose_name="클레임", on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField("이전 상태", max_length=16, choices=Claim.Status, blank=True)
    to_status = models.CharField("새 상태", max_length=16, choices=Claim.Status)
    from_tier = models.PositiveSmallIntegerField("이전 차수", null=True, blank=True)
    to_tier = models.PositiveSmallIntegerField("새 차수")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="처리자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField("사유", blank=True)
    at = models.DateTimeField("시각", auto_now_add=True)

    class Meta:
        verbose_name = "클레임 이력"
        verbose_name_plural = "클레임 이력"
        ordering = ["claim_id", "id"]

    def __str__(self) -> str:
        before = self.get_from_status_display() if self.from_status else "접수"
        return f"{before} → {self.get_to_status_display()} ({self.to_tier}차)"


@deconstructible(path="claims.models.EvidenceStorage")
class EvidenceStorage(SettingRootStorage):
    """Evidence files under CLAIMS_EVIDENCE_ROOT; never served as static files."""

    root_setting = "CLAIMS_EVIDENCE_ROOT"


class ClaimEvidence(models.Model):
    """A file attached to a claim: its SHA-256, size and type as read from its bytes, who
    uploaded it and when. Kept as uploaded: files are added, never replaced."""

    claim = models.ForeignKey(
        Claim, verbose_name="클레임", on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField("파일", upload_to="%Y/%m/", storage=EvidenceStorage())
    original_name = models.CharField("원래 파일 이름", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveBigIntegerField("크기", help_text="바이트")
    content_type = models.CharField("형식", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="올린 사람", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    uploaded_at = models.DateTimeField("올린 시각", auto_now_add=True)

    class Meta:
        verbose_name = "증빙 파일"
        verbose_name_plural = "증빙 파일"
        ordering = ["claim_id", "id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.size:,}바이트)"

    @property
    def type_label(self) -> str:
        return {
            "image/jpeg": "JPEG 이미지",
            "image/png": "PNG 이미지",
            "application/pdf": "PDF",
        }.get(self.content_type, self.content_type)


class ClaimIncidentLink(models.Model):
    """A claim linked to the RM incident it belongs with (both ways: the claim's page and the
    incident's detail list it). The link lives here: claims know incidents, not the reverse."""

    claim = models.ForeignKey(
        Claim, verbose_name="클레임", on_delete=models.PROTECT, related_name="incident_links"
    )
    incident = models.ForeignKey(
        "incidents.Incident", verbose_name="RM 사고", on_delete=models.PROTECT, related_name="+"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="연결한 사람", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    at = models.DateTimeField("연결 시각")

    class Meta:
        verbose_name = "클레임·RM 사고 연결"
        verbose_name_plural = "클레임·RM 사고 연결"
        ordering = ["incident_id", "claim_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "incident"],
                name="claimincidentlink_once",
                violation_error_message="이 클레임은 이 RM 사고에 이미 연결되어 있습니다.",
            ),
        ]
        indexes = [models.Index(fields=["incident", "claim"], name="claimlink_by_incident")]

    def __str__(self) -> str:
        return f"클레임 #{self.claim_id} ↔ RM 사고 #{self.incident_id}"


# Relief applications live in their own package (claims.relief); imported here so Django
# registers them with the claims app.
from claims.relief.models import (  # noqa: E402
    DamageClass,
    ReliefApplication,
    ReliefApplicationEvent,
    ReliefApplicationGrant,
    ReliefImport,
    ReporterType,
)
from claims.relief.review_models import (  # noqa: E402
    AuditSampleItem,
    CommitteeQueueItem,
    ReliefAuditDraw,
    ReliefAuditResult,
    ReliefDecision,
    ReliefEvidenceFile,
)

__all__ = [
    "AuditSampleItem",
    "Claim",
    "ClaimDecision",
    "ClaimEvent",
    "ClaimEvidence",
    "ClaimIncidentLink",
    "CommitteeQueueItem",
    "DamageClass",
    "EscalatedClaim",
    "ReliefApplication",
    "ReliefApplicationEvent",
    "ReliefApplicationGrant",
    "ReliefAuditDraw",
    "ReliefAuditResult",
    "ReliefDecision",
    "ReliefEvidenceFile",
    "ReliefImport",
    "ReporterType",
]
