"""SLA clocks in business hours: Korean business days (weekends and the public holidays of the
`holidays` library are not), between the policy's start and end hour in Korea time."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

KST = ZoneInfo("Asia/Seoul")


@lru_cache(maxsize=64)
def _korean_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KR", years=year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _korean_holidays(day.year)


def _day_bounds(day: date, day_start: int, day_end: int) -> tuple[datetime, datetime]:
    opens = datetime.combine(day, time(day_start), tzinfo=KST)
    # day_end may be 24: the end of the day is then the next midnight.
    closes = datetime.combine(day, time(0), tzinfo=KST) + timedelta(hours=day_end)
    return opens, closes


def business_time_add(
    start: datetime, left: timedelta, *, day_start: int, day_end: int
) -> datetime:
    """The time `left` of business time after `start` (aware). Time outside business hours
    does not count: a clock started on a Friday evening runs from Monday's (or the next
    business day's) `day_start`. Ending exactly at closing gives the closing time."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    now = start.astimezone(KST)
    while True:
        opens, closes = _day_bounds(now.date(), day_start, day_end)
        if not is_business_day(now.date()) or now >= closes:
            now = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=KST)
            continue
        now = max(now, opens)
        if now + left <= closes:
            return now + left
        left -= closes - now
        now = closes


def business_hours_add(start: datetime, hours: int, *, day_start: int, day_end: int) -> datetime:
    """The time `hours` business hours after `start` (aware); see `business_time_add`."""
    return business_time_add(start, timedelta(hours=hours), day_start=day_start, day_end=day_end)


def business_hours_between(
    start: datetime, end: datetime, day_start: int, day_end: int
) -> timedelta:
    """The business time from `start` to `end` (both aware): only the hours between
    `day_start` and `day_end` KST of Korean business days count. Zero when `end` is not after
    `start`."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    now, end = start.astimezone(KST), end.astimezone(KST)
    total = timedelta(0)
    while now < end:
        opens, closes = _day_bounds(now.date(), day_start, day_end)
        if is_business_day(now.date()):
            lo, hi = max(now, opens), min(end, closes)
            if hi > lo:
                total += hi - lo
        now = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=KST)
    return total
