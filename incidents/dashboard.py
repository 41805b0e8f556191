"""Numbers of the RM dashboard: open incidents by category, severity and age, and this week's
SLA breaches by day. Each takes the queryset of what the user may see
(`selectors.incidents_visible_to`), so a 성민감 case never counts for those who may not see it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from incidents.forms import taxonomy_for
from incidents.models import Incident
from incidents.queue import OPEN
from incidents.sla import KST
from policies.models import RmSeverity

# Age of an open incident since it was reported, in calendar days: (label, at least, under).
AGE_BUCKETS = [
    ("1일 미만", 0, 1),
    ("1~3일", 1, 3),
    ("3~7일", 3, 7),
    ("7~30일", 7, 30),
    ("30일 이상", 30, None),
]
WEEKDAYS = "월화수목금토일"


def open_by_category(visible: QuerySet[Incident], *, user: Any) -> list[dict[str, Any]]:
    """Open incidents per category of the taxonomy the user may see, in the taxonomy's order."""
    counts = dict(visible.filter(OPEN).values_list("category").annotate(n=Count("pk")).order_by())
    return [
        {"code": c.code, "label": c.label, "count": counts.get(c.code, 0)}
        for c in taxonomy_for(user)
    ]


def open_by_severity(visible: QuerySet[Incident]) -> list[dict[str, Any]]:
    counts = dict(visible.filter(OPEN).values_list("severity").annotate(n=Count("pk")).order_by())
    return [
        {"code": code, "label": str(label), "count": counts.get(code, 0)}
        for code, label in RmSeverity.choices
    ]


def open_by_age(visible: QuerySet[Incident], now: datetime | None = None) -> list[dict[str, Any]]:
    """Open incidents per age bucket (days since reported)."""
    now = now or timezone.now()
    rows = []
    for label, least, under in AGE_BUCKETS:
        qs = visible.filter(OPEN, reported_at__lte=now - timedelta(days=least))
        if under is not None:
            qs = qs.filter(reported_at__gt=now - timedelta(days=under))
        rows.append({"label": label, "count": qs.count()})
    return rows


def week_start(now: datetime | None = None) -> datetime:
    """Monday 00:00 of this week in Asia/Seoul."""
    local = timezone.localtime(now or timezone.now(), KST)
    monday = local - timedelta(days=local.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def breaches_this_week(visible: QuerySet[Incident], now: datetime | None = None) -> dict[str, Any]:
    """SLA breaches recorded this week (Monday to Sunday, KST) per day: {"start", "days":
    [{"label": "12/7 (월)", "count"}]}."""
    start = week_start(now)
    counts = dict(
        visible.filter(sla_breached_at__gte=start, sla_breached_at__lt=start + timedelta(days=7))
        .annotate(day=TruncDate("sla_breached_at", tzinfo=KST))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    days = []
    for offset in range(7):
        day = (start + timedelta(days=offset)).date()
        days.append(
            {
                "label": f"{day.month}/{day.day} ({WEEKDAYS[day.weekday()]})",
                "count": counts.get(day, 0),
            }
        )
    return {"start": start, "days": days}
