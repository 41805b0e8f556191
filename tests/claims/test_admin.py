"""The manager's console: the escalation queue and the decision page."""

import pytest
from django.urls import reverse

from claims.models import Claim
from claims.services import Party, claim_create, claim_refuse
from payouts.models import PayoutRequest

pytestmark = pytest.mark.django_db


def _claim(agent, rule="cs_complaint.callback_delay", facts=None, call_id="ADM-1"):
    return claim_create(
        actor=agent, rule=rule, target="customer", call_id=call_id,
        facts=facts if facts is not None else {"business_days_since_promise": 3},
        customer=Party("C-ADM"), driver=Party("D-ADM"),
    )  # fmt: skip


def test_the_queue_shows_claims_waiting_for_a_manager_oldest_first(client, agent, staff_manager):
    manager = staff_manager
    first = _claim(agent, call_id="ADM-OLD")
    second = _claim(agent, call_id="ADM-NEW")
    at_tier_one = _claim(agent, call_id="ADM-T1")
    outage = _claim(agent, rule="outage.customer_expense", facts={}, call_id="ADM-OUT")
    claim_refuse(claim_id=second.pk, actor=agent, tier=1)
    claim_refuse(claim_id=first.pk, actor=agent, tier=1)
    client.force_login(manager)
    page = client.get(reverse("admin:claims_escalatedclaim_changelist"))
    assert page.status_code == 200
    ids = [c.pk for c in page.context["cl"].result_list]
    # Tier-2 claims and the needs-discussion one (a manager's at tier 1), oldest first.
    assert ids == [first.pk, second.pk, outage.pk]
    assert at_tier_one.pk not in ids
    text = page.content.decode()
    assert "상담시간 지연" in text  # the rule's name, not its code
    assert ">cs_complaint.callback_delay<" not in text  # (filter links carry it in hrefs)


def test_a_manager_grants_tier_two_in_the_console_with_a_pick_in_the_range(
    client, agent, staff_manager
):
    manager = staff_manager
    claim = _claim(agent)
    claim_refuse(claim_id=claim.pk, actor=agent, tier=1)
    client.force_login(manager)
    url = reverse("admin:claims_claim_decide", args=[claim.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "2,000 ~ 5,000" in page.content.decode()
    wrong = client.post(url, {"tier": 2, "decision": "grant", "amount": 3500, "reason": ""})
    assert wrong.status_code == 200
    assert "단위" in wrong.content.decode()
    assert not PayoutRequest.objects.exists()
    done = client.post(url, {"tier": 2, "decision": "grant", "amount": 4000, "reason": "콜백 지연"})
    assert done.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.GRANTED
    assert PayoutRequest.objects.get().amount == 4000
    shown = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert f"claim-{claim.pk}-t2-e0" in shown
    assert "콜백 지연" in shown


def test_a_manager_rejects_only_with_a_reason(client, agent, staff_manager):
    manager = staff_manager
    claim = _claim(agent)
    client.force_login(manager)
    url = reverse("admin:claims_claim_decide", args=[claim.pk])
    assert "사유" in client.post(url, {"tier": 1, "decision": "reject"}).content.decode()
    done = client.post(url, {"tier": 1, "decision": "reject", "reason": "중복 접수"})
    assert done.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REJECTED


def test_an_agent_has_no_decision_page(client, agent):
    claim = _claim(agent)
    agent.is_staff = True
    agent.save()
    client.force_login(agent)
    assert client.get(reverse("admin:claims_claim_decide", args=[claim.pk])).status_code == 403


def test_the_claim_list_filters_by_category(client, agent, staff_manager):
    fare = _claim(agent, call_id="ADM-CS")
    outage = _claim(agent, rule="outage.customer_expense", facts={}, call_id="ADM-OUTAGE")
    client.force_login(staff_manager)
    page = client.get(reverse("admin:claims_claim_changelist"), {"category": "outage"})
    assert [c.pk for c in page.context["cl"].result_list] == [outage.pk]
    assert fare.pk not in [c.pk for c in page.context["cl"].result_list]


def test_a_decision_page_opened_before_someone_else_decided_is_refused(
    client, agent, staff_manager
):
    claim = _claim(agent)
    claim_refuse(claim_id=claim.pk, actor=agent, tier=1)
    client.force_login(staff_manager)
    url = reverse("admin:claims_claim_decide", args=[claim.pk])
    assert 'name="tier" value="2"' in client.get(url).content.decode()
    # Meanwhile another manager refuses tier 2: the claim closes at its last tier.
    claim_refuse(claim_id=claim.pk, actor=staff_manager, tier=2)
    stale = client.post(url, {"tier": 2, "decision": "grant", "amount": 3000})
    assert stale.status_code == 200
    assert not PayoutRequest.objects.exists()
