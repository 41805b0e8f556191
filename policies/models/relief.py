"""Outage relief programs as versioned policy data (DOMAIN.md §5, seeds 000 and 001).

A program (`outage-1015`, `kt-ahyeon-2018`) keeps its identity; everything that decides an
application lives on one of its versions: the outage, the segments, the small-business loss
tiers, the blanket grants per segment, the driver bands and transport support, the intake
windows, the evidence required, the audit sample and the budget. Like the book, a draft is
edited and a published version never changes (the models refuse it, and on PostgreSQL a
trigger does too); an application names the version it was decided under.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from policies.models.choices import AccountKind
from policies.models.versions import PublishedVersionIsImmutable


class ReliefSegment(models.TextChoices):
    USER = "user", "일반 이용자"
    SMALL_BUSINESS = "small_business", "소상공인"
    COMPANY = "company", "중대형 기업"
    DRIVER = "driver", "대리운전 기사"


# The account kinds an applicant of each segment may have: the grants are paid to that account,
# so a small business filed with a driver's account would pay a driver.
ACCOUNT_KINDS_OF_SEGMENT: dict[str, frozenset[str]] = {
    ReliefSegment.USER: frozenset({AccountKind.CUSTOMER, AccountKind.TRUKA_MEMBER}),
    ReliefSegment.SMALL_BUSINESS: frozenset({AccountKind.BUSINESS}),
    ReliefSegment.COMPANY: frozenset({AccountKind.BUSINESS}),
    ReliefSegment.DRIVER: frozenset({AccountKind.DRIVER}),
}


class ReliefInstrument(models.TextChoices):
    """What a program grants. Payouts builds its own instrument list from these (it may depend
    on policies, not the other way round); `points` is the book's driver points."""

    EMOTICON = "emoticon", "이모티콘"
    CHANNEL_CASH = "channel_cash", "채널 메시지 캐시"
    TRANSPORT_SUPPORT = "transport_support", "교통비 지원"
    BUSINESS_SUPPORT = "business_support", "소상공인 지원금"
    MAKERS_COUPON = "makers_coupon", "메이커스 감사 쿠폰"
    TALK_DRAWER_PLUS = "talk_drawer_plus", "톡서랍 플러스 이용권(개월)"
    FEE_WAIVER = "fee_waiver", "요금 감면(개월)"
    POINTS = "points", "기사 포인트"


# Money (원) versus counted (items, months). Payouts keeps the same split for its requests.
RELIEF_AMOUNT_INSTRUMENTS = frozenset(
    {
        ReliefInstrument.CHANNEL_CASH,
        ReliefInstrument.TRANSPORT_SUPPORT,
        ReliefInstrument.BUSINESS_SUPPORT,
        ReliefInstrument.MAKERS_COUPON,
        ReliefInstrument.POINTS,
    }
)
RELIEF_COUNT_INSTRUMENTS = frozenset(
    {ReliefInstrument.EMOTICON, ReliefInstrument.TALK_DRAWER_PLUS, ReliefInstrument.FEE_WAIVER}
)


class Assessment(models.TextChoices):
    """How a segment's applications are decided."""

    BLANKET = "blanket", "일괄 지원만"
    LOSS_TIERS = "loss_tiers", "매출 손실 구간"
    COMMITTEE = "committee", "전건 협의체 심의"
    DRIVER_BANDS = "driver_bands", "기사 근무 구간"


class ReliefTierOutcome(models.TextChoices):
    SUPPORT = "support", "지원금 지급"
    COMMITTEE = "committee", "협의체 심의(증빙)"


class WindowKind(models.TextChoices):
    REPORTS = "reports", "피해 접수"
    PARTNER_EXTENSION = "partner_extension", "제휴 채널 추가 접수"
    DOCUMENTS = "documents", "소상공인 서류 접수"


