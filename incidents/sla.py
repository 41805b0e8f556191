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


def business_hours_add(start: datetime, hours: int, *, day_start: int, day_end: int) -> datetime:
    """The time `hours` business hours after `start` (aware), in UTC-aware form as given back by
    the zone conversion. Time outside business hours does not count: a case reported on a
    Friday evening starts its clock on Monday (or the next business day) at `day_start`."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    left = timedelta(hours=hours)
    now = start.astimezone(KST)
    while True:
        opens = datetime.combine(now.date(), time(day_start), tzinfo=KST)
        # day_end may be 24: the end of the day is then the next midnight.
        closes = datetime.combine(now.date(), time(0), tzinfo=KST) + timedelta(hours=day_end)
        if not is_business_day(now.date()) or now >= closes:
            now = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=KST)
            continue
        now = max(now, opens)
        if now + left <= closes:
            return now + left
        left -= closes - now
        now = closes
