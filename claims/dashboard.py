"""Numbers of the managers' dashboard: open claims by tier and age, this month's grants."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from claims.models import Claim, ClaimDecision
from claims.selectors import rule_name
from payouts.models import Instrument, PayoutRequest, SourceKind

# Age buckets of an open claim, in days since it was filed: (label, at least, under).
AGE_BUCKETS = [("1일 미만", 0, 1), ("1~3일", 1, 3), ("3~7일", 3, 7), ("7일 이상", 7, None)]


def month_start(now: datetime | None = None) -> datetime:
    """The first instant of this month in Asia/Seoul (the business's month)."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def open_by_tier_and_age(now: datetime | None = None) -> dict[str, Any]:
    """Open claims per tier (1-3) and age bucket: {"tiers": [1, 2, 3], "buckets": [labels],
    "counts": {bucket label: [count at tier 1, 2, 3]}}."""
    now = now or timezone.now()
    counts: dict[str, list[int]] = {}
    for label, least, under in AGE_BUCKETS:
        rows = Claim.objects.filter(
            status=Claim.Status.OPEN, created_at__lte=now - timedelta(days=least)
        )
        if under is not None:
            rows = rows.filter(created_at__gt=now - timedelta(days=under))
        by_tier = dict(rows.values_list("tier").annotate(n=Count("id")).order_by())
        counts[label] = [by_tier.get(t, 0) for t in (1, 2, 3)]
    return {"tiers": [1, 2, 3], "buckets": [b[0] for b in AGE_BUCKETS], "counts": counts}


def month_grants_by_rule(now: datetime | None = None) -> list[dict[str, Any]]:
    """This month's granted decisions per rule: count and the decided amounts (원/P), most
    granted first."""
    rows = (
        ClaimDecision.objects.filter(
            kind=ClaimDecision.Kind.GRANTED, decided_at__gte=month_start(now)
        )
        .values("claim__rule", "claim__policy_version")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        name = rule_name(
            Claim(rule=row["claim__rule"], policy_version=row["claim__policy_version"])
        )
        entry = merged.setdefault(name, {"rule": name, "count": 0, "amount": 0})
        entry["count"] += row["n"]
        entry["amount"] += row["total"] or 0
    return sorted(merged.values(), key=lambda e: (-e["count"], e["rule"]))


def month_payouts_by_instrument(now: datetime | None = None) -> list[dict[str, Any]]:
    """This month's payout requests of claim decisions per instrument: count and amount."""
    rows = (
        PayoutRequest.objects.filter(
            source_kind=SourceKind.CLAIM_DECISION, created_at__gte=month_start(now)
        )
        .values("instrument")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("instrument")
    )
    labels = dict(Instrument.choices)
    return [
        {"instrument": labels.get(r["instrument"], r["instrument"]), "count": r["n"],
         "amount": r["total"] or 0}
        for r in rows
    ]  # fmt: skip
