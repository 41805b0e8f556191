"""The statutory personal-information liability check (DOMAIN.md §6, seed 004), as a pure
function of a rule version's data and the facts given: no database, no clock.

Guarantees of `check_coverage`:
- the daily average is the sum of the three monthly counts divided by the version's
  `average_days` (92), fractions cut off (floor): 1,000 × 92 − 1 users over the quarter is a
  daily average of 999;
- the duty applies exactly when revenue ≥ the version's revenue minimum and the daily average
  ≥ its users minimum; when it does not, every unmet threshold is named;
- when it applies, the minimum is the table cell of the one users band and the one revenue band
  holding the figures, the cover is the registered lines' limits plus the reserve / mutual-aid
  amount, and the fine is the version's when the cover falls short (the shortfall is the gap).
"""

import datetime as dt
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

# Input bounds of the page and the API: above any real figure and inside a signed 64-bit
# integer, so a client's int64 holds every answer too.
MAX_WON = 10**16
MAX_USERS = 10**12


class CoverageRulesIncomplete(ValueError):
    """The version has no band or no amount for figures above its thresholds."""


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    minimum: int
    maximum: int | None

    def contains(self, value: int) -> bool:
        return self.minimum <= value and (self.maximum is None or value <= self.maximum)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "minimum": self.minimum,
            "maximum": self.maximum,
        }


@dataclass(frozen=True)
class CoverageRules:
    """One rule version's data, read once (selectors.coverage_rules_in_force)."""

    number: int
    title: str
    legal_basis: str
    effective_from: dt.date
    effective_to: dt.date | None
    revenue_minimum: int
    users_minimum: int
    average_days: int
    fine: int
    revenue_bands: tuple[Band, ...]
    users_bands: tuple[Band, ...]
    # (users band code, revenue band code) -> minimum cover in 원
    amounts: dict[tuple[str, str], int] = field(hash=False)

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "legal_basis": self.legal_basis,
            "effective_from": self.effective_from,
            "effective_to": self.effective_to,
        }


@dataclass(frozen=True)
class Cover:
    """A registered insurance line counted towards the minimum."""

    line_id: int
    kind: str
    kind_label: str
    insurer: str
    policy_number: str
    limit: int
    period_start: dt.date
    period_end: dt.date

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.line_id,
            "kind": self.kind,
            "kind_label": self.kind_label,
            "insurer": self.insurer,
            "policy_number": self.policy_number,
            "limit": self.limit,
            "period_start": self.period_start,
            "period_end": self.period_end,
        }


@dataclass(frozen=True)
class CoverageAnswer:
    on: dt.date
    rules: CoverageRules
    user_counts: tuple[int, int, int]
    daily_average_users: int
    duty_applies: bool
    not_applicable_reasons: tuple[str, ...]
    revenue_band: Band | None
    users_band: Band | None
    minimum_amount: int | None
    lines: tuple[Cover, ...]
    insured_total: int
    reserve: int
    cover_total: int
    meets_minimum: bool | None
    shortfall: int
    fine: int

    @property
    def compliant(self) -> bool:
        return not self.duty_applies or bool(self.meets_minimum)

    @property
    def summary(self) -> str:
        if not self.duty_applies:
            return "의무 대상이 아닙니다: " + " ".join(self.not_applicable_reasons)
        if self.meets_minimum:
            return (
                f"의무 대상이며 보장 합계 {self.cover_total:,}원이 최저가입금액 "
                f"{self.minimum_amount:,}원 이상입니다."
            )
        return (
            f"의무 대상이나 보장 합계 {self.cover_total:,}원이 최저가입금액 "
            f"{self.minimum_amount:,}원에 {self.shortfall:,}원 모자랍니다. "
            f"과태료 {self.fine:,}원 대상입니다."
        )

    def as_dict(self) -> dict[str, Any]:
        oct_, nov, dec = self.user_counts
        return {
            "on": self.on,
            "rule_version": self.rules.as_dict(),
            "user_counts": {"oct": oct_, "nov": nov, "dec": dec, "total": oct_ + nov + dec},
            "average_days": self.rules.average_days,
            "daily_average_users": self.daily_average_users,
            "revenue_minimum": self.rules.revenue_minimum,
            "users_minimum": self.rules.users_minimum,
            "duty_applies": self.duty_applies,
            "not_applicable_reasons": list(self.not_applicable_reasons),
            "revenue_band": self.revenue_band.as_dict() if self.revenue_band else None,
            "users_band": self.users_band.as_dict() if self.users_band else None,
            "minimum_amount": self.minimum_amount,
            "lines": [line.as_dict() for line in self.lines],
            "insured_total": self.insured_total,
            "reserve": self.reserve,
            "cover_total": self.cover_total,
            "meets_minimum": self.meets_minimum,
            "shortfall": self.shortfall,
            "fine": self.fine,
            "compliant": self.compliant,
            "summary": self.summary,
        }


