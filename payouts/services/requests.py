"""Single payout requests: create (idempotent), issue, retry, cancel."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from payouts.issuers import Delivery, DeliveryFailed, Issuer, close_issuer, get_issuer
from payouts.models import (
    AMOUNT_INSTRUMENTS,
    COUNT_INSTRUMENTS,
    BlanketGrant,
    Instrument,
    LedgerEntry,
    PaymentAction,
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
        super().__init__(
            f"요청 #{request.pk}: {request.get_status_display()} → "
            f"{Status(to).label} 변경은 허용되지 않습니다."
        )
        self.from_status = request.status
        self.to_status = to


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
    existing = PayoutRequest.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_request(existing, recipient_kind, recipient_id, instrument)
    fields = instrument_fields(
        instrument=instrument,
        amount=amount,
        count=count,
        action=action,
        fare_as_points=fare_as_points,
        computed_coupon=computed_coupon,
        validity_days=validity_days,
    )
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
        return _same_request(existing, recipient_kind, recipient_id, instrument)
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


def _same_request(
    existing: PayoutRequest, recipient_kind: str, recipient_id: str, instrument: str
) -> PayoutRequest:
    if (existing.recipient_kind, existing.recipient_id, existing.instrument) != (
        recipient_kind,
        recipient_id,
        instrument,
    ):
        raise IdempotencyConflict(
            f"멱등 키 {existing.idempotency_key}는 다른 대상/지급수단의 요청 #{existing.pk}에 "
            "이미 쓰였습니다."
        )
    return existing


def _enqueue_issue(request_id: int) -> None:
    from payouts.tasks import issue_request

    transaction.on_commit(lambda: issue_request.delay(request_id))


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
    """Send a failed request back to pending and enqueue its issue."""
    with transaction.atomic():
        request = PayoutRequest.objects.select_for_update().get(pk=request_id)
        if request.status == Status.PENDING:
            return request
        _transition(request, Status.PENDING, actor=actor, reason=reason or "재시도")
        _enqueue_issue(request.pk)
    return request


def payout_request_cancel(
    *, request_id: int, actor: User | None = None, reason: str = ""
) -> PayoutRequest:
    with transaction.atomic():
        request = PayoutRequest.objects.select_for_update().get(pk=request_id)
        if request.status == Status.CANCELLED:
            return request
        _transition(request, Status.CANCELLED, actor=actor, reason=reason)
    return request


def payout_request_issue(*, request_id: int, issuer: Issuer | None = None) -> PayoutRequest:
    """Issue one pending request through the issuer; no-op for any other status.

    The delivery (a network call for the HTTP issuer) happens outside any transaction; the
    ledger row and the status change follow in one short transaction, compare-and-set on
    `pending`, so a second run of the same task records nothing twice.
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
    """Deliver one request and record the outcome; True if it was issued by this call."""
    try:
        delivery = issuer.deliver(request)
    except DeliveryFailed as exc:
        _record_failed(request, str(exc), attempts=exc.attempts, events=events, chunk=chunk)
        return False
    return _record_issued(request, delivery, issuer_name=issuer.name, events=events, chunk=chunk)


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
        changed = PayoutRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(
            status=Status.ISSUED,
            issued_at=now,
            updated_at=now,
            valid_until=valid_until(now, request.validity_days),
            attempts=F("attempts") + delivery.attempts,
            last_error="",
        )
        if changed != 1:
            # Issued by a concurrent run, or cancelled while we were delivering; the issuer
            # saw the same idempotency key both times, so nothing was granted twice.
            logger.warning("payout request %s was no longer pending after delivery", request.pk)
            return False
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
            batch_id=chunk.batch_id if chunk else None,
            issued_at=now,
            issuer=issuer_name,
            external_ref=delivery.external_ref,
        )
        if events:
            PayoutRequestEvent.objects.create(
                request_id=request.pk,
                from_status=Status.PENDING,
                to_status=Status.ISSUED,
                reason=f"{issuer_name} 발급 {delivery.external_ref}".strip(),
            )
        if chunk is not None:
            PayoutChunk.objects.filter(pk=chunk.pk).update(done=F("done") + 1)
    return True


def _record_failed(
    request: PayoutRequest,
    error: str,
    *,
    attempts: int,
    events: bool,
    chunk: PayoutChunk | None,
) -> None:
    with transaction.atomic():
        changed = PayoutRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(
            status=Status.FAILED,
            updated_at=timezone.now(),
            attempts=F("attempts") + attempts,
            last_error=error,
        )
        if changed != 1:
            return
        if events:
            PayoutRequestEvent.objects.create(
                request_id=request.pk,
                from_status=Status.PENDING,
                to_status=Status.FAILED,
                reason=error,
            )
        if chunk is not None:
            PayoutChunk.objects.filter(pk=chunk.pk).update(failed=F("failed") + 1)
