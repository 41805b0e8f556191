"""The agent's pages: intake with the live offer, the claim with its tier-1 answer, the list."""

import re

import pytest
from django.urls import reverse

from claims.models import Claim
from payouts.models import PayoutRequest

pytestmark = pytest.mark.django_db

INTAKE = {
    "rule": "cs_complaint.callback_delay",
    "target": "customer",
    "business_days_since_promise": "3",
    "call_id": "PAGE-1",
    "customer_id": "C-PAGE",
    "customer_name": "홍길동",
    "customer_phone": "010-1234-5678",
    "memo": "콜백 약속 3영업일 경과",
}


def test_choosing_a_type_redraws_its_fact_fields(client, agent):
    client.force_login(agent)
    page = client.get(reverse("claim-new"), {"rule": "dispatch.reservation_late"},
                      HTTP_HX_REQUEST="true")  # fmt: skip
    text = page.content.decode()
    assert page.status_code == 200
    assert 'name="late_minutes"' in text and "<html" not in text  # the form alone


def test_the_preview_shows_every_tier_and_files_nothing(client, agent):
    client.force_login(agent)
    page = client.post(reverse("claim-new"), {**INTAKE, "preview": ""})
    text = page.content.decode()
    assert "2,000~5,000" in text
    assert not Claim.objects.exists()


def test_an_error_keeps_everything_typed(client, agent):
    client.force_login(agent)
    page = client.post(reverse("claim-new"), {**INTAKE, "call_id": "has space", "file": ""})
    text = page.content.decode()
    assert page.status_code == 200
    assert "공백 없는" in text
    assert 'value="홍길동"' in text and 'value="010-1234-5678"' in text
    assert not Claim.objects.exists()


def test_filing_needs_the_claimant(client, agent):
    client.force_login(agent)
    page = client.post(reverse("claim-new"), {**INTAKE, "customer_id": "", "file": ""})
    assert "고객 정보가 필요합니다" in page.content.decode()
    assert not Claim.objects.exists()


def test_an_agent_files_and_records_an_acceptance(client, agent):
    client.force_login(agent)
    filed = client.post(reverse("claim-new"), {**INTAKE, "file": ""})
    claim = Claim.objects.get()
    assert filed.status_code == 302 and filed["Location"] == reverse(
        "claim-detail", args=[claim.pk]
    )
    page = client.get(filed["Location"]).content.decode()
    assert "1차 제안에 대한 고객 답변" in page
    # Tier 1 of this rule is care only: accepting closes the claim with no payout.
    done = client.post(filed["Location"], {"answer": "accept", "memo": "케어로 종결"})
    assert done.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.GRANTED
    assert not PayoutRequest.objects.exists()


def test_a_refusal_goes_to_a_manager_and_the_agent_can_no_longer_answer(client, agent):
    client.force_login(agent)
    client.post(reverse("claim-new"), {**INTAKE, "file": ""})
    claim = Claim.objects.get()
    url = reverse("claim-detail", args=[claim.pk])
    client.post(url, {"answer": "refuse", "memo": "쿠폰 요구"})
    claim.refresh_from_db()
    assert (claim.status, claim.tier, claim.waiting_for) == ("open", 2, "manager")
    page = client.get(url).content.decode()
    assert "1차 제안에 대한 고객 답변" not in page
    assert "관리자가 결정합니다" in page


def test_the_list_shows_only_the_agents_own_claims_and_searches(
    client, agent, other_agent, file_claim
):
    mine = file_claim()
    file_claim(user=other_agent)
    client.force_login(agent)
    page = client.get(reverse("claim-list")).content.decode()
    assert re.findall(r'href="/claims/(\d+)/"', page) == [str(mine["id"])]
    assert "클레임이 없습니다" in client.get(reverse("claim-list"), {"q": "NOPE"}).content.decode()
    found = client.get(reverse("claim-list"), {"q": "CALL-1001"}).content.decode()
    assert f"#{mine['id']}" in found


def test_another_agents_claim_is_a_404(client, other_agent, file_claim):
    claim = file_claim()
    client.force_login(other_agent)
    assert client.get(reverse("claim-detail", args=[claim["id"]])).status_code == 404


def test_the_intake_shows_the_parties_standing(client, agent, manager, file_claim):
    # A granted tier 2 of a late reservation bans the driver from reservation calls for 7 days.
    from rest_framework.test import APIClient

    from tests.claims.conftest import LATE

    claim = file_claim(LATE)
    api = APIClient()
    api.force_authenticate(agent)
    api.post(f"/api/v1/claims/{claim['id']}/refuse/", {"tier": 1}, format="json")
    api.force_authenticate(manager)
    api.post(f"/api/v1/claims/{claim['id']}/grant/", {"tier": 2}, format="json")
    client.force_login(agent)
    page = client.post(reverse("claim-new"), {
        "rule": "dispatch.reservation_late", "target": "customer", "late_minutes": "45",
        "call_id": "NEXT-1", "customer_id": "C-1", "driver_id": "D-9", "preview": "",
    }).content.decode()  # fmt: skip
    assert "당사자 계정 상태" in page
    assert "예약콜" in page and "까지" in page


def test_the_claim_page_masks_parties_for_agents_and_records_a_managers_whole_view(
    client, agent, manager, file_claim
):
    from incidents.models import PersonalDataAccess

    claim = file_claim()  # 홍길동 010-1234-5678, 김기사 010-9876-5432
    client.force_login(agent)
    page = client.get(reverse("claim-detail", args=[claim["id"]])).content.decode()
    assert "홍*동" in page and "010-****-5678" in page
    assert "홍길동" not in page and "010-1234-5678" not in page
    assert not PersonalDataAccess.objects.exists()
    client.force_login(manager)
    page = client.get(reverse("claim-detail", args=[claim["id"]])).content.decode()
    assert "홍길동" in page and "010-1234-5678" in page
    seen = PersonalDataAccess.objects.filter(user=manager, via="page")
    assert {a.account.external_id for a in seen} == {"C-1", "D-9"}
