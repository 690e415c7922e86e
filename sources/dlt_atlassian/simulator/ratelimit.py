"""Atlassian's two binding limits: a per-endpoint burst bucket and an hourly points quota.

The burst bucket is per tenant, endpoint and HTTP method (``RateLimit-Reason:
jira-burst-based``); the quota charges points per request plus per object returned and resets
at the top of each hour of the simulated clock (``RateLimit-Reason: jira-quota-global-based``).
How a 429 says when to come back is configurable, because Atlassian is inconsistent about it:
``Retry-After: N``, ``Retry-After: 0``, or only ``X-RateLimit-Reset`` (ISO 8601 timestamp).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from dlt_atlassian.simulator.clock import SimClock
from dlt_atlassian.simulator.config import RateLimitConfig

HOUR = 3600.0
_MIXED_ORDER = ("seconds", "zero", "absent")


@dataclass
class _Bucket:
    tokens: float
    real_at: float
    sim_at: float


@dataclass
class Decision:
    """The limiter's verdict on one request: headers to add, and a 429 if it is refused."""

    allowed: bool
    headers: list[tuple[str, str]] = field(default_factory=list)
    reason: str | None = None


class RateLimiter:
    """Thread-safe burst buckets and points quota; everything off unless ``enabled``."""

    def __init__(self, config: RateLimitConfig, clock: SimClock) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self._window_start = self._hour_start(clock.timestamp())
        self._points = 0
        self._mixed = 0
        self.refusals = 0

    @property
    def config(self) -> RateLimitConfig:
        """The rules in force."""
        return self._config

    def configure(self, config: RateLimitConfig | None = None, **changes: object) -> None:
        """Swap the rules at run time (a new config, or field changes); counters are kept."""
        with self._lock:
            base = config if config is not None else self._config
            self._config = replace(base, **changes) if changes else base  # type: ignore[arg-type]

    def reset(self) -> None:
        """Refill every bucket and zero the quota."""
        with self._lock:
            self._buckets.clear()
            self._points = 0
            self._window_start = self._hour_start(self._clock.timestamp())
            self.refusals = 0

    def points_used(self) -> int:
        """Points charged in the current hour."""
        with self._lock:
            self._roll_window_locked(self._clock.timestamp())
            return self._points

    def check(self, product: str, endpoint: str, auth_kind: str | None) -> Decision:
        """Decide whether a request to ``endpoint`` may run now, and charge its request points."""
        cfg = self._config
        if not cfg.enabled:
            return Decision(True)
        now = self._clock.timestamp()
        with self._lock:
            self._roll_window_locked(now)
            pays_quota = cfg.hourly_points is not None and auth_kind in cfg.quota_auth_kinds
            if pays_quota and cfg.hourly_points is not None and self._points >= cfg.hourly_points:
                wait = max(1, math.ceil(self._window_start + HOUR - now))
                return self._refuse_locked(f"{product}-quota-global-based", wait, now, 0,
                                           self._burst(endpoint)[0])
            bucket = self._refill_locked(endpoint, now)
            capacity, rate = self._burst(endpoint)
            if bucket.tokens < 1.0:
                wait = max(1, math.ceil((1.0 - bucket.tokens) / max(rate, 1e-9)))
                return self._refuse_locked(f"{product}-burst-based", wait, now, bucket.tokens,
                                           capacity)
            bucket.tokens -= 1.0
            if pays_quota:
                self._points += cfg.points_per_request
            return Decision(True, self._info_headers_locked(bucket.tokens, capacity, pays_quota))

    def charge_objects(self, count: int, auth_kind: str | None) -> None:
        """Charge the points for ``count`` objects a response returned."""
        cfg = self._config
        if not cfg.enabled or cfg.hourly_points is None or auth_kind not in cfg.quota_auth_kinds:
            return
        with self._lock:
            self._points += count * cfg.points_per_object

    # -- internals ---------------------------------------------------------------------------
    @staticmethod
    def _hour_start(ts: float) -> float:
        return ts - (ts % HOUR)

    def _roll_window_locked(self, now: float) -> None:
        start = self._hour_start(now)
        if start != self._window_start:
            self._window_start, self._points = start, 0

    def _burst(self, endpoint: str) -> tuple[float, float]:
        cfg = self._config
        capacity, rate = cfg.endpoint_burst.get(endpoint, (cfg.burst_capacity,
                                                           cfg.burst_per_second))
        return float(capacity), float(rate)

    def _refill_locked(self, endpoint: str, now: float) -> _Bucket:
        (capacity, rate), real = self._burst(endpoint), time.monotonic()
        bucket = self._buckets.get(endpoint)
        if bucket is None:
            bucket = self._buckets[endpoint] = _Bucket(capacity, real, now)
        # Refill by real time *or* simulated time, whichever moved more: a frozen clock must
        # not starve a client that waits as told, and advancing the clock refills too.
        elapsed = max(real - bucket.real_at, now - bucket.sim_at, 0.0)
        bucket.tokens = min(capacity, bucket.tokens + elapsed * rate)
        bucket.real_at, bucket.sim_at = real, now
        return bucket

    def _info_headers_locked(self, tokens: float, capacity: float,
                             pays_quota: bool) -> list[tuple[str, str]]:
        cfg = self._config
        headers = [("X-RateLimit-Limit", str(int(capacity))),
                   ("X-RateLimit-Remaining", str(max(0, int(tokens))))]
        near = tokens < cfg.near_limit_fraction * capacity
        if pays_quota and cfg.hourly_points:
            near = near or (cfg.hourly_points - self._points) < (
                cfg.near_limit_fraction * cfg.hourly_points)
        if near:
            headers.append(("X-RateLimit-NearLimit", "true"))
        return headers

    def _refuse_locked(self, reason: str, wait: int, now: float, tokens: float,
                       capacity: float) -> Decision:
        cfg = self._config
        self.refusals += 1
        mode = cfg.retry_after_mode
        if mode == "mixed":
            mode = _MIXED_ORDER[self._mixed % len(_MIXED_ORDER)]
            self._mixed += 1
        headers = self._info_headers_locked(tokens, capacity, False)
        if ("X-RateLimit-NearLimit", "true") not in headers:
            headers.append(("X-RateLimit-NearLimit", "true"))
        headers.append(("RateLimit-Reason", reason))
        headers.append(("X-RateLimit-Reset", self._reset_stamp(now + wait)))
        if mode == "seconds":
            headers.append(("Retry-After", str(wait)))
        elif mode == "zero":
            headers.append(("Retry-After", "0"))
        return Decision(False, headers, reason)

    def _reset_stamp(self, ts: float) -> str:
        when = datetime.fromtimestamp(ts, UTC)
        if self._config.reset_precision == "second":
            return when.strftime("%Y-%m-%dT%H:%M:%SZ")
        # Documented as yyyy-MM-ddTHH:mmZ; round up so the stamp is never before the reset.
        if when.second or when.microsecond:
            when = when.replace(second=0, microsecond=0) + timedelta(minutes=1)
        return when.strftime("%Y-%m-%dT%H:%MZ")
