from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class PolicyVersion(models.Model):
    """One version of the policy book. Drafts are edited; a published version never changes.

    Instrument parameters (coupon unit, validity, driver commission) live here, so a change of
    them is a new version like any other rule change, and a decision names the version it used.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "초안"
        PUBLISHED = "published", "게시됨"
        RETIRED = "retired", "종료"

    number = models.PositiveIntegerField("버전", unique=True)
    title = models.CharField("제목", max_length=200)
    status = models.CharField("상태", max_length=16, choices=Status, default=Status.DRAFT)
    note = models.TextField("변경 사유", blank=True)
    based_on = models.ForeignKey(
        "self", verbose_name="원본 버전", null=True, blank=True, on_delete=models.PROTECT
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

    coupon_unit = models.PositiveIntegerField(
        "쿠폰 단위", default=5000, help_text="원. 계산된 쿠폰 금액을 이 단위로 반올림합니다."
    )
    coupon_minimum = models.PositiveIntegerField(
        "쿠폰 최소 금액", default=5000, help_text="원. 계산된 쿠폰 금액의 하한."
    )
    coupon_validity_days = models.PositiveIntegerField(
        "쿠폰 유효기간", default=60, help_text="일. 발급일부터."
    )
    driver_commission_percent = models.PositiveSmallIntegerField(
        "기사 수수료율",
        default=20,
        help_text="퍼센트. 운행료를 포인트로 지급할 때 제외하는 수수료.",
    )
    points_memo = models.CharField("포인트 지급 메모", max_length=100, default="기사님 힘내세요")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "정책 버전"
        verbose_name_plural = "정책 버전"
        ordering = ["-number"]
        permissions = [
            ("publish_policyversion", "정책 버전을 게시할 수 있음"),
            ("quote_policy", "정책 견적을 조회할 수 있음"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(driver_commission_percent__lte=100),
                name="policyversion_commission_at_most_100",
                violation_error_message="기사 수수료율은 100% 이하여야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(coupon_unit__gt=0),
                name="policyversion_coupon_unit_positive",
                violation_error_message="쿠폰 단위는 0보다 커야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="policyversion_published_has_time",
                violation_error_message="게시된 버전에는 게시 시각이 있어야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(coupon_validity_days__gte=1),
                name="policyversion_validity_at_least_a_day",
                violation_error_message="쿠폰 유효기간은 1일 이상이어야 합니다.",
            ),
            # New decisions use exactly one version.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="published"),
                name="policyversion_one_published",
                violation_error_message="게시된 버전은 하나뿐이어야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.title} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class Category(models.TextChoices):
    DISPATCH = "dispatch", "호출/배정"
    IN_RIDE = "in_ride", "운행중"
    RIDE_COMPLETED = "ride_completed", "운행완료"
    FARE = "fare", "요금"
    DISPUTE = "dispute", "분쟁"
    OUTAGE = "outage", "장애"
    CS_COMPLAINT = "cs_complaint", "고객센터 상담불만"


class Target(models.TextChoices):
    CUSTOMER = "customer", "고객"
    DRIVER = "driver", "기사"


class Fault(models.TextChoices):
    NONE = "none", "없음"
    DRIVER = "driver", "기사"
    CUSTOMER = "customer", "고객"
    DRIVER_CUSTOMER = "driver_customer", "기사/고객"
    PLATFORM = "platform", "카모"
    CS_CENTER = "cs_center", "고객센터"


class OutcomeKind(models.TextChoices):
    CARE_ONLY = "care_only", "보상불가 (케어)"
    FIXED = "fixed", "정액"
    RANGE = "range", "범위 (승인자 선택)"
    PERCENT_OF_FARE = "percent_of_fare", "요금 비율"
    FARE_ADJUSTMENT = "fare_adjustment", "요금 하향 조정 (구간)"
    ACTUAL_LOSS = "actual_loss", "실손 보전"
    VOUCHERS = "vouchers", "권 지급 (장)"
    PAYMENT_ACTION = "payment_action", "결제 조치"
    NEEDS_DISCUSSION = "needs_discussion", "논의 필요"


class Instrument(models.TextChoices):
    COUPON = "coupon", "고객 쿠폰"
    POINTS = "points", "기사 포인트"
    PRO_VOUCHER = "pro_voucher", "프단권"
    DISPATCH_VOUCHER = "dispatch_voucher", "단배권"


class PaymentAction(models.TextChoices):
    CANCEL_PAYMENT = "cancel_payment", "결제취소"
    RECHARGE = "recharge", "재결제"
    FORCED_DISCOUNT = "forced_discount", "강제할인"
    WAIVE_NO_SHOW_FEE = "waive_no_show_fee", "노쇼수수료 취소"


class Penalty(models.TextChoices):
    """Penalty codes a matrix row names; the incidents app applies them to accounts."""

    DRIVER_RESERVATION_BAN_7D = "driver_reservation_ban_7d", "기사 7일 예약콜 수락 불가"
    DRIVER_PERMANENT_SUSPENSION_ON_3RD = (
        "driver_permanent_suspension_on_3rd",
        "기사 3회 누적 시 계정 영구 정지",
    )
    DRIVER_PARKING_REFUSAL = "driver_parking_refusal_penalty", "주차 거부 기사 패널티"
    PREMIUM_DRIVER_PENALTY_REQUEST = "premium_driver_penalty_request", "프리미엄 기사 패널티 요청"
    DRIVER_PENALTY = "driver_penalty", "기사 페널티"
    CUSTOMER_APP_SUSPENSION = "customer_app_suspension", "T앱 고객 정지"


TIER_CHOICES = [(1, "1차 (상담사)"), (2, "2차 (관리자)"), (3, "3차 (관리자)")]


class ConditionOp(models.TextChoices):
    LT = "lt", "<"
    LTE = "lte", "≤"
    GT = "gt", ">"
    GTE = "gte", "≥"
    EQ = "eq", "="


class PolicyBookPart(models.Model):
    """A row that belongs to one policy version and changes only while that version is a draft.

    The guard here is the last line: services and the admin refuse earlier, with a message.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._guard()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._guard()
        return super().delete(*args, **kwargs)

    def _version(self) -> PolicyVersion:
        raise NotImplementedError

    def _guard(self) -> None:
        version = self._version()
        if version is not None and not version.is_editable:
            raise PublishedVersionIsImmutable(
                f"정책 v{version.number}은(는) {version.get_status_display()} 상태라 "
                "수정할 수 없습니다."
            )