def daily_average(counts: tuple[int, int, int], days: int) -> int:
    """Stored users per day over the quarter, fractions cut off (floor)."""
    if days < 1 or any(c < 0 for c in counts):
        raise ValueError("days must be positive and counts not negative")
    return sum(counts) // days


def _band_of(bands: tuple[Band, ...], value: int) -> Band | None:
    found = [b for b in bands if b.contains(value)]
    if len(found) > 1:
        raise CoverageRulesIncomplete(
            f"구간이 겹칩니다: {', '.join(b.label for b in found)} (값 {value:,})."
        )
    return found[0] if found else None


def check_coverage(
    *,
    rules: CoverageRules,
    on: dt.date,
    revenue: int,
    user_counts: tuple[int, int, int],
    lines: list[Cover] | tuple[Cover, ...] = (),
    reserve: int = 0,
) -> CoverageAnswer:
    """Whether the duty applies on `on` under `rules`, the minimum it asks, and whether the
    given lines and reserve meet it (see the module's guarantees)."""
    if not rules.in_force(on):
        raise ValueError(f"v{rules.number} is not in force on {on}")
    if revenue < 0 or reserve < 0 or any(line.limit < 0 for line in lines):
        raise ValueError("amounts must not be negative")
    average = daily_average(user_counts, rules.average_days)
    reasons = []
    if revenue < rules.revenue_minimum:
        reasons.append(
            f"전년도 매출액 {revenue:,}원이 기준 {rules.revenue_minimum:,}원 미만입니다."
        )
    if average < rules.users_minimum:
        reasons.append(
            f"일일평균 이용자 수 {average:,}명이 기준 {rules.users_minimum:,}명 미만입니다."
        )
    applies = not reasons
    revenue_band = _band_of(rules.revenue_bands, revenue)
    users_band = _band_of(rules.users_bands, average)
    insured = sum(line.limit for line in lines)
    cover = insured + reserve
    minimum: int | None = None
    meets: bool | None = None
    shortfall = fine = 0
    if applies:
        if revenue_band is None or users_band is None:
            raise CoverageRulesIncomplete(
                f"v{rules.number}에 매출액 {revenue:,}원 또는 일일평균 이용자 {average:,}명의 "
                "구간이 없습니다."
            )
        key = (users_band.code, revenue_band.code)
        if key not in rules.amounts:
            raise CoverageRulesIncomplete(
                f"v{rules.number}에 {users_band.label} × {revenue_band.label}의 최저가입금액이 "
                "없습니다."
            )
        minimum = rules.amounts[key]
        meets = cover >= minimum
        shortfall = max(0, minimum - cover)
        fine = 0 if meets else rules.fine
    return CoverageAnswer(
        on=on,
        rules=rules,
        user_counts=user_counts,
        daily_average_users=average,
        duty_applies=applies,
        not_applicable_reasons=tuple(reasons),
        revenue_band=revenue_band,
        users_band=users_band,
        minimum_amount=minimum,
        lines=tuple(lines),
        insured_total=insured,
        reserve=reserve,
        cover_total=cover,
        meets_minimum=meets,
        shortfall=shortfall,
        fine=fine,
    )


def rules_problems(rules: CoverageRules) -> list[str]:
    """What keeps a version from answering every case above its thresholds: bands of an axis
    that overlap, leave a gap, do not start at the threshold or end below infinity, and
    missing cells of the table. Empty when the version is complete."""
    problems = []
    for axis, bands, threshold in (
        ("매출액", rules.revenue_bands, rules.revenue_minimum),
        ("이용자 수", rules.users_bands, rules.users_minimum),
    ):
        ordered = sorted(bands, key=lambda b: b.minimum)
        if not ordered:
            problems.append(f"{axis} 구간이 없습니다.")
            continue
        if ordered[0].minimum != threshold:
            problems.append(
                f"{axis} 가장 낮은 구간의 하한({ordered[0].minimum:,})이 기준({threshold:,})과 "
                "다릅니다."
            )
        for low, high in pairwise(ordered):
            if low.maximum is None or low.maximum + 1 != high.minimum:
                problems.append(f"{axis} 구간 '{low.label}'와 '{high.label}'가 이어지지 않습니다.")
        if ordered[-1].maximum is not None:
            problems.append(f"{axis} 가장 높은 구간 '{ordered[-1].label}'에 상한이 없어야 합니다.")
    for users in rules.users_bands:
        for revenue in rules.revenue_bands:
            if (users.code, revenue.code) not in rules.amounts:
                problems.append(f"{users.label} × {revenue.label}의 최저가입금액이 없습니다.")
    return problems
