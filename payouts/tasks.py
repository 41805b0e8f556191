"""Celery tasks of payouts: ids in, one service call, declared retry policy.

Names are pinned (`payouts.*`) because beat schedules and queued messages refer to them by name.
Every task is idempotent and acknowledged late (settings: CELERY_TASK_ACKS_LATE), so a worker
killed mid-task leaves its message to be redelivered and the rerun does nothing twice.
The Redis visibility timeout (CELERY_VISIBILITY_TIMEOUT, 1 h) is longer than every time limit
below, so a task still running is never handed to a second worker.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError

from payouts.services import batches, chunks, grants, issuing, reminders

# Database hiccups (a failover, a dropped connection) are worth retrying; rule errors are not.
_TRANSIENT = (OperationalError, InterfaceError)
_RETRY = {
    "autoretry_for": _TRANSIENT,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="payouts.issue_request", time_limit=5 * 60, soft_time_limit=4 * 60, **_RETRY)
def issue_request(request_id: int) -> str:
    return issuing.payout_request_issue(request_id=request_id).status


@shared_task(
    name="payouts.run_nightly_batch", time_limit=30 * 60, soft_time_limit=28 * 60, **_RETRY
)
def run_nightly_batch(run_date: str | None = None) -> int:
    """02:00 KST (beat). `run_date` is an ISO date; today in Asia/Seoul when omitted."""
    batch, _created = batches.payout_batch_start_nightly(
        run_date=date.fromisoformat(run_date) if run_date else None
    )
    return batch.pk


@shared_task(name="payouts.run_chunk", time_limit=15 * 60, soft_time_limit=14 * 60, **_RETRY)
def run_chunk(chunk_id: int) -> str:
    return chunks.payout_chunk_run(chunk_id=chunk_id).status


@shared_task(name="payouts.resume_batch", time_limit=5 * 60, **_RETRY)
def resume_batch(batch_id: int) -> int:
    return batches.payout_batch_resume(batch_id=batch_id)


@shared_task(name="payouts.resume_stalled_batches", time_limit=5 * 60, **_RETRY)
def resume_stalled_batches() -> list[int]:
    return batches.payout_batches_resume_stalled()


@shared_task(name="payouts.resume_stalled_grant_loads", time_limit=5 * 60, **_RETRY)
def resume_stalled_grant_loads() -> list[int]:
    return grants.blanket_grants_resume_stalled_loads()


@shared_task(
    name="payouts.run_blanket_grant", time_limit=50 * 60, soft_time_limit=48 * 60, **_RETRY
)
def run_blanket_grant(grant_id: int, actor_id: int | None = None) -> int | None:
    """Load and issue a grant's recipients (restartable: ON CONFLICT DO NOTHING); its batch,
    or None when another run of the grant is under way."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    batch = grants.blanket_grant_run(grant_id=grant_id, actor=actor)
    return batch.pk if batch is not None else None


@shared_task(name="payouts.send_coupon_reminders", time_limit=30 * 60, **_RETRY)
def send_coupon_reminders(today: str | None = None) -> int:
    """10:00 KST (beat). Plans today's D-7/D-3 reminders and sends the pending ones."""
    return reminders.coupon_reminders_run(today=date.fromisoformat(today) if today else None)
