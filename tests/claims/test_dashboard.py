"""The managers' dashboard: open claims by tier and age, this month's grants."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.dashboard import month_grants_by_rule, month_payouts_by_instrument, open_by_tier_and_age
from claims.models import Claim
from claims.services import Party, claim_create, claim_grant, claim_refuse

pytestmark = pytest.mark.django_db


def _file(agent, call_id, days_old=0):
    claim = claim_create(
        actor=agent, rule="dispatch.reservation_late", target="customer", call_id=call_id,
        facts={"late_minutes": 45}, customer=Party("C-D"), driver=Party("D-D"),
    )  # fmt: skip
    if days_old:
        Claim.objects.filter(pk=claim.pk).update(
            created_at=timezone.now() - dt.timedelta(days=days_old, hours=1)
        )
    return claim


def test_open_claims_are_counted_by_tier_and_age(agent):
    _file(agent, "D1")
    _file(agent, "D2", days_old=2)
    old = _file(agent, "D3", days_old=8)
    claim_refuse(claim_id=old.pk, actor=agent, tier=1)
    counts = open_by_tier_and_age()["counts"]
    assert counts == {"1일 미만": [1, 0, 0], "1~3일": [1, 0, 0], "3~7일": [0, 0, 0],
                      "7일 이상": [0, 1, 0]}  # fmt: skip


def test_this_months_grants_by_rule_and_instrument(agent, manager):
    for call in ("G1", "G2"):
        claim = _file(agent, call)
        claim_refuse(claim_id=claim.pk, actor=agent, tier=1)
        claim_grant(claim_id=claim.pk, actor=manager, tier=2)
    assert month_grants_by_rule() == [
        {"rule": "(예약콜) 기사의 출발시간 지각", "count": 2, "amount": 10_000}
    ]
    assert month_payouts_by_instrument() == [
        {"instrument": "고객 쿠폰", "count": 2, "amount": 10_000}
    ]


def test_the_dashboard_is_for_managers(client, agent, manager):
    client.force_login(agent)
    assert client.get(reverse("claim-dashboard")).status_code == 403
    client.force_login(manager)
    page = client.get(reverse("claim-dashboard"))
    assert page.status_code == 200
    assert 'id="dashboard-data"' in page.content.decode()
