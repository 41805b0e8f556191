"""Bulk import of relief applications from a partner channel's CSV (issue 13).

Guarantees:
- Every data row either lands (as an original or as a duplicate linked to its original) or is
  in the error report (line, column, value, Korean message); never both, never neither.
- The good rows land in one transaction: all of them or, if the run fails, none.
- Duplicates (same normalized business registration number in the same program; without one,
  the same applicant account in the same segment) are found
  within the file (the first line is the original) and against applications already stored;
  the landing transaction locks the applications table against concurrent filings meanwhile.
- The tier is decided set-based in SQL from the program version's data; a test checks it row
  by row against `policies.relief.evaluate`.

On PostgreSQL the rows are read with Python's csv module (exact line numbers, a wrong number of
cells is a row error, not a failed COPY) and streamed by COPY into an unlogged staging table;
checks, dedup and tiering are SQL statements over it. Elsewhere (SQLite) the same checks run
row by row in Python.
"""

import datetime
import logging
import shutil
import uuid
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from claims.relief.import_common import (
    COLUMNS,
    ImportAlreadyLanded,
    ImportFileError,
    error_report_exists,
    import_root,
)
from claims.relief.import_postgres import run_postgresql
from claims.relief.import_python import run_python
from claims.relief.models import ReliefImport
from payouts.services.enqueue import delay_after_commit
from policies.selectors_relief import program_by_code, program_rules, published_version

logger = logging.getLogger(__name__)

__all__ = [
    "COLUMNS",
    "RUN_IMPORT_TASK",
    "ImportFileError",
    "error_report_exists",
    "relief_import_create",
    "relief_import_enqueue",
    "relief_import_run",
]

RUN_IMPORT_TASK = "claims.relief_import_run"
# A run older than the task's time limit (claims.relief.tasks) was left by a dead worker.
STALE_RUN = datetime.timedelta(minutes=30)


def relief_import_create(
    *, program: str, source: Path | Any, original_name: str, actor: Any = None
) -> ReliefImport:
    """Keep a copy of the uploaded file and a pending import of it into `program`'s
    published version. `source` is a path or a file object (an upload)."""
    program_obj = program_by_code(program)
    version = published_version(program=program_obj)
    root = import_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{uuid.uuid4().hex}.csv"
    if isinstance(source, (str, Path)):
        shutil.copyfile(source, target)
    else:
        with target.open("wb") as out:
            for chunk in source.chunks() if hasattr(source, "chunks") else [source.read()]:
                out.write(chunk)
    return ReliefImport.objects.create(
        program=program_obj,
        program_version=version,
        file_path=str(target),
        original_name=original_name[:255],
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def relief_import_enqueue(*, import_id: int) -> None:
    """Queue the run once the caller's transaction commits (a lost enqueue leaves the import
    pending; `relief_import_run` may be called again for it)."""
    delay_after_commit(RUN_IMPORT_TASK, import_id, what=f"relief import {import_id}")


def relief_import_run(*, import_id: int) -> ReliefImport:
    """Run a pending import to its end (done or failed); it lands at most once.

    The run claims the import by moving it pending → running (compare-and-set): of two runs
    at once one claims it and the other returns. Running a finished one again does nothing.
    A run that finds it `running` returns too, unless that run has been going for longer
    than the task's time limit (its worker died): it then takes the import over, again by
    compare-and-set. Should two runs still reach the landing, the second waits on the
    applications table lock, sees the first one's rows and lands nothing.
    """
    job = ReliefImport.objects.select_related("program", "program_version").get(pk=import_id)
    if job.status in (ReliefImport.Status.DONE, ReliefImport.Status.FAILED):
        return job
    started = timezone.now()
    claimed = ReliefImport.objects.filter(pk=job.pk, status=ReliefImport.Status.PENDING).update(
        status=ReliefImport.Status.RUNNING, stage="파일 읽는 중", started_at=started
    )
    if not claimed:
        claimed = (
            ReliefImport.objects.filter(pk=job.pk, status=ReliefImport.Status.RUNNING)
            .filter(Q(started_at__isnull=True) | Q(started_at__lt=started - STALE_RUN))
            .update(stage="파일 읽는 중", started_at=started)
        )
    if not claimed:
        job.refresh_from_db()
        return job
    assert job.program_version is not None
    rules = program_rules(version=job.program_version)
    try:
        if connection.vendor == "postgresql":
            counts = run_postgresql(job, rules)
        else:
            counts = run_python(job, rules)
    except ImportAlreadyLanded:
        logger.warning("relief import %s: landed by another run", job.pk)
        job.refresh_from_db()
        return job
    except Exception as exc:
        logger.exception("relief import %s failed", job.pk)
        message = str(exc) if isinstance(exc, ImportFileError) else f"가져오기 실패: {exc}"
        # The main connection is free again (its transaction rolled back).
        ReliefImport.objects.filter(pk=job.pk).update(
            status=ReliefImport.Status.FAILED,
            stage="실패",
            error_message=message[:2000],
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    logger.info("relief import %s: %s", job.pk, counts)
    return job
