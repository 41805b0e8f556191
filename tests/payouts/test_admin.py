import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from payouts.models import BlanketGrant, LedgerEntry, PayoutBatch, PayoutRequest
from payouts.services.batches import payout_batch_start_nightly
from payouts.services.chunks import payout_chunk_run
from payouts.services.issuing import payout_request_issue
from tests.payouts.factories import BlanketGrantFactory, PayoutRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(django_user_model):
    user = django_user_model.objects.create_user("mgr", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="manager"))
    return user


@pytest.fixture
def agent(django_user_model):
    user = django_user_model.objects.create_user("agt", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="agent"))
    return user


class _Failing:
    name = "http"
    bulk = False

    def deliver(self, request):
        from payouts.issuers import DeliveryFailed

        raise DeliveryFailed("HTTP 503", attempts=4, retryable=True)


def test_console_pages_render_in_korean(client, admin_user):
    PayoutRequestFactory.create_batch(3)
    batch, _ = payout_batch_start_nightly(run_date=dt.date(2026, 11, 24), chunk_size=2)
    payout_chunk_run(chunk_id=batch.chunks.order_by("index").first().pk)
    client.force_login(admin_user)
    for model in ("payoutrequest", "payoutbatch", "ledgerentry", "blanketgrant", "couponreminder"):
        response = client.get(reverse(f"admin:payouts_{model}_changelist"))
        assert response.status_code == 200, model
    page = client.get(reverse("admin:payouts_payoutbatch_changelist")).content.decode()
    assert '<progress value="66" max="100"' in page
    assert "진행률" in page and "야간 일괄" in page
    detail = client.get(reverse("admin:payouts_payoutbatch_change", args=[batch.pk]))
    assert detail.status_code == 200
    assert "청크 2개 중 1개 완료, 1개 남음" in detail.content.decode()
    request = PayoutRequest.objects.first()
    assert (
        client.get(reverse("admin:payouts_payoutrequest_change", args=[request.pk])).status_code
        == 200
    )


def test_manager_retries_a_failed_request_from_the_console(
    client, manager, django_capture_on_commit_callbacks
):
    request = PayoutRequestFactory()
    payout_request_issue(request_id=request.pk, issuer=_Failing())
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with_capture = client.post(
            reverse("admin:payouts_payoutrequest_changelist"),
            {"action": "retry_failed", "_selected_action": [request.pk]},
            follow=True,
        )
    assert "1건을 재시도 대기열에 넣었습니다" in with_capture.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"
    assert len(callbacks) == 1  # its repost, queued after commit
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    request.refresh_from_db()
    assert request.status == "issued"
    event = request.events.get(to_status="pending")
    assert (event.from_status, event.actor, event.reason) == ("failed", manager, "관리자 재시도")


def test_agent_cannot_retry(client, agent):
    request = PayoutRequestFactory()
    payout_request_issue(request_id=request.pk, issuer=_Failing())
    client.force_login(agent)
    client.post(
        reverse("admin:payouts_payoutrequest_changelist"),
        {"action": "retry_failed", "_selected_action": [request.pk]},
    )
    request.refresh_from_db()
    assert request.status == "failed"


