"""Notifiers: how a coupon expiry reminder reaches the customer.

The default only logs (the messaging service is outside this project); PAYOUTS_NOTIFIER names
another class by dotted path. `send` raises on failure.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from payouts.models import CouponReminder

logger = logging.getLogger(__name__)


class Notifier(Protocol):
    channel: str

    def send(self, reminder: CouponReminder) -> None: ...


class LogNotifier:
    channel = "log"

    def send(self, reminder: CouponReminder) -> None:
        logger.info(
            "coupon reminder: request %s expires in %s days (to %s)",
            reminder.request_id,
            reminder.days_before,
            reminder.request.recipient_id,
        )


def get_notifier() -> Notifier:
    return import_string(settings.PAYOUTS_NOTIFIER)()
