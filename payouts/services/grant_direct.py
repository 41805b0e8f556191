"""A blanket grant loaded and issued in one pass (PostgreSQL, the ledger issuer).

With the ledger issuer there is nothing to deliver, so a grant need not load its requests as
pending and then update every one to issued: each slice of recipients is COPYed into staging
and one statement inserts the new requests already issued and, from what that INSERT returns,
their ledger rows. The slice's chunk row and the batch's counters are written in the same
transaction, so:
- a rerun issues nothing twice (ON CONFLICT on the idempotency key; only new rows reach the
  ledger, which is unique per request);
- a worker killed mid-run loses nothing: committed slices are issued and counted, the rest is
  loaded by the next run (the stalled-load sweep), which goes on in the same batch;
- the batch adds up like any other: done = its ledger rows, total = done + failed + skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from itertools import islice
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from payouts.models import BlanketGrant, LedgerEntry, PayoutBatch, PayoutChunk, PayoutRequest
from payouts.services.grant_loading import (
    INSERT_COLUMNS,
    SLICE,
    STAGING,
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


def _direct_batch(grant: BlanketGrant, actor: User | None) -> PayoutBatch | None:
    """The grant's batch this pass writes into: a running one-pass batch left by an earlier
    run (all its chunks done), or a new one. None when a planned batch is still running: its
    chunks issue the pending rows, and this pass would only race them."""
    running = PayoutBatch.objects.filter(grant=grant, status=PayoutBatch.Status.RUNNING).first()
    if running is not None:
        if running.chunks.exclude(status=PayoutChunk.Status.DONE).exists():
            return None
        return running
    return PayoutBatch.objects.create(
        kind=PayoutBatch.Kind.BLANKET,
        grant=grant,
        chunk_size=SLICE,
        created_by=actor,
        note="적재와 지급을 한 번에 (원장 발급)",
    )


def _issue_slice_sql() -> str:
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
            FROM {STAGING} AS s
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
    grant: BlanketGrant, batch: PayoutBatch, params: dict[str, Any], part: list[str], index: int
) -> int:
    """One slice, one transaction: the requests, their ledger rows, the chunk and counters."""
    now = timezone.now()
    validity = params["validity_days"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} (recipient_id text) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"TRUNCATE {STAGING}")
        with cursor.cursor.copy(f"COPY {STAGING} (recipient_id) FROM STDIN") as copy:
            for value in part:
                copy.write_row((value,))
        cursor.execute(
            _issue_slice_sql(),
            {
                **params,
                "now": now,
                "valid_until": None if validity is None else now + timedelta(days=validity),
                "batch": batch.pk,
            },
        )
        issued, first_id, last_id = cursor.fetchone()
        if issued:
            PayoutChunk.objects.create(
                batch=batch, index=index, first_id=first_id, last_id=last_id, total=issued,
                done=issued, status=PayoutChunk.Status.DONE, runs=1, started_at=now,
                finished_at=now,
            )  # fmt: skip
            PayoutBatch.objects.filter(pk=batch.pk).update(
                chunks_total=F("chunks_total") + 1,
                chunks_finished=F("chunks_finished") + 1,
                total=F("total") + issued,
                done=F("done") + issued,
                processed=F("processed") + issued,
            )
        # The heartbeat and progress of the run, as a plain load has them.
        BlanketGrant.objects.filter(pk=grant.pk).update(
            recipients_count=F("recipients_count") + issued, updated_at=now
        )
    return issued


def blanket_grant_load_and_issue(
    *,
    grant: BlanketGrant,
    recipients: Iterable[str],
    actor: User | None = None,
    slice_size: int = SLICE,
) -> PayoutBatch | None:
    """Load and issue the grant's recipients in one pass; returns its batch, or None when a
    planned batch of the grant is still running (the caller takes the two-step path)."""
    before = BlanketGrant.objects.values_list("status", flat=True).get(pk=grant.pk)
    if before == Status.ISSUING:
        return None
    with transaction.atomic():
        batch = _direct_batch(grant, actor)
    if batch is None:
        return None
    fields = grant_fields(
        instrument=grant.instrument,
        amount=grant.amount,
        count=grant.count,
        validity=grant.validity_days,
        policy_version=grant.policy_version,
    )
    params = {**common_values(grant, fields), "prefix": grant_key_prefix(grant)}
    blanket_grant_transition(
        grant_id=grant.pk, to=Status.LOADING, actor=actor, reason="적재·지급 시작", strict=False
    )
    stream = validated_recipients(recipients)
    index = PayoutChunk.objects.filter(batch=batch).count()
    issued = 0
    try:
        while part := list(islice(stream, slice_size)):
            issued += _issue_slice(grant, batch, params, part, index)
            index += 1
    except BlanketGrantError as exc:
        blanket_grant_mark_failed(
            grant=grant, error=f"대상 적재 실패 (새 대상 {issued:,}건 지급 후): {exc}"
        )
        raise
    now = timezone.now()
    PayoutBatch.objects.filter(pk=batch.pk, status=PayoutBatch.Status.RUNNING).update(
        status=PayoutBatch.Status.FINISHED, finished_at=now
    )
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
    logger.info("grant %s: %s recipients loaded and issued in one pass", grant.code, issued)
    batch.refresh_from_db()
    return batch
