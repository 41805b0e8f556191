"""Single payout requests: create (idempotent), retry, cancel.

Issuing lives in `services.issuing`, the instrument rules in `services.rules`."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from payouts.models import (
    BlanketGrant,
    PayoutRequest,
    PayoutRequestEvent,
    RecipientKind,
    SourceKind,
)
from payouts.services.enqueue import ISSUE_REQUEST, delay_after_commit
from payouts.services.issuing import close_grant_if_final
from payouts.services.rules import PayoutRuleError, instrument_fields, is_header_safe

logger = logging.getLogger(__name__)

Status = PayoutRequest.Status


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
    policy_version: int | None = None,
    grant: BlanketGrant | None = None,
) -> PayoutRequest:
    """Create a pending request, or return the one already made with this key.

    `policy_version` is the version of the source (the decision, the program): coupon
    validity and unit and the driver commission come from it. Joins the caller's transaction
    (claims create requests together with their decision) and enqueues the issue only once
    that commits. If the enqueue is lost, the nightly batch
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
        policy_version=policy_version,
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
    delay_after_commit(ISSUE_REQUEST, request_id, what=f"payout request {request_id}")


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
            f"요청 #{request.pk}의 마지막 전송은 결과가 불분명해(시간 초과·서버 오류·작업 중단) "
            "청구 시스템에서 이미 지급되었을 수 있습니다. 청구 시스템에서 지급되지 않았음을 확인한 "
            "뒤 '확인함'으로 취소하거나, 같은 멱등 키로 재시도해 결과를 확인하세요.",
        )
        self.from_status = request.status
        self.to_status = Status.CANCELLED


def payout_request_cancel(
    *, request_id: int, actor: User | None = None, reason: str = "", checked: bool = False
) -> PayoutRequest:
    """Cancel a pending or failed request.

    Refused while it is `issuing` (billing may be granting it right now), and for a request
    whose last delivery was ambiguous (a timeout or 5xx, or a claim released after its worker
    died: billing may have granted) unless `checked`: the operator looked in billing and found
    no grant. Otherwise billing would hold a grant that our ledger never records and
    reconciliation cannot see.
    """
    with transaction.atomic():
        request = PayoutRequest.objects.select_for_update().get(pk=request_id)
        if request.status == Status.CANCELLED:
            return request
        # Pending too: a retried or released request keeps the flag until a delivery answers.
        if request.last_failure_retryable and not checked:
            raise CancelNeedsCheck(request)
        _transition(request, Status.CANCELLED, actor=actor, reason=reason)
        if request.grant_id is not None:
            close_grant_if_final(request.grant_id)
    return request
