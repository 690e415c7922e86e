"""Pure tests of the adaptive limiter with a fake clock (no real sleeping in the logic)."""

from __future__ import annotations

import itertools
import threading
import time

from dlt_atlassian.http.limiter import RateLimiter
from http_fixtures import FakeClock


def make(clock: FakeClock, **kwargs: object) -> RateLimiter:
    return RateLimiter(clock=clock.now, sleep=clock.sleep, **kwargs)  # type: ignore[arg-type]


def test_pacing_spaces_starts_by_rate() -> None:
    clock = FakeClock()
    limiter = make(clock, max_concurrency=4, rate=2.0)
    starts = []
    for _ in range(5):
        with limiter.slot():
            starts.append(clock.now())
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(abs(g - 0.5) < 1e-9 for g in gaps), gaps
    assert limiter.stats().waited_seconds >= 2.0 - 1e-9


def test_429_cuts_rate_and_concurrency_then_recovers_gradually() -> None:
    clock = FakeClock()
    limiter = make(clock, max_concurrency=8, rate=10.0, decrease_cooldown=1.0, increase_step=0.5)
    limiter.on_response(429, {})
    assert limiter.rate == 5.0
    assert limiter.concurrency_limit == 4
    # a second 429 inside the cooldown (same burst) does not cut again
    limiter.on_response(429, {})
    assert limiter.rate == 5.0
    assert limiter.stats().throttled == 2
    rates = []
    for _ in range(20):
        limiter.on_response(200, {})
        rates.append(limiter.rate)
    assert rates[0] == 5.5  # additive, not a jump back
    assert all(b is not None and a is not None and b >= a for a, b in itertools.pairwise(rates))
    assert rates[-1] == 10.0  # capped at the configured rate
    assert limiter.concurrency_limit > 4
    for _ in range(200):
        limiter.on_response(200, {})
    assert limiter.concurrency_limit == 8


def test_floors_are_respected() -> None:
    clock = FakeClock()
    limiter = make(clock, max_concurrency=2, rate=1.0, min_rate=0.5, decrease_cooldown=0)
    for _ in range(10):
        clock.advance(2)
        limiter.on_response(429, {})
    assert limiter.rate == 0.5
    assert limiter.concurrency_limit == 1


def test_unpaced_limiter_becomes_paced_on_429_and_unpaced_again() -> None:
    clock = FakeClock()
    limiter = make(clock, max_concurrency=4, increase_step=1.0)
    for _ in range(20):  # 20 starts within the 2 s window -> observed 10 req/s
        with limiter.slot():
            clock.advance(0.05)
    assert limiter.rate is None
    limiter.on_response(429, {})
    assert limiter.rate == 5.0
    for _ in range(10):
        limiter.on_response(200, {})
    assert limiter.rate is None


def test_near_limit_slows_without_cutting_concurrency() -> None:
    clock = FakeClock()
    limiter = make(clock, max_concurrency=8, rate=10.0)
    limiter.on_response(200, {"x-ratelimit-nearlimit": "true"})
    assert limiter.rate == 8.0
    assert limiter.concurrency_limit == 8
    assert limiter.stats().near_limit == 1


def test_pause_blocks_every_new_request_until_the_reset() -> None:
    clock = FakeClock()
    limiter = make(clock, max_concurrency=4)
    limiter.pause_for(120)
    assert limiter.paused_for() == 120
    with limiter.slot():
        assert clock.now() >= 1000 + 120
    stats = limiter.stats()
    assert stats.pauses == 1
    assert stats.waited_seconds >= 120


def test_concurrency_cap_holds_across_threads() -> None:
    limiter = RateLimiter(max_concurrency=3)
    barrier = threading.Barrier(10)

    def work() -> None:
        barrier.wait()
        with limiter.slot():
            time.sleep(0.02)

    threads = [threading.Thread(target=work) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    stats = limiter.stats()
    assert stats.requests == 10
    assert stats.peak_in_flight == 3
    assert stats.in_flight == 0
