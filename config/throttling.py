"""API rate limits that cost the same at any rate.

DRF's throttles keep every call's time of the last window in one cache entry and read, trim
and write that whole list on every call: at 1,200 calls a minute each call unpickles and
pickles a list of 1,200 floats, and two processes writing the list at once lose each other's
calls. Here a caller's calls are counted per fixed window (one integer, `incr` in the cache,
atomic in Redis), and the rate is judged over a sliding window by weighting the previous
window's count by how much of it still overlaps, the usual approximation.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from rest_framework import throttling


class SlidingWindowRateMixin:
    """`allow_request` and `wait` of DRF's SimpleRateThrottle over two window counters."""

    rate: str | None
    num_requests: int
    duration: int
    cache: Any
    key: str | None

    def allow_request(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)  # type: ignore[attr-defined]
        if self.key is None:
            return True
        now = self.timer()  # type: ignore[attr-defined]
        window = int(now // self.duration)
        self._elapsed = now - window * self.duration
        current_key = f"{self.key}:{window}"
        previous_key = f"{self.key}:{window - 1}"
        # Counted first, judged after: `incr` hands concurrent calls distinct counts, so of
        # several calls at the edge of the rate exactly the ones that fit pass. A refused call
        # is taken back off.
        self._previous = self.cache.get(previous_key, 0)
        try:
            count = self.cache.incr(current_key)
        except ValueError:  # the window's first call, or its counter expired since
            # Kept for two windows: the next window weighs this one.
            if self.cache.add(current_key, 1, timeout=2 * self.duration + 1):
                count = 1
            else:  # another process created it in between
                count = self.cache.incr(current_key)
        weight = 1 - self._elapsed / self.duration
        # The calls before this one (count - 1) must leave room for it, as DRF's rule reads.
        if self._previous * weight + count - 1 >= self.num_requests:
            with suppress(ValueError):
                self.cache.decr(current_key)
            self._current = count - 1
            return False
        self._current = count
        return True

    def wait(self) -> float:
        """Seconds until the estimate falls below the rate again."""
        d, n = self.duration, self.num_requests
        if self._current < n and self._previous:
            # Within this window, as the previous window's weight shrinks.
            return max(d * (1 - (n - self._current) / self._previous) - self._elapsed, 1.0)
        # This window alone is over the rate: into the next, while this one's weight shrinks.
        return max(d - self._elapsed + d * (1 - n / max(self._current, 1)), 1.0)


class AnonRateThrottle(SlidingWindowRateMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(SlidingWindowRateMixin, throttling.UserRateThrottle):
    pass
