"""Many single payout requests at once (a relief import's approved rows: 100,000 and more),
each with its own recipient, amount and idempotency key.

The same rules as `payout_request_create` (the instrument's fields, the key's alphabet), applied
once per distinct grant shape rather than once per row; the rows go in set-based: on
PostgreSQL each chunk is COPYed into a temporary table and moved with one
`INSERT … SELECT … ON CONFLICT (idempotency_key) DO NOTHING`, so creating them again adds
nothing. The requests are left pending: the nightly batch (or a batch started for them)
issues them, rather than one task per request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from payouts.models import PayoutRequest, RecipientKind, SourceKind
from payouts.services.rules import PayoutRuleError, instrument_fields

CHUNK = 20_000
STAGING = "payouts_bulk_request_staging"
# Built once: TextChoices.values makes a new list at every call, and this runs per row.
_RECIPIENT_KINDS = frozenset(RecipientKind.values)
# Visible ASCII (0x21-0x7E), 1-200 characters: the same rule as is_header_safe for a key.
_KEY = re.compile(r"[!-~]{1,200}")


@dataclass(frozen=True)
class NewRequest:
    """One request to create: who gets what, and the key that makes it happen once."""

    recipient_kind: str
    recipient_id: str
    instrument: str
    idempotency_key: str
    source_ref: str
    amount: int | None = None
    count: int | None = None
    validity_days: int | None = None


_COLUMNS = (
    "recipient_kind",
    "recipient_id",
    "instrument",
    "amount",
    "count",
    "action",
    "source_kind",
    "source_ref",
    "program",
    "idempotency_key",
    "policy_version",
    "validity_days",
    "memo",
)


def payout_requests_create_many(
    *,
    requests: Iterable[NewRequest],
    source_kind: str,
    program: str = "",
    policy_version: int | None = None,
    chunk_size: int = CHUNK,
) -> int:
    """Create the pending requests not made yet (by key); returns how many were new.

    Joins the caller's transaction (a relief import creates its requests with its rows), so a
    failure leaves none of them. Raises PayoutRuleError naming the first bad request. A key
    already used stays with its first request (nothing is overwritten); the single-request
    service is the one that checks a reused key's content.
    """
    if source_kind not in SourceKind.values:
        raise PayoutRuleError(f"알 수 없는 출처: {source_kind!r}")
    shapes: dict[tuple[Any, ...], dict[str, Any]] = {}
    stream = iter(requests)
    added = 0
    with transaction.atomic():
        while True:
            part = list(islice(stream, chunk_size))
            if not part:
                break
            rows = [_row(r, shapes, source_kind, program, policy_version) for r in part]
            if connection.vendor == "postgresql":
                added += _insert_postgres(rows)
            else:
                added += _insert_orm(rows)
    return added


def _row(
    r: NewRequest,
    shapes: dict[tuple[Any, ...], dict[str, Any]],
    source_kind: str,
    program: str,
    policy_version: int | None,
) -> tuple[Any, ...]:
    if r.recipient_kind not in _RECIPIENT_KINDS:
        raise PayoutRuleError(f"알 수 없는 대상 계정 종류: {r.recipient_kind!r}")
    if not r.recipient_id or len(r.recipient_id) > 64:
        raise PayoutRuleError(f"대상 계정 ID는 1~64자여야 합니다: {r.recipient_id[:80]!r}")
    if not _KEY.fullmatch(r.idempotency_key):
        raise PayoutRuleError(
            f"멱등 키는 공백 없는 ASCII 문자 1~200자여야 합니다: {r.idempotency_key[:80]!r}"
        )
    shape = (r.instrument, r.amount, r.count, r.validity_days)
    fields = shapes.get(shape)
    if fields is None:
        fields = instrument_fields(
            instrument=r.instrument,
            amount=r.amount,
            count=r.count,
            validity_days=r.validity_days,
            policy_version=policy_version,
        )
        shapes[shape] = fields
    return (
        r.recipient_kind,
        r.recipient_id,
        fields["instrument"],
        fields["amount"],
        fields["count"],
        fields["action"],
        source_kind,
        r.source_ref[:100],
        program,
        r.idempotency_key,
        fields["policy_version"],
        fields["validity_days"],
        fields["memo"],
    )


def _insert_postgres(rows: list[tuple[Any, ...]]) -> int:
    table = PayoutRequest._meta.db_table
    columns = ", ".join(_COLUMNS)
    now = timezone.now()
    with connection.cursor() as cursor:
        # ON COMMIT DROP is not enough inside one long transaction: the table is emptied for
        # each chunk instead.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} ("
            "recipient_kind text, recipient_id text, instrument text, amount bigint, "
            "count integer, action text, source_kind text, source_ref text, program text, "
            "idempotency_key text, policy_version integer, validity_days smallint, memo text"
            ") ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {STAGING}")
        with cursor.cursor.copy(f"COPY {STAGING} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # DISTINCT ON: a key twice in one chunk would otherwise make ON CONFLICT fail
        # ("cannot affect row a second time").
        cursor.execute(
            f"""
            INSERT INTO {table} ({columns}, status, attempts, claim, last_error,
                                 last_failure_retryable, created_at, updated_at)
            SELECT DISTINCT ON (idempotency_key) {columns}, 'pending', 0, 0, '', false, %s, %s
            FROM {STAGING}
            ON CONFLICT (idempotency_key) DO NOTHING
            """,
            [now, now],
        )  # table and column names are ours, values are parameters
        return cursor.rowcount


def _insert_orm(rows: list[tuple[Any, ...]]) -> int:
    keys = [row[_COLUMNS.index("idempotency_key")] for row in rows]
    before = PayoutRequest.objects.filter(idempotency_key__in=keys).count()
    PayoutRequest.objects.bulk_create(
        [PayoutRequest(**dict(zip(_COLUMNS, row, strict=True))) for row in rows],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return PayoutRequest.objects.filter(idempotency_key__in=keys).count() - before
