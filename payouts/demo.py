"""Demo data of payouts for `make run`: a few claim grants (one failed, to retry from the
console) and a 2,000-recipient blanket grant, issued through the real services. Every row has a
fixed idempotency key or code, so running it again adds nothing."""

from typing import Any

from django.core.management.base import OutputWrapper
from django.db import transaction

from payouts.issuers import Delivery, DeliveryFailed
from payouts.models import BlanketGrant, PayoutRequest
from payouts.services.grants import blanket_grant_create, blanket_grant_run
from payouts.services.issuing import payout_request_issue
from payouts.services.requests import payout_request_create


def seed(stdout: OutputWrapper) -> None:
    grants: list[dict[str, Any]] = [
        dict(
            recipient_kind="customer",
            recipient_id="C-1001",
            instrument="coupon",
            amount=10_000,
            source_ref="demo-claim-1",
        ),
        dict(
            recipient_kind="driver",
            recipient_id="D-2001",
            instrument="points",
            fare_as_points=31_000,
            source_ref="demo-claim-2",
        ),
        dict(
            recipient_kind="driver",
            recipient_id="D-2002",
            instrument="pro_voucher",
            count=3,
            source_ref="demo-claim-3",
        ),
        dict(
            recipient_kind="customer",
            recipient_id="C-1002",
            instrument="payment_action",
            action="waive_no_show_fee",
            source_ref="demo-claim-4",
        ),
    ]
    for n, fields in enumerate(grants, start=1):
        payout_request_create(
            source_kind="claim_decision", idempotency_key=f"demo:claim:{n}", **fields
        )

    class Unreachable:
        name = "http"
        bulk = False

        def deliver(self, request: PayoutRequest) -> Delivery:
            raise DeliveryFailed("데모: 결제 시스템 응답 없음", attempts=4, retryable=True)

    with transaction.atomic():
        failed = payout_request_create(
            recipient_kind="customer",
            recipient_id="C-1003",
            instrument="coupon",
            amount=5_000,
            source_kind="claim_decision",
            source_ref="demo-claim-5",
            idempotency_key="demo:claim:5",
        )
        # Fails before its on-commit issue runs, so the admin has one to retry.
        payout_request_issue(request_id=failed.pk, issuer=Unreachable())

    grant = blanket_grant_create(
        code="demo-1015-emoticon",
        name="1015 장애 이모티콘 (데모)",
        instrument="emoticon",
        recipient_kind="customer",
        count=3,
        program="outage-1015",
        segment="데모: 가상 이용자 2,000명",
        synthetic_count=2_000,
    )
    if grant.status == BlanketGrant.Status.DRAFT:
        blanket_grant_run(grant_id=grant.pk)
    issued = PayoutRequest.objects.filter(status="issued").count()
    issued = PayoutRequest.objects.filter(status="issued").count()
    stdout.write(f"  데모 지급: 지급됨 {issued:,}건, 실패 1건 (관리 콘솔에서 재시도)")
