"""Spend caps as policy parameters: a person's tier-1 total a day, a rule's total a month."""

import pytest

from policies.models import PolicyVersion, Rule
from policies.services import policy_version_create_draft, policy_version_publish

pytestmark = pytest.mark.django_db
URL = "/api/v1/claims/"
DUI = {
    "rule": "in_ride.dui_suspected_partial",
    "target": "customer",
    "customer": {"external_id": "C-CAP"},
    "driver": {"external_id": "D-CAP"},
    "facts": {"actual_fare": 30000},
}


@pytest.fixture
def capped(manager):
    def publish(*, daily=None, budget=None):
        draft = policy_version_create_draft(
            source=PolicyVersion.objects.get(status="published"), actor=manager
        )
        PolicyVersion.objects.filter(pk=draft.pk).update(agent_daily_tier1_cap=daily)
        Rule.objects.filter(version=draft, code=DUI["rule"]).update(monthly_budget=budget)
        policy_version_publish(version_id=draft.pk, actor=manager)
        return draft.number

    return publish


def file_and_grant(api, call_id):
    claim = api.post(URL, {**DUI, "call_id": call_id}, format="json").json()
    return claim, api.post(f"{URL}{claim['id']}/grant/", {"tier": 1}, format="json")


def test_an_agents_daily_tier_one_total_is_capped(api_as, agent, other_agent, capped):
    capped(daily=40_000)
    api = api_as(agent)
    for n in (1, 2):
        assert file_and_grant(api, f"CAP-{n}")[1].status_code == 200  # 15,000 each
    claim, third = file_and_grant(api, "CAP-3")
    assert third.status_code == 400
    message = third.json()["cap"][0]
    assert "40,000원" in message and "30,000원" in message and "15,000원" in message
    detail = api.get(f"{URL}{claim['id']}/").json()
    assert (detail["status"], detail["payout_requests"]) == ("open", [])
    # The cap is per person: another agent grants today.
    assert file_and_grant(api_as(other_agent), "CAP-4")[1].status_code == 200


def test_a_rules_monthly_budget_is_capped(api_as, agent, other_agent, capped):
    capped(budget=20_000)
    assert file_and_grant(api_as(agent), "BUD-1")[1].status_code == 200
    _, over = file_and_grant(api_as(other_agent), "BUD-2")
    assert over.status_code == 400
    assert "월 예산 20,000원" in over.json()["cap"][0]


def test_without_caps_nothing_is_refused(api_as, agent):
    for n in range(4):
        assert file_and_grant(api_as(agent), f"FREE-{n}")[1].status_code == 200
