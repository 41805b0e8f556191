"""The accounts API as its contract writes it: shapes, status codes, permissions, masking."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import PersonalDataAccess, Restriction
from tests.incidents.factories import AccountFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/accounts/{kind}/{id}/"


def post_violation(client, body, kind="truka_member", external_id="T-1"):
    url = URL.format(kind=kind, id=external_id) + "violations/"
    return client.post(url, body, format="json")


def test_an_agent_reads_an_account_with_name_and_phone_masked(api_as, agent):
    AccountFactory(external_id="T-1", name="홍길동", phone="01012345678")
    response = api_as(agent).get(URL.format(kind="truka_member", id="T-1"))
    assert response.status_code == 200
    assert response.json() == {
        "kind": "truka_member",
        "external_id": "T-1",
        "name": "홍*동",
        "phone": "010-****-5678",
        "state": "active",
        "restrictions": [],
        "violations": [],
        "reviews_open": 0,
        "flags": [],
    }
    assert not PersonalDataAccess.objects.exists()


def test_rm_sees_them_whole_and_the_view_is_recorded(api_as, rm_user):
    account = AccountFactory(external_id="T-1", name="홍길동", phone="01012345678")
    body = api_as(rm_user).get(URL.format(kind="truka_member", id="T-1")).json()
    assert (body["name"], body["phone"]) == ("홍길동", "010-1234-5678")
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.account, access.via) == (rm_user, account, "api")


def test_an_unknown_account_is_a_404_in_korean(api_as, agent):
    response = api_as(agent).get(URL.format(kind="driver", id="nobody"))
    assert response.status_code == 404
    assert response.json() == {"detail": "찾을 수 없습니다."}
    assert api_as(agent).get("/api/v1/accounts/robot/x/").status_code == 404


def test_recording_a_violation_creates_the_account_and_answers_it_after_the_action(api_as, manager):
    response = post_violation(
        api_as(manager),
        {"code": "smoking_reported", "note": "제보", "name": "김철수", "phone": "010-2222-3333"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "banned"
    assert (body["name"], body["phone"]) == ("김철수", "010-2222-3333")  # managers may see
    [restriction] = body["restrictions"]
    assert restriction["code"] == "smoking_reported"
    assert (restriction["scope"], restriction["until"], restriction["lifts_when"]) == (
        "app",
        None,
        "manual",
    )
    assert restriction["source"] == "manual" and restriction["label"]
    [violation] = body["violations"]
    assert (violation["code"], violation["amount"], violation["source"]) == (
        "smoking_reported",
        None,
        "manual",
    )
    assert violation["occurred_at"].endswith("+09:00")  # shown in Asia/Seoul


def test_an_accident_loss_is_recorded_with_its_amount(api_as, rm_user):
    client = api_as(rm_user)
    post_violation(client, {"code": "accident_loss_2m", "amount": 1_200_000})
    body = post_violation(client, {"code": "accident_loss_2m", "amount": 800_000}).json()
    assert (body["state"], body["reviews_open"]) == ("under_review", 1)
    assert [v["amount"] for v in body["violations"]] == [1_200_000, 800_000]
    missing = post_violation(client, {"code": "accident_loss_2m"})
    assert missing.status_code == 400 and "amount" in missing.json()


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("truka_member", {"code": "no_such_code"}, "code"),
        ("driver", {"code": "smoking_reported"}, "code"),
        ("truka_member", {}, "code"),
        ("truka_member", {"code": "dirt", "source": "claim"}, "source"),
        ("truka_member", {"code": "dirt", "amount": -1}, "amount"),
        ("truka_member", {"code": "dirt", "phone": "call me"}, "phone"),
        ("truka_member", {"code": "dirt", "occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ("truka_member", {"code": "dirt", "occurred_at": "yesterday"}, "occurred_at"),
        ("truka_member", {"code": "dirt", "note": "a\u0000b"}, "note"),
    ],
)
def test_bad_violations_are_400s_with_field_messages_and_record_nothing(
    api_as, manager, kind, body, field
):
    response = post_violation(api_as(manager), body, kind=kind, external_id="X-1")
    assert response.status_code == 400
    assert field in response.json()
    assert api_as(manager).get(URL.format(kind=kind, id="X-1")).status_code == 404


def test_a_too_long_external_id_is_a_400(api_as, manager):
    response = post_violation(api_as(manager), {"code": "dirt"}, external_id="x" * 65)
    assert response.status_code == 400 and "external_id" in response.json()


def test_agents_read_but_do_not_record(api_as, agent):
    response = post_violation(api_as(agent), {"code": "dirt"})
    assert response.status_code == 403
    assert "권한" in response.json()["detail"]
    assert (
        api_as(agent)
        .post(
            URL.format(kind="truka_member", id="T-1") + "conditions/",
            {"condition": "fees_paid"},
            format="json",
        )
        .status_code
        == 403
    )


def test_anonymous_callers_get_a_401(client):
    assert client.get(URL.format(kind="truka_member", id="T-1")).status_code == 401


def test_a_condition_lifts_the_suspensions_waiting_for_it(api_as, rm_user):
    client = api_as(rm_user)
    body = post_violation(client, {"code": "unpaid_fees"}).json()
    assert body["state"] == "suspended"
    assert body["restrictions"][0]["lifts_when"] == "fees_paid"
    url = URL.format(kind="truka_member", id="T-1") + "conditions/"
    response = client.post(url, {"condition": "fees_paid", "note": "완납 확인"}, format="json")
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["restrictions"]) == ("active", [])
    assert client.post(url, {"condition": "paid"}, format="json").status_code == 400
    unknown = URL.format(kind="truka_member", id="nobody") + "conditions/"
    assert client.post(unknown, {"condition": "fees_paid"}, format="json").status_code == 404


def test_eligibility_of_a_driver_banned_from_reservation_calls_for_seven_days(api_as, agent):
    from incidents.services.violations import violation_record

    violation_record(kind="driver", external_id="D-1", code="driver_reservation_ban_7d")
    base = URL.format(kind="driver", id="D-1") + "eligibility/"
    client = api_as(agent)
    calls = client.get(base, {"scope": "reservation_calls"}).json()
    end = Restriction.objects.get().until
    assert calls["allowed"] is False and len(calls["reasons"]) == 1
    assert calls["until"] == timezone.localtime(end).isoformat()
    assert client.get(base, {"scope": "app"}).json() == {
        "allowed": True,
        "reasons": [],
        "until": None,
    }
    assert client.get(base, {"scope": "everything"}).status_code == 400
    assert client.get(base).status_code == 400


def test_eligibility_ends_with_the_suspension_by_time_alone(api_as, agent, monkeypatch):
    from incidents import selectors
    from incidents.services.violations import violation_record

    violation_record(kind="driver", external_id="D-1", code="driver_reservation_ban_7d")
    later = timezone.now() + timedelta(days=7, minutes=1)
    monkeypatch.setattr(selectors.timezone, "now", lambda: later)
    client = api_as(agent)
    base = URL.format(kind="driver", id="D-1")
    assert client.get(base + "eligibility/", {"scope": "reservation_calls"}).json()["allowed"]
    body = client.get(base).json()
    assert (body["state"], body["restrictions"]) == ("active", [])


def test_an_account_never_seen_is_eligible(api_as, agent):
    url = URL.format(kind="customer", id="C-new") + "eligibility/"
    assert api_as(agent).get(url, {"scope": "app"}).json()["allowed"] is True
