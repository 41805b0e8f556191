"""API rates over a sliding window, counted with one integer per caller and window."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from config.throttling import UserRateThrottle


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def throttle(monkeypatch):
    cache.clear()
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min"})
    clock = Clock(60 * 1000.0)  # the start of a window
    throttle = UserRateThrottle()
    throttle.timer = clock  # type: ignore[method-assign]
    yield throttle, clock
    cache.clear()


REQUEST = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=7))


def test_the_rate_holds_within_a_window(throttle):
    throttle, _ = throttle
    assert [throttle.allow_request(REQUEST, None) for _ in range(4)] == [True, True, True, False]
    assert 1 <= throttle.wait() <= 120


def test_the_previous_window_weighs_by_how_much_of_it_still_overlaps(throttle):
    throttle, clock = throttle
    clock.now += 50
    for _ in range(3):
        assert throttle.allow_request(REQUEST, None)
    clock.now += 20  # 10 s into the next window: the last window weighs 3 × 50/60 = 2.5
    assert throttle.allow_request(REQUEST, None)  # 2.5 + 0 < 3
    assert not throttle.allow_request(REQUEST, None)  # 2.5 + 1 ≥ 3
    # 3 × (1 - (10 + t)/60) + 1 < 3 from t = 10 s on.
    assert throttle.wait() == pytest.approx(10)
    clock.now += 10.5
    assert throttle.allow_request(REQUEST, None)


def test_a_window_over_the_rate_waits_into_the_next(throttle):
    throttle, clock = throttle
    for _ in range(3):
        throttle.allow_request(REQUEST, None)
    clock.now += 15
    assert not throttle.allow_request(REQUEST, None)
    # 45 s to the next window, where 3 × (1 - t/60) < 3 at once: at least 45 s.
    assert throttle.wait() == pytest.approx(45)
    clock.now += 45.5
    assert throttle.allow_request(REQUEST, None)


def test_each_caller_is_counted_with_one_integer_per_window(throttle):
    throttle, clock = throttle
    throttle.allow_request(REQUEST, None)
    throttle.allow_request(REQUEST, None)
    window = int(clock.now // 60)
    assert cache.get(f"{throttle.key}:{window}") == 2


def test_concurrent_calls_at_the_edge_of_the_rate_let_exactly_the_rate_through(throttle):
    import threading

    throttle, clock = throttle
    barrier = threading.Barrier(20)
    results: list[bool] = []

    def call() -> None:
        mine = UserRateThrottle()
        mine.timer = clock  # type: ignore[method-assign]
        barrier.wait()
        results.append(mine.allow_request(REQUEST, None))

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 3
    # Refused calls are taken back off: the window holds the three that passed.
    assert cache.get(f"{throttle.get_cache_key(REQUEST, None)}:{int(clock.now // 60)}") == 3
