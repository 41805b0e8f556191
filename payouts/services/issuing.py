"""Issuing one request: claim (pending → issuing), deliver outside any transaction, record.

The claim is what makes a cancel safe: while a request is `issuing`, billing may be granting it,
so nobody may cancel it; a claim left by a dead worker is released after
PAYOUTS_ISSUING_TIMEOUT_MINUTES and posted again with the same idempotency key.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from payouts.issuers import Delivery, DeliveryFailed, Issuer, close_issuer, get_issuer
from payouts.models import (
    BlanketGrant,
    PayoutBatch,
    PayoutChunk,
    PayoutRequest,
    PayoutRequestEvent,
)
from payouts.services.grant_status import blanket_grant_transition
from payouts.services.ledger import ledger_entry, request_values

logger = logging.getLogger(__name__)

Status = PayoutRequest.Status


def valid_until(issued_at: datetime, validity_days: int | None) -> datetime | None:
    return None if validity_days is None else issued_at + timedelta(days=validity_days)


def payout_requests_release_stale_issuing(*, older_than: timedelta | None = None) -> int:
    """Put back to pending the requests left `issuing` by a worker that died mid-delivery
    (PAYOUTS_ISSUING_TIMEOUT_MINUTES); returns how many. The next run posts them again with
    the same idempotency key, which billing answers with its first result."""
    if older_than is None:
        older_than = timedelta(minutes=settings.PAYOUTS_ISSUING_TIMEOUT_MINUTES)
    cutoff = timezone.now() - older_than
    stale = PayoutRequest.objects.filter(status=Status.ISSUING, updated_at__lt=cutoff)
    released = 0
    for pk in stale.order_by("pk").values_list("pk", flat=True)[:10_000]:
        with transaction.atomic():
            # Compare-and-set: a delivery that finishes now wins, and this leaves it alone.
            changed = PayoutRequest.objects.filter(
                pk=pk, status=Status.ISSUING, updated_at__lt=cutoff
            ).update(
                status=Status.PENDING,
                updated_at=timezone.now(),
                # The dead worker may have posted: until the repost answers, a cancel needs
                # a look in billing (see payout_request_cancel).
                last_failure_retryable=True,
            )
            if changed:
                PayoutRequestEvent.objects.create(
                    request_id=pk,
                    from_status=Status.ISSUING,
                    to_status=Status.PENDING,
                    reason="지급 중 시간 초과: 같은 멱등 키로 다시 전송합니다.",
                )
                released += 1
    if released:
        logger.warning("%s requests left issuing were put back to pending", released)
    return released


def payout_request_issue(*, request_id: int, issuer: Issuer | None = None) -> PayoutRequest:
    """Issue one pending request through the issuer; no-op for any other status.

    The request is first claimed (pending → issuing, compare-and-set), then delivered (a
    network call for the HTTP issuer) outside any transaction; the ledger row and the status
    change follow in one short transaction, compare-and-set on `issuing`, so a second run of
    the same task records nothing twice and a cancel cannot slip in between.
    """
    request = PayoutRequest.objects.get(pk=request_id)
    if request.status != Status.PENDING:
        return request
    if issuer is None:
        issuer = get_issuer()
        try:
            deliver_and_record(request, issuer=issuer, events=True)
        finally:
            close_issuer(issuer)
    else:
        deliver_and_record(request, issuer=issuer, events=True)
    request.refresh_from_db()
    return request


def deliver_and_record(
    request: PayoutRequest,
    *,
    issuer: Issuer,
    events: bool,
    chunk: PayoutChunk | None = None,
) -> bool:
    """Claim, deliver and record one request; True if it was issued by this call.

    Any error of the delivery marks the request failed and returns, so one bad request never
    stops the chunk around it. An error we did not expect counts as ambiguous (`retryable`):
    we cannot tell whether the post left before it.
    """
    if not _claim(request, events=events):
        return False
    try:
        delivery = issuer.deliver(request)
    except DeliveryFailed as exc:
        _record_failed(
            request,
            str(exc),
            attempts=exc.attempts,
            retryable=exc.retryable,
            events=events,
            chunk=chunk,
        )
        return False
    except SoftTimeLimitExceeded:
        # The task is out of time: stop here and leave the claim. The request stays `issuing`
        # (nobody may cancel it; billing may have granted) until the timeout puts it back to
        # pending for a repost with the same key.
        raise
    except Exception as exc:  # a bug or bad data must not stop the chunk
        logger.exception("delivery of payout request %s raised", request.pk)
        _record_failed(
            request,
            f"예상하지 못한 오류: {type(exc).__name__}: {exc}"[:2000],
            attempts=1,
            retryable=True,
            events=events,
            chunk=chunk,
        )
        return False
    return _record_issued(request, delivery, issuer_name=issuer.name, events=events, chunk=chunk)


def _claim(request: PayoutRequest, *, events: bool) -> bool:
    """pending → issuing under a new claim number, kept on `request` for the outcome's
    compare-and-set."""
    with transaction.atomic():
        changed = PayoutRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(
            status=Status.ISSUING, claim=F("claim") + 1, updated_at=timezone.now()
        )
        if changed != 1:
            return False  # issued, cancelled or claimed by someone else since we read it
        # The update holds the row lock until commit: this reads our own claim's number.
        request.claim = PayoutRequest.objects.values_list("claim", flat=True).get(pk=request.pk)
        if events:
            PayoutRequestEvent.objects.create(
                request_id=request.pk,
                from_status=Status.PENDING,
                to_status=Status.ISSUING,
                reason="청구 시스템 전송",
            )
    request.status = Status.ISSUING
    return True


def _record_issued(
    request: PayoutRequest,
    delivery: Delivery,
    *,
    issuer_name: str,
    events: bool,
    chunk: PayoutChunk | None,
) -> bool:
    with transaction.atomic():
        now = timezone.now()
        # Read (and lock) the chunk a former failure was counted in before the flip clears it.
        mine = {"pk": request.pk, "status": Status.ISSUING, "claim": request.claim}
        failed_chunks = list(
            PayoutRequest.objects.select_for_update()
            .filter(**mine)
            .values_list("failed_chunk_id", flat=True)
        )
        changed = PayoutRequest.objects.filter(**mine).update(
            status=Status.ISSUED,
            issued_at=now,
            updated_at=now,
            valid_until=valid_until(now, request.validity_days),
            attempts=F("attempts") + delivery.attempts,
            last_error="",
            last_failure_retryable=False,
            failed_chunk=None,
        )
        if changed != 1:
            # Our claim was released as stale while we were delivering (and perhaps taken by
            # another worker); billing saw the same idempotency key both times, so it granted
            # once, and the holder of the current claim records it.
            logger.warning(
                "payout request %s: claim %s lost before its outcome", request.pk, request.claim
            )
            return False
        failed_chunk_id = failed_chunks[0] if failed_chunks else None
        batch_id = chunk.batch_id if chunk else None
        if failed_chunk_id is not None:
            # A retry of a request a batch counted as failed: that batch now counts it done
            # (and owns the ledger row) when this is the retry's own issue, skipped when another
            # batch's chunk issued it (that batch counts it done).
            owner = move_failed_count(
                failed_chunk_id, to="skipped" if chunk is not None else "done"
            )
            if chunk is None:
                batch_id = owner
        ledger_entry(
            request_values(request),
            request_id=request.pk,
            batch_id=batch_id,
            issued_at=now,
            issuer=issuer_name,
            external_ref=delivery.external_ref,
        ).save()
        if events:
            PayoutRequestEvent.objects.create(
                request_id=request.pk,
                from_status=Status.ISSUING,
                to_status=Status.ISSUED,
                reason=f"{issuer_name} 발급 {delivery.external_ref}".strip(),
            )
        if chunk is not None:
            count_in_chunk(chunk.pk, "done")
        elif request.grant_id is not None:
            close_grant_if_final(request.grant_id)
    return True


def _record_failed(
    request: PayoutRequest,
    error: str,
    *,
    attempts: int,
    retryable: bool,
    events: bool,
    chunk: PayoutChunk | None,
) -> None:
    with transaction.atomic():
        fields: dict[str, Any] = {
            "status": Status.FAILED,
            "updated_at": timezone.now(),
            "attempts": F("attempts") + attempts,
            "last_error": error,
            "last_failure_retryable": retryable,
        }
        previous: list[int | None] = []
        mine = {"pk": request.pk, "status": Status.ISSUING, "claim": request.claim}
        if chunk is not None:
            previous = list(
                PayoutRequest.objects.select_for_update()
                .filter(**mine)
                .values_list("failed_chunk_id", flat=True)
            )
            fields["failed_chunk_id"] = chunk.pk
        changed = PayoutRequest.objects.filter(**mine).update(**fields)
        if changed != 1:
            return
        if events:
            PayoutRequestEvent.objects.create(
                request_id=request.pk,
                from_status=Status.ISSUING,
                to_status=Status.FAILED,
                reason=error,
            )
        if chunk is not None:
            before = previous[0] if previous else None
            if before != chunk.pk:
                # A rerun of this same chunk (resumed after its worker died) already counted
                # this request's earlier failure here.
                count_in_chunk(chunk.pk, "failed")
            if before is not None and before != chunk.pk:
                # Failed before in another batch and retried into this one: this batch now
                # counts the failure, the earlier one counts the request as handled elsewhere.
                move_failed_count(before, to="skipped")


def count_in_chunk(chunk_id: int, field: str) -> None:
    """Count one outcome (`done` or `failed`) of the chunk's run. A chunk already finished (a
    second run of it overlapping the first, say after a resume) has counted this request as
    skipped, or not at all if it committed late: the count moves from skipped, or grows the
    total, on the chunk and on its batch alike, so both keep total = done + failed + skipped.
    Call inside atomic()."""
    chunk = PayoutChunk.objects.select_for_update().filter(pk=chunk_id).first()
    if chunk is None:
        return
    if chunk.status != PayoutChunk.Status.DONE:
        PayoutChunk.objects.filter(pk=chunk_id).update(**{field: F(field) + 1})
        return
    changes: dict[str, Any] = {field: F(field) + 1}
    if chunk.skipped > 0:
        changes["skipped"] = F("skipped") - 1
    else:
        changes["total"] = F("total") + 1
    PayoutChunk.objects.filter(pk=chunk_id).update(**changes)
    if chunk.skipped <= 0:
        changes["processed"] = F("processed") + 1
    PayoutBatch.objects.filter(pk=chunk.batch_id).update(**changes)


def move_failed_count(chunk_id: int, *, to: str, n: int = 1) -> int | None:
    """Move `n` counts of the chunk's `failed` to `done` or `skipped` (and on its batch once
    the chunk has finished, since a finished chunk's counts were already added there); returns
    the chunk's batch id. Call inside atomic()."""
    chunk = PayoutChunk.objects.select_for_update().filter(pk=chunk_id).first()
    if chunk is None:
        return None
    n = min(n, chunk.failed)
    if n == 0:
        return chunk.batch_id
    finished = chunk.status == PayoutChunk.Status.DONE
    changes: dict[str, Any] = {"failed": F("failed") - n}
    if to == "done" or finished:
        # A running chunk works out its `skipped` when it finishes (planned − done − failed).
        changes[to] = F(to) + n
    PayoutChunk.objects.filter(pk=chunk_id).update(**changes)
    if finished:
        PayoutBatch.objects.filter(pk=chunk.batch_id, failed__gte=n).update(
            failed=F("failed") - n, **{to: F(to) + n}
        )
    return chunk.batch_id


# The statuses from which a request can still be issued (failed: by a retry).
OPEN_STATUSES = (Status.PENDING, Status.ISSUING, Status.FAILED)


def close_grant_if_final(grant_id: int) -> None:
    """Mark a blanket grant done once every one of its requests is issued or cancelled,
    whichever path issued them (its own batch, the nightly sweep, a retry)."""
    if PayoutRequest.objects.filter(grant_id=grant_id, status__in=OPEN_STATUSES).exists():
        return
    blanket_grant_transition(
        grant_id=grant_id,
        to=BlanketGrant.Status.DONE,
        reason="모든 대상 지급·취소 완료",
        only_from=(BlanketGrant.Status.LOADED, BlanketGrant.Status.ISSUING),
        strict=False,
    )
