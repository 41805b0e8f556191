"""Exactly once under a crash: a real Celery worker on the real Redis broker and PostgreSQL is
SIGKILLed in the middle of a nightly batch of 50,000 requests; a new worker reruns the batch;
every request is issued exactly once.

The worker runs against this test's database (committed rows: a transactional test) and a
Redis database of its own (15, flushed before and after), so it neither sees nor leaves
messages of anything else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from django.db.models import Count
from kombu import Connection

from payouts.models import BlanketGrant, LedgerEntry, PayoutBatch, PayoutRequest
from payouts.selectors import reconciliation_report
from payouts.services.grant_loading import blanket_grant_load, synthetic_recipients
from tests.payouts.factories import BlanketGrantFactory

REQUESTS = 50_000
CHUNK = 250  # 200 chunks: the batch lasts long enough to be killed in the middle
HELD_CHUNK = 20  # the chunk the worker is killed inside
REDIS_DB = 15
RUN_DATE = "2031-01-15"
ROOT = Path(__file__).resolve().parents[2]


def _broker_url() -> str:
    parts = urlsplit(settings.CELERY_BROKER_URL)
    return urlunsplit(parts._replace(path=f"/{REDIS_DB}"))


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def _flush_broker() -> None:
    import redis

    redis.Redis.from_url(_broker_url()).flushdb()


def _send(name: str, **options: object) -> None:
    # An explicit connection: Celery prefers the CELERY_BROKER_URL environment variable (the
    # suite's shared broker) over any configured broker URL.
    producer = Celery("worker-kill-test", set_as_current=False)
    with Connection(_broker_url()) as conn:
        producer.send_task(name, connection=conn, serializer="json", **options)


def _start_worker(name: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": _broker_url(),
        "PAYOUTS_CHUNK_SIZE": str(CHUNK),
        "PAYOUTS_ISSUER": "ledger",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel=INFO",
        "--concurrency=2",
        "--pool=prefork",
        "--without-gossip",
        "--without-mingle",
        f"--hostname={name}@%h",
    ]
    # Its own process group, so SIGKILL reaches the pool children too, as when a machine dies.
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _kill(worker: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    if worker.poll() is None:
        try:
            os.killpg(worker.pid, sig)
        except ProcessLookupError:
            pass
    worker.wait(timeout=30)


def _wait_for(predicate, *, timeout: float, what: str, log: Path, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    pytest.fail(f"timed out waiting for {what}; worker log tail:\n{tail}")


def _batch() -> PayoutBatch | None:
    return PayoutBatch.objects.filter(kind="nightly", run_date=RUN_DATE).first()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_then_rerun_issues_every_request_exactly_once(tmp_path):
    grant = BlanketGrantFactory(code="worker-kill")
    assert blanket_grant_load(grant=grant, recipients=synthetic_recipients(REQUESTS)) == REQUESTS
    # Released, as its own batch would: the nightly sweep issues only released grants' rows.
    BlanketGrant.objects.filter(pk=grant.pk).update(status=BlanketGrant.Status.ISSUING)
    log = tmp_path / "worker.log"
    # Hold a row lock on one request in the middle of the batch from another connection.
    held_id = (
        PayoutRequest.objects.filter(grant=grant)
        .order_by("id")
        .values_list("id", flat=True)[HELD_CHUNK * CHUNK + CHUNK // 2]
    )
    holder = psycopg.connect(**connection.get_connection_params())
    holder.execute(
        f"SELECT id FROM {PayoutRequest._meta.db_table} WHERE id = %s FOR UPDATE", [held_id]
    )
    _flush_broker()
    workers: list[subprocess.Popen] = []
    try:
        workers.append(_start_worker("killed", log))
        _send("payouts.run_nightly_batch", kwargs={"run_date": RUN_DATE})

        def blocked_inside_the_held_chunk() -> bool:
            # The chunk holding the locked request is claimed and its work transaction waits on
            # our row lock: the worker is, for certain, in the middle of a chunk.
            batch = _batch()
            if batch is None:
                return False
            claimed = batch.chunks.filter(
                first_id__lte=held_id, last_id__gte=held_id, status="running"
            ).exists()
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                waiting = cursor.fetchone()[0]
            return claimed and waiting > 0

        _wait_for(blocked_inside_the_held_chunk, timeout=60, what="the held chunk", log=log)
        _kill(workers[0])
        holder.rollback()  # the killed worker's transaction never committed: nothing to keep
        connection.close()  # a fresh connection sees every commit the worker made
        at_kill = _batch()
        issued_at_kill = PayoutRequest.objects.filter(status="issued").count()
        # Killed in the middle: some chunks done, others not even started.
        assert 0 < at_kill.chunks_finished < at_kill.chunks_total == REQUESTS // CHUNK
        assert 0 < issued_at_kill < REQUESTS
        assert LedgerEntry.objects.count() == issued_at_kill
        # The chunk killed inside its work is still `running` (its claim committed) and none of
        # its requests was issued: its issues and its `done` commit together or not at all.
        interrupted = at_kill.chunks.get(first_id__lte=held_id, last_id__gte=held_id)
        assert interrupted.status == "running"
        assert not LedgerEntry.objects.filter(
            request_id__gte=interrupted.first_id, request_id__lte=interrupted.last_id
        ).exists()

        workers.append(_start_worker("rerun", log))
        # A second beat firing for the same night: one batch, nothing planned again.
        _send("payouts.run_nightly_batch", kwargs={"run_date": RUN_DATE})
        # The killed worker's unacknowledged chunks wait for the visibility timeout; the
        # resume re-enqueues every unfinished chunk now (chunks that run twice run once).
        _send("payouts.resume_batch", args=[at_kill.pk])

        def finished() -> bool:
            batch = _batch()
            return batch is not None and batch.status == PayoutBatch.Status.FINISHED

        _wait_for(finished, timeout=90, what="the batch to finish", log=log, interval=0.2)
    finally:
        holder.close()
        for worker in workers:
            _kill(worker, signal.SIGKILL)
        _flush_broker()
        connection.close()

    batch = _batch()
    assert PayoutBatch.objects.count() == 1
    assert (batch.done, batch.processed, batch.chunks_finished) == (
        REQUESTS,
        REQUESTS,
        batch.chunks_total,
    )
    assert PayoutRequest.objects.filter(status="issued").count() == REQUESTS
    assert not PayoutRequest.objects.exclude(status="issued").exists()
    assert LedgerEntry.objects.count() == REQUESTS
    assert not (
        LedgerEntry.objects.values("request_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    )
    assert reconciliation_report().ok
