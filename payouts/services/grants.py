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
import re
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

from django.contrib.auth.models import User
from django.core.files import File
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from payouts.models import BlanketGrant, PayoutBatch, PayoutRequest, RecipientKind, SourceKind
from payouts.services.batches import payout_batch_start_for_grant
from payouts.services.requests import send_after_commit
from payouts.services.rules import (
    MAX_COUNT,
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


# Codes and program codes are part of every idempotency key (`grant:{code}:…`), posted as an
# HTTP header: ASCII slugs only.
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
MAX_CODE = BlanketGrant._meta.get_field("code").max_length or 64
MAX_NAME = BlanketGrant._meta.get_field("name").max_length or 200


def _check_definition(*, code: str, name: str, program: str, synthetic_count: int | None) -> None:
    if not code or len(code) > MAX_CODE or not _SLUG.match(code):
        raise BlanketGrantError(
            f"코드는 영문·숫자·하이픈·밑줄로 1~{MAX_CODE}자여야 합니다: {code[:80]!r}"
        )
    if program and (len(program) > MAX_CODE or not _SLUG.match(program)):
        raise BlanketGrantError(
            f"프로그램 코드는 영문·숫자·하이픈·밑줄로 {MAX_CODE}자 이하여야 합니다: "
            f"{program[:80]!r}"
        )
    if len(name) > MAX_NAME:
        raise BlanketGrantError(f"이름은 {MAX_NAME}자 이하여야 합니다.")
    if synthetic_count is not None and synthetic_count < 1:
        raise BlanketGrantError("합성 대상 수는 1 이상이어야 합니다.")
    if synthetic_count is not None and synthetic_count > MAX_COUNT:
        raise BlanketGrantError(f"합성 대상 수는 {MAX_COUNT:,} 이하여야 합니다.")


def grant_key_prefix(grant: BlanketGrant) -> str:
    return f"grant:{grant.code}:{grant.recipient_kind}:"


def blanket_grant_check(
    *,
    code: str,
    name: str,
    program: str,
    synthetic_count: int | None,
    instrument: str,
    amount: int | None,
    count: int | None,
    validity_days: int | None,
) -> None:
    """Raise BlanketGrantError if the definition breaks a rule (for forms, before saving)."""
    _check_definition(code=code, name=name, program=program, synthetic_count=synthetic_count)
    _grant_fields(instrument=instrument, amount=amount, count=count, validity=validity_days)


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
    recipients_csv: File | None = None,
    actor: User | None = None,
) -> BlanketGrant:
    """Create a draft grant, or return the one with this code if it has the same definition.

    Coupons get the published policy version and its validity (unless given)."""
    _check_definition(code=code, name=name, program=program, synthetic_count=synthetic_count)
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
        recipients_csv=recipients_csv,
        created_by=actor,
    )


_DEFINITION = ("instrument", "recipient_kind", "amount", "count", "validity_days", "program")


def blanket_grant_update(*, grant: BlanketGrant, **changes: Any) -> BlanketGrant:
    """Change a grant that has no requests yet. Once recipients are loaded their requests carry
    the definition (instrument, amount, keys with the code), so it is frozen: make a new grant.
    """
    with transaction.atomic():
        locked = BlanketGrant.objects.select_for_update().get(pk=grant.pk)
        if locked.requests.exists() and any(
            changes.get(f, getattr(locked, f)) != getattr(locked, f) for f in (*_DEFINITION, "code")
        ):
            raise BlanketGrantError(
                f"{locked.code}: 대상이 이미 적재되어 지급 내용을 바꿀 수 없습니다. "
                "새 일괄 지급을 만드세요."
            )
        for name, value in changes.items():
            setattr(locked, name, value)
        _check_definition(
            code=locked.code,
            name=locked.name,
            program=locked.program,
            synthetic_count=locked.synthetic_count,
        )
        fields = _grant_fields(
            instrument=locked.instrument,
            amount=locked.amount,
            count=locked.count,
            validity=locked.validity_days,
        )
        locked.validity_days = fields["validity_days"]
        locked.policy_version = fields["policy_version"]
        locked.save()
    return locked


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


