"""Blanket-grant benchmark: `python -m payouts.bench` (or `make bench`). Needs PostgreSQL.

Measures, in a scratch database created for the run and dropped afterwards:

1. the product path for N recipients (default 1,000,000): `blanket_grant_run`, which with the
   ledger issuer loads and issues in one pass (every recipient COPYed into an unlogged
   staging table, then per slice, on `--workers` connections at once: INSERT … ON CONFLICT
   DO NOTHING of issued requests RETURNING → ledger INSERT, with the chunk row);
   and, for reference, the two-step path an issuer that delivers takes (load as pending, then
   the grant's batch issued chunk by chunk: UPDATE … RETURNING → ledger INSERT);
2. the physical reference: the same number of rows through a raw psycopg COPY straight into the
   payout request table (no staging, no conflict check, no ledger);
3. the baseline: a naive loop of `PayoutRequest.objects.create` for 20,000 rows;

then the ratios, and the peak memory of the process (ru_maxrss) and of Python allocations while
loading N recipients (tracemalloc, a separate pass so its overhead does not skew the timings).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


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
    parser = argparse.ArgumentParser(prog="python -m payouts.bench", description=__doc__)
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--naive", type=int, default=20_000)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="chunks issued in parallel, as workers would (default: the CPU count)",
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)

    _setup_django()
    from django.conf import settings
    from django.db import connection

    # DEBUG would keep every query in memory (and the local settings turn it on).
    settings.DEBUG = False

    if connection.vendor != "postgresql":
        print("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
        return 2

    settings.DATABASES["default"].setdefault("TEST", {})
    settings.DATABASES["default"]["TEST"]["NAME"] = settings.DATABASES["default"]["NAME"] + "_bench"
    db_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        _run(args, db_name)
    finally:
        if not args.keep_db:
            connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)
    return 0


def _run(args: argparse.Namespace, db_name: str) -> None:
    import psycopg
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from payouts.models import PayoutBatch, PayoutRequest, SourceKind
    from payouts.services.batches import payout_batch_start_for_grant
    from payouts.services.chunks import payout_chunk_run
    from payouts.services.grant_loading import blanket_grant_load, synthetic_recipients
    from payouts.services.grants import blanket_grant_create, blanket_grant_run

    n = args.recipients
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    print("Blanket-grant benchmark")
    print(
        f"machine: {os.cpu_count()} CPU ({_cpu()}), Python {platform.python_version()}, "
        f"PostgreSQL {pg_version}, database {db_name}; chunks issued by {args.workers} "
        f"parallel workers, {settings.PAYOUTS_CHUNK_SIZE:,} requests a chunk"
    )
    rss_start = _rss_mb()
    # Both paths issue on as many connections as workers would use.
    settings.PAYOUTS_GRANT_ISSUE_CONNECTIONS = args.workers

    # 1. Product path, timed without tracemalloc: one pass.
    one = blanket_grant_create(
        code="bench-one-pass",
        name="벤치마크 한 번에",
        instrument="emoticon",
        count=3,
        recipient_kind="customer",
        program="bench",
    )
    p0 = time.perf_counter()
    one_batch = blanket_grant_run(
        grant_id=one.pk, recipients=synthetic_recipients(n), enqueue=False
    )
    p1 = time.perf_counter()
    assert one_batch is not None
    one_batch.refresh_from_db()
    assert one_batch.done == n, one_batch.done
    one_rate = n / (p1 - p0)

    # The two-step path, for reference.
    grant = blanket_grant_create(
        code="bench-emoticon",
        name="벤치마크 이모티콘",
        instrument="emoticon",
        count=3,
        recipient_kind="customer",
        program="bench",
    )
    t0 = time.perf_counter()
    loaded = blanket_grant_load(grant=grant, recipients=synthetic_recipients(n))
    t1 = time.perf_counter()
    batch = payout_batch_start_for_grant(grant=grant, enqueue=False)
    chunk_ids = list(batch.chunks.order_by("index").values_list("pk", flat=True))

    def run_chunk(chunk_id: int) -> None:
        try:
            payout_chunk_run(chunk_id=chunk_id)
        finally:
            connection.close()  # this thread's connection

    # Threads stand in for worker processes: the work is in PostgreSQL, one backend each.
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        list(pool.map(run_chunk, chunk_ids))
    t2 = time.perf_counter()
    batch = PayoutBatch.objects.get(pk=batch.pk)
    assert loaded == n and batch.done == n, (loaded, batch.done)
    rss_product = _rss_mb()
    load_rate = n / (t1 - t0)
    issue_rate = n / (t2 - t1)
    e2e_rate = n / (t2 - t0)

    # 2. Raw COPY into the same table: the physical reference.
    conninfo = connection.get_connection_params()
    now = timezone.now()
    t3 = time.perf_counter()
    with psycopg.connect(**conninfo) as raw, raw.cursor() as cur:
        with cur.copy(
            f"COPY {PayoutRequest._meta.db_table} (recipient_kind, recipient_id, instrument, "
            "count, action, source_kind, source_ref, program, idempotency_key, status, attempts, "
            "last_error, memo, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(n):
                rid = f"S{i:09d}"
                copy.write_row(
                    (
                        "customer",
                        rid,
                        "emoticon",
                        3,
                        "",
                        SourceKind.PROGRAM_GRANT.value,
                        "bench-copy",
                        "bench",
                        f"copy:{rid}",
                        "pending",
                        0,
                        "",
                        "",
                        now,
                        now,
                    )
                )
    t4 = time.perf_counter()
    copy_rate = n / (t4 - t3)

    # 3. Naive baseline.
    t5 = time.perf_counter()
    for i in range(args.naive):
        PayoutRequest.objects.create(
            recipient_kind="customer",
            recipient_id=f"N{i:09d}",
            instrument="emoticon",
            count=3,
            source_kind=SourceKind.PROGRAM_GRANT,
            source_ref="bench-naive",
            idempotency_key=f"naive:{i}",
        )
    t6 = time.perf_counter()
    naive_rate = args.naive / (t6 - t5)

    # 4. Memory of the load path under tracemalloc (a second grant, same N).
    grant2 = blanket_grant_create(
        code="bench-memory", name="메모리", instrument="emoticon", count=1, recipient_kind="driver"
    )
    tracemalloc.start()
    tm0 = time.perf_counter()
    blanket_grant_load(grant=grant2, recipients=synthetic_recipients(n))
    tm1 = time.perf_counter()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_end = _rss_mb()

    print()
    print(f"{'path':<58}{'rows':>11}{'seconds':>10}{'rows/s':>12}")
    rows = [
        ("product: end to end, one pass = blanket grants/s", n, p1 - p0, one_rate),
        ("two-step: load (COPY → staging → INSERT ON CONFLICT)", n, t1 - t0, load_rate),
        ("two-step: issue (chunks: UPDATE … RETURNING → ledger)", n, t2 - t1, issue_rate),
        ("two-step: end to end (load + issue)", n, t2 - t0, e2e_rate),
        ("reference: raw psycopg COPY into payoutrequest", n, t4 - t3, copy_rate),
        ("baseline: Model.objects.create loop", args.naive, t6 - t5, naive_rate),
    ]
    for label, count, secs, rate in rows:
        print(f"{label:<58}{count:>11,}{secs:>10.1f}{rate:>12,.0f}")
    print()
    print(f"end to end / raw COPY       {one_rate / copy_rate:6.2f}×   (one pass, the product)")
    print(f"two-step end to end / COPY  {e2e_rate / copy_rate:6.2f}×")
    print(f"two-step load / raw COPY    {load_rate / copy_rate:6.2f}×")
    print(f"load / naive create         {load_rate / naive_rate:6.1f}×")
    # The scale of the 1015 outage's emoticon grant (DOMAIN.md §5), at this run's rate.
    target = 17_300_000
    print(
        f"17,300,000 recipients at this end-to-end rate: {target / one_rate / 60:.1f} min "
        f"(raw COPY: {target / copy_rate / 60:.1f} min)"
    )
    print(f"end to end / naive create   {one_rate / naive_rate:6.1f}×")
    print()
    print(
        f"peak RSS (ru_maxrss): {rss_start:.0f} MB after start-up, {rss_product:.0f} MB after "
        f"the product path, {rss_end:.0f} MB at the end"
    )
    print(
        f"tracemalloc peak while loading {n:,} recipients: {peak / 1024 / 1024:.1f} MB "
        f"(that pass took {tm1 - tm0:.1f} s with tracing on)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
