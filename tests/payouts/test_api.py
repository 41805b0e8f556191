import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from payouts.models import PayoutRequest
from payouts.services.batches import payout_batch_start_nightly
from payouts.services.chunks import payout_chunk_run
from payouts.services.issuing import payout_request_issue
from tests.payouts.factories import CouponRequestFactory, PayoutRequestFactory

pytestmark = pytest.mark.django_db


def _client(django_user_model, role):
    user = django_user_model.objects.create_user(role, password="pw")
    user.groups.add(Group.objects.get(name=role))
    client = APIClient()
    client.force_authenticate(user)
    return client, user


class _Failing:
    name = "http"
    bulk = False

    def deliver(self, request):
        from payouts.issuers import DeliveryFailed

        raise DeliveryFailed("HTTP 503", attempts=4, retryable=True)


def test_batch_progress_and_totals(django_user_model):
    CouponRequestFactory.create_batch(3, program="outage-1015")
    batch, _ = payout_batch_start_nightly(chunk_size=2)
    payout_chunk_run(chunk_id=batch.chunks.order_by("index").first().pk)
    client, _ = _client(django_user_model, "manager")
    data = client.get(f"/api/v1/payouts/batches/{batch.pk}/").json()
    assert (data["total"], data["done"], data["progress_percent"]) == (3, 2, 66)
    assert client.get("/api/v1/payouts/batches/").json()["count"] == 1
    rows = client.get("/api/v1/payouts/totals/?by=program").json()
    assert rows == [
        {
            "program": "outage-1015",
            "instrument": "coupon",
            "grants": 2,
            "amount": 10000,
            "count": None,
        }
    ]
    assert client.get("/api/v1/payouts/totals/?by=shoe").status_code == 400


def test_manager_retries_through_the_api_and_bad_cases_are_clear(
    django_user_model, django_capture_on_commit_callbacks
):
    request = PayoutRequestFactory()
    payout_request_issue(request_id=request.pk, issuer=_Failing())
    client, manager = _client(django_user_model, "manager")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            f"/api/v1/payouts/requests/{request.pk}/retry/", {"reason": "복구"}, format="json"
        )
    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    assert len(callbacks) == 1  # the repost
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    request.refresh_from_db()
    assert request.status == "issued"
    assert request.events.get(to_status="pending").actor == manager
    issued = PayoutRequestFactory()
    payout_request_issue(request_id=issued.pk)
    conflict = client.post(f"/api/v1/payouts/requests/{issued.pk}/retry/", {})
    assert conflict.status_code == 409
    assert "허용되지 않습니다" in conflict.json()["status"][0]
    assert client.post("/api/v1/payouts/requests/999999/retry/", {}).status_code == 404


def test_agent_cannot_retry_or_read_batches(django_user_model):
    request = PayoutRequestFactory()
    client, _ = _client(django_user_model, "agent")
    assert client.post(f"/api/v1/payouts/requests/{request.pk}/retry/", {}).status_code == 403
    assert client.get("/api/v1/payouts/batches/").status_code == 403
    # Not a request of the agent's claims: as if it did not exist.
    assert client.get(f"/api/v1/payouts/requests/{request.pk}/").status_code == 404
    assert APIClient().get("/api/v1/payouts/batches/").status_code == 401


def test_schema_documents_the_payout_endpoints(admin_client):
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/payouts/batches/",
        "/api/v1/payouts/batches/{id}/",
        "/api/v1/payouts/requests/{id}/",
        "/api/v1/payouts/requests/{id}/retry/",
        "/api/v1/payouts/totals/",
    ):
        assert path in paths


def test_retry_of_a_pending_request_is_harmless_and_of_an_issuing_one_a_conflict(
    django_user_model,
):
    # As the README says: a repeat (already pending) answers 200 with the request unchanged;
    # a request being delivered right now cannot be sent back.
    client, _manager = _client(django_user_model, "manager")
    pending = PayoutRequestFactory()
    response = client.post(f"/api/v1/payouts/requests/{pending.pk}/retry/", {})
    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    assert not pending.events.exists()
    issuing = PayoutRequestFactory()
    PayoutRequest.objects.filter(pk=issuing.pk).update(status="issuing")
    conflict = client.post(f"/api/v1/payouts/requests/{issuing.pk}/retry/", {})
    assert conflict.status_code == 409
    assert "전송 중" in conflict.json()["status"][0]


