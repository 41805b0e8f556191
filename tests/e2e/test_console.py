import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_logins():
    with open("/dev/null", "w") as devnull:
        call_command("seed_demo", password="demo-pass-1234", no_payouts=True, stdout=devnull)
    assert get_user_model().objects.filter(username="manager").exists()


def test_manager_logs_into_the_korean_console_and_sees_the_policy_book(
    page, live_server, demo_logins
):
    login(page, live_server, "manager", "demo-pass-1234")
    page.wait_for_selector("#site-name")
    assert "보상 백오피스" in page.inner_text("#site-name")
    page.goto(f"{live_server.url}/admin/policies/policyversion/")
    assert "카카오 T 대리 보상정책" in page.content()
    page.goto(f"{live_server.url}/policies/matrix/")
    assert "[고객센터 상담불만]" in page.content()


def test_agent_quotes_a_case_in_the_browser(page, live_server, demo_logins):
    login(page, live_server, "agent", "demo-pass-1234")
    page.goto(f"{live_server.url}/policies/quote/")
    page.select_option("#id_rule", "fare.wrong_amount_entered")
    # htmx swaps in the type's fact fields.
    page.wait_for_selector("input[name=call_amount]")
    page.fill("input[name=call_amount]", "150000")
    page.fill("input[name=actual_fare]", "60000")
    page.fill("input[name=expected_fare]", "55000")
    page.click("button:has-text('보상안 조회')")
    page.wait_for_selector("#offer")
    offer = page.inner_text("#offer")
    assert "87,000원" in offer
    assert "예상요금과의 차액 95,000원 → 30% 구간" in offer

    page.fill("input[name=expected_fare]", "")
    page.click("button:has-text('보상안 조회')")
    page.wait_for_selector(".errorlist")
    assert page.input_value("input[name=actual_fare]") == "60000"


def test_every_page_passes_the_content_security_policy(page, live_server, demo_logins):
    """Admin, Swagger UI, the quote page (with htmx) and the matrix run under the CSP with
    nothing blocked: every script and style is a vendored file."""
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + "
        "e.blockedURI))"
    )
    login(page, live_server, "manager", "demo-pass-1234")
    page.wait_for_selector("#site-name")
    for path in [
        "/admin/",
        "/admin/policies/policyversion/1/change/",
        "/admin/policies/rulerow/",
        "/api/docs/",
        "/policies/matrix/",
    ]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=15_000)
    page.goto(f"{live_server.url}/policies/quote/")
    page.select_option("#id_rule", "dispatch.reservation_late")
    page.wait_for_selector("input[name=late_minutes]")
    page.fill("input[name=late_minutes]", "45")
    page.click("button:has-text('보상안 조회')")
    page.wait_for_selector("#offer")
    assert violations == []
