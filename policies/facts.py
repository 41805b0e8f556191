"""The facts a rule is evaluated on: their names, types and checks.

The vocabulary is code (the evaluator must know what a fact means); which facts a rule needs
is data: the facts its rows' conditions and its outcomes' bases name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ValidationError


class ConditionFields(Protocol):
    """What the checks read of a row's condition (policies.models.RowCondition)."""

    fact: str
    op: str
    value: int | None
    flag: bool | None


class EffectFields(Protocol):
    """What the checks read of an effect (policies.models.Effect); the models call these
    checks, so this module names no model."""

    type: str
    method: str
    instrument: str
    action: str
    amount: int | None
    amount_max: int | None
    step: int | None
    count: int | None
    percent: int | None
    basis: str
    recipient: str
    trigger: str
    trigger_tier: int | None
    trigger_count: int | None
    when_fact: str


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
        Fact("expected_fare", int, "예상요금", "원"),
        Fact("calculator_amount", int, "요금계산기 금액", "원"),
        Fact("premium_fare", int, "프리미엄 호출금액", "원"),
        Fact("realtime", bool, "실시간 (주차를 원하는 상황)"),
        Fact("extra_call_made", bool, "추가 호출함"),
        Fact("extra_call_needed", bool, "운행 중단으로 추가 호출이 필요함"),
        Fact("extra_driver_needed", bool, "고객이 추가 대리기사가 필요하다고 함"),
        Fact("extra_call_fare", int, "추가 호출 요금", "원"),
        Fact("evidenced", bool, "증빙됨"),
        Fact("customer_clearly_at_fault", bool, "명백한 고객 귀책"),
        Fact("dui_cleared", bool, "음주 아님 소명 완료"),
        Fact("expired_during_outage", bool, "장애시간 중 만료"),
        Fact("business_days_since_promise", int, "재연락 약속 후 경과 영업일", "영업일"),
        Fact("loss_amount", int, "금전적 피해 금액 (0은 피해 없음)", "원"),
    ]
}

# Facts computed from others. A row may test them and an outcome may use them as a basis;
# the caller supplies the facts they are made of.
DERIVED: dict[str, tuple[tuple[str, ...], str]] = {
    "fare_difference": (("call_amount", "actual_fare"), "호출금액 − 실운행료"),
    "extra_fare": (("actual_fare", "call_amount"), "실운행료 − 호출금액"),
    "expected_difference": (("call_amount", "expected_fare"), "호출금액 − 예상요금"),
}


def derive(facts: dict[str, Any]) -> dict[str, Any]:
    out = dict(facts)
    if "call_amount" in facts and "actual_fare" in facts:
        out["fare_difference"] = facts["call_amount"] - facts["actual_fare"]
        out["extra_fare"] = facts["actual_fare"] - facts["call_amount"]
    if "call_amount" in facts and "expected_fare" in facts:
        out["expected_difference"] = facts["call_amount"] - facts["expected_fare"]
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


MAX_FACT_ERRORS = 20


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
        if len(errors) >= MAX_FACT_ERRORS:
            # The answer stays small whatever the request holds: the first few problems, and
            # a count of the rest.
            errors["facts"] = [f"사실 오류가 많아 처음 {MAX_FACT_ERRORS}개만 보입니다."]
            break
        fact = FACTS.get(name)
        if fact is None:
            errors[str(name)[:60]] = [
                "알 수 없는 사실입니다. 유형 목록 API가 쓸 수 있는 사실을 알려줍니다."
            ]
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
SYMBOLS = {"lt": "<", "lte": "≤", "gt": ">", "gte": "≥", "eq": "="}


def fact_type(name: str) -> type:
    return bool if name in FACTS and FACTS[name].type is bool else int


def fact_choices(*, kind: type | None = None) -> list[tuple[str, str]]:
    """(name, label) of every fact a row or effect may name, derived ones included."""
    names = [*FACTS, *DERIVED]
    return [(n, fact_label(n)) for n in names if kind is None or fact_type(n) is kind]


def describe_condition(cond: dict[str, Any], *, labels: bool = False) -> str:
    """`late_minutes > 30`, or with labels `예약 출발시간 지각 > 30분` for people."""
    value = cond["value"]
    if isinstance(value, bool):
        shown = ("예" if value else "아니오") if labels else str(value).lower()
    elif value is None:
        shown = "-"
    else:
        shown = f"{value:,}{fact_unit(cond['fact'])}" if labels else f"{value:,}"
    name = fact_label(cond["fact"]) if labels else cond["fact"]
    return f"{name} {SYMBOLS.get(cond['op'], cond['op'])} {shown}"


def validate_condition(cond: ConditionFields) -> None:
    """Errors name the field: the fact, the comparison, the value."""
    if not known(cond.fact):
        raise ValidationError({"fact": f"알 수 없는 사실입니다: {cond.fact!r}"})
    if cond.op not in OPS:
        raise ValidationError({"op": "비교는 <, ≤, >, ≥, = 중 하나입니다."})
    if fact_type(cond.fact) is bool:
        errors = {}
        if cond.op != "eq":
            errors["op"] = "예/아니오 사실은 = 로만 비교합니다."
        if cond.flag is None:
            errors["flag"] = "예/아니오 사실에는 예 또는 아니오를 고르세요."
        if errors:
            raise ValidationError(errors)
    elif cond.value is None:
        raise ValidationError({"value": "금액·시간 사실에는 값(정수)이 필요합니다."})


