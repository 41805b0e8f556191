"""A blanket grant loaded and issued in one pass (PostgreSQL, the ledger issuer).

With the ledger issuer there is nothing to deliver, so a grant need not load its requests as
pending and then update every one to issued. The run:

1. stages every recipient, validated, into an unlogged table of its own (one COPY): a bad
   line anywhere refuses the whole grant before anyone is paid, as the two-step load does;
2. issues the staged recipients slice by slice: one statement inserts a slice's new requests
   already issued and, from what that INSERT returns, their ledger rows; the slice's chunk row
   and the batch's counters commit with them. Slices run on several connections at once
   (PAYOUTS_GRANT_ISSUE_CONNECTIONS) unless the caller holds a transaction, whose rows other
   connections could not see.

So:
- a rerun issues nothing twice (ON CONFLICT on the idempotency key; only new rows reach the
  ledger, which is unique per request);
- a worker killed mid-run loses nothing: committed slices are issued and counted, the rest is
  issued by the next run (the stalled-load sweep), in a batch of its own;
- two one-pass runs of a grant never overlap: an advisory lock, the second is told so (a
  two-step load beside it is harmless: ON CONFLICT);
- every batch adds up like any other: done = its ledger rows, total = done + failed + skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from payouts.models import BlanketGrant, LedgerEntry, PayoutBatch, PayoutChunk, PayoutRequest
from payouts.services.grant_loading import (
    INSERT_COLUMNS,
    SLICE,
    BlanketGrantError,
    blanket_grant_mark_failed,
    common_values,
    grant_fields,
    grant_key_prefix,
    validated_recipients,
)
from payouts.services.grant_status import blanket_grant_transition
from payouts.services.issuing import OPEN_STATUSES
from payouts.services.ledger import copied_columns, ledger_insert_columns

logger = logging.getLogger(__name__)

Status = BlanketGrant.Status
# The first key of the advisory lock of a grant's run (the second is the grant's id), so it
# cannot collide with another lock of this database's clients.
_RUN_LOCK = 0x67726E74  # "grnt"
ONE_PASS_NOTE = "적재와 지급을 한 번에 (원장 발급)"


class GrantRunInProgress(Exception):
    """Another run of the same grant holds its lock."""


@contextmanager
def _run_lock(grant_id: int) -> Iterator[None]:
    """Holds the grant's run lock, or raises GrantRunInProgress.

    Inside a caller's transaction the lock is the transaction's (released when it ends, even
    if it aborts); otherwise the session's, released here, and if that fails the connection is
    closed, which releases it: a kept connection must never hold a dead run's lock."""
    scoped = connection.in_atomic_block
    take = "pg_try_advisory_xact_lock" if scoped else "pg_try_advisory_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {take}(%s, %s)", [_RUN_LOCK, grant_id])
        if not cursor.fetchone()[0]:
            raise GrantRunInProgress(f"일괄 지급 #{grant_id}은(는) 이미 실행 중입니다.")
    try:
        yield
    finally:
        if not scoped:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_RUN_LOCK, grant_id])
            except DatabaseError:
                connection.close()


def _stage_table(grant: BlanketGrant) -> str:
    return f"payouts_grant_stage_{int(grant.pk)}"


def _stage(table: str, recipients: Iterable[str]) -> int:
    """Every recipient, validated and numbered, in an unlogged table; returns how many.

    Unlogged: it is rebuilt from the source by any rerun, so it need not survive a crash of
    the database, and writing it costs no WAL. Raises BlanketGrantError on a bad recipient,
    with nothing issued."""
    staged = 0
    # One transaction (a savepoint inside a caller's): a bad line aborts the COPY, and with it
    # only this.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")  # a dead run's leftovers
        cursor.execute(f"CREATE UNLOGGED TABLE {table} (n bigint NOT NULL, recipient_id text)")
        with cursor.cursor.copy(f"COPY {table} (n, recipient_id) FROM STDIN") as copy:
            for staged, value in enumerate(validated_recipients(recipients), start=1):
                copy.write_row((staged, value))
        # Slices read ranges of n, which grows with the table: a BRIN index finds a range's
        # pages and costs next to nothing to build.
        cursor.execute(f"CREATE INDEX ON {table} USING brin (n)")
        cursor.execute(f"ANALYZE {table}")
    return staged


