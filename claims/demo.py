"""Demo claims for `make run`: a few in each state, filed and decided through the services by
the demo agent and manager. Each has a fixed call id, so running it again adds nothing."""

from django.contrib.auth import get_user_model
from django.core.management.base import OutputWrapper

from claims.models import Claim
from claims.relief import demo as relief_demo
from claims.services import (
    Party,
    claim_cancel,
    claim_create,
    claim_grant,
    claim_refuse,
    claim_reject,
)


def seed(stdout: OutputWrapper) -> None:
    User = get_user_model()
    agent = User.objects.filter(username="agent").first()
    manager = User.objects.filter(username="manager").first()
    if agent is None or manager is None:
        return

    def filed(call_id: str, rule: str, target: str, facts: dict, **parties: Party) -> Claim | None:  # type: ignore[type-arg]
        if Claim.objects.filter(call_id=call_id).exists():
            return None
        return claim_create(
            actor=agent, rule=rule, target=target, call_id=call_id, facts=facts, memo="데모",
            call_type="예약" if rule.startswith("dispatch.") else "일반",
            customer=parties.get("customer"), driver=parties.get("driver"),
        )  # fmt: skip

    customer = {"customer": Party("C-3001", "김민수", "010-2345-6789")}
    both = {**customer, "driver": Party("D-4001", "이기사", "010-8765-4321")}
    # Open at tier 1 (an agent's), at tier 2 (in the manager's queue), needs discussion.
    filed("DEMO-OPEN-1", "dispatch.reservation_late", "customer", {"late_minutes": 20}, **both)
    c = filed("DEMO-OPEN-2", "cs_complaint.callback_delay", "customer",
              {"business_days_since_promise": 4}, **customer)  # fmt: skip
    if c:
        claim_refuse(claim_id=c.pk, actor=agent, tier=1, reason="케어만으로는 부족하다고 함")
    filed("DEMO-OPEN-3", "outage.customer_expense", "customer", {}, **customer)
    # Granted at tier 2 after a refusal; rejected; cancelled; refused to the end.
    c = filed("DEMO-GRANT-1", "dispatch.reservation_late", "customer", {"late_minutes": 45},
              **both)  # fmt: skip
    if c:
        claim_refuse(claim_id=c.pk, actor=agent, tier=1, reason="보상 요구")
        claim_grant(claim_id=c.pk, actor=manager, tier=2, reason="2차 쿠폰 수락")
    c = filed("DEMO-REJECT-1", "cs_complaint.callback_delay", "customer",
              {"business_days_since_promise": 3}, **customer)  # fmt: skip
    if c:
        claim_reject(claim_id=c.pk, actor=manager, reason="같은 건 중복 접수")
    c = filed("DEMO-CANCEL-1", "dispatch.reservation_late", "customer", {"late_minutes": 10},
              **both)  # fmt: skip
    if c:
        claim_cancel(claim_id=c.pk, actor=agent, reason="고객이 문의 철회")
    c = filed("DEMO-REFUSED-1", "dispatch.reservation_late", "customer", {"late_minutes": 50},
              **both)  # fmt: skip
    if c:
        claim_refuse(claim_id=c.pk, actor=agent, tier=1)
        claim_refuse(claim_id=c.pk, actor=manager, tier=2)
        claim_refuse(claim_id=c.pk, actor=manager, tier=3, reason="모든 제안 거부")
    stdout.write(f"  클레임 {Claim.objects.count()}건 (진행·지급·기각·취소·거부)")

    # Relief applications are claims of their own kind (claims.relief); their demo rides along.
    relief_demo.seed(stdout)
