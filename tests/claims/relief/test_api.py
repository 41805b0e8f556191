"""The relief API exactly as issue 13 writes it: shapes, statuses, windows, dedup, roles."""

import pytest

from claims.relief.models import ReliefApplication
from tests.claims.relief.conftest import DRIVER, SB, USER

pytestmark = pytest.mark.django_db
URL = "/api/v1/relief/applications/"


def test_programs_are_listed_by_code(api_as, agent):
    response = api_as(agent).get("/api/v1/relief/programs/")
    assert response.status_code == 200
    codes = [p["code"] for p in response.json()]
    assert codes == ["kt-ahyeon-2018", "outage-1015"]
    outage = response.json()[1]
    assert outage["version"] == 1
    assert {w["kind"] for w in outage["windows"]} >= {"reports", "partner_extension", "documents"}


def test_a_small_business_at_the_first_tier_is_approved_with_exact_shape(file_relief):
    response = file_relief(SB)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "status", "grants", "duplicate_of"}
    assert body["status"] == "approved" and body["duplicate_of"] is None
    assert body["grants"] == [
        {"instrument": "business_support", "amount": 30_000, "count": None},
        {"instrument": "channel_cash", "amount": 50_000, "count": None},
    ]
    stored = ReliefApplication.objects.get(pk=body["id"])
    assert stored.business_number == "1234567890"
    assert stored.program_version.number == 1
    assert [e.to_status for e in stored.events.all()] == ["approved"]


@pytest.mark.parametrize(
    ("loss", "status", "support"),
    [
        (0, "approved", 30_000),
        (300_000, "approved", 30_000),
        (300_001, "approved", 50_000),
        (500_000, "approved", 50_000),
        (500_001, "committee_review", None),
    ],
)
def test_every_tier_boundary(file_relief, loss, status, support):
    body = file_relief(SB, reported_loss=loss).json()
    assert body["status"] == status
    amounts = {g["instrument"]: g["amount"] for g in body["grants"]}
    assert amounts.get("business_support") == support
    assert amounts["channel_cash"] == 50_000


def test_a_user_gets_the_blanket_grants(file_relief):
    body = file_relief(USER).json()
    assert body["status"] == "approved"
    assert body["grants"] == [
        {"instrument": "emoticon", "amount": None, "count": 1},
        {"instrument": "emoticon", "amount": None, "count": 2},
        {"instrument": "makers_coupon", "amount": 2_000, "count": None},
        {"instrument": "makers_coupon", "amount": 3_000, "count": None},
        {"instrument": "talk_drawer_plus", "amount": None, "count": 1},
    ]


@pytest.mark.parametrize(
    ("saturdays", "points"),
    [(0, None), (7, None), (8, 25_000), (12, 25_000), (13, 50_000), (15, 50_000)],
)
def test_driver_bands(file_relief, saturdays, points):
    body = file_relief(DRIVER, saturdays_worked=saturdays, nights_worked=0).json()
    amounts = {g["instrument"]: g["amount"] for g in body["grants"]}
    assert amounts.get("points") == points
    assert body["status"] == ("approved" if points else "not_eligible")


@pytest.mark.parametrize(("nights", "transport"), [(0, None), (1, 5_000), (2, 10_000)])
def test_transport_support_per_night_up_to_the_cap(file_relief, nights, transport):
    body = file_relief(DRIVER, saturdays_worked=3, nights_worked=nights).json()
    amounts = {g["instrument"]: g["amount"] for g in body["grants"]}
    assert amounts.get("transport_support") == transport


def test_more_nights_than_the_named_nights_is_a_400(file_relief):
    response = file_relief(DRIVER, nights_worked=3)
    assert response.status_code == 400
    assert "지정 야간 수(2일)" in response.json()["nights_worked"][0]


def test_a_company_is_not_eligible_in_1015(file_relief):
    body = file_relief(
        {
            **SB,
            "segment": "company",
            "applicant": {**SB["applicant"], "business_number": "2220000000"},
        }
    ).json()
    assert (body["status"], body["grants"]) == ("not_eligible", [])


def test_kt_small_businesses_all_go_to_the_committee(file_relief):
    body = file_relief(
        SB, program="kt-ahyeon-2018", submitted_at="2018-12-10T09:00:00+09:00"
    ).json()
    assert body["status"] == "committee_review"


def test_outside_every_window_is_a_400_naming_the_windows_in_kst(file_relief):
    response = file_relief(SB, submitted_at="2022-11-07T10:00:00+09:00")  # web, after the main
    assert response.status_code == 400
    message = response.json()["submitted_at"][0]
    assert "2022-10-19~2022-11-06" in message and "2022-11-07~2022-11-20" in message
    assert "한국 시간" in message
    assert not ReliefApplication.objects.exists()


def test_window_edges_are_korea_time_days(file_relief):
    # 2022-10-18T15:00Z is 2022-10-19 00:00 KST: inside; a second earlier is outside.
    assert file_relief(SB, submitted_at="2022-10-18T15:00:00Z").status_code == 201
    assert file_relief(SB, submitted_at="2022-10-18T14:59:59Z").status_code == 400
    assert file_relief(SB, submitted_at="2022-11-06T23:59:59+09:00").status_code == 201


