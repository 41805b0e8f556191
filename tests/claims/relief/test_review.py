"""Committee decisions, evidence, the audit sample and the payouts of relief applications."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from claims.relief.models import ReliefApplication, ReliefApplicationEvent
from claims.relief.review import (
    ReliefReviewForbidden,
    ReliefReviewInputError,
    ReliefStateError,
    audit_sample_ids,
    relief_application_decide,
    relief_audit_record,
    relief_audit_sample_draw,
    relief_evidence_add,
)
from claims.relief.review_models import AppendOnly, ReliefDecision, ReliefEvidenceFile
from payouts.models import PayoutRequest
from policies.models import ReliefProgramVersion
from tests.claims.relief.helpers import make_application, program

pytestmark = pytest.mark.django_db
Status = ReliefApplication.Status
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path):
    settings.CLAIMS_EVIDENCE_ROOT = tmp_path


def in_review(**kwargs):
    return make_application(status=Status.COMMITTEE_REVIEW, reported_loss=800_000, **kwargs)


def test_manager_approves_a_committee_application_with_its_payout(manager):
    app = in_review()
    relief_application_decide(
        application_id=app.pk, actor=manager, decision="approve", amount=300_000,
        reason="매출 감소 증빙 확인",
    )  # fmt: skip
    app.refresh_from_db()
    assert app.status == Status.COMMITTEE_APPROVED
    decision = ReliefDecision.objects.get(application=app)
    assert (decision.kind, decision.amount, decision.decided_by, decision.program_version_id) == (
        "approve",
        300_000,
        manager,
        app.program_version_id,
    )
    event = ReliefApplicationEvent.objects.filter(application=app).latest("id")
    assert (event.from_status, event.to_status, event.actor) == (
        Status.COMMITTEE_REVIEW,
        Status.COMMITTEE_APPROVED,
        manager,
    )
    assert "매출 감소 증빙 확인" in event.note
    request = PayoutRequest.objects.get(idempotency_key=f"relief:{app.pk}:business_support")
    assert (request.amount, request.recipient_kind, request.recipient_id) == (
        300_000,
        "business",
        app.applicant_external_id,
    )
    assert (request.source_kind, request.source_ref, request.program) == (
        "relief_application",
        str(app.pk),
        "outage-1015",
    )


def test_reject_needs_a_reason_and_no_amount(manager):
    app = in_review()
    with pytest.raises(ReliefReviewInputError) as exc:
        relief_application_decide(application_id=app.pk, actor=manager, decision="reject",
                                  amount=10, reason=" ")  # fmt: skip
    assert set(exc.value.errors) == {"reason", "amount"}
    relief_application_decide(application_id=app.pk, actor=manager, decision="reject",
                              reason="증빙 미제출")  # fmt: skip
    app.refresh_from_db()
    assert app.status == Status.COMMITTEE_REJECTED
    assert not PayoutRequest.objects.filter(source_ref=str(app.pk)).exists()


def test_a_second_decision_is_refused_naming_the_first(manager):
    app = in_review()
    relief_application_decide(application_id=app.pk, actor=manager, decision="reject",
                              reason="증빙 미제출")  # fmt: skip
    with pytest.raises(ReliefStateError, match=r"이미 .*기각 결정"):
        relief_application_decide(application_id=app.pk, actor=manager, decision="approve",
                                  amount=100_000, reason="재심")  # fmt: skip
    assert ReliefDecision.objects.filter(application=app).count() == 1


def test_only_applications_in_review_are_decided(manager):
    app = make_application()
    with pytest.raises(ReliefStateError, match="협의체 심의 상태만"):
        relief_application_decide(application_id=app.pk, actor=manager, decision="reject",
                                  reason="x")  # fmt: skip


def test_an_agent_cannot_decide(agent):
    app = in_review()
    with pytest.raises(ReliefReviewForbidden):
        relief_application_decide(application_id=app.pk, actor=agent, decision="reject",
                                  reason="x")  # fmt: skip


def test_the_amount_stays_within_the_programs_committee_bounds(manager):
    # The KT 2018 precedent: small businesses 400,000–1,200,000.
    app = in_review(code="kt-ahyeon-2018")
    for amount in (399_999, 1_200_001):
        with pytest.raises(ReliefReviewInputError, match="400,000원~1,200,000원"):
            relief_application_decide(application_id=app.pk, actor=manager, decision="approve",
                                      amount=amount, reason="심의")  # fmt: skip
    relief_application_decide(application_id=app.pk, actor=manager, decision="approve",
                              amount=1_200_000, reason="심의")  # fmt: skip


def test_decisions_are_append_only(manager):
    app = in_review()
    relief_application_decide(application_id=app.pk, actor=manager, decision="reject",
                              reason="증빙 미제출")  # fmt: skip
    decision = ReliefDecision.objects.get(application=app)
    decision.reason = "고침"
    with pytest.raises(AppendOnly):
        decision.save()
    with pytest.raises(AppendOnly):
        decision.delete()


def test_evidence_of_a_required_kind_is_stored_with_its_hash(manager):
    app = in_review()
    upload = SimpleUploadedFile("확인서.pdf", PDF, content_type="application/pdf")
    evidence = relief_evidence_add(application_id=app.pk, actor=manager,
                                   kind="small_business_certificate", upload=upload)  # fmt: skip
    import hashlib

    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (evidence.content_type, evidence.size) == ("application/pdf", len(PDF))
    with evidence.file.open("rb") as f:
        assert f.read() == PDF


def test_evidence_of_an_unknown_kind_or_type_is_refused(manager, settings):
    app = in_review()
    with pytest.raises(ReliefReviewInputError, match="small_business_certificate"):
        relief_evidence_add(application_id=app.pk, actor=manager, kind="selfie",
                            upload=SimpleUploadedFile("a.pdf", PDF))  # fmt: skip
    with pytest.raises(ReliefReviewInputError) as exc:
        relief_evidence_add(application_id=app.pk, actor=manager, kind="revenue_loss_proof",
                            upload=SimpleUploadedFile("a.exe", b"MZ\x90\x00 nope"))  # fmt: skip
    assert "형식" in exc.value.errors["file"][0]
    settings.CLAIMS_EVIDENCE_MAX_BYTES = 4
    with pytest.raises(ReliefReviewInputError, match="너무 큽니다"):
        relief_evidence_add(application_id=app.pk, actor=manager, kind="revenue_loss_proof",
                            upload=SimpleUploadedFile("a.pdf", PDF))  # fmt: skip
    assert not ReliefEvidenceFile.objects.exists()


# --- audit sample ------------------------------------------------------------------------------


def test_the_sample_is_reproducible_and_an_exact_share():
    ids = list(range(1, 1001))
    first = audit_sample_ids(ids, percent=5, seed=1015)
    assert len(first) == 50
    assert audit_sample_ids(list(reversed(ids)), percent=5, seed=1015) == first
    assert audit_sample_ids(ids, percent=5, seed=1016) != first
    assert len(audit_sample_ids(range(1, 31), percent=5, seed=1)) == 2  # 1.5 rounds up
    assert audit_sample_ids(ids, percent=0, seed=1) == []
    assert audit_sample_ids(ids, percent=100, seed=1) == ids


def test_the_draw_marks_the_same_auto_approved_applications_again():
    approved = [make_application() for _ in range(40)]
    in_review()
    make_application(status=Status.NOT_ELIGIBLE, grants=[])
    draw = relief_audit_sample_draw(program=program())
    # The preset samples 5 % with seed 1015: 2 of the 40 auto-approved.
    assert (draw.percent, draw.seed, draw.population, draw.drawn) == (5, 1015, 40, 2)
    marked = set(ReliefApplication.objects.filter(audit_sample=True).values_list("pk", flat=True))
    assert marked == set(audit_sample_ids([a.pk for a in approved], percent=5, seed=1015))
    again = relief_audit_sample_draw(program=program())
    assert (again.drawn, again.newly_marked) == (2, 0)
    assert (
        set(ReliefApplication.objects.filter(audit_sample=True).values_list("pk", flat=True))
        == marked
    )


def test_the_audit_result_is_recorded_once_for_a_sampled_application(manager):
    app = make_application()
    with pytest.raises(ReliefStateError, match="감사 표본이 아닙니다"):
        relief_audit_record(application_id=app.pk, actor=manager, result="passed", note="ok")
    ReliefApplication.objects.filter(pk=app.pk).update(audit_sample=True)
    audit = relief_audit_record(application_id=app.pk, actor=manager, result="failed",
                                note="매출 자료 불일치")  # fmt: skip
    assert audit.get_result_display() == "부적정"
    with pytest.raises(ReliefStateError, match="이미 기록"):
        relief_audit_record(application_id=app.pk, actor=manager, result="passed", note="ok")


def test_a_program_version_keeps_its_sample_settings():
    v = ReliefProgramVersion.objects.get(program__code="outage-1015", status="published")
    assert (v.audit_sample_percent, v.audit_seed) == (5, 1015)


def test_without_an_award_range_the_amount_is_capped_by_the_remaining_budget(manager):
    from payouts.services.requests import payout_request_create

    version = ReliefProgramVersion.objects.get(program__code="outage-1015", status="published")
    assert version.committee_award_max is None
    # Part of the budget is already promised to another applicant.
    payout_request_create(
        recipient_kind="business",
        recipient_id="B-OTHER",
        instrument="business_support",
        amount=version.budget - 1_000_000,
        source_kind="relief_application",
        source_ref="0",
        program="outage-1015",
        idempotency_key="relief:test-budget",
    )
    app = in_review()
    with pytest.raises(ReliefReviewInputError, match="남은 예산 1,000,000원 이하") as caught:
        relief_application_decide(application_id=app.pk, actor=manager, decision="approve",
                                  amount=1_000_001, reason="심의")  # fmt: skip
    assert list(caught.value.errors) == ["amount"]
    relief_application_decide(application_id=app.pk, actor=manager, decision="approve",
                              amount=1_000_000, reason="심의")  # fmt: skip
    app.refresh_from_db()
    assert app.status == "committee_approved"
