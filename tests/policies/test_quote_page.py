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
        },
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "87,000원" in text
    assert "fare_adjustment" in text
    assert "정책 v1" in text


def test_boolean_facts_in_the_form(agent):
    page = client_for(agent).post(
        "/policies/quote/",
        {"rule": "ride_completed.parking_refused", "target": "customer", "realtime": "true"},
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
                "actual_fare": "200",
            },
            "해당하지 않습니다",
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
