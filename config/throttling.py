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
        counts = self.cache.get_many([current_key, previous_key])
        self._current = counts.get(current_key, 0)
        self._previous = counts.get(previous_key, 0)
        weight = 1 - self._elapsed / self.duration
        if self._previous * weight + self._current >= self.num_requests:
            return False
        try:
            self.cache.incr(current_key)
        except ValueError:  # the window's first call, or its counter expired since the read
            # Kept for two windows: the next window weighs this one. `add` loses nothing to a
            # process that created the counter in between: then it counts there.
            if not self.cache.add(current_key, 1, timeout=2 * self.duration + 1):
                with suppress(ValueError):
                    self.cache.incr(current_key)
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
