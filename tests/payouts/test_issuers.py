"""The HTTP issuer against a real HTTP server on 127.0.0.1 that fails, times out and answers
the same idempotency key twice."""

import socket
from datetime import date, timedelta

import pytest
from django.utils import timezone

from payouts.issuers import HttpIssuer, LedgerIssuer, get_issuer
from payouts.models import LedgerEntry, PayoutBatch, PayoutRequest
from payouts.selectors import reconciliation_report
from payouts.services.batches import payout_batch_start_nightly
from payouts.services.chunks import payout_chunk_run
from payouts.services.issuing import (
    deliver_and_record,
    payout_request_issue,
    payout_requests_release_stale_issuing,
)
from payouts.services.requests import TransitionRefused, payout_request_cancel, payout_request_retry
from tests.payouts.billing_server import BillingServer
from tests.payouts.factories import PayoutRequestFactory, PointsRequestFactory

pytestmark = pytest.mark.django_db

Status = PayoutRequest.Status


@pytest.fixture
def billing():
    with BillingServer() as server:
        yield server


def _issuer(url, **overrides):
    options = {"connect_timeout": 0.5, "read_timeout": 0.5, "max_attempts": 4, "backoff": 0.01}
    options.update(overrides)
    return HttpIssuer(url=url, **options)


def test_500s_are_retried_with_backoff_then_the_grant_is_recorded_once(billing):
    billing.state.fail_next = 2
    sleeps = []
    issuer = _issuer(billing.url, backoff=0.5, sleep=sleeps.append)
    request = PointsRequestFactory()
    issued = payout_request_issue(request_id=request.pk, issuer=issuer)
    assert issued.status == Status.ISSUED
    assert issued.attempts == 3
    assert sleeps == [0.5, 1.0]  # exponential backoff between the tries
    assert billing.state.posts[request.idempotency_key] == 3
    assert len(billing.state.grants) == 1
    body = billing.state.grants[request.idempotency_key]["body"]
    assert (body["amount"], body["memo"]) == (10000, "기사님 힘내세요")
    entry = LedgerEntry.objects.get(request=request)
    assert (entry.issuer, entry.external_ref) == ("http", "B-1")


def test_endpoint_down_for_good_marks_the_request_failed_and_a_retry_issues_it_once(billing):
    billing.state.fail_next = 100
    request = PayoutRequestFactory()
    failed = payout_request_issue(request_id=request.pk, issuer=_issuer(billing.url))
    assert failed.status == Status.FAILED
    assert failed.attempts == 4
    assert "HTTP 500" in failed.last_error
    assert not LedgerEntry.objects.exists()

    billing.state.fail_next = 0
    payout_request_retry(request_id=request.pk, reason="billing 복구")
    # (eager Celery ran the default ledger issuer on retry; issue through HTTP explicitly)
    request.refresh_from_db()
    if request.status == Status.PENDING:
        payout_request_issue(request_id=request.pk, issuer=_issuer(billing.url))
    request.refresh_from_db()
    assert request.status == Status.ISSUED
    assert LedgerEntry.objects.filter(request=request).count() == 1


def test_timeout_is_retried_and_the_second_answer_for_the_same_key_grants_nothing_new(billing):
    # The first post is granted but answered after the client's 0.3 s timeout: the answer is
    # lost. The retry carries the same Idempotency-Key and gets the stored answer.
    billing.state.slow_first = 1.0
    request = PayoutRequestFactory()
    issued = payout_request_issue(
        request_id=request.pk, issuer=_issuer(billing.url, read_timeout=0.3)
    )
    assert issued.status == Status.ISSUED
    assert issued.attempts == 2
    assert billing.state.posts[request.idempotency_key] == 2
    assert len(billing.state.grants) == 1
    assert LedgerEntry.objects.get(request=request).external_ref == "B-1"


def test_every_try_timing_out_fails_the_request(billing):
    billing.state.slow_first = 1.0
    request = PayoutRequestFactory()
    issuer = _issuer(billing.url, read_timeout=0.2, max_attempts=1)
    failed = payout_request_issue(request_id=request.pk, issuer=issuer)
    assert failed.status == Status.FAILED
    assert "시간 초과" in failed.last_error