def test_the_partner_extension_is_for_the_partner_channel_only(file_relief):
    late = "2022-11-10T10:00:00+09:00"
    assert file_relief(SB, submitted_at=late, channel="web").status_code == 400
    assert file_relief(SB, submitted_at=late, channel="partner").status_code == 201


def test_the_same_business_number_is_a_linked_duplicate(file_relief):
    first = file_relief(SB).json()
    again = file_relief(
        SB, applicant={**SB["applicant"], "external_id": "B-2", "business_number": "1234567890"}
    ).json()
    assert again["status"] == "duplicate" and again["duplicate_of"] == first["id"]
    assert again["grants"] == []
    # Another program keeps its own originals.
    other = file_relief(SB, program="kt-ahyeon-2018", submitted_at="2018-12-10T09:00:00+09:00")
    assert other.json()["duplicate_of"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"segment": "alien"}, "segment"),
        ({"damage": "lost"}, "damage"),
        ({"channel": "fax"}, "channel"),
        ({"reported_loss": -1}, "reported_loss"),
        ({"program": "no-such"}, "program"),
        (
            {
                "applicant": {
                    "kind": "business",
                    "external_id": "B",
                    "name": "x",
                    "business_number": "12",
                }
            },
            "applicant",
        ),
        ({"applicant": {"kind": "business", "external_id": "B", "name": "x"}}, "applicant"),
        ({"submitted_at": "yesterday"}, "submitted_at"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(file_relief, change, field):
    response = file_relief(SB, **change)
    assert response.status_code == 400
    assert field in response.json()


def test_roles_file_and_list(file_relief, api_as, agent, rm_user):
    assert file_relief(SB, user=rm_user).status_code == 403
    file_relief(SB)
    file_relief(USER)
    listed = api_as(agent).get(URL, {"program": "outage-1015", "segment": "user"}).json()
    assert listed["count"] == 1
    item = listed["results"][0]
    assert item["applicant"]["name"] == "김*수"
    assert item["program"] == "outage-1015" and item["status"] == "approved"
    assert api_as(agent).get(URL, {"status": "bogus"}).status_code == 400
    assert api_as(agent).get(URL, {"program": "no-such"}).status_code == 400
    business = api_as(agent).get(URL, {"segment": "small_business"}).json()["results"][0]
    assert business["applicant"]["business_number"] == "123-45-*****"


def test_breakdown_counts_and_percentages(file_relief, api_as, agent):
    file_relief(SB)
    file_relief(USER)
    file_relief(USER, damage="paid_service", applicant={**USER["applicant"], "external_id": "C-2"})
    file_relief(SB, applicant={**SB["applicant"], "external_id": "B-9"})  # duplicate
    body = api_as(agent).get("/api/v1/relief/programs/outage-1015/breakdown/").json()
    assert (body["total"], body["duplicates"]) == (3, 1)
    reporters = {r["code"]: (r["count"], r["percent"]) for r in body["reporter_types"]}
    assert reporters == {"user": (2, 66.7), "small_business": (1, 33.3), "company": (0, 0.0)}
    damage = {d["code"]: d["count"] for d in body["damage_classes"]}
    assert damage == {"paid_service": 2, "free_service_loss": 0, "no_loss": 1}
    assert api_as(agent).get("/api/v1/relief/programs/nope/breakdown/").status_code == 404


def test_a_small_business_without_a_reported_loss_is_a_400(file_relief):
    body = {k: v for k, v in SB.items() if k != "reported_loss"}
    response = file_relief(body)
    assert response.status_code == 400
    assert "신고 매출 손실" in response.json()["reported_loss"][0]
    assert file_relief(body, reported_loss=None).status_code == 400
    # A reported 0 is a loss of nothing: the first tier.
    zero = file_relief(body, reported_loss=0)
    assert zero.status_code == 201, zero.content
    assert zero.json()["status"] == "approved"
    assert {"instrument": "business_support", "amount": 30_000, "count": None} in zero.json()[
        "grants"
    ]
    # Users are not assessed by loss: none needed.
    assert file_relief(USER).status_code == 201


@pytest.mark.parametrize(
    ("payload", "kind"),
    [(SB, "driver"), (SB, "customer"), (USER, "business"), (DRIVER, "customer")],
)
def test_an_account_kind_the_segment_is_not_paid_to_is_a_400(file_relief, payload, kind):
    response = file_relief(payload, applicant={**payload["applicant"], "kind": kind})
    assert response.status_code == 400
    message = response.json()["applicant"]["kind"][0]
    assert "계정 종류는" in message
    assert not ReliefApplication.objects.exists()


@pytest.mark.parametrize("body", ["null", ""])
def test_a_null_or_empty_body_is_a_korean_400(api_as, agent, manager, body):
    for user, url in (
        (agent, "/api/v1/relief/applications/"),
        (manager, "/api/v1/insurance/coverage-check/"),
    ):
        response = api_as(user).post(url, body, content_type="application/json")
        assert response.status_code == 400, response.content
        text = response.content.decode()
        assert "No data provided" not in text
        assert any("\uac00" <= ch <= "\ud7a3" for ch in text), text
