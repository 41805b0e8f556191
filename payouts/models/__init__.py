"""Payout requests, their issue batches, the append-only ledger and blanket grants.

Money is integer 원 (`amount`); vouchers and emoticons are counted (`count`); payment actions
carry an action code. A request is issued at most once: its ledger entry is unique per
request, and every status change is a compare-and-set checked against `TRANSITIONS`.
"""

from payouts.models.batches import PayoutBatch, PayoutChunk
from payouts.models.choices import (
    AMOUNT_INSTRUMENTS,
    COUNT_INSTRUMENTS,
    Instrument,
    PaymentAction,
    RecipientKind,
    SourceKind,
)
from payouts.models.grants import BlanketGrant, BlanketGrantEvent, GrantUploadStorage
from payouts.models.ledger import LedgerEntry, LedgerIsAppendOnly, LedgerQuerySet
from payouts.models.notifications import Notification
from payouts.models.reminders import CouponReminder
from payouts.models.requests import PayoutRequest, PayoutRequestEvent

__all__ = [
    "AMOUNT_INSTRUMENTS",
    "COUNT_INSTRUMENTS",
    "BlanketGrant",
    "BlanketGrantEvent",
    "CouponReminder",
    "GrantUploadStorage",
    "Instrument",
    "LedgerEntry",
    "LedgerIsAppendOnly",
    "LedgerQuerySet",
    "Notification",
    "PaymentAction",
    "PayoutBatch",
    "PayoutChunk",
    "PayoutRequest",
    "PayoutRequestEvent",
    "RecipientKind",
    "SourceKind",
]