class PublishedVersionIsImmutable(Exception):
    pass


class FareBand(PolicyBookPart):
    """요금 하향 구간: for a difference (call amount − actual fare) up to `upper_bound` 원
    inclusive, the new charge keeps `percent`% of the difference. The band without an upper
    bound takes everything above the others."""

    version = models.ForeignKey(
        PolicyVersion, verbose_name="정책 버전", on_delete=models.CASCADE, related_name="fare_bands"
    )
    upper_bound = models.PositiveBigIntegerField(
        "차액 상한", null=True, blank=True, help_text="원, 이하(포함). 비우면 상한 없음."
    )
    percent = models.PositiveSmallIntegerField("차액 반영률", help_text="퍼센트 (50 = 50%).")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "요금 하향 구간"
        verbose_name_plural = "요금 하향 구간"
        ordering = ["version", models.F("upper_bound").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "upper_bound"],
                name="fareband_unique_bound",
                violation_error_message="같은 차액 상한의 구간이 이미 있습니다.",
            ),
            models.UniqueConstraint(
                fields=["version"],
                condition=Q(upper_bound__isnull=True),
                name="fareband_one_open_band",
                violation_error_message="상한 없는 구간은 하나뿐이어야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(percent__lte=100),
                name="fareband_percent_max",
                violation_error_message="차액 반영률은 100% 이하여야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        bound = f"≤ {self.upper_bound:,}원" if self.upper_bound is not None else "그 이상"
        return f"{bound}: {self.percent}%"

    def _version(self) -> PolicyVersion:
        return self.version


class Rule(PolicyBookPart):
    """One type of the matrix (유형), e.g. `fare.wrong_amount_entered`."""

    version = models.ForeignKey(
        PolicyVersion, verbose_name="정책 버전", on_delete=models.CASCADE, related_name="rules"
    )
    code = models.CharField(
        "코드", max_length=80, help_text="category.type, 예: fare.wrong_amount_entered"
    )
    category = models.CharField("구분", max_length=32, choices=Category)
    name = models.CharField("유형", max_length=200)
    description = models.TextField("설명", blank=True)
    order = models.PositiveIntegerField("순서", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "보상 유형"
        verbose_name_plural = "보상 유형"
        ordering = ["version", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"],
                name="rule_unique_code",
                violation_error_message="이 버전에 같은 코드의 유형이 이미 있습니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        prefix = self.code.split(".", 1)[0]
        if "." not in self.code or prefix != self.category:
            raise ValidationError({"code": f"코드는 '{self.category}.유형' 형식이어야 합니다."})

    def _version(self) -> PolicyVersion:
        return self.version


class RuleRow(PolicyBookPart):
    """A detail condition (유형상세) of a rule for one target, with its fault and penalties.

    `conditions` is a list of `{"fact": name, "op": lt|lte|gt|gte|eq, "value": int|bool}`;
    every one must hold for the row to apply. An empty list always applies.
    """

    rule = models.ForeignKey(
        Rule, verbose_name="보상 유형", on_delete=models.CASCADE, related_name="rows"
    )
    order = models.PositiveIntegerField("순서", default=0)
    target = models.CharField("대상", max_length=16, choices=Target)
    detail = models.CharField("유형상세", max_length=200, blank=True)
    conditions = models.JSONField(
        "조건",
        default=list,
        blank=True,
        help_text='예: [{"fact": "late_minutes", "op": "lt", "value": 30}]. 모두 만족해야 적용.',
    )
    fault = models.CharField("귀책", max_length=32, choices=Fault, default=Fault.NONE)
    penalties = models.JSONField("패널티", default=list, blank=True, help_text="패널티 코드 목록.")
    notes = models.TextField("비고", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "유형상세"
        verbose_name_plural = "유형상세"
        ordering = ["rule", "order", "id"]

    def __str__(self) -> str:
        return f"{self.rule.code} [{self.get_target_display()}] {self.detail}".strip()

    def clean(self) -> None:
        from policies.facts import validate_conditions, validate_penalties

        validate_conditions(self.conditions)
        validate_penalties(self.penalties)

    def _version(self) -> PolicyVersion:
        return self.rule.version


class TierOutcome(PolicyBookPart):
    """What tier 1 (상담사), 2 or 3 (관리자) grants for a row.

    How the amount follows from the facts depends on `kind`:
    - fixed / range: `amount` (and `amount_max`) stand as written.
    - percent_of_fare: `percent`% of the fact `basis`; a coupon is then rounded to the
      version's coupon unit, points lose the driver commission (a fare paid as points).
    - fare_adjustment: the new charge from the version's fare bands.
    - actual_loss: the fact `basis` (default loss_amount).
    - payment_action: `actions`; with a `basis`, the action's amount is `percent`% of it.
    - `charge_basis`/`charge_percent`: the ride is charged anew at that share of a fact,
      alongside a grant (e.g. actual fare 100% + 15,000 coupon).
    """

    row = models.ForeignKey(
        RuleRow, verbose_name="유형상세", on_delete=models.CASCADE, related_name="outcomes"
    )
    tier = models.PositiveSmallIntegerField("차수", choices=TIER_CHOICES)
    kind = models.CharField("결과 종류", max_length=32, choices=OutcomeKind)
    instrument = models.CharField(
        "지급수단", max_length=32, choices=Instrument, blank=True, default=""
    )
    amount = models.PositiveBigIntegerField("금액", null=True, blank=True, help_text="원.")
    amount_max = models.PositiveBigIntegerField(
        "최대 금액", null=True, blank=True, help_text="원. 범위형의 상한."
    )
    percent = models.PositiveSmallIntegerField(
        "비율", null=True, blank=True, help_text="퍼센트. basis 사실값에 곱합니다."
    )
    basis = models.CharField(
        "기준 사실", max_length=40, blank=True, help_text="예: actual_fare, premium_fare"
    )
    vouchers = models.PositiveSmallIntegerField("장 수", null=True, blank=True)
    actions = models.JSONField("결제 조치", default=list, blank=True)
    charge_basis = models.CharField(
        "재결제 기준 사실", max_length=40, blank=True, help_text="예: actual_fare"
    )
    charge_percent = models.PositiveSmallIntegerField(
        "재결제 비율", null=True, blank=True, help_text="퍼센트. 비우면 100."
    )
    note = models.TextField("안내", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "차수별 결과"
        verbose_name_plural = "차수별 결과"
        ordering = ["row", "tier"]
        constraints = [
            models.UniqueConstraint(
                fields=["row", "tier"],
                name="tieroutcome_unique_tier",
                violation_error_message="이 유형상세에 같은 차수의 결과가 이미 있습니다.",
            ),
            models.CheckConstraint(
                condition=Q(tier__gte=1, tier__lte=3),
                name="tieroutcome_tier_1_to_3",
                violation_error_message="차수는 1, 2, 3 중 하나입니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier}차 {self.get_kind_display()}"

    def clean(self) -> None:
        from policies.facts import validate_outcome

        validate_outcome(self)

    def _version(self) -> PolicyVersion:
        return self.row.rule.version
