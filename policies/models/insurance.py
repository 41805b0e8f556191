"""Insurance lines the company holds, and the statutory personal-information liability rule
(DOMAIN.md §6, seeds 001 and 004) as dated versions whose bands and amounts are rows.

A line is a contract: its kind, insurer, number, limit and deductible (원) and the period it
covers (both dates inclusive). One line of a kind is in force on any day, so "the line of kind
X on date D" has one answer; incidents and relief programs link to it.

A rule version is in force from `effective_from` to `effective_to` (both inclusive, the end
open when empty); versions never overlap. A version that has taken effect never changes (its
thresholds, bands and amounts answered questions already); only its end date may be set, not
before today, to hand over to a newer version.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


def today() -> dt.date:
    """Today in Korea (TIME_ZONE): the day rule versions and policy periods are counted in."""
    return timezone.localdate()


class InsuranceKind(models.TextChoices):
    # Seed 001: the mandatory lines (개인정보보호, 전자금융거래), the optional e-biz line, and
    # the data centre's lines that may answer for an outage too (INT E&O, CGL).
    PRIVACY_LIABILITY = "privacy_liability", "개인정보보호배상책임보험"
    E_FINANCE_LIABILITY = "e_finance_liability", "전자금융거래배상책임보험"
    EBIZ_LIABILITY = "ebiz_liability", "e-biz배상책임보험"
    INT_EO = "int_eo", "정보·네트워크 전문직배상책임보험(INT E&O)"
    CGL = "cgl", "영업배상책임보험(CGL)"


MANDATORY_KINDS = frozenset({InsuranceKind.PRIVACY_LIABILITY, InsuranceKind.E_FINANCE_LIABILITY})


class InsuranceLine(models.Model):
    """One insurance contract. Lines of one kind follow each other without overlapping."""

    kind = models.CharField("보험 종류", max_length=24, choices=InsuranceKind)
    insurer = models.CharField("보험사", max_length=100)
    policy_number = models.CharField("증권번호", max_length=60)
    limit = models.PositiveBigIntegerField(
        "보상한도", help_text="원. 보험가입금액(연간 총 보상한도)."
    )
    deductible = models.PositiveBigIntegerField(
        "자기부담금", default=0, help_text="원. 사고 1건당 회사가 부담하는 금액."
    )
    period_start = models.DateField("보험기간 시작일", help_text="이 날부터 보장합니다.")
    period_end = models.DateField("보험기간 종료일", help_text="이 날까지 보장합니다(포함).")
    note = models.TextField("비고", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "보험 계약"
        verbose_name_plural = "보험 계약"
        ordering = ["kind", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["insurer", "policy_number"],
                name="insuranceline_unique_policy",
                violation_error_message="같은 보험사의 같은 증권번호가 이미 있습니다.",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="insuranceline_period_in_order",
                violation_error_message="보험기간 종료일은 시작일과 같거나 뒤여야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(deductible__lte=models.F("limit")),
                name="insuranceline_deductible_within_limit",
                violation_error_message="자기부담금은 보상한도보다 클 수 없습니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.insurer} {self.policy_number}"

    @property
    def mandatory(self) -> bool:
        return self.kind in MANDATORY_KINDS

    def covers(self, on: dt.date) -> bool:
        return self.period_start <= on <= self.period_end

    def clean(self) -> None:
        super().clean()
        if not (self.kind and self.period_start and self.period_end):
            return
        overlapping = (
            InsuranceLine.objects.filter(
                kind=self.kind,
                period_start__lte=self.period_end,
                period_end__gte=self.period_start,
            )
            .exclude(pk=self.pk)
            .order_by("period_start")
            .first()
        )
        if overlapping is not None:
            raise ValidationError(
                {
                    "period_start": (
                        f"같은 종류의 계약({overlapping.insurer} {overlapping.policy_number}, "
                        f"{overlapping.period_start}~{overlapping.period_end})과 보험기간이 "
                        "겹칩니다. 한 종류에는 하루에 한 계약만 유효합니다."
                    )
                }
            )


class CoverageRulesAreFixed(Exception):
    """A change to a rule version that has taken effect (beyond setting its end)."""


class CoverageRuleVersion(models.Model):
    """The personal-information liability duty as it stood over a period: who must hold cover
    (thresholds), the minimum cover (the band table) and the fine for not holding it."""

    number = models.PositiveIntegerField("버전", unique=True)
    title = models.CharField("제목", max_length=200)
    legal_basis = models.CharField(
        "근거",
        max_length=300,
        blank=True,
        help_text="법령·시행령·별표, 예: 개인정보 보호법 제39조의7",
    )
    effective_from = models.DateField("적용 시작일", help_text="이 날부터 적용합니다.")
    effective_to = models.DateField(
        "적용 종료일",
        null=True,
        blank=True,
        help_text="이 날까지 적용합니다(포함). 비우면 다음 버전이 정해질 때까지.",
    )
    revenue_minimum = models.PositiveBigIntegerField(
        "매출액 기준", help_text="원. 전년도 매출액이 이 금액 이상이면 의무 대상."
    )
    users_minimum = models.PositiveIntegerField(
        "이용자 수 기준",
        help_text="명. 일일평균 저장·관리 이용자 수가 이 수 이상이면 의무 대상.",
    )
    average_days = models.PositiveSmallIntegerField(
        "일일평균 산정 일수",
        default=92,
        help_text="일. 전년도 10~12월 이용자 수의 합을 이 일수로 나눕니다(소수점 이하 버림).",
    )
    fine = models.PositiveBigIntegerField(
        "과태료", help_text="원. 의무 대상이 최저가입금액을 갖추지 않았을 때."
    )
    note = models.TextField("비고", blank=True)
    based_on = models.ForeignKey(
        "self", verbose_name="원본 버전", null=True, blank=True, on_delete=models.PROTECT
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "개인정보 손해배상책임 기준"
        verbose_name_plural = "개인정보 손해배상책임 기준"
        ordering = ["-effective_from"]
        permissions = [("check_coverage", "개인정보 손해배상책임 보장 점검을 할 수 있음")]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="coverageruleversion_period_in_order",
                violation_error_message="적용 종료일은 시작일과 같거나 뒤여야 합니다.",
            ),
            models.CheckConstraint(
                condition=Q(average_days__gte=1),
                name="coverageruleversion_days_positive",
                violation_error_message="일일평균 산정 일수는 1일 이상이어야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        end = self.effective_to or ""
        return f"v{self.number} {self.title} ({self.effective_from}~{end})"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # The last line behind the admin's read-only forms and the services' checks.
        try:
            self._check_change()
        except ValidationError as exc:
            raise CoverageRulesAreFixed(" ".join(exc.messages)) from exc
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        stored = CoverageRuleVersion.objects.filter(pk=self.pk).first()
        if stored is not None and stored.has_taken_effect:
            raise CoverageRulesAreFixed(
                f"v{stored.number}은(는) 이미 적용되기 시작해 지울 수 없습니다."
            )
        return super().delete(*args, **kwargs)

    @property
    def has_taken_effect(self) -> bool:
        return self.effective_from <= today()

    def clean(self) -> None:
        super().clean()
        if self.effective_from is None:
            return
        overlap = Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from)
        if self.effective_to is not None:
            overlap &= Q(effective_from__lte=self.effective_to)
        other = (
            CoverageRuleVersion.objects.filter(overlap)
            .exclude(pk=self.pk)
            .order_by("effective_from")
            .first()
        )
        if other is not None:
            raise ValidationError(
                {
                    "effective_from": (
                        f"v{other.number}의 적용기간({other.effective_from}~"
                        f"{other.effective_to or ''})과 겹칩니다. 앞 버전의 적용 종료일을 "
                        "먼저 정하세요."
                    )
                }
            )
        self._check_change()

    def _check_change(self) -> None:
        """Raises ValidationError for a change a version that has taken effect may not take."""
        if self.pk is None:
            return
        stored = CoverageRuleVersion.objects.filter(pk=self.pk).first()
        if stored is None or not stored.has_taken_effect:
            return
        changed = [
            f.verbose_name
            for f in self._meta.concrete_fields
            if f.name not in ("effective_to",)
            and getattr(stored, f.attname) != getattr(self, f.attname)
        ]
        if changed:
            raise ValidationError(
                f"v{stored.number}은(는) 이미 적용되기 시작해 적용 종료일 외에는 바꿀 수 "
                f"없습니다({', '.join(str(c) for c in changed)}). 새 버전을 만드세요."
            )
        if self.effective_to != stored.effective_to:
            if stored.effective_to is not None and stored.effective_to < today():
                raise ValidationError(
                    {"effective_to": "이미 끝난 버전의 적용 종료일은 바꿀 수 없습니다."}
                )
            if self.effective_to is not None and self.effective_to < today():
                raise ValidationError(
                    {"effective_to": "적용 종료일은 오늘 이후여야 합니다(지난 답은 바뀌지 않게)."}
                )


class CoverageRulePart(models.Model):
    """A row of a rule version: changes only while its version has not taken effect."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._guard()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self._guard()
        return super().delete(*args, **kwargs)

    def _guard(self) -> None:
        version_id = getattr(self, "version_id", None)
        if version_id is None:
            return
        stored = CoverageRuleVersion.objects.filter(pk=version_id).first()
        if stored is not None and stored.has_taken_effect:
            raise CoverageRulesAreFixed(
                f"v{stored.number}은(는) 이미 적용되기 시작해 구간과 금액을 바꿀 수 없습니다."
            )


