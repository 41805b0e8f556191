import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from payouts.models import LedgerEntry, PayoutBatch, PayoutChunk, PayoutRequest
from payouts.services.batches import (
    payout_batch_resume,
    payout_batch_start_nightly,
    payout_batches_resume_stalled,
)
from payouts.services.chunks import payout_chunk_run
from payouts.services.requests import payout_request_cancel
from tests.payouts.billing_server import BillingServer
from tests.payouts.factories import CouponRequestFactory, PayoutRequestFactory

pytestmark = pytest.mark.django_db

Status = PayoutRequest.Status
DAY = dt.date(2026, 11, 24)


def _run_all(batch):
    for chunk_id in batch.chunks.order_by("index").values_list("pk", flat=True):
        payout_chunk_run(chunk_id=chunk_id)
    batch.refresh_from_db()
    return batch


def test_nightly_batch_plans_chunks_of_pending_requests_in_id_order(
    django_capture_on_commit_callbacks,
):
    requests = PayoutRequestFactory.create_batch(7)
    PayoutRequestFactory(status=Status.FAILED)  # failed ones wait for a retry
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch, created = payout_batch_start_nightly(run_date=DAY, chunk_size=3)
    assert created
    assert (batch.total, batch.chunks_total, batch.status) == (7, 3, PayoutBatch.Status.RUNNING)
    chunks = list(batch.chunks.order_by("index"))
    assert [(c.first_id, c.last_id, c.total) for c in chunks] == [
        (requests[0].pk, requests[2].pk, 3),
        (requests[3].pk, requests[5].pk, 3),
        (requests[6].pk, requests[6].pk, 1),
    ]
    assert len(callbacks) == 1  # the chunks are enqueued once the plan is committed


def test_nightly_batch_issues_everything_once_and_shows_progress():
    PayoutRequestFactory.create_batch(5)
    CouponRequestFactory.create_batch(2)
    batch, _ = payout_batch_start_nightly(run_date=DAY, chunk_size=2)
    assert batch.progress_percent == 0
    first = batch.chunks.order_by("index").first()
    payout_chunk_run(chunk_id=first.pk)
    batch.refresh_from_db()
    assert (batch.chunks_finished, batch.done, batch.progress_percent) == (1, 2, 28)
    batch = _run_all(batch)
    assert batch.status == PayoutBatch.Status.FINISHED
    assert (batch.done, batch.failed, batch.processed, batch.progress_percent) == (7, 0, 7, 100)
    assert PayoutRequest.objects.filter(status=Status.ISSUED).count() == 7
    assert LedgerEntry.objects.filter(batch=batch).count() == 7
    coupon = PayoutRequest.objects.filter(instrument="coupon").first()
    assert coupon.valid_until - coupon.issued_at == dt.timedelta(days=60)


def test_a_request_whose_enqueue_was_lost_is_issued_by_the_nightly_sweep(
    django_capture_on_commit_callbacks,
):
    from payouts.services.requests import payout_request_create

    with django_capture_on_commit_callbacks(execute=False) as lost:
        request = payout_request_create(
            recipient_kind="driver",
            recipient_id="D7",
            instrument="pro_voucher",
            count=3,
            source_kind="claim_decision",
            idempotency_key="decision-7:pro_voucher",
        )
    assert len(lost) == 1  # the broker never got it
    batch, _ = payout_batch_start_nightly(run_date=DAY)
    _run_all(batch)
    request.refresh_from_db()
    assert request.status == Status.ISSUED
    assert LedgerEntry.objects.filter(request=request, batch=batch).count() == 1


def test_two_nightly_starts_on_one_date_give_one_run():
    PayoutRequestFactory.create_batch(3)
    first, created_first = payout_batch_start_nightly(run_date=DAY)
    second, created_second = payout_batch_start_nightly(run_date=DAY)
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert PayoutBatch.objects.filter(kind="nightly").count() == 1
    assert PayoutChunk.objects.count() == 1


