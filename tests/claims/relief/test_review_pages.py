"""The program dashboard and the import page with its progress fragment."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.relief.dashboard import program_dashboard
from claims.relief.models import ReliefApplication, ReliefImport
from claims.relief.payout_requests import relief_application_payouts_create
from policies.models import InsuranceLine, ReliefProgram
from tests.claims.relief.conftest import csv_text, row
from tests.claims.relief.helpers import make_application

pytestmark = pytest.mark.django_db
Status = ReliefApplication.Status


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_the_dashboard_reproduces_the_breakdown_and_the_money(manager_client):
    for _ in range(8):
        make_application(
            segment="user", damage="no_loss", grants=[("emoticon", None, 1, "blanket")]
        )
    business = make_application(damage="paid_service")  # 30,000 tier money + 50,000 cash
    relief_application_payouts_create(application=business)
    make_application(status=Status.COMMITTEE_REVIEW, reported_loss=900_000, grants=[])
    page = manager_client.get("/relief/programs/outage-1015/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="relief-dashboard-data"' in text and "relief-dashboard.js" in text
    assert "<script>" not in text  # no inline script (CSP)
    # 10 applications: 8 users (80.0 %), 2 small businesses (20.0 %).
    assert "80.0%" in text and "20.0%" in text
    assert "금전 피해 없음" in text
    assert "협의체 심의 대기" in text
    assert "80,000원" in text  # approved money grants
    assert "30,000원" in text  # committed: the tier money's pending request


def test_agents_cannot_open_the_dashboard(client, agent):
    client.force_login(agent)
    assert client.get("/relief/programs/outage-1015/").status_code == 403


def test_an_unknown_program_is_a_404(manager_client):
    assert manager_client.get("/relief/programs/nope/").status_code == 404


def test_the_import_page_starts_an_import_and_shows_its_progress(
    manager_client, settings, tmp_path, celery_eager, django_capture_on_commit_callbacks
):
    settings.RELIEF_IMPORT_ROOT = tmp_path
    body = csv_text([row(), row(external_id="B-2", business_number="1234567891"),
                     row(segment="martian")])  # fmt: skip
    upload = SimpleUploadedFile("partner.csv", body.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/relief/imports/new/", {"program": "outage-1015", "file": upload}
        )
    job = ReliefImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/relief/imports/{job.pk}/"
    page = manager_client.get(response["Location"]).content.decode()
    assert "progress" in page and 'data-status="done"' in page
    assert "2건" in page and "1건" in page
    assert f"/api/v1/relief/imports/{job.pk}/errors.csv" in page
    assert "hx-trigger" not in page  # finished: no more polling


def test_a_running_import_polls_its_progress(manager_client):
    from tests.claims.relief.helpers import program, version

    job = ReliefImport.objects.create(
        program=program(), program_version=version(), file_path="x", original_name="x.csv",
        status=ReliefImport.Status.RUNNING, total_rows=200, processed_rows=50, stage="검사 중",
    )  # fmt: skip
    fragment = manager_client.get(f"/relief/imports/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in fragment
    assert 'value="25"' in fragment and "50 / 200행" in fragment


def test_the_import_form_refuses_a_missing_file(manager_client):
    page = manager_client.post("/relief/imports/new/", {"program": "outage-1015"})
    assert page.status_code == 200
    assert "필수 항목" in page.content.decode()
    assert not ReliefImport.objects.exists()


def test_the_program_list_links_each_dashboard(manager_client):
    page = manager_client.get("/relief/programs/").content.decode()
    assert "/relief/programs/outage-1015/" in page and "/relief/programs/kt-ahyeon-2018/" in page
    assert 'href="/relief/programs/">프로그램 현황</a>' in page  # the 피해 지원 menu, for managers


def test_the_dashboard_shows_the_programs_insurance_line_and_the_excess(manager_client):
    business = make_application(damage="paid_service")
    relief_application_payouts_create(application=business)
    program = ReliefProgram.objects.get(code="outage-1015")
    page = manager_client.get("/relief/programs/outage-1015/").content.decode()
    assert "연결된 보험 계약이 없습니다" in page
    money = program_dashboard(program)["money"]
    exposure = money["committed"] + money["paid"]
    assert exposure > 0
    program.insurance_line = InsuranceLine.objects.create(
        kind="ebiz_liability",
        insurer="한빛손해보험",
        policy_number="EB2022",
        limit=exposure - 1_000,
        deductible=0,
        period_start=date(2022, 1, 1),
        period_end=date(2022, 12, 31),
    )
    program.save(update_fields=["insurance_line"])
    assert program_dashboard(program)["money"]["insurance_excess"] == 1_000
    page = manager_client.get("/relief/programs/outage-1015/").content.decode()
    assert "e-biz배상책임보험" in page and "한도 초과액 1,000원" in page


def test_the_consoles_import_list_starts_an_import_on_the_progress_page(manager_client):
    page = manager_client.get("/admin/claims/reliefimport/").content.decode()
    assert 'href="/relief/imports/new/"' in page and "CSV 가져오기" in page