def test_ledger_is_read_only_in_the_console(client, admin_user):
    request = payout_request_issue(request_id=PayoutRequestFactory().pk)
    entry = LedgerEntry.objects.get(request=request)
    client.force_login(admin_user)
    assert client.get(reverse("admin:payouts_ledgerentry_add")).status_code == 403
    delete = client.post(
        reverse("admin:payouts_ledgerentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    page = client.get(reverse("admin:payouts_ledgerentry_change", args=[entry.pk])).content.decode()
    assert 'name="amount"' not in page
    assert LedgerEntry.objects.count() == 1


def test_manager_creates_and_runs_a_blanket_grant(
    client, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    response = client.post(
        reverse("admin:payouts_blanketgrant_add"),
        {
            "code": "outage-emoticon",
            "name": "1015 이모티콘",
            "program": "outage-1015",
            "instrument": "emoticon",
            "recipient_kind": "customer",
            "count": "3",
            "recipients_csv": SimpleUploadedFile(
                "r.csv", ("recipient_id\n" + "".join(f"C{i}\n" for i in range(12))).encode()
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = BlanketGrant.objects.get()
    assert grant.created_by == manager
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:payouts_blanketgrant_changelist"),
            {"action": "run", "_selected_action": [grant.pk]},
        )
    grant.refresh_from_db()
    assert (grant.status, grant.recipients_count) == ("done", 12)
    batch = PayoutBatch.objects.get(grant=grant)
    assert (batch.done, batch.created_by) == (12, manager)


def test_blanket_grant_form_explains_a_missing_count(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("admin:payouts_blanketgrant_add"),
        {"code": "x", "name": "x", "instrument": "emoticon", "recipient_kind": "customer"},
    )
    assert response.status_code == 200
    assert "수량(장/개)이 필요합니다" in response.content.decode()
    assert not BlanketGrant.objects.exists()


def test_running_a_grant_without_recipients_says_so(client, admin_user):
    grant = BlanketGrantFactory()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:payouts_blanketgrant_changelist"),
        {"action": "run", "_selected_action": [grant.pk]},
        follow=True,
    )
    assert "대상 CSV나 합성 대상 수가 없습니다. 실행하지 않았습니다." in response.content.decode()


def test_manager_resumes_a_stalled_batch_from_the_console(
    client, manager, django_capture_on_commit_callbacks
):
    from unittest import mock

    PayoutRequestFactory.create_batch(4)
    with mock.patch("payouts.tasks.run_chunk.delay"):  # the messages are lost
        batch, _ = payout_batch_start_nightly(run_date=dt.date(2026, 11, 24), chunk_size=2)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:payouts_payoutbatch_changelist"),
            {"action": "resume", "_selected_action": [batch.pk]},
            follow=True,
        )
    assert "청크 2개를 다시 큐에 넣었습니다" in response.content.decode()
    batch.refresh_from_db()
    assert (batch.status, batch.done) == ("finished", 4)


@pytest.mark.postgres
def test_big_unfiltered_lists_use_the_planners_estimate(monkeypatch):
    from django.db import connection

    from payouts.admin import EstimatedCountPaginator

    PayoutRequestFactory.create_batch(30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE payouts_payoutrequest")
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", 10)
    estimated = EstimatedCountPaginator(PayoutRequest.objects.order_by("-id"), 50)
    assert estimated.count == 30  # from pg_class.reltuples, no count(*)
    filtered = EstimatedCountPaginator(PayoutRequest.objects.filter(status="issued"), 50)
    assert filtered.count == 0  # a filtered list is counted exactly


def test_batch_page_lists_only_unfinished_chunks_capped(client, admin_user, monkeypatch):
    from payouts.admin import PayoutBatchAdmin

    monkeypatch.setattr(PayoutBatchAdmin, "chunks_shown", 3)
    PayoutRequestFactory.create_batch(10)
    batch, _ = payout_batch_start_nightly(run_date=dt.date(2026, 11, 24), chunk_size=2)
    payout_chunk_run(chunk_id=batch.chunks.order_by("index").first().pk)
    client.force_login(admin_user)
    page = client.get(reverse("admin:payouts_payoutbatch_change", args=[batch.pk]))
    html = page.content.decode()
    assert "청크 5개 중 1개 완료, 4개 남음 (앞의 3개만 표시)" in html
    assert html.count("<td>대기</td>") == 3  # chunks 1..3 of the 4 unfinished; done one hidden
    assert "<td>완료</td>" not in html


def test_admin_creates_a_coupon_grant_through_the_service(client, manager, published_policy):
    client.force_login(manager)
    response = client.post(
        reverse("admin:payouts_blanketgrant_add"),
        {
            "code": "outage-coupon",
            "name": "1015 쿠폰",
            "instrument": "coupon",
            "recipient_kind": "customer",
            "amount": "5000",
            "synthetic_count": "3",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = BlanketGrant.objects.get()
    assert grant.policy_version == published_policy.number
    assert grant.validity_days == 60
    assert grant.created_by == manager


def test_admin_refuses_a_grant_code_that_is_not_a_slug(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("admin:payouts_blanketgrant_add"),
        {
            "code": "코드",
            "name": "x",
            "instrument": "emoticon",
            "recipient_kind": "customer",
            "count": "3",
        },
    )
    assert response.status_code == 200
    assert not BlanketGrant.objects.exists()


def test_grant_with_requests_cannot_be_redefined_and_shows_its_error(client, admin_user):
    from payouts.services.grant_loading import BlanketGrantError, blanket_grant_load
    from payouts.services.grants import blanket_grant_update

    grant = BlanketGrantFactory()
    blanket_grant_load(grant=grant, recipients=["U1"])
    BlanketGrant.objects.filter(pk=grant.pk).update(status="draft", error="3행: 잘못된 ID")
    client.force_login(admin_user)
    page = client.get(reverse("admin:payouts_blanketgrant_change", args=[grant.pk]))
    html = page.content.decode()
    assert 'name="count"' not in html  # read-only once it has requests
    assert "3행: 잘못된 ID" in html
    with pytest.raises(BlanketGrantError, match="바꿀 수 없습니다"):
        blanket_grant_update(grant=grant, count=5)
    assert blanket_grant_update(grant=grant, name="새 이름").name == "새 이름"


def test_an_admin_run_that_fails_in_the_worker_shows_its_error(
    client, admin_user, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    grant = BlanketGrantFactory(recipients_csv=ContentFile(b"U1\nU2\nU 3\n", name="users.csv"))
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):  # the worker's run, eagerly
        response = client.post(
            reverse("admin:payouts_blanketgrant_changelist"),
            {"action": "run", "_selected_action": [grant.pk]},
        )
    assert response.status_code == 302  # the failure never reaches the admin's request
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.FAILED
    assert "3행" in grant.error
    listing = client.get(reverse("admin:payouts_blanketgrant_changelist")).content.decode()
    assert "3행" in listing


def test_a_manager_sees_a_requests_status_history(client, manager):
    request = PayoutRequestFactory()
    payout_request_issue(request_id=request.pk, issuer=_Failing())
    client.force_login(manager)
    page = client.get(reverse("admin:payouts_payoutrequest_change", args=[request.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "지급 요청 이력" in text
    assert "HTTP 503" in text


def test_a_manager_exports_the_filtered_request_list_as_csv(client, manager):
    import csv
    import io

    PayoutRequestFactory.create_batch(2)
    failed = PayoutRequestFactory(recipient_id="C-FAILED")
    payout_request_issue(request_id=failed.pk, issuer=_Failing())
    client.force_login(manager)
    listing = client.get(
        reverse("admin:payouts_payoutrequest_changelist") + "?status__exact=failed"
    )
    assert "CSV 내보내기" in listing.content.decode()
    response = client.get(reverse("admin:payouts_payoutrequest_export") + "?status__exact=failed")
    assert response["Content-Type"] == "text/csv"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["요청 ID", "대상 계정 종류", "대상 계정 ID"]
    assert [(r[0], r[2], r[7], r[8]) for r in rows[1:]] == [
        (str(failed.pk), "C-FAILED", "failed", "예")
    ]


def test_a_grants_ledger_downloads_as_csv(client, manager, django_capture_on_commit_callbacks):
    import csv
    import io

    from payouts.services.grants import blanket_grant_run
    from tests.payouts.factories import BlanketGrantFactory

    grant = BlanketGrantFactory(synthetic_count=3)
    with django_capture_on_commit_callbacks(execute=True):
        blanket_grant_run(grant_id=grant.pk)
    client.force_login(manager)
    page = client.get(reverse("admin:payouts_blanketgrant_change", args=[grant.pk]))
    assert "원장 CSV 내려받기" in page.content.decode()
    response = client.get(reverse("admin:payouts_blanketgrant_ledger", args=[grant.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 4 and rows[0][0] == "원장 ID"
    assert {r[1] for r in rows[1:]} == {
        str(pk) for pk in PayoutRequest.objects.filter(grant=grant).values_list("pk", flat=True)
    }


def test_agents_cannot_download_a_grants_ledger(client, django_user_model):
    from tests.payouts.factories import BlanketGrantFactory

    grant = BlanketGrantFactory(synthetic_count=1)
    agent = django_user_model.objects.create_user("agt", password="pw", is_staff=True)
    agent.groups.add(Group.objects.get(name="agent"))
    client.force_login(agent)
    assert (
        client.get(reverse("admin:payouts_blanketgrant_ledger", args=[grant.pk])).status_code == 403
    )


def test_ordinary_rows_show_no_red_cross(client, manager):
    PayoutRequestFactory()
    client.force_login(manager)
    page = client.get(reverse("admin:payouts_payoutrequest_changelist")).content.decode()
    assert "icon-no.svg" not in page


def test_history_rows_read_in_korean(client, manager, django_capture_on_commit_callbacks):
    from payouts.services.grants import blanket_grant_run
    from tests.payouts.factories import BlanketGrantFactory

    grant = BlanketGrantFactory(synthetic_count=2)
    with django_capture_on_commit_callbacks(execute=True):
        blanket_grant_run(grant_id=grant.pk)
    client.force_login(manager)
    text = client.get(reverse("admin:payouts_blanketgrant_change", args=[grant.pk])).content
    assert "작성 → 대상 적재 중" in text.decode()
    assert "draft → loading" not in text.decode()


def test_the_export_of_an_unreadable_filter_goes_back_to_the_list(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:payouts_payoutrequest_export") + "?id=abc")
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_csv_cells_that_look_like_formulas_are_defused(client, manager):
    import csv
    import io

    PayoutRequestFactory(recipient_id="=HYPERLINK(x)")
    client.force_login(manager)
    response = client.get(reverse("admin:payouts_payoutrequest_export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][2] == "'=HYPERLINK(x)"
