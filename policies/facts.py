"""The facts a rule is evaluated on: their names, types and checks.

The vocabulary is code (the evaluator must know what a fact means); which facts a rule needs
is data: the facts its rows' conditions and its outcomes' bases name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from policies.models import TierOutcome


@dataclass(frozen=True)
class Fact:
    name: str
    type: type  # int (원 or minutes or days, never negative) or bool
    label: str
    unit: str = ""


FACTS: dict[str, Fact] = {
    f.name: f
    for f in [
        Fact("late_minutes", int, "예약 출발시간 지각", "분"),
        Fact("minutes_past_reservation", int, "예약시간 경과", "분"),
        Fact("extra_minutes", int, "예상시간 대비 초과 운행", "분"),
        Fact("actual_fare", int, "실운행료", "원"),
        Fact("economy_fare", int, "착한요금(이코노미) 요금", "원"),
        Fact("call_amount", int, "호출금액", "원"),
        Fact("calculator_amount", int, "요금계산기 금액", "원"),
        Fact("premium_fare", int, "프리미엄 호출금액", "원"),
        Fact("realtime", bool, "실시간 (주차를 원하는 상황)"),
        Fact("extra_call_made", bool, "추가 호출함"),
        Fact("extra_call_fare", int, "추가 호출 요금", "원"),
        Fact("evidenced", bool, "증빙됨"),
        Fact("business_days_since_promise", int, "재연락 약속 후 경과 영업일", "영업일"),
        Fact("loss_amount", int, "금전적 피해 금액 (0은 피해 없음)", "원"),
    ]
}

# Facts computed from others. A row may test them and an outcome may use them as a basis;
# the caller supplies the facts they are made of.
DERIVED: dict[str, tuple[tuple[str, ...], str]] = {
    "fare_difference": (("call_amount", "actual_fare"), "호출금액 − 실운행료"),
    "extra_fare": (("actual_fare", "call_amount"), "실운행료 − 호출금액"),
}


def derive(facts: dict[str, Any]) -> dict[str, Any]:
    out = dict(facts)
    if "call_amount" in facts and "actual_fare" in facts:
        out["fare_difference"] = facts["call_amount"] - facts["actual_fare"]
        out["extra_fare"] = facts["actual_fare"] - facts["call_amount"]
    return out


def fact_label(name: str) -> str:
    if name in FACTS:
        return FACTS[name].label
    return DERIVED[name][1] if name in DERIVED else name


def fact_unit(name: str) -> str:
    if name in FACTS:
        return FACTS[name].unit
    return "원" if name in DERIVED else ""


def base_facts(name: str) -> tuple[str, ...]:
    """The caller-supplied facts behind a fact name (itself, or a derived fact's parts)."""
    if name in DERIVED:
        return DERIVED[name][0]
    return (name,)


def known(name: str) -> bool:
    return name in FACTS or name in DERIVED


# No fare, loss or count in this business comes near 1조; the cap keeps every amount derived
# from a fact well inside a 64-bit column.
FACT_MAX = 10**12


class FactsInvalid(ValueError):
    """Per-fact messages, shaped like a serializer's errors."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def clean_facts(raw: Any) -> dict[str, int | bool]:
    """Type-check caller facts: integers are whole, non-negative, not booleans; booleans are
    JSON true/false. Unknown names are refused so a typo is not silently ignored."""
    if not isinstance(raw, dict):
        raise FactsInvalid({"facts": ["사실(facts)은 이름과 값의 객체여야 합니다."]})
    errors: dict[str, list[str]] = {}
    clean: dict[str, int | bool] = {}
    for name, value in raw.items():
        fact = FACTS.get(name)
        if fact is None:
            errors[name] = [f"알 수 없는 사실입니다. 쓸 수 있는 이름: {', '.join(FACTS)}"]
        elif fact.type is bool:
            if not isinstance(value, bool):
                errors[name] = ["true 또는 false 여야 합니다."]
            else:
                clean[name] = value
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[name] = [f"정수({fact.unit})여야 합니다."]
        elif value < 0:
            errors[name] = ["0 이상이어야 합니다."]
        elif value > FACT_MAX:
            errors[name] = [f"{FACT_MAX:,} 이하여야 합니다."]
        else:
            clean[name] = value
    if errors:
        raise FactsInvalid(errors)
    return clean


# --- checks of the book's own data (admin forms and the loader) ------------------------------

OPS = {"lt", "lte", "gt", "gte", "eq"}


def fact_type(name: str) -> type:
    return bool if name in FACTS and FACTS[name].type is bool else int


def validate_conditions(conditions: Any) -> None:
    if not isinstance(conditions, list):
        raise ValidationError({"conditions": "조건은 목록이어야 합니다."})
    for i, cond in enumerate(conditions, start=1):
        where = f"{i}번째 조건"
        if not isinstance(cond, dict) or set(cond) != {"fact", "op", "value"}:
            raise ValidationError({"conditions": f"{where}: fact, op, value 세 항목이 필요합니다."})
        if not known(cond["fact"]):
            raise ValidationError({"conditions": f"{where}: 알 수 없는 사실 {cond['fact']!r}"})
        if cond["op"] not in OPS:
            raise ValidationError({"conditions": f"{where}: op는 {sorted(OPS)} 중 하나"})
        value = cond["value"]
        if fact_type(cond["fact"]) is bool:
            if not isinstance(value, bool) or cond["op"] != "eq":
                raise ValidationError({"conditions": f"{where}: 참/거짓 사실은 eq true|false"})
        elif isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError({"conditions": f"{where}: 값은 정수여야 합니다."})


def validate_penalties(penalties: Any) -> None:
    from policies.models import Penalty

    if not isinstance(penalties, list) or any(p not in Penalty.values for p in penalties):
        raise ValidationError(
            {"penalties": f"패널티는 코드 목록이어야 합니다: {', '.join(Penalty.values)}"}
        )


def validate_outcome(outcome: TierOutcome) -> None:
    from policies.models import Instrument, OutcomeKind, PaymentAction

    errors: dict[str, str] = {}
    kind = outcome.kind
    if not isinstance(outcome.actions, list) or any(
        a not in PaymentAction.values for a in outcome.actions
    ):
        errors["actions"] = f"결제 조치 코드 목록이어야 합니다: {', '.join(PaymentAction.values)}"
    for field in ("basis", "charge_basis"):
        name = getattr(outcome, field)
        if name and (not known(name) or fact_type(name) is bool):
            errors[field] = f"금액 사실이 아닙니다: {name!r}"
    for field in ("percent", "charge_percent"):
        value = getattr(outcome, field)
        if value is not None and not 1 <= value <= 100:
            errors[field] = "비율은 1~100 사이여야 합니다."
    if kind == OutcomeKind.FIXED and outcome.amount is None:
        errors["amount"] = "정액에는 금액이 필요합니다."
    if kind == OutcomeKind.RANGE and (
        outcome.amount is None or outcome.amount_max is None or outcome.amount_max < outcome.amount
    ):
        errors["amount_max"] = "범위에는 최소 금액과 그 이상인 최대 금액이 필요합니다."
    if kind == OutcomeKind.PERCENT_OF_FARE and (outcome.percent is None or not outcome.basis):
        errors["percent"] = "요금 비율에는 비율과 기준 사실이 필요합니다."
    if kind == OutcomeKind.VOUCHERS:
        if not outcome.vouchers:
            errors["vouchers"] = "권 지급에는 장 수가 필요합니다."
        if outcome.instrument not in (Instrument.PRO_VOUCHER, Instrument.DISPATCH_VOUCHER):
            errors["instrument"] = "권 지급의 지급수단은 프단권 또는 단배권입니다."
    if kind == OutcomeKind.PAYMENT_ACTION and not outcome.actions:
        errors["actions"] = "결제 조치에는 조치 코드가 필요합니다."
    if kind in (OutcomeKind.FIXED, OutcomeKind.RANGE, OutcomeKind.PERCENT_OF_FARE) and (
        outcome.instrument not in (Instrument.COUPON, Instrument.POINTS)
    ):
        errors["instrument"] = "금액 지급에는 쿠폰 또는 포인트가 필요합니다."
    if errors:
        raise ValidationError(errors)
