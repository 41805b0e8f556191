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
another batch issued it), see `services.issuing.move_failed_count`. Running a chunk is
`services.chunks`.

The nightly sweep plans the pending requests outside any blanket grant and those of grants that
were released (`issuing` or `done`): a grant only loaded (`--no-issue`, an admin draft) or whose
load failed part-way is never issued behind its operator's back.

Exactly once does not rest on the chunk bookkeeping: every issue is a compare-and-set from
`pending` on the request row, and the ledger holds one entry per request (a unique key).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from payouts.models import (
    BlanketGrant,
    PayoutBatch,
    PayoutChunk,
    PayoutRequest,
)
from payouts.services.chunks import released_grants_sql
from payouts.services.enqueue import RUN_CHUNK, delay, send_after_commit
from payouts.services.grant_status import blanket_grant_transition
from payouts.services.issuing import OPEN_STATUSES, payout_requests_release_stale_issuing

logger = logging.getLogger(__name__)

Pending = PayoutRequest.Status.PENDING


class BatchError(ValueError):
    pass


def _chunk_size(chunk_size: int | None) -> int:
    size = chunk_size or settings.PAYOUTS_CHUNK_SIZE
    if size < 1:
        raise BatchError("청크 크기는 1 이상이어야 합니다.")
    return size


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
        released, released_params = released_grants_sql()
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
    def send() -> None:
        for chunk_id in chunk_ids:
            delay(RUN_CHUNK, chunk_id)
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
        locked = BlanketGrant.objects.select_for_update().filter(pk=grant.pk).first()
        if locked is not None and locked.status in (
            BlanketGrant.Status.DRAFT,
            BlanketGrant.Status.LOADING,
            BlanketGrant.Status.FAILED,
        ):
            # Releasing a grant whose load failed part-way would issue an arbitrary prefix of
            # its recipients (the nightly sweep would follow); load it completely first.
            raise BatchError(
                f"{grant.code}: 대상 적재가 끝나지 않은 일괄 지급은 실행할 수 없습니다 "
                f"({locked.get_status_display()}). 대상을 다시 적재하세요."
            )
        running = PayoutBatch.objects.filter(grant=grant, status=PayoutBatch.Status.RUNNING).first()
        if running is not None:
            return running
        batch = PayoutBatch.objects.create(
            kind=PayoutBatch.Kind.BLANKET, grant=grant, chunk_size=size, created_by=actor
        )
        _plan_chunks(batch, grant_id=grant.pk)
        # Done only when nothing is left open: a failed request still to retry keeps it issuing.
        still_open = PayoutRequest.objects.filter(grant=grant, status__in=OPEN_STATUSES).exists()
        blanket_grant_transition(
            grant_id=grant.pk,
            to=(
                BlanketGrant.Status.ISSUING
                if batch.status == PayoutBatch.Status.RUNNING or still_open
                else BlanketGrant.Status.DONE
            ),
            actor=actor,
            reason=f"지급 배치 #{batch.pk} ({batch.total:,}건)",
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
        if not chunk_ids:
            # Every chunk done but the batch never closed: its run died between its last
            # commit and the close (a one-pass grant run writes done chunks as it goes).
            PayoutBatch.objects.filter(
                pk=batch_id,
                status=PayoutBatch.Status.RUNNING,
                chunks_finished__gte=F("chunks_total"),
            ).update(status=PayoutBatch.Status.FINISHED, finished_at=timezone.now())
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
