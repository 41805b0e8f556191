import pytest
from django.core.management import call_command

from incidents.models import Review
from incidents.services.violations import violation_record
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_logins():
    with open("/dev/null", "w") as devnull:
        call_command("seed_demo", password="demo-pass-1234", no_payouts=True, stdout=devnull)


def test_rm_decides_a_review_from_the_queue_in_the_browser(page, live_server, demo_logins):
    violation_record(
        kind="truka_member", external_id="T-E2E", code="criminal_investigation", name="홍길동"
    )
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    login(page, live_server, "rm", "demo-pass-1234")
    page.wait_for_selector("#site-name")
    page.goto(f"{live_server.url}/admin/incidents/review/")
    assert "재심사 대기열" in page.inner_text("h1")
    page.click("#result_list tbody tr:first-child th a")
    page.check("input[name=decision][value=ban]")
    page.fill("textarea[name=reason]", "수사 공문 확인")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    page.wait_for_load_state("networkidle")
    assert Review.objects.get().decision == "ban"
    page.goto(f"{live_server.url}/admin/incidents/account/")
    row = page.inner_text("#result_list")
    assert "T-E2E" in row and "영구정지" in row and "홍*동" in row
    page.click("#result_list a:has-text('T-E2E')")
    page.wait_for_selector(".field-full_name")
    assert "홍길동" in page.inner_text(".field-full_name")  # RM sees it whole on the account's page
    page.goto(f"{live_server.url}/admin/incidents/account/record-violation/")
    page.wait_for_load_state("networkidle")
    assert blocked == []
