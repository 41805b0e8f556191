"""Putting work on the queue: after commit, by task name, never failing the caller.

Services name the task they want ("payouts.run_chunk") instead of importing `payouts.tasks`,
which imports the services: the tasks are the interface, and the two modules never import each
other. The names are pinned by tests/payouts/test_tasks.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Task, current_app
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError

logger = logging.getLogger(__name__)

ISSUE_REQUEST = "payouts.issue_request"
RUN_CHUNK = "payouts.run_chunk"
RUN_BLANKET_GRANT = "payouts.run_blanket_grant"


def task(task_name: str) -> Task:
    """The registered task `task_name`, in any process."""
    if task_name not in current_app.tasks:
        # Outside a worker the task modules are imported on first use (the app discovers
        # them lazily): web processes and commands send tasks too.
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name]


def delay(task_name: str, *args: object) -> None:
    """Send the registered task `task_name` now (eagerly, where tasks run in process)."""
    task(task_name).delay(*args)


def send_after_commit(send: Callable[[], object], *, what: str) -> None:
    """Run `send` (a broker publish) once the transaction commits, never failing the caller.

    The caller's decision is already committed when this runs; a broker that is down must not
    turn it into a 500. The work is not lost: a request stays pending for the nightly sweep, a
    batch's chunks for the resume task. `robust=True` (Django 5) also keeps any other error of
    the callback from reaching the caller and from stopping the other callbacks.
    """

    def guarded() -> None:
        try:
            send()
        except (KombuOperationalError, OSError) as exc:
            logger.error("enqueue of %s failed, left for the sweep: %s", what, exc)

    transaction.on_commit(guarded, robust=True)


def delay_after_commit(task_name: str, *args: object, what: str) -> None:
    """`delay(task_name, *args)` once the transaction commits (see send_after_commit)."""
    send_after_commit(lambda: delay(task_name, *args), what=what)
