"""Single payout requests: create (idempotent), issue, retry, cancel."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from payouts.issuers import Delivery, DeliveryFailed, Issuer, close_issuer, get_issuer
from payouts.models import (
    AMOUNT_INSTRUMENTS,
    COUNT_INSTRUMENTS,
    BlanketGrant,
    Instrument,
    LedgerEntry,
    PaymentAction,
    PayoutBatch,
    PayoutChunk,
    PayoutRequest,
    PayoutRequestEvent,
    RecipientKind,
    SourceKind,
)
from policies.money import less_commission, round_coupon
from policies.selectors import instrument_params

logger = logging.getLogger(__name__)

Status = PayoutRequest.Status


class PayoutRuleError(ValueError):
    """The request breaks an instrument's rule (missing amount, count on a coupon, …)."""


class IdempotencyConflict(ValueError):
    """The key is already used by a request for another recipient or instrument."""


class TransitionRefused(Exception):
    def __init__(self, request: PayoutRequest, to: str) -> None:
        why = ""
        if request.status == Status.ISSUING:
            why = " 청구 시스템에 전송 중이니 결과가 기록된 뒤 다시 시도하세요."
        super().__init__(
            f"요청 #{request.pk}: {request.get_status_display()} → "
            f"{Status(to).label} 변경은 허용되지 않습니다.{why}"
        )
        self.from_status = request.status
        self.to_status = to


MAX_AMOUNT = 2**63 - 1  # 원, PositiveBigIntegerField
MAX_COUNT = 2**31 - 1  # PositiveIntegerField
MAX_VALIDITY_DAYS = 2**15 - 1  # days, PositiveSmallIntegerField

# Payment actions that charge or discount an amount; the others act on the payment as a whole.
_ACTIONS_WITH_AMOUNT = frozenset({PaymentAction.RECHARGE, PaymentAction.FORCED_DISCOUNT})


def instrument_fields(
    *,
    instrument: str,
    amount: int | None = None,
    count: int | None = None,
    action: str = "",
    fare_as_points: int | None = None,
    computed_coupon: int | None = None,
    validity_days: int | None = None,
) -> dict[str, Any]:
    """The stored fields of a grant after its instrument's rules (DOMAIN.md §2 and §5).

    - coupon: an explicit amount stands as written; a computed one is rounded to the policy
      version's unit (half up, not below its minimum); validity from the version.
    - points: a fare paid as points loses the version's driver commission; memo from it.
    - vouchers and emoticons are counted; payment actions carry their code.
    """
    if instrument not in Instrument.values:
        raise PayoutRuleError(f"알 수 없는 지급수단: {instrument}")
    fields: dict[str, Any] = {
        "instrument": instrument,
        "amount": amount,
        "count": count,
        "action": action or "",
        "validity_days": validity_days,
        "policy_version": None,
        "memo": "",
    }
    for name, value in (("amount", amount), ("count", count)):
        if value is not None and (not isinstance(value, int) or value <= 0):
            raise PayoutRuleError(f"{name}은(는) 양의 정수여야 합니다.")
    # The columns' bounds, checked here so a typo gives a clear message instead of a database
    # error (amount: bigint, count: integer, validity: smallint).
    if amount is not None and amount > MAX_AMOUNT:
        raise PayoutRuleError(f"금액은 {MAX_AMOUNT:,}원 이하여야 합니다.")
    if count is not None and count > MAX_COUNT:
        raise PayoutRuleError(f"수량은 {MAX_COUNT:,} 이하여야 합니다.")
    if validity_days is not None and (
        not isinstance(validity_days, int) or not 1 <= validity_days <= MAX_VALIDITY_DAYS
    ):
        raise PayoutRuleError(f"유효기간은 1~{MAX_VALIDITY_DAYS:,}일이어야 합니다.")
    if instrument != Instrument.COUPON and computed_coupon is not None:
        raise PayoutRuleError("계산 쿠폰 금액은 쿠폰에만 씁니다.")
    if instrument != Instrument.POINTS and fare_as_points is not None:
        raise PayoutRuleError("운행료 포인트 지급은 기사 포인트에만 씁니다.")
    if instrument != Instrument.PAYMENT_ACTION and action:
        raise PayoutRuleError("결제 조치 코드는 결제 조치에만 씁니다.")

    if instrument == Instrument.COUPON:
        params = instrument_params()
        if (amount is None) == (computed_coupon is None):
            raise PayoutRuleError("쿠폰은 금액 또는 계산 금액 중 하나가 필요합니다.")
        if computed_coupon is not None:
            fields["amount"] = round_coupon(
                computed_coupon, params.coupon_unit, params.coupon_minimum
            )
        fields["validity_days"] = validity_days or params.coupon_validity_days
        fields["policy_version"] = params.policy_version
    elif instrument == Instrument.POINTS:
        params = instrument_params()
        if (amount is None) == (fare_as_points is None):
            raise PayoutRuleError("포인트는 금액 또는 운행료 중 하나가 필요합니다.")
        if fare_as_points is not None:
            if fare_as_points <= 0:
                raise PayoutRuleError("운행료는 양의 정수여야 합니다.")
            fields["amount"] = less_commission(fare_as_points, params.driver_commission_percent)
        fields["memo"] = params.points_memo
        fields["policy_version"] = params.policy_version
    elif instrument in AMOUNT_INSTRUMENTS and amount is None:
        raise PayoutRuleError(f"{Instrument(instrument).label}은(는) 금액이 필요합니다.")

    if instrument in AMOUNT_INSTRUMENTS and count is not None:
        raise PayoutRuleError(f"{Instrument(instrument).label}은(는) 수량이 아니라 금액입니다.")
    if instrument in COUNT_INSTRUMENTS:
        if count is None or amount is not None:
            raise PayoutRuleError(f"{Instrument(instrument).label}은(는) 수량(장/개)으로 줍니다.")
    if instrument == Instrument.PAYMENT_ACTION:
        if action not in PaymentAction.values:
            raise PayoutRuleError(f"알 수 없는 결제 조치: {action!r}")
        if count is not None:
            raise PayoutRuleError("결제 조치에는 수량이 없습니다.")
        if (action in _ACTIONS_WITH_AMOUNT) != (amount is not None):
            raise PayoutRuleError("재결제와 강제할인에만 금액이 있습니다.")
    return fields


