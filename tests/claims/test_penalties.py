"""Penalties follow their triggers, recorded on the parties' accounts through incidents."""

import pytest

from tests.claims.conftest import LATE

pytestmark = pytest.mark.django_db
URL = "/api/v1/claims/"
ACCOUNT = "/api/v1/accounts/{kind}/{id}/"

WRONG_PLACE = {
    "rule": "fare.wrong_origin_destination",
    "target": "customer",
    "call_id": "PEN-1",
    "customer": {"external_id": "C-PEN", "name": "홍길동", "phone": "010-1111-2222"},
    "driver": {"external_id": "D-PEN"},
    "facts": {"actual_fare": 40000, "call_amount": 30000, "economy_fare": 35000},
}


def act(client, claim_id, action, **body):
    response = client.post(f"{URL}{claim_id}/{action}/", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def account(client, kind, external_id):
    return client.get(ACCOUNT.format(kind=kind, id=external_id)).json()


def test_filing_makes_the_parties_accounts(api_as, agent, manager, file_claim):
    file_claim(WRONG_PLACE)
    seen = account(api_as(manager), "customer", "C-PEN")
    assert (seen["name"], seen["phone"]) == ("홍길동", "010-1111-2222")
    masked = account(api_as(agent), "customer", "C-PEN")
    assert (masked["name"], masked["phone"]) == ("홍*동", "010-****-2222")


def test_accepting_never_suspends_the_customer(api_as, agent, manager, file_claim):
    claim = file_claim(WRONG_PLACE)
    act(api_as(agent), claim["id"], "refuse", tier=1)
    act(api_as(manager), claim["id"], "refuse", tier=2)
    act(api_as(manager), claim["id"], "grant", tier=3)
    assert account(api_as(manager), "customer", "C-PEN")["state"] == "active"


def test_refusing_tier_three_of_a_wrong_place_suspends_the_customers_app(
    api_as, agent, manager, file_claim
):
    claim = file_claim(WRONG_PLACE)
    act(api_as(agent), claim["id"], "refuse", tier=1)
    act(api_as(manager), claim["id"], "refuse", tier=2)
    assert account(api_as(manager), "customer", "C-PEN")["state"] == "active"
    body = act(api_as(manager), claim["id"], "refuse", tier=3, reason="최종 거부")
    assert body["status"] == "refused"
    customer = account(api_as(manager), "customer", "C-PEN")
    assert customer["state"] == "suspended"
    assert [r["code"] for r in customer["restrictions"]] == ["customer_app_suspension"]
    assert customer["violations"][0]["source"] == f"claim:claim-{claim['id']}-t3"


def test_a_grant_sets_off_the_drivers_seven_day_reservation_ban(api_as, agent, manager, file_claim):
    claim = file_claim(LATE)
    act(api_as(agent), claim["id"], "refuse", tier=1)
    assert account(api_as(manager), "driver", "D-9")["state"] == "active"
    act(api_as(manager), claim["id"], "grant", tier=2)
    driver = account(api_as(manager), "driver", "D-9")
    assert driver["state"] == "restricted"
    assert [(r["code"], r["scope"]) for r in driver["restrictions"]] == [
        ("driver_reservation_ban_7d", "reservation_calls")
    ]


def test_the_third_no_show_bans_the_driver(api_as, agent, file_claim):
    for n in range(1, 4):
        claim = file_claim({
            "rule": "dispatch.reservation_no_show", "target": "customer", "call_id": f"NS-{n}",
            "customer": {"external_id": f"C-NS{n}"}, "driver": {"external_id": "D-NS"},
            "facts": {"minutes_past_reservation": 40},
        })  # fmt: skip
        act(api_as(agent), claim["id"], "grant", tier=1)
        state = account(api_as(agent), "driver", "D-NS")["state"]
        assert state == ("banned" if n == 3 else "restricted")
    codes = [v["code"] for v in account(api_as(agent), "driver", "D-NS")["violations"]]
    assert codes.count("driver_permanent_suspension_on_3rd") == 3
    assert codes.count("driver_reservation_ban_7d") == 3


def test_every_matrix_penalty_is_a_violation_its_subject_can_have():
    from policies import selectors
    from policies.models import RowPenalty, violation_code

    version = selectors.current_version()
    for penalty in RowPenalty.objects.filter(row__rule__version=version):
        rule = selectors.penalty_rule(code=violation_code(penalty.code), kind=penalty.subject)
        if penalty.trigger == "on_repeat":
            # The matrix states the count; the account's rule acts at it.
            assert rule.threshold_count == penalty.count, penalty.code


def test_a_tier_two_penalty_still_applies_when_tier_three_is_granted(
    api_as, agent, manager, file_claim
):
    claim = file_claim({
        "rule": "dispute.premium_driver_complaint", "target": "customer", "call_id": "PREM-1",
        "customer": {"external_id": "C-PREM"}, "driver": {"external_id": "D-PREM"},
        "facts": {"premium_fare": 60000, "economy_fare": 40000},
    })  # fmt: skip
    act(api_as(agent), claim["id"], "refuse", tier=1)
    act(api_as(manager), claim["id"], "refuse", tier=2)
    act(api_as(manager), claim["id"], "grant", tier=3)
    driver = account(api_as(manager), "driver", "D-PREM")
    assert [v["code"] for v in driver["violations"]] == ["premium_driver_penalty_request"]
    assert driver["reviews_open"] == 1


def test_a_no_show_refused_to_the_end_still_counts_against_the_driver(
    api_as, agent, manager, file_claim
):
    claim = file_claim({
        "rule": "dispatch.reservation_no_show", "target": "customer", "call_id": "NS-R",
        "customer": {"external_id": "C-NSR"}, "driver": {"external_id": "D-NSR"},
        "facts": {"minutes_past_reservation": 40},
    })  # fmt: skip
    act(api_as(agent), claim["id"], "refuse", tier=1)
    assert account(api_as(manager), "driver", "D-NSR")["violations"] == []
    act(api_as(manager), claim["id"], "refuse", tier=2)
    codes = [v["code"] for v in account(api_as(manager), "driver", "D-NSR")["violations"]]
    assert sorted(codes) == ["driver_permanent_suspension_on_3rd", "driver_reservation_ban_7d"]
