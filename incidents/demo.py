"""Demo accounts for `make run`: a 트루카 member suspended until paid, one banned for smoking
twice, one under review for accident losses, a driver kept off reservation calls for 7 days,
a premium-driver penalty request in RM's queue, a customer's app suspension. Recorded through
the real service with fixed claim/incident references, so running it again adds nothing."""

from django.core.management.base import OutputWrapper

from incidents.models import Account, Review
from incidents.services.violations import violation_record

PEOPLE = {
    # external id: kind, name, phone
    "T-DEMO-1": ("truka_member", "김민지", "010-5555-1234"),
    "T-DEMO-2": ("truka_member", "이서준", "010-5555-2345"),
    "T-DEMO-3": ("truka_member", "박하은", "010-5555-3456"),
    "D-DEMO-1": ("driver", "최도윤", "010-5555-4567"),
    "D-DEMO-2": ("driver", "정우진", "010-5555-5678"),
    "C-DEMO-1": ("customer", "한지아", "010-5555-6789"),
}
DEMO = [
    # external id, code, source kind, source ref, amount (원)
    ("T-DEMO-1", "unpaid_fees", "incident", "demo-1", None),
    ("T-DEMO-2", "smoking_traces", "incident", "demo-2", None),
    ("T-DEMO-2", "smoking_traces", "incident", "demo-3", None),
    ("T-DEMO-3", "accident_open", "incident", "demo-4", None),
    ("T-DEMO-3", "accident_loss_2m", "incident", "demo-4", 1_300_000),
    ("T-DEMO-3", "accident_loss_2m", "incident", "demo-5", 900_000),
    ("D-DEMO-1", "driver_reservation_ban_7d", "claim", "demo-6", None),
    ("D-DEMO-1", "driver_permanent_suspension_on_3rd", "claim", "demo-6", None),
    ("D-DEMO-2", "premium_driver_penalty_request", "claim", "demo-7", None),
    ("C-DEMO-1", "customer_app_suspension", "claim", "demo-8", None),
]


def seed(stdout: OutputWrapper) -> None:
    for external_id, code, source_kind, source_ref, amount in DEMO:
        kind, name, phone = PEOPLE[external_id]
        violation_record(
            kind=kind,
            external_id=external_id,
            code=code,
            amount=amount,
            note="데모",
            source_kind=source_kind,
            source_ref=source_ref,
            name=name,
            phone=phone,
        )
    accounts = Account.objects.filter(external_id__in=PEOPLE).count()
    reviews = Review.objects.filter(status=Review.Status.OPEN).count()
    stdout.write(f"  데모 계정: {accounts}개, 재심사 대기 {reviews}건 (관리 콘솔 → 재심사 대기열)")

    from incidents import demo_rm

    demo_rm.seed(stdout)