def visible_to_agent1(user):
    """A stand-in for the claims workflow's hook: agent1 may see decision-ok's payouts."""
    return ["decision-ok"] if user.username == "agent" else []


def test_agents_see_only_the_payouts_of_claims_they_may_see(django_user_model, settings):
    mine = PayoutRequestFactory(source_ref="decision-ok")
    other = PayoutRequestFactory(source_ref="decision-other")
    agent, _ = _client(django_user_model, "agent")
    manager, _ = _client(django_user_model, "manager")
    # Without the claims workflow's hook, none: walking ids finds nothing.
    assert agent.get(f"/api/v1/payouts/requests/{mine.pk}/").status_code == 404
    assert manager.get(f"/api/v1/payouts/requests/{other.pk}/").status_code == 200
    settings.PAYOUTS_VISIBLE_DECISIONS = "tests.payouts.test_api.visible_to_agent1"
    assert agent.get(f"/api/v1/payouts/requests/{mine.pk}/").status_code == 200
    assert agent.get(f"/api/v1/payouts/requests/{other.pk}/").status_code == 404


def test_the_console_lists_an_agent_only_their_payouts(client, django_user_model, settings):
    PayoutRequestFactory(source_ref="decision-ok", recipient_id="C-MINE")
    PayoutRequestFactory(source_ref="decision-other", recipient_id="C-OTHER")
    user = django_user_model.objects.create_user("agent", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="agent"))
    client.force_login(user)
    settings.PAYOUTS_VISIBLE_DECISIONS = "tests.payouts.test_api.visible_to_agent1"
    page = client.get("/admin/payouts/payoutrequest/").content.decode()
    assert "C-MINE" in page
    assert "C-OTHER" not in page