class BandAxis(models.TextChoices):
    REVENUE = "revenue", "매출액"
    USERS = "users", "이용자 수"


class CoverageBand(CoverageRulePart):
    """A band of prior-year revenue (원) or daily-average stored users (명), both bounds
    inclusive integers: "r > 80,000,000,000원" is stored as minimum 80,000,000,001, since
    revenue is whole 원 and the average is a whole number of users."""

    version = models.ForeignKey(
        CoverageRuleVersion,
        verbose_name="기준 버전",
        on_delete=models.CASCADE,
        related_name="bands",
    )
    axis = models.CharField("구분", max_length=8, choices=BandAxis)
    code = models.SlugField("구간 코드", max_length=40, help_text="영문 코드, 예: revenue_top")
    label = models.CharField("구간 표기", max_length=100, help_text="법령 표기, 예: 800억 원 초과")
    minimum = models.PositiveBigIntegerField("하한(포함)", help_text="원 또는 명. 이 값 이상.")
    maximum = models.PositiveBigIntegerField(
        "상한(포함)", null=True, blank=True, help_text="원 또는 명. 이 값 이하. 비우면 상한 없음."
    )
    order = models.PositiveSmallIntegerField("순서", default=0)

    class Meta:
        verbose_name = "보장 구간"
        verbose_name_plural = "보장 구간"
        ordering = ["version", "axis", "order", "minimum"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"],
                name="coverageband_unique_code",
                violation_error_message="이 버전에 같은 구간 코드가 이미 있습니다.",
            ),
            models.CheckConstraint(
                condition=Q(maximum__isnull=True) | Q(maximum__gte=models.F("minimum")),
                name="coverageband_in_order",
                violation_error_message="구간 상한은 하한과 같거나 커야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_axis_display()} {self.label}"

    def contains(self, value: int) -> bool:
        return self.minimum <= value and (self.maximum is None or value <= self.maximum)


class CoverageMinimum(CoverageRulePart):
    """The statutory minimum cover (원) for one user band and one revenue band."""

    version = models.ForeignKey(
        CoverageRuleVersion,
        verbose_name="기준 버전",
        on_delete=models.CASCADE,
        related_name="minimums",
    )
    users_band = models.ForeignKey(
        CoverageBand,
        verbose_name="이용자 수 구간",
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"axis": BandAxis.USERS},
    )
    revenue_band = models.ForeignKey(
        CoverageBand,
        verbose_name="매출액 구간",
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"axis": BandAxis.REVENUE},
    )
    amount = models.PositiveBigIntegerField("최저가입금액", help_text="원.")

    class Meta:
        verbose_name = "최저가입금액"
        verbose_name_plural = "최저가입금액"
        ordering = ["version", "-users_band__minimum", "-revenue_band__minimum"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "users_band", "revenue_band"],
                name="coverageminimum_unique_cell",
                violation_error_message="이 버전에 같은 구간의 최저가입금액이 이미 있습니다.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=1),
                name="coverageminimum_amount_positive",
                violation_error_message="최저가입금액은 1원 이상이어야 합니다.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.users_band.label} × {self.revenue_band.label}: {self.amount:,}원"

    def clean(self) -> None:
        super().clean()
        for field, axis in (("users_band", BandAxis.USERS), ("revenue_band", BandAxis.REVENUE)):
            band = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if band is None:
                continue
            if band.axis != axis:
                raise ValidationError({field: f"{BandAxis(axis).label} 구간을 고르세요."})
            if self.version_id and band.version_id != self.version_id:
                raise ValidationError({field: "같은 기준 버전의 구간을 고르세요."})
