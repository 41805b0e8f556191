"""What each tier of a row offers: its kind, and the effects that are paid or done."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from policies.models.book import RuleRow
from policies.models.choices import (
    TIER_CHOICES,
    AmountMethod,
    EffectType,
    Instrument,
    OutcomeKind,
    Party,
    PaymentAction,
    Target,
    Trigger,
)
from policies.models.versions import PolicyBookPart, PolicyVersion


class TierOutcome(PolicyBookPart):
    """What tier 1 (상담사), 2 or 3 (관리자) offers for a row: a kind and its effects.

    A care-only or needs-discussion outcome has no effects; every other kind has at least one,
    and each effect maps to one thing paid (a grant), charged anew (a charge) or done to the
    ride's payment (an action).
    """

    row = models.ForeignKey(
        RuleRow, verbose_name="유형상세", on_delete=models.CASCADE, related_name="outcomes"
    )
    tier = models.PositiveSmallIntegerField("차수", choices=TIER_CHOICES)
    kind = models.CharField(
        "결과 종류",
        max_length=32,
        choices=[c for c in OutcomeKind.choices if c[0] != OutcomeKind.NOT_COVERED],
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

    def _version(self) -> PolicyVersion:
        return self.row.rule.version


class Effect(PolicyBookPart):
    """One thing a tier pays, charges or does, with its payer, recipient and trigger.

    The amount follows from `method`: fixed / range as written (a range is picked on `step`);
    percent_of_fare is `percent`% of the fact `basis` (a coupon rounded to the version's unit,
    points less the driver commission); fare_adjustment from the version's bands; actual_loss
    the fact `basis`; count a number of vouchers. `when_fact` makes the effect conditional on
    a yes/no fact of the case.
    """

    outcome = models.ForeignKey(
        TierOutcome, verbose_name="차수별 결과", on_delete=models.CASCADE, related_name="effects"
    )
    order = models.PositiveSmallIntegerField("순서", default=0)
    type = models.CharField("종류", max_length=16, choices=EffectType)
    method = models.CharField(
        "금액 산정", max_length=32, choices=AmountMethod, default=AmountMethod.NONE
    )
    instrument = models.CharField(
        "지급수단", max_length=32, choices=Instrument, blank=True, default=""
    )
    action = models.CharField(
        "결제 조치", max_length=32, choices=PaymentAction, blank=True, default=""
    )
    amount = models.PositiveBigIntegerField("금액", null=True, blank=True, help_text="원.")
    amount_max = models.PositiveBigIntegerField(
        "최대 금액", null=True, blank=True, help_text="원. 범위형의 상한."
    )
    step = models.PositiveIntegerField(
        "선택 단위", null=True, blank=True, help_text="원. 범위형에서 승인자가 고르는 금액의 단위."
    )
    count = models.PositiveSmallIntegerField("장 수", null=True, blank=True)
    percent = models.PositiveSmallIntegerField(
        "비율", null=True, blank=True, help_text="퍼센트. 기준 사실에 곱합니다."
    )
    basis = models.CharField(
        "기준 사실", max_length=40, blank=True, help_text="예: actual_fare, premium_fare"
    )
    payer = models.CharField("부담", max_length=16, choices=Party)
    recipient = models.CharField("수령", max_length=16, choices=Target)
    trigger = models.CharField("발동", max_length=16, choices=Trigger, default=Trigger.ON_GRANT)
    trigger_tier = models.PositiveSmallIntegerField("발동 차수", null=True, blank=True)
    trigger_count = models.PositiveSmallIntegerField("발동 누적 횟수", null=True, blank=True)
    trigger_party = models.CharField(
        "거부하는 쪽",
        max_length=16,
        choices=Target,
        blank=True,
        default="",
        help_text="거부 시: 거부하는 쪽이 청구인과 다를 때 (예: 고객의 3차 거부 시 기사에게 지급).",
    )
    when_fact = models.CharField(
        "적용 조건 사실", max_length=40, blank=True, help_text="예/아니오 사실. 비우면 항상."
    )
    when_value = models.BooleanField("적용 조건 값", default=True)
    note = models.CharField("안내", max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "효과"
        verbose_name_plural = "효과"
        ordering = ["outcome", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=1, percent__lte=100),
                name="effect_percent_1_to_100",
                violation_error_message="비율은 1~100 사이여야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.get_method_display()}"

    def clean(self) -> None:
        from policies.facts import validate_effect

        validate_effect(self)

    def _version(self) -> PolicyVersion:
        return self.outcome.row.rule.version
