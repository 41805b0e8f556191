"""Running one chunk of a batch: the set-based ledger path and the one-by-one HTTP path.

A chunk's work and its completion (status `done`, the batch's counters) commit in one
transaction on the ledger path, so a worker killed mid-chunk leaves the chunk as if it never
ran. On the HTTP path each request is claimed, delivered and recorded on its own; the chunk
closes at the end. See `services.batches` for planning and the counters' meaning.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from payouts.issuers import Issuer, close_issuer, get_issuer
from payouts.models import (
    BlanketGrant,
    LedgerEntry,
    PayoutBatch,
    PayoutChunk,
    PayoutRequest,
    PayoutRequestEvent,
)
from payouts.services.issuing import (
    close_grant_if_final,
    count_in_chunk,
    deliver_and_record,
    move_failed_count,
    valid_until,
)
from payouts.services.ledger import (
    COPIED_FIELDS,
    copied_columns,
    ledger_entry,
    ledger_insert_columns,
)

logger = logging.getLogger(__name__)

Pending = PayoutRequest.Status.PENDING


def released_grants_sql() -> tuple[str, list[Any]]:
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
    copied = ", ".join(copied_columns())
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
            RETURNING r.id, {", ".join(f"r.{c}" for c in copied_columns())}, r.failed_chunk_id
        ),
        ledger AS (
            INSERT INTO {ledger} ({ledger_insert_columns()})
            SELECT id, {copied}, %(batch)s, %(now)s, 'ledger', '' FROM issued
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
            move_failed_count(failed_chunk_id, to="skipped", n=n)
    return issued


def _issue_range_orm(chunk: PayoutChunk, now: datetime) -> int:
    """The portable path (SQLite): read the chunk's pending rows (at most a chunk), flip them
    with a compare-and-set per validity, write the ledger in bulk."""
    rows = list(
        _chunk_requests(chunk)
        .select_for_update(of=("self",))
        .order_by("id")
        .values("id", *COPIED_FIELDS, "validity_days", "failed_chunk_id")
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
        move_failed_count(failed_chunk_id, to="skipped", n=n)
    LedgerEntry.objects.bulk_create(
        [
            ledger_entry(
                row, request_id=row["id"], batch_id=chunk.batch_id, issued_at=now, issuer="ledger"
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
            except (DatabaseError, SoftTimeLimitExceeded):
                # The database is gone (the task retries the chunk) or the task is out of time
                # (a resume reruns it): neither is this request's fault.
                raise
            except Exception as exc:
                # deliver_and_record already turns delivery errors into a failed request; this
                # is the last guard so one request can never stop the rest of the chunk.
                logger.exception("payout request %s stopped in chunk %s", request.pk, chunk.pk)
                _fail_stuck(request, chunk, f"{type(exc).__name__}: {exc}")
        last_id = page[-1].pk
    with transaction.atomic():
        locked = PayoutChunk.objects.select_for_update().get(pk=chunk.pk)
        if locked.status == PayoutChunk.Status.DONE:
            return
        # done/failed were counted per request as they were recorded.
        _finish_chunk(locked, done=0, failed=0, now=timezone.now())


def _fail_stuck(request: PayoutRequest, chunk: PayoutChunk, error: str) -> None:
    """Mark failed a request whose handling raised something unexpected, as `_record_failed`
    would: only while it is still ours (issuing under our claim, or pending as we read it),
    and with the same bookkeeping of an earlier failure counted by another chunk."""
    request_id = request.pk
    ours = Q(status=PayoutRequest.Status.ISSUING, claim=request.claim)
    if request.status != PayoutRequest.Status.ISSUING:
        ours = Q(status=Pending, claim=request.claim)
    with transaction.atomic():
        current = (
            PayoutRequest.objects.select_for_update()
            .filter(ours, pk=request_id)
            .values_list("status", "failed_chunk_id")
            .first()
        )
        if current is None:
            return
        from_status, before = current
        PayoutRequest.objects.filter(pk=request_id).update(
            status=PayoutRequest.Status.FAILED,
            updated_at=timezone.now(),
            last_error=f"예상하지 못한 오류: {error}"[:2000],
            # We cannot tell whether the post left: cancelling needs a look in billing.
            last_failure_retryable=True,
            failed_chunk_id=chunk.pk,
        )
        if before != chunk.pk:
            # A rerun of this chunk already counted this request's earlier failure here.
            count_in_chunk(chunk.pk, "failed")
        if before is not None and before != chunk.pk:
            move_failed_count(before, to="skipped")
        PayoutRequestEvent.objects.create(
            request_id=request_id,
            from_status=from_status,
            to_status=PayoutRequest.Status.FAILED,
            reason=f"예상하지 못한 오류: {error}"[:2000],
        )


def _finish_chunk(chunk: PayoutChunk, *, done: int, failed: int, now: datetime) -> None:
    """Mark the (locked) chunk done and add it to its batch, in the caller's transaction."""
    chunk.status = PayoutChunk.Status.DONE
    chunk.done += done
    chunk.failed += failed
    # A request whose id fell inside the range but which committed after the plan counted
    # the range (ids are handed out before commit) was issued here too: the chunk's total
    # grows by it, so done + failed + skipped stays its total and the batch's adds up.
    late = max(0, chunk.done + chunk.failed - chunk.total)
    chunk.total += late
    # Planned but issued or cancelled by someone else (another batch, a single issue).
    chunk.skipped = chunk.total - chunk.done - chunk.failed
    chunk.finished_at = now
    chunk.save(update_fields=["status", "total", "done", "failed", "skipped", "finished_at"])
    PayoutBatch.objects.filter(pk=chunk.batch_id).update(
        chunks_finished=F("chunks_finished") + 1,
        total=F("total") + late,
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
