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

from django.db import connection, transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone

from payouts.models import BlanketGrant, PayoutRequest, SourceKind
from payouts.services.grant_status import blanket_grant_transition
from payouts.services.rules import (
    PayoutRuleError,
    instrument_fields,
    is_header_safe,
)

logger = logging.getLogger(__name__)

SLICE = 50_000
MAX_RECIPIENT_ID = PayoutRequest._meta.get_field("recipient_id").max_length or 64
STAGING = "payouts_grant_staging"


class BlanketGrantError(ValueError):
    """Bad grant definition or bad recipient input; the message says which and where."""


def grant_key_prefix(grant: BlanketGrant) -> str:
    return f"grant:{grant.code}:{grant.recipient_kind}:"


def grant_fields(
    *,
    instrument: str,
    amount: int | None,
    count: int | None,
    validity: int | None,
    policy_version: int | None = None,
) -> dict[str, Any]:
    try:
        return instrument_fields(
            instrument=instrument,
            amount=amount,
            count=count,
            validity_days=validity,
            policy_version=policy_version,
        )
    except PayoutRuleError as exc:
        raise BlanketGrantError(str(exc)) from exc


def recipients_from_csv(stream: IO[str]) -> Iterator[str]:
    """Account ids from a CSV text stream: the first column of each row, one id a row.

    A first row reading `recipient_id` (or `id`) is a header. Blank rows are skipped. An id
    that is too long or is not visible ASCII (it becomes part of an HTTP header), or a file
    that is not UTF-8, stops the load with its line number.
    """
    reader = csv.reader(stream)
    line_no = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            raise BlanketGrantError(
                f"{line_no + 1}행 근처: CSV가 UTF-8이 아닙니다 ({exc.reason}). "
                "UTF-8로 저장해 다시 올리세요."
            ) from exc
        except csv.Error as exc:
            raise BlanketGrantError(f"{reader.line_num}행: CSV 형식 오류: {exc}") from exc
        line_no = reader.line_num
        if not row or not row[0].strip():
            continue
        value = row[0].strip()
        if line_no == 1 and value.lower().lstrip("\ufeff") in {"recipient_id", "id", "account_id"}:
            continue
        if len(value) > MAX_RECIPIENT_ID:
            raise BlanketGrantError(f"{line_no}행: 계정 ID가 {MAX_RECIPIENT_ID}자를 넘습니다.")
        if not is_header_safe(value):
            raise BlanketGrantError(
                f"{line_no}행: 계정 ID는 공백 없는 ASCII 문자여야 합니다: {value[:40]!r}"
            )
        yield value


def synthetic_recipients(count: int) -> Iterator[str]:
    """Stand-in account ids for demos and the benchmark."""
    return (f"S{i:09d}" for i in range(count))


def validated_recipients(recipients: Iterable[str]) -> Iterator[str]:
    for n, value in enumerate(recipients, start=1):
        value = str(value)
        if not value or len(value) > MAX_RECIPIENT_ID or not is_header_safe(value):
            raise BlanketGrantError(
                f"{n}번째 대상: 계정 ID는 1~{MAX_RECIPIENT_ID}자의 공백 없는 ASCII 문자여야 "
                f"합니다: {value[:80]!r}"
            )
        yield value


