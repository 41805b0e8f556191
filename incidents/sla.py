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


def _weekday_holidays_between(first: date, stop: date) -> int:
    return sum(
        1
        for year in range(first.year, stop.year + 1)
        for day in _korean_holidays(year)
        if first <= day < stop and day.weekday() < 5
    )


def _business_days_between(first: date, stop: date) -> int:
    """Business days in [first, stop), counted by arithmetic (weeks, then the holidays that fall
    on a weekday): a case years past due costs no walk over its days."""
    n = (stop - first).days
    if n <= 0:
        return 0
    weeks, rest = divmod(n, 7)
    weekdays = weeks * 5 + sum(1 for k in range(rest) if (first.weekday() + k) % 7 < 5)
    return weekdays - _weekday_holidays_between(first, stop)


def _open_within(day: date, lo: datetime, hi: datetime, day_start: int, day_end: int) -> timedelta:
    if not is_business_day(day):
        return timedelta(0)
    opens, closes = _day_bounds(day, day_start, day_end)
    return max(timedelta(0), min(hi, closes) - max(lo, opens))


def business_hours_between(
    start: datetime, end: datetime, day_start: int, day_end: int
) -> timedelta:
    """The business time from `start` to `end` (both aware): only the hours between
    `day_start` and `day_end` KST of Korean business days count. Zero when `end` is not after
    `start`. The whole days between are counted, not walked (the queue asks this of every row,
    some of them months past due)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    now, end = start.astimezone(KST), end.astimezone(KST)
    if end <= now:
        return timedelta(0)
    first, last = now.date(), end.date()
    if first == last:
        return _open_within(first, now, end, day_start, day_end)
    next_midnight = datetime.combine(first + timedelta(days=1), time(0), tzinfo=KST)
    last_midnight = datetime.combine(last, time(0), tzinfo=KST)
    whole = _business_days_between(first + timedelta(days=1), last)
    return (
        _open_within(first, now, next_midnight, day_start, day_end)
        + whole * timedelta(hours=day_end - day_start)
        + _open_within(last, last_midnight, end, day_start, day_end)
    )
