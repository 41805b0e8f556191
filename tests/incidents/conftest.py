"""Fixtures of the accounts-and-penalties tests: the role users and API clients are the
suite's (tests/conftest.py). The published policy version (v1, from the data migration) holds
the penalty rules."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

KST = ZoneInfo("Asia/Seoul")


class Clock:
    """The time `django.utils.timezone.now()` answers, set by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def set(self, *args: int) -> datetime:
        self.at = datetime(*args, tzinfo=KST)  # type: ignore[misc]
        return self.at


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Pins "now" (KST, from the arguments of `clock.set`) for the services and selectors:
    SLA clocks are about elapsed business hours, which a test states exactly."""
    from django.utils import timezone

    pinned = Clock(datetime(2026, 10, 5, 9, tzinfo=KST))
    monkeypatch.setattr(timezone, "now", lambda: pinned.at)
    return pinned
