import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from policies.models import PolicyVersion
from policies.services import policy_version_create_draft

pytestmark = pytest.mark.django_db

URL = "/api/v1/quotes/"


def test_quote_answers_the_contract(agent, api_as):
    response = api_as(agent).post(
        URL,
        {
            "rule": "fare.wrong_amount_entered",
            "target": "customer",
            "facts": {"call_amount": 150000, "actual_fare": 60000},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["policy_version"] == 1
    assert body["rule"] == "fare.wrong_amount_entered"
    assert body["target"] == "customer"
    assert body["fault"] == "customer"
    assert body["tiers"][0] == {
        "tier": 1,
        "kind": "care_only",
        "instrument": None,
        "amount": None,
        "amount_max": None,
        "vouchers": None,
        "actions": [],
        "note": body["tiers"][0]["note"],
        "percent": None,
        "charge": None,
    }
    assert body["tiers"][1]["kind"] == "fare_adjustment"
    assert body["tiers"][1]["amount"] == 87000
    assert body["tiers"][1]["actions"] == ["recharge"]
    assert len(body["tiers"]) == 2
    assert body["penalties"] == []
    assert "notes" in body


def test_quote_lists_penalty_codes_and_vouchers(rm_user, api_as):
    client = api_as(rm_user)
    no_show = client.post(
        URL,
        {
            "rule": "dispatch.reservation_no_show",
            "target": "customer",
            "facts": {"minutes_past_reservation": 45},
        },
        format="json",
    ).json()
    assert no_show["penalties"] == [
        "driver_reservation_ban_7d",
        "driver_permanent_suspension_on_3rd",
    ]
    assert no_show["tiers"][0]["actions"] == ["waive_no_show_fee"]
    voucher = client.post(
        URL,
        {"rule": "cs_complaint.wrongful_suspension", "target": "driver", "facts": {}},
        format="json",
    ).json()
    assert voucher["tiers"][1]["vouchers"] == 3
    assert voucher["tiers"][1]["instrument"] == "pro_voucher"


@pytest.mark.parametrize(
    ("payload", "field", "text"),
    [
        ({"target": "customer", "facts": {}}, "rule", ""),
        ({"rule": "fare.nope", "target": "customer", "facts": {}}, "rule", "fare.nope"),
        ({"rule": "fare.wrong_amount_entered", "target": "cat", "facts": {}}, "target", ""),
        ({"rule": "fare.wrong_amount_entered", "target": "customer", "facts": []}, "facts", ""),
        (
            {
                "rule": "fare.wrong_amount_entered",
                "target": "customer",
                "facts": {"call_amount": -5, "actual_fare": 1000},
            },
            "facts",
            "0 이상",
        ),
        (
            {
                "rule": "fare.wrong_amount_entered",
                "target": "customer",
                "facts": {"call_amount": 1000},
            },
            "facts",
            "actual_fare",
        ),
        (
            {
                "rule": "fare.wrong_amount_entered",
                "target": "customer",
                "facts": {"call_amount": 1000, "actual_fare": 5000},
            },
            "facts",
            "해당하지 않습니다",
        ),
        (
            {
                "rule": "fare.wrong_amount_entered",
                "target": "customer",
                "facts": {"call_amount": 9000, "actual_fare": 5000},
                "policy_version": 99,
            },
            "policy_version",
            "99",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field(agent, api_as, payload, field, text):
    response = api_as(agent).post(URL, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body
    assert text in str(body[field])


def test_malformed_json_is_a_400_in_korean(agent, api_as):
    response = api_as(agent).post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    assert "올바른" in response.json()["detail"]


def test_quote_needs_a_login():
    response = APIClient().post(URL, {"rule": "x"}, format="json")
    assert response.status_code in (401, 403)


def test_quote_accepts_a_token(agent):
    token = Token.objects.create(user=agent)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(
        URL,
        {"rule": "outage.customer_expense", "target": "customer", "facts": {}},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["tiers"][0]["kind"] == "needs_discussion"


def test_a_user_without_a_role_cannot_quote(api_as, django_user_model):
    nobody = django_user_model.objects.create_user(username="nobody", password="x-12345678")
    response = api_as(nobody).post(
        URL, {"rule": "outage.customer_expense", "target": "customer"}, format="json"
    )
    assert response.status_code == 403


def test_drafts_are_previewed_only_by_editors(agent, manager, api_as):
    draft = policy_version_create_draft(source=PolicyVersion.objects.get(number=1), actor=manager)
    payload = {
        "rule": "dispatch.reservation_late",
        "target": "customer",
        "facts": {"late_minutes": 40},
        "policy_version": draft.number,
    }
    assert api_as(agent).post(URL, payload, format="json").status_code == 400
    preview = api_as(manager).post(URL, payload, format="json")
    assert preview.status_code == 200
    assert preview.json()["policy_version"] == draft.number


def test_rules_list_gives_every_rule_with_its_facts(agent, api_as):
    response = api_as(agent).get("/api/v1/policies/rules/")
    assert response.status_code == 200
    body = response.json()
    assert body["policy_version"]["number"] == 1
    assert body["policy_version"]["coupon_validity_days"] == 60
    rules = {r["code"]: r for r in body["rules"]}
    assert len(rules) == 25
    fare = rules["fare.wrong_amount_entered"]
    assert [f["name"] for f in fare["facts"]] == ["call_amount", "actual_fare"]
    assert fare["facts"][0]["type"] == "integer"
    parking = rules["ride_completed.parking_refused"]
    assert {f["name"] for f in parking["facts"]} == {
        "realtime",
        "extra_call_made",
        "extra_call_fare",
    }
    assert rules["in_ride.navigation_app_error"]["targets"] == ["customer", "driver"]


def test_rules_list_filters_and_checks_its_parameters(agent, api_as):
    client = api_as(agent)
    fare = client.get("/api/v1/policies/rules/?category=fare").json()
    assert {r["category"] for r in fare["rules"]} == {"fare"}
    assert len(fare["rules"]) == 5
    assert client.get("/api/v1/policies/rules/?version=abc").status_code == 400
    assert client.get("/api/v1/policies/rules/?version=42").status_code == 400


def test_schema_documents_the_quote_endpoint(admin_client):
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/quotes/" in text
    assert "/api/v1/policies/rules/" in text