def test_a_manager_cancels_a_pending_request(django_user_model):
    request = PayoutRequestFactory()
    client, manager = _client(django_user_model, "manager")
    response = client.post(
        f"/api/v1/payouts/requests/{request.pk}/cancel/",
        {"reason": "중복 접수", "checked": False},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    event = request.events.get(to_status="cancelled")
    assert (event.actor, event.reason) == (manager, "중복 접수")


def test_only_managers_may_cancel(django_user_model):
    request = PayoutRequestFactory()
    client, _ = _client(django_user_model, "agent")
    response = client.post(
        f"/api/v1/payouts/requests/{request.pk}/cancel/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == "pending"


def test_cancel_answers_409_when_the_state_does_not_allow_it(django_user_model, settings):
    issued = PayoutRequestFactory()
    payout_request_issue(request_id=issued.pk)
    client, _ = _client(django_user_model, "manager")
    url = f"/api/v1/payouts/requests/{issued.pk}/cancel/"
    response = client.post(url, {"reason": "늦은 취소"}, format="json")
    assert response.status_code == 409
    assert "지급됨" in str(response.json()["status"])
    # An ambiguous failure (billing may have granted) needs the look in billing first.
    ambiguous = PayoutRequestFactory()
    payout_request_issue(request_id=ambiguous.pk, issuer=_Failing())
    url = f"/api/v1/payouts/requests/{ambiguous.pk}/cancel/"
    assert client.post(url, {"reason": "확인 전"}, format="json").status_code == 409
    checked = client.post(url, {"reason": "청구 확인: 미지급", "checked": True}, format="json")
    assert checked.status_code == 200
    assert checked.json()["status"] == "cancelled"
    assert client.post("/api/v1/payouts/requests/999999/cancel/", {"reason": "x"},
                       format="json").status_code == 404  # fmt: skip
    assert client.post(url, {}, format="json").status_code == 400  # the reason is required


def test_a_manager_cancels_from_the_console(client, django_user_model):
    pending = PayoutRequestFactory()
    ambiguous = PayoutRequestFactory()
    payout_request_issue(request_id=ambiguous.pk, issuer=_Failing())
    manager = django_user_model.objects.create_user("mgr", password="pw", is_staff=True)
    manager.groups.add(Group.objects.get(name="manager"))
    client.force_login(manager)
    page = client.post(
        "/admin/payouts/payoutrequest/",
        {"action": "cancel", "_selected_action": [pending.pk, ambiguous.pk]},
        follow=True,
    )
    text = page.content.decode()
    assert "1건을 취소했습니다" in text
    assert "청구 시스템에서 이미 지급되었을 수 있습니다" in text
    client.post(
        "/admin/payouts/payoutrequest/",
        {"action": "cancel_checked", "_selected_action": [ambiguous.pk]},
    )
    assert set(PayoutRequest.objects.values_list("status", flat=True)) == {"cancelled"}


def test_operators_list_requests_with_filters_a_keyset_page_at_a_time(django_user_model):
    import datetime as dt

    from django.utils import timezone

    PayoutRequestFactory.create_batch(3, program="outage-1015", recipient_id="C-OUT")
    CouponRequestFactory.create_batch(2)
    ambiguous = PayoutRequestFactory(source_ref="decision-x")
    payout_request_issue(request_id=ambiguous.pk, issuer=_Failing())
    client, _ = _client(django_user_model, "manager")

    def ids(query):
        body = client.get(f"/api/v1/payouts/requests/{query}").json()
        assert set(body) == {"results", "next"}
        return [r["id"] for r in body["results"]]

    everything = ids("")
    assert everything == sorted(everything, reverse=True) and len(everything) == 6
    assert len(ids("?program=outage-1015")) == 3
    assert ids("?ambiguous=true") == [ambiguous.pk]
    assert ids("?status=failed&source_ref=decision-x") == [ambiguous.pk]
    assert len(ids("?instrument=coupon")) == 2
    assert len(ids("?recipient_kind=customer&recipient_id=C-OUT")) == 3
    later = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert ids(f"?created_before={later}".replace("+", "%2B")) == everything
    assert ids(f"?created_after={later}".replace("+", "%2B")) == []


def test_the_request_list_pages_by_cursor_and_refuses_bad_parameters(django_user_model, settings):
    from config.pagination import KeysetPagination

    PayoutRequestFactory.create_batch(5)
    client, _ = _client(django_user_model, "manager")
    KeysetPagination.page_size, saved = 2, KeysetPagination.page_size
    try:
        seen, url, pages = [], "/api/v1/payouts/requests/", 0
        while url:
            body = client.get(url).json()
            seen += [r["id"] for r in body["results"]]
            url, pages = body["next"], pages + 1
        assert pages == 3 and len(seen) == len(set(seen)) == 5
    finally:
        KeysetPagination.page_size = saved
    for bad in ("?cursor=nonsense", "?cursor=a&cursor=b", "?status=nope", "?ambiguous=maybe",
                "?created_after=yesterday"):  # fmt: skip
        response = client.get(f"/api/v1/payouts/requests/{bad}")
        assert response.status_code == 400, (bad, response.content)


def test_agents_list_only_their_claims_payouts(django_user_model, settings):
    PayoutRequestFactory(source_ref="decision-ok")
    PayoutRequestFactory(source_ref="decision-other")
    agent, _ = _client(django_user_model, "agent")
    assert agent.get("/api/v1/payouts/requests/").json()["results"] == []
    settings.PAYOUTS_VISIBLE_DECISIONS = "tests.payouts.test_api.visible_to_agent1"
    [row] = agent.get("/api/v1/payouts/requests/").json()["results"]
    assert row["source_ref"] == "decision-ok"


def test_a_time_filter_with_a_far_offset_is_read_not_a_500(django_user_model):
    PayoutRequestFactory()
    client, _ = _client(django_user_model, "manager")
    # An offset PostgreSQL cannot take as it is; compared in UTC it is an ordinary time.
    response = client.get("/api/v1/payouts/requests/?created_after=2020-04-10T15:56:21-20:20")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize(
    "query",
    ["?cursor=cD1hYmM%3D", "?created_after=9999-12-31T23:59:59-20:00"],  # p=abc; overflow
)
def test_odd_list_parameters_are_400_not_500(django_user_model, query):
    client, _ = _client(django_user_model, "manager")
    assert client.get(f"/api/v1/payouts/requests/{query}").status_code == 400
