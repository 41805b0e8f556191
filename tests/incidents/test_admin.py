"""The console: account list and page (masking, access log, state), the review queue and its
decisions, lifting restrictions, recording conditions."""

import pytest
from django.urls import reverse

from incidents.models import PersonalDataAccess, Restriction, Review
from incidents.services.violations import violation_record
from tests.incidents.factories import AccountFactory

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    client.force_login(user)
    return client


def test_the_account_list_masks_personal_data_and_shows_the_state_in_korean(client, rm_user):
    AccountFactory(external_id="T-1", name="홍길동", phone="01012345678")
    violation_record(kind="truka_member", external_id="T-1", code="unpaid_fees")
    page = logged_in(client, rm_user).get(reverse("admin:incidents_account_changelist"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "홍*동" in text and "010-****-5678" in text
    assert "홍길동" not in text and "1234" not in text
    assert "정지" in text and "suspended" not in text
    assert not PersonalDataAccess.objects.exists()


def test_the_account_page_shows_rm_the_whole_name_and_logs_the_view(client, rm_user):
    account = AccountFactory(external_id="T-1", name="홍길동", phone="01012345678")
    violation_record(kind="truka_member", external_id="T-1", code="dirt", note="시트 오염")
    page = logged_in(client, rm_user).get(
        reverse("admin:incidents_account_change", args=[account.pk])
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "홍길동" in text and "010-1234-5678" in text
    assert "반려동물 오염물" in text and "시트 오염" in text  # violations and history inline
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.account, access.via) == (rm_user, account, "admin")


def test_the_account_page_shows_an_agent_masked_data_and_logs_nothing(client, agent):
    account = AccountFactory(external_id="T-1", name="홍길동", phone="01012345678")
    page = logged_in(client, agent).get(
        reverse("admin:incidents_account_change", args=[account.pk])
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "홍*동" in text and "홍길동" not in text and "010-1234-5678" not in text
    assert not PersonalDataAccess.objects.exists()


def test_the_review_queue_lists_open_reviews_oldest_first(client, rm_user):
    for external_id, code in [("T-1", "penalty_clause"), ("T-2", "illegal_use"), ("T-3", "x")]:
        if code != "x":
            violation_record(kind="truka_member", external_id=external_id, code=code)
    decided = Review.objects.get(code="illegal_use")
    violation_record(kind="truka_member", external_id="T-3", code="criminal_investigation")
    Review.objects.filter(pk=decided.pk).update(
        status="decided", decision="clear", reason="x", decided_at=decided.opened_at
    )
    page = logged_in(client, rm_user).get(reverse("admin:incidents_review_changelist"))
    text = page.content.decode()
    assert text.index("대여약관 제28조") < text.index("범법행위 적발")
    assert "불법·비정상 용도" not in text


def test_rm_decides_a_review_on_its_page_and_the_reason_is_mandatory(client, rm_user):
    violation_record(kind="truka_member", external_id="T-1", code="criminal_investigation")
    review = Review.objects.get()
    url = reverse("admin:incidents_review_change", args=[review.pk])
    c = logged_in(client, rm_user)
    assert c.post(url, {"decision": "ban", "reason": ""}).status_code == 200  # form errors
    review.refresh_from_db()
    assert review.status == "open"
    response = c.post(url, {"decision": "ban", "reason": "수사 결과 확인"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.decision, review.decided_by) == ("decided", "ban", rm_user)
    assert Restriction.objects.filter(kind="ban", review=review).count() == 1


def test_a_suspension_decision_needs_its_days(client, rm_user):
    violation_record(kind="truka_member", external_id="T-1", code="penalty_clause")
    review = Review.objects.get()
    url = reverse("admin:incidents_review_change", args=[review.pk])
    c = logged_in(client, rm_user)
    assert c.post(url, {"decision": "suspend", "reason": "경고"}).status_code == 200
    assert (
        c.post(url, {"decision": "suspend", "reason": "경고", "suspend_days": 14}).status_code
        == 302
    )
    assert Restriction.objects.get(review=review).until is not None


def test_managers_cannot_decide_reviews(client, manager):
    violation_record(kind="truka_member", external_id="T-1", code="penalty_clause")
    review = Review.objects.get()
    url = reverse("admin:incidents_review_change", args=[review.pk])
    response = logged_in(client, manager).post(url, {"decision": "clear", "reason": "x"})
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == "open"


def test_a_manager_lifts_an_app_suspension_with_a_reason_but_cannot_reverse_a_ban(client, manager):
    violation_record(kind="customer", external_id="C-1", code="customer_app_suspension")
    violation_record(kind="truka_member", external_id="T-1", code="smoking_reported")
    suspension = Restriction.objects.get(kind="suspension")
    ban = Restriction.objects.get(kind="ban")
    c = logged_in(client, manager)
    url = reverse("admin:incidents_restriction_change", args=[suspension.pk])
    assert c.post(url, {"reason": "재결제 완료"}).status_code == 302
    suspension.refresh_from_db()
    assert (suspension.lifted_by, suspension.lift_reason) == (manager, "재결제 완료")
    ban_url = reverse("admin:incidents_restriction_change", args=[ban.pk])
    assert c.post(ban_url, {"reason": "착오"}).status_code == 403
    ban.refresh_from_db()
    assert ban.lifted_at is None


def test_recording_a_condition_from_the_account_list_lifts_what_waits_for_it(client, rm_user):
    violation_record(kind="truka_member", external_id="T-1", code="accident_open")
    account = Restriction.objects.get().account
    response = logged_in(client, rm_user).post(
        reverse("admin:incidents_account_changelist"),
        {"action": "record_accident_closed", "_selected_action": [account.pk]},
    )
    assert response.status_code == 302
    assert Restriction.objects.get().lift_reason == "사고 종료 처리 기록"


def test_agents_do_not_get_the_condition_actions(client, agent):
    AccountFactory(external_id="T-1")
    page = logged_in(client, agent).get(reverse("admin:incidents_account_changelist"))
    assert "record_fees_paid" not in page.content.decode()


def test_rm_records_a_violation_by_hand_in_the_console(client, rm_user):
    c = logged_in(client, rm_user)
    url = reverse("admin:incidents_account_record_violation")
    form = c.get(url)
    assert form.status_code == 200 and "차량 내 흡연 냄새·흔적" in form.content.decode()
    bad = c.post(url, {"kind": "driver", "external_id": "D-9", "code": "smoking_traces"})
    assert bad.status_code == 200 and "트루카 회원 계정에만" in bad.content.decode()
    assert "smoking_traces" not in bad.content.decode().split("<select")[0]
    response = c.post(
        url,
        {
            "kind": "truka_member",
            "external_id": "T-9",
            "code": "pet_without_carrier",
            "note": "제보",
        },
    )
    assert response.status_code == 302
    restriction = Restriction.objects.get()
    assert (restriction.account.external_id, restriction.kind) == ("T-9", "ban")
    assert restriction.violation.recorded_by == rm_user


def test_agents_cannot_record_violations_in_the_console(client, agent):
    c = logged_in(client, agent)
    assert c.get(reverse("admin:incidents_account_record_violation")).status_code == 403
    assert "위반 기록" not in c.get(reverse("admin:incidents_account_changelist")).content.decode()
