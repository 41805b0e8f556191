"""SLA clocks in business hours: Korean business days (weekends and the public holidays of the
`holidays` library are not), between the policy's start and end hour in Korea time."""

from bisect import bisect_left
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


@lru_cache(maxsize=64)
def _weekday_holidays(year: int) -> tuple[date, ...]:
    """The year's public holidays that fall on a weekday, sorted (weekends are off anyway)."""
    return tuple(sorted(d for d in _korean_holidays(year) if d.year == year and d.weekday() < 5))


def business_days_between(first: date, end: date) -> int:
    """How many business days there are from `first` up to, not including, `end`. Counted by
    weeks and a bisect of the holidays, not day by day: a case late for two years is as quick
    to measure as one late for an hour."""
    days = (end - first).days
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    count = weeks * 5 + sum(1 for i in range(rest) if (first.weekday() + i) % 7 < 5)
    for year in range(first.year, end.year + 1):
        off = _weekday_holidays(year)
        count -= bisect_left(off, end) - bisect_left(off, first)
    return count


def business_hours_between(
    start: datetime, end: datetime, day_start: int, day_end: int
) -> timedelta:
    """The business time from `start` to `end` (both aware): only the hours between
    `day_start` and `day_end` KST of Korean business days count. Zero when `end` is not after
    `start`."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    start, end = start.astimezone(KST), end.astimezone(KST)
    if end <= start:
        return timedelta(0)

    def within(day: date, lo: datetime, hi: datetime) -> timedelta:
        if not is_business_day(day):
            return timedelta(0)
        opens, closes = _day_bounds(day, day_start, day_end)
        lo, hi = max(lo, opens), min(hi, closes)
        return hi - lo if hi > lo else timedelta(0)

    if start.date() == end.date():
        return within(start.date(), start, end)
    first, last = start.date(), end.date()
    total = within(first, start, datetime.combine(first + timedelta(days=1), time(0), tzinfo=KST))
    total += within(last, datetime.combine(last, time(0), tzinfo=KST), end)
    whole_days = business_days_between(first + timedelta(days=1), last)
    return total + whole_days * timedelta(hours=day_end - day_start)
