"""`POST /api/v1/relief/applications/{id}/decide/` and the console's committee queue, decision
page and audit sample."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.relief.models import ReliefApplication
from claims.relief.review_models import ReliefAuditResult, ReliefDecision
from payouts.models import PayoutRequest
from tests.claims.relief.conftest import SB
from tests.claims.relief.helpers import make_application

pytestmark = pytest.mark.django_db
Status = ReliefApplication.Status


def in_review():
    return make_application(status=Status.COMMITTEE_REVIEW, reported_loss=900_000)


def decide(client, pk, **body):
    return client.post(f"/api/v1/relief/applications/{pk}/decide/", body, format="json")


def test_a_filed_application_over_the_threshold_is_decided_through_the_api(
    api_as, manager, file_relief
):
    filed = file_relief(SB, user=manager, reported_loss=500_001).json()
    assert filed["status"] == "committee_review"
    response = decide(api_as(manager), filed["id"], decision="approve", amount=700_000,
                      reason="증빙 3종 확인")  # fmt: skip
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "committee_approved"
    assert {"instrument": "business_support", "amount": 700_000, "count": None} in body["grants"]
    assert body["decision"]["decision"] == "approve"
    assert body["decision"]["decided_by"] == manager.username
    assert body["decision"]["program_version"] == 1
    assert PayoutRequest.objects.filter(
        idempotency_key=f"relief:{filed['id']}:business_support", amount=700_000
    ).exists()


def test_an_auto_approved_filing_reaches_payouts_once(api_as, manager, file_relief):
    filed = file_relief(SB, user=manager, reported_loss=300_001).json()
    assert filed["status"] == "approved"
    requests = PayoutRequest.objects.filter(source_ref=str(filed["id"]))
    assert list(requests.values_list("idempotency_key", "amount")) == [
        (f"relief:{filed['id']}:business_support", 50_000)
    ]


def test_a_second_decision_is_a_409(api_as, manager):
    app = in_review()
    client = api_as(manager)
    assert decide(client, app.pk, decision="reject", reason="증빙 없음").status_code == 200
    again = decide(client, app.pk, decision="approve", amount=100_000, reason="재심")
    assert again.status_code == 409
    assert "이미" in again.json()["detail"]


def test_bad_input_is_a_400_with_field_messages(api_as, manager):
    app = in_review()
    client = api_as(manager)
    response = decide(client, app.pk, decision="approve", reason="")
    assert response.status_code == 400
    assert "reason" in response.json()
    response = decide(client, app.pk, decision="approve", reason="ok")
    assert response.status_code == 400
    assert "0보다 큰 지원금" in response.json()["amount"][0]
    response = decide(client, app.pk, decision="maybe", reason="ok")
    assert response.status_code == 400 and "decision" in response.json()
    response = decide(client, app.pk, decision="approve", amount="많이", reason="ok")
    assert response.status_code == 400 and "amount" in response.json()


def test_agents_cannot_decide_and_unknown_ids_are_404(api_as, agent, manager):
    app = in_review()
    response = decide(api_as(agent), app.pk, decision="reject", reason="x")
    assert response.status_code == 403
    assert "권한" in response.json()["detail"]
    assert decide(api_as(manager), 999_999, decision="reject", reason="x").status_code == 404


def test_the_decide_endpoint_is_in_the_schema(api_as, manager):
    schema = api_as(manager).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/relief/applications/{id}/decide/"]["post"]
    assert set(operation["responses"]) >= {"200", "409"}


# --- console -------------------------------------------------------------------------------


@pytest.fixture
def console(client, manager):
    client.force_login(manager)
    return client


def test_the_committee_queue_lists_applications_in_review_masked(console):
    app = in_review()
    make_application()
    page = console.get("/admin/claims/committeequeueitem/")
    text = page.content.decode()
    assert page.status_code == 200
    assert f"/admin/claims/committeequeueitem/{app.pk}/decide/" in text
    assert "김*장" in text and "0/3종" in text
    assert app.business_number not in text
    assert text.count("심의 결정</a>") == 1


def test_the_committee_queue_reads_the_same_number_of_queries_whatever_its_length(console):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert console.get("/admin/claims/committeequeueitem/").status_code == 200
        return len(seen)

    in_review()
    few = queries()
    for _ in range(5):
        in_review()
    assert queries() == few


def test_the_decision_page_uploads_evidence_and_decides_once(console, settings, tmp_path):
    settings.CLAIMS_EVIDENCE_ROOT = tmp_path
    app = in_review()
    url = f"/admin/claims/committeequeueitem/{app.pk}/decide/"
    page = console.get(url)
    assert "소상공인 확인서" in page.content.decode()
    upload = SimpleUploadedFile("cert.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    response = console.post(url, {"upload": "1", "kind": "small_business_certificate",
                                  "file": upload})  # fmt: skip
    assert response.status_code == 302
    page = console.get(url).content.decode()
    assert "✔ 소상공인 확인서" in page
    evidence = app.evidence_files.get()
    download = console.get(f"/admin/claims/committeequeueitem/evidence/{evidence.pk}/")
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == b"%PDF-1.4 x"
    assert "attachment" in download["Content-Disposition"]

    missing = console.post(url, {"decision": "approve", "reason": "ok"})
    assert "0보다 큰 지원금" in missing.content.decode()
    done = console.post(url, {"decision": "approve", "amount": "600000", "reason": "확인"})
    assert done.status_code == 302
    assert ReliefDecision.objects.get(application=app).amount == 600_000
    again = console.post(url, {"decision": "reject", "reason": "재심"})
    assert "이미 결정된 신청입니다" in again.content.decode()
    assert ReliefDecision.objects.filter(application=app).count() == 1


def test_the_audit_sample_is_drawn_filtered_and_recorded(console):
    apps = [make_application() for _ in range(40)]
    response = console.post("/admin/claims/auditsampleitem/draw/", {"program": apps[0].program_id})
    assert response.status_code == 302
    sampled = list(ReliefApplication.objects.filter(audit_sample=True).order_by("pk"))
    assert len(sampled) == 2
    listing = console.get("/admin/claims/auditsampleitem/?audit=todo").content.decode()
    assert "미감사" in listing and "감사 표본 추출" in listing
    console.post(
        "/admin/claims/auditsampleitem/",
        {"action": "record_failed", "_selected_action": [sampled[0].pk]},
    )
    result = ReliefAuditResult.objects.get(application=sampled[0])
    assert result.result == "failed"
    failed = console.get("/admin/claims/auditsampleitem/?audit=failed").content.decode()
    assert f"/admin/claims/auditsampleitem/{sampled[0].pk}/change/" in failed
    assert f"/admin/claims/auditsampleitem/{sampled[1].pk}/change/" not in failed


def test_agents_do_not_see_the_queue(client, agent):
    client.force_login(agent)
    assert client.get("/admin/claims/committeequeueitem/").status_code == 403


def test_evidence_is_uploaded_through_the_api(api_as, manager, settings, tmp_path):
    settings.CLAIMS_EVIDENCE_ROOT = tmp_path
    app = in_review()
    client = api_as(manager)
    url = f"/api/v1/relief/applications/{app.pk}/evidence/"
    pdf = SimpleUploadedFile("loss.pdf", b"%PDF-1.4 loss", content_type="application/pdf")
    response = client.post(url, {"kind": "revenue_loss_proof", "file": pdf}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == "application/pdf"
    fake = SimpleUploadedFile("loss.pdf", b"GIF89a...", content_type="application/pdf")
    bad = client.post(url, {"kind": "revenue_loss_proof", "file": fake}, format="multipart")
    assert bad.status_code == 400 and "형식" in bad.json()["file"][0]
    again = SimpleUploadedFile("loss.pdf", b"%PDF-1.4 loss", content_type="application/pdf")
    unknown = client.post(url, {"kind": "selfie", "file": again}, format="multipart")
    assert unknown.status_code == 400 and "kind" in unknown.json()


def test_the_blanket_grants_command_starts_once(
    celery_eager, settings, tmp_path, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    settings.PAYOUTS_UPLOAD_ROOT = tmp_path
    make_application()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("relief_blanket_grants", program="outage-1015", segment="small_business",
                     stdout=out)  # fmt: skip
    out = StringIO()
    call_command("relief_blanket_grants", program="outage-1015", segment="small_business",
                 stdout=out)  # fmt: skip
    assert "완료 · 대상 1명" in out.getvalue()
    call_command("relief_blanket_grants", program="outage-1015", segment="small_business",
                 stdout=out)  # fmt: skip
    from payouts.models import BlanketGrant, LedgerEntry

    assert BlanketGrant.objects.count() == 1
    assert LedgerEntry.objects.count() == 1


def test_one_sampled_application_is_audited_with_a_note(console):
    app = make_application()
    ReliefApplication.objects.filter(pk=app.pk).update(audit_sample=True)
    url = f"/admin/claims/auditsampleitem/{app.pk}/audit/"
    assert "감사 결과 기록" in console.get(url).content.decode()
    empty = console.post(url, {"result": "passed", "note": ""})
    assert "필수 항목" in empty.content.decode()
    done = console.post(url, {"result": "passed", "note": "매출 자료와 일치"})
    assert done.status_code == 302
    assert ReliefAuditResult.objects.get(application=app).note == "매출 자료와 일치"
    assert "이미 기록되었습니다" in console.get(url).content.decode()
    assert (
        console.get(f"/admin/claims/auditsampleitem/{make_application().pk}/audit/").status_code
        == 404
    )
