"""Bounded load test of the running back-office: `/healthz` against `POST /api/v1/quotes/`.

Starts gunicorn with the production settings (2 workers) on 127.0.0.1 against the database
in DATABASE_URL (PostgreSQL; default a `bosang_load` database it creates), drives it with
concurrent clients for a fixed time per phase, prints the rates, their ratio and latencies,
then stops the server. Run with `make load`; LOAD_CLIENTS and LOAD_SECONDS change the shape.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST, PORT = "127.0.0.1", int(os.environ.get("LOAD_PORT", "8765"))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "20"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "10"))
QUOTE = json.dumps(
    {
        "rule": "fare.wrong_amount_entered",
        "target": "customer",
        "facts": {"call_amount": 150000, "actual_fare": 60000, "expected_fare": 55000},
    }
)


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS=HOST,
        # Plain HTTP on the loopback: no TLS to redirect to.
        DJANGO_SECURE_SSL_REDIRECT="false",
        # The load is one user's; its rate limit would be the thing measured.
        API_THROTTLE_USER="100000000/min",
        DATABASE_URL=os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bosang_load"
        ),
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout


def prepare(env: dict[str, str]) -> str:
    """Create the database if needed, migrate, and return an agent's API token."""
    url = env["DATABASE_URL"]
    if url.startswith("postgres") and url.rsplit("/", 1)[1] == "bosang_load":
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", "bosang_load"],
            capture_output=True,
        )
    manage(env, "migrate", "--noinput", "-v0")
    code = (
        "from django.contrib.auth.models import Group, User; "
        "from rest_framework.authtoken.models import Token; "
        "u, _ = User.objects.get_or_create(username='load-agent'); "
        "u.groups.set([Group.objects.get(name='agent')]); "
        "Token.objects.filter(user=u).delete(); print(Token.objects.create(user=u).key)"
    )
    return manage(env, "shell", "-v0", "-c", code).strip().splitlines()[-1]


def request(method: str, path: str, token: str | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    conn.request(method, path, body=QUOTE if method == "POST" else None, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, time.perf_counter() - started


def phase(method: str, path: str, token: str | None, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        mine: list[float] = []
        bad = 0
        while time.perf_counter() < deadline:
            status, took = request(method, path, token)
            if status == 200:
                mine.append(took)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rate": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
        "ok": len(latencies),
        "errors": errors[0],
    }


def main() -> None:
    env = server_env()
    token = prepare(env)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", "2", "-b", f"{HOST}:{PORT}",
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                if request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        request("POST", "/api/v1/quotes/", token)  # each worker reads the book once
        request("POST", "/api/v1/quotes/", token)
        health = phase("GET", "/healthz", None, CLIENTS, SECONDS)
        quotes = phase("POST", "/api/v1/quotes/", token, CLIENTS, SECONDS)
        single = phase("POST", "/api/v1/quotes/", token, 1, min(SECONDS, 5))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{CLIENTS} clients, {SECONDS:.0f} s a phase, gunicorn -w 2, production settings")
    for name, r in (("/healthz", health), ("POST /api/v1/quotes/", quotes)):
        print(
            f"  {name:<22} {r['rate']:8.1f} req/s  p50 {r['p50_ms']:6.1f} ms  "
            f"p95 {r['p95_ms']:6.1f} ms  ({r['ok']} ok, {r['errors']} errors)"
        )
    print(f"  quote / healthz ratio  {quotes['rate'] / health['rate']:.2f}")
    print(f"  one client: quote p50 {single['p50_ms']:.1f} ms, p95 {single['p95_ms']:.1f} ms")


if __name__ == "__main__":
    main()
