"""Issuers: the outside side of issuing a payout request.

An issuer delivers a grant to whoever hands it to the recipient and answers with a
reference; the ledger row and the status change are written afterwards by
`payouts.services`, in a short transaction, once delivery is confirmed. Network calls
never happen inside a database transaction.

- `LedgerIssuer` (default) has nothing to deliver: our ledger is the record. Because it has
  no per-request side effect, services may issue a whole chunk with one set-based statement
  (`bulk = True`).
- `HttpIssuer` posts each request to the billing endpoint with an `Idempotency-Key` header,
  so a repeated post (a lost response, a redelivered task) is answered with the first result
  instead of a second grant. 5xx answers, 429 and timeouts are retried with exponential
  backoff; other 4xx answers are final.

The contract billing must keep (exactly-once delivery rests on it):
- Billing de-duplicates by `Idempotency-Key`: a second post with a key it has seen grants
  nothing and answers with the first post's result (its reference), for as long as we may
  repost: at least PAYOUTS_ISSUING_TIMEOUT_MINUTES plus a retry's delay, in practice keys are
  kept for good.
- A 2xx answer means granted (its body's reference is recorded); a 4xx other than 429 means
  not granted, ever, for that key.

Where billing does not de-duplicate, an ambiguous failure (a timeout or 5xx after the post
left) followed by a retry, or a claim released after its worker died and reposted, can grant
twice: our ledger records one grant, billing holds two, and reconciliation against billing's
own records is the only way to see it. Such requests are flagged `last_failure_retryable` and
cannot be cancelled without a look in billing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import httpx
from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from payouts.models import PayoutRequest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    external_ref: str
    attempts: int


class DeliveryFailed(Exception):
    """The issuer gave up: `attempts` tries, the last error in the message."""

    def __init__(self, message: str, *, attempts: int, retryable: bool) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.retryable = retryable


class Issuer(Protocol):
    name: str
    bulk: bool

    def deliver(self, request: PayoutRequest) -> Delivery: ...


class LedgerIssuer:
    name = "ledger"
    bulk = True

    def deliver(self, request: PayoutRequest) -> Delivery:
        return Delivery(external_ref="", attempts=1)


class HttpIssuer:
    name = "http"
    bulk = False

    def __init__(
        self,
        *,
        url: str,
        connect_timeout: float = 2.0,
        read_timeout: float = 5.0,
        max_attempts: int = 4,
        backoff: float = 0.5,
        backoff_max: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not url:
            raise ValueError("HttpIssuer needs the billing URL (PAYOUTS_BILLING_URL)")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.url = url
        self.timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.transport = transport
        self.sleep = sleep
        self._client: httpx.Client | None = None

    def _get_client(self) -> httpx.Client:
        # One client (one connection pool) per issuer: a chunk of 2,000 deliveries reuses its
        # keep-alive connections instead of opening 2,000.
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, transport=self.transport)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def payload(self, request: PayoutRequest) -> dict[str, object]:
        return {
            "idempotency_key": request.idempotency_key,
            "recipient_kind": request.recipient_kind,
            "recipient_id": request.recipient_id,
            "instrument": request.instrument,
            "amount": request.amount,
            "count": request.count,
            "action": request.action or None,
            "memo": request.memo or None,
            "validity_days": request.validity_days,
            "source_kind": request.source_kind,
            "source_ref": request.source_ref,
        }

    def deliver(self, request: PayoutRequest) -> Delivery:
        headers = {"Idempotency-Key": request.idempotency_key}
        body = self.payload(request)
        last_error = ""
        client = self._get_client()
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = client.post(self.url, json=body, headers=headers)
            except httpx.TimeoutException as exc:
                last_error = f"시간 초과: {type(exc).__name__}"
            except httpx.TransportError as exc:
                last_error = f"연결 오류: {type(exc).__name__}: {exc}"
            else:
                if response.is_success:
                    return Delivery(external_ref=_reference(response), attempts=attempt)
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
                if response.status_code < 500 and response.status_code != 429:
                    # The endpoint refused the grant itself; asking again gives the same.
                    raise DeliveryFailed(last_error, attempts=attempt, retryable=False)
            logger.warning(
                "billing attempt %s/%s for %s failed: %s",
                attempt,
                self.max_attempts,
                request.idempotency_key,
                last_error,
            )
            if attempt < self.max_attempts:
                self.sleep(min(self.backoff_max, self.backoff * 2 ** (attempt - 1)))
        raise DeliveryFailed(
            f"{self.max_attempts}회 시도 후 실패: {last_error}",
            attempts=self.max_attempts,
            retryable=True,
        )


def _reference(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict):
        return str(data.get("id") or data.get("reference") or "")[:100]
    return ""


def close_issuer(issuer: Issuer) -> None:
    close = getattr(issuer, "close", None)
    if close is not None:
        close()


def get_issuer() -> Issuer:
    name = getattr(settings, "PAYOUTS_ISSUER", "ledger")
    if name == "ledger":
        return LedgerIssuer()
    if name == "http":
        return HttpIssuer(
            url=settings.PAYOUTS_BILLING_URL,
            connect_timeout=settings.PAYOUTS_BILLING_CONNECT_TIMEOUT,
            read_timeout=settings.PAYOUTS_BILLING_READ_TIMEOUT,
            max_attempts=settings.PAYOUTS_BILLING_MAX_ATTEMPTS,
            backoff=settings.PAYOUTS_BILLING_BACKOFF,
        )
    # A dotted path names a custom issuer class (e.g. a fake in a demo).
    return import_string(name)()
