import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_choosing_a_type_shows_its_fact_fields(agent):
    page = client_for(agent).get("/policies/quote/?rule=fare.wrong_amount_entered")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="call_amount"' in text
    assert 'name="actual_fare"' in text
    assert 'name="expected_fare"' in text
    assert 'name="late_minutes"' not in text
    assert "errorlist" not in text


def test_htmx_type_change_returns_only_the_form(agent):
    page = client_for(agent).get(
        "/policies/quote/?rule=dispatch.reservation_late", HTTP_HX_REQUEST="true"
    )
    text = page.content.decode()
    assert text.lstrip().startswith("<form")
    assert 'name="late_minutes"' in text


def test_agent_gets_the_offer_of_every_tier(agent):
    page = client_for(agent).post(
        "/policies/quote/",
        {
            "rule": "fare.wrong_amount_entered",
            "target": "customer",
            "call_amount": "150000",
            "actual_fare": "60000",
            "expected_fare": "55000",
        },
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "정책 v1" in text
    # What each amount is, how it was reached, who pays: in words, without raw codes.
    assert "새 결제금액" in text
    assert "87,000원" in text
    assert "60,000 + 30% × (150,000 − 60,000) = 87,000원" in text
    assert "고객 → 기사" in text
    assert "요금 하향 조정 (구간)" in text
    assert "fare_adjustment" not in text
    assert "fare.wrong_amount_entered)" not in text


def test_offer_shows_grant_and_payer_and_a_refusal_trigger(agent):
    page = client_for(agent).post(
        "/policies/quote/",
        {
            "rule": "fare.wrong_origin_destination",
            "target": "driver",
            "actual_fare": "30000",
            "call_amount": "20000",
            "economy_fare": "25000",
        },
    )
    text = page.content.decode()
    assert "지급액" in text
    assert "기사 포인트" in text
    assert "20,000P" in text
    assert "카모 (플랫폼) → 기사" in text
    assert "고객의 3차 거부 시에만" in text


def test_a_case_the_rule_does_not_cover_is_shown_as_such(agent):
    page = client_for(agent).post(
        "/policies/quote/",
        {"rule": "dispute.driver_attitude", "target": "customer", "evidenced": "false"},
    )
    text = page.content.decode()
    assert 'id="offer"' in text
    assert "보상 대상 아님" in text
    assert "errorlist" not in text


def test_boolean_facts_in_the_form(agent):
    page = client_for(agent).post(
        "/policies/quote/",
        {
            "rule": "ride_completed.parking_refused",
            "target": "customer",
            "realtime": "true",
            "extra_driver_needed": "true",
        },
    )
    assert "15,000원" in page.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rule": "dispatch.reservation_late", "target": "customer"}, "필요한 사실"),
        (
            {"rule": "dispatch.reservation_late", "target": "customer", "late_minutes": "-3"},
            "0",
        ),
        (
            {"rule": "dispatch.reservation_late", "target": "customer", "late_minutes": "abc"},
            "정수",
        ),
        (
            {
                "rule": "fare.wrong_amount_entered",
                "target": "customer",
                "call_amount": "100",
                "actual_fare": "50",
            },
            "필요한 사실",
        ),
        ({"rule": "no.such_rule", "target": "customer"}, "올바르게 선택"),
        ({"rule": "fare.wrong_amount_entered", "target": "driver"}, "올바르게 선택"),
    ],
)
def test_bad_input_is_a_form_error_and_keeps_the_input(agent, data, message):
    page = client_for(agent).post("/policies/quote/", data)
    assert page.status_code == 200
    text = page.content.decode()
    assert "errorlist" in text
    assert message in text
    assert "offer" not in text or 'id="offer"' not in text


def test_quote_page_needs_a_role(django_user_model):
    user = django_user_model.objects.create_user(username="x", password="pw-12345678")
    assert client_for(user).get("/policies/quote/").status_code == 403


def test_quote_page_without_a_published_policy_says_so(agent):
    from policies.models import PolicyVersion

    PolicyVersion.objects.update(status="retired")
    page = client_for(agent).get("/policies/quote/")
    assert page.status_code == 503
    assert "게시된 보상 정책이 없어" in page.content.decode()