def payout_request_create(
    *,
    recipient_kind: str,
    recipient_id: str,
    instrument: str,
    source_kind: str,
    idempotency_key: str,
    source_ref: str = "",
    program: str = "",
    amount: int | None = None,
    count: int | None = None,
    action: str = "",
    fare_as_points: int | None = None,
    computed_coupon: int | None = None,
    validity_days: int | None = None,
    grant: BlanketGrant | None = None,
) -> PayoutRequest:
    """Create a pending request, or return the one already made with this key.

    Joins the caller's transaction (claims create requests together with their decision) and
    enqueues the issue only once that commits. If the enqueue is lost, the nightly batch
    still finds the request pending.
    """
    _check_request_input(
        recipient_kind=recipient_kind,
        recipient_id=recipient_id,
        source_kind=source_kind,
        idempotency_key=idempotency_key,
    )
    fields = instrument_fields(
        instrument=instrument,
        amount=amount,
        count=count,
        action=action,
        fare_as_points=fare_as_points,
        computed_coupon=computed_coupon,
        validity_days=validity_days,
    )
    existing = PayoutRequest.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_request(existing, recipient_kind, recipient_id, fields)
    try:
        # A savepoint: a concurrent insert of the same key waits for the other transaction and
        # then fails here; the caller's transaction goes on with the other request.
        with transaction.atomic():
            request = PayoutRequest.objects.create(
                recipient_kind=recipient_kind,
                recipient_id=recipient_id,
                source_kind=source_kind,
                source_ref=source_ref,
                program=program,
                idempotency_key=idempotency_key,
                grant=grant,
                **fields,
            )
    except IntegrityError:
        existing = PayoutRequest.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _same_request(existing, recipient_kind, recipient_id, fields)
    _enqueue_issue(request.pk)
    return request


def _check_request_input(
    *, recipient_kind: str, recipient_id: str, source_kind: str, idempotency_key: str
) -> None:
    if recipient_kind not in RecipientKind.values:
        raise PayoutRuleError(f"알 수 없는 대상 계정 종류: {recipient_kind!r}")
    if not recipient_id or len(recipient_id) > 64:
        raise PayoutRuleError("대상 계정 ID는 1~64자여야 합니다.")
    if source_kind not in SourceKind.values:
        raise PayoutRuleError(f"알 수 없는 출처: {source_kind!r}")
    if not idempotency_key or len(idempotency_key) > 200:
        raise PayoutRuleError("멱등 키는 1~200자여야 합니다.")
    if not is_header_safe(idempotency_key):
        # The key travels as an HTTP header (Idempotency-Key): anything but visible ASCII makes
        # the client raise before posting, or is altered on the way and breaks de-duplication.
        raise PayoutRuleError(
            "멱등 키에는 공백 없는 ASCII 문자(영문, 숫자, 기호)만 쓸 수 있습니다: "
            f"{idempotency_key[:80]!r}"
        )


