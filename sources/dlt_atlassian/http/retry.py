"""When to retry and how long to wait: pure functions over status codes and response headers.

Atlassian tells clients when to come back in several ways: ``Retry-After`` (seconds, sometimes
``0``, or an HTTP date), ``Beta-Retry-After`` (beta rate limits) and ``X-RateLimit-Reset`` (an
ISO 8601 timestamp). When none is present we back off exponentially with full jitter. Nothing
here sleeps or reads a clock: callers pass ``now`` and a random source, so every branch is
testable directly.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})
# Never retried: the request itself is wrong, forbidden, or gone; retrying only burns quota.
NEVER_RETRY_STATUSES: frozenset[int] = frozenset({400, 401, 403, 404, 410})
# RateLimit-Reason values naming an app/tenant-wide budget (jira-quota-global-based,
# jira-quota-tenant-based, jira-cost-based, points-based) rather than one endpoint's burst.
_QUOTA_WORDS = ("quota", "cost", "points")


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to try and how long to wait between tries.

    Attributes:
        max_attempts: total tries per request (first try included) for 429/5xx/network errors.
        backoff_base: first backoff step in seconds (doubles each attempt).
        backoff_max: cap of one backoff step (full jitter picks in ``[0, step]``).
        min_retry_after: floor for server-given waits, so ``Retry-After: 0`` is not a spin.
        max_server_delay: longest server-given wait we honour; longer ones fail the request.
        quota_pause_after: a 429 asking to wait at least this long (or whose
            ``RateLimit-Reason`` mentions a quota) pauses the whole client, not one request.
        malformed_json_attempts: tries when a 200 carries a body that is not valid JSON.
    """

    max_attempts: int = 6
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    min_retry_after: float = 1.0
    max_server_delay: float = 3600.0
    quota_pause_after: float = 60.0
    malformed_json_attempts: int = 3


def is_retryable_status(status: int) -> bool:
    """Return True for statuses worth another try (429 and transient 5xx)."""
    return status in RETRY_STATUSES


def backoff_delay(
    attempt: int, policy: RetryPolicy, rand: Callable[[], float] = random.random
) -> float:
    """Full-jitter exponential backoff for the ``attempt``-th retry (1-based).

    Args:
        attempt: 1 for the first retry, 2 for the second, ...
        policy: the retry policy giving base and cap.
        rand: returns a float in ``[0, 1)``; injectable for tests.

    Returns:
        Seconds to wait, uniformly in ``[0, min(cap, base * 2**(attempt-1))]``.
    """
    step = min(policy.backoff_max, policy.backoff_base * 2.0 ** max(0, attempt - 1))
    return step * rand()


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Parse a ``Retry-After`` value: delta seconds (``"5"``, ``"0"``, ``"1.5"``) or an HTTP date.

    Args:
        value: the header value, or None.
        now: current epoch seconds (only used for the HTTP-date form).

    Returns:
        Seconds to wait (may be 0 or negative for dates in the past), or None if unparseable.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        return None
    return when.timestamp() - now


def parse_reset_timestamp(value: str | None, *, now: float) -> float | None:
    """Parse ``X-RateLimit-Reset`` (ISO 8601 like ``2024-01-17T12:35:00Z``) into seconds from now.

    Epoch seconds are accepted too, since some proxies rewrite the header that way.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        return number - now if number > 1e9 else number
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:  # Atlassian sends UTC; a naive stamp is read as UTC too
        when = when.replace(tzinfo=UTC)
    return when.timestamp() - now


def server_wait(headers: Mapping[str, str], *, now: float) -> tuple[float, str] | None:
    """The wait the server asked for and the header that said it, or None if it did not say.

    Order: ``Retry-After``, then ``Beta-Retry-After``, then ``X-RateLimit-Reset``. The result
    is not clamped; see :func:`retry_delay`.
    """
    for name in ("retry-after", "beta-retry-after"):
        delay = parse_retry_after(headers.get(name), now=now)
        if delay is not None:
            return delay, name
    reset = parse_reset_timestamp(headers.get("x-ratelimit-reset"), now=now)
    return (reset, "x-ratelimit-reset") if reset is not None else None


def server_delay(headers: Mapping[str, str], *, now: float) -> float | None:
    """Seconds the server asked to wait (see :func:`server_wait`), or None."""
    wait = server_wait(headers, now=now)
    return wait[0] if wait is not None else None


def _reason(headers: Mapping[str, str]) -> str:
    return (headers.get("ratelimit-reason") or headers.get("x-ratelimit-reason") or "").lower()


def retry_delay(
    attempt: int,
    policy: RetryPolicy,
    headers: Mapping[str, str] | None = None,
    *,
    now: float = 0.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based).

    ``Retry-After`` / ``Beta-Retry-After`` win, floored at ``policy.min_retry_after`` so ``0``
    is not a spin. ``X-RateLimit-Reset`` alone is honoured too, with two exceptions: a stamp
    absurdly far away (clock skew) falls back to backoff, and for a *burst* limit the stamp
    (documented with minute precision) is only an upper bound on a short backoff. Without any
    of them: full-jitter exponential backoff.
    """
    backoff = backoff_delay(attempt, policy, rand)
    wait = server_wait(headers, now=now) if headers is not None else None
    if wait is None:
        return backoff
    seconds, source = wait
    if source == "x-ratelimit-reset" and headers is not None:
        if seconds > policy.max_server_delay:
            return backoff
        if "burst" in _reason(headers):
            floor = policy.min_retry_after
            return min(max(floor, seconds), max(floor, backoff))
    return max(policy.min_retry_after, seconds)


def is_quota_exhausted(headers: Mapping[str, str], delay: float, policy: RetryPolicy) -> bool:
    """True when a 429 means the whole client must stop (hourly/tenant quota), not one request.

    Atlassian names the limit in ``RateLimit-Reason`` (e.g. ``jira-quota-tenant-based``,
    ``jira-quota-global-based``, ``jira-cost-based``); burst limits (``jira-burst-based``) only
    need the request to wait. A very long ``Retry-After`` means the same, whatever the reason says.
    """
    reason = _reason(headers)
    return any(word in reason for word in _QUOTA_WORDS) or delay >= policy.quota_pause_after