def blanket_grant_load(
    *, grant: BlanketGrant, recipients: Iterable[str], slice_size: int = SLICE
) -> int:
    """Add the recipients as pending requests of the grant; returns how many were new.

    Loading the same recipients again adds nothing (ON CONFLICT on the idempotency key).
    """
    fields = grant_fields(
        instrument=grant.instrument,
        amount=grant.amount,
        count=grant.count,
        validity=grant.validity_days,
        policy_version=grant.policy_version,
    )
    stream = validated_recipients(recipients)
    added = 0
    postgres = connection.vendor == "postgresql"
    # Visible at once (its own commit), so the admin shows the load under way and a worker
    # killed in it leaves a grant the sweep can find. A grant already issuing stays so.
    before = BlanketGrant.objects.values_list("status", flat=True).get(pk=grant.pk)
    if blanket_grant_transition(
        grant_id=grant.pk, to=BlanketGrant.Status.LOADING, reason="대상 적재 시작", strict=False
    ):
        grant.status = BlanketGrant.Status.LOADING
    try:
        while True:
            part = list(islice(stream, slice_size))
            if not part:
                break
            with transaction.atomic():
                if postgres:
                    new = _load_slice_postgres(grant, fields, part)
                else:
                    new = _load_slice_orm(grant, fields, part)
                # The heartbeat and progress of the load, in the slice's transaction.
                BlanketGrant.objects.filter(pk=grant.pk).update(
                    recipients_count=F("recipients_count") + new, updated_at=timezone.now()
                )
            added += new
            del part
    except BlanketGrantError as exc:
        # Earlier slices are committed (a rerun resumes them); the grant is marked failed so the
        # nightly sweep leaves those rows alone until a load of the corrected file succeeds.
        blanket_grant_mark_failed(
            grant=grant, error=f"대상 적재 실패 (새 대상 {added:,}건 적재 후): {exc}"
        )
        raise
    _after_load(grant, before=before)
    logger.info("grant %s: %s recipients added", grant.code, added)
    return added


def common_values(grant: BlanketGrant, fields: dict[str, Any]) -> dict[str, Any]:
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


