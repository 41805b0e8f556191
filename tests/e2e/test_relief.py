"""Outage relief in the browser: a manager (the program's operator) imports a partner CSV,
watches the progress bar reach the end, reads the program's breakdown on its dashboard and
decides one committee application in the console; every page runs under the CSP."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from claims.relief.models import ReliefApplication, ReliefImport
from claims.relief.review_models import ReliefDecision
from payouts.models import PayoutRequest
from tests.e2e.conftest import login
from tests.e2e.test_claims import watch_csp

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "demo-pass-1234"
HEADER = (
    "segment,kind,external_id,name,business_number,reported_loss,damage,channel,"
    "submitted_at,saturdays_worked,nights_worked"
)
WHEN = "2022-10-20T10:00:00+09:00"


def partner_csv() -> str:
    rows = [HEADER]
    for n in range(8):  # 8 users, no monetary loss
        rows.append(f"user,customer,C-{n},이용자{n},,,no_loss,partner,{WHEN},,")
    rows.append(
        f"small_business,business,B-1,김사장,1234567890,200000,paid_service,partner,{WHEN},,"
    )
    rows.append(
        f"small_business,business,B-2,이사장,1234567891,900000,free_service_loss,partner,{WHEN},,"
    )
    rows.append(f"martian,customer,X-1,외계인,,,no_loss,partner,{WHEN},,")  # rejected
    return "\n".join(rows) + "\n"


@pytest.fixture
def operator(celery_eager, settings, tmp_path):
    from policies.selectors_relief import forget_relief_rules
    from policies.services_relief import relief_presets_load

    settings.RELIEF_IMPORT_ROOT = tmp_path / "imports"
    settings.CLAIMS_EVIDENCE_ROOT = tmp_path / "evidence"
    with open("/dev/null", "w") as devnull:
        call_command("seed_demo", password=PASSWORD, no_payouts=True, stdout=devnull)
    relief_presets_load()
    forget_relief_rules()
    assert get_user_model().objects.filter(username="manager").exists()
    yield "manager"
    forget_relief_rules()


def test_operator_imports_reads_the_breakdown_and_decides_a_committee_application(
    page, live_server, operator, tmp_path
):
    violations: list[str] = []
    watch_csp(page, violations)
    login(page, live_server, operator, PASSWORD)

    csv_path = tmp_path / "partner.csv"
    csv_path.write_text(partner_csv(), encoding="utf-8")
    page.goto(f"{live_server.url}/relief/imports/new/")
    page.select_option("#id_program", "outage-1015")
    page.set_input_files("#id_file", str(csv_path))
    page.click("button:has-text('올리고 시작')")
    page.wait_for_selector("#import-progress[data-status=done]", timeout=30_000)
    assert page.get_attribute("#import-progress progress", "value") == "100"
    counts = page.inner_text("table.import-counts")
    assert "10건" in counts and "1건" in counts  # 10 landed, 1 rejected
    job = ReliefImport.objects.get(original_name="partner.csv")
    assert (job.imported, job.rejected) == (10, 1)
    page.screenshot(path=str(tmp_path / "import.png"), full_page=True)

    # A second file, queued while no worker has taken it yet: the page polls and follows the
    # run when it happens (the test plays the worker).
    from claims.relief import importer

    again = tmp_path / "again.csv"
    again.write_text("\n".join([HEADER, *partner_csv().splitlines()[9:11]]) + "\n")
    queued = importer.relief_import_create(
        program="outage-1015", source=again, original_name="again.csv"
    )
    page.goto(f"{live_server.url}/relief/imports/{queued.pk}/")
    assert page.get_attribute("#import-progress", "data-status") == "pending"
    assert page.get_attribute("#import-progress progress", "value") == "0"
    importer.relief_import_run(import_id=queued.pk)
    page.wait_for_selector("#import-progress[data-status=done]", timeout=10_000)
    # The two small businesses again: landed as duplicates of the first file's rows.
    cells = page.locator("table.import-counts tbody td").all_inner_texts()
    assert cells[:3] == ["2건", "2건", "0건"]

    page.click("text=현황 보기")
    page.wait_for_selector("#reporter-chart")
    text = page.inner_text("main")
    # 8 users and 2 small businesses (the second file's rows are duplicates, counted apart).
    assert "80.0%" in text and "20.0%" in text
    assert "금전 피해 없음" in text
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    in_review = ReliefApplication.objects.get(status="committee_review")
    page.goto(f"{live_server.url}/admin/claims/committeequeueitem/")
    page.click(f"a[href$='/{in_review.pk}/decide/']")
    page.wait_for_selector("text=필수 증빙")
    page.select_option("#id_decision", "approve")
    page.fill("#id_amount", "400000")
    page.fill("#id_reason", "매출 감소 증빙 확인")
    page.click("input[value='결정 기록']")
    page.wait_for_selector("text=승인 400,000원 결정을 기록했습니다")
    decision = ReliefDecision.objects.get(application=in_review)
    assert (decision.kind, decision.amount, decision.decided_by.username) == (
        "approve",
        400_000,
        operator,
    )
    assert PayoutRequest.objects.filter(
        idempotency_key=f"relief:{in_review.pk}:business_support", amount=400_000
    ).exists()
    assert violations == []
