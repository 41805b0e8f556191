"""Claims through the HTTP layer: filing, each role's limits, every transition, ranges,
duplicates and the payout requests a decision creates."""

import pytest

from claims.models import Claim, ClaimDecision
from payouts.models import PayoutRequest
from tests.claims.conftest import CALLBACK, LATE, OUTAGE

pytestmark = pytest.mark.django_db
URL = "/api/v1/claims/"


def act(client, claim_id, action, **body):
    return client.post(f"{URL}{claim_id}/{action}/", body, format="json")


def test_an_agent_files_a_claim_and_sees_every_tier_offer(file_claim):
    claim = file_claim()
    assert (claim["status"], claim["tier"], claim["row"]) == ("open", 1, "late_over_30")
    assert claim["policy_version"] == 1
    assert [o["tier"] for o in claim["offers"]] == [1, 2, 3]
    assert [o["amount"] for o in claim["offers"]] == [None, 5000, 10000]
    assert [p["code"] for p in claim["penalties"]] == ["driver_reservation_ban_7d"]
    assert claim["duplicates"] == [] and claim["decisions"] == []
    assert [e["to_status"] for e in claim["events"]] == ["open"]


def test_filing_needs_the_party_the_row_sanctions(api_as, agent):
    payload = {**LATE, "driver": None}
    response = api_as(agent).post(URL, payload, format="json")
    assert response.status_code == 400
    assert "기사" in response.json()["driver"][0]
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rule": "no.such_rule"}, "rule"),
        ({"facts": {"late_minutes": -1}}, "facts"),
        # under the threshold: not covered
        (
            {"rule": "dispatch.reservation_no_show", "facts": {"minutes_past_reservation": 10}},
            "facts",
        ),
        ({"target": "nobody"}, "target"),
        ({"call_id": "has space"}, "call_id"),
        ({"facts": [1, 2]}, "facts"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_as, agent, change, field):
    response = api_as(agent).post(URL, {**LATE, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert not Claim.objects.exists()


def test_a_second_claim_of_the_same_call_and_rule_is_flagged_as_a_duplicate(file_claim):
    first = file_claim()
    second = file_claim()
    assert second["duplicates"] == [first["id"]]


def test_agent_grants_and_refuses_tier_one_only(api_as, agent, file_claim):
    claim = file_claim()
    client = api_as(agent)
    refused = act(client, claim["id"], "refuse", tier=1, reason="고객이 케어만으로는 거부")
    assert refused.status_code == 200
    assert (refused.json()["status"], refused.json()["tier"]) == ("open", 2)
    denied = act(client, claim["id"], "grant", tier=2)
    assert denied.status_code == 403
    assert "관리자" in denied.json()["detail"]
    assert not PayoutRequest.objects.exists()
    assert act(client, claim["id"], "refuse", tier=2).status_code == 403


def test_a_manager_grants_tier_two_after_the_refusal_and_it_is_paid_once(
    api_as, agent, manager, file_claim
):
    claim = file_claim()
    act(api_as(agent), claim["id"], "refuse", tier=1, reason="거부")
    granted = act(api_as(manager), claim["id"], "grant", tier=2, reason="2차 쿠폰")
    assert granted.status_code == 200, granted.json()
    body = granted.json()
    assert body["status"] == "granted"
    assert [(d["tier"], d["kind"]) for d in body["decisions"]] == [(1, "refused"), (2, "granted")]
    assert body["decisions"][1]["policy_version"] == 1
    assert body["payout_requests"] == [
        {
            "idempotency_key": f"claim-{claim['id']}-t2-e0",
            "instrument": "coupon",
            "amount": 5000,
            "count": None,
            "action": "",
            "recipient_kind": "customer",
            "recipient_id": "C-1",
            "status": "pending",  # issued by payouts once the decision commits
        }
    ]
    again = act(api_as(manager), claim["id"], "grant", tier=2)
    assert again.status_code == 409
    assert "종결" in again.json()["detail"]
    assert PayoutRequest.objects.count() == 1
    assert PayoutRequest.objects.get().policy_version == 1


def test_tiers_do_not_stack_granting_three_pays_only_three(api_as, agent, manager, file_claim):
    claim = file_claim()
    act(api_as(agent), claim["id"], "refuse", tier=1)
    act(api_as(manager), claim["id"], "refuse", tier=2)
    body = act(api_as(manager), claim["id"], "grant", tier=3).json()
    assert [(p["idempotency_key"], p["amount"]) for p in body["payout_requests"]] == [
        (f"claim-{claim['id']}-t3-e0", 10000)
    ]


def test_refusing_the_last_tier_closes_the_claim_as_refused(api_as, agent, manager, file_claim):
    claim = file_claim()
    act(api_as(agent), claim["id"], "refuse", tier=1)
    act(api_as(manager), claim["id"], "refuse", tier=2)
    last = act(api_as(manager), claim["id"], "refuse", tier=3, reason="최종 거부")
    assert (last.json()["status"], last.json()["tier"]) == ("refused", 3)
    assert act(api_as(manager), claim["id"], "grant", tier=3).status_code == 409


def test_deciding_a_tier_that_is_not_the_current_one_is_a_409(api_as, manager, file_claim):
    claim = file_claim()
    response = act(api_as(manager), claim["id"], "grant", tier=3)
    assert response.status_code == 409
    assert "현재 차수는 1차" in response.json()["detail"]


def test_a_range_pick_must_lie_inside_the_range_and_on_its_unit(api_as, agent, manager, file_claim):
    claim = file_claim(CALLBACK)
    act(api_as(agent), claim["id"], "refuse", tier=1)
    client = api_as(manager)
    for amount, message in ((None, "골라야"), (6000, "안에서"), (3500, "단위"), (1000, "안에서")):
        body = {"tier": 2} if amount is None else {"tier": 2, "amount": amount}
        response = client.post(f"{URL}{claim['id']}/grant/", body, format="json")
        assert response.status_code == 400
        assert message in response.json()["amount"][0]
    assert not ClaimDecision.objects.filter(kind="granted").exists()
    ok = act(client, claim["id"], "grant", tier=2, amount=3000)
    assert ok.status_code == 200
    assert ok.json()["payout_requests"][0]["amount"] == 3000
    assert ok.json()["decisions"][-1]["amount"] == 3000


def test_a_fixed_tier_takes_no_pick(api_as, agent, manager, file_claim):
    claim = file_claim()
    act(api_as(agent), claim["id"], "refuse", tier=1)
    response = act(api_as(manager), claim["id"], "grant", tier=2, amount=7000)
    assert response.status_code == 400
    assert "amount" in response.json()


def test_needs_discussion_is_decided_by_a_manager_with_amount_instrument_and_reason(
    api_as, agent, manager, file_claim
):
    claim = file_claim(OUTAGE)
    assert act(api_as(agent), claim["id"], "grant", tier=1, amount=20000,
               instrument="coupon", reason="x").status_code == 403  # fmt: skip
    missing = act(api_as(manager), claim["id"], "grant", tier=1)
    assert missing.status_code == 400
    assert {"amount", "instrument", "reason"} <= set(missing.json())
    ok = act(api_as(manager), claim["id"], "grant", tier=1, amount=20000, instrument="coupon",
             reason="택시비 영수증 확인")  # fmt: skip
    assert ok.status_code == 200, ok.json()
    assert ok.json()["payout_requests"][0]["amount"] == 20000
    assert ok.json()["decisions"][0]["reason"] == "택시비 영수증 확인"


def test_only_a_manager_rejects_and_only_with_a_reason(api_as, agent, manager, file_claim):
    claim = file_claim()
    assert act(api_as(agent), claim["id"], "reject", reason="근거 없음").status_code == 403
    assert act(api_as(manager), claim["id"], "reject").status_code == 400
    done = act(api_as(manager), claim["id"], "reject", reason="근거 없음")
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    assert act(api_as(manager), claim["id"], "cancel", reason="x").status_code == 409


def test_the_filing_agent_cancels_another_agent_cannot_see_it(
    api_as, agent, other_agent, file_claim
):
    claim = file_claim()
    assert act(api_as(other_agent), claim["id"], "cancel", reason="x").status_code == 404
    assert api_as(other_agent).get(f"{URL}{claim['id']}/").status_code == 404
    done = act(api_as(agent), claim["id"], "cancel", reason="고객이 철회")
    assert done.json()["status"] == "cancelled"


def test_the_list_shows_an_agent_their_own_claims_and_a_manager_all(
    api_as, agent, other_agent, manager, file_claim
):
    mine = file_claim()
    theirs = file_claim(user=other_agent)
    assert [c["id"] for c in api_as(agent).get(URL).json()["results"]] == [mine["id"]]
    everyone = api_as(manager).get(URL).json()["results"]
    assert {c["id"] for c in everyone} == {mine["id"], theirs["id"]}
    by_call = api_as(manager).get(URL, {"call_id": "CALL-1001", "claimant": "C-1"}).json()
    assert len(by_call["results"]) == 2
    assert api_as(manager).get(URL, {"status": "nonsense"}).status_code == 400


def test_rm_may_not_file_claims(api_as, rm_user):
    assert api_as(rm_user).post(URL, LATE, format="json").status_code == 403


def test_an_agent_reads_the_payouts_of_their_own_claims_only(
    api_as, agent, other_agent, manager, file_claim
):
    claim = file_claim()
    act(api_as(agent), claim["id"], "refuse", tier=1)
    act(api_as(manager), claim["id"], "grant", tier=2)
    request_id = PayoutRequest.objects.get().pk
    assert api_as(agent).get(f"/api/v1/payouts/requests/{request_id}/").status_code == 200
    assert api_as(other_agent).get(f"/api/v1/payouts/requests/{request_id}/").status_code == 404


def test_a_decision_cannot_be_changed_or_deleted(api_as, manager, file_claim):
    claim = file_claim(OUTAGE)
    act(api_as(manager), claim["id"], "grant", tier=1, amount=5000, instrument="coupon",
        reason="r")  # fmt: skip
    decision = ClaimDecision.objects.get()
    decision.reason = "고침"
    with pytest.raises(ValueError):
        decision.save()
    with pytest.raises(ValueError):
        decision.delete()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


@pytest.fixture
def evidence_root(settings, tmp_path):
    settings.CLAIMS_EVIDENCE_ROOT = tmp_path
    return tmp_path


def upload(client, claim_id, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"{URL}{claim_id}/evidence/",
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
        format="multipart",
    )


def test_evidence_is_kept_with_its_sha256_size_and_type(api_as, agent, file_claim, evidence_root):
    import hashlib

    from claims.models import ClaimEvidence

    claim = file_claim()
    response = upload(api_as(agent), claim["id"], "receipt.pdf", PDF)
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "size": len(PDF),
        "content_type": "application/pdf",
    }
    kept = ClaimEvidence.objects.get()
    assert kept.file.read() == PDF
    assert (kept.original_name, kept.uploaded_by) == ("receipt.pdf", agent)
    assert (
        upload(api_as(agent), claim["id"], "photo.png", PNG).json()["content_type"] == "image/png"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"MZ\x90\x00not an image", "형식"), (b"", "비어"), (PNG + b"x" * 200, "너무 큽니다")],
)
def test_evidence_past_the_limits_is_a_400_naming_them(
    api_as, agent, file_claim, evidence_root, settings, content, message
):
    from claims.models import ClaimEvidence

    settings.CLAIMS_EVIDENCE_MAX_BYTES = 200
    claim = file_claim()
    response = upload(api_as(agent), claim["id"], "x.png", content)
    assert response.status_code == 400
    assert message in " ".join(response.json()["file"])
    assert not ClaimEvidence.objects.exists()