def is_header_safe(value: str) -> bool:
    """Visible ASCII only (0x21–0x7E): safe in an HTTP header and in a key built from it."""
    return bool(value) and all("!" <= ch <= "~" for ch in value)


def _same_request(
    existing: PayoutRequest, recipient_kind: str, recipient_id: str, fields: dict[str, Any]
) -> PayoutRequest:
    """The request already made with this key, if it is the same grant. A key reused for a
    different amount or count is a caller's bug (two decisions sharing a key), and returning
    the first request would silently drop the second grant."""
    mine = (
        recipient_kind,
        recipient_id,
        fields["instrument"],
        fields["amount"],
        fields["count"],
        fields["action"],
    )
    theirs = (
        existing.recipient_kind,
        existing.recipient_id,
        existing.instrument,
        existing.amount,
        existing.count,
        existing.action,
    )
    if mine != theirs:
        raise IdempotencyConflict(
            f"멱등 키 {existing.idempotency_key}는 다른 대상/지급수단/금액·수량의 요청 "
            f"#{existing.pk}에 이미 쓰였습니다."
        )
    return existing


def _enqueue_issue(request_id: int) -> None:
    from payouts.tasks import issue_request

    send_after_commit(
        lambda: issue_request.delay(request_id),
        what=f"payout request {request_id}",
    )


def send_after_commit(send: Callable[[], object], *, what: str) -> None:
    """Run `send` (a broker publish) once the transaction commits, never failing the caller.

    The caller's decision is already committed when this runs; a broker that is down must not
    turn it into a 500. The work is not lost: a request stays pending for the nightly sweep, a
    batch's chunks for the resume task. `robust=True` (Django 5) also keeps any other error of
    the callback from reaching the caller and from stopping the other callbacks.
    """

    def guarded() -> None:
        try:
            send()
        except (KombuOperationalError, OSError) as exc:
            logger.error("enqueue of %s failed, left for the sweep: %s", what, exc)

    transaction.on_commit(guarded, robust=True)


def valid_until(issued_at: datetime, validity_days: int | None) -> datetime | None:
    return None if validity_days is None else issued_at + timedelta(days=validity_days)


def _transition(
    request: PayoutRequest,
    to: str,
    *,
    actor: User | None,
    reason: str,
    **fields: object,
) -> None:
    """Checked, compare-and-set status change with its history row. Call inside atomic()."""
    if not request.can_transition(to):
        raise TransitionRefused(request, to)
    now = timezone.now()
    changed = PayoutRequest.objects.filter(pk=request.pk, status=request.status).update(
        status=to, updated_at=now, **fields
    )
    if changed != 1:
        # Someone else changed it since we read it: refuse rather than overwrite.
        request.refresh_from_db()
        raise TransitionRefused(request, to)
    PayoutRequestEvent.objects.create(
        request=request, from_status=request.status, to_status=to, actor=actor, reason=reason
    )
    request.refresh_from_db()


def payout_request_retry(
    *, request_id: int, actor: User | None = None, reason: str = ""
) -> PayoutRequest:
    """Send a failed request back to pending and enqueue its issue. It is posted again with
    the same idempotency key, so a grant billing already made is answered, not repeated.

    A request already pending is returned as it is (a double click); any other status is
    refused: an `issuing` one is being delivered right now."""
    with transaction.atomic():
        request = PayoutRequest.objects.select_for_update().get(pk=request_id)
        if request.status == Status.PENDING:
            return request
        if request.status != Status.FAILED:
            raise TransitionRefused(request, Status.PENDING)
        _transition(request, Status.PENDING, actor=actor, reason=reason or "재시도")
        _enqueue_issue(request.pk)
    return request


class CancelNeedsCheck(TransitionRefused):
    """The last delivery failed ambiguously: billing may have granted it."""

    def __init__(self, request: PayoutRequest) -> None:
        Exception.__init__(
            self,
            f"요청 #{request.pk}의 마지막 실패(시간 초과·서버 오류)는 결과가 불분명해 청구 "
            "시스템에서 이미 지급되었을 수 있습니다. 청구 시스템에서 지급되지 않았음을 확인한 "
            "뒤 '확인함'으로 취소하거나, 같은 멱등 키로 재시도해 결과를 확인하세요.",
        )
        self.from_status = request.status
        self.to_status = Status.CANCELLED