def validate_trigger(trigger: str, *, tier: int | None, count: int | None) -> None:
    if trigger == "on_refusal" and tier not in (1, 2, 3):
        raise ValidationError({"tier": "거부 시 발동에는 거부한 차수(1~3)가 필요합니다."})
    if trigger == "on_repeat" and not count:
        raise ValidationError({"count": "누적 시 발동에는 누적 횟수가 필요합니다."})
    if tier is not None and tier not in (1, 2, 3):
        raise ValidationError({"tier": "차수는 1, 2, 3 중 하나입니다."})


def _amount_fact(name: str) -> bool:
    return known(name) and fact_type(name) is int


def validate_effect(effect: EffectFields) -> None:
    """One effect's fields agree with its type and method; errors name the field."""
    errors: dict[str, str] = {}
    method, kind = effect.method, effect.type
    needs_basis = method == "percent_of_fare" or (method == "actual_loss" and effect.basis)
    if needs_basis and not _amount_fact(effect.basis):
        errors["basis"] = f"금액 사실을 고르세요 (현재: {effect.basis or '없음'})."
    if effect.basis and not _amount_fact(effect.basis):
        errors["basis"] = f"금액 사실이 아닙니다: {effect.basis!r}"
    if method == "percent_of_fare" and effect.percent is None:
        errors["percent"] = "요금 비율에는 비율이 필요합니다."
    if method == "fixed" and effect.amount is None:
        errors["amount"] = "정액에는 금액이 필요합니다."
    if method == "range":
        if effect.amount is None or effect.amount_max is None or effect.amount_max < effect.amount:
            errors["amount_max"] = "범위에는 최소 금액과 그 이상인 최대 금액이 필요합니다."
        if not effect.step:
            errors["step"] = "범위에는 승인자가 고르는 금액의 단위가 필요합니다."
    if method == "count" and not effect.count:
        errors["count"] = "장 수를 입력하세요."
    if kind == "grant":
        if not effect.instrument:
            errors["instrument"] = "지급에는 지급수단이 필요합니다."
        elif method == "count" and effect.instrument not in ("pro_voucher", "dispatch_voucher"):
            errors["instrument"] = "장 수 지급의 지급수단은 프단권 또는 단배권입니다."
        elif method != "count" and effect.instrument not in ("coupon", "points"):
            errors["instrument"] = "금액 지급의 지급수단은 쿠폰 또는 포인트입니다."
        # A coupon is a customer's instrument; points and tickets are a driver's.
        if effect.instrument == "coupon" and effect.recipient != "customer":
            errors["recipient"] = "쿠폰은 고객에게만 지급합니다 (기사는 포인트)."
        elif effect.instrument and effect.instrument != "coupon" and effect.recipient != "driver":
            errors["recipient"] = "포인트·프단권·단배권은 기사에게만 지급합니다."
        if method in ("none", "fare_adjustment"):
            errors["method"] = (
                "지급에는 금액 산정 방법(정액, 범위, 요금 비율, 실손, 장 수)이 필요합니다."
            )
    elif effect.instrument:
        errors["instrument"] = "지급수단은 지급 효과에만 씁니다."
    if kind == "charge" and method not in ("percent_of_fare", "fare_adjustment", "fixed"):
        errors["method"] = "새 결제금액은 요금 비율, 요금 하향 구간 또는 정액으로 정합니다."
    if kind == "action":
        if not effect.action:
            errors["action"] = "결제 조치를 고르세요."
        if method not in ("none", "percent_of_fare", "fixed"):
            errors["method"] = "결제 조치의 금액은 없음, 정액 또는 요금 비율입니다."
    if effect.when_fact and (
        not known(effect.when_fact) or fact_type(effect.when_fact) is not bool
    ):
        errors["when_fact"] = f"적용 조건은 예/아니오 사실이어야 합니다: {effect.when_fact!r}"
    try:
        validate_trigger(effect.trigger, tier=effect.trigger_tier, count=effect.trigger_count)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors[f"trigger_{field}"] = " ".join(messages)
    if errors:
        raise ValidationError(errors)


def validate_outcome_effects(kind: str, effects: Sequence[EffectFields]) -> list[str]:
    """What is wrong between a tier's kind and its effects (empty when they agree)."""
    if kind in ("care_only", "needs_discussion"):
        return ["보상불가·논의 필요 결과에는 효과를 둘 수 없습니다."] if effects else []
    if not effects:
        return ["이 결과 종류에는 효과가 하나 이상 필요합니다."]
    methods = {e.method for e in effects}
    wanted = {
        "fixed": "fixed",
        "range": "range",
        "percent_of_fare": "percent_of_fare",
        "fare_adjustment": "fare_adjustment",
        "actual_loss": "actual_loss",
        "vouchers": "count",
    }.get(kind)
    if wanted and wanted not in methods:
        return [f"결과 종류와 맞는 금액 산정({wanted}) 효과가 없습니다."]
    if kind == "payment_action" and not any(e.type in ("action", "charge") for e in effects):
        return ["결제 조치 결과에는 결제 조치나 새 결제금액 효과가 필요합니다."]
    return []
