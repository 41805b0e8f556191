"""Reads of payouts: totals from the ledger, batch progress, and the reconciliation report."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, QuerySet, Sum

from payouts.models import LedgerEntry, PayoutBatch, PayoutRequest

_TOTALS = {
    "grants": Count("id"),
    "amount": Sum("amount"),  # 원
    "count": Sum("count"),  # vouchers, emoticons
}


def ledger_totals_by_source(
    *, source_kind: str | None = None, source_ref: str | None = None
) -> QuerySet:
    """Issued totals per source (kind and reference) and instrument, from the ledger.

    Rows: source_kind, source_ref, instrument, grants, amount (원, None if no money), count.
    """
    qs = LedgerEntry.objects.all()
    if source_kind is not None:
        qs = qs.filter(source_kind=source_kind)
    if source_ref is not None:
        qs = qs.filter(source_ref=source_ref)
    return (
        qs.order_by()
        .values("source_kind", "source_ref", "instrument")
        .annotate(**_TOTALS)
        .order_by("source_kind", "source_ref", "instrument")
    )


def ledger_totals_by_program(*, program: str | None = None) -> QuerySet:
    """Issued totals per relief program and instrument. Rows: program, instrument, grants,
    amount (원), count. Grants outside any program have program ''."""
    qs = LedgerEntry.objects.all()
    if program is not None:
        qs = qs.filter(program=program)
    return (
        qs.order_by()
        .values("program", "instrument")
        .annotate(**_TOTALS)
        .order_by("program", "instrument")
    )


def batch_list() -> QuerySet:
    return PayoutBatch.objects.select_related("grant", "created_by").order_by("-id")


@dataclass
class Reconciliation:
    """What `manage.py payouts_reconcile` proves. `ok` when every list is empty and the sums
    agree."""

    issued_requests: int = 0
    ledger_entries: int = 0
    issued_amount: int = 0  # 원, sum over issued requests
    ledger_amount: int = 0  # 원, sum over the ledger
    issued_count: int = 0
    ledger_count: int = 0
    issued_without_entry: list[int] = field(default_factory=list)
    entry_without_issue: list[int] = field(default_factory=list)
    duplicate_entries: list[int] = field(default_factory=list)
    mismatched: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.issued_without_entry
            and not self.entry_without_issue
            and not self.duplicate_entries
            and not self.mismatched
            and self.issued_requests == self.ledger_entries
            and self.issued_amount == self.ledger_amount
            and self.issued_count == self.ledger_count
        )

    def lines(self) -> list[str]:
        out = [
            f"지급된 요청: {self.issued_requests:,}건, 원장: {self.ledger_entries:,}건",
            f"금액 합계: 요청 {self.issued_amount:,}원, 원장 {self.ledger_amount:,}원",
            f"수량 합계: 요청 {self.issued_count:,}, 원장 {self.ledger_count:,}",
        ]
        for label, ids in (
            ("원장에 없는 지급 요청", self.issued_without_entry),
            ("지급되지 않은 요청의 원장 항목(요청 ID)", self.entry_without_issue),
            ("원장 중복(요청 ID)", self.duplicate_entries),
            ("요청과 원장의 대상·금액 불일치(요청 ID)", self.mismatched),
        ):
            if ids:
                shown = ", ".join(str(i) for i in ids[:20])
                more = f" 외 {len(ids) - 20}건" if len(ids) > 20 else ""
                out.append(f"{label}: {len(ids)}건 — {shown}{more}")
        out.append("정합성: 이상 없음" if self.ok else "정합성: 불일치 발견")
        return out


def reconciliation_report(*, sample: int = 1000) -> Reconciliation:
    """Every issued request has exactly one ledger entry that matches it, the ledger names no
    request that is not issued, and the sums agree. Lists hold at most `sample` ids each."""
    issued = PayoutRequest.objects.filter(status=PayoutRequest.Status.ISSUED)
    report = Reconciliation()
    sums = issued.aggregate(n=Count("id"), amount=Sum("amount"), count=Sum("count"))
    report.issued_requests = sums["n"]
    report.issued_amount = sums["amount"] or 0
    report.issued_count = sums["count"] or 0
    ledger_sums = LedgerEntry.objects.aggregate(
        n=Count("id"), amount=Sum("amount"), count=Sum("count")
    )
    report.ledger_entries = ledger_sums["n"]
    report.ledger_amount = ledger_sums["amount"] or 0
    report.ledger_count = ledger_sums["count"] or 0

    report.issued_without_entry = list(
        issued.filter(ledger_entry__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:sample]
    )
    report.entry_without_issue = list(
        LedgerEntry.objects.exclude(request__status=PayoutRequest.Status.ISSUED)
        .order_by("request_id")
        .values_list("request_id", flat=True)[:sample]
    )
    # One entry per request is a unique key; this also catches a database that lost it.
    report.duplicate_entries = list(
        LedgerEntry.objects.order_by()
        .values("request_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("request_id")
        .values_list("request_id", flat=True)[:sample]
    )
    # IS DISTINCT FROM treats two NULLs as equal (PostgreSQL, and SQLite >= 3.39).
    ledger = LedgerEntry._meta.db_table
    requests = PayoutRequest._meta.db_table
    columns = ("recipient_kind", "recipient_id", "instrument", "action", "amount", "count")
    differs = " OR ".join(f"l.{c} IS DISTINCT FROM r.{c}" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.request_id FROM {ledger} l JOIN {requests} r ON r.id = l.request_id "
            f"WHERE {differs} ORDER BY l.request_id LIMIT %s",  # our names
            [sample],
        )
        report.mismatched = [row[0] for row in cursor.fetchall()]
    return report