def test_a_second_worker_holding_the_same_request_does_not_post(billing):
    # Two workers holding the same pending request (a redelivered task): the first claims it
    # (pending → issuing) before posting, the second finds the claim taken and posts nothing.
    request = PayoutRequestFactory()
    stale_copy = PayoutRequest.objects.get(pk=request.pk)
    issuer = _issuer(billing.url)
    assert deliver_and_record(request, issuer=issuer, events=True) is True
    assert deliver_and_record(stale_copy, issuer=issuer, events=True) is False
    assert billing.state.posts[request.idempotency_key] == 1
    assert LedgerEntry.objects.filter(request=request).count() == 1


def test_claim_left_by_a_dead_worker_is_released_and_reposted_with_the_same_key(billing):
    # The worker claimed and posted (billing granted), then died before recording: the claim
    # times out, goes back to pending, and the repost is answered twice by billing, recorded once.
    request = PayoutRequestFactory()
    issuer = _issuer(billing.url)
    PayoutRequest.objects.filter(pk=request.pk).update(status=Status.ISSUING)
    issuer.deliver(request)  # the post of the dead worker
    assert payout_requests_release_stale_issuing(older_than=timedelta(minutes=20)) == 0
    PayoutRequest.objects.filter(pk=request.pk).update(
        updated_at=timezone.now() - timedelta(minutes=21)
    )
    assert payout_requests_release_stale_issuing(older_than=timedelta(minutes=20)) == 1
    # Pending again, but the dead worker's post may have granted: no cancel without a check.
    with pytest.raises(TransitionRefused, match="결과가 불분명"):
        payout_request_cancel(request_id=request.pk)
    issued = payout_request_issue(request_id=request.pk, issuer=issuer)
    assert issued.status == Status.ISSUED
    assert billing.state.posts[request.idempotency_key] == 2
    assert len(billing.state.grants) == 1
    entry = LedgerEntry.objects.get(request=request)
    assert entry.external_ref == "B-1"


def test_cancel_during_an_http_delivery_is_refused_and_the_grant_is_recorded(billing):
    # The race the claim closes: a cancel arriving while billing is granting used to win the
    # compare-and-set on `pending`, leaving a grant in billing and nothing in our ledger.
    request = PayoutRequestFactory()
    outcome = {}

    class CancelWhilePosting(HttpIssuer):
        def deliver(self, req):
            try:
                payout_request_cancel(request_id=req.pk, reason="고객 요청")
            except TransitionRefused as exc:
                outcome["refused"] = str(exc)
            return super().deliver(req)

    issuer = CancelWhilePosting(url=billing.url, connect_timeout=0.5, read_timeout=0.5)
    issued = payout_request_issue(request_id=request.pk, issuer=issuer)
    assert "지급 중" in outcome["refused"]
    assert issued.status == Status.ISSUED
    assert LedgerEntry.objects.filter(request=request).count() == 1
    assert reconciliation_report().ok


def test_ambiguous_failure_cannot_be_cancelled_without_a_check_but_a_refusal_can(billing):
    billing.state.fail_next = 100  # 5xx every time: billing may or may not have granted
    ambiguous = payout_request_issue(
        request_id=PayoutRequestFactory().pk, issuer=_issuer(billing.url, max_attempts=2)
    )
    assert ambiguous.status == Status.FAILED and ambiguous.last_failure_retryable
    with pytest.raises(TransitionRefused, match="이미 지급되었을 수"):
        payout_request_cancel(request_id=ambiguous.pk)
    assert payout_request_cancel(request_id=ambiguous.pk, checked=True).status == Status.CANCELLED

    billing.state.fail_next = 0
    billing.state.status = 422
    refused = payout_request_issue(
        request_id=PayoutRequestFactory().pk, issuer=_issuer(billing.url)
    )
    assert refused.status == Status.FAILED and not refused.last_failure_retryable
    assert payout_request_cancel(request_id=refused.pk).status == Status.CANCELLED


