"""A shared, adaptive limiter: how many requests may be in flight, how fast, and global pauses.

One ``RateLimiter`` is shared by every client of a connection (Jira and Confluence count against
the same app quota). It caps concurrency, optionally paces starts to a rate, and adapts AIMD-style:
a 429 (or ``X-RateLimit-NearLimit: true``) cuts the rate and the concurrency, successes win them
back gradually. A quota-exhausted 429 pauses *every* thread until the reset, because one thread
waiting alone would let the others keep hammering a closed door.

Clock and sleep are injectable so the adaptive logic is tested with a fake clock, without sleeps.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

# How long the observed request rate is measured over, when a 429 arrives with no rate set.
_RATE_WINDOW = 2.0


ResponseSignal = Callable[[Mapping[str, str], float], None]
"""Told each successful response's headers and its seconds in flight."""


class RequestGate(Protocol):
    """A caller's own cap on some of its requests (e.g. one endpoint's).

    Held around each attempt besides the shared limiter (see ``confluence/pacing.py``).
    """

    def slot(self) -> AbstractContextManager[ResponseSignal]:
        """Hold one slot for an attempt; the yielded function hears how it went."""
        ...


@dataclass(frozen=True)
class LimiterStats:
    """A snapshot of the limiter's counters (for logs and the benchmark)."""

    requests: int
    retries: int
    throttled: int  # 429 responses
    near_limit: int  # responses flagged X-RateLimit-NearLimit
    pauses: int  # whole-client pauses (quota exhausted)
    waited_seconds: float  # total time threads spent waiting for a slot, pacing or a pause
    in_flight: int
    peak_in_flight: int
    concurrency_limit: int
    rate: float | None  # current pacing in requests/second, None = unpaced


