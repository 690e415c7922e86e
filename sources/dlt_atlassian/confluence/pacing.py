"""Per-endpoint pacing of the per-item reads (versions, labels, children of hidden content).

Atlassian's burst limits are per tenant, endpoint and method, and its guidance for a burst 429
is to slow down *that endpoint only*. Every response says when a budget is nearly spent
(``X-RateLimit-NearLimit: true``: less than 20% left), so each endpoint gets a small AIMD gate
on its requests in flight: a flagged response halves the gate (at most once per round trip, as
the responses to requests already sent carry the same news), unflagged ones widen it by about
one request per round trip. The bucket then hovers near the 20% mark: the endpoint runs at the
rate Atlassian refills, never drained into 429s, and without hard-coding any limit.

The requests still go through the shared client (retries, the shared limiter, auth): a gate is
passed to ``client.paginate`` / ``client.get_json`` as their ``gate`` and only decides how many
of one endpoint's requests may be in flight at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from dlt_atlassian.http.limiter import ResponseSignal

# Halving on a near-limit signal: the 20% left must absorb the requests already in flight
# while the cap comes down; the bucket then refills the dip, so throughput stays at the rate.
_CUT = 0.5
_GROW = 1.1  # recovery below one request in flight
_FLOOR = 0.05  # at most 20 round trips between starts


def near_limit(headers: Mapping[str, str]) -> bool:
    """Whether a response says a rate-limit budget is nearly spent."""
    return headers.get("x-ratelimit-nearlimit", "").strip().lower() == "true"


class EndpointGate:
    """An adaptive cap on the requests in flight to one endpoint (thread-safe).

    Below one request in flight the cap becomes a gap between starts (``round_trip / limit``),
    so a fast server with a low limit is paced too.

    Args:
        ceiling: The most requests in flight (also where recovery stops).
        clock: Monotonic seconds; injectable for tests.
        sleep: Blocks for the given seconds; injectable for tests.
    """

    def __init__(self, ceiling: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.ceiling = max(1, ceiling)
        self.clock = clock
        self.sleep = sleep
        self.limit = float(self.ceiling)
        self.in_flight = 0
        self.cuts = 0
        self.round_trip = 0.0  # smoothed response time: the feedback delay (0 = no sample yet)
        self._last_cut = float("-inf")
        self._next_start = 0.0
        self._cond = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[ResponseSignal]:
        """Hold one slot; call the yielded function with the response headers and duration."""
        with self._cond:
            while self.in_flight >= max(1, int(self.limit)):
                self._cond.wait(timeout=0.5)
            self.in_flight += 1
            delay = 0.0
            if self.limit < 1:
                now = self.clock()
                start = max(now, self._next_start)
                self._next_start = start + self.round_trip / self.limit
                delay = start - now
        try:
            if delay > 0:
                self.sleep(delay)
            yield self._signal
        finally:
            with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()

    def _signal(self, headers: Mapping[str, str], seconds: float) -> None:
        with self._cond:
            sample = max(seconds, 0.001)
            self.round_trip = 0.8 * self.round_trip + 0.2 * sample if self.round_trip else sample
            if near_limit(headers):
                now = self.clock()
                if now - self._last_cut >= self.round_trip:
                    self._last_cut = now
                    self.limit = max(_FLOOR, self.limit * _CUT)
                    self.cuts += 1
            elif self.limit < 1:
                self.limit = min(1.0, self.limit * _GROW)
            elif self.limit < self.ceiling:
                self.limit = min(float(self.ceiling), self.limit + 1.0 / self.limit)
            self._cond.notify_all()


class Gates:
    """One :class:`EndpointGate` per endpoint template (e.g. ``pages/{id}/versions``)."""

    def __init__(self, ceiling: int) -> None:
        """Create gates lazily, each capped at ``ceiling`` requests in flight."""
        self.ceiling = ceiling
        self._gates: dict[str, EndpointGate] = {}
        self._lock = threading.Lock()

    def get(self, endpoint: str) -> EndpointGate:
        """The gate of ``endpoint`` (created on first use)."""
        with self._lock:
            gate = self._gates.get(endpoint)
            if gate is None:
                gate = self._gates[endpoint] = EndpointGate(self.ceiling)
            return gate
