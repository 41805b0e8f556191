"""Numbers of a relief program's dashboard (issue 13): seed 000's breakdown, the money
(budget, approved, committed, paid), intake by day and the review's queues.

- approved: money grants (원) of the approved applications (tiers, committee awards, driver
  points and transport support, blanket money such as channel cash);
- committed: payout requests of the program not issued yet (pending, issuing, failed);
- paid: payouts' ledger totals of the program (what was issued, blanket grants included).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from claims.relief import selectors
from claims.relief.models import ReliefApplication, ReliefApplicationGrant
from claims.relief.review_models import ReliefAuditResult
from payouts.models import Instrument, PayoutRequest
from payouts.selectors import ledger_totals_by_program
from policies.models import ReliefProgram, ReliefProgramVersion

Status = ReliefApplication.Status
PAYABLE = (Status.APPROVED, Status.COMMITTEE_APPROVED)
NOT_ISSUED = (
    PayoutRequest.Status.PENDING,
    PayoutRequest.Status.ISSUING,
    PayoutRequest.Status.FAILED,
)


def intake_by_day(program: ReliefProgram) -> list[dict[str, Any]]:
    """Applications per Korea-time day of submission (duplicates included: they were filed)."""
    rows = (
        ReliefApplication.objects.filter(program=program)
        .annotate(day=TruncDate("submitted_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    return [{"day": r["day"].isoformat(), "count": r["n"]} for r in rows]


def money(program: ReliefProgram, version: ReliefProgramVersion | None) -> dict[str, Any]:
    approved = (
        ReliefApplicationGrant.objects.filter(
            application__program=program, application__status__in=PAYABLE
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    committed = (
        PayoutRequest.objects.filter(program=program.code, status__in=NOT_ISSUED).aggregate(
            total=Sum("amount")
        )["total"]
        or 0
    )
    labels = dict(Instrument.choices)
    paid_rows = [
        {
            "instrument": labels.get(r["instrument"], r["instrument"]),
            "grants": r["grants"],
            "amount": r["amount"] or 0,
            "count": r["count"] or 0,
        }
        for r in ledger_totals_by_program(program=program.code)
    ]
    paid = sum(r["amount"] for r in paid_rows)
    budget = version.budget if version is not None else 0
    line = program.insurance_line
    return {
        "insurance_line": line,
        # What the program has paid and promised beyond what its insurance line would answer for.
        "insurance_excess": max(0, committed + paid - line.limit) if line else None,
        "budget": budget,
        "approved": approved,
        "committed": committed,
        "paid": paid,
        "remaining": budget - committed - paid,
        "paid_by_instrument": paid_rows,
    }


def review_counts(program: ReliefProgram) -> dict[str, int]:
    apps = ReliefApplication.objects.filter(program=program)
    counts = apps.aggregate(
        queue=Count("id", filter=Q(status=Status.COMMITTEE_REVIEW)),
        approved=Count("id", filter=Q(status=Status.COMMITTEE_APPROVED)),
        rejected=Count("id", filter=Q(status=Status.COMMITTEE_REJECTED)),
        auto=Count("id", filter=Q(status=Status.APPROVED)),
        sampled=Count("id", filter=Q(audit_sample=True)),
    )
    counts["audited"] = ReliefAuditResult.objects.filter(application__program=program).count()
    return counts


def program_dashboard(program: ReliefProgram) -> dict[str, Any]:
    """Everything the page shows, and the part its charts draw (`chart`)."""
    version = (
        ReliefProgramVersion.objects.filter(
            program=program, status=ReliefProgramVersion.Status.PUBLISHED
        ).first()
        or ReliefProgramVersion.objects.filter(program=program).order_by("-number").first()
    )
    breakdown = selectors.breakdown(program=program)
    days = intake_by_day(program)
    return {
        "program": program,
        "version": version,
        "breakdown": breakdown,
        "money": money(program, version),
        "review": review_counts(program),
        "intake": days,
        "intake_total": sum(d["count"] for d in days),
        "chart": {
            "reporters": breakdown["reporter_types"],
            "damage": breakdown["damage_classes"],
            "intake": days,
        },
    }
