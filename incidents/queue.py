"""Reads of the RM queue page: the SLA state of a case, the time it has left in business hours,
the filtered queue a keyset page at a time, and the counts beside the filters.

Everything starts from `selectors.incidents_visible_to`, so a 성민감 case is absent from rows,
counts and option counts for users without `incidents.view_sensitive_incident`. No query here
uses OFFSET or counts more than it shows: the page stays fast at a million incidents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import holidays
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.utils import timezone

from incidents.models import Incident
from incidents.selectors import incidents_visible_to
from incidents.sla import KST, business_hours_add, is_business_day
from policies.models import PolicyVersion
from policies.selectors import NoPublishedPolicy, current_version

PAGE_SIZE = 50
# A total above this is shown as "1,000건 이상": counting further costs a scan of the table.
COUNT_CAP = 1000

CLOSED = Incident.Status.CLOSED
OPEN = ~Q(status=CLOSED)


class SlaState(models.TextChoices):
    OVERDUE = "overdue", "지연"
    IMMINENT = "imminent", "임박"
    ON_TRACK = "on_track", "정상"
    PAUSED = "paused", "일시정지"
    CLOSED = "closed", "종결"


@dataclass(frozen=True)
class BusinessDay:
    """The RM business day of the published version (09–18 KST in v1)."""

    start: int
    end: int

    @classmethod
    def of(cls, version: PolicyVersion | None) -> BusinessDay:
        if version is None:
            return cls(9, 18)
        return cls(version.rm_day_start_hour, version.rm_day_end_hour)

    @classmethod
    def current(cls) -> BusinessDay:
        return cls.of(published_version())


def published_version() -> PolicyVersion | None:
    try:
        return current_version()
    except NoPublishedPolicy:
        return None


def imminent_hours() -> int:
    """Business hours left under which an open case counts as 임박 (setting
    RM_SLA_IMMINENT_HOURS)."""
    return int(getattr(settings, "RM_SLA_IMMINENT_HOURS", 4))


def soon_instant(now: datetime, day: BusinessDay) -> datetime:
    """The instant `imminent_hours()` business hours from now: a due time before it is 임박."""
    return business_hours_add(now, imminent_hours(), day_start=day.start, day_end=day.end)


def sla_state_q(state: str, *, now: datetime, soon: datetime) -> Q:
    """The rows in that SLA state, as a range on `sla_due_at` over open cases (what the partial
    index on open cases' due times serves). A paused case is only 일시정지. A recorded breach
    needs no term of its own: it was recorded once the due time passed, and a resume moves the
    due time on only by the business hours spent paused, so the case stays past due."""
    running = OPEN & Q(sla_paused_at__isnull=True)
    if state == SlaState.CLOSED:
        return Q(status=CLOSED)
    if state == SlaState.PAUSED:
        return OPEN & Q(sla_paused_at__isnull=False)
    if state == SlaState.OVERDUE:
        return running & Q(sla_due_at__lt=now)
    if state == SlaState.IMMINENT:
        return running & Q(sla_due_at__gte=now, sla_due_at__lt=soon)
    if state == SlaState.ON_TRACK:
        return running & Q(sla_due_at__gte=soon)
    raise ValueError(state)


def sla_state_of(incident: Incident, *, now: datetime, soon: datetime) -> str:
    """The same states as `sla_state_q`, for one incident in memory."""
    if incident.status == CLOSED:
        return SlaState.CLOSED
    if incident.sla_paused_at is not None:
        return SlaState.PAUSED
    if incident.sla_due_at < now:
        return SlaState.OVERDUE
    if incident.sla_due_at < soon:
        return SlaState.IMMINENT
    return SlaState.ON_TRACK


@lru_cache(maxsize=64)
def _weekday_holidays(year: int) -> tuple[date, ...]:
    """The public holidays of the year that fall on a weekday (the others change nothing)."""
    return tuple(sorted(d for d in holidays.country_holidays("KR", years=year) if d.weekday() < 5))


def _business_days(first: date, stop: date) -> int:
    """Business days in [first, stop), by arithmetic: a case years overdue costs no loop."""
    n = (stop - first).days
    if n <= 0:
        return 0
    weeks, rest = divmod(n, 7)
    days = weeks * 5 + sum(1 for k in range(rest) if (first.weekday() + k) % 7 < 5)
    off = sum(
        1
        for year in range(first.year, stop.year + 1)
        for day in _weekday_holidays(year)
        if first <= day < stop
    )
    return days - off


def _open_seconds(day: date, lo: datetime, hi: datetime, hours: BusinessDay) -> float:
    if not is_business_day(day):
        return 0.0
    midnight = datetime.combine(day, time(0), tzinfo=KST)
    opens = midnight + timedelta(hours=hours.start)
    closes = midnight + timedelta(hours=hours.end)
    return max(0.0, (min(closes, hi) - max(opens, lo)).total_seconds())


def business_seconds_between(start: datetime, end: datetime, day: BusinessDay) -> int:
    """Seconds of business time between two instants (negative when `end` is before `start`):
    only the hours between the day's start and end on Korean business days count."""
    if end < start:
        return -business_seconds_between(end, start, day)
    a, b = start.astimezone(KST), end.astimezone(KST)
    if a.date() == b.date():
        return int(_open_seconds(a.date(), a, b, day))
    first_end = datetime.combine(a.date() + timedelta(days=1), time(0), tzinfo=KST)
    last_start = datetime.combine(b.date(), time(0), tzinfo=KST)
    whole = _business_days(a.date() + timedelta(days=1), b.date())
    total = (
        _open_seconds(a.date(), a, first_end, day)
        + whole * (day.end - day.start) * 3600
        + _open_seconds(b.date(), last_start, b, day)
    )
    return int(total)


def _hours_text(seconds: int) -> str:
    minutes = seconds // 60
    hours, minutes = divmod(minutes, 60)
    if hours and minutes and hours < 100:
        return f"{hours}시간 {minutes}분"
    if hours:
        return f"{hours}시간"
    return f"{minutes}분"


@dataclass(frozen=True)
class TimeLeft:
    state: str
    seconds: int | None  # business seconds left (negative: over); None once closed
    text: str

    @property
    def state_label(self) -> str:
        return str(SlaState(self.state).label)

    @property
    def over(self) -> bool:
        return self.state == SlaState.OVERDUE


def time_left(incident: Incident, *, now: datetime, soon: datetime, day: BusinessDay) -> TimeLeft:
    """What the queue's 'time left' column says: '남은 3시간 20분', '12시간 초과', a paused case's
    frozen time, or '종결'. Business hours, as the SLA counts them."""
    state = sla_state_of(incident, now=now, soon=soon)
    if state == SlaState.CLOSED:
        return TimeLeft(state, None, "종결")
    at = incident.sla_paused_at or now
    seconds = business_seconds_between(at, incident.sla_due_at, day)
    if seconds < 0:
        text = f"{_hours_text(-seconds)} 초과"
    else:
        text = f"남은 {_hours_text(seconds)}"
    if state == SlaState.PAUSED:
        text = f"일시정지 · {text}"
    return TimeLeft(state, seconds, text)


# --- the queue ---------------------------------------------------------------------------------


class Sort(models.TextChoices):
    SLA = "sla", "SLA 기한 임박순"
    NEW = "new", "최신 접수순"


class BadCursor(ValueError):
    pass


# The SLA order puts open cases first (by due time) and closed ones after them (by due time
# too): a closed case has no urgency. Each part is walked on its own index (the partial index
# of open cases' due times; (status, sla_due_at) for the closed), so "전체" stays a range walk.
OPEN_PART, CLOSED_PART = "o", "c"


def encode_cursor(incident: Incident, sort: str) -> str:
    if sort == Sort.SLA:
        part = CLOSED_PART if incident.status == CLOSED else OPEN_PART
        micros = int(incident.sla_due_at.timestamp() * 1_000_000)
        return f"{part}{micros}_{incident.pk}"
    return str(incident.pk)


def _after(qs: QuerySet[Incident], sort: str, cursor: str) -> QuerySet[Incident]:
    """Rows after the cursor in the sort's order: a range the index walks, never an OFFSET."""
    try:
        if sort == Sort.SLA:
            micros, pk = (int(p) for p in cursor[1:].split("_", 1))
            due = datetime.fromtimestamp(micros / 1_000_000, tz=KST)
            # The redundant `>=` gives PostgreSQL an index bound; the OR picks the tie-break.
            return qs.filter(
                Q(sla_due_at__gte=due) & (Q(sla_due_at__gt=due) | Q(sla_due_at=due, pk__gt=pk))
            )
        return qs.filter(pk__lt=int(cursor))
    except (ValueError, OverflowError, OSError) as exc:
        raise BadCursor(cursor) from exc


def order_of(sort: str) -> tuple[str, ...]:
    return ("sla_due_at", "id") if sort == Sort.SLA else ("-id",)


@dataclass
class QueuePage:
    rows: list[Incident]
    next_cursor: str | None


def _ids(qs: QuerySet[Incident], limit: int) -> list[int]:
    # Ids first: with the filter columns in the index, PostgreSQL answers this from the index
    # alone however rare the combination; only the page's rows are then read whole.
    return list(qs.values_list("pk", flat=True)[:limit])


def queue_page(
    filtered: QuerySet[Incident],
    *,
    sort: str,
    cursor: str = "",
    parts: tuple[str, ...] = (OPEN_PART, CLOSED_PART),
) -> QueuePage:
    """One page of the filtered queue in the sort's order, with the cursor of the next.
    `parts` says which of open and closed cases the filters can match (the caller knows from
    the status filter), so no walk is spent on a part that cannot."""
    want = PAGE_SIZE + 1
    if sort == Sort.SLA:
        if cursor and cursor[:1] not in (OPEN_PART, CLOSED_PART):
            raise BadCursor(cursor)
        ids: list[int] = []
        in_closed = cursor.startswith(CLOSED_PART)
        if OPEN_PART in parts and not in_closed:
            qs = filtered.filter(OPEN).order_by(*order_of(sort))
            ids += _ids(_after(qs, sort, cursor) if cursor else qs, want)
        if CLOSED_PART in parts and len(ids) < want:
            qs = filtered.filter(status=CLOSED).order_by(*order_of(sort))
            ids += _ids(_after(qs, sort, cursor) if in_closed else qs, want - len(ids))
    else:
        qs = filtered.order_by(*order_of(sort))
        ids = _ids(_after(qs, sort, cursor) if cursor else qs, want)
    more = len(ids) > PAGE_SIZE
    ids = ids[:PAGE_SIZE]
    found = (
        Incident.objects.select_related("rm_subtype__category", "assignee")
        .prefetch_related("parties__account")
        .in_bulk(ids)
    )
    rows = [found[i] for i in ids if i in found]
    return QueuePage(rows=rows, next_cursor=encode_cursor(rows[-1], sort) if more else None)


def export_order(filtered: QuerySet[Incident], sort: str) -> list[QuerySet[Incident]]:
    """The export's rows in the page's order: open then closed for the SLA sort."""
    if sort == Sort.SLA:
        return [
            filtered.filter(OPEN).order_by(*order_of(sort)),
            filtered.filter(status=CLOSED).order_by(*order_of(sort)),
        ]
    return [filtered.order_by(*order_of(sort))]


def capped_counts(named: dict[str, QuerySet[Incident]]) -> dict[str, int]:
    """How many rows each queryset has, counting no further than COUNT_CAP + 1 (shown as
    "1,000+"), all in one round trip: each count is a LIMITed walk of an index range, so it
    costs at most a thousand rows whatever the table's size."""
    if not named:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    for n, qs in enumerate(named.values()):
        sql, more = qs.order_by().values("pk")[: COUNT_CAP + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS c{n})")
        params.extend(more)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(named, (int(v) for v in row), strict=True))


