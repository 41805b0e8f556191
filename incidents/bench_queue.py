"""RM queue page benchmark: `python -m incidents.bench_queue` (or `make bench-rm`).

Requests the queue page (`/incidents/`) through Django's full stack in this process (URL
routing, middleware, session login, the view, its queries, the template), as a logged-in plain
RM user (`rm-seed-1`, made by `seed_incidents`), over the typical filter combinations in turn:
the default view (open cases, most urgent SLA first), 내 담당, one category, SLA state 지연,
the second page by keyset, and the newest-first sort. Prints p50/p95/max per combination and
overall, with the machine. Run it against the database `seed_incidents --count 1000000` filled
(DATABASE_URL); it only reads.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import time


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # Measured as served: no debug toolbar of queries kept in memory.
    os.environ.setdefault("DJANGO_DEBUG", "0")
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


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m incidents.bench_queue", description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--user", default="rm-seed-1")
    args = parser.parse_args(argv)
    _setup_django()

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from incidents.models import Incident

    user = get_user_model().objects.filter(username=args.user).first()
    if user is None:
        print(f"사용자 {args.user}가 없습니다: 먼저 `manage.py seed_incidents`를 실행하세요.")
        return 2
    total = Incident.objects.count()
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    first = client.get("/incidents/")
    assert first.status_code == 200, first.status_code
    found = re.search(r'href="\?([^"]*)" id="next-page"', first.content.decode())
    page2 = "/incidents/?" + found.group(1).replace("&amp;", "&") if found else "/incidents/"
    scenarios = {
        "default (open, SLA due first)": "/incidents/",
        "내 담당": "/incidents/?mine=on",
        "category criminal": "/incidents/?category=criminal",
        "SLA 기한 초과": "/incidents/?sla=breached",
        "page 2 (keyset)": page2,
        "newest first": "/incidents/?sort=new",
    }
    queries: dict[str, int] = {}
    for name, url in scenarios.items():  # warm-up, and the query count of each
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        queries[name] = len(captured)
    load_before = os.getloadavg()
    timings: dict[str, list[float]] = {name: [] for name in scenarios}
    names = list(scenarios)
    for i in range(args.requests):
        name = names[i % len(names)]
        started = time.perf_counter()
        response = client.get(scenarios[name])
        timings[name].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200

    print(f"RM queue page, {total:,} incidents, {args.requests} requests as {args.user}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    print(f"machine: {os.cpu_count()} CPUs, {_cpu()}; PostgreSQL {server}")
    # A shared machine's other work shows in the tail: the load says how busy it was.
    load_after = os.getloadavg()
    print(f"load average (1 min) before/after: {load_before[0]:.2f} / {load_after[0]:.2f}")
    print(f"{'combination':<32}{'n':>4}{'queries':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, values in timings.items():
        print(
            f"{name:<32}{len(values):>4}{queries[name]:>9}{statistics.median(values):>9.1f}"
            f"{_pct(values, 0.95):>9.1f}{max(values):>9.1f}"
        )
    every = [v for values in timings.values() for v in values]
    print(
        f"{'all':<32}{len(every):>4}{'':>9}{statistics.median(every):>9.1f}"
        f"{_pct(every, 0.95):>9.1f}{max(every):>9.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
