"""The matrix of a version: fare bands, rules (유형), their rows (유형상세) with conditions and
penalties."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from policies.models.choices import (
    Category,
    ConditionOp,
    Fault,
    Penalty,
    Target,
    Trigger,
)
from policies.models.versions import PolicyBookPart, PolicyVersion


class FareBand(PolicyBookPart):
    """요금 하향 구간: for a difference (call amount − expected fare) up to `upper_bound` 원
    inclusive, the new charge keeps `percent`% of (call amount − actual fare). The band
    without an upper bound takes everything above the others."""

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
    monthly_budget = models.PositiveBigIntegerField(
        "월 예산",
        null=True,
        blank=True,
        help_text="원 (포인트 포함). 이 유형의 한 달(한국 시간) 지급 결정 합계 한도. "
        "비우면 한도 없음.",
    )

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
        return self.name

    def clean(self) -> None:
        prefix = self.code.split(".", 1)[0]
        if "." not in self.code or prefix != self.category:
            raise ValidationError({"code": f"코드는 '{self.category}.유형' 형식이어야 합니다."})

    def _version(self) -> PolicyVersion:
        return self.version


class RuleRow(PolicyBookPart):
    """A detail condition (유형상세) of a rule for one target, with its fault and penalties.

    The row applies when every one of its conditions holds (a row without any always applies);
    `code` names it stably inside its rule, across versions.
    """

    rule = models.ForeignKey(
        Rule, verbose_name="보상 유형", on_delete=models.CASCADE, related_name="rows"
    )
    code = models.SlugField(
        "코드", max_length=60, help_text="유형 안에서 유일한 영문 코드, 예: late_over_30"
    )
    order = models.PositiveIntegerField("순서", default=0)
    target = models.CharField("대상", max_length=16, choices=Target)
    detail = models.CharField("유형상세", max_length=200, blank=True)
    fault = models.CharField("귀책", max_length=32, choices=Fault, default=Fault.NONE)
    notes = models.TextField("비고", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "유형상세"
        verbose_name_plural = "유형상세"
        ordering = ["rule", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "code"],
                name="rulerow_unique_code",
                violation_error_message="이 유형에 같은 코드의 유형상세가 이미 있습니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule.name} [{self.get_target_display()}] {self.detail}".strip()

    def _version(self) -> PolicyVersion:
        return self.rule.version


class RowCondition(PolicyBookPart):
    """`fact op value`: one condition of a row. Amount facts compare with `value`, yes/no facts
    with `flag` (equality only)."""

    row = models.ForeignKey(
        RuleRow, verbose_name="유형상세", on_delete=models.CASCADE, related_name="conditions"
    )
    fact = models.CharField("사실", max_length=40)
    op = models.CharField("비교", max_length=4, choices=ConditionOp, default=ConditionOp.EQ)
    value = models.BigIntegerField("값", null=True, blank=True, help_text="원·분·영업일.")
    flag = models.BooleanField("예/아니오", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "조건"
        verbose_name_plural = "조건"
        ordering = ["row", "id"]

    def __str__(self) -> str:
        from policies.facts import describe_condition

        return describe_condition(self.as_dict(), labels=True)

    def as_dict(self) -> dict:
        from policies.facts import fact_type

        value = self.flag if fact_type(self.fact) is bool else self.value
        return {"fact": self.fact, "op": self.op, "value": value}

    def clean(self) -> None:
        from policies.facts import validate_condition

        validate_condition(self)

    def _version(self) -> PolicyVersion:
        return self.row.rule.version


class RowPenalty(PolicyBookPart):
    """A sanction a row names, on whom, and what sets it off: the decision of the fault, the
    claimant's refusal of a tier, or the nth repeat."""

    row = models.ForeignKey(
        RuleRow, verbose_name="유형상세", on_delete=models.CASCADE, related_name="penalties"
    )
    code = models.CharField("패널티", max_length=48, choices=Penalty)
    subject = models.CharField("대상", max_length=16, choices=Target)
    trigger = models.CharField("발동", max_length=16, choices=Trigger, default=Trigger.ON_GRANT)
    tier = models.PositiveSmallIntegerField(
        "차수", null=True, blank=True, help_text="거부 시: 거부한 차수. 지급 시: 그 차수 지급 때만."
    )
    count = models.PositiveSmallIntegerField(
        "누적 횟수", null=True, blank=True, help_text="누적 시: 몇 번째에 발동하는지."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "패널티"
        verbose_name_plural = "패널티"
        ordering = ["row", "id"]

    def __str__(self) -> str:
        return self.get_code_display()

    def clean(self) -> None:
        from policies.facts import validate_trigger

        validate_trigger(self.trigger, tier=self.tier, count=self.count)

    def _version(self) -> PolicyVersion:
        return self.row.rule.version
