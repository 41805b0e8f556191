"""A real HTTP billing endpoint on 127.0.0.1 for the HTTP issuer's tests, in a thread.

It behaves like a billing service that honours `Idempotency-Key`: the first post of a key
grants and stores its answer, any later post of the same key is answered with the stored answer
and grants nothing. Faults are scripted per test: `fail_next` answers 500 that many times,
`slow_first` delays the first answer of each key past the client's timeout (the grant is made,
the answer is lost), `status` forces an answer code.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class BillingState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.grants: dict[str, dict] = {}
        self.posts: Counter[str] = Counter()
        self.fail_next = 0
        self.slow_first = 0.0
        self.status: int | None = None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def do_POST(self) -> None:
        state = self.server.state
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        key = self.headers.get("Idempotency-Key", "")
        delay = 0.0
        with state.lock:
            state.posts[key] += 1
            if state.status is not None:
                return self._answer(state.status, {"error": "refused"})
            if state.fail_next > 0:
                state.fail_next -= 1
                return self._answer(500, {"error": "internal"})
            if key not in state.grants:
                state.grants[key] = {"id": f"B-{len(state.grants) + 1}", "body": body}
                delay = state.slow_first
            answer = {"id": state.grants[key]["id"]}
        if delay:
            time.sleep(delay)
        try:
            self._answer(200, answer)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting: the answer is lost, the grant is made

    def _answer(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = BillingState()


class BillingServer:
    def __enter__(self) -> BillingServer:
        self.httpd = _Server()
        self.state = self.httpd.state
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/grants"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
