"""Notifiers: how a notice (a coupon about to expire, a blanket grant issued) reaches people.

The default, `OutboxNotifier`, writes the notice to the outbox table (`Notification`), which
the messaging service outside this project delivers and operators read in the console;
`LogNotifier` only logs (development). PAYOUTS_NOTIFIER names the class by dotted path.
`send` raises on failure and is harmless to repeat (a notice's key is unique).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    kind: str  # Notification.Kind
    key: str  # unique per notice: sending it again writes nothing new
    recipient_kind: str
    recipient_id: str  # blank: every recipient of a blanket grant (its segment)
    title: str
    body: str


class Notifier(Protocol):
    channel: str

    def send(self, notice: Notice) -> None: ...


class OutboxNotifier:
    channel = "outbox"
    # It writes the database: a notice can be part of the transaction that makes it true.
    transactional = True

    def send(self, notice: Notice) -> None:
        from payouts.models import Notification

        Notification.objects.get_or_create(
            key=notice.key,
            defaults={
                "kind": notice.kind,
                "recipient_kind": notice.recipient_kind,
                "recipient_id": notice.recipient_id,
                "title": notice.title,
                "body": notice.body,
            },
        )


class LogNotifier:
    channel = "log"

    def send(self, notice: Notice) -> None:
        logger.info(
            "notice %s to %s %s: %s", notice.key, notice.recipient_kind, notice.recipient_id,
            notice.title,
        )  # fmt: skip


def get_notifier() -> Notifier:
    return import_string(settings.PAYOUTS_NOTIFIER)()
