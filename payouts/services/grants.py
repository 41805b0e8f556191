"""Blanket grants: one grant to every account of a segment, tens of millions of recipients.

Recipients arrive as a stream (a CSV file, a generator, a queryset) and become pending payout
requests keyed `grant:{code}:{kind}:{recipient}`; the grant's batch then issues them in chunks.
Nothing here holds the recipient list in memory or makes a model instance per recipient on
PostgreSQL:

- a stream is cut into slices of `SLICE` ids; each slice is COPYed into a temporary staging
  table and moved with one `INSERT … SELECT … ON CONFLICT (idempotency_key) DO NOTHING`, in its
  own transaction, so a load interrupted half-way is resumed by loading again;
- a queryset of ids on PostgreSQL never leaves the server: `INSERT … SELECT` from its SQL.

On SQLite (development) the same slices go through `bulk_create(ignore_conflicts=True)`.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from payouts.models import BlanketGrant, PayoutBatch, PayoutRequest, RecipientKind, SourceKind
from payouts.services.batches import payout_batch_start_for_grant
from payouts.services.requests import PayoutRuleError, instrument_fields

logger = logging.getLogger(__name__)

SLICE = 50_000
MAX_RECIPIENT_ID = PayoutRequest._meta.get_field("recipient_id").max_length or 64
STAGING = "payouts_grant_staging"


class BlanketGrantError(ValueError):
    """Bad grant definition or bad recipient input; the message says which and where."""


def grant_key_prefix(grant: BlanketGrant) -> str:
    return f"grant:{grant.code}:{grant.recipient_kind}:"


def blanket_grant_create(
    *,
    code: str,
    name: str,
    instrument: str,
    recipient_kind: str,
    amount: int | None = None,
    count: int | None = None,
    validity_days: int | None = None,
    program: str = "",
    segment: str = "",
    synthetic_count: int | None = None,
    actor: User | None = None,
) -> BlanketGrant:
    """Create a draft grant, or return the one with this code if it has the same definition."""
    if recipient_kind not in RecipientKind.values:
        raise BlanketGrantError(f"알 수 없는 대상 계정 종류: {recipient_kind!r}")
    fields = _grant_fields(
        instrument=instrument, amount=amount, count=count, validity=validity_days
    )
    existing = BlanketGrant.objects.filter(code=code).first()
    if existing is not None:
        same = (
            existing.instrument == instrument
            and existing.recipient_kind == recipient_kind
            and existing.amount == fields["amount"]
            and existing.count == fields["count"]
        )
        if not same:
            raise BlanketGrantError(f"코드 {code}의 일괄 지급이 이미 다른 내용으로 있습니다.")
        return existing
    return BlanketGrant.objects.create(
        code=code,
        name=name,
        instrument=instrument,
        recipient_kind=recipient_kind,
        amount=fields["amount"],
        count=fields["count"],
        validity_days=fields["validity_days"],
        policy_version=fields["policy_version"],
        program=program,
        segment=segment,
        synthetic_count=synthetic_count,
        created_by=actor,
    )


def _grant_fields(
    *, instrument: str, amount: int | None, count: int | None, validity: int | None
) -> dict[str, Any]:
    try:
        return instrument_fields(
            instrument=instrument, amount=amount, count=count, validity_days=validity
        )
    except PayoutRuleError as exc:
        raise BlanketGrantError(str(exc)) from exc


def recipients_from_csv(stream: IO[str]) -> Iterator[str]:
    """Account ids from a CSV text stream: the first column of each row, one id a row.

    A first row reading `recipient_id` (or `id`) is a header. Blank rows are skipped. An id
    that is too long or has spaces stops the load with its line number.
    """
    reader = csv.reader(stream)
    for line_no, row in enumerate(reader, start=1):
        if not row or not row[0].strip():
            continue
        value = row[0].strip()
        if line_no == 1 and value.lower() in {"recipient_id", "id", "account_id"}:
            continue
        if len(value) > MAX_RECIPIENT_ID:
            raise BlanketGrantError(f"{line_no}행: 계정 ID가 {MAX_RECIPIENT_ID}자를 넘습니다.")
        if any(ch.isspace() for ch in value) or "\x00" in value:
            raise BlanketGrantError(f"{line_no}행: 계정 ID에 공백이나 제어 문자가 있습니다.")
        yield value


def synthetic_recipients(count: int) -> Iterator[str]:
    """Stand-in account ids for demos and the benchmark."""
    return (f"S{i:09d}" for i in range(count))


def _validated(recipients: Iterable[str]) -> Iterator[str]:
    for n, value in enumerate(recipients, start=1):
        value = str(value)
        if not value or len(value) > MAX_RECIPIENT_ID or "\x00" in value:
            raise BlanketGrantError(f"{n}번째 대상: 계정 ID가 비었거나 너무 깁니다: {value[:80]!r}")
        yield value


def blanket_grant_load(
    *, grant: BlanketGrant, recipients: Iterable[str], slice_size: int = SLICE
) -> int:
    """Add the recipients as pending requests of the grant; returns how many were new.

    Loading the same recipients again adds nothing (ON CONFLICT on the idempotency key).
    """
    fields = _grant_fields(
        instrument=grant.instrument,
        amount=grant.amount,
        count=grant.count,
        validity=grant.validity_days,
    )
    stream = _validated(recipients)
    added = 0
    postgres = connection.vendor == "postgresql"
    while True:
        part = list(islice(stream, slice_size))
        if not part:
            break
        with transaction.atomic():
            if postgres:
                added += _load_slice_postgres(grant, fields, part)
            else:
                added += _load_slice_orm(grant, fields, part)
        del part
    _after_load(grant)
    logger.info("grant %s: %s recipients added", grant.code, added)
    return added


def _common_values(grant: BlanketGrant, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "recipient_kind": grant.recipient_kind,
        "instrument": grant.instrument,
        "amount": fields["amount"],
        "count": fields["count"],
        "action": "",
        "source_kind": SourceKind.PROGRAM_GRANT.value,
        "source_ref": grant.code,
        "program": grant.program,
        "grant_id": grant.pk,
        "policy_version": fields["policy_version"],
        "validity_days": fields["validity_days"],
        "memo": fields["memo"],
    }


_INSERT_COLUMNS = (
    "recipient_kind",
    "instrument",
    "amount",
    "count",
    "action",
    "source_kind",
    "source_ref",
    "program",
    "grant_id",
    "policy_version",
    "validity_days",
    "memo",
)


def _insert_select_sql(source_sql: str, id_expr: str) -> str:
    """INSERT the requests for `id_expr` of each row of `source_sql` (aliased `s`).

    Positional placeholders, in this order: the `_INSERT_COLUMNS` values, the key prefix, the
    time twice, then whatever `source_sql` takes.
    """
    table = PayoutRequest._meta.db_table
    columns = ", ".join(_INSERT_COLUMNS)
    placeholders = ", ".join("%s" for _ in _INSERT_COLUMNS)
    return f"""
        INSERT INTO {table} ({columns}, recipient_id, idempotency_key, status, attempts,
                             last_error, created_at, updated_at)
        SELECT {placeholders}, {id_expr}, %s || {id_expr}, 'pending', 0, '', %s, %s
        FROM ({source_sql}) AS s
        ON CONFLICT (idempotency_key) DO NOTHING
    """  # table and column names are ours, values are parameters


def _insert_params(grant: BlanketGrant, fields: dict[str, Any]) -> list[Any]:
    values = _common_values(grant, fields)
    now = timezone.now()
    return [*(values[c] for c in _INSERT_COLUMNS), grant_key_prefix(grant), now, now]


def _load_slice_postgres(grant: BlanketGrant, fields: dict[str, Any], part: list[str]) -> int:
    with connection.cursor() as cursor:
        # ON COMMIT DELETE ROWS: the staging table lives for the session and is emptied by
        # every slice's commit, so slices never see each other's ids.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} (recipient_id text) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"TRUNCATE {STAGING}")
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {STAGING} (recipient_id) FROM STDIN") as copy:
            for value in part:
                copy.write_row((value,))
        cursor.execute(
            _insert_select_sql(f"SELECT recipient_id FROM {STAGING}", "s.recipient_id"),
            _insert_params(grant, fields),
        )
        return cursor.rowcount


def _load_slice_orm(grant: BlanketGrant, fields: dict[str, Any], part: list[str]) -> int:
    values = _common_values(grant, fields)
    prefix = grant_key_prefix(grant)
    before = PayoutRequest.objects.filter(grant=grant).count()
    PayoutRequest.objects.bulk_create(
        [
            PayoutRequest(recipient_id=rid, idempotency_key=prefix + rid, **values)
            for rid in dict.fromkeys(part)
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return PayoutRequest.objects.filter(grant=grant).count() - before


def blanket_grant_load_queryset(
    *, grant: BlanketGrant, queryset: QuerySet, field: str = "pk"
) -> int:
    """Recipients are `field` of every row of `queryset` (e.g. the accounts of a segment).

    On PostgreSQL the ids never leave the server: one INSERT … SELECT from the queryset's SQL.
    Elsewhere they are streamed with a server-side iterator.
    """
    if connection.vendor != "postgresql":
        ids = (str(v) for v in queryset.values_list(field, flat=True).iterator(chunk_size=5000))
        return blanket_grant_load(grant=grant, recipients=ids)
    fields = _grant_fields(
        instrument=grant.instrument,
        amount=grant.amount,
        count=grant.count,
        validity=grant.validity_days,
    )
    inner_sql, inner_params = queryset.values_list(field).query.sql_with_params()
    sql = _insert_select_sql(f"SELECT DISTINCT (q.v)::text AS v FROM ({inner_sql}) AS q(v)", "s.v")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [*_insert_params(grant, fields), *inner_params])
        added = cursor.rowcount
    _after_load(grant)
    return added


def _after_load(grant: BlanketGrant) -> None:
    total = PayoutRequest.objects.filter(grant=grant).count()
    status = grant.status
    if status in (BlanketGrant.Status.DRAFT, BlanketGrant.Status.DONE):
        has_pending = PayoutRequest.objects.filter(
            grant=grant, status=PayoutRequest.Status.PENDING
        ).exists()
        if status == BlanketGrant.Status.DRAFT or has_pending:
            status = BlanketGrant.Status.LOADED
    BlanketGrant.objects.filter(pk=grant.pk).update(
        recipients_count=total, status=status, updated_at=timezone.now()
    )
    grant.recipients_count = total
    grant.status = status


def _recipients_of(grant: BlanketGrant) -> Iterable[str]:
    if grant.recipients_csv:
        grant.recipients_csv.open("rb")
        text = io.TextIOWrapper(grant.recipients_csv.file, encoding="utf-8-sig", newline="")
        return recipients_from_csv(text)
    if grant.synthetic_count:
        return synthetic_recipients(grant.synthetic_count)
    raise BlanketGrantError("대상이 없습니다: CSV 파일이나 합성 대상 수를 지정하세요.")


def blanket_grant_start(*, grant_id: int, actor: User | None = None) -> None:
    """Queue the grant's run for a worker (loading millions of recipients is never a web
    request's job). Raises BlanketGrantError when the grant has no recipient source."""
    from payouts.tasks import run_blanket_grant

    grant = BlanketGrant.objects.get(pk=grant_id)
    if not grant.recipients_csv and not grant.synthetic_count:
        raise BlanketGrantError(f"{grant.code}: 대상 CSV나 합성 대상 수가 없습니다.")
    actor_id = actor.pk if actor is not None else None
    transaction.on_commit(lambda: run_blanket_grant.delay(grant_id, actor_id))


def blanket_grant_run(
    *,
    grant_id: int,
    actor: User | None = None,
    recipients: Iterable[str] | None = None,
    enqueue: bool = True,
) -> PayoutBatch:
    """Load the grant's recipients (its CSV file or synthetic count unless given) and start the
    batch that issues them. Running it again loads nothing twice and issues only what is still
    pending."""
    grant = BlanketGrant.objects.get(pk=grant_id)
    source = recipients if recipients is not None else _recipients_of(grant)
    try:
        blanket_grant_load(grant=grant, recipients=source)
    finally:
        if grant.recipients_csv:
            grant.recipients_csv.close()
    return payout_batch_start_for_grant(grant=grant, actor=actor, enqueue=enqueue)
