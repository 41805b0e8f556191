"""Outage relief applications (DOMAIN.md §5): who applied to which program, under which
version of it, with which facts, what the program's evaluator decided and what it grants.

The first application of a business registration number in a program is the original; any
later one is a duplicate linked to it. Without a business number (users, drivers) the same
holds per applicant account and segment. Unique partial indexes make both race-safe. Bulk
imports are rows of ReliefImport with their progress and counts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from policies.models import (
    AccountKind,
    ReliefChannel,
    ReliefInstrument,
    ReliefProgram,
    ReliefProgramVersion,
    ReliefSegment,
)


class DamageClass(models.TextChoices):
    """Seed 000's classification of a report."""

    PAID_SERVICE = "paid_service", "유료 서비스 피해"
    FREE_SERVICE_LOSS = "free_service_loss", "무료 서비스 금전 피해"
    NO_LOSS = "no_loss", "금전 피해 없음"


class ReporterType(models.TextChoices):
    """Seed 000's reporter types; a driver reports as an individual user."""

    USER = "user", "일반 이용자"
    SMALL_BUSINESS = "small_business", "소상공인"
    COMPANY = "company", "중대형 기업"


REPORTER_TYPE_OF_SEGMENT: dict[str, str] = {
    ReliefSegment.USER: ReporterType.USER,
    ReliefSegment.SMALL_BUSINESS: ReporterType.SMALL_BUSINESS,
    ReliefSegment.COMPANY: ReporterType.COMPANY,
    ReliefSegment.DRIVER: ReporterType.USER,
}


