"""Relief import benchmark: `python -m claims.relief.bench` (or `make bench-relief`).

Needs PostgreSQL (DATABASE_URL). In a scratch database created for the run and dropped
afterwards: generates a CSV shaped like seed 000 (105,116 rows by default, a few hundred bad
rows and duplicates), imports it through the product path (`relief_import_run`: COPY into an
unlogged staging table, SQL checks and tiering, one landing transaction) and prints the time,
the counts, and the peak memory: the process's RSS (ru_maxrss) and Python's allocations
(tracemalloc, in a second import so its overhead does not skew the timing).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claims.relief.bench", description=__doc__)
    parser.add_argument("--rows", type=int, default=105_116)
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False  # DEBUG would keep every query in memory
    if connection.vendor != "postgresql":
        print("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
        return 2
    settings.DATABASES["default"].setdefault("TEST", {})
    settings.DATABASES["default"]["TEST"]["NAME"] = (
        settings.DATABASES["default"]["NAME"] + "_relief_bench"
    )
    db_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings.RELIEF_IMPORT_ROOT = Path(tmp) / "relief"
            _run(args.rows, Path(tmp), db_name)
    finally:
        if not args.keep_db:
            connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)
    return 0


def _import(path: Path) -> tuple[float, object]:
    from claims.relief.importer import relief_import_create, relief_import_run

    job = relief_import_create(program="outage-1015", source=path, original_name=path.name)
    started = time.perf_counter()
    job = relief_import_run(import_id=job.pk)
    return time.perf_counter() - started, job


def _run(rows: int, tmp: Path, db_name: str) -> None:
    from django.db import connection

    from claims.relief.generate import generate

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    print("Relief import benchmark")
    print(
        f"machine: {os.cpu_count()} CPU ({_cpu()}), Python {platform.python_version()}, "
        f"PostgreSQL {pg_version}, database {db_name}"
    )
    path = tmp / "relief.csv"
    started = time.perf_counter()
    planned = generate(path, rows=rows)
    print(
        f"generated {rows:,} rows ({path.stat().st_size / 1e6:.1f} MB; planned "
        f"{planned['bad']} bad rows, {planned['duplicates']} duplicate numbers) "
        f"in {time.perf_counter() - started:.2f} s"
    )
    rss_before = _rss_mb()
    seconds, job = _import(path)
    print(
        f"import: {seconds:.2f} s — {job.status}: imported {job.imported:,} "  # type: ignore[attr-defined]
        f"(duplicates {job.duplicates:,}), rejected {job.rejected:,}; "  # type: ignore[attr-defined]
        f"{rows / seconds:,.0f} rows/s"
    )
    print(f"peak RSS of the process: {_rss_mb():.0f} MB (before the import {rss_before:.0f} MB)")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE claims_reliefapplicationevent, claims_reliefapplicationgrant, "
            "claims_reliefapplication CASCADE"
        )
    tracemalloc.start()
    _import(path)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak Python allocations during an import (tracemalloc): {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    raise SystemExit(main())