def test_retry_after_an_ambiguous_failure_reposts_the_same_key(billing):
    billing.state.fail_next = 2
    request = PayoutRequestFactory()
    issuer = _issuer(billing.url, max_attempts=2)
    assert payout_request_issue(request_id=request.pk, issuer=issuer).status == Status.FAILED
    payout_request_retry(request_id=request.pk)  # eager task: issues with the default issuer
    request.refresh_from_db()
    if request.status == Status.PENDING:
        payout_request_issue(request_id=request.pk, issuer=issuer)
    request.refresh_from_db()
    assert request.status == Status.ISSUED
    assert set(billing.state.posts) == {request.idempotency_key}


def test_one_bad_request_does_not_stop_its_http_chunk(billing, settings):
    # A non-ASCII key (made before keys were validated) makes httpx raise UnicodeEncodeError
    # while building the header: that request fails, the rest of the chunk is issued.
    settings.PAYOUTS_CHUNK_SIZE = 10
    good = PayoutRequestFactory.create_batch(2)
    bad = PayoutRequestFactory()
    PayoutRequest.objects.filter(pk=bad.pk).update(idempotency_key="키:한글")
    more = PayoutRequestFactory()
    batch, _ = payout_batch_start_nightly(run_date=date(2026, 1, 5))  # chunks run eagerly
    batch = PayoutBatch.objects.get(pk=batch.pk)
    for chunk_id in batch.chunks.values_list("pk", flat=True):
        payout_chunk_run(chunk_id=chunk_id, issuer=_issuer(billing.url))
    batch.refresh_from_db()
    bad.refresh_from_db()
    assert bad.status == Status.FAILED
    assert "UnicodeEncodeError" in bad.last_error
    for request in [*good, more]:
        request.refresh_from_db()
        assert request.status == Status.ISSUED
    assert (batch.status, batch.done, batch.failed) == (PayoutBatch.Status.FINISHED, 3, 1)


def test_issue_task_run_twice_posts_once(billing):
    request = PayoutRequestFactory()
    issuer = _issuer(billing.url)
    payout_request_issue(request_id=request.pk, issuer=issuer)
    payout_request_issue(request_id=request.pk, issuer=issuer)
    assert billing.state.posts[request.idempotency_key] == 1


def test_a_refusal_4xx_is_final_and_not_retried(billing):
    billing.state.status = 422
    request = PayoutRequestFactory()
    failed = payout_request_issue(request_id=request.pk, issuer=_issuer(billing.url))
    assert failed.status == Status.FAILED
    assert failed.attempts == 1
    assert "HTTP 422" in failed.last_error
    assert billing.state.posts[request.idempotency_key] == 1


def test_connection_refused_is_retried_then_fails():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again at once: nothing listens there
    request = PayoutRequestFactory()
    failed = payout_request_issue(
        request_id=request.pk, issuer=_issuer(f"http://127.0.0.1:{port}/grants", max_attempts=2)
    )
    assert failed.status == Status.FAILED
    assert failed.attempts == 2
    assert "연결 오류" in failed.last_error


def test_issuer_comes_from_settings(settings, billing):
    assert isinstance(get_issuer(), LedgerIssuer)
    settings.PAYOUTS_ISSUER = "http"
    settings.PAYOUTS_BILLING_URL = billing.url
    issuer = get_issuer()
    assert isinstance(issuer, HttpIssuer) and issuer.url == billing.url
    settings.PAYOUTS_BILLING_URL = ""
    with pytest.raises(ValueError, match="PAYOUTS_BILLING_URL"):
        get_issuer()


def test_a_task_out_of_time_mid_delivery_leaves_the_claim_for_a_repost():
    from celery.exceptions import SoftTimeLimitExceeded

    class OutOfTime:
        name = "http"
        bulk = False

        def deliver(self, request):
            raise SoftTimeLimitExceeded()

    request = PayoutRequestFactory()
    with pytest.raises(SoftTimeLimitExceeded):
        deliver_and_record(request, issuer=OutOfTime(), events=True)
    request.refresh_from_db()
    assert request.status == Status.ISSUING  # not cancellable; released after the timeout
    with pytest.raises(TransitionRefused):
        payout_request_cancel(request_id=request.pk)
