"""Demo logins and demo data for `make run`. Safe to run repeatedly: every demo row has a fixed
idempotency key or code, so a second run adds nothing."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.utils import timezone
from rest_framework.authtoken.models import Token

from config.roles import AGENT, MANAGER, RM, ROLE_LABELS, sync_roles

DEMO_PASSWORD = "bosang1234!"
DEMO_USERS = [
    # username, role, is_staff (may open the admin console), is_superuser
    ("agent", AGENT, True, False),
    ("manager", MANAGER, True, False),
    ("rm", RM, True, False),
    ("admin", None, True, True),
]


class Command(BaseCommand):
    help = "데모 로그인(상담사·관리자·RM팀·운영자)을 만듭니다."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--password", default=DEMO_PASSWORD)
        parser.add_argument("--no-payouts", action="store_true", help="지급 데모 데이터 생략")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        sync_roles()
        User = get_user_model()
        for username, role, is_staff, is_superuser in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            user.is_staff = is_staff
            user.is_superuser = is_superuser
            if created:
                user.set_password(options["password"])
            user.save()
            if role:
                user.groups.set([Group.objects.get(name=role)])
            label = ROLE_LABELS.get(role, "운영자(슈퍼유저)") if role else "운영자(슈퍼유저)"
            state = "생성" if created else "유지"
            token, _ = Token.objects.get_or_create(user=user)
            if token.created < timezone.now() - timedelta(hours=settings.API_TOKEN_TTL_HOURS):
                # An expired demo token is no use to print: make a fresh one.
                token.delete()
                token = Token.objects.create(user=user)
            self.stdout.write(f"  {username:<8} {label:<10} {state}  API 토큰 {token.key}")
        self.stdout.write(self.style.SUCCESS(f"데모 로그인 비밀번호: {options['password']}"))
        if not options["no_payouts"]:
            self._demo_payouts()

    def _demo_payouts(self) -> None:
        """A few claim grants (one failed, to retry from the admin) and a small blanket grant,
        issued through the real services (eagerly when no broker is configured)."""
        from django.db import transaction

        from payouts.issuers import Delivery, DeliveryFailed
        from payouts.models import BlanketGrant, PayoutRequest
        from payouts.services.grants import blanket_grant_create, blanket_grant_run
        from payouts.services.requests import payout_request_create, payout_request_issue

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
        self.stdout.write(f"  데모 지급: 지급됨 {issued:,}건, 실패 1건 (관리 콘솔에서 재시도)")