class ReliefApplication(models.Model):
    class Status(models.TextChoices):
        APPROVED = "approved", "승인"
        COMMITTEE_REVIEW = "committee_review", "협의체 심의"
        DUPLICATE = "duplicate", "중복"
        NOT_ELIGIBLE = "not_eligible", "지원 대상 아님"
        COMMITTEE_APPROVED = "committee_approved", "심의 승인"
        COMMITTEE_REJECTED = "committee_rejected", "심의 기각"

    # from → the states a service may move the application to (the committee's decisions).
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.APPROVED: frozenset(),
        Status.COMMITTEE_REVIEW: frozenset({Status.COMMITTEE_APPROVED, Status.COMMITTEE_REJECTED}),
        Status.DUPLICATE: frozenset(),
        Status.NOT_ELIGIBLE: frozenset(),
        Status.COMMITTEE_APPROVED: frozenset(),
        Status.COMMITTEE_REJECTED: frozenset(),
    }

    program = models.ForeignKey(
        ReliefProgram, verbose_name="프로그램", on_delete=models.PROTECT, related_name="+"
    )
    program_version = models.ForeignKey(
        ReliefProgramVersion,
        verbose_name="프로그램 버전",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="판정에 쓴 프로그램 버전",
    )
    segment = models.CharField("대상", max_length=20, choices=ReliefSegment)
    reporter_type = models.CharField("신고 주체", max_length=20, choices=ReporterType)
    applicant_kind = models.CharField("계정 종류", max_length=16, choices=AccountKind)
    applicant_external_id = models.CharField("계정 ID", max_length=64)
    applicant_name = models.CharField("신청인", max_length=100)
    business_number = models.CharField(
        "사업자등록번호", max_length=10, blank=True, help_text="숫자 10자리(하이픈 없이)"
    )
    reported_loss = models.PositiveBigIntegerField(
        "신고 매출 손실", default=0, help_text="원. 신청인이 신고한 금액."
    )
    damage = models.CharField("피해 유형", max_length=20, choices=DamageClass)
    channel = models.CharField("접수 채널", max_length=16, choices=ReliefChannel)
    submitted_at = models.DateTimeField("접수 시각")
    saturdays_worked = models.PositiveSmallIntegerField(
        "토요일 근무", null=True, blank=True, help_text="일. 기사만, 기준 기간 안."
    )
    nights_worked = models.PositiveSmallIntegerField(
        "지정 야간 근무", null=True, blank=True, help_text="일. 기사만, 지정 야간 중."
    )
    status = models.CharField("상태", max_length=20, choices=Status)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name="원 신청",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    source_import = models.ForeignKey(
        "claims.ReliefImport",
        verbose_name="일괄 등록",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    source_line = models.PositiveIntegerField("파일 줄 번호", null=True, blank=True)
    # Set by the audit draw (claims.relief.review); db_default so bulk inserts need not name it.
    audit_sample = models.BooleanField(
        "감사 표본", default=False, db_default=False, help_text="사후 감사 표본으로 뽑힌 신청"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="등록자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("등록 시각", auto_now_add=True)
    updated_at = models.DateTimeField("변경 시각", auto_now=True)

    class Meta:
        verbose_name = "피해 지원 신청"
        verbose_name_plural = "피해 지원 신청"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["program", "status"], name="reliefapp_program_status"),
        ]
        constraints = [
            # The first application of a business number in a program; later ones link to it.
            models.UniqueConstraint(
                fields=["program", "business_number"],
                condition=Q(duplicate_of__isnull=True) & ~Q(business_number=""),
                name="reliefapp_one_original_per_business",
                violation_error_message="이 프로그램에 같은 사업자등록번호의 신청이 이미 있습니다.",
            ),
            # Without a business number: the first application of an account in a segment.
            models.UniqueConstraint(
                fields=["program", "segment", "applicant_external_id"],
                condition=Q(duplicate_of__isnull=True) & Q(business_number=""),
                name="reliefapp_one_original_per_applicant",
                violation_error_message="이 프로그램에 같은 신청인의 신청이 이미 있습니다.",
            ),
            models.CheckConstraint(
                condition=(Q(status="duplicate") & Q(duplicate_of__isnull=False))
                | (~Q(status="duplicate") & Q(duplicate_of__isnull=True)),
                name="reliefapp_duplicate_iff_linked",
                violation_error_message="중복 신청에만 원 신청이 있습니다.",
            ),
            models.CheckConstraint(
                condition=Q(business_number="") | Q(business_number__regex=r"^[0-9]{10}$"),
                name="reliefapp_business_number_digits",
                violation_error_message="사업자등록번호는 숫자 10자리여야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"신청 #{self.pk} ({self.get_status_display()})"


class ReliefApplicationGrant(models.Model):
    """One grant the program's evaluator computed for an application: money (원) or a count
    (items, months), with validity in days where it expires."""

    class Source(models.TextChoices):
        BLANKET = "blanket", "일괄 지원"
        LOSS_TIER = "loss_tier", "손실 구간 지원금"
        DRIVER_BAND = "driver_band", "기사 감사 포인트"
        TRANSPORT = "transport", "교통비 지원"
        COMMITTEE = "committee", "협의체 심의 지원금"

    application = models.ForeignKey(
        ReliefApplication, verbose_name="신청", on_delete=models.CASCADE, related_name="grants"
    )
    instrument = models.CharField("지급수단", max_length=30, choices=ReliefInstrument)
    amount = models.PositiveBigIntegerField("금액", null=True, blank=True, help_text="원.")
    count = models.PositiveIntegerField("수량", null=True, blank=True, help_text="개 또는 개월.")
    validity_days = models.PositiveSmallIntegerField(
        "유효기간", null=True, blank=True, help_text="일. 비우면 영구."
    )
    source = models.CharField("근거", max_length=16, choices=Source)
    order = models.PositiveSmallIntegerField("순서", default=0)

    class Meta:
        verbose_name = "신청 지원 내역"
        verbose_name_plural = "신청 지원 내역"
        ordering = ["application_id", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(amount__gt=0) & Q(count__isnull=True))
                | (Q(amount__isnull=True) & Q(count__gt=0)),
                name="reliefappgrant_amount_xor_count",
                violation_error_message="금액과 수량 중 하나만 있어야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        what = f"{self.amount:,}원" if self.amount is not None else f"{self.count}"
        return f"{self.get_instrument_display()} {what}"


class ReliefApplicationEvent(models.Model):
    """A row per status change of an application (filed, decided): who, from, to, why, when."""

    application = models.ForeignKey(
        ReliefApplication, verbose_name="신청", on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(
        "이전 상태", max_length=20, choices=ReliefApplication.Status, blank=True
    )
    to_status = models.CharField("새 상태", max_length=20, choices=ReliefApplication.Status)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="처리자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("시각")
    note = models.CharField("사유", max_length=300, blank=True)

    class Meta:
        verbose_name = "신청 이력"
        verbose_name_plural = "신청 이력"
        ordering = ["application_id", "at", "id"]

    def __str__(self) -> str:
        return f"#{self.application_id}: {self.from_status or '-'} → {self.to_status}"


class ReliefImport(models.Model):
    """A bulk CSV import into one program: its file, progress and outcome. The rows land in
    one transaction (all the good rows, or none); bad rows go to the error report."""

    class Status(models.TextChoices):
        PENDING = "pending", "대기"
        RUNNING = "running", "진행 중"
        DONE = "done", "완료"
        FAILED = "failed", "실패"

    program = models.ForeignKey(
        ReliefProgram, verbose_name="프로그램", on_delete=models.PROTECT, related_name="+"
    )
    program_version = models.ForeignKey(
        ReliefProgramVersion,
        verbose_name="프로그램 버전",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_path = models.CharField("파일 경로", max_length=500)
    original_name = models.CharField("원래 파일 이름", max_length=255)
    status = models.CharField("상태", max_length=16, choices=Status, default=Status.PENDING)
    stage = models.CharField("단계", max_length=100, blank=True)
    total_rows = models.PositiveIntegerField("전체 행", default=0)
    processed_rows = models.PositiveIntegerField("처리한 행", default=0)
    imported = models.PositiveIntegerField("등록", default=0, help_text="중복 포함 등록된 행")
    duplicates = models.PositiveIntegerField("중복", default=0)
    rejected = models.PositiveIntegerField("거부", default=0)
    error_report_path = models.CharField("오류 보고서 경로", max_length=500, blank=True)
    error_message = models.TextField("실패 사유", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="등록자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("등록 시각", auto_now_add=True)
    started_at = models.DateTimeField("시작 시각", null=True, blank=True)
    finished_at = models.DateTimeField("종료 시각", null=True, blank=True)

    class Meta:
        verbose_name = "피해 지원 일괄 등록"
        verbose_name_plural = "피해 지원 일괄 등록"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"일괄 등록 #{self.pk} {self.original_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)
