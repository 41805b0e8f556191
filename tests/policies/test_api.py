import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from policies.models import PolicyVersion, TierOutcome
from policies.services import policy_version_create_draft

pytestmark = pytest.mark.django_db

URL = "/api/v1/quotes/"


def test_quote_answers_the_contract(agent, api_as):
    response = api_as(agent).post(
        URL,
        {
            "rule": "fare.wrong_amount_entered",
            "target": "customer",
            "facts": {"call_amount": 150000, "actual_fare": 60000, "expected_fare": 55000},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["policy_version"] == 1
    assert body["rule"] == "fare.wrong_amount_entered"
    assert body["row"] == "fare_down"
    assert body["target"] == "customer"
    assert body["fault"] == "customer"
    outcome_ids = dict(
        TierOutcome.objects.filter(
            row__rule__version__number=1, row__rule__code="fare.wrong_amount_entered"
        ).values_list("tier", "pk")
    )
    assert body["tiers"][0] == {
        "tier": 1,
        "outcome_id": outcome_ids[1],
        "kind": "care_only",
        "instrument": None,
        "amount": None,
        "amount_max": None,
        "vouchers": None,
        "actions": [],
        "note": "보상불가 (고객케어)",
        "percent": None,
        "charge": None,
        "effects": [],
        "explain": "보상불가 (고객케어)",
        "role": "agent",
    }
    tier2 = body["tiers"][1]
    assert (tier2["outcome_id"], tier2["kind"], tier2["role"]) == (
        outcome_ids[2],
        "fare_adjustment",
        "manager",
    )
    # The new charge is a charge, not an amount granted.
    assert (tier2["amount"], tier2["charge"], tier2["percent"]) == (None, 87000, 30)
    assert tier2["actions"] == ["recharge"]
    [effect] = tier2["effects"]
    assert {k: v for k, v in effect.items() if k not in ("effect_id", "explain", "note")} == {
        "type": "charge",
        "instrument": None,
        "amount": 87000,
        "amount_max": None,
        "step": None,
        "count": None,
        "action": "recharge",
        "payer": "customer",
        "recipient": "driver",
        "trigger": {"type": "on_grant", "tier": None, "count": None, "party": None},
        "percent": 30,
    }
    assert "60,000 + 30% × (150,000 − 60,000) = 87,000원" in tier2["explain"]
    assert len(body["tiers"]) == 2
    assert body["penalties"] == []
    assert "notes" in body


def test_quote_lists_penalties_with_their_triggers(rm_user, api_as):
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
        {
            "code": "driver_reservation_ban_7d",
            "subject": "driver",
            "trigger": "on_grant",
            "tier": None,
            "count": None,
            "label": "기사 7일 예약콜 수락 불가",
        },
        {
            "code": "driver_permanent_suspension",
            "subject": "driver",
            "trigger": "on_repeat",
            "tier": None,
            "count": 3,
            "label": "기사 계정 영구 정지",
        },
    ]
    assert no_show["tiers"][0]["actions"] == ["waive_no_show_fee"]
    refusal = client.post(
        URL,
        {
            "rule": "fare.wrong_origin_destination",
            "target": "customer",
            "facts": {"actual_fare": 30000, "call_amount": 20000, "economy_fare": 25000},
        },
        format="json",
    ).json()
    assert [(p["code"], p["subject"], p["trigger"], p["tier"]) for p in refusal["penalties"]] == [
        ("customer_app_suspension", "customer", "on_refusal", 3)
    ]
    voucher = client.post(
        URL,
        {"rule": "cs_complaint.wrongful_suspension", "target": "driver", "facts": {}},
        format="json",
    ).json()
    assert voucher["tiers"][1]["vouchers"] == 3
    assert voucher["tiers"][1]["instrument"] == "pro_voucher"
    assert voucher["tiers"][1]["effects"][0]["count"] == 3


def test_a_case_the_rule_does_not_cover_answers_200_not_covered(agent, api_as):
    response = api_as(agent).post(
        URL,
        {"rule": "dispute.driver_attitude", "target": "customer", "facts": {"evidenced": False}},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["row"] is None
    assert [(t["tier"], t["kind"], t["effects"]) for t in body["tiers"]] == [(1, "not_covered", [])]
    assert "증빙됨 = 예" in body["tiers"][0]["note"]


def test_unknown_facts_answer_small_whatever_the_request_holds(agent, api_as):
    facts = {f"fact_{i}": 1 for i in range(5_000)}
    response = api_as(agent).post(
        URL, {"rule": "dispute.driver_attitude", "target": "customer", "facts": facts},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert len(response.content) < 5_000
    assert "처음 20개" in str(response.json()["facts"])


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
            {"rule": "dispatch.reservation_late", "target": "driver", "facts": {}},
            "target",
            "대상",
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
    assert len(rules) == 26
    fare = rules["fare.wrong_amount_entered"]
    assert [f["name"] for f in fare["facts"]] == ["call_amount", "actual_fare", "expected_fare"]
    assert fare["facts"][0]["type"] == "integer"
    parking = rules["ride_completed.parking_refused"]
    assert {f["name"] for f in parking["facts"]} == {
        "realtime",
        "extra_driver_needed",
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
    # Strict integers and known codes: a Unicode digit or a NUL byte is a 400, not a 500.
    assert client.get("/api/v1/policies/rules/?version=%C2%B2").status_code == 400
    assert client.get("/api/v1/policies/rules/?category=%00").status_code == 400
    assert client.get("/api/v1/policies/rules/?category=nope").status_code == 400


def test_schema_documents_the_quote_endpoint(admin_client):
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/quotes/" in text
    assert "/api/v1/policies/rules/" in text


def test_a_quote_runs_at_most_two_queries_once_the_book_is_read(
    agent, django_assert_max_num_queries
):
    token = Token.objects.create(user=agent)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    payload = {
        "rule": "fare.wrong_amount_entered",
        "target": "customer",
        "facts": {"call_amount": 150000, "actual_fare": 60000, "expected_fare": 55000},
    }
    assert client.post(URL, payload, format="json").status_code == 200  # reads the book
    # One query, the token with its user and the user's permissions; nothing of the book.
    with django_assert_max_num_queries(1):
        response = client.post(URL, payload, format="json")
    assert response.json()["tiers"][1]["charge"] == 87000


def test_publishing_changes_the_version_quotes_use_at_once(manager, api_as):
    from policies.services import policy_version_publish

    payload = {"rule": "dispatch.reservation_late", "target": "customer",
               "facts": {"late_minutes": 45}}  # fmt: skip
    assert api_as(manager).post(URL, payload, format="json").json()["policy_version"] == 1
    draft = policy_version_create_draft(source=PolicyVersion.objects.get(number=1), actor=manager)
    policy_version_publish(version_id=draft.pk, actor=manager)
    assert api_as(manager).post(URL, payload, format="json").json()["policy_version"] == 2


def test_the_quote_answer_has_exactly_the_documented_fields(agent, api_as):
    from policies.api.serializers import (
        EffectSerializer,
        PenaltySerializer,
        QuoteSerializer,
        TierSerializer,
        TriggerSerializer,
    )

    body = api_as(agent).post(
        URL,
        {"rule": "fare.wrong_origin_destination", "target": "customer",
         "facts": {"actual_fare": 30000, "call_amount": 20000, "economy_fare": 25000}},
        format="json",
    ).json()  # fmt: skip
    assert set(body) == set(QuoteSerializer().fields)
    tier = body["tiers"][0]
    assert set(tier) == set(TierSerializer().fields)
    assert set(tier["effects"][0]) == set(EffectSerializer().fields)
    assert set(tier["effects"][0]["trigger"]) == set(TriggerSerializer().fields)
    assert set(body["penalties"][0]) == set(PenaltySerializer().fields)


def test_the_rules_list_shows_a_retired_versions_status(manager, api_as):
    from policies.services import policy_version_publish

    client = api_as(manager)
    assert client.get("/api/v1/policies/rules/?version=1").json()["policy_version"]["status"] == (
        "published"
    )
    draft = policy_version_create_draft(source=PolicyVersion.objects.get(number=1), actor=manager)
    policy_version_publish(version_id=draft.pk, actor=manager)
    assert client.get("/api/v1/policies/rules/?version=1").json()["policy_version"]["status"] == (
        "retired"
    )


def test_publishing_drops_the_cached_number_again_after_commit(
    manager, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from policies.selectors import CURRENT_KEY, current_number
    from policies.services import policy_version_publish

    assert current_number() == 1
    draft = policy_version_create_draft(source=PolicyVersion.objects.get(number=1), actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        policy_version_publish(version_id=draft.pk, actor=manager)
        # A reader that read the old number just before the commit writes it back.
        cache.set(CURRENT_KEY, 1)
    assert cache.get(CURRENT_KEY) is None
    assert current_number() == 2