def test_a_chunk_run_twice_issues_nothing_twice():
    PayoutRequestFactory.create_batch(4)
    batch, _ = payout_batch_start_nightly(run_date=DAY, chunk_size=10)
    chunk = batch.chunks.get()
    payout_chunk_run(chunk_id=chunk.pk)
    again = payout_chunk_run(chunk_id=chunk.pk)
    assert (again.status, again.done, again.runs) == ("done", 4, 1)
    batch.refresh_from_db()
    assert (batch.done, batch.chunks_finished) == (4, 1)
    assert LedgerEntry.objects.count() == 4


def test_rerun_after_a_crash_mid_batch_issues_only_what_is_left(
    django_capture_on_commit_callbacks,
):
    PayoutRequestFactory.create_batch(6)
    batch, _ = payout_batch_start_nightly(run_date=DAY, chunk_size=2)
    chunks = list(batch.chunks.order_by("index"))
    payout_chunk_run(chunk_id=chunks[0].pk)
    # A worker died inside chunk 2: it was claimed (running) but its transaction rolled back.
    PayoutChunk.objects.filter(pk=chunks[1].pk).update(status="running", runs=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert payout_batch_resume(batch_id=batch.pk) == 2  # eager: they run on commit
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.FINISHED
    assert (batch.done, LedgerEntry.objects.count()) == (6, 6)
    assert PayoutChunk.objects.get(pk=chunks[1].pk).runs == 2


def test_requests_issued_or_cancelled_meanwhile_are_skipped_by_the_chunk():
    _a, b, c = PayoutRequestFactory.create_batch(3)
    batch, _ = payout_batch_start_nightly(run_date=DAY)
    payout_request_cancel(request_id=b.pk, reason="취소")
    from payouts.services.issuing import payout_request_issue

    payout_request_issue(request_id=c.pk)
    batch = _run_all(batch)
    assert (batch.done, batch.processed, batch.status) == (1, 3, "finished")
    assert LedgerEntry.objects.count() == 2
    assert PayoutRequest.objects.get(pk=b.pk).status == Status.CANCELLED


def test_empty_nightly_batch_is_finished_at_once():
    batch, _ = payout_batch_start_nightly(run_date=DAY)
    assert (batch.status, batch.total, batch.progress_percent) == ("finished", 0, 100)


def test_http_issuer_chunk_counts_failures(settings):
    requests = PayoutRequestFactory.create_batch(3)
    with BillingServer() as billing:
        settings.PAYOUTS_ISSUER = "http"
        settings.PAYOUTS_BILLING_URL = billing.url
        settings.PAYOUTS_BILLING_MAX_ATTEMPTS = 1
        billing.state.fail_next = 1  # the first request fails, the others go through
        batch, _ = payout_batch_start_nightly(run_date=DAY)
        batch = _run_all(batch)
    assert (batch.done, batch.failed, batch.status) == (2, 1, "finished")
    assert PayoutRequest.objects.get(pk=requests[0].pk).status == Status.FAILED
    assert len(billing.state.grants) == 2


def test_stalled_batches_are_resumed_but_moving_ones_are_left_alone(
    django_capture_on_commit_callbacks,
):
    PayoutRequestFactory.create_batch(4)
    stalled, _ = payout_batch_start_nightly(run_date=DAY, chunk_size=2)
    long_ago = timezone.now() - dt.timedelta(hours=3)
    PayoutBatch.objects.filter(pk=stalled.pk).update(started_at=long_ago)
    PayoutRequestFactory.create_batch(2)
    moving, _ = payout_batch_start_nightly(run_date=DAY + dt.timedelta(days=1), chunk_size=2)
    PayoutBatch.objects.filter(pk=moving.pk).update(started_at=long_ago)
    payout_chunk_run(chunk_id=moving.chunks.order_by("-index").first().pk)  # moved just now
    with django_capture_on_commit_callbacks(execute=True):
        assert payout_batches_resume_stalled(older_than=dt.timedelta(hours=1)) == [stalled.pk]
    stalled.refresh_from_db()
    moving.refresh_from_db()
    assert (stalled.status, moving.status) == ("finished", "running")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beats_firing_at_once_on_postgres_give_one_nightly_run():
    PayoutRequestFactory.create_batch(5)
    barrier = threading.Barrier(2)
    results = []

    def fire():
        try:
            barrier.wait()
            results.append(payout_batch_start_nightly(run_date=DAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=fire) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(created for _, created in results) == [False, True]
    assert len({batch.pk for batch, _ in results}) == 1
    assert PayoutBatch.objects.count() == 1
    assert LedgerEntry.objects.count() == 5  # eager: the winner's chunks ran on commit


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_chunk_run_concurrently_on_postgres_issues_once():
    from unittest import mock

    PayoutRequestFactory.create_batch(300)
    with mock.patch("payouts.tasks.run_chunk.delay"):  # planned, not yet run
        batch, _ = payout_batch_start_nightly(run_date=DAY, chunk_size=1000)
    chunk = batch.chunks.get()
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            payout_chunk_run(chunk_id=chunk.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batch.refresh_from_db()
    chunk.refresh_from_db()
    assert (batch.done, batch.chunks_finished, batch.status) == (300, 1, "finished")
    assert chunk.runs in (1, 2)  # the second claim may come after the first run finished
    assert LedgerEntry.objects.count() == 300


def test_overlapping_nightly_and_grant_batches_add_up_with_skipped():
    from payouts.services.batches import payout_batch_start_for_grant
    from payouts.services.grant_loading import blanket_grant_load
    from tests.payouts.factories import BlanketGrantFactory

    grant = BlanketGrantFactory()
    blanket_grant_load(grant=grant, recipients=["U1", "U2", "U3"])
    grant_batch = payout_batch_start_for_grant(grant=grant, enqueue=False)
    nightly, _ = payout_batch_start_nightly(run_date=DAY)  # plans the same, released rows
    nightly = _run_all(nightly)
    grant_batch = _run_all(grant_batch)
    assert (nightly.total, nightly.done, nightly.failed, nightly.skipped) == (3, 3, 0, 0)
    assert (grant_batch.total, grant_batch.done, grant_batch.skipped) == (3, 0, 3)
    grant.refresh_from_db()
    assert grant.status == "done"
    assert LedgerEntry.objects.count() == 3


def test_a_retry_that_issues_moves_the_batch_count_from_failed_to_done(
    settings, django_capture_on_commit_callbacks
):
    from payouts.services.requests import payout_request_retry

    requests = PayoutRequestFactory.create_batch(3)
    with BillingServer() as billing:
        settings.PAYOUTS_ISSUER = "http"
        settings.PAYOUTS_BILLING_URL = billing.url
        settings.PAYOUTS_BILLING_MAX_ATTEMPTS = 1
        billing.state.fail_next = 1
        batch, _ = payout_batch_start_nightly(run_date=DAY)
        batch = _run_all(batch)
        assert (batch.done, batch.failed) == (2, 1)
        with django_capture_on_commit_callbacks(execute=True):
            payout_request_retry(request_id=requests[0].pk)  # eager: issued after commit
    batch.refresh_from_db()
    assert PayoutRequest.objects.get(pk=requests[0].pk).status == Status.ISSUED
    assert (batch.done, batch.failed, batch.skipped) == (3, 0, 0)
    assert LedgerEntry.objects.filter(batch=batch).count() == 3
    from payouts.selectors import reconciliation_report

    assert reconciliation_report().ok


def test_a_failed_request_issued_by_a_later_nightly_counts_as_skipped_in_its_first_batch(
    settings,
):
    from payouts.services.requests import payout_request_retry

    request = PayoutRequestFactory()
    with BillingServer() as billing:
        settings.PAYOUTS_ISSUER = "http"
        settings.PAYOUTS_BILLING_URL = billing.url
        settings.PAYOUTS_BILLING_MAX_ATTEMPTS = 1
        billing.state.fail_next = 1
        first = _run_all(payout_batch_start_nightly(run_date=DAY)[0])
    assert first.failed == 1
    settings.PAYOUTS_ISSUER = "ledger"
    from unittest import mock

    with mock.patch("payouts.tasks.issue_request.delay"):  # the retry's message is lost
        payout_request_retry(request_id=request.pk)
    second = _run_all(payout_batch_start_nightly(run_date=DAY + dt.timedelta(days=1))[0])
    first.refresh_from_db()
    assert (second.done, second.failed) == (1, 0)
    assert (first.done, first.failed, first.skipped) == (0, 0, 1)


def test_a_chunk_whose_worker_died_mid_post_is_resumed_and_reposted_with_the_same_key(settings):
    from payouts.issuers import get_issuer
    from payouts.models import PayoutChunk
    from payouts.services.batches import payout_batch_resume

    first, _second = PayoutRequestFactory.create_batch(2)
    with BillingServer() as billing:
        settings.PAYOUTS_ISSUER = "http"
        settings.PAYOUTS_BILLING_URL = billing.url
        batch, _ = payout_batch_start_nightly(run_date=DAY)
        chunk = batch.chunks.get()
        # The dead worker: it claimed the chunk and the first request, posted it (billing
        # granted), and was killed before recording the answer.
        long_ago = timezone.now() - dt.timedelta(
            minutes=settings.PAYOUTS_ISSUING_TIMEOUT_MINUTES + 1
        )
        PayoutChunk.objects.filter(pk=chunk.pk).update(status="running", runs=1)
        PayoutRequest.objects.filter(pk=first.pk).update(status=Status.ISSUING, updated_at=long_ago)
        get_issuer().deliver(first)
        assert payout_batch_resume(batch_id=batch.pk) == 1  # releases the claim, re-queues
        payout_chunk_run(chunk_id=chunk.pk)
    batch.refresh_from_db()
    assert set(PayoutRequest.objects.values_list("status", flat=True)) == {Status.ISSUED}
    assert billing.state.posts[first.idempotency_key] == 2  # reposted, same key
    assert len(billing.state.grants) == 2  # granted once each
    assert (batch.done, batch.failed, batch.skipped, batch.status) == (2, 0, 0, "finished")
    assert LedgerEntry.objects.count() == 2


def test_a_request_committed_late_inside_a_planned_range_keeps_the_counts_right():
    from payouts.selectors import reconciliation_report

    PayoutRequestFactory.create_batch(4)
    batch, _ = payout_batch_start_nightly(chunk_size=10)
    [chunk] = list(batch.chunks.all())
    # Its id was handed out before the plan but it committed after: it sits inside the range
    # the plan counted without it.
    late = PayoutRequestFactory()
    PayoutChunk.objects.filter(pk=chunk.pk).update(last_id=late.pk)
    payout_chunk_run(chunk_id=chunk.pk)
    batch.refresh_from_db()
    chunk.refresh_from_db()
    assert (chunk.total, chunk.done, chunk.skipped) == (5, 5, 0)
    assert (batch.total, batch.done, batch.failed, batch.skipped) == (5, 5, 0, 0)
    assert batch.status == "finished"
    report = reconciliation_report()
    assert report.ok, report


def test_an_outcome_recorded_after_its_chunk_finished_keeps_the_batch_exact():
    from payouts.issuers import Delivery
    from payouts.selectors import reconciliation_report
    from payouts.services.issuing import deliver_and_record

    first, _second = PayoutRequestFactory.create_batch(2)
    batch, _ = payout_batch_start_nightly(chunk_size=10)
    [chunk] = list(batch.chunks.all())

    class OverlappingRun:
        """A delivery during which a second run of the same chunk (a resume) finishes it."""

        name = "http"
        bulk = False

        def deliver(self, request):
            payout_chunk_run(chunk_id=chunk.pk)  # issues the other, skips this one (issuing)
            return Delivery(external_ref="bill-1", attempts=1)

    request = PayoutRequest.objects.get(pk=first.pk)
    assert deliver_and_record(request, issuer=OverlappingRun(), events=True, chunk=chunk)
    chunk.refresh_from_db()
    batch.refresh_from_db()
    assert (chunk.total, chunk.done, chunk.skipped) == (2, 2, 0)
    assert (batch.total, batch.done, batch.failed, batch.skipped) == (2, 2, 0, 0)
    assert reconciliation_report().ok
