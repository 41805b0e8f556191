"""Two managers granting the same claim at once: one decision, one set of payout requests."""

import threading

import pytest
from django.db import connection

from claims.models import Claim, ClaimDecision
from claims.services import ClaimStateError, claim_create, claim_grant, claim_refuse
from payouts.models import PayoutRequest
from tests.conftest import make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_eager"),
]


def test_two_managers_granting_at_once_give_one_decision_and_one_payout():
    from claims.services import Party
    from config.roles import AGENT, MANAGER

    agent = make_user("race-agent", AGENT)
    managers = [make_user(f"race-manager-{i}", MANAGER) for i in range(4)]
    claim = claim_create(
        actor=agent, rule="dispatch.reservation_late", target="customer", call_id="RACE-1",
        facts={"late_minutes": 45}, customer=Party("C-R"), driver=Party("D-R"),
    )  # fmt: skip
    claim_refuse(claim_id=claim.pk, actor=agent, tier=1)
    barrier = threading.Barrier(len(managers))
    outcomes: list[str] = []

    def grant(manager) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            claim_grant(claim_id=claim.pk, actor=manager, tier=2)
            outcomes.append("granted")
        except ClaimStateError:
            outcomes.append("conflict")
        except Exception as exc:  # collected and asserted below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=grant, args=(m,)) for m in managers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 3 + ["granted"]
    assert ClaimDecision.objects.filter(claim=claim, kind="granted").count() == 1
    assert PayoutRequest.objects.filter(source_ref=f"claim-{claim.pk}-t2").count() == 1
    assert Claim.objects.get(pk=claim.pk).status == "granted"


def test_a_decision_row_refuses_raw_updates_on_postgresql():
    from django.db import DatabaseError, transaction

    from claims.services import Party
    from config.roles import MANAGER

    manager = make_user("raw-manager", MANAGER)
    claim = claim_create(
        actor=manager, rule="outage.customer_expense", target="customer", call_id="RAW-1",
        facts={}, customer=Party("C-RAW"),
    )  # fmt: skip
    claim_grant(claim_id=claim.pk, actor=manager, tier=1, amount=5000, instrument="coupon",
                reason="r")  # fmt: skip
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claimdecision SET amount = 999999")
    assert ClaimDecision.objects.get().amount == 5000


def test_two_agents_granting_duplicates_at_once_pay_once():
    from claims.services import ClaimForbidden, Party
    from config.roles import AGENT

    agents = [make_user(f"dup-agent-{i}", AGENT) for i in range(2)]
    claims = [
        claim_create(
            actor=a, rule="ride_completed.parking_refused", target="customer", call_id="DUP-1",
            facts={"realtime": True, "extra_driver_needed": True, "extra_call_made": False,
                   "extra_call_fare": 0},
            customer=Party("C-DUP"), driver=Party("D-DUP"),
        )
        for a in agents
    ]  # fmt: skip
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def grant(agent, claim) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            claim_grant(claim_id=claim.pk, actor=agent, tier=1)
            outcomes.append("granted")
        except ClaimForbidden:
            outcomes.append("needs a manager")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=grant, args=pair) for pair in zip(agents, claims, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["granted", "needs a manager"]
    assert PayoutRequest.objects.filter(source_ref__startswith="claim-").count() == 1
