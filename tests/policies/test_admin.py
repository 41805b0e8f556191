import pytest
from django.test import Client

from policies.models import PolicyVersion, RuleRow, TierOutcome

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_manager_sees_the_policy_book_in_korean(manager):
    client = client_for(manager)
    page = client.get("/admin/policies/policyversion/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "카카오 T 대리 보상정책" in text
    assert "게시됨" in text
    rules = client.get("/admin/policies/rule/?version__id__exact=1")
    assert "fare.wrong_amount_entered" in rules.content.decode()


def test_manager_drafts_edits_and_publishes_in_the_admin(manager):
    client = client_for(manager)
    v1 = PolicyVersion.objects.get(number=1)
    response = client.post(
        "/admin/policies/policyversion/",
        {"action": "create_draft", "_selected_action": [v1.pk]},
        follow=True,
    )
    assert "초안 v2" in response.content.decode()
    draft = PolicyVersion.objects.get(number=2)

    row = RuleRow.objects.get(
        rule__version=draft, rule__code="dispatch.reservation_late", detail__contains="이상"
    )
    page = client.get(f"/admin/policies/rulerow/{row.pk}/change/")
    assert page.status_code == 200
    assert 'name="outcomes-0-amount"' in page.content.decode()

    response = client.post(
        "/admin/policies/policyversion/",
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "2을(를) 게시했습니다" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.PUBLISHED


def test_published_rows_are_read_only_in_the_admin(manager):
    client = client_for(manager)
    row = RuleRow.objects.filter(rule__version__number=1).first()
    page = client.get(f"/admin/policies/rulerow/{row.pk}/change/")
    assert page.status_code == 200
    assert 'name="outcomes-0-amount"' not in page.content.decode()
    outcome = row.outcomes.first()
    before = outcome.kind
    response = client.post(f"/admin/policies/rulerow/{row.pk}/change/", {"notes": "x"})
    assert response.status_code == 403
    outcome.refresh_from_db()
    assert outcome.kind == before


def test_bad_conditions_in_a_draft_are_a_form_error(manager):
    from policies.services import policy_version_create_draft

    draft = policy_version_create_draft(source=PolicyVersion.objects.get(number=1), actor=manager)
    row = RuleRow.objects.filter(rule__version=draft, rule__code="dispute.driver_attitude").get()
    client = client_for(manager)
    data = {
        "rule": row.rule_id,
        "order": row.order,
        "target": row.target,
        "detail": row.detail,
        "conditions": '[{"fact": "evidenced", "op": "lt", "value": 3}]',
        "fault": row.fault,
        "penalties": '["driver_penalty"]',
        "notes": row.notes,
        "outcomes-TOTAL_FORMS": "0",
        "outcomes-INITIAL_FORMS": "0",
        "outcomes-MIN_NUM_FORMS": "0",
        "outcomes-MAX_NUM_FORMS": "3",
    }
    response = client.post(f"/admin/policies/rulerow/{row.pk}/change/", data)
    assert response.status_code == 200
    assert "참/거짓 사실은 eq" in response.content.decode()
    row.refresh_from_db()
    assert row.conditions == [{"fact": "evidenced", "op": "eq", "value": True}]


def test_bad_outcome_in_a_draft_is_a_form_error(manager):
    from policies.services import policy_version_create_draft

    draft = policy_version_create_draft(source=PolicyVersion.objects.get(number=1), actor=manager)
    outcome = TierOutcome.objects.get(
        row__rule__version=draft, row__rule__code="dispute.driver_attitude", tier=2
    )
    outcome.amount_max = 1000  # below the minimum
    with pytest.raises(Exception, match="최대 금액"):
        outcome.full_clean()


def test_agent_can_view_but_not_publish(agent):
    client = client_for(agent)
    page = client.get("/admin/policies/policyversion/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "선택한 초안 게시" not in text
    assert "새 초안" not in text
    draft_count = PolicyVersion.objects.count()
    client.post(
        "/admin/policies/policyversion/",
        {"action": "create_draft", "_selected_action": [1]},
    )
    assert PolicyVersion.objects.count() == draft_count


def test_matrix_page_lays_out_the_book(agent):
    page = client_for(agent).get("/policies/matrix/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "대리 보상 매트릭스" in text
    assert "[요금]" in text
    assert "in_ride.cs_dispute_stopped" in text
    assert "50,000원 이하" in text
    assert client_for(agent).get("/policies/matrix/77/").status_code == 404


def test_two_open_fare_bands_are_a_form_error(manager):
    from policies.services import policy_version_create_draft

    draft = policy_version_create_draft(source=PolicyVersion.objects.get(number=1), actor=manager)
    bands = list(draft.fare_bands.order_by("pk"))
    data = {
        "title": draft.title,
        "note": draft.note,
        "coupon_unit": 5000,
        "coupon_minimum": 5000,
        "coupon_validity_days": 60,
        "driver_commission_percent": 20,
        "points_memo": "기사님 힘내세요",
        "fare_bands-TOTAL_FORMS": str(len(bands) + 1),
        "fare_bands-INITIAL_FORMS": str(len(bands)),
        "fare_bands-MIN_NUM_FORMS": "0",
        "fare_bands-MAX_NUM_FORMS": "1000",
    }
    for i, band in enumerate(bands):
        data[f"fare_bands-{i}-id"] = band.pk
        data[f"fare_bands-{i}-version"] = draft.pk
        data[f"fare_bands-{i}-upper_bound"] = band.upper_bound or ""
        data[f"fare_bands-{i}-percent"] = band.percent
    data[f"fare_bands-{len(bands)}-version"] = draft.pk
    data[f"fare_bands-{len(bands)}-upper_bound"] = ""
    data[f"fare_bands-{len(bands)}-percent"] = 5
    response = client_for(manager).post(f"/admin/policies/policyversion/{draft.pk}/change/", data)
    assert response.status_code == 200
    assert "상한 없는 구간" in response.content.decode()
    assert draft.fare_bands.count() == 4


def test_agents_do_not_see_drafts_on_the_matrix_page(agent, manager):
    from policies.services import policy_version_create_draft

    draft = policy_version_create_draft(source=PolicyVersion.objects.get(number=1), actor=manager)
    assert client_for(agent).get(f"/policies/matrix/{draft.number}/").status_code == 404
    assert (
        f"v{draft.number} (초안)" not in client_for(agent).get("/policies/matrix/").content.decode()
    )
    assert client_for(manager).get(f"/policies/matrix/{draft.number}/").status_code == 200