def _drop_stage(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _issue_slice_sql(table: str) -> str:
    requests = PayoutRequest._meta.db_table
    ledger = LedgerEntry._meta.db_table
    columns = ", ".join(INSERT_COLUMNS)
    placeholders = ", ".join(f"%({c})s" for c in INSERT_COLUMNS)
    copied = ", ".join(copied_columns())
    return f"""
        WITH new AS (
            INSERT INTO {requests} ({columns}, recipient_id, idempotency_key, status, attempts,
                                    last_error, created_at, updated_at, issued_at, valid_until)
            SELECT {placeholders}, s.recipient_id, %(prefix)s || s.recipient_id, 'issued', 1,
                   '', %(now)s, %(now)s, %(now)s, %(valid_until)s
            FROM {table} AS s
            WHERE s.n BETWEEN %(first)s AND %(last)s
            -- Every slice takes its keys in one order: two slices holding the same recipient
            -- (a list with duplicates) then wait on each other in turn, never in a circle.
            ORDER BY s.recipient_id
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING id, {copied}
        ),
        ledger AS (
            INSERT INTO {ledger} ({ledger_insert_columns()})
            SELECT id, {copied}, %(batch)s, %(now)s, 'ledger', '' FROM new
        )
        SELECT COUNT(*), MIN(id), MAX(id) FROM new
    """  # table and column names are ours, values are parameters


def _issue_slice(
    *, grant_id: int, batch_id: int, sql: str, params: dict[str, Any], index: int, size: int
) -> int:
    """Staged recipients index·size+1 … (index+1)·size, one transaction: their requests,
    ledger rows, the chunk and the counters. Returns how many were new."""
    now = timezone.now()
    validity = params["validity_days"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                **params,
                "now": now,
                "valid_until": None if validity is None else now + timedelta(days=validity),
                "batch": batch_id,
                "first": index * size + 1,
                "last": (index + 1) * size,
            },
        )
        issued, first_id, last_id = cursor.fetchone()
        if issued:
            PayoutChunk.objects.create(
                batch_id=batch_id, index=index, first_id=first_id, last_id=last_id,
                total=issued, done=issued, status=PayoutChunk.Status.DONE, runs=1,
                started_at=now, finished_at=now,
            )  # fmt: skip
            # Batch, then grant, in every slice: parallel slices queue on these rows in one
            # order, after their INSERTs ran side by side.
            PayoutBatch.objects.filter(pk=batch_id).update(
                chunks_total=F("chunks_total") + 1,
                chunks_finished=F("chunks_finished") + 1,
                total=F("total") + issued,
                done=F("done") + issued,
                processed=F("processed") + issued,
            )
            # The run's progress and heartbeat, as a plain load has them.
            BlanketGrant.objects.filter(pk=grant_id).update(
                recipients_count=F("recipients_count") + issued, updated_at=now
            )
    return issued


