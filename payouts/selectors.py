"""Reads of payouts: totals from the ledger, batch progress, and the reconciliation report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.module_loading import import_string

from payouts.models import LedgerEntry, PayoutBatch, PayoutRequest, SourceKind

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
    # Finished batches whose `done` is not their number of ledger rows, or whose counters do
    # not add up (total = done + failed + skipped): batch ids.
    batch_mismatched: list[int] = field(default_factory=list)
    # Warnings, not errors: requests pending, issuing or failed for longer than `stuck_days`
    # (a lost enqueue not swept, a claim not released, a failure nobody retried). status → ids.
    stuck_days: int = 0
    stuck: dict[str, list[int]] = field(default_factory=dict)
    stuck_counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            not self.issued_without_entry
            and not self.entry_without_issue
            and not self.duplicate_entries
            and not self.mismatched
            and not self.batch_mismatched
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
            ("요청과 원장의 대상·금액·출처·프로그램·일괄 지급 불일치(요청 ID)", self.mismatched),
            ("지급 건수가 원장과 다르거나 합계가 맞지 않는 배치(배치 ID)", self.batch_mismatched),
        ):
            if ids:
                out.append(f"{label}: {len(ids)}건 — {_shown(ids)}")
        out.append("정합성: 이상 없음" if self.ok else "정합성: 불일치 발견")
        return out

    def warnings(self) -> list[str]:
        labels = dict(PayoutRequest.Status.choices)
        return [
            f"경고: {self.stuck_days}일 넘게 '{labels[status]}' 상태인 요청 "
            f"{self.stuck_counts[status]:,}건 — {_shown(ids)}"
            for status, ids in self.stuck.items()
            if ids
        ]


def _shown(ids: list[int]) -> str:
    more = f" 외 {len(ids) - 20}건" if len(ids) > 20 else ""
    return ", ".join(str(i) for i in ids[:20]) + more


def reconciliation_report(*, sample: int = 1000, stuck_days: int | None = None) -> Reconciliation:
    """Every issued request has exactly one ledger entry that matches it (recipient, quantity,
    and the source, program and grant that totals group by), the ledger names no request that
    is not issued, the sums agree, and every finished batch's `done` is its number of ledger
    rows. Requests open for longer than `stuck_days` (PAYOUTS_STUCK_AFTER_DAYS) are warnings.
    Lists hold at most `sample` ids each."""
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
    columns = (
        "recipient_kind",
        "recipient_id",
        "instrument",
        "action",
        "amount",
        "count",
        # What the totals per source and per program group by: a wrong one misstates them.
        "source_kind",
        "source_ref",
        "program",
        "grant_id",
    )
    differs = " OR ".join(f"l.{c} IS DISTINCT FROM r.{c}" for c in columns)
    batches = PayoutBatch._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.request_id FROM {ledger} l JOIN {requests} r ON r.id = l.request_id "
            f"WHERE {differs} ORDER BY l.request_id LIMIT %s",  # our names
            [sample],
        )
        report.mismatched = [row[0] for row in cursor.fetchall()]
        # Only finished batches: a running one-by-one chunk writes its ledger rows before the
        # batch adds the chunk's count.
        cursor.execute(
            f"""
            SELECT b.id FROM {batches} b
            LEFT JOIN (SELECT batch_id, COUNT(*) AS n FROM {ledger}
                       WHERE batch_id IS NOT NULL GROUP BY batch_id) l ON l.batch_id = b.id
            WHERE b.status = %s
              AND (b.done <> COALESCE(l.n, 0) OR b.total <> b.done + b.failed + b.skipped)
            ORDER BY b.id LIMIT %s
            """,  # our names
            [PayoutBatch.Status.FINISHED, sample],
        )
        report.batch_mismatched = [row[0] for row in cursor.fetchall()]

    report.stuck_days = settings.PAYOUTS_STUCK_AFTER_DAYS if stuck_days is None else stuck_days
    cutoff = timezone.now() - timedelta(days=report.stuck_days)
    Status = PayoutRequest.Status
    for status in (Status.PENDING, Status.ISSUING, Status.FAILED):
        old = PayoutRequest.objects.filter(status=status, updated_at__lt=cutoff)
        ids = list(old.order_by("id").values_list("id", flat=True)[:sample])
        report.stuck[status] = ids
        report.stuck_counts[status] = len(ids) if len(ids) < sample else old.count()
    return report


def payout_requests_visible_to(user: Any) -> QuerySet[PayoutRequest]:
    """The requests `user` may read: all of them with `view_all_payoutrequest` (managers);
    otherwise only those paying claim decisions the user may see, as the claims workflow says
    through PAYOUTS_VISIBLE_DECISIONS (a dotted path to `f(user)` giving decision refs).
    Without that hook, nothing: an agent walking ids finds no one else's payouts."""
    requests = PayoutRequest.objects.all()
    if user.has_perm("payouts.view_all_payoutrequest"):
        return requests
    hook = settings.PAYOUTS_VISIBLE_DECISIONS
    if not hook:
        return requests.none()
    refs = import_string(hook)(user)
    return requests.filter(source_kind=SourceKind.CLAIM_DECISION, source_ref__in=refs)
