"""A claim's walk in the browser: the agent files it with the live offer and records the
claimant's answer; a manager decides tier 2 in the console; the pages run under the CSP."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from claims.models import Claim
from payouts.models import PayoutRequest
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "demo-pass-1234"


@pytest.fixture
def demo_logins():
    with open("/dev/null", "w") as devnull:
        call_command("seed_demo", password=PASSWORD, no_payouts=True, stdout=devnull)
    assert get_user_model().objects.filter(username="agent").exists()


def watch_csp(page, seen: list[str]) -> None:
    page.on("console", lambda m: seen.append(m.text) if "Content Security" in m.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective))"
    )


@pytest.fixture
def csp_violations(page):
    seen: list[str] = []
    watch_csp(page, seen)
    return seen


def file_claim(page, live_server, call_id: str) -> int:
    page.goto(f"{live_server.url}/claims/new/")
    page.select_option("#id_rule", "dispatch.reservation_late")
    page.wait_for_selector("input[name=late_minutes]")  # htmx drew the type's facts
    page.fill("input[name=late_minutes]", "45")
    page.fill("#id_call_id", call_id)
    page.fill("#id_customer_id", "C-E2E")
    page.fill("#id_customer_name", "홍길동")
    page.fill("#id_driver_id", "D-E2E")
    page.click("button[name=preview]")
    page.wait_for_selector("#offer")
    offer = page.inner_text("#offer")
    assert "고객 쿠폰 5,000원" in offer and "고객 쿠폰 10,000원" in offer
    page.click("button[name=file]")
    page.wait_for_selector("h1:has-text('클레임 #')")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def test_agent_files_a_claim_and_records_the_acceptance(page, live_server, demo_logins,
                                                        csp_violations):  # fmt: skip
    login(page, live_server, "agent", PASSWORD)
    claim_id = file_claim(page, live_server, "E2E-ACCEPT")
    page.check("input[name=answer][value=accept]")
    page.fill("textarea[name=memo]", "케어로 수락")
    page.click("button:has-text('답변 기록')")
    page.wait_for_selector("h1:has-text('지급 결정')")
    assert Claim.objects.get(pk=claim_id).status == "granted"
    assert csp_violations == []


def test_manager_grants_tier_two_in_the_console_after_the_agents_refusal(
    page, browser, live_server, demo_logins, csp_violations
):
    login(page, live_server, "agent", PASSWORD)
    claim_id = file_claim(page, live_server, "E2E-ESCALATE")
    page.check("input[name=answer][value=refuse]")
    page.fill("textarea[name=memo]", "쿠폰을 원함")
    page.click("button:has-text('답변 기록')")
    page.wait_for_selector("text=관리자가 결정합니다")

    manager = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul").new_page()
    watch_csp(manager, csp_violations)
    login(manager, live_server, "manager", PASSWORD)
    manager.wait_for_selector("#site-name")
    manager.goto(f"{live_server.url}/admin/claims/escalatedclaim/")
    manager.click(f"a[href$='/{claim_id}/change/']")
    manager.click("a:has-text('2차 결정하기')")
    manager.check("input[name=decision][value=grant]")
    manager.fill("textarea[name=reason]", "2차 쿠폰 수락")
    manager.click("input[value='결정 기록']")
    manager.wait_for_selector("text=지급 처리했습니다")
    claim = Claim.objects.get(pk=claim_id)
    assert (claim.status, claim.tier) == ("granted", 2)
    assert PayoutRequest.objects.get(idempotency_key=f"claim-{claim_id}-t2-e0").amount == 5000
    manager.goto(f"{live_server.url}/claims/dashboard/")
    manager.wait_for_selector("#rule-chart")
    manager.wait_for_function("() => window.Chart && Chart.getChart('rule-chart')")
    manager.context.close()
    assert csp_violations == []
