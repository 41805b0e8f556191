import datetime as dt

import pytest
from django.conf import settings

from config.celery_app import app
from payouts import tasks
from payouts.models import LedgerEntry, PayoutBatch, PayoutRequest
from tests.payouts.factories import BlanketGrantFactory, PayoutRequestFactory

PINNED = {
    "payouts.issue_request": tasks.issue_request,
    "payouts.run_nightly_batch": tasks.run_nightly_batch,
    "payouts.run_chunk": tasks.run_chunk,
    "payouts.resume_batch": tasks.resume_batch,
    "payouts.resume_stalled_batches": tasks.resume_stalled_batches,
    "payouts.resume_stalled_grant_loads": tasks.resume_stalled_grant_loads,
    "payouts.run_blanket_grant": tasks.run_blanket_grant,
    "payouts.send_coupon_reminders": tasks.send_coupon_reminders,
}


def test_task_names_are_pinned():
    app.loader.import_default_modules()
    for name, task in PINNED.items():
        assert task.name == name
        assert name in app.tasks and app.tasks[name].run is task.run


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "payouts.run_nightly_batch",
        "payouts.send_coupon_reminders",
        "payouts.resume_stalled_batches",
        "payouts.resume_stalled_grant_loads",
    } <= scheduled
    assert scheduled <= set(app.tasks)
    nightly = settings.CELERY_BEAT_SCHEDULE["payouts-nightly-batch"]["schedule"]
    assert (nightly.hour, nightly.minute) == ({2}, {0})  # in CELERY_TIMEZONE, Asia/Seoul
    assert settings.CELERY_TIMEZONE == "Asia/Seoul"


def test_redis_visibility_timeout_outlasts_every_task_time_limit():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    limits = [task.time_limit or settings.CELERY_TASK_TIME_LIMIT for task in PINNED.values()]
    assert visibility > max(limits)
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


@pytest.mark.django_db
def test_issue_request_run_twice_issues_once():
    request = PayoutRequestFactory()
    assert tasks.issue_request.apply(args=[request.pk]).get() == "issued"
    assert tasks.issue_request.apply(args=[request.pk]).get() == "issued"
    assert LedgerEntry.objects.filter(request=request).count() == 1


@pytest.mark.django_db(transaction=True)
def test_nightly_task_run_twice_gives_one_batch_and_one_grant_each():
    PayoutRequestFactory.create_batch(5)
    first = tasks.run_nightly_batch.apply(kwargs={"run_date": "2026-11-24"}).get()
    second = tasks.run_nightly_batch.apply(kwargs={"run_date": "2026-11-24"}).get()
    assert first == second
    batch = PayoutBatch.objects.get()
    assert (batch.run_date, batch.status, batch.done) == (dt.date(2026, 11, 24), "finished", 5)
    assert LedgerEntry.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_chunk_and_resume_tasks_run_twice_issue_once():
    PayoutRequestFactory.create_batch(4)
    from config.celery_app import app as celery
    from payouts.services.batches import payout_batch_start_nightly

    # Plan without running: queue nothing (a broker that loses the messages).
    celery.conf.task_always_eager = False
    try:
        from unittest import mock

        with mock.patch("payouts.tasks.run_chunk.delay"):
            batch, _ = payout_batch_start_nightly(run_date=dt.date(2026, 11, 25), chunk_size=2)
    finally:
        celery.conf.task_always_eager = True
    assert PayoutRequest.objects.filter(status="pending").count() == 4
    chunk = batch.chunks.order_by("index").first()
    tasks.run_chunk.apply(args=[chunk.pk]).get()
    tasks.run_chunk.apply(args=[chunk.pk]).get()
    assert LedgerEntry.objects.count() == 2
    tasks.resume_batch.apply(args=[batch.pk]).get()
    tasks.resume_batch.apply(args=[batch.pk]).get()
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.chunks_finished) == ("finished", 4, 2)
    assert LedgerEntry.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_blanket_grant_task_run_twice_grants_once():
    grant = BlanketGrantFactory(synthetic_count=25)
    tasks.run_blanket_grant.apply(args=[grant.pk]).get()
    tasks.run_blanket_grant.apply(args=[grant.pk]).get()
    assert LedgerEntry.objects.filter(grant=grant).count() == 25
    assert PayoutRequest.objects.filter(grant=grant).count() == 25
    grant.refresh_from_db()
    assert grant.status == "done"


@pytest.mark.django_db
def test_resume_stalled_task_is_harmless_when_nothing_stalls():
    assert tasks.resume_stalled_batches.apply().get() == []
    assert tasks.resume_stalled_grant_loads.apply().get() == []


def test_services_find_tasks_by_name_in_a_fresh_process():
    """A web process or a command has imported no task module when it first enqueues."""
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from payouts.services.enqueue import task; "
        "print(task('payouts.run_chunk').name, task('payouts.issue_request').name)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.stdout.split() == ["payouts.run_chunk", "payouts.issue_request"], result.stderr