def _validated(recipients: Iterable[str]) -> Iterator[str]:
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
    fields = _grant_fields(
        instrument=grant.instrument,
        amount=grant.amount,
        count=grant.count,
        validity=grant.validity_days,
    )
    stream = _validated(recipients)
    added = 0
    postgres = connection.vendor == "postgresql"
    try:
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
    except BlanketGrantError as exc:
        # Earlier slices are committed (a rerun resumes them); the grant is marked failed so the
        # nightly sweep leaves those rows alone until a load of the corrected file succeeds.
        blanket_grant_mark_failed(
            grant=grant, error=f"대상 적재 실패 (새 대상 {added:,}건 적재 후): {exc}"
        )
        raise
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
    Elsewhere they are streamed with a server-side iterator. The field must be a plain column
    of the model (not a relation); rows whose value is NULL, empty, longer than an account id or
    not visible ASCII are skipped (they cannot name an account).
    """
    name = queryset.model._meta.pk.name if field == "pk" else field
    try:
        model_field = queryset.model._meta.get_field(name)
    except Exception as exc:
        raise BlanketGrantError(f"{queryset.model._meta.label}에 {field} 필드가 없습니다.") from exc
    if model_field.is_relation or not getattr(model_field, "concrete", False):
        raise BlanketGrantError(
            f"{queryset.model._meta.label}.{name}은(는) 관계 필드라 대상 ID로 쓸 수 없습니다. "
            "값이 하나인 필드(예: pk, username)를 지정하세요."
        )
    queryset = queryset.exclude(**{f"{name}__isnull": True})
    if connection.vendor != "postgresql":
        ids = (
            str(v)
            for v in queryset.values_list(name, flat=True).iterator(chunk_size=5000)
            if 0 < len(str(v)) <= MAX_RECIPIENT_ID and is_header_safe(str(v))
        )
        return blanket_grant_load(grant=grant, recipients=ids)
    fields = _grant_fields(
        instrument=grant.instrument,
        amount=grant.amount,
        count=grant.count,
        validity=grant.validity_days,
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
    _after_load(grant)
    return added


def _after_load(grant: BlanketGrant) -> None:
    total = PayoutRequest.objects.filter(grant=grant).count()
    status = BlanketGrant.objects.values_list("status", flat=True).get(pk=grant.pk)
    if status in (BlanketGrant.Status.DRAFT, BlanketGrant.Status.DONE, BlanketGrant.Status.FAILED):
        has_pending = PayoutRequest.objects.filter(
            grant=grant, status=PayoutRequest.Status.PENDING
        ).exists()
        # A complete load clears an earlier failure; the grant is released only by its batch.
        if status != BlanketGrant.Status.DONE or has_pending:
            status = BlanketGrant.Status.LOADED
    BlanketGrant.objects.filter(pk=grant.pk).update(
        recipients_count=total, status=status, error="", updated_at=timezone.now()
    )
    grant.recipients_count = total
    grant.status = status
    grant.error = ""


def blanket_grant_mark_failed(*, grant: BlanketGrant, error: str) -> None:
    """Record why loading or running the grant stopped; shown in the admin. Its loaded rows
    stay pending, outside the nightly sweep, until a later load succeeds."""
    total = PayoutRequest.objects.filter(grant=grant).count()
    BlanketGrant.objects.filter(pk=grant.pk).update(
        status=BlanketGrant.Status.FAILED,
        error=error[:5000],
        recipients_count=total,
        updated_at=timezone.now(),
    )
    grant.status = BlanketGrant.Status.FAILED
    grant.error = error[:5000]
    grant.recipients_count = total
    logger.warning("grant %s failed: %s", grant.code, error)


def _recipients_of(grant: BlanketGrant) -> Iterable[str]:
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


def blanket_grant_start(*, grant_id: int, actor: User | None = None) -> None:
    """Queue the grant's run for a worker (loading millions of recipients is never a web
    request's job). Raises BlanketGrantError when the grant has no recipient source."""
    from payouts.tasks import run_blanket_grant

    grant = BlanketGrant.objects.get(pk=grant_id)
    if not grant.recipients_csv and not grant.synthetic_count:
        raise BlanketGrantError(f"{grant.code}: 대상 CSV나 합성 대상 수가 없습니다.")
    actor_id = actor.pk if actor is not None else None
    # A broker down must not turn the admin action into a 500; the operator runs it again.
    send_after_commit(
        lambda: run_blanket_grant.delay(grant_id, actor_id), what=f"run of grant {grant.code}"
    )


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
    try:
        source = recipients if recipients is not None else _recipients_of(grant)
        try:
            blanket_grant_load(grant=grant, recipients=source)
        finally:
            if grant.recipients_csv:
                grant.recipients_csv.close()
        return payout_batch_start_for_grant(grant=grant, actor=actor, enqueue=enqueue)
    except Exception as exc:
        # Run by a worker from the admin: nobody sees the traceback, so the grant shows why.
        if grant.status != BlanketGrant.Status.FAILED:
            blanket_grant_mark_failed(grant=grant, error=f"{type(exc).__name__}: {exc}")
        raise
