"""The one module that rounds money. Amounts are integer 원; no floats, no Decimal.

Percentages are integer percent points (20 means 20%). Fractions of a 원 are cut off
(절사) everywhere except coupons, which are rounded to the coupon unit, half up.
"""


def percent_of(amount: int, percent: int) -> int:
    """`percent`% of `amount` in whole 원, fractions of a 원 cut off."""
    if amount < 0 or percent < 0:
        raise ValueError("amount and percent must not be negative")
    return amount * percent // 100


def less_commission(fare: int, commission_percent: int, *, percent: int = 100) -> int:
    """What a driver receives of `percent`% of a fare once the platform's commission is
    taken; one cut at the end, so a share and the commission never lose a 원 twice."""
    if fare < 0 or percent < 0 or not 0 <= commission_percent <= 100:
        raise ValueError("fare, percent and commission must not be negative")
    return fare * percent * (100 - commission_percent) // 10_000


def round_coupon(amount: int, unit: int, minimum: int) -> int:
    """A computed coupon amount: nearest `unit` (half up), never below `minimum`."""
    if unit <= 0:
        raise ValueError("coupon unit must be positive")
    if amount < 0:
        raise ValueError("amount must not be negative")
    rounded = (amount + unit // 2) // unit * unit if unit % 2 == 0 else _half_up(amount, unit)
    return max(rounded, minimum)


def _half_up(amount: int, unit: int) -> int:
    # For an odd unit, "half" is not a whole 원: compare twice the remainder with the unit.
    quotient, remainder = divmod(amount, unit)
    if remainder * 2 >= unit:
        quotient += 1
    return quotient * unit


def won_label(amount: int | None, *, unknown: str = "-") -> str:
    """An amount as people read it ('1,234원'); `unknown` when there is none."""
    return unknown if amount is None else f"{amount:,}원"