def test_another_agent_cannot_attach_evidence(api_as, other_agent, file_claim, evidence_root):
    claim = file_claim()
    assert upload(api_as(other_agent), claim["id"], "x.pdf", PDF).status_code == 404


def test_a_second_grant_for_the_same_call_and_rule_needs_a_manager(
    api_as, agent, manager, file_claim
):
    payload = {**OUTAGE, "rule": "cs_complaint.callback_delay",
               "facts": {"business_days_since_promise": 3}}  # fmt: skip
    first = file_claim(payload)
    second = file_claim(payload)
    assert second["duplicates"] == [first["id"]]
    assert act(api_as(agent), first["id"], "grant", tier=1).status_code == 200
    denied = act(api_as(agent), second["id"], "grant", tier=1)
    assert denied.status_code == 403
    assert "두 번째 지급" in denied.json()["detail"]
    assert act(api_as(manager), second["id"], "grant", tier=1).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 20000, "instrument": "points"}, "instrument"),  # points are a driver's
        ({"amount": 12000, "instrument": "coupon"}, "amount"),  # off the 5,000원 unit
        ({"amount": 3000, "instrument": "coupon"}, "amount"),  # under the minimum
    ],
)
def test_a_needs_discussion_amount_fits_the_claimant_and_the_unit(
    api_as, manager, file_claim, body, field
):
    claim = file_claim(OUTAGE)
    response = act(api_as(manager), claim["id"], "grant", tier=1, reason="영수증", **body)
    assert response.status_code == 400
    assert field in response.json()
    assert not PayoutRequest.objects.exists()


def test_a_driver_is_paid_vouchers_for_expired_ones_by_count(api_as, manager, file_claim):
    claim = file_claim({
        "rule": "outage.voucher_expired", "target": "driver", "call_id": "VOUCH-1",
        "driver": {"external_id": "D-V"}, "facts": {"expired_during_outage": True},
    })  # fmt: skip
    response = act(api_as(manager), claim["id"], "grant", tier=1, amount=3,
                   instrument="pro_voucher", reason="장애 중 만료된 프단권 3장")  # fmt: skip
    assert response.status_code == 200, response.json()
    request = response.json()["payout_requests"][0]
    assert (request["instrument"], request["count"], request["amount"]) == ("pro_voucher", 3, None)


def test_the_call_type_and_time_are_kept(api_as, agent):
    payload = {**LATE, "call_type": "예약", "called_at": "2026-12-05T21:30:00+09:00"}
    body = api_as(agent).post(URL, payload, format="json").json()
    assert (body["call_type"], body["called_at"]) == ("예약", "2026-12-05T21:30:00+09:00")
    bad = api_as(agent).post(URL, {**payload, "called_at": "어제"}, format="json")
    assert bad.status_code == 400 and "called_at" in bad.json()
