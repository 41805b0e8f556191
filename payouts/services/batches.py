"""Batches: the nightly run and blanket-grant issues, split into chunks tracked in the database.

A batch is planned once: the pending requests it covers are cut, in id order, into chunks of
`PAYOUTS_CHUNK_SIZE` ids (`first_id..last_id`). Each chunk is one task. A chunk's work and its
completion (status `done`, the batch's counters) commit in one transaction on the ledger path,
so a worker killed mid-chunk leaves the chunk as if it never ran, and a chunk run twice (a
redelivered message, a resume) finds it done and does nothing. There is no chord: the batch
finishes when the chunk that brings `chunks_finished` to `chunks_total` commits.

Counters add up: a finished batch has total = done + failed + skipped, where `skipped` is what
was planned but found already issued or cancelled by someone else (the nightly sweep and a
grant's batch may plan the same rows; a request may be issued on its own meanwhile). A failed
request issued later by a retry moves from its batch's `failed` to `done` (or `skipped` when
another batch issued it), see `services.requests._move_failed_count`.

The nightly sweep plans the pending requests outside any blanket grant and those of grants that
were released (`issuing` or `done`): a grant only loaded (`--no-issue`, an admin draft) or whose
load failed part-way is never issued behind its operator's back.

Exactly once does not rest on the chunk bookkeeping: every issue is a compare-and-set from
`pending` on the request row, and the ledger holds one entry per request (a unique key).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from payouts.issuers import Issuer, close_issuer, get_issuer
from payouts.models import (
    BlanketGrant,
    LedgerEntry,
    PayoutBatch,
    PayoutChunk,
    PayoutRequest,
)
from payouts.services.issuing import (
    _move_failed_count,
    close_grant_if_final,
    deliver_and_record,
    payout_requests_release_stale_issuing,
    valid_until,
)
from payouts.services.requests import send_after_commit

logger = logging.getLogger(__name__)

Pending = PayoutRequest.Status.PENDING


class BatchError(ValueError):
    pass


def _chunk_size(chunk_size: int | None) -> int:
    size = chunk_size or settings.PAYOUTS_CHUNK_SIZE
    if size < 1:
        raise BatchError("청크 크기는 1 이상이어야 합니다.")
    return size


def _released_grants_sql() -> tuple[str, list[Any]]:
    """SQL condition (on a request row, alias-free) for the nightly sweep: outside any grant,
    or in a grant its operator released."""
    grants = BlanketGrant._meta.db_table
    return (
        f"(grant_id IS NULL OR grant_id IN (SELECT id FROM {grants} WHERE status IN (%s, %s)))",
        [BlanketGrant.Status.ISSUING.value, BlanketGrant.Status.DONE.value],
    )


def _released_grants_q() -> Q:
    return Q(grant__isnull=True) | Q(
        grant__status__in=[BlanketGrant.Status.ISSUING, BlanketGrant.Status.DONE]
    )


def _plan_chunks(batch: PayoutBatch, *, grant_id: int | None) -> None:
    """Cut the batch's pending requests into id ranges, one query, no ids held in Python.

    row_number() numbers the pending rows in id order; integer division by the chunk size gives
    each row its chunk. The result is one row per chunk (8,650 rows for 17.3 million requests at
    2,000 a chunk). SQLite >= 3.25 and PostgreSQL both have window functions.
    """
    table = PayoutRequest._meta.db_table
    where = "status = %s"
    params: list[Any] = [Pending]
    if grant_id is not None:
        where += " AND grant_id = %s"
        params.append(grant_id)
    else:
        released, released_params = _released_grants_sql()
        where += " AND " + released
        params += released_params
    sql = f"""
        SELECT (rn - 1) / %s AS idx, MIN(id), MAX(id), COUNT(*)
        FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM {table} WHERE {where}) AS p
        GROUP BY (rn - 1) / %s
        ORDER BY 1
    """  # the table name is ours, every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [batch.chunk_size, *params, batch.chunk_size])
        rows = cursor.fetchall()
    PayoutChunk.objects.bulk_create(
        [
            PayoutChunk(batch=batch, index=idx, first_id=first, last_id=last, total=n)
            for idx, first, last, n in rows
        ],
        batch_size=1000,
    )
    total = sum(n for *_, n in rows)
    batch.chunks_total = len(rows)
    batch.total = total
    fields = ["chunks_total", "total"]
    if not rows:
        batch.status = PayoutBatch.Status.FINISHED
        batch.finished_at = timezone.now()
        fields += ["status", "finished_at"]
    batch.save(update_fields=fields)


def _enqueue_chunks(batch_id: int, chunk_ids: list[int]) -> None:
    from payouts.tasks import run_chunk

    def send() -> None:
        for chunk_id in chunk_ids:
            run_chunk.delay(chunk_id)
        logger.info("batch %s: %s chunks enqueued", batch_id, len(chunk_ids))

    # A broker down leaves the chunks pending; the stalled-batch task queues them again.
    send_after_commit(send, what=f"chunks of batch {batch_id}")


def payout_batch_start_nightly(
    *, run_date: date | None = None, chunk_size: int | None = None
) -> tuple[PayoutBatch, bool]:
    """The nightly batch of `run_date` (today in Asia/Seoul): (batch, created).

    Two beat processes firing at 02:00 both get here; the unique (run_date) of nightly batches
    lets one insert win and the other return the winner's batch without planning or enqueuing.
    """
    run_date = run_date or timezone.localdate()
    size = _chunk_size(chunk_size)
    # Claims left by a dead worker go back to pending first, so this sweep posts them again.
    payout_requests_release_stale_issuing()
    try:
        with transaction.atomic():
            batch = PayoutBatch.objects.create(
                kind=PayoutBatch.Kind.NIGHTLY, run_date=run_date, chunk_size=size
            )
            _plan_chunks(batch, grant_id=None)
            _enqueue_chunks(batch.pk, list(batch.chunks.values_list("pk", flat=True)))
    except IntegrityError:
        existing = PayoutBatch.objects.filter(
            kind=PayoutBatch.Kind.NIGHTLY, run_date=run_date
        ).first()
        if existing is None:
            raise
        return existing, False
    return batch, True


def payout_batch_start_for_grant(
    *,
    grant: BlanketGrant,
    actor: User | None = None,
    chunk_size: int | None = None,
    enqueue: bool = True,
) -> PayoutBatch:
    """A batch over the grant's pending requests. Running it again plans only what is still
    pending, so a rerun issues nothing twice; while a batch of the grant is running, that
    batch is returned (resume it to re-queue its chunks)."""
    size = _chunk_size(chunk_size)
    with transaction.atomic():
        # Two runs of one grant at once (a double click, a redelivered task) plan once: the
        # grant row lock orders them and the second finds the first's batch still running.
        BlanketGrant.objects.select_for_update().filter(pk=grant.pk).first()
        running = PayoutBatch.objects.filter(grant=grant, status=PayoutBatch.Status.RUNNING).first()
        if running is not None:
            return running
        batch = PayoutBatch.objects.create(
            kind=PayoutBatch.Kind.BLANKET, grant=grant, chunk_size=size, created_by=actor
        )
        _plan_chunks(batch, grant_id=grant.pk)
        BlanketGrant.objects.filter(pk=grant.pk).update(
            status=(
                BlanketGrant.Status.ISSUING
                if batch.status == PayoutBatch.Status.RUNNING
                else BlanketGrant.Status.DONE
            ),
            updated_at=timezone.now(),
        )
        if enqueue:
            _enqueue_chunks(batch.pk, list(batch.chunks.values_list("pk", flat=True)))
    return batch


def payout_batch_resume(*, batch_id: int) -> int:
    """Enqueue every chunk of the batch that has not finished; returns how many.

    For a batch whose messages were lost (a killed worker's unacknowledged tasks wait for the
    broker's visibility timeout; a flushed broker loses them). A chunk enqueued twice runs once.
    Requests its dead worker left `issuing` go back to pending first, so the chunk posts them
    again (same idempotency key).
    """
    payout_requests_release_stale_issuing()
    with transaction.atomic():
        chunk_ids = list(
            PayoutChunk.objects.filter(batch_id=batch_id)
            .exclude(status=PayoutChunk.Status.DONE)
            .order_by("index")
            .values_list("pk", flat=True)
        )
        _enqueue_chunks(batch_id, chunk_ids)
    return len(chunk_ids)


def payout_batches_resume_stalled(*, older_than: timedelta | None = None) -> list[int]:
    """Resume the running batches in which nothing has moved for `older_than`
    (PAYOUTS_STALLED_AFTER_MINUTES): no chunk started or finished since. A long batch that is
    still progressing is left alone, so its queue does not fill with duplicate chunks."""
    if older_than is None:
        older_than = timedelta(minutes=settings.PAYOUTS_STALLED_AFTER_MINUTES)
    # Hourly: claims a dead worker left (single issues too) go back to pending, for the resumed
    # chunks below or the next nightly sweep.
    payout_requests_release_stale_issuing()
    cutoff = timezone.now() - older_than
    moving = PayoutChunk.objects.filter(
        Q(started_at__gte=cutoff) | Q(finished_at__gte=cutoff)
    ).values("batch_id")
    stalled = list(
        PayoutBatch.objects.filter(status=PayoutBatch.Status.RUNNING, started_at__lt=cutoff)
        .exclude(pk__in=moving)
        .values_list("pk", flat=True)
    )
    for batch_id in stalled:
        count = payout_batch_resume(batch_id=batch_id)
        logger.warning("batch %s stalled: %s unfinished chunks enqueued again", batch_id, count)
    return stalled


def payout_chunk_run(*, chunk_id: int, issuer: Issuer | None = None) -> PayoutChunk:
    """Issue the pending requests of one chunk. Safe to run any number of times."""
    if issuer is None:
        issuer = get_issuer()
        try:
            return payout_chunk_run(chunk_id=chunk_id, issuer=issuer)
        finally:
            close_issuer(issuer)
    now = timezone.now()
    claimed = (
        PayoutChunk.objects.filter(pk=chunk_id)
        .exclude(status=PayoutChunk.Status.DONE)
        .update(status=PayoutChunk.Status.RUNNING, runs=F("runs") + 1, started_at=now)
    )
    chunk = PayoutChunk.objects.select_related("batch").get(pk=chunk_id)
    if not claimed:
        return chunk
    if issuer.bulk:
        _run_chunk_bulk(chunk)
    else:
        _run_chunk_one_by_one(chunk, issuer)
    chunk.refresh_from_db()
    return chunk


def _chunk_requests(chunk: PayoutChunk):  # type: ignore[no-untyped-def]
    qs = PayoutRequest.objects.filter(id__gte=chunk.first_id, id__lte=chunk.last_id, status=Pending)
    if chunk.batch.grant_id is not None:
        qs = qs.filter(grant_id=chunk.batch.grant_id)
    else:
        # A grant's rows inside the chunk's id range stay put until the grant is released,
        # even if it was loaded after planning.
        qs = qs.filter(_released_grants_q())
    return qs


def _run_chunk_bulk(chunk: PayoutChunk) -> None:
    with transaction.atomic():
        # The chunk row lock serialises two runs of the same chunk (a redelivered message and
        # a resume): the second waits here, then sees `done` and leaves.
        locked = PayoutChunk.objects.select_for_update().get(pk=chunk.pk)
        if locked.status == PayoutChunk.Status.DONE:
            return
        now = timezone.now()
        if connection.vendor == "postgresql":
            issued = _issue_range_postgres(chunk, now)
        else:
            issued = _issue_range_orm(chunk, now)
        _finish_chunk(locked, done=issued, failed=0, now=now)


_LEDGER_COLUMNS = (
    "request_id, recipient_kind, recipient_id, instrument, amount, count, action, source_kind, "
    "source_ref, program, grant_id, batch_id, issued_at, issuer, external_ref"
)


def _issue_range_postgres(chunk: PayoutChunk, now: datetime) -> int:
    """One statement: flip pending → issued (compare-and-set in the WHERE) and write the ledger
    rows from what the UPDATE returns. A concurrent issue of the same row waits on its row lock
    and then no longer matches `status = 'pending'`."""
    requests = PayoutRequest._meta.db_table
    ledger = LedgerEntry._meta.db_table
    grants = BlanketGrant._meta.db_table
    if chunk.batch.grant_id is not None:
        grant_filter = "AND r.grant_id = %(grant)s"
    else:
        grant_filter = (
            f"AND (r.grant_id IS NULL OR r.grant_id IN (SELECT id FROM {grants} "
            "WHERE status IN ('issuing', 'done')))"
        )
    sql = f"""
        WITH issued AS (
            UPDATE {requests} AS r
            SET status = 'issued', issued_at = %(now)s, updated_at = %(now)s,
                valid_until = CASE WHEN r.validity_days IS NULL THEN NULL
                                   ELSE %(now)s + make_interval(days => r.validity_days) END,
                attempts = r.attempts + 1, last_error = '', last_failure_retryable = false
            WHERE r.id BETWEEN %(first)s AND %(last)s AND r.status = 'pending' {grant_filter}
            -- failed_chunk_id is left as it was (an issued request never fails again), so
            -- RETURNING names the chunk that counted an earlier failure.
            RETURNING r.id, r.recipient_kind, r.recipient_id, r.instrument, r.amount, r.count,
                      r.action, r.source_kind, r.source_ref, r.program, r.grant_id,
                      r.failed_chunk_id
        ),
        ledger AS (
            INSERT INTO {ledger} ({_LEDGER_COLUMNS})
            SELECT id, recipient_kind, recipient_id, instrument, amount, count, action,
                   source_kind, source_ref, program, grant_id, %(batch)s, %(now)s, 'ledger', ''
            FROM issued
        )
        -- The data-modifying CTEs run once; this reads what they returned: the issued count
        -- (NULL row) and, per chunk, the retried requests an earlier batch counted as failed.
        SELECT NULL, COUNT(*) FROM issued
        UNION ALL
        SELECT failed_chunk_id, COUNT(*) FROM issued
        WHERE failed_chunk_id IS NOT NULL GROUP BY failed_chunk_id
    """  # table names are ours, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "now": now,
                "first": chunk.first_id,
                "last": chunk.last_id,
                "grant": chunk.batch.grant_id,
                "batch": chunk.batch_id,
            },
        )
        rows = cursor.fetchall()
    issued = 0
    for failed_chunk_id, n in rows:
        if failed_chunk_id is None:
            issued = n
        else:
            _move_failed_count(failed_chunk_id, to="skipped", n=n)
    return issued


def _issue_range_orm(chunk: PayoutChunk, now: datetime) -> int:
    """The portable path (SQLite): read the chunk's pending rows (at most a chunk), flip them
    with a compare-and-set per validity, write the ledger in bulk."""
    rows = list(
        _chunk_requests(chunk)
        .select_for_update(of=("self",))
        .order_by("id")
        .values(
            "id",
            "recipient_kind",
            "recipient_id",
            "instrument",
            "amount",
            "count",
            "action",
            "source_kind",
            "source_ref",
            "program",
            "grant_id",
            "validity_days",
            "failed_chunk_id",
        )
    )
    by_validity: dict[int | None, list[int]] = defaultdict(list)
    for row in rows:
        by_validity[row["validity_days"]].append(row["id"])
    issued_ids: set[int] = set()
    for validity_days, ids in by_validity.items():
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            PayoutRequest.objects.filter(id__in=part, status=Pending).update(
                status=PayoutRequest.Status.ISSUED,
                issued_at=now,
                updated_at=now,
                valid_until=valid_until(now, validity_days),
                attempts=F("attempts") + 1,
                last_error="",
                last_failure_retryable=False,
            )
            issued_ids.update(part)
    retried: dict[int, int] = defaultdict(int)
    for row in rows:
        if row["failed_chunk_id"] is not None and row["id"] in issued_ids:
            retried[row["failed_chunk_id"]] += 1
    for failed_chunk_id, n in retried.items():
        _move_failed_count(failed_chunk_id, to="skipped", n=n)
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                request_id=row["id"],
                recipient_kind=row["recipient_kind"],
                recipient_id=row["recipient_id"],
                instrument=row["instrument"],
                amount=row["amount"],
                count=row["count"],
                action=row["action"],
                source_kind=row["source_kind"],
                source_ref=row["source_ref"],
                program=row["program"],
                grant_id=row["grant_id"],
                batch_id=chunk.batch_id,
                issued_at=now,
                issuer="ledger",
            )
            for row in rows
            if row["id"] in issued_ids
        ],
        batch_size=500,
    )
    return len(issued_ids)


def _run_chunk_one_by_one(chunk: PayoutChunk, issuer: Issuer) -> None:
    """Issuers with a side effect per request (HTTP): each delivery outside any transaction,
    each outcome recorded with its own compare-and-set; the chunk closes at the end."""
    last_id = chunk.first_id - 1
    while True:
        page = list(_chunk_requests(chunk).filter(id__gt=last_id).order_by("id")[:200])
        if not page:
            break
        for request in page:
            try:
                deliver_and_record(request, issuer=issuer, events=True, chunk=chunk)
            except DatabaseError:
                raise  # the database is gone: the task retries the chunk (autoretry_for)
            except Exception as exc:
                # deliver_and_record already turns delivery errors into a failed request; this
                # is the last guard so one request can never stop the rest of the chunk.
                logger.exception("payout request %s stopped in chunk %s", request.pk, chunk.pk)
                _fail_stuck(request.pk, chunk, f"{type(exc).__name__}: {exc}")
        last_id = page[-1].pk
    with transaction.atomic():
        locked = PayoutChunk.objects.select_for_update().get(pk=chunk.pk)
        if locked.status == PayoutChunk.Status.DONE:
            return
        # done/failed were counted per request as they were recorded.
        _finish_chunk(locked, done=0, failed=0, now=timezone.now())


def _fail_stuck(request_id: int, chunk: PayoutChunk, error: str) -> None:
    with transaction.atomic():
        changed = PayoutRequest.objects.filter(
            pk=request_id, status__in=[Pending, PayoutRequest.Status.ISSUING]
        ).update(
            status=PayoutRequest.Status.FAILED,
            updated_at=timezone.now(),
            last_error=f"예상하지 못한 오류: {error}"[:2000],
            # We cannot tell whether the post left: cancelling needs a look in billing.
            last_failure_retryable=True,
            failed_chunk_id=chunk.pk,
        )
        if changed:
            PayoutChunk.objects.filter(pk=chunk.pk).update(failed=F("failed") + 1)


def _finish_chunk(chunk: PayoutChunk, *, done: int, failed: int, now: datetime) -> None:
    """Mark the (locked) chunk done and add it to its batch, in the caller's transaction."""
    chunk.status = PayoutChunk.Status.DONE
    chunk.done += done
    chunk.failed += failed
    # Planned but issued or cancelled by someone else (another batch, a single issue).
    chunk.skipped = max(0, chunk.total - chunk.done - chunk.failed)
    chunk.finished_at = now
    chunk.save(update_fields=["status", "done", "failed", "skipped", "finished_at"])
    PayoutBatch.objects.filter(pk=chunk.batch_id).update(
        chunks_finished=F("chunks_finished") + 1,
        done=F("done") + chunk.done,
        failed=F("failed") + chunk.failed,
        skipped=F("skipped") + chunk.skipped,
        processed=F("processed") + chunk.total,
    )
    # The batch row is locked by the update above until this transaction commits, so exactly
    # one chunk sees the last increment and closes the batch.
    closed = PayoutBatch.objects.filter(
        pk=chunk.batch_id,
        status=PayoutBatch.Status.RUNNING,
        chunks_finished__gte=F("chunks_total"),
    ).update(status=PayoutBatch.Status.FINISHED, finished_at=now)
    if chunk.batch.grant_id is not None:
        if closed:
            close_grant_if_final(chunk.batch.grant_id)
    else:
        # The nightly sweep may have issued the last open requests of a released grant.
        grant_ids = (
            PayoutRequest.objects.filter(
                id__gte=chunk.first_id, id__lte=chunk.last_id, grant__isnull=False
            )
            .order_by()
            .values_list("grant_id", flat=True)
            .distinct()
        )
        for grant_id in list(grant_ids):
            close_grant_if_final(grant_id)