def count_label(n: int) -> str:
    """'1,234' or, past the cap, '1,000+'."""
    return f"{COUNT_CAP:,}+" if n > COUNT_CAP else f"{n:,}"


RUNNING_STATES = (SlaState.OVERDUE, SlaState.IMMINENT, SlaState.ON_TRACK, SlaState.PAUSED)


def queue_counts(
    *,
    user: Any,
    filtered: QuerySet[Incident],
    base: QuerySet[Incident],
    categories: list[str],
    now: datetime,
    soon: datetime,
) -> dict[str, int]:
    """Everything the queue page counts, in one query: `total` (the filtered queue),
    `sla:<state>` (the running SLA states under the other filters) and `category:<code>` (open
    cases per category, the filter's option counts). All start from what the user may see."""
    visible_open = incidents_visible_to(user).filter(OPEN)
    named: dict[str, QuerySet[Incident]] = {"total": filtered}
    for state in RUNNING_STATES:
        named[f"sla:{state.value}"] = base.filter(sla_state_q(state, now=now, soon=soon))
    for code in categories:
        named[f"category:{code}"] = visible_open.filter(category=code)
    return capped_counts(named)


def rm_workers(*, sensitive: bool = False) -> QuerySet[Any]:
    """Active users who may work RM incidents (and, for a 성민감 case, see it): the assignee
    choices."""
    perms = Permission.objects.filter(content_type__app_label="incidents")
    work = perms.filter(codename="work_incident")
    who = Q(groups__permissions__in=work) | Q(user_permissions__in=work) | Q(is_superuser=True)
    users = get_user_model().objects.filter(who, is_active=True)
    if sensitive:
        see = perms.filter(codename="view_sensitive_incident")
        users = users.filter(
            Q(groups__permissions__in=see) | Q(user_permissions__in=see) | Q(is_superuser=True)
        )
    return users.distinct().order_by("username")


def now_and_soon(version: PolicyVersion | None = None) -> tuple[datetime, datetime, BusinessDay]:
    """Now, the instant before which a due time is 임박, and the business day they use (of
    the given version, else the published one)."""
    day = BusinessDay.of(version) if version is not None else BusinessDay.current()
    now = timezone.now()
    return now, soon_instant(now, day), day