# Windows of these kinds take new applications; the document stage takes evidence only.
INTAKE_WINDOW_KINDS = frozenset({WindowKind.REPORTS, WindowKind.PARTNER_EXTENSION})


class ReliefChannel(models.TextChoices):
    WEB = "web", "웹"
    PARTNER = "partner", "제휴 채널"


class ReliefProgram(models.Model):
    """A relief program's identity; its rules are on its versions."""

    code = models.SlugField("프로그램 코드", max_length=40, unique=True)
    name = models.CharField("프로그램명", max_length=200)
    insurance_line = models.ForeignKey(
        "policies.InsuranceLine",
        verbose_name="보험 계약",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="relief_programs",
        help_text="이 장애의 배상 책임을 보장하는 보험 계약(예: 전자상거래 배상책임).",
    )
    created_at = models.DateTimeField("등록 시각", auto_now_add=True)

    class Meta:
        verbose_name = "피해 지원 프로그램"
        verbose_name_plural = "피해 지원 프로그램"
        ordering = ["code"]
        permissions = [("publish_reliefprogramversion", "피해 지원 프로그램 버전을 게시할 수 있음")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ReliefProgramVersion(models.Model):
    """One version of a program. Drafts are edited; a published version never changes, and a
    program has at most one published version at a time."""

    class Status(models.TextChoices):
        DRAFT = "draft", "초안"
        PUBLISHED = "published", "게시됨"
        RETIRED = "retired", "종료"

    program = models.ForeignKey(
        ReliefProgram, verbose_name="프로그램", on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField("버전")
    status = models.CharField("상태", max_length=16, choices=Status, default=Status.DRAFT)
    note = models.TextField("변경 사유", blank=True)
    based_on = models.ForeignKey(
        "self", verbose_name="원본 버전", null=True, blank=True, on_delete=models.PROTECT
    )
    name = models.CharField("프로그램명", max_length=200)
    outage_start = models.DateTimeField("장애 시작")
    outage_end = models.DateTimeField("장애 종료")
    services = models.CharField(
        "장애 서비스", max_length=300, help_text="쉼표로 구분한 서비스 이름, 예: 카카오톡, 카카오T"
    )
    budget = models.PositiveBigIntegerField("예산", help_text="원. 프로그램 전체 지원 예산.")
    audit_sample_percent = models.PositiveSmallIntegerField(
        "감사 표본 비율",
        default=0,
        help_text="퍼센트. 심의 대상이 아닌 승인 건 중 사후 감사로 뽑는 비율.",
    )
    audit_seed = models.PositiveIntegerField(
        "감사 표본 시드", default=0, help_text="같은 시드면 같은 표본이 뽑힙니다(재현 가능)."
    )
    committee_award_min = models.PositiveBigIntegerField(
        "심의 지원 하한",
        null=True,
        blank=True,
        help_text="원. 협의체가 정하는 지원금의 하한. 비우면 제한 없음.",
    )
    committee_award_max = models.PositiveBigIntegerField(
        "심의 지원 상한",
        null=True,
        blank=True,
        help_text="원. 협의체가 정하는 지원금의 상한. 비우면 제한 없음.",
    )
    saturday_reference_date = models.DateField(
        "토요일 기준일", null=True, blank=True, help_text="토요일 근무를 세는 기간의 중심 날짜."
    )
    saturday_weeks = models.PositiveSmallIntegerField(
        "토요일 산정 주수", default=0, help_text="주. 기준일 전후로 토요일 근무를 세는 기간."
    )
    transport_support_per_night = models.PositiveBigIntegerField(
        "교통비 지원(1야간)", default=0, help_text="원. 지정 야간 하루 근무당."
    )
    transport_support_cap = models.PositiveBigIntegerField(
        "교통비 지원 상한", default=0, help_text="원. 한 기사에게 주는 교통비 지원의 합계 상한."
    )
    transport_nights = models.JSONField(
        "교통비 지원 야간",
        default=list,
        blank=True,
        help_text='지정 야간의 날짜 목록(YYYY-MM-DD, 한국 시간), 예: ["2022-12-08", "2022-12-09"]',
    )
    transport_hours = models.CharField(
        "교통비 지원 시간대", max_length=40, blank=True, help_text="예: 20:00–04:00 운행"
    )
    created_at = models.DateTimeField("작성 시각", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="작성자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("게시 시각", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="게시자",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "피해 지원 프로그램 버전"
        verbose_name_plural = "피해 지원 프로그램 버전"
        ordering = ["program", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "number"],
                name="reliefversion_unique_number",
                violation_error_message="이 프로그램에 같은 버전 번호가 이미 있습니다.",
            ),
            models.UniqueConstraint(
                fields=["program"],
                condition=Q(status="published"),
                name="reliefversion_one_published",
                violation_error_message="프로그램마다 게시된 버전은 하나뿐이어야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="reliefversion_published_has_time",
                violation_error_message="게시된 버전에는 게시 시각이 있어야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(outage_start__lte=models.F("outage_end")),
                name="reliefversion_outage_in_order",
                violation_error_message="장애 시작은 종료보다 앞서야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(audit_sample_percent__lte=100),
                name="reliefversion_audit_at_most_100",
                violation_error_message="감사 표본 비율은 100% 이하여야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(committee_award_min__isnull=True)
                | Q(committee_award_max__isnull=True)
                | Q(committee_award_min__lte=models.F("committee_award_max")),
                name="reliefversion_award_in_order",
                violation_error_message="심의 지원 하한은 상한 이하여야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} v{self.number} ({self.get_status_display()})"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Status moves go through the services' compare-and-set updates; a PostgreSQL trigger
        # backs this up for writes that bypass the model.
        self._guard("수정")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._guard("삭제")
        return super().delete(*args, **kwargs)

    def _guard(self, what: str) -> None:
        if self.pk is None:
            return
        stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored is not None and stored != self.Status.DRAFT:
            raise PublishedVersionIsImmutable(
                f"{self.program.code} v{self.number}은(는) 초안이 아니라 {what}할 수 없습니다."
            )

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class ReliefVersionEvent(models.Model):
    """A row per status change of a program version: who, when, why."""

    version = models.ForeignKey(
        ReliefProgramVersion,
        verbose_name="프로그램 버전",
        on_delete=models.CASCADE,
        related_name="events",
    )
    from_status = models.CharField(
        "이전 상태", max_length=16, choices=ReliefProgramVersion.Status, blank=True
    )
    to_status = models.CharField("새 상태", max_length=16, choices=ReliefProgramVersion.Status)
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
        verbose_name = "피해 지원 프로그램 버전 이력"
        verbose_name_plural = "피해 지원 프로그램 버전 이력"
        ordering = ["version", "at", "id"]

    def __str__(self) -> str:
        return f"{self.version}: {self.from_status or '-'} → {self.to_status}"


class ReliefVersionPart(models.Model):
    """A row of one program version; it changes only while that version is a draft."""

    version = models.ForeignKey(
        ReliefProgramVersion, verbose_name="프로그램 버전", on_delete=models.CASCADE
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._guard()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._guard()
        return super().delete(*args, **kwargs)

    def _guard(self) -> None:
        # The status as stored now, not as cached on a version loaded earlier.
        status = (
            ReliefProgramVersion.objects.filter(pk=self.version_id)
            .values_list("status", flat=True)
            .first()
        )
        if status is not None and status != ReliefProgramVersion.Status.DRAFT:
            raise PublishedVersionIsImmutable(
                f"{ReliefProgramVersion.Status(status).label} 상태인 프로그램 버전은 "
                "수정할 수 없습니다."
            )


class ReliefProgramSegment(ReliefVersionPart):
    """A segment the version covers and how its applications are decided. A segment without
    a row is not eligible."""

    segment = models.CharField("대상", max_length=20, choices=ReliefSegment)
    assessment = models.CharField("판정 방식", max_length=20, choices=Assessment)

    class Meta:
        verbose_name = "지원 대상"
        verbose_name_plural = "지원 대상"
        ordering = ["version", "segment"]
        default_related_name = "segments"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "segment"],
                name="reliefsegment_unique",
                violation_error_message="이 버전에 같은 지원 대상이 이미 있습니다.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_segment_display()} · {self.get_assessment_display()}"


class ReliefLossTier(ReliefVersionPart):
    """A band of reported revenue loss (원, inclusive) and what it gets: a support amount, or
    the committee's review with evidence."""

    segment = models.CharField(
        "대상", max_length=20, choices=ReliefSegment, default=ReliefSegment.SMALL_BUSINESS
    )
    min_loss = models.PositiveBigIntegerField("손실 하한", help_text="원. 이 금액 이상.")
    max_loss = models.PositiveBigIntegerField(
        "손실 상한", null=True, blank=True, help_text="원. 이 금액 이하. 비우면 상한 없음."
    )
    outcome = models.CharField("결과", max_length=16, choices=ReliefTierOutcome)
    instrument = models.CharField(
        "지급수단",
        max_length=30,
        choices=ReliefInstrument,
        default=ReliefInstrument.BUSINESS_SUPPORT,
    )
    amount = models.PositiveBigIntegerField(
        "지원금", null=True, blank=True, help_text="원. 지원금 지급 구간에만."
    )

    class Meta:
        verbose_name = "손실 구간"
        verbose_name_plural = "손실 구간"
        ordering = ["version", "segment", "min_loss"]
        default_related_name = "loss_tiers"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "segment", "min_loss"],
                name="relieftier_unique_min",
                violation_error_message="이 버전에 같은 하한의 손실 구간이 이미 있습니다.",
            ),
            models.CheckConstraint(
                condition=Q(max_loss__isnull=True) | Q(min_loss__lte=models.F("max_loss")),
                name="relieftier_in_order",
                violation_error_message="손실 하한은 상한 이하여야 합니다.",
            ),
            models.CheckConstraint(
                condition=(Q(outcome="support") & Q(amount__gt=0))
                | (Q(outcome="committee") & Q(amount__isnull=True)),
                name="relieftier_amount_iff_support",
                violation_error_message="지원금 지급 구간에만 지원금(0보다 큰 원)이 있습니다.",
            ),
        ]

    def __str__(self) -> str:
        upper = f"{self.max_loss:,}" if self.max_loss is not None else ""
        return f"{self.min_loss:,}~{upper}원 → {self.get_outcome_display()}"


