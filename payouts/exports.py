"""CSV exports for operators: a filtered request list, a grant's ledger.

Streamed a row at a time from an iterator, so a grant of millions never sits in memory; times
are Korean (Asia/Seoul); the UTF-8 BOM lets spreadsheet programs read the Korean headers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from config.spreadsheet import spreadsheet_safe
from payouts.models import LedgerEntry, PayoutRequest

REQUEST_COLUMNS = [
    ("id", "요청 ID"),
    ("recipient_kind", "대상 계정 종류"),
    ("recipient_id", "대상 계정 ID"),
    ("instrument", "지급수단"),
    ("amount", "금액(원)"),
    ("count", "수량"),
    ("action", "결제 조치"),
    ("status", "상태"),
    ("last_failure_retryable", "결과 불명"),
    ("source_kind", "출처"),
    ("source_ref", "출처 참조"),
    ("program", "프로그램"),
    ("idempotency_key", "멱등 키"),
    ("policy_version", "정책 버전"),
    ("created_at", "생성 시각"),
    ("issued_at", "지급 시각"),
]
LEDGER_COLUMNS = [
    ("id", "원장 ID"),
    ("request_id", "요청 ID"),
    ("recipient_kind", "대상 계정 종류"),
    ("recipient_id", "대상 계정 ID"),
    ("instrument", "지급수단"),
    ("amount", "금액(원)"),
    ("count", "수량"),
    ("issued_at", "지급 시각"),
    ("issuer", "발급 경로"),
    ("external_ref", "외부 참조"),
    ("batch_id", "배치 ID"),
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "예" if value else ""
    return "" if value is None else spreadsheet_safe(value)


def _rows(columns: list[tuple[str, str]], queryset: QuerySet) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([label for _, label in columns])
    names = [name for name, _ in columns]
    rows: Iterable[tuple] = queryset.values_list(*names).iterator(chunk_size=2000)
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def requests_csv(queryset: QuerySet[PayoutRequest]) -> Iterator[str]:
    return _rows(REQUEST_COLUMNS, queryset.order_by("id"))


def grant_ledger_csv(grant_id: int) -> Iterator[str]:
    return _rows(LEDGER_COLUMNS, LedgerEntry.objects.filter(grant_id=grant_id).order_by("id"))