class RateLimiter:
    """Concurrency cap + adaptive pacing + whole-client pauses, safe to share across threads.

    Args:
        max_concurrency: most requests in flight at once (also the recovery ceiling).
        rate: steady pacing in requests/second, or None to start unpaced.
        min_rate: the adaptive rate never drops below this.
        min_concurrency: the adaptive concurrency never drops below this.
        decrease_factor: multiplier applied to rate and concurrency on a 429.
        near_limit_factor: multiplier applied to the rate on ``X-RateLimit-NearLimit: true``.
        increase_step: requests/second added back to the rate per success.
        decrease_cooldown: seconds during which further 429s do not cut again (a burst of
            429s from requests already in flight is one signal, not sixteen).
        clock: monotonic seconds; injectable for tests.
        sleep: blocks for the given seconds; injectable for tests.
    """

    def __init__(
        self,
        max_concurrency: int = 16,
        *,
        rate: float | None = None,
        min_rate: float = 0.5,
        min_concurrency: int = 1,
        decrease_factor: float = 0.5,
        near_limit_factor: float = 0.8,
        increase_step: float = 0.5,
        decrease_cooldown: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be >= 1")
        self.max_concurrency = max_concurrency
        self.configured_rate = rate
        self.min_rate = min_rate
        self.min_concurrency = max(1, min(min_concurrency, max_concurrency))
        self.decrease_factor = decrease_factor
        self.near_limit_factor = near_limit_factor
        self.increase_step = increase_step
        self.decrease_cooldown = decrease_cooldown
        self.clock = clock
        self.sleep = sleep

        self._cond = threading.Condition()
        self._limit = float(max_concurrency)
        self._rate = rate
        self._rate_ceiling = rate  # where recovery stops; None = back to unpaced
        self._unpaced_at = 0.0  # when unpaced before a cut, the rate at which pacing ends again
        self._next_start = 0.0
        self._paused_until = 0.0
        self._last_decrease = float("-inf")
        self._starts: deque[float] = deque()
        self._in_flight = 0
        self._peak = 0
        self._requests = 0
        self._retries = 0
        self._throttled = 0
        self._near_limit = 0
        self._pauses = 0
        self._waited = 0.0

    # ----------------------------------------------------------------- acquiring a slot

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one in-flight slot for the duration of a request."""
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def acquire(self) -> None:
        """Block until a pause is over, a concurrency slot is free and pacing allows a start."""
        started = self.clock()
        while True:
            self._wait_for_pause()
            with self._cond:
                while self._in_flight >= max(1, int(self._limit)):
                    self._cond.wait(timeout=0.25)
                if self._paused_until > self.clock():
                    continue  # a pause began while we waited for a slot
                self._in_flight += 1
                self._peak = max(self._peak, self._in_flight)
                delay = self._reserve_start()
            if delay > 0:
                self.sleep(delay)
            break
        with self._cond:
            self._requests += 1
            self._waited += max(0.0, self.clock() - started)
            now = self.clock()
            self._starts.append(now)
            while self._starts and self._starts[0] < now - _RATE_WINDOW:
                self._starts.popleft()

    def release(self) -> None:
        """Give the slot back."""
        with self._cond:
            self._in_flight -= 1
            self._cond.notify()

    def _wait_for_pause(self) -> None:
        while True:
            with self._cond:
                remaining = self._paused_until - self.clock()
            if remaining <= 0:
                return
            self.sleep(remaining)

    def _reserve_start(self) -> float:
        """Book the next paced start time; return how long the caller must wait (lock held)."""
        if self._rate is None or self._rate <= 0:
            return 0.0
        now = self.clock()
        start = max(now, self._next_start)
        self._next_start = start + 1.0 / self._rate
        return start - now

    # ----------------------------------------------------------------- feedback

    def on_response(self, status: int, headers: Mapping[str, str] | None = None) -> None:
        """Adapt to one response: cut on 429 / near-limit, recover on plain successes."""
        near = (headers or {}).get("x-ratelimit-nearlimit", "").strip().lower() == "true"
        with self._cond:
            if status == 429:
                self._throttled += 1
                self._decrease(self.decrease_factor, concurrency=True)
            elif near:
                self._near_limit += 1
                self._decrease(self.near_limit_factor, concurrency=False)
            elif status < 400:
                self._increase()
            self._cond.notify_all()

    def note_retry(self) -> None:
        """Count one retry (for stats)."""
        with self._cond:
            self._retries += 1

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` before one request's retry (counted in ``waited_seconds``)."""
        if seconds <= 0:
            return
        started = self.clock()
        self.sleep(seconds)
        with self._cond:
            self._waited += max(0.0, self.clock() - started)

    def pause_for(self, seconds: float) -> None:
        """Stop every thread from starting requests for ``seconds`` (quota exhausted)."""
        with self._cond:
            until = self.clock() + max(0.0, seconds)
            if until > self._paused_until:
                self._paused_until = until
                self._pauses += 1
            self._cond.notify_all()

    def paused_for(self) -> float:
        """Seconds left in the current whole-client pause (0 when not paused)."""
        with self._cond:
            return max(0.0, self._paused_until - self.clock())

    def _observed_rate(self) -> float:
        now = self.clock()
        recent = [t for t in self._starts if t >= now - _RATE_WINDOW]
        return len(recent) / _RATE_WINDOW

    def _decrease(self, factor: float, *, concurrency: bool) -> None:
        now = self.clock()
        if now - self._last_decrease < self.decrease_cooldown:
            return
        self._last_decrease = now
        current = self._rate if self._rate is not None else self._observed_rate()
        if self._rate is None:
            # Unpaced until now: recover up to what we were doing, then go unpaced again.
            self._unpaced_at = max(current, self.min_rate * 2)
        self._rate = max(self.min_rate, current * factor)
        if concurrency:
            self._limit = max(float(self.min_concurrency), int(self._limit * factor) * 1.0)

    def _increase(self) -> None:
        # Additive increase: +1 concurrency per "round" of successes, +step req/s per success.
        if self._limit < self.max_concurrency:
            self._limit = min(
                float(self.max_concurrency), self._limit + 1.0 / max(1.0, self._limit)
            )
        if self._rate is not None:
            ceiling = self._rate_ceiling
            self._rate += self.increase_step
            if ceiling is not None and self._rate >= ceiling:
                self._rate = ceiling
            elif ceiling is None and self._rate >= self._unpaced_at:
                self._rate = None

    # ----------------------------------------------------------------- stats

    @property
    def rate(self) -> float | None:
        """Current pacing in requests/second (None = unpaced)."""
        with self._cond:
            return self._rate

    @property
    def concurrency_limit(self) -> int:
        """Current adaptive concurrency cap."""
        with self._cond:
            return max(1, int(self._limit))

    def stats(self) -> LimiterStats:
        """Return a consistent snapshot of the counters."""
        with self._cond:
            return LimiterStats(
                requests=self._requests,
                retries=self._retries,
                throttled=self._throttled,
                near_limit=self._near_limit,
                pauses=self._pauses,
                waited_seconds=self._waited,
                in_flight=self._in_flight,
                peak_in_flight=self._peak,
                concurrency_limit=max(1, int(self._limit)),
                rate=self._rate,
            )