def payout_request_cancel(
    *, request_id: int, actor: User | None = None, reason: str = "", checked: bool = False
) -> PayoutRequest:
    """Cancel a pending or failed request.

    Refused while it is `issuing` (billing may be granting it right now), and for a failed
    request whose last failure was ambiguous (a timeout or 5xx after which billing may have
    granted) unless `checked`: the operator looked in billing and found no grant. Otherwise
    billing would hold a grant that our ledger never records and reconciliation cannot see.
    """
    with transaction.atomic():
        request = PayoutRequest.objects.select_for_update().get(pk=request_id)
        if request.status == Status.CANCELLED:
            return request
        if request.status == Status.FAILED and request.last_failure_retryable and not checked:
            raise CancelNeedsCheck(request)
        _transition(request, Status.CANCELLED, actor=actor, reason=reason)
        if request.grant_id is not None:
            close_grant_if_final(request.grant_id)
    return request


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
            ).update(status=Status.PENDING, updated_at=timezone.now())
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
    with transaction.atomic():
        changed = PayoutRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(
            status=Status.ISSUING, updated_at=timezone.now()
        )
        if changed != 1:
            return False  # issued, cancelled or claimed by someone else since we read it
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
        failed_chunks = list(
            PayoutRequest.objects.select_for_update()
            .filter(pk=request.pk, status=Status.ISSUING)
            .values_list("failed_chunk_id", flat=True)
        )
        changed = PayoutRequest.objects.filter(pk=request.pk, status=Status.ISSUING).update(
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
            # Our claim was released as stale while we were delivering and someone else now
            # has the request; billing saw the same idempotency key both times, so it granted
            # once, and whoever records the later answer writes the ledger.
            logger.warning("payout request %s was no longer issuing after delivery", request.pk)
            return False
        failed_chunk_id = failed_chunks[0] if failed_chunks else None
        batch_id = chunk.batch_id if chunk else None
        if failed_chunk_id is not None:
            # A retry of a request a batch counted as failed: that batch now counts it done
            # (and owns the ledger row) when this is the retry's own issue, skipped when another
            # batch's chunk issued it (that batch counts it done).
            owner = _move_failed_count(
                failed_chunk_id, to="skipped" if chunk is not None else "done"
            )
            if chunk is None:
                batch_id = owner
        LedgerEntry.objects.create(
            request_id=request.pk,
            recipient_kind=request.recipient_kind,
            recipient_id=request.recipient_id,
            instrument=request.instrument,
            amount=request.amount,
            count=request.count,
            action=request.action,
            source_kind=request.source_kind,
            source_ref=request.source_ref,
            program=request.program,
            grant_id=request.grant_id,
            batch_id=batch_id,
            issued_at=now,
            issuer=issuer_name,
            external_ref=delivery.external_ref,
        )
        if events:
            PayoutRequestEvent.objects.create(
                request_id=request.pk,
                from_status=Status.ISSUING,
                to_status=Status.ISSUED,
                reason=f"{issuer_name} 발급 {delivery.external_ref}".strip(),
            )
        if chunk is not None:
            PayoutChunk.objects.filter(pk=chunk.pk).update(done=F("done") + 1)
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
        if chunk is not None:
            previous = list(
                PayoutRequest.objects.select_for_update()
                .filter(pk=request.pk, status=Status.ISSUING)
                .values_list("failed_chunk_id", flat=True)
            )
            fields["failed_chunk_id"] = chunk.pk
        changed = PayoutRequest.objects.filter(pk=request.pk, status=Status.ISSUING).update(
            **fields
        )
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
            PayoutChunk.objects.filter(pk=chunk.pk).update(failed=F("failed") + 1)
            if previous and previous[0] is not None and previous[0] != chunk.pk:
                # Failed before in another batch and retried into this one: this batch now
                # counts the failure, the earlier one counts the request as handled elsewhere.
                _move_failed_count(previous[0], to="skipped")


def _move_failed_count(chunk_id: int, *, to: str, n: int = 1) -> int | None:
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
    BlanketGrant.objects.filter(
        pk=grant_id, status__in=[BlanketGrant.Status.LOADED, BlanketGrant.Status.ISSUING]
    ).update(status=BlanketGrant.Status.DONE, updated_at=timezone.now())
