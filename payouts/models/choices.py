"""Codes shared by the payout models (DOMAIN.md §2 instruments, §5 relief instruments).

The policy engine owns the claim instruments and the payment-action codes (`policies.models`);
payouts may depend on policies, so it reuses them instead of keeping a second copy that could
drift. Payouts adds the instruments only it hands out: a payment action, and the relief ones.
"""

from django.db import models

from policies.models import (
    RELIEF_AMOUNT_INSTRUMENTS,
    RELIEF_COUNT_INSTRUMENTS,
    PaymentAction,
    ReliefInstrument,
)
from policies.models import Instrument as PolicyInstrument

__all__ = [
    "AMOUNT_INSTRUMENTS",
    "COUNT_INSTRUMENTS",
    "Instrument",
    "PaymentAction",
    "RecipientKind",
    "SourceKind",
]


class RecipientKind(models.TextChoices):
    CUSTOMER = "customer", "고객"
    DRIVER = "driver", "기사"
    BUSINESS = "business", "사업자"
    TRUKA_MEMBER = "truka_member", "트루카 회원"


# The policy's instruments first (same names, values and labels), then a payment action, then
# the relief programs' instruments (policies.ReliefInstrument; `points` is already the book's).
Instrument = models.TextChoices(  # type: ignore[misc,call-overload]
    "Instrument",
    [(member.name, (member.value, member.label)) for member in PolicyInstrument]
    + [("PAYMENT_ACTION", ("payment_action", "결제 조치"))]
    + [
        (member.name, (member.value, member.label))
        for member in ReliefInstrument
        if member.value not in PolicyInstrument.values
    ],
)


# Which instruments are money, which are counted, which are an action on a payment.
AMOUNT_INSTRUMENTS = frozenset({Instrument.COUPON, Instrument.POINTS}) | frozenset(
    Instrument(value) for value in RELIEF_AMOUNT_INSTRUMENTS
)
COUNT_INSTRUMENTS = frozenset({Instrument.PRO_VOUCHER, Instrument.DISPATCH_VOUCHER}) | frozenset(
    Instrument(value) for value in RELIEF_COUNT_INSTRUMENTS
)


class SourceKind(models.TextChoices):
    CLAIM_DECISION = "claim_decision", "클레임 결정"
    RELIEF_APPLICATION = "relief_application", "피해 지원 신청"
    PROGRAM_GRANT = "program_grant", "프로그램 일괄 지급"
