"""Celery tasks of incidents: ids in, one service call, declared retry policy.

Names are pinned (`incidents.*`) because the beat schedule refers to them by name. Each task is
idempotent (acknowledged late, settings: CELERY_TASK_ACKS_LATE): a redelivered one does nothing
twice.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from incidents.services import flags, rm_sla

# Database hiccups (a failover, a dropped connection) are worth retrying.
_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(
    name="incidents.sweep_sla_breaches", time_limit=10 * 60, soft_time_limit=9 * 60, **_RETRY
)
def sweep_sla_breaches() -> int:
    """Every 5 minutes (beat): mark late RM cases breached, once, and notify their assignees.
    Returns how many it marked."""
    return rm_sla.incident_sla_sweep_breaches()


@shared_task(
    name="incidents.rejudge_repeat_accident_flags",
    time_limit=30 * 60,
    soft_time_limit=29 * 60,
    **_RETRY,
)
def rejudge_repeat_accident_flags() -> int:
    """Daily (beat): judge 사고다발 again for every account with a standing flag, so a flag
    whose accidents left the rolling window is cleared. Returns how many it cleared."""
    return flags.account_flags_rejudge_standing()
