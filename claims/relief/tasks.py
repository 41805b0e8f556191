"""Celery tasks of relief: ids in, one service call, declared retry policy."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from claims.relief import importer

_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(name=importer.RUN_IMPORT_TASK, time_limit=30 * 60, soft_time_limit=28 * 60, **_RETRY)
def run_import(import_id: int) -> str:
    """Run one import to its end; a rerun of a finished one does nothing."""
    return importer.relief_import_run(import_id=import_id).status
