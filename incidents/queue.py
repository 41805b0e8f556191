"""Reads of the RM queue page: the SLA state of a case, the time it has left in business hours,
the filtered queue a keyset page at a time, and the counts beside the filters.

Everything starts from `selectors.incidents_visible_to`, so a 성민감 case is absent from rows,
counts and option counts for users without `incidents.view_sensitive_incident`. No query here
uses OFFSET or counts more than it shows: the page stays fast at a million incidents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection, models
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from incidents.models import Incident, IncidentParty
from incidents.selectors import (
    SlaState,
    incidents_visible_to,
    sla_clock_of,
    sla_due_soon_limit,
    sla_state_q,
)
from incidents.sla import KST
from policies.models import PolicyVersion
from policies.selectors import NoPublishedPolicy, current_version

PAGE_SIZE = 50
# A total above this is shown as "1,000건 이상": counting further costs a scan of the table.
COUNT_CAP = 1000

CLOSED = Incident.Status.CLOSED
OPEN = ~Q(status=CLOSED)
# The SLA states of the chips, with their counts (closed cases are not counted).
RUNNING_STATES = (SlaState.BREACHED, SlaState.DUE_SOON, SlaState.ON_TRACK, SlaState.PAUSED)

# Looked up once: an enum's label costs more per row than the rest of the cell.
STATE_LABELS = {str(value): str(label) for value, label in SlaState.choices}
# The order of the SLA filter and chips: what needs work first.
SLA_ORDER = (*RUNNING_STATES, SlaState.CLOSED)

__all__ = ["SlaState", "sla_state_q"]


def published_version() -> PolicyVersion | None:
    try:
        return current_version()
    except NoPublishedPolicy:
        return None


def due_soon_hours() -> int:
    return int(settings.INCIDENTS_SLA_DUE_SOON_HOURS)


def now_and_soon() -> tuple[datetime, datetime]:
    """Now, and the instant before which a due time is `due_soon` (the selectors' rule)."""
    now = timezone.now()
    return now, sla_due_soon_limit(now)


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
    text: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def over(self) -> bool:
        return self.state == SlaState.BREACHED


def time_left(incident: Incident, *, now: datetime, soon: datetime) -> TimeLeft:
    """What the queue's 'time left' column says, from the incident's SLA clock
    (`selectors.sla_clock_of`, business hours): '남은 3시간 20분', '12시간 초과', a paused
    case's time left when it paused, or '종결'. Needs `rm_subtype__version`."""
    clock = sla_clock_of(incident, now=now, soon_limit=soon)
    if clock.state == SlaState.CLOSED or clock.business_hours_left is None:
        return TimeLeft(SlaState.CLOSED, "종결")
    # The clock gives hours to two decimals (36 s): read to the nearest minute.
    seconds = round(clock.business_hours_left * 60) * 60
    if seconds < 0 or clock.state == SlaState.BREACHED:
        text = f"{_hours_text(-seconds)} 초과" if seconds < 0 else "기한 초과"
    else:
        text = f"남은 {_hours_text(seconds)}"
    if clock.state == SlaState.PAUSED:
        text = f"일시정지 · {text}"
    return TimeLeft(clock.state, text)


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
        Incident.objects.select_related("rm_subtype__category", "rm_subtype__version", "assignee")
        # One query for the parties with their accounts, not one for each.
        .prefetch_related(
            Prefetch("parties", queryset=IncidentParty.objects.select_related("account"))
        )
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
        named[f"sla:{state.value}"] = base.filter(sla_state_q(state, now=now, soon_limit=soon))
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