class ReliefGrant(ReliefVersionPart):
    """A blanket grant every eligible application of a segment receives, e.g. 3 emoticons
    (1 permanent, 2 valid 90 days) for users or 50,000원 of channel cash per small business."""

    segment = models.CharField("대상", max_length=20, choices=ReliefSegment)
    instrument = models.CharField("지급수단", max_length=30, choices=ReliefInstrument)
    amount = models.PositiveBigIntegerField(
        "금액", null=True, blank=True, help_text="원. 금액으로 주는 지급수단에만."
    )
    count = models.PositiveIntegerField(
        "수량", null=True, blank=True, help_text="개 또는 개월. 수량으로 주는 지급수단에만."
    )
    validity_days = models.PositiveSmallIntegerField(
        "유효기간", null=True, blank=True, help_text="일. 비우면 영구."
    )
    label = models.CharField("설명", max_length=100, blank=True)
    order = models.PositiveIntegerField("순서", default=0)

    class Meta:
        verbose_name = "일괄 지원"
        verbose_name_plural = "일괄 지원"
        ordering = ["version", "segment", "order", "id"]
        default_related_name = "grants"
        constraints = [
            models.CheckConstraint(
                condition=(Q(amount__gt=0) & Q(count__isnull=True))
                | (Q(amount__isnull=True) & Q(count__gt=0)),
                name="reliefgrant_amount_xor_count",
                violation_error_message="금액과 수량 중 하나만 0보다 크게 적어야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        what = f"{self.amount:,}원" if self.amount is not None else f"{self.count}"
        return f"{self.get_segment_display()} · {self.get_instrument_display()} {what}"


class ReliefDriverBand(ReliefVersionPart):
    """Thanks points by Saturdays worked in the reference period (inclusive band)."""

    min_saturdays = models.PositiveSmallIntegerField("토요일 근무 하한", help_text="일. 이상.")
    max_saturdays = models.PositiveSmallIntegerField(
        "토요일 근무 상한", null=True, blank=True, help_text="일. 이하. 비우면 상한 없음."
    )
    instrument = models.CharField(
        "지급수단", max_length=30, choices=ReliefInstrument, default=ReliefInstrument.POINTS
    )
    amount = models.PositiveBigIntegerField("감사 포인트", help_text="원.")

    class Meta:
        verbose_name = "기사 감사 포인트 구간"
        verbose_name_plural = "기사 감사 포인트 구간"
        ordering = ["version", "min_saturdays"]
        default_related_name = "driver_bands"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "min_saturdays"],
                name="reliefdriverband_unique_min",
                violation_error_message="이 버전에 같은 하한의 기사 구간이 이미 있습니다.",
            ),
            models.CheckConstraint(
                condition=Q(max_saturdays__isnull=True)
                | Q(min_saturdays__lte=models.F("max_saturdays")),
                name="reliefdriverband_in_order",
                violation_error_message="토요일 근무 하한은 상한 이하여야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="reliefdriverband_amount_positive",
                violation_error_message="감사 포인트는 0보다 커야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        upper = self.max_saturdays if self.max_saturdays is not None else ""
        return f"토요일 {self.min_saturdays}~{upper}일 → {self.amount:,}원"


class ReliefWindow(ReliefVersionPart):
    """An intake window in Korea-time calendar days, both ends included, for the listed
    channels (and segments; empty means every segment)."""

    kind = models.CharField("종류", max_length=24, choices=WindowKind)
    start_date = models.DateField("시작일", help_text="한국 시간 날짜(포함).")
    end_date = models.DateField("종료일", help_text="한국 시간 날짜(포함).")
    channels = models.JSONField(
        "채널", default=list, help_text='접수 채널 코드 목록, 예: ["web", "partner"]'
    )
    segments = models.JSONField(
        "대상", default=list, blank=True, help_text="대상 코드 목록. 비우면 모든 대상."
    )

    class Meta:
        verbose_name = "접수 기간"
        verbose_name_plural = "접수 기간"
        ordering = ["version", "start_date", "kind"]
        default_related_name = "windows"
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=models.F("end_date")),
                name="reliefwindow_in_order",
                violation_error_message="접수 시작일은 종료일 이전이어야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date}~{self.end_date}"


class ReliefEvidence(ReliefVersionPart):
    """A kind of evidence the committee requires (small-business certificate, revenue-loss
    proof, proof of using the service for business)."""

    code = models.SlugField("증빙 코드", max_length=40)
    label = models.CharField("증빙", max_length=100)
    segment = models.CharField(
        "대상", max_length=20, choices=ReliefSegment, default=ReliefSegment.SMALL_BUSINESS
    )
    order = models.PositiveIntegerField("순서", default=0)

    class Meta:
        verbose_name = "필수 증빙"
        verbose_name_plural = "필수 증빙"
        ordering = ["version", "order", "code"]
        default_related_name = "evidence_kinds"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"],
                name="reliefevidence_unique_code",
                violation_error_message="이 버전에 같은 증빙 코드가 이미 있습니다.",
            )
        ]

    def __str__(self) -> str:
        return self.label