def _issue_all(*, grant: BlanketGrant, batch: PayoutBatch, table: str, staged: int,
               params: dict[str, Any], slice_size: int) -> int:  # fmt: skip
    sql = _issue_slice_sql(table)
    slices = range((staged + slice_size - 1) // slice_size)

    def run(index: int) -> int:
        return _issue_slice(grant_id=grant.pk, batch_id=batch.pk, sql=sql, params=params,
                            index=index, size=slice_size)  # fmt: skip

    workers = settings.PAYOUTS_GRANT_ISSUE_CONNECTIONS
    if workers <= 1 or connection.in_atomic_block or len(slices) <= 1:
        return sum(run(index) for index in slices)

    def run_own_connection(index: int) -> int:
        try:
            return run(index)
        finally:
            connection.close()  # this thread's

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_own_connection, index) for index in slices]
        try:
            return sum(future.result() for future in futures)
        except BaseException:
            # The first failure stops the slices not started yet; the rerun issues them.
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def blanket_grant_load_and_issue(
    *,
    grant: BlanketGrant,
    recipients: Iterable[str],
    actor: User | None = None,
    slice_size: int = SLICE,
) -> PayoutBatch | None:
    """Load and issue the grant's recipients in one pass; returns its batch, or None when the
    grant is issuing through a planned batch (the caller takes the two-step path).

    Raises GrantRunInProgress when another run of the grant holds it, BlanketGrantError (the
    grant marked failed, nobody paid) on a bad recipient."""
    if BlanketGrant.objects.values_list("status", flat=True).get(pk=grant.pk) == Status.ISSUING:
        return None
    fields = grant_fields(
        instrument=grant.instrument,
        amount=grant.amount,
        count=grant.count,
        validity=grant.validity_days,
        policy_version=grant.policy_version,
    )
    params = {**common_values(grant, fields), "prefix": grant_key_prefix(grant)}
    table = _stage_table(grant)
    with _run_lock(grant.pk):
        blanket_grant_transition(
            grant_id=grant.pk, to=Status.LOADING, actor=actor, reason="적재·지급 시작",
            strict=False,
        )  # fmt: skip
        # Read again under the lock: released to its batch since the check above (issuing),
        # the grant is that batch's to issue.
        if BlanketGrant.objects.values_list("status", flat=True).get(pk=grant.pk) != (
            Status.LOADING
        ):
            return None
        # A run killed before closing its batch left it running with every slice done.
        PayoutBatch.objects.filter(
            grant=grant,
            status=PayoutBatch.Status.RUNNING,
            note=ONE_PASS_NOTE,
            chunks_finished__gte=F("chunks_total"),
        ).update(status=PayoutBatch.Status.FINISHED, finished_at=timezone.now())
        try:
            try:
                staged = _stage(table, recipients)
            except BlanketGrantError as exc:
                blanket_grant_mark_failed(grant=grant, error=f"대상 적재 실패 (지급 없음): {exc}")
                raise
            batch = PayoutBatch.objects.create(
                kind=PayoutBatch.Kind.BLANKET,
                grant=grant,
                chunk_size=slice_size,
                created_by=actor,
                note=ONE_PASS_NOTE,
            )
            try:
                issued = _issue_all(grant=grant, batch=batch, table=table, staged=staged,
                                    params=params, slice_size=slice_size)  # fmt: skip
            finally:
                # Whatever happened, the batch holds exactly its committed slices; a rerun
                # issues the rest in a batch of its own.
                PayoutBatch.objects.filter(pk=batch.pk, status=PayoutBatch.Status.RUNNING).update(
                    status=PayoutBatch.Status.FINISHED, finished_at=timezone.now()
                )
        finally:
            _drop_stage(table)
        total = PayoutRequest.objects.filter(grant=grant).count()
        pending = PayoutRequest.objects.filter(grant=grant, status__in=OPEN_STATUSES).exists()
        # Rows an earlier two-step load left pending are released to the batch path (loaded);
        # otherwise the grant is done.
        blanket_grant_transition(
            grant_id=grant.pk,
            to=Status.LOADED if pending else Status.DONE,
            actor=actor,
            reason=f"적재·지급 완료 (새로 지급 {issued:,}건, 전체 {total:,}건)",
            recipients_count=total,
            error="",
        )
    logger.info("grant %s: %s of %s staged recipients issued in one pass", grant.code, issued,
                staged)  # fmt: skip
    batch.refresh_from_db()
    return batch
