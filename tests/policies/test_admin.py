import pytest
from django.test import Client

from policies.models import PolicyVersion, RuleRow, TierOutcome
from tests.forms import form_data

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
    assert "요금 오입력_요금 하향 필요" in rules.content.decode()


def _draft(manager) -> PolicyVersion:
    from policies.services import policy_version_create_draft

    return policy_version_create_draft(source=PolicyVersion.objects.get(number=1), actor=manager)


def _row(draft, rule, code) -> RuleRow:
    return RuleRow.objects.get(rule__version=draft, rule__code=rule, code=code)


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

    # The late-over-30 threshold is moved to 40 minutes through form fields, not JSON.
    row = _row(draft, "dispatch.reservation_late", "late_over_30")
    url = f"/admin/policies/rulerow/{row.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for field in ('name="conditions-0-fact"', 'name="conditions-0-op"', 'name="conditions-0-value"',
                  'name="penalties-0-trigger"', 'name="outcomes-0-kind"'):  # fmt: skip
        assert field in html
    data = form_data(html)
    assert data["conditions-0-fact"] == "late_minutes"
    data["conditions-0-value"] = "40"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [(c.fact, c.op, c.value) for c in row.conditions.all()] == [("late_minutes", "gt", 40)]

    response = client.post(
        "/admin/policies/policyversion/",
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "2을(를) 게시했습니다" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.PUBLISHED
    assert (
        "상태 이력"
        in client.get(f"/admin/policies/policyversion/{draft.pk}/change/").content.decode()
    )


def test_published_rows_are_read_only_in_the_admin(manager):
    client = client_for(manager)
    row = RuleRow.objects.filter(rule__version__number=1).first()
    page = client.get(f"/admin/policies/rulerow/{row.pk}/change/")
    assert page.status_code == 200
    assert 'name="conditions-0-value"' not in page.content.decode()
    outcome = row.outcomes.first()
    before = outcome.kind
    response = client.post(f"/admin/policies/rulerow/{row.pk}/change/", {"notes": "x"})
    assert response.status_code == 403
    outcome.refresh_from_db()
    assert outcome.kind == before


def test_bad_condition_in_a_draft_is_an_error_on_its_field(manager):
    draft = _draft(manager)
    row = _row(draft, "dispute.driver_attitude", "evidenced")
    client = client_for(manager)
    url = f"/admin/policies/rulerow/{row.pk}/change/"
    data = form_data(client.get(url).content.decode())
    data["conditions-0-op"] = "lt"
    data["conditions-0-flag"] = "unknown"
    response = client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "예/아니오 사실은 = 로만 비교합니다." in text
    assert "예 또는 아니오를 고르세요." in text
    assert [(c.fact, c.op, c.flag) for c in row.conditions.all()] == [("evidenced", "eq", True)]


def test_bad_effect_in_a_draft_is_an_error_on_its_field(manager):
    draft = _draft(manager)
    outcome = TierOutcome.objects.get(
        row__rule__version=draft, row__rule__code="dispute.driver_attitude", tier=2
    )
    client = client_for(manager)
    url = f"/admin/policies/tieroutcome/{outcome.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page.content.decode())
    assert data["effects-0-instrument"] == "coupon"
    data["effects-0-amount_max"] = "1000"  # below the minimum
    data["effects-0-trigger"] = "on_refusal"  # without the tier refused
    response = client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "범위에는 최소 금액과 그 이상인 최대 금액이 필요합니다." in text
    assert "거부한 차수" in text
    assert outcome.effects.get().amount_max == 10_000


def test_a_tier_kind_that_disagrees_with_its_effects_is_a_form_error(manager):
    draft = _draft(manager)
    outcome = TierOutcome.objects.get(
        row__rule__version=draft, row__rule__code="dispute.driver_attitude", tier=2
    )
    client = client_for(manager)
    url = f"/admin/policies/tieroutcome/{outcome.pk}/change/"
    data = form_data(client.get(url).content.decode())
    data["kind"] = "care_only"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "효과를 둘 수 없습니다" in response.content.decode()
    outcome.refresh_from_db()
    assert outcome.kind == "range"


def test_manager_adds_an_effect_with_form_fields(manager):
    draft = _draft(manager)
    outcome = TierOutcome.objects.get(
        row__rule__version=draft, row__rule__code="dispatch.reservation_late",
        row__code="late_up_to_30", tier=2,
    )  # fmt: skip
    client = client_for(manager)
    url = f"/admin/policies/tieroutcome/{outcome.pk}/change/"
    data = form_data(client.get(url).content.decode())
    n = int(data["effects-TOTAL_FORMS"])
    data["effects-TOTAL_FORMS"] = str(n + 1)
    data.update({
        f"effects-{n}-outcome": str(outcome.pk), f"effects-{n}-order": "20",
        f"effects-{n}-type": "grant", f"effects-{n}-method": "fixed",
        f"effects-{n}-instrument": "coupon", f"effects-{n}-amount": "3000",
        f"effects-{n}-payer": "platform", f"effects-{n}-recipient": "customer",
        f"effects-{n}-trigger": "on_grant", f"effects-{n}-when_value": "on",
    })  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [e.amount for e in outcome.effects.order_by("order")] == [5_000, 3_000]


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
    assert "CS분쟁으로 인한 운행중단" in text
    assert "50,000원 이하" in text
    assert "T앱 고객 정지 (고객, 3차 거부 시)" in text
    assert "기사 계정 영구 정지 (기사, 3회 누적 시)" in text
    # No raw codes or source-file names for people to read.
    assert "in_ride.cs_dispute_stopped" not in text
    assert "seed" not in text.lower()
    assert "DOMAIN" not in text
    assert client_for(agent).get("/policies/matrix/77/").status_code == 404
    assert client_for(agent).get("/policies/matrix/?v=%C2%B2").status_code == 200


def test_matrix_page_filters_by_category_and_search(agent):
    client = client_for(agent)
    fare = client.get("/policies/matrix/?category=fare").content.decode()
    assert "[요금]" in fare
    assert "[분쟁]" not in fare
    found = client.get("/policies/matrix/?q=주차").content.decode()
    assert "주차 거부" in found
    assert "출도착지 오설정" not in found
    assert (
        "조건에 맞는 유형이 없습니다" in client.get("/policies/matrix/?q=없는말").content.decode()
    )
    assert client.get("/policies/matrix/?category=%00").status_code == 400


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
