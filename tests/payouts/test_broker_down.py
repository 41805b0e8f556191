"""A broker that is down when a request's transaction commits: the caller's decision is already
committed, so the enqueue failure is logged and the request waits for the nightly sweep. Run on
a real commit (a transactional test) against a broker URL nothing listens on."""

import datetime as dt
import logging

import pytest
from django.db import transaction

from payouts.models import PayoutRequest, RecipientKind, SourceKind
from payouts.services.batches import payout_batch_start_nightly
from payouts.services.chunks import payout_chunk_run
from payouts.services.requests import payout_request_create

UNREACHABLE = "redis://127.0.0.1:1/9"


@pytest.fixture
def broker_down(monkeypatch):
    from config.celery_app import app

    saved = (app.conf.task_always_eager, app.conf.broker_url, app._pool)
    app.conf.task_always_eager = False
    app.conf.broker_url = UNREACHABLE
    # Celery reads the CELERY_BROKER_URL environment variable before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE)
    # The app caches its connection pools; drop them so the next publish dials the new URL.
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.task_always_eager, app.conf.broker_url, _ = saved
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_broker_down_after_commit_does_not_fail_the_caller(broker_down, caplog):
    caplog.set_level(logging.ERROR)
    with transaction.atomic():  # e.g. the claims view saving its decision
        request = payout_request_create(
            recipient_kind=RecipientKind.CUSTOMER,
            recipient_id="C1",
            instrument="emoticon",
            count=3,
            source_kind=SourceKind.CLAIM_DECISION,
            idempotency_key="claim:1:emoticon",
        )
    # Reached: the commit went through and nothing was raised into the caller.
    assert PayoutRequest.objects.get(pk=request.pk).status == PayoutRequest.Status.PENDING
    assert "left for the sweep" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_request_whose_enqueue_failed_is_issued_by_the_nightly_sweep(broker_down):
    with transaction.atomic():
        request = payout_request_create(
            recipient_kind=RecipientKind.CUSTOMER,
            recipient_id="C2",
            instrument="emoticon",
            count=1,
            source_kind=SourceKind.CLAIM_DECISION,
            idempotency_key="claim:2:emoticon",
        )
    batch, _ = payout_batch_start_nightly(run_date=dt.date(2026, 11, 24))  # its enqueue fails too
    for chunk_id in batch.chunks.values_list("pk", flat=True):
        payout_chunk_run(chunk_id=chunk_id)
    assert PayoutRequest.objects.get(pk=request.pk).status == PayoutRequest.Status.ISSUED