INSERT_COLUMNS = (
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

    Positional placeholders, in this order: the `INSERT_COLUMNS` values, the key prefix, the
    time twice, then whatever `source_sql` takes.
    """
    table = PayoutRequest._meta.db_table
    columns = ", ".join(INSERT_COLUMNS)
    placeholders = ", ".join("%s" for _ in INSERT_COLUMNS)
    return f"""
        INSERT INTO {table} ({columns}, recipient_id, idempotency_key, status, attempts,
                             last_error, created_at, updated_at)
        SELECT {placeholders}, {id_expr}, %s || {id_expr}, 'pending', 0, '', %s, %s
        FROM ({source_sql}) AS s
        ON CONFLICT (idempotency_key) DO NOTHING
    """  # table and column names are ours, values are parameters


def _insert_params(grant: BlanketGrant, fields: dict[str, Any]) -> list[Any]:
    values = common_values(grant, fields)
    now = timezone.now()
    return [*(values[c] for c in INSERT_COLUMNS), grant_key_prefix(grant), now, now]


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
    values = common_values(grant, fields)
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


def recipient_field(model: type[Model], field: str) -> str:
    """The column name of `field` ("pk" allowed) if it can hold account ids: a plain column of
    the model, not a relation. Raises BlanketGrantError otherwise."""
    name = model._meta.pk.name if field == "pk" else field
    try:
        model_field = model._meta.get_field(name)
    except Exception as exc:
        raise BlanketGrantError(f"{model._meta.label}에 {field} 필드가 없습니다.") from exc
    if model_field.is_relation or not getattr(model_field, "concrete", False):
        raise BlanketGrantError(
            f"{model._meta.label}.{name}은(는) 관계 필드라 대상 ID로 쓸 수 없습니다. "
            "값이 하나인 필드(예: pk, username)를 지정하세요."
        )
    return name


def blanket_grant_load_queryset(
    *, grant: BlanketGrant, queryset: QuerySet, field: str = "pk"
) -> int:
    """Recipients are `field` of every row of `queryset` (e.g. the accounts of a segment).

    On PostgreSQL the ids never leave the server: one INSERT … SELECT from the queryset's SQL.
    Elsewhere they are streamed with a server-side iterator. The field must be a plain column
    of the model (not a relation); rows whose value is NULL, empty, longer than an account id or
    not visible ASCII are skipped (they cannot name an account).
    """
    name = recipient_field(queryset.model, field)
    queryset = queryset.exclude(**{f"{name}__isnull": True})
    if connection.vendor != "postgresql":
        ids = (
            str(v)
            for v in queryset.values_list(name, flat=True).iterator(chunk_size=5000)
            if 0 < len(str(v)) <= MAX_RECIPIENT_ID and is_header_safe(str(v))
        )
        return blanket_grant_load(grant=grant, recipients=ids)
    fields = grant_fields(
        instrument=grant.instrument,
        amount=grant.amount,
        count=grant.count,
        validity=grant.validity_days,
        policy_version=grant.policy_version,
    )
    inner_sql, inner_params = queryset.values_list(name).query.sql_with_params()
    sql = _insert_select_sql(
        f"SELECT DISTINCT (q.v)::text AS v FROM ({inner_sql}) AS q(v) "
        # Visible ASCII, 1..64 characters: the same rule as a CSV id.
        f"WHERE (q.v)::text ~ '^[!-~]{{1,{MAX_RECIPIENT_ID}}}$'",
        "s.v",
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [*_insert_params(grant, fields), *inner_params])
        added = cursor.rowcount
    _after_load(
        grant, before=BlanketGrant.objects.values_list("status", flat=True).get(pk=grant.pk)
    )
    return added


def _after_load(grant: BlanketGrant, *, before: str) -> None:
    """The grant after a complete load: loaded, or as it was before the load when it was
    issuing, or done and the load added nothing to issue."""
    total = PayoutRequest.objects.filter(grant=grant).count()
    status = before
    has_pending = PayoutRequest.objects.filter(
        grant=grant, status=PayoutRequest.Status.PENDING
    ).exists()
    # A complete load clears an earlier failure; the grant is released only by its batch. A
    # finished grant the load added nothing to stays finished, an issuing one issuing.
    if status == BlanketGrant.Status.ISSUING or (
        status == BlanketGrant.Status.DONE and not has_pending
    ):
        target = status
    else:
        target = BlanketGrant.Status.LOADED
    blanket_grant_transition(
        grant_id=grant.pk,
        to=target,
        reason=f"대상 적재 완료 ({total:,}건)",
        recipients_count=total,
        error="",
    )
    grant.recipients_count = total
    grant.status = target
    grant.error = ""


def blanket_grant_mark_failed(*, grant: BlanketGrant, error: str) -> None:
    """Record why loading or running the grant stopped; shown in the admin. Its loaded rows
    stay pending, outside the nightly sweep, until a later load succeeds."""
    total = PayoutRequest.objects.filter(grant=grant).count()
    moved = blanket_grant_transition(
        grant_id=grant.pk,
        to=BlanketGrant.Status.FAILED,
        reason=error[:2000],
        only_from=(
            BlanketGrant.Status.DRAFT,
            BlanketGrant.Status.LOADING,
            BlanketGrant.Status.LOADED,
        ),
        strict=False,
        error=error[:5000],
        recipients_count=total,
    )
    if not moved:
        # Issuing or done: the grant keeps its state (its batch goes on); the error is shown.
        BlanketGrant.objects.filter(pk=grant.pk).update(error=error[:5000])
    grant.status = BlanketGrant.objects.values_list("status", flat=True).get(pk=grant.pk)
    grant.error = error[:5000]
    grant.recipients_count = total
    logger.warning("grant %s failed: %s", grant.code, error)


def recipients_of(grant: BlanketGrant) -> Iterable[str]:
    if grant.recipients_csv:
        try:
            grant.recipients_csv.open("rb")
        except OSError as exc:
            raise BlanketGrantError(f"대상 CSV를 열 수 없습니다: {exc}") from exc
        text = io.TextIOWrapper(grant.recipients_csv.file, encoding="utf-8-sig", newline="")
        return recipients_from_csv(text)
    if grant.synthetic_count:
        return synthetic_recipients(grant.synthetic_count)
    raise BlanketGrantError("대상이 없습니다: CSV 파일이나 합성 대상 수를 지정하세요.")
