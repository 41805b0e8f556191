"""Instrument rules of a payout request (DOMAIN.md §2 and §5) and the input bounds."""

from __future__ import annotations

from typing import Any

from payouts.models import AMOUNT_INSTRUMENTS, COUNT_INSTRUMENTS, Instrument, PaymentAction
from policies.money import less_commission, round_coupon
from policies.selectors import instrument_params


class PayoutRuleError(ValueError):
    """The request breaks an instrument's rule (missing amount, count on a coupon, …)."""


MAX_AMOUNT = 2**63 - 1  # 원, PositiveBigIntegerField
MAX_COUNT = 2**31 - 1  # PositiveIntegerField
MAX_VALIDITY_DAYS = 2**15 - 1  # days, PositiveSmallIntegerField

# Payment actions that charge or discount an amount; the others act on the payment as a whole.
_ACTIONS_WITH_AMOUNT = frozenset({PaymentAction.RECHARGE, PaymentAction.FORCED_DISCOUNT})


def instrument_fields(
    *,
    instrument: str,
    amount: int | None = None,
    count: int | None = None,
    action: str = "",
    fare_as_points: int | None = None,
    computed_coupon: int | None = None,
    validity_days: int | None = None,
    policy_version: int | None = None,
) -> dict[str, Any]:
    """The stored fields of a grant after its instrument's rules (DOMAIN.md §2 and §5).

    Coupon and points parameters come from `policy_version`, the version of the grant's
    source (the claim's decision, the relief program), so a request made again later, after
    another version was published, is the same request; without one, the published version.

    - coupon: an explicit amount stands as written; a computed one is rounded to the policy
      version's unit (half up, not below its minimum); validity from the version.
    - points: a fare paid as points loses the version's driver commission; memo from it.
    - vouchers and emoticons are counted; payment actions carry their code.
    """
    if instrument not in Instrument.values:
        raise PayoutRuleError(f"알 수 없는 지급수단: {instrument}")
    fields: dict[str, Any] = {
        "instrument": instrument,
        "amount": amount,
        "count": count,
        "action": action or "",
        "validity_days": validity_days,
        "policy_version": policy_version,
        "memo": "",
    }
    for name, value in (("amount", amount), ("count", count)):
        if value is not None and (not isinstance(value, int) or value <= 0):
            raise PayoutRuleError(f"{name}은(는) 양의 정수여야 합니다.")
    # The columns' bounds, checked here so a typo gives a clear message instead of a database
    # error (amount: bigint, count: integer, validity: smallint).
    if amount is not None and amount > MAX_AMOUNT:
        raise PayoutRuleError(f"금액은 {MAX_AMOUNT:,}원 이하여야 합니다.")
    if count is not None and count > MAX_COUNT:
        raise PayoutRuleError(f"수량은 {MAX_COUNT:,} 이하여야 합니다.")
    if validity_days is not None and (
        not isinstance(validity_days, int) or not 1 <= validity_days <= MAX_VALIDITY_DAYS
    ):
        raise PayoutRuleError(f"유효기간은 1~{MAX_VALIDITY_DAYS:,}일이어야 합니다.")
    if instrument != Instrument.COUPON and computed_coupon is not None:
        raise PayoutRuleError("계산 쿠폰 금액은 쿠폰에만 씁니다.")
    if instrument != Instrument.POINTS and fare_as_points is not None:
        raise PayoutRuleError("운행료 포인트 지급은 기사 포인트에만 씁니다.")
    if instrument != Instrument.PAYMENT_ACTION and action:
        raise PayoutRuleError("결제 조치 코드는 결제 조치에만 씁니다.")

    if instrument == Instrument.COUPON:
        params = _params(policy_version)
        if (amount is None) == (computed_coupon is None):
            raise PayoutRuleError("쿠폰은 금액 또는 계산 금액 중 하나가 필요합니다.")
        if computed_coupon is not None:
            fields["amount"] = round_coupon(
                computed_coupon, params.coupon_unit, params.coupon_minimum
            )
        fields["validity_days"] = validity_days or params.coupon_validity_days
        fields["policy_version"] = params.policy_version
    elif instrument == Instrument.POINTS:
        params = _params(policy_version)
        if (amount is None) == (fare_as_points is None):
            raise PayoutRuleError("포인트는 금액 또는 운행료 중 하나가 필요합니다.")
        if fare_as_points is not None:
            if fare_as_points <= 0:
                raise PayoutRuleError("운행료는 양의 정수여야 합니다.")
            fields["amount"] = less_commission(fare_as_points, params.driver_commission_percent)
        fields["memo"] = params.points_memo
        fields["policy_version"] = params.policy_version
    elif instrument in AMOUNT_INSTRUMENTS and amount is None:
        raise PayoutRuleError(f"{Instrument(instrument).label}은(는) 금액이 필요합니다.")

    if instrument in AMOUNT_INSTRUMENTS and count is not None:
        raise PayoutRuleError(f"{Instrument(instrument).label}은(는) 수량이 아니라 금액입니다.")
    if instrument in COUNT_INSTRUMENTS:
        if count is None or amount is not None:
            raise PayoutRuleError(f"{Instrument(instrument).label}은(는) 수량(장/개)으로 줍니다.")
    if instrument == Instrument.PAYMENT_ACTION:
        if action not in PaymentAction.values:
            raise PayoutRuleError(f"알 수 없는 결제 조치: {action!r}")
        if count is not None:
            raise PayoutRuleError("결제 조치에는 수량이 없습니다.")
        if (action in _ACTIONS_WITH_AMOUNT) != (amount is not None):
            raise PayoutRuleError("재결제와 강제할인에만 금액이 있습니다.")
    return fields


def _params(version: int | None) -> Any:
    try:
        return instrument_params(version_number=version)
    except LookupError as exc:  # UnknownVersion, NoPublishedPolicy
        raise PayoutRuleError(str(exc)) from exc


def is_header_safe(value: str) -> bool:
    """Visible ASCII only (0x21–0x7E): safe in an HTTP header and in a key built from it."""
    return bool(value) and all("!" <= ch <= "~" for ch in value)
